// Every route of the OpenAPI description that is not public, called anonymously, by every role, and by
// officers of a foreign district, region and province. The roles a route admits come from the `who`
// of its operation, so a new route is covered as soon as it is described.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CASE_ROLES, NATIONAL_ROLES, ROLES, type Role } from '../src/auth/roles.js';
import { OPERATIONS, type Operation } from '../src/http/openapi/openapi-document.js';
import { ANALYSIS_ROLES } from '../src/http/routes/analysis-routes.js';
import { BOUNDARY_ROLES } from '../src/http/routes/boundary-import-routes.js';
import { DISTRICT_COUNT_ROLES } from '../src/http/routes/deadline-dashboard-routes.js';
import { lahoreReport } from './support/duty-officers.js';
import { signIn, startTestPlatform, type TestPlatform } from './support/platform.js';

const ADMITTED: Record<Exclude<Operation['who'], 'anyone'>, readonly Role[]> = {
  'signed in': ROLES,
  'case roles': CASE_ROLES,
  'national roles': NATIONAL_ROLES,
  'boundary roles': BOUNDARY_ROLES,
  administrators: ['administrator'],
  'district counts': DISTRICT_COUNT_ROLES,
  'analysis roles': ANALYSIS_ROLES,
};

// The query that points a route at Lahore district or division, for routes that choose their
// jurisdiction in the query string.
const LAHORE_QUERY: Record<string, string> = {
  'GET /api/cases': 'district=PK-PB-LAHORE',
  'GET /api/alerts': 'district=PK-PB-LAHORE',
  'GET /api/events': 'district=PK-PB-LAHORE',
  'GET /api/sightings': 'district=PK-PB-LAHORE',
  'GET /api/dashboard/cases': 'district=PK-PB-LAHORE',
  'GET /api/dashboard/districts': 'region=PK-PB-LAHORE-DIV',
};

// Valid bodies for the routes that check their body before the case's jurisdiction, so that a foreign
// officer's call reaches the jurisdiction check. Other routes get an empty object.
const BODIES: Record<string, () => unknown> = {
  'POST /api/cases/{caseId}/transitions': () => ({ to: 'acknowledged' }),
  'POST /api/cases/{caseId}/duplicates': () => ({ caseId: otherLahoreCase, reason: 'the same child twice' }),
  'DELETE /api/cases/{caseId}/duplicates/{otherCaseId}': () => ({ reason: 'two different children' }),
};

// [label, role, jurisdiction, whether Lahore district lies outside it]
const ACCOUNTS: [string, Role | null, string | undefined, boolean][] = [
  ['anonymous', null, undefined, true],
  ['DPO Lahore', 'dpo', 'PK-PB-LAHORE', false],
  ['DPO Kasur', 'dpo', 'PK-PB-KASUR', true],
  ['RPO Lahore division', 'rpo', 'PK-PB-LAHORE-DIV', false],
  ['RPO Faisalabad division', 'rpo', 'PK-PB-FAISALABAD-DIV', true],
  ['IG Punjab', 'ig', 'PK-PB', false],
  ['IG Sindh', 'ig', 'PK-SD', true],
  ['national supervisor', 'national_supervisor', undefined, false],
  ['administrator', 'administrator', undefined, false],
  ['analyst', 'analyst', undefined, false],
  ['desk officer', 'desk_officer', undefined, false],
  ['GIS officer Punjab', 'gis_officer', 'PK-PB', false],
  ['GIS officer Sindh', 'gis_officer', 'PK-SD', true],
];

let test: TestPlatform;
let lahoreCase: string;
let otherLahoreCase: string;

async function reportInLahore(): Promise<string> {
  const response = await fetch(`${test.baseUrl}/api/reports`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(lahoreReport()),
  });
  expect(response.status).toBe(201);
  return ((await response.json()) as { id: string }).id;
}

// The operation's path with its parameters filled: the case parameters name Lahore cases, every other
// parameter an id that does not exist.
function urlOf(operation: Operation): { url: string; targetsLahore: boolean } {
  const key = `${operation.method.toUpperCase()} ${operation.path}`;
  let targetsLahore = false;
  let url = operation.path.replace(/\{(\w+)\}/g, (_match, name: string) => {
    if (name === 'caseId') {
      targetsLahore = true;
      return lahoreCase;
    }
    if (name === 'otherCaseId') return otherLahoreCase;
    if (name === 'versionId') return '2147483000';
    if (['z', 'x', 'y'].includes(name)) return '0';
    return randomUUID();
  });
  const query = LAHORE_QUERY[key];
  if (query) {
    url += `?${query}`;
    targetsLahore = true;
  }
  return { url, targetsLahore };
}

async function statusOf(operation: Operation, url: string, cookie: string | undefined) {
  const controller = new AbortController();
  const response = await fetch(`${test.baseUrl}${url}`, {
    method: operation.method.toUpperCase(),
    signal: controller.signal,
    headers: {
      ...(cookie ? { cookie } : {}),
      ...(operation.method === 'get' ? {} : { 'content-type': 'application/json' }),
    },
    body:
      operation.method === 'get'
        ? undefined
        : JSON.stringify(BODIES[`${operation.method.toUpperCase()} ${operation.path}`]?.() ?? {}),
  });
  // An event stream stays open; its status is all this test needs.
  if (response.headers.get('content-type')?.startsWith('text/event-stream')) {
    controller.abort();
    return { status: response.status, code: undefined };
  }
  const text = await response.text();
  const code = response.headers.get('content-type')?.includes('json')
    ? (JSON.parse(text) as { error?: { code?: string } }).error?.code
    : undefined;
  return { status: response.status, code };
}

beforeAll(async () => {
  test = await startTestPlatform({}, { worker: false });
  lahoreCase = await reportInLahore();
  otherLahoreCase = await reportInLahore();
});

afterAll(async () => {
  await test?.stop();
});

describe('officer routes by role and jurisdiction', () => {
  const guarded = OPERATIONS.filter((operation) => operation.who !== 'anyone');

  it('cover the described officer routes', () => {
    expect(guarded.length).toBeGreaterThan(40);
    for (const key of Object.keys(LAHORE_QUERY)) {
      expect(
        guarded.some((operation) => `${operation.method.toUpperCase()} ${operation.path}` === key),
        key,
      ).toBe(true);
    }
  });

  it.each(ACCOUNTS)('%s', async (_label, role, jurisdiction, foreign) => {
    const cookie = role ? await signIn(test, role, jurisdiction) : undefined;
    const wrong: string[] = [];

    for (const operation of guarded) {
      const admitted = role !== null && ADMITTED[operation.who as keyof typeof ADMITTED].includes(role);
      const { url, targetsLahore } = urlOf(operation);
      const route = `${operation.method.toUpperCase()} ${url}`;
      // Calls that the route admits would change the Lahore cases; only reads are made for those.
      if (admitted && operation.method !== 'get' && !(foreign && targetsLahore)) continue;

      const { status, code } = await statusOf(operation, url, cookie);
      if (role === null) {
        if (status !== 401 || code !== 'AUTH_REQUIRED')
          wrong.push(`${route}: ${status} ${code}, expected 401`);
      } else if (!admitted || (foreign && targetsLahore)) {
        if (status !== 403 || code !== 'FORBIDDEN') wrong.push(`${route}: ${status} ${code}, expected 403`);
      } else if (status === 401 || status === 403) {
        wrong.push(`${route}: ${status} ${code}, expected the route to admit ${role}`);
      }
    }

    expect(wrong).toEqual([]);
  });
});
