import type { Box } from '../../../models/src/face-geometry.js';
import type { PhotoLimits } from '../../../models/src/photo-decoder.js';
import { jpegDataUrl } from '../faces/face-crop.js';
import type { FaceDetector, FoundFace } from '../faces/face-detector-pool.js';
import type { FaceGallery } from '../faces/face-gallery.js';
import type { CaseFaceRow, FaceRepository, SightingFaceRow } from '../repositories/face-repository.js';

/** Who is searching: the public sees published cases above the threshold; police see everything open. */
export type SearchViewer = 'public' | 'police';

/** Faces of one query photo that are searched; a crowd photo beyond this is searched by its largest faces. */
const MAX_QUERY_FACES = 5;
/**
 * Gallery faces fetched per query face before filtering. Unpublished cases and several photos of one
 * case take slots, so this is several times the number of results.
 */
const GALLERY_FACES_PER_QUERY_FACE = 50;

interface JurisdictionName {
  code: string;
  name: string;
  nameUr: string | null;
}

export interface CaseMatch {
  similarity: number;
  aboveThreshold: boolean;
  /** Index into `faces` of the query face that matched. */
  queryFace: number;
  faceCrop: string;
  case: {
    child: { name: string; age: number; sex: string };
    /** The public gets the day (`on`, Pakistan time) as the register shows it, police the moment (`at`). */
    lastSeen: { at?: string; on?: string; district: JurisdictionName | null };
    publishedAt: string | null;
    /** Public only: the child's register id, for the link to the child's page. */
    publicId?: string;
    /** Police only: the case id, which the public register never shows. */
    id?: string;
    /** Police only. */
    trackingCode?: string;
    status?: string;
    description?: string | null;
    place?: { lat: number; lon: number };
  };
}

export interface SightingMatch {
  similarity: number;
  aboveThreshold: boolean;
  queryFace: number;
  faceCrop: string;
  sighting: {
    id: string;
    caseId: string | null;
    seenAt: string;
    place: { lat: number; lon: number };
    description: string | null;
    district: JurisdictionName | null;
  };
}

export interface FaceSearchResult {
  faceFound: boolean;
  faces: { box: Box; primary: boolean }[];
  threshold: number;
  matches: CaseMatch[];
  /** Police only: sightings whose photos show a similar face. */
  sightings?: SightingMatch[];
}

interface Hit {
  queryFace: number;
  faceId: string;
  similarity: number;
}

/**
 * Searches the register with a photo. The photo is only read: it is decoded and described on the
 * detector thread and dropped when the answer is sent. A match is a lead for the police to check,
 * never an identification.
 */
export class FaceSearchService {
  constructor(
    private readonly faces: FaceRepository,
    private readonly detector: FaceDetector,
    private readonly galleries: () => Promise<{ cases: FaceGallery; sightings: FaceGallery }>,
    private readonly options: { threshold: number; limits: PhotoLimits },
  ) {}

  /** Throws PhotoError for an unusable photo and FaceDetectorBusyError when detection is saturated. */
  async search(photo: Uint8Array, viewer: SearchViewer, limit: number): Promise<FaceSearchResult> {
    const found = (await this.detector.detect(photo, this.options.limits)).slice(0, MAX_QUERY_FACES);
    const result: FaceSearchResult = {
      faceFound: found.length > 0,
      faces: found.map((face) => ({ box: face.box, primary: face.primary })),
      threshold: this.options.threshold,
      matches: [],
    };
    if (viewer === 'police') result.sightings = [];
    if (found.length === 0) return result;

    const galleries = await this.galleries();
    // The public sees nothing below the threshold; police see the closest faces with their scores.
    const minSimilarity = viewer === 'public' ? this.options.threshold : -1;
    const modelVersion = (found[0] as FoundFace).modelVersion;

    const caseHits = searchGallery(galleries.cases, found, minSimilarity);
    const caseRows = await this.faces.findCaseFaces(uniqueFaceIds(caseHits), {
      publishedOnly: viewer === 'public',
    });
    result.matches = bestPerKey(caseHits, caseRows, modelVersion, (row) => row.caseId)
      .slice(0, limit)
      .map(({ hit, row }) => this.toCaseMatch(hit, row, viewer));

    if (viewer === 'police') {
      const sightingHits = searchGallery(galleries.sightings, found, minSimilarity);
      const sightingRows = await this.faces.findSightingFaces(uniqueFaceIds(sightingHits));
      result.sightings = bestPerKey(sightingHits, sightingRows, modelVersion, (row) => row.sightingId)
        .slice(0, limit)
        .map(({ hit, row }) => this.toSightingMatch(hit, row));
    }
    return result;
  }

  private toCaseMatch(hit: Hit, row: CaseFaceRow, viewer: SearchViewer): CaseMatch {
    const match: CaseMatch = {
      similarity: hit.similarity,
      aboveThreshold: hit.similarity >= this.options.threshold,
      queryFace: hit.queryFace,
      faceCrop: jpegDataUrl(row.crop),
      // Public results contain only what the register shows: the register id, the name and the day last seen.
      case:
        viewer === 'police'
          ? {
              id: row.caseId,
              child: { name: row.childName, age: row.childAge, sex: row.childSex },
              lastSeen: { at: row.lastSeenAt.toISOString(), district: districtOf(row) },
              publishedAt: row.publishedAt ? row.publishedAt.toISOString() : null,
            }
          : {
              publicId: row.publicId,
              child: { name: row.publicName, age: row.childAge, sex: row.childSex },
              lastSeen: { on: row.lastSeenOn, district: districtOf(row) },
              publishedAt: row.publishedAt ? row.publishedAt.toISOString() : null,
            },
    };
    if (viewer === 'police') {
      match.case.trackingCode = row.trackingCode;
      match.case.status = row.status;
      match.case.description = row.childDescription;
      match.case.place = { lat: row.lat, lon: row.lon };
    }
    return match;
  }

  private toSightingMatch(hit: Hit, row: SightingFaceRow): SightingMatch {
    return {
      similarity: hit.similarity,
      aboveThreshold: hit.similarity >= this.options.threshold,
      queryFace: hit.queryFace,
      faceCrop: jpegDataUrl(row.crop),
      sighting: {
        id: row.sightingId,
        caseId: row.caseId,
        seenAt: row.seenAt.toISOString(),
        place: { lat: row.lat, lon: row.lon },
        description: row.description,
        district: districtOf(row),
      },
    };
  }
}

function searchGallery(gallery: FaceGallery, found: FoundFace[], minSimilarity: number): Hit[] {
  return found.flatMap((face, queryFace) =>
    gallery
      .search(face.descriptor, { k: GALLERY_FACES_PER_QUERY_FACE, minSimilarity })
      .map((match) => ({ queryFace, ...match })),
  );
}

function uniqueFaceIds(hits: Hit[]): string[] {
  return [...new Set(hits.map((hit) => hit.faceId))];
}

/**
 * Keeps the most similar hit per case (or sighting), most similar first. Hits whose face is no longer
 * in Postgres, is not visible to the viewer, or has another model version are dropped here, so a
 * stale index entry can never show a wrong or hidden case.
 */
function bestPerKey<Row extends { faceId: string; modelVersion: string }>(
  hits: Hit[],
  rows: Row[],
  modelVersion: string,
  keyOf: (row: Row) => string,
): { hit: Hit; row: Row }[] {
  const rowByFace = new Map(rows.map((row) => [row.faceId, row]));
  const best = new Map<string, { hit: Hit; row: Row }>();
  for (const hit of hits) {
    const row = rowByFace.get(hit.faceId);
    if (!row || row.modelVersion !== modelVersion) continue;
    const key = keyOf(row);
    const current = best.get(key);
    if (!current || hit.similarity > current.hit.similarity) best.set(key, { hit, row });
  }
  return [...best.values()].sort((a, b) => b.hit.similarity - a.hit.similarity);
}

function districtOf(row: {
  districtCode: string | null;
  districtName: string | null;
  districtNameUr: string | null;
}): JurisdictionName | null {
  return row.districtCode
    ? { code: row.districtCode, name: row.districtName ?? '', nameUr: row.districtNameUr }
    : null;
}
