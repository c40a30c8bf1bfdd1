// Entry module of a face detector thread when the project runs from TypeScript sources. A worker
// thread does not inherit the parent's tsx loader, so this plain JavaScript entry registers it and
// then imports the thread's code (the same arrangement as geofence-worker-entry.mjs).
import { register } from 'tsx/esm/api';

register();
await import('./face-detector-thread.ts');
