import type { Knex } from 'knex';
import { ApiError } from '../errors.js';
import { createLogger } from '../logger.js';
import type { AuditRepository } from '../repositories/audit-repository.js';
import type { CaseEventRepository } from '../repositories/case-event-repository.js';
import type {
  PublicRegisterRepository,
  RegisterEntry,
  RegisterFilter,
} from '../repositories/public-register-repository.js';

const log = createLogger('PublicRegister');

/** The register entry as the public API returns it, with photo URLs in place of photo ids. */
export type PublicRegisterEntry = Omit<RegisterEntry, 'photoIds'> & { photos: { url: string }[] };

export function photoUrl(publicId: string, photoId: string): string {
  return `/api/register/${publicId}/photos/${photoId}`;
}

function toPublic(entry: RegisterEntry): PublicRegisterEntry {
  const { photoIds, ...rest } = entry;
  return { ...rest, photos: photoIds.map((photoId) => ({ url: photoUrl(entry.publicId, photoId) })) };
}

/** Throws 410 REGISTER_ENTRY_REMOVED, which tells the public only that the child is no longer listed. */
export function removedError(): ApiError {
  return new ApiError(
    410,
    'REGISTER_ENTRY_REMOVED',
    'This child is no longer listed on the register. No further details are shown.',
  );
}

/**
 * The public register of missing children: published, open cases without a family takedown, shown
 * without reporter data, case ids or exact places. Also takes a child off the register at the
 * family's request.
 */
export class PublicRegisterService {
  constructor(
    private readonly db: Knex,
    private readonly repositories: {
      register: PublicRegisterRepository;
      caseEvents: CaseEventRepository;
      audit: AuditRepository;
    },
  ) {}

  async list(filter: RegisterFilter) {
    const { entries, total } = await this.repositories.register.list(filter);
    return {
      children: entries.map(toPublic),
      page: filter.page,
      pageSize: filter.pageSize,
      total,
      districts: await this.repositories.register.listDistricts(),
    };
  }

  /** Finds a listed child; throws 404 REGISTER_ENTRY_NOT_FOUND or 410 REGISTER_ENTRY_REMOVED. */
  async find(publicId: string): Promise<PublicRegisterEntry> {
    const found = await this.repositories.register.find(publicId);
    if (found === undefined) {
      throw new ApiError(404, 'REGISTER_ENTRY_NOT_FOUND', 'No child on the register has this link.');
    }
    if (found === 'removed') throw removedError();
    return toPublic(found);
  }

  /** Same as find, but undefined for an unknown or removed child (the server-rendered page uses it). */
  async findListed(publicId: string): Promise<PublicRegisterEntry | undefined> {
    const found = await this.repositories.register.find(publicId);
    return found && found !== 'removed' ? toPublic(found) : undefined;
  }

  findPhoto(publicId: string, photoId: string) {
    return this.repositories.register.findPhoto(publicId, photoId);
  }

  /**
   * Takes a child off the register at the family's request, at once and for good: the case keeps its
   * police work, but officers cannot publish it again. Audited, and recorded on the case timeline.
   */
  async takeDown(caseId: string, address: string | null): Promise<{ removed: true; wasListed: boolean }> {
    const { register, caseEvents, audit } = this.repositories;
    const wasListed = await this.db.transaction(async (trx) => {
      const { wasPublished } = await register.takeDown(trx, caseId);
      await caseEvents.append(
        { caseId, kind: 'register-takedown', actor: 'public', details: { wasPublished } },
        trx,
      );
      await audit.append(
        { officer: null, action: 'register.takedown', caseId, address, details: { wasPublished } },
        trx,
      );
      return wasPublished;
    });
    log.info({ caseId, wasListed }, 'family took the child off the register');
    return { removed: true, wasListed };
  }
}
