// `npm start`: the API (with the built web UI) and the outbox worker in one process.
// `--api-only` leaves the worker out, for deployments that run `npm run start:worker` separately.
import { loadConfig } from './config.js';
import { createLogger } from './logger.js';
import { closePlatform, createPlatform, startApi, startWorker } from './platform.js';

const log = createLogger('main');
const platform = createPlatform(loadConfig());
const api = await startApi(platform);
const stopWorker = process.argv.includes('--api-only') ? undefined : await startWorker(platform);

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
