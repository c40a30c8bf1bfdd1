import { z } from 'zod';
import { CASE_ROLES, NATIONAL_ROLES } from '../../auth/roles.js';
import { transitionInput } from '../../cases/case-states.js';
import { accountBody } from '../routes/account-routes.js';
import { ANALYSIS_ROLES } from '../routes/analysis-routes.js';
import { auditQuery } from '../routes/audit-routes.js';
import { loginBody } from '../routes/auth-routes.js';
import { BOUNDARY_ROLES, publishBody, versionsQuery } from '../routes/boundary-import-routes.js';
import { casesQuery } from '../routes/case-routes.js';
import {
  DISTRICT_COUNT_ROLES,
  districtCountsQuery,
  urgentCasesQuery,
} from '../routes/deadline-dashboard-routes.js';
import { linkBody, unlinkBody } from '../routes/duplicate-routes.js';
import { placesQuery } from '../routes/place-routes.js';

import { ANALYSIS_OPERATIONS } from './analysis-operations.js';

type Who =
  | 'anyone'
  | 'case roles'
  | 'national roles'
  | 'signed in'
  | 'boundary roles'
  | 'administrators'
  | 'district counts'
  | 'analysis roles';

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
  'boundary roles': `Roles ${BOUNDARY_ROLES.join(', ')}; a GIS officer only for jurisdictions of their own province (403 BOUNDARY_OUTSIDE_PROVINCE).`,
  administrators: 'Role administrator.',
  'district counts': `Roles ${DISTRICT_COUNT_ROLES.join(', ')}; an RPO or IG within their region or province.`,
  'analysis roles': `Roles ${ANALYSIS_ROLES.join(', ')}.`,
};

// Every route the API serves. The OpenAPI test in api/test/dispatch.test.ts walks the Express router
// and fails when a route is missing here, so a new route cannot ship undocumented.
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
    method: 'get',
    path: '/api/places',
    who: 'anyone',
    summary:
      'Places for the last-seen place of a report: live provinces, regions and districts whose English or ' +
      'Urdu name matches `q` (case, accents and Urdu letter forms ignored; prefixes, initials and near ' +
      'spellings match), each with a label in `lang`, a point inside it and its bounding box. With ' +
      'GEOCODER_URL set, addresses from that Nominatim server follow, only those inside a live district; ' +
      '`geocoder` is off, ok or unavailable (then the names still come). Not cached.',
    query: placesQuery,
    responses: {
      '200': 'candidates and geocoder.',
      '400': 'INVALID_PLACE_QUERY naming q or lang.',
      '429': 'RATE_LIMITED.',
    },
  },
  {
    method: 'post',
    path: '/api/reports',
    who: 'anyone',
    summary:
      'Report a missing child (JSON, or multipart with one photo). An optional Idempotency-Key header ' +
      '(16-128 characters, the same on every retry) makes a retry return the first case ' +
      '(header Idempotent-Replayed: true); 422 IDEMPOTENCY_KEY_REUSED for the same key with another report.',
    multipart: true,
    responses: { '201': 'Stored; the tracking code.' },
  },
  {
    method: 'get',
    path: '/api/track/{code}',
    who: 'anyone',
    summary:
      'Status and timeline of a case by tracking code; no personal data, event codes for the UI to translate. Missed-deadline entries also carry their line in English and Urdu (text.en, text.ur).',
  },
  {
    method: 'post',
    path: '/api/face-search',
    who: 'anyone',
    summary:
      'Search the register with a photo. The public gets published cases at or above the threshold, named by register id with the day last seen, 10 searches a minute per address. Officers with a case role see every open case and the sightings, 60 a minute per account.',
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
    summary:
      'Server-sent events alert, case-status and case-unassigned for the district, region or province given, or the unassigned queue.',
  },
  {
    method: 'get',
    path: '/api/audit',
    who: 'national roles',
    summary: 'The audit trail, newest first; page with next.',
    query: auditQuery,
  },
  {
    method: 'post',
    path: '/api/boundary-imports',
    who: 'boundary roles',
    summary:
      'Upload a boundary file (multipart field `file`; repeat it for the loose parts of one shapefile) with optional ' +
      'fields level, layer, srid, encoding, replace and mapping (JSON with code, name, nameUr, parent, population, populationYear). Creates a draft ' +
      'and returns its validation report. 400 LAYER_REQUIRED, SRID_REQUIRED or ENCODING_REQUIRED name the field to supply; ' +
      '413 BOUNDARY_FILE_TOO_LARGE.',
    multipart: true,
    responses: { '201': 'The draft version id and its validation report.' },
  },
  {
    method: 'get',
    path: '/api/boundary-imports/{versionId}',
    who: 'boundary roles',
    summary: 'A boundary version and its import validation report.',
  },
  {
    method: 'get',
    path: '/api/boundary-imports/{versionId}/preview',
    who: 'boundary roles',
    summary:
      "GeoJSON of the version's imported level and of the live boundaries of the same level, in the province(s) it changes, simplified for display.",
  },
  {
    method: 'delete',
    path: '/api/boundary-imports/{versionId}',
    who: 'boundary roles',
    summary:
      'Discard a draft that will not be published; 409 BOUNDARY_VERSION_NOT_DRAFT for another version.',
    responses: { '204': 'Deleted.' },
  },
  {
    method: 'post',
    path: '/api/boundary-imports/{versionId}/publish',
    who: 'boundary roles',
    summary:
      'Make a draft live and re-route the open cases whose district changes; 409 BOUNDARY_DRAFT_OUTDATED, VERSION_REMOVES_CODES or VERSION_HAS_ORPHANS when it cannot be.',
    body: publishBody,
  },
  {
    method: 'post',
    path: '/api/boundary-versions/rollback',
    who: 'boundary roles',
    summary: 'Make the previously live boundary version live again and re-route the open cases back.',
  },
  {
    method: 'get',
    path: '/api/boundary-versions',
    who: 'boundary roles',
    summary: 'Boundary versions, newest first: drafts, the live one and retired ones.',
    query: versionsQuery,
  },
  {
    method: 'get',
    path: '/api/cases/{caseId}/duplicates',
    who: 'case roles',
    summary:
      'Possible duplicate reports of the same child (same name, age within 1, last seen within 5 km and 7 days, or a face match) and the links in force.',
  },
  {
    method: 'post',
    path: '/api/cases/{caseId}/duplicates',
    who: 'case roles',
    summary:
      'Link another case as a report of the same child, with a reason. 409 ALREADY_LINKED when linked.',
    body: linkBody,
    responses: { '201': 'Linked.' },
  },
  {
    method: 'delete',
    path: '/api/cases/{caseId}/duplicates/{otherCaseId}',
    who: 'case roles',
    summary: 'Remove the link between two cases, with a reason; the link stays on record.',
    body: unlinkBody,
  },
  { method: 'get', path: '/api/accounts', who: 'administrators', summary: 'Every officer account.' },
  {
    method: 'post',
    path: '/api/accounts',
    who: 'administrators',
    summary:
      'Create an officer account. DPO, RPO, IG and GIS officer accounts need the code of their district, region or province; desk officers an office. The password needs 12 or more characters, more than 4 different ones, and must not contain the username.',
    body: accountBody,
    responses: { '201': 'Created.', '409': 'USERNAME_TAKEN.' },
  },
  {
    method: 'post',
    path: '/api/accounts/{accountId}/deactivate',
    who: 'administrators',
    summary: 'Deactivate an account and end its sessions.',
    responses: { '204': 'Deactivated.', '409': 'ACCOUNT_ALREADY_DEACTIVATED.' },
  },
  {
    method: 'get',
    path: '/api/dashboard/cases',
    who: 'case roles',
    summary:
      'Open cases of the jurisdiction by urgency (unacknowledged first, then the earliest deadline not done), each with its FIR and contact deadlines and escalation; serverTime for countdowns.',
    query: urgentCasesQuery,
  },
  {
    method: 'get',
    path: '/api/dashboard/districts',
    who: 'district counts',
    summary:
      'Open cases, unacknowledged cases, open cases with a missed deadline, and missed deadlines (since `since`) per district of a region or province.',
    query: districtCountsQuery,
  },
  {
    method: 'get',
    path: '/api/challenge',
    who: 'anyone',
    summary:
      'A proof-of-work challenge for the next public submission: send the token and a number n with SHA-256("nonce:n") starting with `bits` zero bits in the Talash-Challenge and Talash-Challenge-Solution headers.',
  },
  {
    method: 'get',
    path: '/api/register',
    who: 'anyone',
    summary:
      'Published open cases: published name, age, sex, district, day last seen, last-seen area as a 0.01° cell, photo URLs. Filters name, ageMin, ageMax, sex, district, seenFrom, seenTo; page, pageSize (max 50).',
    responses: { '400': 'INVALID_REGISTER_QUERY naming the parameter.' },
  },
  {
    method: 'get',
    path: '/api/register/{publicId}',
    who: 'anyone',
    summary: 'One child of the register.',
    responses: { '404': 'REGISTER_ENTRY_NOT_FOUND.', '410': 'REGISTER_ENTRY_REMOVED, without details.' },
  },
  {
    method: 'get',
    path: '/api/register/{publicId}/photos/{photoId}',
    who: 'anyone',
    summary: 'A photo of a listed child (JPEG).',
  },
  {
    method: 'get',
    path: '/api/register/{publicId}/preview.jpg',
    who: 'anyone',
    summary: 'The 1200 × 630 share preview of a listed child (JPEG); `?lang=ur` renders it in Urdu.',
  },
  {
    method: 'post',
    path: '/api/track/{code}/reporter',
    who: 'anyone',
    summary:
      "The case timeline with the reporter's own additions and the register status, for `{phone}` matching the report. 404 TRACKING_NOT_FOUND for a wrong code or phone alike.",
  },
  {
    method: 'post',
    path: '/api/track/{code}/updates',
    who: 'anyone',
    summary:
      'The reporter adds `text`, a `photo` or both (JSON or multipart, with `phone`). Needs a challenge.',
    multipart: true,
    responses: { '201': 'Added to the case timeline.' },
  },
  {
    method: 'post',
    path: '/api/track/{code}/takedown',
    who: 'anyone',
    summary:
      'The family takes the child off the public register at once, for good (`{phone}`). Audited. Needs a challenge.',
  },
  {
    method: 'get',
    path: '/api/sightings',
    who: 'case roles',
    summary: 'Sightings routed to a district (`district`): seen there, or naming a case of that district.',
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
