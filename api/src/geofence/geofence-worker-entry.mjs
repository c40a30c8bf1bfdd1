// Entry module of a geofence worker thread when the project runs from TypeScript sources. On Node
// 20.20 a worker loaded its .ts entry without the parent's tsx loader, even with `--import tsx` in
// execArgv. So this plain JavaScript entry registers tsx's loader in the worker, then imports it.
import { register } from 'tsx/esm/api';

register();
await import('./geofence-worker.ts');
