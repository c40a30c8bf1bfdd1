import type { Knex } from 'knex';
import { isCaseState, isFinal } from '../cases/case-states.js';
import { ApiError } from '../errors.js';
import type { FaceJobEnqueuer } from '../jobs/faces-queue.js';
import { createLogger } from '../logger.js';
import type { CaseEventActor, CaseEventRepository } from '../repositories/case-event-repository.js';
import type { CaseRegisterRepository } from '../repositories/case-register-repository.js';
import type { NewPhoto } from '../repositories/case-repository.js';

const log = createLogger('CaseRegister');

/**
 * Officers' changes to a case's public presence: publishing it on the register, which makes it visible
 * to public face search, and the photos its face matching uses. The case timeline records each change.
 */
export class CaseRegisterService {
  constructor(
    private readonly db: Knex,
    private readonly repositories: { register: CaseRegisterRepository; caseEvents: CaseEventRepository },
    private readonly enqueueFaceJobs: FaceJobEnqueuer,
    /** Tells the face indexes that faces left the table, and waits for this process's own to rebuild. */
    private readonly facesRemoved: () => Promise<void>,
  ) {}

  /** `publicName` replaces the name the register shows (by default the first word of the child's name). */
  async setPublished(caseId: string, published: boolean, actor: CaseEventActor, publicName?: string) {
    const { register, caseEvents } = this.repositories;
    const result = await this.db.transaction(async (trx) => {
      const state = await this.requireCase(trx, caseId);
      if (published && isCaseState(state.status) && isFinal(state.status)) {
        throw new ApiError(
          409,
          'CASE_CLOSED',
          `Case ${caseId} is ${state.status}; only open cases can be published.`,
        );
      }
      if (published && state.takedownAt) {
        throw new ApiError(
          409,
          'REGISTER_TAKEN_DOWN',
          `The family of case ${caseId} took the child off the public register; it cannot be published again.`,
        );
      }
      const updated = await register.setPublished(trx, caseId, published, publicName);
      if (Boolean(state.publishedAt) !== published) {
        await caseEvents.append({ caseId, kind: published ? 'published' : 'unpublished', actor }, trx);
      }
      return updated?.publishedAt ?? null;
    });
    log.info(
      { caseId, published },
      published ? 'case published on the register' : 'case removed from the register',
    );
    return { id: caseId, publishedAt: result ? result.toISOString() : null };
  }

  async addPhoto(caseId: string, photo: NewPhoto, actor: CaseEventActor): Promise<{ id: string }> {
    const { register, caseEvents } = this.repositories;
    const photoId = await this.db.transaction(async (trx) => {
      await this.requireCase(trx, caseId);
      const id = await register.insertPhoto(trx, caseId, photo);
      await caseEvents.append({ caseId, kind: 'photo-added', actor, details: { photoId: id } }, trx);
      return id;
    });
    log.info({ caseId, photoId }, 'photo added to case');
    await this.enqueueFaceJobs([{ kind: 'case', photoId }]).catch((error: Error) => {
      log.warn({ caseId, photoId, err: error.message }, 'could not queue the face job; the sweeper will');
    });
    return { id: photoId };
  }

  /** Deletes a photo and its faces, so no search or match uses it again. */
  async withdrawPhoto(caseId: string, photoId: string, reason: string, actor: CaseEventActor) {
    const { register, caseEvents } = this.repositories;
    const faces = await this.db.transaction(async (trx) => {
      await this.requireCase(trx, caseId);
      const removedFaces = await register.deletePhoto(trx, caseId, photoId);
      if (removedFaces === undefined) {
        throw new ApiError(404, 'PHOTO_NOT_FOUND', `Case ${caseId} has no photo ${photoId}.`);
      }
      await caseEvents.append(
        { caseId, kind: 'photo-withdrawn', actor, details: { photoId, reason, faces: removedFaces } },
        trx,
      );
      return removedFaces;
    });
    log.info({ caseId, photoId, faces }, 'photo withdrawn from case');
    if (faces > 0) await this.facesRemoved();
    return { id: photoId, withdrawn: true, faces };
  }

  private async requireCase(trx: Knex.Transaction, caseId: string) {
    const state = await this.repositories.register.findCaseState(caseId, trx);
    if (!state) throw new ApiError(404, 'CASE_NOT_FOUND', `No case has id ${caseId}.`);
    return state;
  }
}
