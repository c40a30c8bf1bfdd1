import type { Redis } from 'ioredis';
import { createLogger } from '../logger.js';

/** Tells every process that holds a face index that the faces table changed. */
export interface FacesChangedEvent {
  type: 'faces-changed';
  /** Whether faces were added only, or some were removed (which makes the holders rebuild). */
  removed: boolean;
}

const log = createLogger('FaceEvents');

export function facesChannel(prefix: string): string {
  return `${prefix}:faces`;
}

export async function publishFacesChanged(redis: Redis, prefix: string, removed: boolean): Promise<void> {
  const event: FacesChangedEvent = { type: 'faces-changed', removed };
  await redis.publish(facesChannel(prefix), JSON.stringify(event));
}

/**
 * Subscribes to face changes on a dedicated connection. Returns a function that unsubscribes and
 * closes it. A lost message only delays an index until its next periodic sync.
 */
export async function subscribeFacesChanged(
  subscriber: Redis,
  prefix: string,
  onEvent: (event: FacesChangedEvent) => void,
): Promise<() => Promise<void>> {
  const channel = facesChannel(prefix);
  subscriber.on('message', (receivedChannel: string, text: string) => {
    if (receivedChannel !== channel) return;
    try {
      onEvent(JSON.parse(text) as FacesChangedEvent);
    } catch (error) {
      log.error({ err: (error as Error).message }, 'dropped a malformed faces event');
    }
  });
  await subscriber.subscribe(channel);
  return async () => {
    await subscriber.unsubscribe(channel).catch(() => undefined);
    subscriber.disconnect();
  };
}
