import { Router } from 'express';
import iconv from 'iconv-lite';
import { z } from 'zod';
import { IMPORT_LEVELS } from '../../../../etl/src/import-levels.js';
import { ApiError } from '../../errors.js';
import type { BoundaryImportService } from '../../services/boundary-import-service.js';
import { boundaryUploadReader } from '../boundary-upload.js';
import { type OfficerSessions, signedInOfficer } from '../session.js';
import { parseOrThrow } from '../validation.js';

/** Roles that may import, publish and roll back boundaries (GIS officers only in their own province). */
export const BOUNDARY_ROLES = ['gis_officer', 'administrator'] as const;

// A form sends an empty text field for an option left blank; that means "not given".
const optionalText = <T extends z.ZodType>(schema: T) =>
  z.preprocess((value) => (value === '' ? undefined : value), schema.optional());

const attributeName = z.string().trim().max(100, 'must be at most 100 characters');

export const attributeMappingInput = z
  .object({
    code: attributeName.optional(),
    name: attributeName.optional(),
    nameUr: attributeName.optional(),
    parent: attributeName.optional(),
    population: attributeName.optional(),
    populationYear: attributeName.optional(),
  })
  .strict();

/** The text fields of a boundary upload, next to the file(s) in the field `file`. */
export const boundaryImportFields = z
  .object({
    level: optionalText(z.enum(IMPORT_LEVELS)).default('district'),
    layer: optionalText(z.string().trim().min(1).max(200, 'must be at most 200 characters')),
    srid: z.preprocess(
      (value) => (value === '' ? undefined : value),
      z.coerce
        .number()
        .int('must be a whole EPSG code such as 32642')
        .min(1024, 'must be an EPSG code such as 32642')
        .max(999_999, 'must be an EPSG code such as 32642')
        .optional(),
    ),
    encoding: optionalText(
      z
        .string()
        .trim()
        .refine(
          (name) => iconv.encodingExists(name),
          'must be a text encoding such as windows-1256 or utf-8',
        ),
    ),
    replace: optionalText(z.enum(['scope', 'same-code'])),
    mapping: z.preprocess((value) => {
      if (value === '' || value === undefined) return undefined;
      if (typeof value !== 'string') return value;
      try {
        return JSON.parse(value);
      } catch {
        return value;
      }
    }, attributeMappingInput.optional()),
  })
  .strict();

export const publishBody = z
  .object({ allowRemovals: z.boolean().default(false) })
  .strict()
  .default({ allowRemovals: false });

export const versionsQuery = z
  .object({ limit: z.coerce.number().int().min(1).max(200).default(20) })
  .strict();

const versionId = z.coerce.number().int().positive('must be a boundary version id');

/**
 * Boundary import over HTTP: upload a file as a draft, read its report and map preview, publish or
 * discard it, roll back, and list versions. Every route needs a GIS officer or an administrator.
 */
export function boundaryImportRoutes(
  sessions: OfficerSessions,
  service: BoundaryImportService,
  options: { maxUploadBytes: number },
): Router {
  const router = Router();
  const boundaryRoles = sessions.requireRole(...BOUNDARY_ROLES);
  const readUpload = boundaryUploadReader(options.maxUploadBytes);

  router.post('/boundary-imports', boundaryRoles, async (request, response) => {
    const officer = signedInOfficer(request);
    const upload = await readUpload(request, response);
    try {
      const fields = parseOrThrow(boundaryImportFields, upload.fields, 'INVALID_BOUNDARY_IMPORT');
      const report = await service.importUpload(officer, upload, fields, request.ip ?? null);
      response.status(201).set('cache-control', 'no-store').json({ versionId: report.versionId, report });
    } finally {
      upload.remove();
    }
  });

  router.get('/boundary-imports/:versionId', boundaryRoles, async (request, response) => {
    const id = parseOrThrow(versionId, request.params.versionId, 'INVALID_VERSION_ID');
    const found = await service.findImport(signedInOfficer(request), id);
    response.set('cache-control', 'no-store').json(found);
  });

  router.get('/boundary-imports/:versionId/preview', boundaryRoles, async (request, response) => {
    const id = parseOrThrow(versionId, request.params.versionId, 'INVALID_VERSION_ID');
    const text = await service.preview(signedInOfficer(request), id);
    response.set('cache-control', 'no-store').type('application/json').send(text);
  });

  router.delete('/boundary-imports/:versionId', boundaryRoles, async (request, response) => {
    const id = parseOrThrow(versionId, request.params.versionId, 'INVALID_VERSION_ID');
    await service.discard(signedInOfficer(request), id, request.ip ?? null);
    response.status(204).end();
  });

  router.post('/boundary-imports/:versionId/publish', boundaryRoles, async (request, response) => {
    const id = parseOrThrow(versionId, request.params.versionId, 'INVALID_VERSION_ID');
    const body = parseOrThrow(publishBody, request.body ?? {}, 'INVALID_PUBLISH_REQUEST');
    const result = await service.publish(signedInOfficer(request), id, body, request.ip ?? null);
    response.json(result);
  });

  router.post('/boundary-versions/rollback', boundaryRoles, async (request, response) => {
    if (request.body && Object.keys(request.body).length > 0) {
      throw new ApiError(
        400,
        'INVALID_ROLLBACK_REQUEST',
        'The rollback takes no fields; send an empty body.',
      );
    }
    const result = await service.rollback(signedInOfficer(request), request.ip ?? null);
    response.json(result);
  });

  router.get('/boundary-versions', boundaryRoles, async (request, response) => {
    const query = parseOrThrow(versionsQuery, request.query, 'INVALID_QUERY');
    response.set('cache-control', 'no-store').json({ versions: await service.listVersions(query.limit) });
  });

  return router;
}
