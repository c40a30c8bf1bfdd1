import { Router } from 'express';
import { ApiError } from '../../errors.js';
import { preparePhoto } from '../../services/photo-intake.js';
import type { SightingService } from '../../services/sighting-service.js';
import { photoUploadReader } from '../photo-upload.js';
import { perMinuteLimit } from '../rate-limits.js';
import { multipartFieldsToSighting, parseSighting } from '../sighting-input.js';

/** POST /api/sightings: the public reports where and when they saw a child, with one photo or none. */
export function sightingRoutes(
  sightings: SightingService,
  options: { maxPhotoBytes: number; maxPhotoPixels: number; sightingsPerMinute: number },
): Router {
  const router = Router();
  const readPhoto = photoUploadReader(
    options.maxPhotoBytes,
    'Send one photo in the "photo" field with the sighting fields.',
  );

  router.post('/sightings', perMinuteLimit(options.sightingsPerMinute), async (request, response) => {
    let body: unknown = request.body;
    let upload: Buffer | undefined;
    if (request.is('multipart/form-data')) {
      upload = await readPhoto(request, response);
      body = multipartFieldsToSighting(request.body ?? {});
    } else if (!request.is('application/json')) {
      throw new ApiError(
        415,
        'UNSUPPORTED_MEDIA_TYPE',
        'Send the sighting as application/json or multipart/form-data.',
      );
    }

    // Validate everything before writing anything: a bad photo must not leave a sighting behind.
    const sighting = parseSighting(body);
    const photo = upload ? await preparePhoto(upload, options.maxPhotoPixels) : undefined;
    const receipt = await sightings.submit(sighting, photo);
    response.status(201).json(receipt);
  });

  return router;
}
