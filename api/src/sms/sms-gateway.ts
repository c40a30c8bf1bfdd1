/** One SMS to hand to a gateway. */
export interface SmsMessage {
  /** The outbox row id. Gateways must treat it as an idempotency key: the same key is delivered once. */
  idempotencyKey: string;
  recipient: string;
  body: string;
}

export interface SmsSendResult {
  /** The gateway's id for the message, when it returns one. */
  gatewayMessageId: string | null;
}

/**
 * Sends SMS. A driver throws on failure (the worker retries with the same idempotency key) and must
 * not send a message twice for one key, so that a retry after a crash never duplicates a message.
 */
export interface SmsGateway {
  readonly name: string;
  send(message: SmsMessage): Promise<SmsSendResult>;
  /**
   * Sends several messages in one call, when the gateway can; results are in the order of
   * `messages`. A throw fails them all, and each is retried with its own key.
   */
  sendMany?(messages: SmsMessage[]): Promise<SmsSendResult[]>;
}

/** A failure the gateway reported; `retryable` is false for messages it will never accept. */
export class SmsGatewayError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
    this.name = 'SmsGatewayError';
  }
}
