import type { Redis } from 'ioredis';
import { createLogger } from '../logger.js';
import type { AlertView, CaseView } from '../repositories/case-repository.js';
import type { SightingNoticeView } from '../repositories/sighting-repository.js';

/** An update for open dashboards, carried over Redis pub/sub from the worker to every API process. */
export type DashboardEvent =
  | { type: 'alert'; jurisdictionCode: string; alert: AlertView }
  | { type: 'case-unassigned'; case: CaseView }
  /**
   * A case changed state; `jurisdictionCodes` are its district, region and province, empty when
   * unassigned.
   */
  | { type: 'case-status'; jurisdictionCodes: string[]; case: CaseView }
  /** A public sighting routed to the districts in `jurisdictionCodes`. */
  | { type: 'sighting'; jurisdictionCodes: string[]; sighting: SightingNoticeView };

const log = createLogger('DashboardEvents');

export function dashboardChannel(prefix: string): string {
  return `${prefix}:dashboard`;
}

/**
 * Subscribes to dashboard events on a dedicated Redis connection (a subscribing connection cannot run
 * other commands). Returns a function that unsubscribes and closes it.
 */
export async function subscribeDashboardEvents(
  subscriber: Redis,
  prefix: string,
  onEvent: (event: DashboardEvent) => void,
): Promise<() => Promise<void>> {
  const channel = dashboardChannel(prefix);
  subscriber.on('message', (receivedChannel: string, text: string) => {
    if (receivedChannel !== channel) return;
    try {
      onEvent(JSON.parse(text) as DashboardEvent);
    } catch (error) {
      log.error({ err: (error as Error).message }, 'dropped a malformed dashboard event');
    }
  });
  await subscriber.subscribe(channel);
  return async () => {
    await subscriber.unsubscribe(channel).catch(() => undefined);
    subscriber.disconnect();
  };
}
