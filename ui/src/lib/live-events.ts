// The dashboard's live stream: one EventSource on /api/events that delivers new alerts of the chosen
// district and new unassigned cases. EventSource reconnects by itself after a dropped connection.
// When the server rejects the stream outright (for example 401 after the session ended), the browser
// closes it for good. This class then retries after a pause and lets the page check the session.
import type { Alert, Case } from '../api/types';

export type ConnectionStatus = 'connecting' | 'live' | 'reconnecting' | 'offline';

export type LiveEventHandlers = {
  onAlert(alert: Alert): void;
  onCaseUnassigned(caseView: Case): void;
  onStatus(status: ConnectionStatus): void;
  // Called when the stream opens again after an interruption: events sent meanwhile were missed.
  onResumed(): void;
  // Called when the server rejected the stream and the browser closed it, before the retry.
  onRejected(): void;
};

const RETRY_AFTER_REJECTION_MS = 5_000;

export function liveEventsUrl(districtCode: string | null): string {
  const query = new URLSearchParams();
  if (districtCode) query.set('district', districtCode);
  query.set('unassigned', '1');
  return `/api/events?${query}`;
}

export class LiveEvents {
  private source: EventSource | null = null;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private interrupted = false;

  constructor(private readonly handlers: LiveEventHandlers) {}

  connect(districtCode: string | null): void {
    this.close();
    this.interrupted = false;
    this.open(liveEventsUrl(districtCode));
  }

  close(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.source?.close();
    this.source = null;
  }

  private open(url: string): void {
    const source = new EventSource(url, { withCredentials: true });
    this.source = source;
    this.handlers.onStatus(this.interrupted ? 'reconnecting' : 'connecting');

    source.addEventListener('open', () => {
      this.handlers.onStatus('live');
      if (this.interrupted) this.handlers.onResumed();
      this.interrupted = false;
    });

    source.addEventListener('error', () => {
      this.interrupted = true;
      if (source.readyState === EventSource.CONNECTING) {
        this.handlers.onStatus('reconnecting');
        return;
      }

      this.handlers.onStatus('offline');
      this.handlers.onRejected();
      source.close();
      this.retryTimer = setTimeout(() => {
        if (this.source === source) this.open(url);
      }, RETRY_AFTER_REJECTION_MS);
    });

    source.addEventListener('alert', (event) => {
      const alert = parseEventData<Alert>(event);
      if (alert) this.handlers.onAlert(alert);
    });

    source.addEventListener('case-unassigned', (event) => {
      const caseView = parseEventData<Case>(event);
      if (caseView) this.handlers.onCaseUnassigned(caseView);
    });
  }
}

function parseEventData<T>(event: Event): T | null {
  try {
    return JSON.parse((event as MessageEvent<string>).data) as T;
  } catch {
    console.warn(`Ignored a live event of type ${event.type} whose data is not JSON`);
    return null;
  }
}
