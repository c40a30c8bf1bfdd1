// Worker thread of FaceDetectorPool: loads the face networks once and runs detectFaces on each photo
// it is sent, so that the hundreds of milliseconds of tfjs work never block an event loop that serves
// requests or renews job locks.
import { parentPort } from 'node:worker_threads';
import { FaceError } from '../../../models/src/errors.js';
import { detectFaces } from '../../../models/src/face-detector.js';
import { loadFaceModels } from '../../../models/src/face-models.js';
import type { DetectorReply, DetectorRequest } from './face-detector-pool.js';

const port = parentPort;
if (!port) throw new Error('face-detector-thread.ts must run in a worker thread started by FaceDetectorPool');

const models = await loadFaceModels();

port.on('message', async (request: DetectorRequest) => {
  let reply: DetectorReply;
  try {
    const faces = await detectFaces(request.photo, { limits: request.limits });
    reply = {
      id: request.id,
      faces: faces.map((face) => ({
        box: face.box,
        detectionScore: face.detectionScore,
        quality: face.quality.overall,
        primary: face.primary,
        descriptor: face.descriptor,
        modelVersion: face.modelVersion,
      })),
    };
  } catch (error) {
    const failure = error as Error;
    reply = {
      id: request.id,
      error: {
        name: failure.name,
        message: failure.message,
        code: error instanceof FaceError ? error.code : undefined,
        field: error instanceof FaceError ? error.field : undefined,
      },
    };
  }
  port.postMessage(reply);
});

port.postMessage({ ready: true, modelVersion: models.modelVersion });
