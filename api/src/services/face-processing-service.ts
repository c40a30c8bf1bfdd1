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

/** Case faces compared with each sighting face; more than one photo of a case may rank high. */
const CASE_FACES_PER_SIGHTING_FACE = 20;

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

interface Candidate {
  sightingFace: number;
  caseFaceId: string;
  caseId: string;
  similarity: number;
}

/**
 * The face job: detects and describes the faces of one stored photo, stores them with their crops and
 * marks the photo processed (with zero faces when it shows none). For a sighting photo it also
 * compares each face with the faces of open cases, records candidate matches for review, and alerts
 * the case's district and the sighting's district when a match reaches the alert threshold.
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
    private readonly caseGallery: () => Promise<FaceGallery>,
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
    const candidates =
      ref.kind === 'sighting' && firstTime ? await this.findCandidates(found, modelVersion) : [];

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

  /** Finds the best match per open case for each sighting face, at or above the match threshold. */
  private async findCandidates(found: FoundFace[], modelVersion: string): Promise<Candidate[]> {
    if (found.length === 0) return [];
    const gallery = await this.caseGallery();
    await gallery.sync();

    const hits = found.flatMap((face, sightingFace) =>
      gallery
        .search(face.descriptor, { k: CASE_FACES_PER_SIGHTING_FACE, minSimilarity: this.thresholds.match })
        .map((hit) => ({ sightingFace, ...hit })),
    );
    const caseFaces = await this.repositories.faces.findCaseFaces(
      [...new Set(hits.map((hit) => hit.faceId))],
      { publishedOnly: false },
    );
    const caseFaceById = new Map(caseFaces.map((row) => [row.faceId, row]));

    const best = new Map<string, Candidate>();
    for (const hit of hits) {
      const caseFace = caseFaceById.get(hit.faceId);
      // Descriptors of another model version are not comparable; the sweeper recomputes them.
      if (!caseFace || caseFace.modelVersion !== modelVersion) continue;
      const key = `${hit.sightingFace}:${caseFace.caseId}`;
      const current = best.get(key);
      if (!current || hit.similarity > current.similarity) {
        best.set(key, {
          sightingFace: hit.sightingFace,
          caseFaceId: hit.faceId,
          caseId: caseFace.caseId,
          similarity: hit.similarity,
        });
      }
    }
    return [...best.values()];
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

    const sightingId = await this.repositories.faces.findSightingIdOfPhoto(trx, ref.photoId);
    for (const candidate of candidates) {
      const recorded = await this.recordMatch(trx, sightingId, faceIds, candidate);
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
    sightingId: string,
    faceIds: string[],
    candidate: Candidate,
  ) {
    const { faceMatches, caseEvents } = this.repositories;
    const strong = candidate.similarity >= this.thresholds.alert;
    const matchId = await faceMatches.insert(trx, {
      sightingFaceId: faceIds[candidate.sightingFace] as string,
      caseFaceId: candidate.caseFaceId,
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
