import type { Response } from 'express';
import type { DashboardEvent } from '../events/dashboard-events.js';
import { createLogger } from '../logger.js';

/** One open dashboard stream and what it asked to follow. */
interface Subscriber {
  response: Response;
  jurisdictionCodes: Set<string>;
  unassigned: boolean;
}

const log = createLogger('SseHub');
const PING_INTERVAL_MS = 15_000;

/** Fans dashboard events out to the server-sent-event streams open on this API process. */
export class SseHub {
  private readonly subscribers = new Set<Subscriber>();
  private readonly pingTimer: NodeJS.Timeout;

  constructor() {
    // A comment line every 15 s keeps proxies from closing an idle stream.
    this.pingTimer = setInterval(() => {
      for (const subscriber of this.subscribers) subscriber.response.write(': ping\n\n');
    }, PING_INTERVAL_MS);
    this.pingTimer.unref();
  }

  get size(): number {
    return this.subscribers.size;
  }

  open(response: Response, jurisdictionCodes: string[], unassigned: boolean): void {
    response.status(200).set({
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    response.flushHeaders();
    response.write('retry: 3000\n\n');

    const subscriber: Subscriber = { response, jurisdictionCodes: new Set(jurisdictionCodes), unassigned };
    this.subscribers.add(subscriber);
    response.on('close', () => this.subscribers.delete(subscriber));
    log.debug(
      { codes: jurisdictionCodes, unassigned, open: this.subscribers.size },
      'dashboard stream opened',
    );
  }

  dispatch(event: DashboardEvent): void {
    for (const subscriber of this.subscribers) {
      if (event.type === 'alert' && subscriber.jurisdictionCodes.has(event.jurisdictionCode)) {
        subscriber.response.write(
          `event: alert\nid: ${event.alert.id}\ndata: ${JSON.stringify(event.alert)}\n\n`,
        );
      } else if (event.type === 'case-status' && this.follows(subscriber, event.jurisdictionCodes)) {
        subscriber.response.write(
          `event: case-status\nid: ${event.case.id}\ndata: ${JSON.stringify(event.case)}\n\n`,
        );
      } else if (event.type === 'sighting' && this.follows(subscriber, event.jurisdictionCodes)) {
        subscriber.response.write(
          `event: sighting\nid: ${event.sighting.id}\ndata: ${JSON.stringify(event.sighting)}\n\n`,
        );
      } else if (event.type === 'case-unassigned' && subscriber.unassigned) {
        subscriber.response.write(
          `event: case-unassigned\nid: ${event.case.id}\ndata: ${JSON.stringify(event.case)}\n\n`,
        );
      }
    }
  }

  private follows(subscriber: Subscriber, codes: string[]): boolean {
    if (codes.length === 0) return subscriber.unassigned;
    return codes.some((code) => subscriber.jurisdictionCodes.has(code));
  }

  close(): void {
    clearInterval(this.pingTimer);
    for (const subscriber of this.subscribers) subscriber.response.end();
    this.subscribers.clear();
  }
}
