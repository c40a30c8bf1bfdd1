import { z } from 'zod';
import { CASE_ROLES, NATIONAL_ROLES } from '../../auth/roles.js';
import { transitionInput } from '../../cases/case-states.js';
import { ANALYSIS_ROLES } from '../routes/analysis-routes.js';
import { auditQuery } from '../routes/audit-routes.js';
import { loginBody } from '../routes/auth-routes.js';
import { casesQuery } from '../routes/case-routes.js';
import { ANALYSIS_OPERATIONS } from './analysis-operations.js';

type Who = 'anyone' | 'case roles' | 'national roles' | 'signed in' | 'analysis roles';

export interface Operation {
  method: 'get' | 'post' | 'delete';
  path: string;
  who: Who;
  summary: string;
  /** zod schema of the JSON body; converted with zod's own JSON Schema output. */
  body?: z.ZodType;
  /** zod object of the query string; each key becomes a query parameter. */
  query?: z.ZodObject;
  multipart?: boolean;
  responses?: Record<string, string>;
}

const WHO_TEXT: Record<Who, string> = {
  anyone: 'Public.',
  'signed in': 'Any signed-in account.',
  'case roles': `Roles ${CASE_ROLES.join(', ')}, within their jurisdiction.`,
  'national roles': `Roles ${NATIONAL_ROLES.join(', ')}.`,
  'analysis roles': `Roles ${ANALYSIS_ROLES.join(', ')}.`,
};

// Every route the API serves. api/test/openapi.test.ts walks the Express router and fails when a
// route is missing here, so a new route cannot ship undocumented.
export const OPERATIONS: Operation[] = [
  {
    method: 'get',
    path: '/api/health',
    who: 'anyone',
    summary: 'PostgreSQL and Redis answer (503 naming the one that does not).',
  },
  { method: 'get', path: '/api/config', who: 'anyone', summary: 'Public settings of the web UI.' },
  { method: 'get', path: '/api/openapi.json', who: 'anyone', summary: 'This description.' },
  {
    method: 'get',
    path: '/api/geofence',
    who: 'anyone',
    summary: 'District, region and province of a point (lat, lon).',
  },
  {
    method: 'get',
    path: '/api/jurisdictions',
    who: 'anyone',
    summary: 'Live boundaries of one level as GeoJSON.',
  },
  {
    method: 'post',
    path: '/api/reports',
    who: 'anyone',
    summary: 'Report a missing child (JSON, or multipart with one photo).',
    multipart: true,
    responses: { '201': 'Stored; the tracking code.' },
  },
  {
    method: 'get',
    path: '/api/track/{code}',
    who: 'anyone',
    summary:
      'Status and timeline of a case by tracking code; no personal data, event codes for the UI to translate.',
  },
  {
    method: 'post',
    path: '/api/face-search',
    who: 'anyone',
    summary: 'Search the register with a photo; officers with a case role see every open case.',
    multipart: true,
  },
  {
    method: 'post',
    path: '/api/sightings',
    who: 'anyone',
    summary: 'Report a sighting with an optional photo.',
    multipart: true,
    responses: { '201': 'Stored.' },
  },
  {
    method: 'post',
    path: '/api/auth/login',
    who: 'anyone',
    summary: 'Sign in; sets the session cookie. 401 INVALID_CREDENTIALS, 429 RATE_LIMITED.',
    body: loginBody,
  },
  {
    method: 'post',
    path: '/api/auth/logout',
    who: 'anyone',
    summary: 'Sign out; revokes the session.',
    responses: { '204': 'Signed out.' },
  },
  {
    method: 'get',
    path: '/api/auth/me',
    who: 'signed in',
    summary: 'The signed-in account: role, jurisdiction, office.',
  },
  {
    method: 'get',
    path: '/api/alerts',
    who: 'case roles',
    summary: "Alerts of a district or region in the officer's jurisdiction.",
  },
  {
    method: 'get',
    path: '/api/dispatch/alerts',
    who: 'case roles',
    summary: "Alerts addressed to the officer's own post; every alert for national roles.",
  },
  {
    method: 'get',
    path: '/api/cases',
    who: 'case roles',
    summary: "Cases in the officer's jurisdiction, newest first.",
    query: casesQuery,
  },
  {
    method: 'get',
    path: '/api/cases/unassigned',
    who: 'national roles',
    summary: 'Cases outside every district.',
  },
  {
    method: 'get',
    path: '/api/cases/{caseId}',
    who: 'case roles',
    summary: 'One case with the reporter and the allowed transitions; recorded in the audit trail.',
  },
  {
    method: 'post',
    path: '/api/cases/{caseId}/transitions',
    who: 'case roles',
    summary:
      'Move a case to another state. 409 INVALID_TRANSITION names the current state and the allowed ones.',
    body: transitionInput,
    responses: { '201': 'Moved.' },
  },
  { method: 'get', path: '/api/cases/{caseId}/photos', who: 'case roles', summary: "A case's photos." },
  {
    method: 'post',
    path: '/api/cases/{caseId}/photos',
    who: 'case roles',
    summary: 'Add a photo to a case.',
    multipart: true,
    responses: { '201': 'Added.' },
  },
  {
    method: 'get',
    path: '/api/cases/{caseId}/photos/{photoId}',
    who: 'case roles',
    summary: 'One photo (image).',
  },
  {
    method: 'post',
    path: '/api/cases/{caseId}/photos/{photoId}/withdraw',
    who: 'case roles',
    summary: 'Withdraw a photo from face search, with a reason.',
  },
  {
    method: 'post',
    path: '/api/cases/{caseId}/publish',
    who: 'case roles',
    summary: 'Show the case in the public register and face search.',
  },
  {
    method: 'post',
    path: '/api/cases/{caseId}/unpublish',
    who: 'case roles',
    summary: 'Take the case out of the public register.',
  },
  {
    method: 'get',
    path: '/api/cases/{caseId}/events',
    who: 'case roles',
    summary: 'The case timeline (case_events).',
  },
  {
    method: 'get',
    path: '/api/face-matches',
    who: 'case roles',
    summary: 'Candidate face matches to review.',
  },
  {
    method: 'post',
    path: '/api/face-matches/{matchId}/review',
    who: 'case roles',
    summary: 'Confirm or reject a face match, with a reason.',
  },
  {
    method: 'get',
    path: '/api/events',
    who: 'case roles',
    summary: 'Server-sent events alert, case-status and case-unassigned for jurisdictions in scope.',
  },
  {
    method: 'get',
    path: '/api/audit',
    who: 'national roles',
    summary: 'The audit trail, newest first; page with next.',
    query: auditQuery,
  },
  ...ANALYSIS_OPERATIONS,
];

const ERROR_SCHEMA = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: { code: { type: 'string' }, message: { type: 'string' }, field: { type: 'string' } },
    },
  },
};

function pathParameters(path: string) {
  return [...path.matchAll(/\{(\w+)\}/g)].map((match) => ({
    name: match[1],
    in: 'path',
    required: true,
    schema: { type: 'string' },
  }));
}

function queryParameters(query: z.ZodObject | undefined) {
  if (!query) return [];
  const schema = z.toJSONSchema(query, { io: 'input', unrepresentable: 'any' }) as {
    properties?: Record<string, unknown>;
    required?: string[];
  };
  return Object.entries(schema.properties ?? {}).map(([name, property]) => ({
    name,
    in: 'query',
    required: schema.required?.includes(name) ?? false,
    schema: property,
  }));
}

function operationObject(operation: Operation) {
  const responses: Record<string, unknown> = {};
  for (const [status, description] of Object.entries(operation.responses ?? { '200': 'OK.' })) {
    responses[status] = { description };
  }
  responses['4XX'] = {
    description: 'Error with a stable code.',
    content: { 'application/json': { schema: ERROR_SCHEMA } },
  };
  if (operation.who !== 'anyone') {
    responses['401'] = { description: 'AUTH_REQUIRED: no valid session.' };
    responses['403'] = { description: "FORBIDDEN: wrong role or a jurisdiction outside the account's own." };
  }

  const body = operation.body
    ? {
        'application/json': {
          schema: z.toJSONSchema(operation.body, { io: 'input', unrepresentable: 'any' }),
        },
      }
    : undefined;
  const multipart = operation.multipart
    ? { 'multipart/form-data': { schema: { type: 'object' } } }
    : undefined;
  return {
    summary: operation.summary,
    description: WHO_TEXT[operation.who],
    ...(operation.who === 'anyone' ? { security: [] } : {}),
    parameters: [...pathParameters(operation.path), ...queryParameters(operation.query)],
    ...(body || multipart ? { requestBody: { required: true, content: { ...body, ...multipart } } } : {}),
    responses,
  };
}

/** The OpenAPI 3.1 description of the API. */
export function openApiDocument() {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const operation of OPERATIONS) {
    paths[operation.path] ??= {};
    (paths[operation.path] as Record<string, unknown>)[operation.method] = operationObject(operation);
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Talash API',
      version: '1',
      description:
        'Missing-child alerts routed to the police district that must act. Errors are JSON with a stable code.',
    },
    components: {
      securitySchemes: { session: { type: 'apiKey', in: 'cookie', name: 'talash_session' } },
    },
    security: [{ session: [] }],
    paths,
  };
}
