// Worker thread of GeofencerPool: builds its own BulkGeofencer from the piece set it is started with
// and geofences ranges of shared coordinate arrays into shared result arrays.
import { parentPort, workerData } from 'node:worker_threads';
import { BulkGeofencer } from './bulk-geofencer.js';
import type { GeofenceWorkerData, GeofenceWorkerTask } from './geofencer-pool.js';

const port = parentPort;
if (!port) throw new Error('geofence-worker.ts must run in a worker thread started by GeofencerPool');

const { pieces, gridOptions } = workerData as GeofenceWorkerData;
const geofencer = BulkGeofencer.fromPieceSet(pieces, gridOptions);

port.on('message', (task: GeofenceWorkerTask) => {
  const coordinates = new Float64Array(task.coordinates, task.coordinatesByteOffset, task.coordinatesLength);
  geofencer.locateRange(coordinates, task.first, task.end, {
    districtIndexes: new Int32Array(task.districtIndexes),
    onBorder: new Uint8Array(task.onBorder),
  });
  port.postMessage(task.id);
});

port.postMessage('ready');
