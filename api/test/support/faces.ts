import { readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { FaceDetectorPool } from '../../src/faces/face-detector-pool.js';
import type { PlatformOptions } from '../../src/platform.js';
import { startTestPlatform, type TestPlatform, waitFor } from './platform.js';

const FIXTURES = fileURLToPath(new URL('../../../test/fixtures/faces/', import.meta.url));

/** Reads a photo from test/fixtures/faces (see its ATTRIBUTION.md). */
export function facePhoto(name: string): Buffer {
  return readFileSync(path.join(FIXTURES, name));
}

/** Creates the detector a test file shares between its platforms, so the model loads once per file. */
export function createSharedDetector(): FaceDetectorPool {
  return new FaceDetectorPool({ threads: 1, maxQueued: 32 });
}

export async function createFaceIndexDirectory(): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), 'talash-face-index-'));
}

/** Starts a test platform with the shared detector, a face index directory and no public rate limits. */
export function startFacePlatform(
  detector: FaceDetectorPool,
  faceIndexDirectory: string,
  overrides: Record<string, string> = {},
  options: PlatformOptions & { worker?: boolean } = {},
): Promise<TestPlatform> {
  return startTestPlatform(
    {
      FACE_INDEX_DIR: faceIndexDirectory,
      FACE_SEARCHES_PER_MINUTE: '1000',
      SIGHTINGS_PER_MINUTE: '1000',
      FACES_RETRY_BASE_MS: '200',
      ...overrides,
    },
    { ...options, faceDetector: detector },
  );
}

/** Builds a multipart body with one photo and optional text fields. */
export function photoForm(photo: Buffer, fileName: string, fields: Record<string, string> = {}): FormData {
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) form.append(name, value);
  form.append('photo', new Blob([new Uint8Array(photo)]), fileName);
  return form;
}

/** Files a report in Lahore with a photo and waits until the face job has processed that photo. */
export async function reportWithPhoto(
  test: TestPlatform,
  fixture: string,
  childName: string,
  lastSeen = { lat: 31.52, lon: 74.35 },
): Promise<{ id: string; trackingCode: string }> {
  const report = {
    child: { name: childName, age: 9, sex: 'male', description: 'blue shirt' },
    lastSeen: { ...lastSeen, at: new Date(Date.now() - 3600_000).toISOString() },
    reporter: { name: 'Test Reporter', phone: '+923001234567' },
  };
  const response = await fetch(`${test.baseUrl}/api/reports`, {
    method: 'POST',
    body: photoForm(facePhoto(fixture), fixture, { report: JSON.stringify(report) }),
  });
  if (response.status !== 201)
    throw new Error(`report answered HTTP ${response.status}: ${await response.text()}`);
  const receipt = (await response.json()) as { id: string; trackingCode: string };
  await waitForCasePhotosProcessed(test, receipt.id);
  return receipt;
}

export async function waitForCasePhotosProcessed(test: TestPlatform, caseId: string): Promise<void> {
  await waitFor(
    async () => {
      const pending = await test.platform
        .db('case_photos')
        .where({ case_id: caseId })
        .whereNull('faces_processed_at');
      return pending.length === 0 ? true : undefined;
    },
    30_000,
    `the face job to process the photos of case ${caseId}`,
  );
}

export async function searchFaces(test: TestPlatform, fixture: string | Buffer, cookie?: string) {
  const photo = typeof fixture === 'string' ? facePhoto(fixture) : fixture;
  const response = await fetch(`${test.baseUrl}/api/face-search`, {
    method: 'POST',
    headers: cookie ? { cookie } : {},
    body: photoForm(photo, typeof fixture === 'string' ? fixture : 'upload.jpg'),
  });
  return { status: response.status, body: (await response.json()) as any };
}

export async function postAsDispatcher(test: TestPlatform, cookie: string, route: string, body?: unknown) {
  const response = await fetch(`${test.baseUrl}${route}`, {
    method: 'POST',
    headers: { cookie, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as any };
}
