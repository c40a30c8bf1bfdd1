import { type NextFunction, type Request, type Response, Router } from 'express';
import { z } from 'zod';
import {
  hotspotsCsv,
  hotspotsGeoJson,
  incidentsCsv,
  incidentsGeoJson,
} from '../../analysis/analysis-export.js';
import { analysisFilterShape } from '../../analysis/analysis-filter.js';
import type { Role } from '../../auth/roles.js';
import { ApiError } from '../../errors.js';
import type { AnalysisRepository } from '../../repositories/analysis-repository.js';
import type { AuditRepository } from '../../repositories/audit-repository.js';
import type { AnalysisService } from '../../services/analysis-service.js';
import { perMinuteLimit } from '../rate-limits.js';
import { type OfficerSessions, officerOf, signedInOfficer } from '../session.js';
import { parseOrThrow } from '../validation.js';

/** Roles that see the analysts' map with exact points, the statistics and the exports. */
export const ANALYSIS_ROLES: readonly Role[] = ['analyst', 'national_supervisor', 'administrator'];

/** Maximum rows of one export; larger views must be narrowed by the filters. */
export const EXPORT_MAX_ROWS = 200_000;

const windowInOrder = {
  check: (query: { from?: Date; to?: Date }) => !query.from || !query.to || query.from < query.to,
  message: { message: 'must be later than from', path: ['to'] },
};
export const filterQuery = z
  .object(analysisFilterShape)
  .strict()
  .refine(windowInOrder.check, windowInOrder.message);
const withFilter = <T extends z.ZodRawShape>(shape: T) =>
  z
    .object({ ...analysisFilterShape, ...shape })
    .strict()
    .refine((query) => windowInOrder.check(query as { from?: Date; to?: Date }), windowInOrder.message);

const tileParams = z
  .object({
    z: z.coerce.number().int().min(0).max(22),
    x: z.coerce.number().int().min(0),
    y: z.coerce.number().int().min(0),
  })
  .refine((tile) => tile.x < 2 ** tile.z && tile.y < 2 ** tile.z, {
    message: 'x and y must be below 2^z',
    path: ['x'],
  });

export const countsQuery = withFilter({
  level: z.enum(['district', 'region', 'province']).default('district'),
});
export const hotspotQuery = withFilter({
  cellSize: z.coerce.number().int().min(2_000).max(200_000).default(10_000),
  format: z.enum(['json', 'geojson', 'csv']).default('json'),
});
export const densityQuery = withFilter({
  bandwidth: z.coerce.number().int().min(500).max(200_000).default(20_000),
  cellSize: z.coerce.number().int().min(250).max(100_000).default(5_000),
});
export const clusterQuery = withFilter({
  distance: z.coerce.number().int().min(10).max(50_000).default(1_000),
  days: z.coerce.number().min(0.01).max(365).default(7),
  minPoints: z.coerce.number().int().min(2).max(1_000).default(3),
});
export const knoxQuery = withFilter({
  distance: z.coerce.number().int().min(10).max(50_000).default(1_000),
  days: z.coerce.number().min(0.01).max(365).default(14),
  permutations: z.coerce.number().int().min(19).max(9_999).default(999),
  seed: z.coerce
    .number()
    .int()
    .min(0)
    .max(2 ** 32 - 1)
    .default(1),
});
export const exportQuery = withFilter({ format: z.enum(['csv', 'geojson']) });

/** Returns the filter parameters of a query, for the audit trail. */
function filterOf(query: Record<string, unknown>): Record<string, unknown> {
  const filter: Record<string, unknown> = {};
  for (const key of Object.keys(analysisFilterShape)) {
    if (query[key] !== undefined) filter[key] = query[key];
  }
  return filter;
}

export interface AnalysisRouteDependencies {
  sessions: OfficerSessions;
  service: AnalysisService;
  analysis: AnalysisRepository;
  audit: AuditRepository;
}

/**
 * Serves the analysts' map and statistics under /api/analysis. Vector tiles are open to the public
 * in a reduced view without abuse incidents or sightings and with places rounded. Everything else
 * needs an analysis role.
 */
export function analysisRoutes(
  dependencies: AnalysisRouteDependencies,
  options: { publicTilesPerMinute: number },
): Router {
  const { sessions, service, analysis, audit } = dependencies;
  const router = Router();
  const analysts = sessions.requireRole(...ANALYSIS_ROLES);
  const isAnalyst = (request: Request) => {
    const officer = officerOf(request);
    return officer !== undefined && ANALYSIS_ROLES.includes(officer.role);
  };
  const publicLimit = perMinuteLimit(options.publicTilesPerMinute);
  const limitPublic = (request: Request, response: Response, next: NextFunction) =>
    isAnalyst(request) ? next() : publicLimit(request, response, next);

  router.get('/analysis/tiles/:z/:x/:y.mvt', limitPublic, async (request, response) => {
    const tile = parseOrThrow(tileParams, request.params, 'INVALID_TILE');
    const filter = parseOrThrow(filterQuery, request.query, 'INVALID_FILTER');
    const view = isAnalyst(request) ? 'analyst' : 'public';
    const body = await analysis.tile(tile.z, tile.x, tile.y, filter, view);
    // Analyst tiles show exact places, so no shared cache may keep them.
    response
      .set('content-type', 'application/vnd.mapbox-vector-tile')
      .set('cache-control', view === 'analyst' ? 'private, no-store' : 'public, max-age=300')
      .set('vary', 'cookie')
      .send(body);
  });

  router.get('/analysis/counts', analysts, async (request, response) => {
    const { level, ...filter } = parseOrThrow(countsQuery, request.query, 'INVALID_FILTER');
    response
      .set('cache-control', 'no-store')
      .json({ level, ...(await analysis.countsByJurisdiction(level, filter)) });
  });

  router.get('/analysis/hotspots', analysts, async (request, response) => {
    const { cellSize, format, ...filter } = parseOrThrow(hotspotQuery, request.query, 'INVALID_FILTER');
    const grid = await service.hotspots(filter, cellSize);
    if (format === 'json') {
      response.set('cache-control', 'no-store').json(grid);
      return;
    }
    await audit.append({
      officer: signedInOfficer(request),
      action: 'analysis.export',
      address: request.ip ?? null,
      details: {
        kind: 'hotspots',
        format,
        cellSize,
        rows: grid.cells.length,
        filter: filterOf(request.query),
      },
    });
    sendExport(
      response,
      format,
      'talash-hotspots',
      format === 'csv' ? hotspotsCsv(grid) : hotspotsGeoJson(grid),
    );
  });

  router.get('/analysis/density', analysts, async (request, response) => {
    const { bandwidth, cellSize, ...filter } = parseOrThrow(densityQuery, request.query, 'INVALID_FILTER');
    if (cellSize > bandwidth)
      throw new ApiError(
        400,
        'INVALID_FILTER',
        'cellSize: must not be larger than the bandwidth',
        'cellSize',
      );
    response.set('cache-control', 'no-store').json(await service.density(filter, bandwidth, cellSize));
  });

  router.get('/analysis/clusters', analysts, async (request, response) => {
    const { distance, days, minPoints, ...filter } = parseOrThrow(
      clusterQuery,
      request.query,
      'INVALID_FILTER',
    );
    response
      .set('cache-control', 'no-store')
      .json(await service.clusters(filter, { distance, days, minPoints }));
  });

  router.get('/analysis/knox', analysts, async (request, response) => {
    const { distance, days, permutations, seed, ...filter } = parseOrThrow(
      knoxQuery,
      request.query,
      'INVALID_FILTER',
    );
    response
      .set('cache-control', 'no-store')
      .json(await service.knox(filter, { distance, days, permutations, seed }));
  });

  router.get('/analysis/trends', analysts, async (request, response) => {
    const filter = parseOrThrow(filterQuery, request.query, 'INVALID_FILTER');
    response.set('cache-control', 'no-store').json(await service.trends(filter));
  });

  router.get('/analysis/rates', analysts, async (request, response) => {
    const filter = parseOrThrow(filterQuery, request.query, 'INVALID_FILTER');
    response.set('cache-control', 'no-store').json(await service.rates(filter));
  });

  router.get('/analysis/recovery', analysts, async (request, response) => {
    const filter = parseOrThrow(filterQuery, request.query, 'INVALID_FILTER');
    response.set('cache-control', 'no-store').json(await service.recovery(filter));
  });

  router.get('/analysis/compliance', analysts, async (request, response) => {
    const filter = parseOrThrow(filterQuery, request.query, 'INVALID_FILTER');
    response.set('cache-control', 'no-store').json(await service.compliance(filter));
  });

  router.get('/analysis/export', analysts, async (request, response) => {
    const { format, ...filter } = parseOrThrow(exportQuery, request.query, 'INVALID_FILTER');
    const rows = await analysis.exportRows(filter, EXPORT_MAX_ROWS + 1);
    if (rows.length > EXPORT_MAX_ROWS) {
      throw new ApiError(
        400,
        'EXPORT_TOO_LARGE',
        `The filter matches more than ${EXPORT_MAX_ROWS} incidents; narrow the time window or the filters`,
        'from',
      );
    }
    await audit.append({
      officer: signedInOfficer(request),
      action: 'analysis.export',
      address: request.ip ?? null,
      details: { kind: 'incidents', format, rows: rows.length, filter: filterOf(request.query) },
    });
    sendExport(
      response,
      format,
      'talash-incidents',
      format === 'csv' ? incidentsCsv(rows) : incidentsGeoJson(rows),
    );
  });

  return router;
}

function sendExport(response: Response, format: 'csv' | 'geojson', baseName: string, body: string): void {
  response
    .set('cache-control', 'no-store')
    .set('content-type', format === 'csv' ? 'text/csv; charset=utf-8' : 'application/geo+json')
    .set('content-disposition', `attachment; filename="${baseName}.${format === 'csv' ? 'csv' : 'geojson'}"`)
    .send(body);
}
