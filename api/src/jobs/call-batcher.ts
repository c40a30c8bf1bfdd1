interface Waiting<T> {
  item: T;
  resolve: () => void;
  reject: (error: Error) => void;
}

/**
 * Groups items for a slow call (a Redis round trip) with at most one call in flight. An item that
 * arrives while a call runs waits for it, and all items that waited go into the next call together.
 *
 * Under light load each item gets its own call at once. Under heavy load the calls grow instead of
 * their number, as a database's group commit does, and no timer adds delay on a quiet system.
 * `minIntervalMs` spaces the calls further apart: a call that would start sooner after the one
 * before waits, and the items arriving meanwhile join it. An item that finds the batcher idle for
 * longer than that still goes out at once, and so does a full batch. A caller that awaits each
 * item before adding the next waits the interval every time, so such callers get a batcher
 * without one.
 */
export class CallBatcher<T> {
  private waiting: Waiting<T>[] = [];
  private inFlight: Promise<void> | null = null;
  /** When the last call started, on the monotonic clock (`performance.now()`, ms). */
  private lastCallAt = Number.NEGATIVE_INFINITY;
  /** Ends the current wait for the interval early; set only while the loop waits. */
  private endWait: (() => void) | null = null;

  constructor(
    /** Sends one batch; a throw fails every item of that batch. */
    private readonly send: (items: T[]) => Promise<void>,
    /** Maximum items per call. */
    private readonly maxBatch = 100,
    /** Minimum time in milliseconds between the starts of two calls. */
    private readonly minIntervalMs = 0,
  ) {}

  /** Adds an item. Resolves once the call that carried it succeeded. */
  add(item: T): Promise<void> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ item, resolve, reject });
      if (!this.inFlight) this.inFlight = this.sendUntilEmpty();
      else if (this.waiting.length >= this.maxBatch) this.endWait?.();
    });
  }

  /** Waits until every item added so far has been sent (or has failed). */
  async drain(): Promise<void> {
    while (this.inFlight) await this.inFlight;
  }

  private async sendUntilEmpty(): Promise<void> {
    try {
      while (this.waiting.length > 0) {
        const wait = this.lastCallAt + this.minIntervalMs - performance.now();
        if (wait > 0 && this.waiting.length < this.maxBatch) {
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, wait);
            this.endWait = () => {
              clearTimeout(timer);
              resolve();
            };
          });
          this.endWait = null;
        }
        this.lastCallAt = performance.now();
        const batch = this.waiting.splice(0, this.maxBatch);
        try {
          // The async wrapper turns a synchronous throw into a rejection, so this always awaits and
          // the loop cannot end before add() has stored it in inFlight.
          await (async () => this.send(batch.map((waiting) => waiting.item)))();
          for (const waiting of batch) waiting.resolve();
        } catch (error) {
          for (const waiting of batch) waiting.reject(error as Error);
        }
      }
    } finally {
      this.inFlight = null;
    }
  }
}
