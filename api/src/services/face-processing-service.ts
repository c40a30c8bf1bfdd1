import type { Knex } from 'knex';
import { PhotoError } from '../../../models/src/errors.js';
import { DEFAULT_PHOTO_LIMITS } from '../../../models/src/photo-decoder.js';
import { cropFace } from '../faces/face-crop.js';
import type { FaceDetector, FoundFace } from '../faces/face-detector-pool.js';
import type { FaceGallery } from '../faces/face-gallery.js';
import { createLogger } from '../logger.js';
import type { CaseEventRepository } from '../repositories/case-event-repository.js';
import type { FaceMatchRepository } from '../repositories/face-match-repository.js';
import type { FaceRepository, NewFace, PhotoRef } from '../repositories/face-repository.js';
import { faceMatchAlertSms } from './face-match-sms.js';
import type { OutboxEnqueuer } from './report-service.js';

const log = createLogger('FaceProcessing');

/** Faces of the other gallery compared with each new face; more than one photo of a case may rank high. */
const NEIGHBOURS_PER_FACE = 20;

export interface FaceThresholds {
  /** Similarity at which a sighting face becomes a candidate match for review. */
  match: number;
  /** Similarity at which a candidate also alerts the districts by SMS and dashboard. */
  alert: number;
}

export interface FaceProcessingResult {
  outcome: 'processed' | 'already-processed' | 'photo-missing';
  faces: number;
  matches: number;
  alerts: number;
}

/** A possible match between a face of the photo being processed and a face of the other gallery. */
interface Candidate {
  /** Index of the face among those found in the photo being processed. */
  photoFace: number;
  /** A case face when the photo is a sighting's, a sighting face when it is a case's. */
  otherFaceId: string;
  caseId: string;
  /** The sighting of the other face; null when the photo itself is the sighting's. */
  sightingId: string | null;
  similarity: number;
}

/**
 * The face job: detects and describes the faces of one stored photo, stores them with their crops and
 * marks the photo processed (with zero faces when it shows none). It then compares each face with the
 * other gallery: a sighting's faces with the faces of open cases, and a case's faces with the faces
 * of earlier sightings. So a child seen before the report was filed is found too. It records
 * candidate matches for review, and alerts the case's district and the sighting's district when a
 * match reaches the alert threshold.
 *
 * Faces, matches, alerts and their outbox rows are written in one transaction, so a retried job
 * either finds nothing done or everything done.
 */
export class FaceProcessingService {
  constructor(
    private readonly db: Knex,
    private readonly repositories: {
      faces: FaceRepository;
      faceMatches: FaceMatchRepository;
      caseEvents: CaseEventRepository;
    },
    private readonly detector: FaceDetector,
    private readonly galleries: () => Promise<{ cases: FaceGallery; sightings: FaceGallery }>,
    private readonly thresholds: FaceThresholds,
    private readonly notify: {
      facesChanged: () => Promise<void>;
      enqueueOutbox: OutboxEnqueuer;
    },
  ) {}

  async process(ref: PhotoRef): Promise<FaceProcessingResult> {
    const { faces: faceRepository } = this.repositories;
    const modelVersion = await this.detector.modelVersion();
    const photo = await faceRepository.findPhotoToProcess(ref);
    if (!photo) return { outcome: 'photo-missing', faces: 0, matches: 0, alerts: 0 };
    if (photo.facesProcessedAt && photo.faceModelVersion === modelVersion) {
      return { outcome: 'already-processed', faces: 0, matches: 0, alerts: 0 };
    }

    const found = await this.detect(ref, photo.content);
    const faces: NewFace[] = await Promise.all(
      found.map(async (face) => ({ ...face, crop: await cropFace(photo.content, face.box) })),
    );
    // A photo processed before is being recomputed for a new model version. Its sighting was matched
    // and alerted on then, so it is not matched again.
    // NOTE: leads that only the new model version would find are therefore missed for old sightings.
    const firstTime = photo.facesProcessedAt === null;
    let candidates: Candidate[] = [];
    if (firstTime && ref.kind === 'sighting') candidates = await this.findCaseCandidates(found, modelVersion);
    if (firstTime && ref.kind === 'case')
      candidates = await this.findSightingCandidates(ref, found, modelVersion);

    const stored = await this.db.transaction(async (trx) => {
      const faceIds = await faceRepository.replaceFaces(trx, ref, faces, modelVersion);
      if (!faceIds) return undefined;
      const recorded = await this.recordMatches(trx, ref, faceIds, candidates);
      return { faceIds, ...recorded };
    });
    if (!stored) return { outcome: 'photo-missing', faces: 0, matches: 0, alerts: 0 };

    log.info(
      { photo: ref, faces: faces.length, matches: stored.matches, alerts: stored.alertedCases.length },
      'photo faces stored',
    );
    await this.announce(stored.faceIds.length > 0, stored.outbox);
    return {
      outcome: 'processed',
      faces: faces.length,
      matches: stored.matches,
      alerts: stored.alertedCases.length,
    };
  }

  /**
   * Runs detection on a stored photo. Photo intake re-encoded it, so a PhotoError here means that no
   * model version can read it. The photo is then marked processed with no faces, not retried forever.
   */
  private async detect(ref: PhotoRef, content: Buffer): Promise<FoundFace[]> {
    try {
      return await this.detector.detect(content, DEFAULT_PHOTO_LIMITS);
    } catch (error) {
      if (!(error instanceof PhotoError)) throw error;
      log.error(
        { photo: ref, code: error.code, err: error.message },
        'stored photo cannot be decoded; marking it processed with no faces',
      );
      return [];
    }
  }

  /** Finds the best match per open case for each face of a sighting photo, at or above the match threshold. */
  private async findCaseCandidates(found: FoundFace[], modelVersion: string): Promise<Candidate[]> {
    if (found.length === 0) return [];
    const hits = await this.searchGallery('cases', found);
    const caseFaces = await this.repositories.faces.findCaseFaces(
      [...new Set(hits.map((hit) => hit.faceId))],
      { publishedOnly: false },
    );
    const caseFaceById = new Map(caseFaces.map((row) => [row.faceId, row]));

    const candidates: Candidate[] = [];
    for (const hit of hits) {
      const caseFace = caseFaceById.get(hit.faceId);
      // Descriptors of another model version are not comparable; the sweeper recomputes them.
      if (!caseFace || caseFace.modelVersion !== modelVersion) continue;
      candidates.push({ ...hit, otherFaceId: hit.faceId, caseId: caseFace.caseId, sightingId: null });
    }
    return bestPerGroup(candidates, (candidate) => `${candidate.photoFace}:${candidate.caseId}`);
  }

  /**
   * Finds, for each face of a case photo, the best match per earlier sighting at or above the match
   * threshold. A sighting filed for another case still counts, because the reporter may have named
   * the wrong child.
   */
  private async findSightingCandidates(
    ref: PhotoRef,
    found: FoundFace[],
    modelVersion: string,
  ): Promise<Candidate[]> {
    if (found.length === 0) return [];
    const caseId = await this.repositories.faces.findCaseIdOfPhoto(ref.photoId);
    if (!caseId) return [];
    const hits = await this.searchGallery('sightings', found);
    const sightingFaces = await this.repositories.faces.findSightingFaces([
      ...new Set(hits.map((hit) => hit.faceId)),
    ]);
    const sightingFaceById = new Map(sightingFaces.map((row) => [row.faceId, row]));

    const candidates: Candidate[] = [];
    for (const hit of hits) {
      const sightingFace = sightingFaceById.get(hit.faceId);
      if (!sightingFace || sightingFace.modelVersion !== modelVersion) continue;
      candidates.push({ ...hit, otherFaceId: hit.faceId, caseId, sightingId: sightingFace.sightingId });
    }
    return bestPerGroup(candidates, (candidate) => `${candidate.photoFace}:${candidate.sightingId}`);
  }

  /** Searches one gallery with every face found, keeping hits at or above the match threshold. */
  private async searchGallery(name: 'cases' | 'sightings', found: FoundFace[]) {
    const gallery = (await this.galleries())[name];
    await gallery.sync();
    return found.flatMap((face, photoFace) =>
      gallery
        .search(face.descriptor, { k: NEIGHBOURS_PER_FACE, minSimilarity: this.thresholds.match })
        .map((hit) => ({ photoFace, faceId: hit.faceId, similarity: hit.similarity })),
    );
  }

  private async recordMatches(
    trx: Knex.Transaction,
    ref: PhotoRef,
    faceIds: string[],
    candidates: Candidate[],
  ) {
    const outbox: { caseId: string; outboxIds: string[] }[] = [];
    const alertedCases: string[] = [];
    let matches = 0;
    if (candidates.length === 0) return { matches, alertedCases, outbox };

    // A sighting photo's candidates all belong to that photo's sighting.
    const photoSightingId =
      ref.kind === 'sighting' ? await this.repositories.faces.findSightingIdOfPhoto(trx, ref.photoId) : null;
    for (const candidate of candidates) {
      const photoFaceId = faceIds[candidate.photoFace] as string;
      const pair =
        ref.kind === 'sighting'
          ? {
              sightingFaceId: photoFaceId,
              caseFaceId: candidate.otherFaceId,
              sightingId: photoSightingId as string,
            }
          : {
              sightingFaceId: candidate.otherFaceId,
              caseFaceId: photoFaceId,
              sightingId: candidate.sightingId as string,
            };
      const recorded = await this.recordMatch(trx, pair, candidate);
      if (!recorded) continue;
      matches += 1;
      if (recorded.outboxIds.length > 0) {
        alertedCases.push(candidate.caseId);
        outbox.push({ caseId: candidate.caseId, outboxIds: recorded.outboxIds });
      }
    }
    return { matches, alertedCases, outbox };
  }

  private async recordMatch(
    trx: Knex.Transaction,
    pair: { sightingFaceId: string; caseFaceId: string; sightingId: string },
    candidate: Candidate,
  ) {
    const { faceMatches, caseEvents } = this.repositories;
    const { sightingId } = pair;
    const strong = candidate.similarity >= this.thresholds.alert;
    const matchId = await faceMatches.insert(trx, {
      sightingFaceId: pair.sightingFaceId,
      caseFaceId: pair.caseFaceId,
      sightingId,
      caseId: candidate.caseId,
      similarity: candidate.similarity,
      strong,
    });
    if (!matchId) return undefined;

    let alerts = { alertIds: [] as string[], outboxIds: [] as string[] };
    if (strong) {
      const context = await faceMatches.findContext(trx, candidate.caseId, sightingId);
      const districts = [context.caseDistrictId, context.sightingDistrictId].filter(
        (id): id is number => id !== null,
      );
      const sms = faceMatchAlertSms({ ...context, similarity: candidate.similarity });
      alerts = await faceMatches.insertAlerts(trx, matchId, candidate.caseId, districts, sms);
    }
    await caseEvents.append(
      {
        caseId: candidate.caseId,
        kind: 'face-match-found',
        actor: 'system',
        details: {
          matchId,
          sightingId,
          similarity: candidate.similarity,
          strong,
          alertIds: alerts.alertIds,
        },
      },
      trx,
    );
    return alerts;
  }

  /** Tells the searching processes about new faces and queues the alerts' delivery; both may fail safely. */
  private async announce(
    facesAdded: boolean,
    outbox: { caseId: string; outboxIds: string[] }[],
  ): Promise<void> {
    if (facesAdded) {
      await this.notify.facesChanged().catch((error: Error) => {
        log.warn(
          { err: error.message },
          'could not publish new faces; the indexes pick them up at their next sync',
        );
      });
    }
    for (const job of outbox) {
      await this.notify.enqueueOutbox(job.caseId, job.outboxIds).catch((error: Error) => {
        log.warn(
          { caseId: job.caseId, err: error.message },
          'could not queue match alerts; the outbox sweeper will deliver them',
        );
      });
    }
  }
}

/** Keeps the most similar candidate of each group. */
function bestPerGroup(candidates: Candidate[], groupOf: (candidate: Candidate) => string): Candidate[] {
  const best = new Map<string, Candidate>();
  for (const candidate of candidates) {
    const key = groupOf(candidate);
    const current = best.get(key);
    if (!current || candidate.similarity > current.similarity) best.set(key, candidate);
  }
  return [...best.values()];
}
