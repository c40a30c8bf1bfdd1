import type { Knex } from 'knex';
import { ApiError } from '../errors.js';
import type { FaceJobEnqueuer } from '../jobs/faces-queue.js';
import { createLogger } from '../logger.js';
import type { CaseEventRepository } from '../repositories/case-event-repository.js';
import type { CaseRegisterRepository } from '../repositories/case-register-repository.js';
import type { NewPhoto } from '../repositories/case-repository.js';
import type { ReporterCase, ReporterRepository } from '../repositories/reporter-repository.js';

const log = createLogger('ReporterService');

/**
 * What the reporter of a case can do with its tracking code and their phone number: see the police
 * timeline with their own additions, and add information and photos. A wrong code and a wrong phone
 * get the same 404, so the answer never tells which of the two exists.
 */
export class ReporterService {
  constructor(
    private readonly db: Knex,
    private readonly repositories: {
      reporters: ReporterRepository;
      register: CaseRegisterRepository;
      caseEvents: CaseEventRepository;
    },
    private readonly enqueueFaceJobs: FaceJobEnqueuer,
  ) {}

  /** Finds the reporter's case; throws 404 TRACKING_NOT_FOUND when the code or the phone does not match. */
  async authenticate(trackingCode: string, phone: string): Promise<ReporterCase> {
    const found = await this.repositories.reporters.findCase(trackingCode, phone);
    if (!found) {
      throw new ApiError(
        404,
        'TRACKING_NOT_FOUND',
        'No case matches this tracking code and phone number. Check both in the SMS you received.',
      );
    }
    return found;
  }

  listUpdates(caseId: string) {
    return this.repositories.reporters.listUpdates(caseId);
  }

  /** Adds the reporter's text, photo or both to the case timeline; the photo joins the case's photos. */
  async addUpdate(caseId: string, text: string | null, photo: NewPhoto | undefined): Promise<{ at: string }> {
    const { register, caseEvents } = this.repositories;
    const photoId = await this.db.transaction(async (trx) => {
      const insertedPhotoId = photo ? await register.insertPhoto(trx, caseId, photo) : undefined;
      await caseEvents.append(
        {
          caseId,
          kind: 'reporter-update',
          actor: 'public',
          details: { text, ...(insertedPhotoId ? { photoId: insertedPhotoId } : {}) },
        },
        trx,
      );
      return insertedPhotoId;
    });
    log.info({ caseId, photoId: photoId ?? null }, 'reporter added information to the case');
    if (photoId) {
      await this.enqueueFaceJobs([{ kind: 'case', photoId }]).catch((error: Error) => {
        log.warn({ caseId, photoId, err: error.message }, 'could not queue the face job; the sweeper will');
      });
    }
    return { at: new Date().toISOString() };
  }
}
