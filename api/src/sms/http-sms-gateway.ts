import { type SmsGateway, SmsGatewayError, type SmsMessage, type SmsSendResult } from './sms-gateway.js';

export interface HttpSmsGatewayOptions {
  /** Endpoint that accepts `POST {"to","body"}` and returns `{"messageId"}`. */
  url: string;
  /** Sent as `Authorization: Bearer <token>` when set. */
  token?: string;
  timeoutMs: number;
}

/**
 * Driver for an HTTP SMS gateway. Each request carries the outbox id in the `Idempotency-Key` header;
 * the gateway must answer a repeated key with the first message's id instead of sending again.
 * 5xx, 429, timeouts and network errors are retryable; other 4xx answers are not.
 */
export class HttpSmsGateway implements SmsGateway {
  readonly name = 'http';

  constructor(private readonly options: HttpSmsGatewayOptions) {}

  async send(message: SmsMessage): Promise<SmsSendResult> {
    let response: Response;
    try {
      response = await fetch(this.options.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'idempotency-key': message.idempotencyKey,
          ...(this.options.token ? { authorization: `Bearer ${this.options.token}` } : {}),
        },
        body: JSON.stringify({ to: message.recipient, body: message.body }),
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
    } catch (error) {
      throw new SmsGatewayError(`SMS gateway request failed: ${(error as Error).message}`, true);
    }

    if (!response.ok) {
      const retryable = response.status >= 500 || response.status === 429;
      throw new SmsGatewayError(`SMS gateway answered HTTP ${response.status}`, retryable);
    }
    const answer = (await response.json().catch(() => ({}))) as { messageId?: unknown };
    return { gatewayMessageId: typeof answer.messageId === 'string' ? answer.messageId : null };
  }
}
