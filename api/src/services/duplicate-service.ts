import type { Knex } from 'knex';
import type { Officer } from '../auth/roles.js';
import { ApiError } from '../errors.js';
import type { FaceGallery } from '../faces/face-gallery.js';
import { createLogger } from '../logger.js';
import type { AuditRepository } from '../repositories/audit-repository.js';
import type { CaseEventRepository } from '../repositories/case-event-repository.js';
import type { CaseView } from '../repositories/case-repository.js';
import type { CaseWorkflowRepository } from '../repositories/case-workflow-repository.js';
import type {
  CandidateRow,
  DuplicateCriteria,
  DuplicateLink,
  DuplicateRepository,
} from '../repositories/duplicate-repository.js';
import { bytesToDescriptor } from '../repositories/face-repository.js';
import { assertAccess, canAccess } from './jurisdiction-access.js';

const log = createLogger('DuplicateService');

/** Same name, age within a year, last seen within about 5 km and 7 days of each other. */
export const DUPLICATE_CRITERIA: DuplicateCriteria = {
  maxAgeDifference: 1,
  maxDistanceMetres: 5000,
  maxDaysApart: 7,
};
const MAX_CANDIDATES = 50;
/** Neighbours asked of the case face gallery per face of the case. */
const FACE_NEIGHBOURS = 10;

export interface DuplicateCandidate {
  case: CaseView;
  /** Why it is a candidate: 'details' (name, age, place, time) and/or 'face' (a face match). */
  reasons: ('details' | 'face')[];
  /** The highest face similarity between the two cases' photos; null without a face match. */
  faceSimilarity: number | null;
  linked: boolean;
}

/**
 * Finds reports that may be about the same child, and lets officers link and unlink them. A link
 * is a note between two cases: it never changes their states, so closing one leaves the other as it
 * is. Every link and unlink goes on both cases' timelines and in the audit trail.
 */
export class DuplicateService {
  constructor(
    private readonly db: Knex,
    private readonly repositories: {
      duplicates: DuplicateRepository;
      workflow: CaseWorkflowRepository;
      caseEvents: CaseEventRepository;
      audit: AuditRepository;
    },
    /** The face gallery of open cases; a face match between two cases' photos makes a candidate. */
    private readonly caseGallery: () => Promise<FaceGallery>,
    private readonly faceMatchThreshold: number,
  ) {}

  /** Lists the candidates the officer may see, and the links in force. */
  async list(
    officer: Officer,
    caseId: string,
  ): Promise<{ candidates: DuplicateCandidate[]; links: DuplicateLink[] }> {
    await this.assertCaseAccess(officer, caseId);
    const { duplicates } = this.repositories;

    const byDetails = await duplicates.listByDetails(caseId, DUPLICATE_CRITERIA, MAX_CANDIDATES);
    const byFace = await this.faceMatches(caseId);
    const faceOnly = [...byFace.keys()].filter((id) => !byDetails.some((row) => row.view.id === id));
    const rows: CandidateRow[] = [...byDetails, ...(await duplicates.findCandidates(faceOnly))];

    const links = await duplicates.listActiveLinks(caseId);
    const linked = new Set(links.map((link) => link.otherCaseId));
    const candidates = rows
      .filter((row) => canAccess(officer, row.path))
      .map((row) => ({
        case: row.view,
        reasons: [
          ...(byDetails.some((item) => item.view.id === row.view.id) ? (['details'] as const) : []),
          ...(byFace.has(row.view.id) ? (['face'] as const) : []),
        ],
        faceSimilarity: byFace.get(row.view.id) ?? null,
        linked: linked.has(row.view.id),
      }));
    return { candidates, links };
  }

  async link(officer: Officer, caseId: string, otherCaseId: string, reason: string, address: string | null) {
    await this.assertPair(officer, caseId, otherCaseId);
    const linkId = await this.db.transaction(async (trx) => {
      const id = await this.repositories.duplicates.link(trx, caseId, otherCaseId, officer.id, reason);
      if (!id) {
        throw new ApiError(
          409,
          'ALREADY_LINKED',
          `Cases ${caseId} and ${otherCaseId} are linked already; unlink them first to link them again.`,
          'caseId',
        );
      }
      await this.record(
        trx,
        officer,
        'duplicate-linked',
        caseId,
        otherCaseId,
        { linkId: id, reason },
        address,
      );
      return id;
    });
    log.info({ caseId, otherCaseId, linkId, accountId: officer.id }, 'cases linked as duplicates');
    return { linkId, caseId, otherCaseId };
  }

  async unlink(
    officer: Officer,
    caseId: string,
    otherCaseId: string,
    reason: string,
    address: string | null,
  ) {
    await this.assertPair(officer, caseId, otherCaseId);
    const linkId = await this.db.transaction(async (trx) => {
      const id = await this.repositories.duplicates.unlink(trx, caseId, otherCaseId, officer.id, reason);
      if (!id) {
        throw new ApiError(404, 'LINK_NOT_FOUND', `Cases ${caseId} and ${otherCaseId} are not linked.`);
      }
      await this.record(
        trx,
        officer,
        'duplicate-unlinked',
        caseId,
        otherCaseId,
        { linkId: id, reason },
        address,
      );
      return id;
    });
    log.info({ caseId, otherCaseId, linkId, accountId: officer.id }, 'duplicate link removed');
    return { linkId, caseId, otherCaseId };
  }

  /** Appends the change to both timelines and to the audit trail, in the caller's transaction. */
  private async record(
    trx: Knex.Transaction,
    officer: Officer,
    kind: 'duplicate-linked' | 'duplicate-unlinked',
    caseId: string,
    otherCaseId: string,
    details: { linkId: string; reason: string },
    address: string | null,
  ): Promise<void> {
    const actor = `account:${officer.id}` as const;
    for (const [self, other] of [
      [caseId, otherCaseId],
      [otherCaseId, caseId],
    ] as const) {
      await this.repositories.caseEvents.append(
        { caseId: self, kind, actor, details: { ...details, otherCaseId: other } },
        trx,
      );
    }
    await this.repositories.audit.append(
      { officer, action: `case.${kind}`, caseId, address, details: { linkId: details.linkId, otherCaseId } },
      trx,
    );
  }

  /** Maps each other open case with a face like one of this case's faces to the highest similarity. */
  private async faceMatches(caseId: string): Promise<Map<string, number>> {
    const descriptors = await this.repositories.duplicates.listCaseDescriptors(caseId);
    if (descriptors.length === 0) return new Map();
    const gallery = await this.caseGallery();
    const similarityByFace = new Map<string, number>();
    for (const bytes of descriptors) {
      const matches = gallery.search(bytesToDescriptor(bytes), {
        k: FACE_NEIGHBOURS,
        minSimilarity: this.faceMatchThreshold,
      });
      for (const match of matches) {
        const faceId = String(match.faceId);
        similarityByFace.set(faceId, Math.max(similarityByFace.get(faceId) ?? -1, match.similarity));
      }
    }
    const caseOfFace = await this.repositories.duplicates.findCaseIdsOfFaces([...similarityByFace.keys()]);
    const byCase = new Map<string, number>();
    for (const [faceId, similarity] of similarityByFace) {
      const otherCaseId = caseOfFace.get(faceId);
      if (!otherCaseId || otherCaseId === caseId) continue;
      byCase.set(otherCaseId, Math.max(byCase.get(otherCaseId) ?? -1, similarity));
    }
    return byCase;
  }

  private async assertCaseAccess(officer: Officer, caseId: string, field?: string): Promise<void> {
    const path = await this.repositories.workflow.findPath(caseId);
    if (!path) throw new ApiError(404, 'CASE_NOT_FOUND', `No case has the id ${caseId}.`, field);
    assertAccess(officer, path, `Case ${caseId}`);
  }

  private async assertPair(officer: Officer, caseId: string, otherCaseId: string): Promise<void> {
    if (caseId === otherCaseId) {
      throw new ApiError(
        400,
        'INVALID_DUPLICATE',
        'caseId: a case cannot be linked to itself; give the other case.',
        'caseId',
      );
    }
    await this.assertCaseAccess(officer, caseId);
    await this.assertCaseAccess(officer, otherCaseId, 'caseId');
  }
}
