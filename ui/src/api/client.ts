// Calls the Talash API from the dashboard. Every call sends the session cookie and turns a JSON error
// body ({ error: { code, message, field } }) into an ApiError that the page can translate by code.
import { challengeHeaders } from './challenge';
import type {
  Alert,
  ApiErrorBody,
  Case,
  DistrictCollection,
  DistrictDeadlineCounts,
  FaceMatchCandidate,
  FaceSearchResult,
  Photo,
  PublicConfig,
  SightingReceipt,
  SignedInOfficer,
  UrgentCase,
} from './types';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

function isErrorBody(body: unknown): body is ApiErrorBody {
  if (typeof body !== 'object' || body === null || !('error' in body)) return false;
  const error = (body as { error: unknown }).error;
  return (
    typeof error === 'object' && error !== null && typeof (error as { code?: unknown }).code === 'string'
  );
}

export async function request<T>(path: string, init: RequestInit = {}): Promise<T> {
  let response: Response;
  try {
    response = await fetch(path, {
      ...init,
      credentials: 'same-origin',
      headers: { Accept: 'application/json', ...init.headers },
    });
  } catch (cause) {
    throw new ApiError(0, 'NETWORK_ERROR', `Request to ${path} failed: ${String(cause)}`);
  }

  if (response.status === 204) return undefined as T;

  const text = await response.text();
  let body: unknown = null;
  if (text.length > 0) {
    try {
      body = JSON.parse(text);
    } catch {
      body = null;
    }
  }

  if (!response.ok) {
    if (isErrorBody(body)) {
      throw new ApiError(response.status, body.error.code, body.error.message, body.error.field);
    }
    throw new ApiError(response.status, 'HTTP_ERROR', `${path} returned HTTP ${response.status}`);
  }
  return body as T;
}

function jsonBody(value: unknown): RequestInit {
  return { body: JSON.stringify(value), headers: { 'Content-Type': 'application/json' } };
}

export async function signIn(username: string, password: string): Promise<void> {
  await request<unknown>('/api/auth/login', { method: 'POST', ...jsonBody({ username, password }) });
}

export async function signOut(): Promise<void> {
  await request<void>('/api/auth/logout', { method: 'POST' });
}

// Returns false when the API responds 401 AUTH_REQUIRED, and throws any other failure.
export async function isSignedIn(): Promise<boolean> {
  try {
    await request<unknown>('/api/auth/me');
    return true;
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return false;
    throw error;
  }
}

export function fetchPublicConfig(): Promise<PublicConfig> {
  return request<PublicConfig>('/api/config');
}

export function fetchDistricts(): Promise<DistrictCollection> {
  return request<DistrictCollection>('/api/jurisdictions?level=district');
}

export async function fetchDistrictAlerts(districtCode: string): Promise<Alert[]> {
  const query = new URLSearchParams({ district: districtCode, limit: '200' });
  const body = await request<{ alerts: Alert[] }>(`/api/alerts?${query}`);
  return body.alerts;
}

export async function fetchUnassignedCases(): Promise<Case[]> {
  const body = await request<{ cases: Case[] }>('/api/cases/unassigned?limit=200');
  return body.cases;
}

/** The parts of a case that only its own audited record gives: the reporter's contact, the place as typed, the FIR. */
export type CaseContact = {
  reporter: { name: string; phone: string };
  placeDescription: string | null;
  fir: { number: string; policeStation: string | null } | null;
};

/** Reads a case's full record. The API writes each such read to the audit log. */
export async function fetchCaseContact(caseId: string): Promise<CaseContact> {
  const body = await request<{
    case: {
      reporter: CaseContact['reporter'];
      lastSeen: { placeDescription?: string | null };
      fir: CaseContact['fir'];
    };
  }>(`/api/cases/${encodeURIComponent(caseId)}`);
  return {
    reporter: body.case.reporter,
    placeDescription: body.case.lastSeen.placeDescription ?? null,
    fir: body.case.fir,
  };
}

export async function fetchCasePhotos(caseId: string): Promise<Photo[]> {
  const body = await request<{ photos: Photo[] }>(`/api/cases/${encodeURIComponent(caseId)}/photos`);
  return body.photos;
}

// Sends the photo as multipart; the browser sets the boundary, so no Content-Type header is given here.
export function searchFaces(photo: Blob): Promise<FaceSearchResult> {
  const form = new FormData();
  form.append('photo', photo);
  return request<FaceSearchResult>('/api/face-search', { method: 'POST', body: form });
}

export type NewSighting = {
  seenAt: string;
  place: { lat: number; lon: number };
  description: string;
  caseId: string | null;
  /** Set by the public for an unknown child who seems lost or in danger. */
  atRisk?: boolean;
  /** The register id of the child, when the sighting comes from the child's register page. */
  registerId?: string;
};

export async function reportSighting(sighting: NewSighting, photo: Blob | null): Promise<SightingReceipt> {
  const form = new FormData();
  form.append(
    'sighting',
    JSON.stringify({
      ...sighting,
      description: sighting.description || null,
      caseId: sighting.caseId ?? undefined,
    }),
  );
  if (photo) form.append('photo', photo);
  return request<SightingReceipt>('/api/sightings', {
    method: 'POST',
    body: form,
    headers: await challengeHeaders(),
  });
}

export async function fetchFaceMatchCandidates(): Promise<FaceMatchCandidate[]> {
  const body = await request<{ matches: FaceMatchCandidate[] }>(
    '/api/face-matches?status=candidate&limit=100',
  );
  return body.matches;
}

export async function reviewFaceMatch(
  matchId: string,
  decision: 'confirmed' | 'rejected',
  reason: string,
): Promise<void> {
  await request<unknown>(`/api/face-matches/${encodeURIComponent(matchId)}/review`, {
    method: 'POST',
    ...jsonBody({ decision, reason }),
  });
}

export async function fetchSignedInOfficer(): Promise<SignedInOfficer> {
  const body = await request<{ officer: SignedInOfficer }>('/api/auth/me');
  return body.officer;
}

export function fetchUrgentCases(): Promise<{ serverTime: string; cases: UrgentCase[] }> {
  return request<{ serverTime: string; cases: UrgentCase[] }>('/api/dashboard/cases?limit=200');
}

// Without a parent the API counts the RPO's region or the IG's province.
export function fetchDistrictCounts(parent?: {
  level: 'region' | 'province';
  code: string;
}): Promise<{ districts: DistrictDeadlineCounts[] }> {
  const query = parent ? `?${new URLSearchParams({ [parent.level]: parent.code })}` : '';
  return request<{ districts: DistrictDeadlineCounts[] }>(`/api/dashboard/districts${query}`);
}

export function fetchProvinces(): Promise<DistrictCollection> {
  return request<DistrictCollection>('/api/jurisdictions?level=province');
}

export async function acknowledgeCase(caseId: string): Promise<void> {
  await request<unknown>(`/api/cases/${encodeURIComponent(caseId)}/transitions`, {
    method: 'POST',
    ...jsonBody({ to: 'acknowledged' }),
  });
}
