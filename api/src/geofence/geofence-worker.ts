// Worker thread of GeofencerPool: wraps the pool's shared piece set and grid in a BulkGeofencer and
// geofences ranges of shared coordinate arrays into shared result arrays.
import { parentPort, workerData } from 'node:worker_threads';
import { BulkGeofencer } from './bulk-geofencer.js';
import type { GeofenceWorkerData, GeofenceWorkerTask } from './geofencer-pool.js';

const port = parentPort;
if (!port) throw new Error('geofence-worker.ts must run in a worker thread started by GeofencerPool');

const geofencer = BulkGeofencer.fromSharedParts(workerData as GeofenceWorkerData);

port.on('message', (task: GeofenceWorkerTask) => {
  const coordinates = new Float64Array(task.coordinates, task.coordinatesByteOffset, task.coordinatesLength);
  geofencer.locateRange(coordinates, task.first, task.end, {
    districtIndexes: new Int32Array(task.districtIndexes),
    onBorder: new Uint8Array(task.onBorder),
  });
  port.postMessage(task.id);
});

port.postMessage('ready');
