import { Router } from 'express';
import { z } from 'zod';
import { ApiError } from '../../errors.js';
import { jpegDataUrl } from '../../faces/face-crop.js';
import type { AuditRepository } from '../../repositories/audit-repository.js';
import type { FaceMatchRepository, FaceMatchView } from '../../repositories/face-match-repository.js';
import type { FaceMatchReviewService } from '../../services/face-match-review-service.js';
import { canAccess, caseScope } from '../../services/jurisdiction-access.js';
import { reasonSchema } from '../reason-input.js';
import { type DispatcherSessions, signedInOfficer } from '../session.js';
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

/**
 * Candidate matches between sighting faces and case faces, and the officers' review of them. An
 * officer sees and reviews the matches whose case or sighting lies in their jurisdiction.
 */
export function faceMatchRoutes(
  sessions: DispatcherSessions,
  faceMatches: FaceMatchRepository,
  review: FaceMatchReviewService,
  audit: AuditRepository,
): Router {
  const router = Router();
  const signedIn = sessions.requireDispatcher;

  router.get('/face-matches', signedIn, async (request, response) => {
    const query = parseOrThrow(listQuery, request.query, 'INVALID_QUERY');
    const officer = signedInOfficer(request);
    const scope = caseScope(officer);
    const matches = scope === 'none' ? [] : await faceMatches.list(query.status, query.limit, scope);
    await audit.append({
      officer,
      action: 'face-matches.list',
      address: request.ip ?? null,
      details: { status: query.status, count: matches.length },
    });
    response.set('cache-control', 'no-store').json({ matches: matches.map(toMatchJson) });
  });

  router.post('/face-matches/:matchId/review', signedIn, async (request, response) => {
    const matchId = parseOrThrow(uuid, request.params.matchId, 'INVALID_MATCH_ID');
    const { decision, reason } = parseOrThrow(reviewBody, request.body, 'INVALID_REVIEW');
    const officer = signedInOfficer(request);

    const paths = await faceMatches.findPaths(matchId);
    if (!paths) throw new ApiError(404, 'MATCH_NOT_FOUND', `No face match has id ${matchId}.`);
    if (!canAccess(officer, paths.case) && !canAccess(officer, paths.sighting)) {
      throw new ApiError(
        403,
        'FORBIDDEN',
        `Face match ${matchId} concerns a case and a sighting outside the jurisdiction of this account.`,
      );
    }

    const reviewed = await review.review(matchId, decision, reason, `account:${officer.id}`);
    await audit.append({
      officer,
      action: 'face-match.review',
      caseId: reviewed.caseId,
      address: request.ip ?? null,
      details: { matchId, decision },
    });
    response.json(reviewed);
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
      faceCrop: match.caseFaceCrop ? jpegDataUrl(match.caseFaceCrop) : null,
    },
    sighting: {
      id: match.sightingId,
      seenAt: match.seenAt.toISOString(),
      place: { lat: match.lat, lon: match.lon },
      description: match.sightingDescription,
      district: match.sightingDistrictName
        ? { name: match.sightingDistrictName, nameUr: match.sightingDistrictNameUr }
        : null,
      faceCrop: match.sightingFaceCrop ? jpegDataUrl(match.sightingFaceCrop) : null,
    },
  };
}
