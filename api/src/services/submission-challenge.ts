import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Redis } from 'ioredis';
import { ApiError } from '../errors.js';

/** A proof-of-work challenge: find `solution` so that SHA-256(`nonce:solution`) starts with `bits` zero bits. */
export interface Challenge {
  token: string;
  nonce: string;
  bits: number;
  expiresAt: string;
}

interface ChallengePayload {
  nonce: string;
  bits: number;
  /** Expiry in milliseconds since the epoch. */
  exp: number;
}

/** Counts the leading zero bits of a hash. */
export function leadingZeroBits(hash: Buffer): number {
  let bits = 0;
  for (const byte of hash) {
    if (byte === 0) {
      bits += 8;
      continue;
    }
    return bits + Math.clz32(byte) - 24;
  }
  return bits;
}

/** Finds a solution by counting up; the portal does the same in the browser with SubtleCrypto. */
export function solveChallenge(nonce: string, bits: number): string {
  for (let counter = 0; ; counter += 1) {
    const hash = createHash('sha256').update(`${nonce}:${counter}`).digest();
    if (leadingZeroBits(hash) >= bits) return String(counter);
  }
}

/**
 * Self-hosted proof of work for public submissions (reports, sightings, reporter updates, takedowns).
 * The server signs each challenge with HMAC-SHA256, so it stores nothing until a solution arrives.
 * Then Redis keeps the nonce until the challenge expires, so one solution admits one submission.
 * At 16 bits a client computes about 65,000 hashes on average, which costs a person one wait and a
 * script that floods the endpoint that many hashes per request.
 */
export class SubmissionChallenges {
  private readonly secret: Buffer;

  constructor(
    private readonly redis: Redis,
    private readonly redisPrefix: string,
    private readonly options: { bits: number; ttlMs: number; secret?: string },
  ) {
    // NOTE: without CHALLENGE_SECRET each API process signs with its own random key, so behind a load
    // balancer a challenge from one process fails at another. Set the secret when running several.
    this.secret = options.secret ? Buffer.from(options.secret) : randomBytes(32);
  }

  /** Whether submissions need a solved challenge; PUBLIC_CHALLENGE_BITS=0 turns the check off. */
  get enabled(): boolean {
    return this.options.bits > 0;
  }

  issue(now = Date.now()): Challenge {
    const payload: ChallengePayload = {
      nonce: randomBytes(16).toString('base64url'),
      bits: this.options.bits,
      exp: now + this.options.ttlMs,
    };
    const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
    return {
      token: `${body}.${this.sign(body)}`,
      nonce: payload.nonce,
      bits: payload.bits,
      expiresAt: new Date(payload.exp).toISOString(),
    };
  }

  /** Checks a solved challenge and marks it used; throws 400 CHALLENGE_REQUIRED, CHALLENGE_INVALID or CHALLENGE_USED. */
  async verify(token: string | undefined, solution: string | undefined): Promise<void> {
    if (!token || !solution) {
      throw new ApiError(
        400,
        'CHALLENGE_REQUIRED',
        'Solve a challenge from GET /api/challenge and send it in the Talash-Challenge and Talash-Challenge-Solution headers.',
        'challenge',
      );
    }
    const payload = this.readToken(token);
    if (!payload) throw invalid('The challenge token is malformed or was not issued by this server.');
    if (payload.exp < Date.now())
      throw invalid('The challenge expired. Get a new one from GET /api/challenge.');
    if (!/^\d{1,12}$/.test(solution)) throw invalid('The challenge solution must be a whole number.');
    const hash = createHash('sha256').update(`${payload.nonce}:${solution}`).digest();
    if (leadingZeroBits(hash) < payload.bits) throw invalid('The challenge solution is wrong.');

    const ttlMs = Math.max(1, payload.exp - Date.now());
    const fresh = await this.redis.set(
      `${this.redisPrefix}:challenge:${payload.nonce}`,
      '1',
      'PX',
      ttlMs,
      'NX',
    );
    if (fresh !== 'OK') {
      throw new ApiError(
        400,
        'CHALLENGE_USED',
        'This challenge was already used. Get a new one.',
        'challenge',
      );
    }
  }

  private sign(body: string): string {
    return createHmac('sha256', this.secret).update(body).digest('base64url');
  }

  private readToken(token: string): ChallengePayload | undefined {
    const [body, signature, ...rest] = token.split('.');
    if (!body || !signature || rest.length > 0) return undefined;
    const expected = Buffer.from(this.sign(body));
    const received = Buffer.from(signature);
    if (expected.length !== received.length || !timingSafeEqual(expected, received)) return undefined;
    try {
      const payload = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as ChallengePayload;
      if (
        typeof payload.nonce !== 'string' ||
        typeof payload.bits !== 'number' ||
        typeof payload.exp !== 'number'
      ) {
        return undefined;
      }
      return payload;
    } catch {
      return undefined;
    }
  }
}

function invalid(message: string): ApiError {
  return new ApiError(400, 'CHALLENGE_INVALID', message, 'challenge');
}
