// Calls the boundary import API for GIS officers: upload a file as a draft, read its report and map
// preview, publish it, roll back, and list versions. Errors arrive as ApiError, like the other calls.
import type { FeatureCollection, MultiPolygon, Polygon } from 'geojson';
import { request } from './client';

export type BoundaryLevel = 'province' | 'region' | 'district' | 'station';

export type AttributeMapping = {
  code?: string;
  name?: string;
  nameUr?: string;
  parent?: string;
  population?: string;
  populationYear?: string;
};

/** The validation report of an import, as the API returns it (the parts this page shows). */
export type BoundaryReport = {
  versionId: number;
  status: 'draft' | 'live';
  level: BoundaryLevel;
  source: { file: string; format: string; layer: string; crs: string; crsOrigin: string };
  mapping: AttributeMapping & { proposed: AttributeMapping };
  attributes: string[];
  counts: {
    read: number;
    stored: number;
    rejected: number;
    repaired: number;
    merged: number;
    withoutParent: number;
    replaced: number;
  };
  rejected: { index: number; reason: string; properties: Record<string, unknown> }[];
  repaired: { index: number; code: string; name: string; reason: string }[];
  withoutParent: { index: number; code: string; name: string; parentValue: string | null }[];
  overlaps: {
    count: number;
    totalKm2: number;
    items: { areaKm2: number; point: [number, number]; a: { code: string }; b: { code: string } }[];
  };
  gaps: {
    count: number;
    totalKm2: number;
    items: { areaKm2: number; point: [number, number]; parent: { code: string; name: string } }[];
  };
  codeChanges: { removed: string[]; added: string[] };
  warnings: string[];
};

export type PreviewProperties = {
  code: string;
  name: string;
  nameUr: string | null;
  changed: boolean;
};

export type BoundaryPreview = {
  versionId: number;
  level: BoundaryLevel;
  liveVersionId: number | null;
  provinces: string[] | null;
  draft: FeatureCollection<Polygon | MultiPolygon, PreviewProperties>;
  live: FeatureCollection<Polygon | MultiPolygon, PreviewProperties>;
};

export type BoundaryVersion = {
  id: number;
  status: 'draft' | 'live' | 'retired';
  level: string | null;
  sourceName: string;
  createdBy: string;
  publishedBy: string | null;
  publishedAt: string | null;
};

export type BoundarySwitch = {
  versionId: number;
  retiredVersionId: number | null;
  rerouted: { caseId: string; fromDistrict: string | null; toDistrict: string | null }[];
};

export type BoundaryUploadOptions = {
  level: BoundaryLevel;
  layer: string;
  srid: string;
  encoding: string;
  replace: 'scope' | 'same-code';
  mapping?: AttributeMapping;
};

// Sends the files as multipart; the browser sets the boundary, so no Content-Type header is given here.
export async function uploadBoundaryFiles(
  files: File[],
  options: BoundaryUploadOptions,
): Promise<BoundaryReport> {
  const form = new FormData();
  for (const file of files) form.append('file', file, file.name);
  form.append('level', options.level);
  form.append('replace', options.replace);
  if (options.layer.trim()) form.append('layer', options.layer.trim());
  if (options.srid.trim()) form.append('srid', options.srid.trim());
  if (options.encoding.trim()) form.append('encoding', options.encoding.trim());
  if (options.mapping) form.append('mapping', JSON.stringify(options.mapping));
  const body = await request<{ report: BoundaryReport }>('/api/boundary-imports', {
    method: 'POST',
    body: form,
  });
  return body.report;
}

export function fetchBoundaryPreview(versionId: number): Promise<BoundaryPreview> {
  return request<BoundaryPreview>(`/api/boundary-imports/${versionId}/preview`);
}

export async function discardBoundaryDraft(versionId: number): Promise<void> {
  await request<void>(`/api/boundary-imports/${versionId}`, { method: 'DELETE' });
}

export function publishBoundaryDraft(versionId: number, allowRemovals: boolean): Promise<BoundarySwitch> {
  return request<BoundarySwitch>(`/api/boundary-imports/${versionId}/publish`, {
    method: 'POST',
    body: JSON.stringify({ allowRemovals }),
    headers: { 'Content-Type': 'application/json' },
  });
}

export function rollbackBoundaries(): Promise<BoundarySwitch> {
  return request<BoundarySwitch>('/api/boundary-versions/rollback', { method: 'POST' });
}

export async function fetchBoundaryVersions(): Promise<BoundaryVersion[]> {
  const body = await request<{ versions: BoundaryVersion[] }>('/api/boundary-versions?limit=10');
  return body.versions;
}

/** Reads the role of the signed-in account, or returns null without a session or on any error. */
export async function fetchOfficerRole(): Promise<string | null> {
  try {
    const body = await request<{ officer: { role: string } }>('/api/auth/me');
    return body.officer.role;
  } catch {
    return null;
  }
}
