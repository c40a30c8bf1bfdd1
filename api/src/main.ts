// `npm start`: the API (with the built web UI) and the outbox worker, which runs in a supervised
// child process so that the two use separate cores.
// `--api-only` leaves the worker out, for deployments that run `npm run start:worker` separately.
// `--worker-in-process` runs it inside this process instead, for machines with a single core.
import { loadConfig } from './config.js';
import { createLogger } from './logger.js';
import { closePlatform, createPlatform, startApi, startWorker } from './platform.js';
import { superviseWorkerProcess } from './worker-process.js';

const log = createLogger('main');
const workerInProcess = process.argv.includes('--worker-in-process');
const platform = createPlatform(loadConfig(), { applicationName: workerInProcess ? 'talash' : 'talash-api' });
const api = await startApi(platform);

let stopWorker: (() => Promise<void>) | undefined;
if (workerInProcess) stopWorker = await startWorker(platform);
else if (!process.argv.includes('--api-only')) stopWorker = superviseWorkerProcess();

let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  log.info({ signal }, 'shutting down');
  await api.stop();
  await stopWorker?.();
  await closePlatform(platform);
  process.exit(0);
}
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));
