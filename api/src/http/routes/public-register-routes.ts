import { Router } from 'express';
import { z } from 'zod';
import { ApiError } from '../../errors.js';
import type { PublicRegisterService } from '../../services/public-register-service.js';
import { renderRegisterPreview } from '../../services/register-preview.js';
import { shareLanguage } from '../../services/register-share-text.js';
import { perMinuteLimit } from '../rate-limits.js';
import { parseRegisterQuery, publicIdSchema } from '../register-input.js';
import { parseOrThrow } from '../validation.js';

const photoIdSchema = z.string().uuid('must be a photo id from the register entry');

/**
 * The public register of missing children: the list with its filters, a child's page data, the
 * child's photos and the preview image that share links show. Rate limited per client address.
 */
export function publicRegisterRoutes(
  register: PublicRegisterService,
  options: { requestsPerMinute: number },
): Router {
  const router = Router();
  const limit = perMinuteLimit(options.requestsPerMinute);
  // One register page shows up to 20 photos, so images get a larger budget of their own.
  const imageLimit = perMinuteLimit(options.requestsPerMinute * 5);

  router.get('/register', limit, async (request, response) => {
    const filter = parseRegisterQuery(request.query);
    response.set('cache-control', 'no-store').json(await register.list(filter));
  });

  router.get('/register/:publicId', limit, async (request, response) => {
    const publicId = parseOrThrow(publicIdSchema, request.params.publicId, 'INVALID_REGISTER_ID');
    response.set('cache-control', 'no-store').json(await register.find(publicId));
  });

  // Photos and previews are re-checked on every request, so a removed child's photo stops at once.
  router.get('/register/:publicId/photos/:photoId', imageLimit, async (request, response) => {
    const publicId = parseOrThrow(publicIdSchema, request.params.publicId, 'INVALID_REGISTER_ID');
    const photoId = parseOrThrow(photoIdSchema, request.params.photoId, 'INVALID_PHOTO_ID');
    const photo = await register.findPhoto(publicId, photoId);
    if (!photo) throw new ApiError(404, 'PHOTO_NOT_FOUND', 'This photo is not on the register.');
    response.set('cache-control', 'no-store').type(photo.mediaType).send(photo.content);
  });

  router.get('/register/:publicId/preview.jpg', imageLimit, async (request, response) => {
    const publicId = parseOrThrow(publicIdSchema, request.params.publicId, 'INVALID_REGISTER_ID');
    const entry = await register.find(publicId);
    const firstPhoto = entry.photos[0]
      ? await register.findPhoto(publicId, photoIdOf(entry.photos[0].url))
      : undefined;
    const image = await renderRegisterPreview(entry, firstPhoto?.content, shareLanguage(request.query.lang));
    response.set('cache-control', 'no-store').type('image/jpeg').send(image);
  });

  return router;
}

function photoIdOf(url: string): string {
  return url.slice(url.lastIndexOf('/') + 1);
}
