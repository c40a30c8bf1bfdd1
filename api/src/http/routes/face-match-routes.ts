import { Router } from 'express';
import { z } from 'zod';
import { jpegDataUrl } from '../../faces/face-crop.js';
import type { FaceMatchRepository, FaceMatchView } from '../../repositories/face-match-repository.js';
import type { FaceMatchReviewService } from '../../services/face-match-review-service.js';
import { reasonSchema } from '../reason-input.js';
import type { DispatcherSessions } from '../session.js';
import { parseOrThrow } from '../validation.js';

const listQuery = z.object({
  status: z.enum(['candidate', 'confirmed', 'rejected']).default('candidate'),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
const reviewBody = z
  .object({
    decision: z.enum(['confirmed', 'rejected']),
    reason: reasonSchema,
  })
  .strict();
const uuid = z.string().uuid('must be a UUID');

/** Candidate matches between sighting faces and case faces, and the officers' review of them. */
export function faceMatchRoutes(
  sessions: DispatcherSessions,
  faceMatches: FaceMatchRepository,
  review: FaceMatchReviewService,
): Router {
  const router = Router();
  const signedIn = sessions.requireDispatcher;

  router.get('/face-matches', signedIn, async (request, response) => {
    const query = parseOrThrow(listQuery, request.query, 'INVALID_QUERY');
    const matches = await faceMatches.list(query.status, query.limit);
    response.set('cache-control', 'no-store').json({ matches: matches.map(toMatchJson) });
  });

  // NOTE: the shared dispatcher session carries no officer identity, so reviews are recorded with the
  // actor 'dispatcher' until per-officer accounts exist.
  router.post('/face-matches/:matchId/review', signedIn, async (request, response) => {
    const matchId = parseOrThrow(uuid, request.params.matchId, 'INVALID_MATCH_ID');
    const { decision, reason } = parseOrThrow(reviewBody, request.body, 'INVALID_REVIEW');
    response.json(await review.review(matchId, decision, reason, 'dispatcher'));
  });

  return router;
}

function toMatchJson(match: FaceMatchView) {
  return {
    id: match.id,
    similarity: match.similarity,
    strong: match.strong,
    status: match.status,
    createdAt: match.createdAt.toISOString(),
    reviewedAt: match.reviewedAt ? match.reviewedAt.toISOString() : null,
    reviewReason: match.reviewReason,
    case: {
      id: match.caseId,
      trackingCode: match.trackingCode,
      child: { name: match.childName, age: match.childAge, sex: match.childSex },
      district: match.caseDistrictName
        ? { name: match.caseDistrictName, nameUr: match.caseDistrictNameUr }
        : null,
      faceCrop: jpegDataUrl(match.caseFaceCrop),
    },
    sighting: {
      id: match.sightingId,
      seenAt: match.seenAt.toISOString(),
      place: { lat: match.lat, lon: match.lon },
      description: match.sightingDescription,
      district: match.sightingDistrictName
        ? { name: match.sightingDistrictName, nameUr: match.sightingDistrictNameUr }
        : null,
      faceCrop: jpegDataUrl(match.sightingFaceCrop),
    },
  };
}
