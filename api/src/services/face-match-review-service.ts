import type { Knex } from 'knex';
import { ApiError } from '../errors.js';
import { createLogger } from '../logger.js';
import type { CaseEventActor, CaseEventRepository } from '../repositories/case-event-repository.js';
import type { FaceMatchRepository } from '../repositories/face-match-repository.js';

export type ReviewDecision = 'confirmed' | 'rejected';

const log = createLogger('FaceMatchReview');

/**
 * An officer's decision on a candidate match. A match is a lead, never an identification, so only a
 * person confirms or rejects it, with a reason, and the case timeline records the decision.
 */
export class FaceMatchReviewService {
  constructor(
    private readonly db: Knex,
    private readonly repositories: { faceMatches: FaceMatchRepository; caseEvents: CaseEventRepository },
  ) {}

  async review(matchId: string, decision: ReviewDecision, reason: string, actor: CaseEventActor) {
    const { faceMatches, caseEvents } = this.repositories;
    const reviewed = await this.db.transaction(async (trx) => {
      const match = await faceMatches.findForReview(trx, matchId);
      if (!match) throw new ApiError(404, 'MATCH_NOT_FOUND', `No face match has id ${matchId}.`);
      if (match.status !== 'candidate') {
        throw new ApiError(
          409,
          'MATCH_ALREADY_REVIEWED',
          `Face match ${matchId} was already ${match.status}. Reviews are final; record a new note on the case instead.`,
        );
      }
      const reviewedAt = await faceMatches.recordReview(trx, matchId, {
        status: decision,
        reason,
        reviewedBy: actor,
      });
      await caseEvents.append(
        {
          caseId: match.caseId,
          kind: decision === 'confirmed' ? 'face-match-confirmed' : 'face-match-rejected',
          actor,
          details: { matchId, sightingId: match.sightingId, similarity: match.similarity, reason },
        },
        trx,
      );
      return { id: matchId, status: decision, reviewedAt: reviewedAt.toISOString(), caseId: match.caseId };
    });
    log.info({ matchId, caseId: reviewed.caseId, decision }, 'face match reviewed');
    return reviewed;
  }
}
