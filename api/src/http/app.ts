import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import express, { type NextFunction, type Request, type Response } from 'express';
import helmet from 'helmet';
import { pinoHttp } from 'pino-http';
import { ApiError } from '../errors.js';
import { logger } from '../logger.js';
import type { Platform } from '../platform.js';
import { challengeRoutes, requireChallenge } from './challenge.js';
import { mountPortalPages } from './portal-pages.js';
import { accountRoutes } from './routes/account-routes.js';
import { analysisRoutes } from './routes/analysis-routes.js';
import { auditRoutes } from './routes/audit-routes.js';
import { authRoutes } from './routes/auth-routes.js';
import { boundaryImportRoutes } from './routes/boundary-import-routes.js';
import { caseRegisterRoutes } from './routes/case-register-routes.js';
import { caseRoutes } from './routes/case-routes.js';
import { deadlineDashboardRoutes } from './routes/deadline-dashboard-routes.js';
import { dispatchRoutes } from './routes/dispatch-routes.js';
import { duplicateRoutes } from './routes/duplicate-routes.js';
import { faceMatchRoutes } from './routes/face-match-routes.js';
import { faceSearchRoutes } from './routes/face-search-routes.js';
import { geofenceRoutes } from './routes/geofence-routes.js';
import { healthRoutes } from './routes/health-routes.js';
import { incidentRoutes } from './routes/incident-routes.js';
import { openApiRoutes } from './routes/openapi-routes.js';
import { placeRoutes } from './routes/place-routes.js';
import { publicRegisterRoutes } from './routes/public-register-routes.js';
import { reportRoutes } from './routes/report-routes.js';
import { reporterRoutes } from './routes/reporter-routes.js';
import { routedSightingRoutes } from './routes/routed-sighting-routes.js';
import { sightingRoutes } from './routes/sighting-routes.js';

const UI_DIRECTORY = fileURLToPath(new URL('../../../ui/dist', import.meta.url));

/** Builds the Express application: the JSON API under /api and the built web UI at /. */
export function createApp(platform: Platform): express.Express {
  const { config, db, redis, repositories, services, sessions, hub } = platform;
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', config.TRUST_PROXY);

  app.use(
    helmet({
      contentSecurityPolicy: {
        directives: {
          // maplibre-gl runs its workers from blob: URLs and draws tiles from data:/blob: images.
          'worker-src': ["'self'", 'blob:'],
          'img-src': [
            "'self'",
            'data:',
            'blob:',
            ...(config.BASEMAP_TILE_URL
              ? [new URL(config.BASEMAP_TILE_URL.replace(/[{}]/g, '')).origin]
              : []),
          ],
          'connect-src': ["'self'"],
          // Browsers would fetch the page's scripts over HTTPS; only ask for that when served over HTTPS.
          'upgrade-insecure-requests': config.SECURE_COOKIES ? [] : null,
        },
      },
      strictTransportSecurity: false,
    }),
  );
  app.use(
    pinoHttp({
      logger,
      // Query strings can carry coordinates; log the path only.
      serializers: {
        req: (request: { method: string; url: string }) => ({
          method: request.method,
          path: request.url.split('?')[0],
        }),
        res: (response: { statusCode: number }) => ({ statusCode: response.statusCode }),
      },
      autoLogging: {
        ignore: (request) => request.url === '/api/health' || request.url?.startsWith('/assets/') === true,
      },
    }),
  );
  app.use('/api', express.json({ limit: '64kb' }));
  app.use('/api', sessions.resolve);

  app.use('/api', healthRoutes(db, redis));
  app.get('/api/config', (_request, response) => {
    response.json({ basemapTileUrl: config.BASEMAP_TILE_URL ?? null });
  });
  app.use('/api', geofenceRoutes(services.geofence, repositories.jurisdictions));
  app.use('/api', placeRoutes(services.places, { lookupsPerMinute: config.PLACE_LOOKUPS_PER_MINUTE }));
  // Public submissions need a solved proof-of-work challenge (GET /api/challenge) before their routes run.
  app.post('/api/reports', requireChallenge(services.challenges));
  app.post('/api/sightings', requireChallenge(services.challenges));
  app.use(
    '/api',
    reportRoutes(services.reports, repositories.cases, {
      maxPhotoBytes: config.MAX_PHOTO_BYTES,
      maxPhotoPixels: config.MAX_PHOTO_PIXELS,
      reportsPerMinute: config.PUBLIC_REPORTS_PER_MINUTE,
    }),
  );
  app.use('/api', authRoutes(services.accounts, sessions, repositories.audit));
  const caseAccess = {
    sessions,
    cases: repositories.cases,
    workflow: repositories.caseWorkflow,
    audit: repositories.audit,
  };
  app.use('/api', dispatchRoutes({ ...caseAccess, jurisdictions: repositories.jurisdictions, hub }));
  app.use(
    '/api',
    caseRoutes({ ...caseAccess, jurisdictions: repositories.jurisdictions, service: services.caseWorkflow }),
  );
  app.use('/api', auditRoutes(sessions, repositories.audit));
  app.use('/api', openApiRoutes());
  app.use(
    '/api',
    faceSearchRoutes(services.faceSearch, sessions, repositories.audit, {
      maxPhotoBytes: config.MAX_PHOTO_BYTES,
      searchesPerMinute: config.FACE_SEARCHES_PER_MINUTE,
      officerSearchesPerMinute: config.OFFICER_FACE_SEARCHES_PER_MINUTE,
    }),
  );
  app.use(
    '/api',
    sightingRoutes(services.sightings, {
      maxPhotoBytes: config.MAX_PHOTO_BYTES,
      maxPhotoPixels: config.MAX_PHOTO_PIXELS,
      sightingsPerMinute: config.SIGHTINGS_PER_MINUTE,
    }),
  );
  app.use(
    '/api',
    faceMatchRoutes(sessions, repositories.faceMatches, services.faceMatchReview, repositories.audit),
  );
  app.use(
    '/api',
    caseRegisterRoutes(
      {
        sessions,
        register: services.caseRegister,
        caseEvents: repositories.caseEvents,
        workflow: repositories.caseWorkflow,
        audit: repositories.audit,
      },
      { maxPhotoBytes: config.MAX_PHOTO_BYTES, maxPhotoPixels: config.MAX_PHOTO_PIXELS },
    ),
  );
  app.use(
    '/api',
    boundaryImportRoutes(sessions, services.boundaryImports, {
      maxUploadBytes: config.MAX_BOUNDARY_UPLOAD_BYTES,
    }),
  );
  app.use(
    '/api',
    accountRoutes({ sessions, service: services.accountAdmin, accounts: repositories.accounts }),
  );
  app.use(
    '/api',
    deadlineDashboardRoutes({
      sessions,
      dashboard: repositories.dashboard,
      deadlines: repositories.deadlines,
      jurisdictions: repositories.jurisdictions,
      audit: repositories.audit,
      now: services.deadlineClock.now,
    }),
  );
  app.use('/api', duplicateRoutes({ sessions, service: services.duplicates, audit: repositories.audit }));
  app.use('/api', challengeRoutes(services.challenges, config.REGISTER_REQUESTS_PER_MINUTE));
  app.use(
    '/api',
    publicRegisterRoutes(services.publicRegister, { requestsPerMinute: config.REGISTER_REQUESTS_PER_MINUTE }),
  );
  app.use(
    '/api',
    reporterRoutes(
      {
        reporters: services.reporters,
        register: services.publicRegister,
        cases: repositories.cases,
        challenges: services.challenges,
      },
      {
        maxPhotoBytes: config.MAX_PHOTO_BYTES,
        maxPhotoPixels: config.MAX_PHOTO_PIXELS,
        requestsPerMinute: config.REPORTER_REQUESTS_PER_MINUTE,
      },
    ),
  );
  app.use(
    '/api',
    routedSightingRoutes({
      sessions,
      sightings: repositories.sightings,
      jurisdictions: repositories.jurisdictions,
      audit: repositories.audit,
    }),
  );
  app.use(
    '/api',
    incidentRoutes(sessions, services.incidents, { maxImportBytes: config.INCIDENT_IMPORT_MAX_BYTES }),
  );
  app.use(
    '/api',
    analysisRoutes(
      { sessions, service: services.analysis, analysis: repositories.analysis, audit: repositories.audit },
      { publicTilesPerMinute: config.PUBLIC_TILES_PER_MINUTE },
    ),
  );
  app.use('/api', (request, _response, next) => {
    next(new ApiError(404, 'NOT_FOUND', `No API route ${request.method} ${request.path}.`));
  });

  if (existsSync(UI_DIRECTORY)) {
    // The portal at /, the dispatcher app at /police/, and share tags on register pages.
    mountPortalPages(app, UI_DIRECTORY, services.publicRegister, config.PUBLIC_ORIGIN);
  } else {
    logger.warn({ directory: UI_DIRECTORY }, 'web UI is not built; run `npm run build:ui`');
  }

  app.use(errorHandler);
  return app;
}

function errorHandler(error: unknown, request: Request, response: Response, _next: NextFunction): void {
  if (error instanceof ApiError) {
    response
      .status(error.status)
      .json({ error: { code: error.code, message: error.message, field: error.field } });
    return;
  }
  const bodyError = error as { type?: string; status?: number };
  if (bodyError.type === 'entity.parse.failed') {
    response
      .status(400)
      .json({ error: { code: 'INVALID_JSON', message: 'The request body is not valid JSON.' } });
    return;
  }
  if (bodyError.type === 'entity.too.large') {
    response
      .status(413)
      .json({ error: { code: 'BODY_TOO_LARGE', message: 'The request body is larger than 64 KB.' } });
    return;
  }
  // Other client mistakes the body parsers detect (an unsupported charset or encoding, a multipart
  // body without a boundary) carry a 4xx status and a message that is safe to show.
  const clientError = error as { status?: number; expose?: boolean; message?: string };
  if (clientError.expose && clientError.status && clientError.status >= 400 && clientError.status < 500) {
    response.status(clientError.status).json({
      error: {
        code: 'INVALID_REQUEST_BODY',
        message: `The request body could not be read: ${clientError.message}`,
      },
    });
    return;
  }
  request.log.error({ err: error }, 'unhandled error');
  response
    .status(500)
    .json({ error: { code: 'INTERNAL_ERROR', message: 'Something failed on the server. Try again.' } });
}
