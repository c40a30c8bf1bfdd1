/** A server-sent event as read by the tests. */
export interface ReceivedEvent {
  event: string;
  data: string;
}

/**
 * Opens a server-sent-event stream with fetch (so a cookie can be sent) and collects its events.
 * `next(predicate)` resolves with the first event, past or future, that matches.
 */
export async function openEventStream(url: string, cookie: string) {
  const controller = new AbortController();
  const response = await fetch(url, {
    headers: { cookie, accept: 'text/event-stream' },
    signal: controller.signal,
  });
  if (response.status !== 200 || !response.body)
    throw new Error(`event stream answered HTTP ${response.status}`);

  const events: ReceivedEvent[] = [];
  const waiters: { predicate: (event: ReceivedEvent) => boolean; resolve: (event: ReceivedEvent) => void }[] =
    [];
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();

  void (async () => {
    let buffer = '';
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        buffer += value;
        let boundary = buffer.indexOf('\n\n');
        while (boundary >= 0) {
          const block = buffer.slice(0, boundary);
          buffer = buffer.slice(boundary + 2);
          boundary = buffer.indexOf('\n\n');
          const lines = block.split('\n');
          const event = lines.find((line) => line.startsWith('event: '))?.slice(7);
          const data = lines.find((line) => line.startsWith('data: '))?.slice(6);
          if (!event || data === undefined) continue;
          const received = { event, data };
          events.push(received);
          for (const waiter of [...waiters]) {
            if (waiter.predicate(received)) {
              waiters.splice(waiters.indexOf(waiter), 1);
              waiter.resolve(received);
            }
          }
        }
      }
    } catch {
      // Aborted by close().
    }
  })();

  return {
    events,
    next(predicate: (event: ReceivedEvent) => boolean, timeoutMs = 10_000): Promise<ReceivedEvent> {
      const found = events.find(predicate);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`no matching event within ${timeoutMs} ms`)),
          timeoutMs,
        );
        waiters.push({
          predicate,
          resolve: (event) => {
            clearTimeout(timer);
            resolve(event);
          },
        });
      });
    },
    close(): void {
      controller.abort();
    },
  };
}
