import express, { type NextFunction, type Request, type Response, Router } from 'express';
import { z } from 'zod';
import { recordedIncidentInput } from '../../analysis/incident-fields.js';
import { IncidentFileError } from '../../analysis/incident-file.js';
import { CASE_ROLES } from '../../auth/roles.js';
import { ApiError } from '../../errors.js';
import type { IncidentService } from '../../services/incident-service.js';
import { type OfficerSessions, signedInOfficer } from '../session.js';
import { parseOrThrow } from '../validation.js';
import { ANALYSIS_ROLES } from './analysis-routes.js';

export const importQuery = z
  .object({
    name: z.string().trim().min(1).max(200).default('upload'),
    skipInvalid: z.enum(['true', 'false']).default('false'),
  })
  .strict();

const FORMATS: Record<string, 'csv' | 'geojson'> = {
  'text/csv': 'csv',
  'application/geo+json': 'geojson',
};

/** Serves POST /api/incidents (officers record abuse incidents) and POST /api/incidents/imports (bulk loads). */
export function incidentRoutes(
  sessions: OfficerSessions,
  incidents: IncidentService,
  options: { maxImportBytes: number },
): Router {
  const router = Router();
  const readFile = express.text({ type: Object.keys(FORMATS), limit: options.maxImportBytes });
  const readFileOrThrow = (request: Request, response: Response, next: NextFunction) =>
    readFile(request, response, (error?: unknown) => {
      if ((error as { type?: string } | undefined)?.type === 'entity.too.large') {
        next(
          new ApiError(
            413,
            'FILE_TOO_LARGE',
            `The file is larger than ${options.maxImportBytes} bytes; split it into several imports`,
          ),
        );
        return;
      }
      next(error);
    });

  router.post('/incidents', sessions.requireRole(...CASE_ROLES), async (request, response) => {
    const input = parseOrThrow(recordedIncidentInput, request.body, 'INVALID_INCIDENT');
    const stored = await incidents.record(signedInOfficer(request), input, request.ip ?? null);
    response.status(201).json(stored);
  });

  router.post(
    '/incidents/imports',
    sessions.requireRole(...ANALYSIS_ROLES),
    readFileOrThrow,
    async (request, response) => {
      const mediaType = (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
      const format = FORMATS[mediaType];
      if (!format) {
        throw new ApiError(
          415,
          'UNSUPPORTED_MEDIA_TYPE',
          'Send the file as text/csv or application/geo+json, with the file itself as the body.',
        );
      }
      const query = parseOrThrow(importQuery, request.query, 'INVALID_QUERY');
      if (typeof request.body !== 'string' || request.body.length === 0)
        throw new ApiError(400, 'EMPTY_FILE', 'The request body is empty; send the file as the body.');

      const officer = signedInOfficer(request);
      let result: Awaited<ReturnType<IncidentService['importFile']>>;
      try {
        result = await incidents.importFile(
          request.body,
          {
            fileName: query.name,
            format,
            skipInvalid: query.skipInvalid === 'true',
            importedBy: officer.username,
          },
          officer,
          request.ip ?? null,
        );
      } catch (error) {
        if (error instanceof IncidentFileError) throw new ApiError(400, 'UNREADABLE_FILE', error.message);
        throw error;
      }
      if (result.importId === null) {
        response.status(422).json({
          error: {
            code: 'INVALID_ROWS',
            message: `${result.invalid.length} of ${result.rowCount} rows are invalid, so nothing was loaded. Fix them, or send skipInvalid=true to load the others.`,
          },
          ...result,
        });
        return;
      }
      response.status(201).json(result);
    },
  );

  return router;
}
