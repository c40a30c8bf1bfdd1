import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface DeliveredSms {
  messageId: string;
  idempotencyKey: string;
  to: string;
  body: string;
}

/**
 * A loopback HTTP server that plays an SMS gateway: it accepts `POST /messages` with an
 * Idempotency-Key, delivers each key once, and can be set to fail.
 */
export class FakeSmsGateway {
  /** Messages delivered, one per idempotency key. */
  readonly delivered: DeliveredSms[] = [];
  /** Every request received, including repeats and failures. */
  requests = 0;
  /** Number of coming requests to reject with HTTP 503, without delivering. */
  failNext = 0;
  /** Number of coming requests to reject with HTTP 400, a rejection that must not be retried. */
  rejectNext = 0;
  /** Hook run after a message is delivered and before the response is sent. */
  onDelivered: ((message: DeliveredSms) => Promise<void> | void) | undefined;

  private readonly byKey = new Map<string, DeliveredSms>();
  private server: Server | undefined;

  get url(): string {
    const address = this.server?.address() as AddressInfo;
    return `http://127.0.0.1:${address.port}/messages`;
  }

  async start(): Promise<void> {
    this.server = createServer((request, response) => {
      let text = '';
      request.on('data', (chunk: Buffer) => {
        text += chunk.toString('utf8');
      });
      request.on('end', async () => {
        this.requests += 1;
        if (this.failNext > 0) {
          this.failNext -= 1;
          response.writeHead(503).end('{"error":"temporarily unavailable"}');
          return;
        }
        if (this.rejectNext > 0) {
          this.rejectNext -= 1;
          response.writeHead(400).end('{"error":"invalid recipient"}');
          return;
        }
        const key = String(request.headers['idempotency-key'] ?? '');
        const { to, body } = JSON.parse(text) as { to: string; body: string };
        if (!key || !to || !body) {
          response.writeHead(422).end('{"error":"missing key, to or body"}');
          return;
        }
        let message = this.byKey.get(key);
        if (!message) {
          message = { messageId: randomUUID(), idempotencyKey: key, to, body };
          this.byKey.set(key, message);
          this.delivered.push(message);
          await this.onDelivered?.(message);
        }
        response
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ messageId: message.messageId }));
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
