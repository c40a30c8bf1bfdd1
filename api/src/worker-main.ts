// `npm run start:worker`: the outbox worker alone, for deployments that scale it apart from the API.
import { loadConfig } from './config.js';
import { createLogger } from './logger.js';
import { closePlatform, createPlatform, startWorker } from './platform.js';
import { lowerWorkerPriority } from './worker-priority.js';

const log = createLogger('worker-main');
const config = loadConfig();
lowerWorkerPriority(config.WORKER_NICENESS);
const platform = createPlatform(config, { applicationName: 'talash-worker' });
const stopWorker = await startWorker(platform);

async function shutdown(signal: string): Promise<void> {
  log.info({ signal }, 'shutting down');
  await stopWorker();
  await closePlatform(platform);
  process.exit(0);
}
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));
