import type { Knex } from 'knex';
import type { PublishResult } from '../../../etl/src/boundary-publishing.js';
import { BoundaryRepository } from '../../../etl/src/boundary-repository.js';
import type { DeadlineSettings } from '../cases/deadlines.js';
import { CaseReroutingRepository } from '../repositories/case-rerouting-repository.js';
import { DeadlineRepository } from '../repositories/deadline-repository.js';
import { CaseRerouting, type ReroutedCase } from './case-rerouting.js';

/**
 * Re-routes the open cases that a switch of the live boundary version moves to another district,
 * inside the transaction that switched it. Returns an empty list when no version was live before.
 */
export async function rerouteAfterSwitch(
  trx: Knex.Transaction,
  published: PublishResult,
  options: { action: 'publish' | 'rollback'; by: string; deadlines?: DeadlineSettings },
): Promise<ReroutedCase[]> {
  if (published.retiredVersionId === null) return [];
  const rerouting = new CaseRerouting(
    new CaseReroutingRepository(),
    new DeadlineRepository(trx),
    options.deadlines,
  );
  return rerouting.rerouteInTransaction(trx, {
    fromVersionId: published.retiredVersionId,
    toVersionId: published.versionId,
    action: options.action,
    by: options.by,
  });
}

/**
 * Runs a publish or rollback (`change`, in the transaction it is given) and the re-routing of open
 * cases in one transaction, then refreshes the planner statistics of the boundary tables. The
 * re-routed cases' outbox rows are pending when this returns; the caller queues them, or the outbox
 * worker's sweeper sends them.
 */
export async function switchLiveVersion(
  db: Knex,
  change: (trx: Knex.Transaction) => Promise<PublishResult>,
  options: { action: 'publish' | 'rollback'; by: string; deadlines?: DeadlineSettings },
): Promise<{ published: PublishResult; rerouted: ReroutedCase[] }> {
  const result = await db.transaction(async (trx) => {
    const published = await change(trx);
    return { published, rerouted: await rerouteAfterSwitch(trx, published, options) };
  });
  await new BoundaryRepository(db).analyze();
  return result;
}
