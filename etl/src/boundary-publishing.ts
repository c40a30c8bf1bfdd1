import type { Knex } from 'knex';
import { BoundaryRepository } from './boundary-repository.js';
import { ImportError } from './import-error.js';

export interface PublishResult {
  /** The version now live. */
  versionId: number;
  /** The version that was live before, now retired, or null. */
  retiredVersionId: number | null;
}

/**
 * Makes a draft (or a retired version) live in one transaction: routing sees the old version until
 * the commit and the new one after it, never both. The old version is kept as `retired` with its
 * validity period in boundary_publications. Raises ImportError when the version would break routing.
 */
export async function publishBoundaryVersion(
  db: Knex,
  versionId: number,
  options: { by: string; allowRemovals?: boolean },
): Promise<PublishResult> {
  const result = await db.transaction((trx) =>
    publishInTransaction(trx, versionId, options.by, { allowRemovals: options.allowRemovals }),
  );
  await new BoundaryRepository(db).analyze();
  return result;
}

/**
 * Makes the version that was live before the current one was published live again, as one call.
 * Calling it again goes one more step back. Raises ImportError when there is no earlier version.
 */
export async function rollbackBoundaryVersion(db: Knex, options: { by: string }): Promise<PublishResult> {
  const result = await db.transaction((trx) => rollbackInTransaction(trx, options.by));
  await new BoundaryRepository(db).analyze();
  return result;
}

/** rollbackBoundaryVersion inside the caller's transaction, e.g. with the re-routing of open cases. */
export async function rollbackInTransaction(trx: Knex.Transaction, by: string): Promise<PublishResult> {
  const repository = new BoundaryRepository(trx);
  await trx.raw('LOCK TABLE boundary_versions IN SHARE ROW EXCLUSIVE MODE');
  const current = await repository.rollbackTarget(trx);
  if (!current)
    throw new ImportError(
      'No boundary version is live, so there is nothing to roll back.',
      'NOTHING_TO_ROLL_BACK',
    );
  if (current.previousVersionId === null) {
    throw new ImportError(
      `Boundary version ${current.versionId} was the first one published; there is no earlier version to roll back to.`,
      'NOTHING_TO_ROLL_BACK',
    );
  }
  return publishChecked(trx, repository, current.previousVersionId, by, 'rollback');
}

/** publishBoundaryVersion inside the caller's transaction, e.g. right after an import. */
export async function publishInTransaction(
  trx: Knex.Transaction,
  versionId: number,
  by: string,
  options: { allowRemovals?: boolean } = {},
): Promise<PublishResult> {
  const repository = new BoundaryRepository(trx);
  // A draft that drops live codes (a one-district file replacing its whole province, say) would leave
  // places where no district answers; publishing it needs a deliberate confirmation.
  const removed = await repository.removedCodes(trx, versionId);
  if (removed.length > 0 && !options.allowRemovals) {
    throw new ImportError(
      `Boundary version ${versionId} removes ${removed.length} jurisdiction codes that are live now ` +
        `(${removed.slice(0, 5).join(', ')}${removed.length > 5 ? ', …' : ''}); reports there would reach no district. ` +
        'Import with --replace same-code to replace only the jurisdictions in the file, or pass --allow-removals ' +
        'if the removals are intended; it was not published.',
      'VERSION_REMOVES_CODES',
    );
  }
  return publishChecked(trx, repository, versionId, by, 'publish');
}

/** Deletes a draft version that will not be published. Raises ImportError for a version that is not a draft. */
export async function discardDraft(db: Knex, versionId: number): Promise<void> {
  const deleted = await new BoundaryRepository(db).deleteDraft(db, versionId);
  if (!deleted)
    throw new ImportError(
      `Boundary version ${versionId} is not a draft, so it cannot be discarded.`,
      'VERSION_NOT_DRAFT',
    );
}

async function publishChecked(
  trx: Knex.Transaction,
  repository: BoundaryRepository,
  versionId: number,
  by: string,
  action: 'publish' | 'rollback',
): Promise<PublishResult> {
  const version = await repository.findVersion(trx, versionId);
  if (!version) throw new ImportError(`Boundary version ${versionId} does not exist.`, 'VERSION_NOT_FOUND');
  if (version.status === 'live')
    throw new ImportError(`Boundary version ${versionId} is already live.`, 'VERSION_ALREADY_LIVE');

  const blockers = await repository.publishBlockers(trx, versionId);
  if (blockers.districts === 0) {
    throw new ImportError(
      `Boundary version ${versionId} has no districts, so no report could be routed with it; it was not published.`,
      'VERSION_HAS_NO_DISTRICTS',
    );
  }
  if (blockers.withoutParent > 0) {
    throw new ImportError(
      `Boundary version ${versionId} has ${blockers.withoutParent} jurisdictions without a parent ` +
        `(${blockers.examples.join(', ')}); reports there would reach no region or province. ` +
        'Fix the parent attribute or the boundaries and import again; it was not published.',
      'VERSION_HAS_ORPHANS',
    );
  }
  const retired = await repository.publishVersion(trx, versionId, by, action);
  return { versionId, retiredVersionId: retired ?? null };
}
