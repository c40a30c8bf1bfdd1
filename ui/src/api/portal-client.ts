// Calls of the public portal: the register, report intake, and the reporter's own routes. Public
// submissions carry a solved proof-of-work challenge; the reporter's phone travels in request bodies.
import { challengeHeaders } from './challenge';
import { request } from './client';
import type {
  NewReport,
  PlaceLookup,
  RegisterChild,
  RegisterFilter,
  RegisterPage,
  ReporterView,
  ReportReceipt,
} from './portal-types';

export function fetchRegister(filter: RegisterFilter): Promise<RegisterPage> {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(filter)) {
    if (value !== undefined && value !== '') query.set(key, String(value));
  }
  return request<RegisterPage>(`/api/register?${query}`);
}

export function fetchRegisterChild(publicId: string): Promise<RegisterChild> {
  return request<RegisterChild>(`/api/register/${encodeURIComponent(publicId)}`);
}

/** Finds jurisdictions (and, where the server has a geocoder, addresses) for a typed place. */
export function lookupPlaces(
  query: string,
  language: 'en' | 'ur',
  signal?: AbortSignal,
): Promise<PlaceLookup> {
  const parameters = new URLSearchParams({ q: query, lang: language });
  return request<PlaceLookup>(`/api/places?${parameters}`, { signal });
}

/** Sends a report; `idempotencyKey` is the same on every retry of one report. */
export async function submitReport(
  report: NewReport,
  photo: Blob | null,
  idempotencyKey: string,
): Promise<ReportReceipt> {
  const form = new FormData();
  form.append('report', JSON.stringify(report));
  if (photo) form.append('photo', photo);
  return request<ReportReceipt>('/api/reports', {
    method: 'POST',
    body: form,
    headers: { ...(await challengeHeaders()), 'Idempotency-Key': idempotencyKey },
  });
}

function trackPath(code: string, action: string): string {
  return `/api/track/${encodeURIComponent(code.trim())}/${action}`;
}

export function fetchReporterView(code: string, phone: string): Promise<ReporterView> {
  return request<ReporterView>(trackPath(code, 'reporter'), {
    method: 'POST',
    body: JSON.stringify({ phone }),
    headers: { 'Content-Type': 'application/json' },
  });
}

export async function addReporterUpdate(code: string, phone: string, text: string, photo: Blob | null) {
  const form = new FormData();
  form.append('phone', phone);
  if (text.trim()) form.append('text', text.trim());
  if (photo) form.append('photo', photo);
  return request<{ added: true; at: string }>(trackPath(code, 'updates'), {
    method: 'POST',
    body: form,
    headers: await challengeHeaders(),
  });
}

export async function takeOffRegister(code: string, phone: string) {
  return request<{ removed: true; wasListed: boolean }>(trackPath(code, 'takedown'), {
    method: 'POST',
    body: JSON.stringify({ phone }),
    headers: { 'Content-Type': 'application/json', ...(await challengeHeaders()) },
  });
}
