// The proof-of-work challenge on its own, against the local Redis that records used nonces.
import { createHash, randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import {
  leadingZeroBits,
  SubmissionChallenges,
  solveChallenge,
} from '../src/services/submission-challenge.js';

const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: 1 });
const prefix = `talash-test-${randomBytes(4).toString('hex')}`;

afterAll(async () => {
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
});

async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
    return undefined;
  } catch (error) {
    return (error as { code?: string }).code;
  }
}

describe('leadingZeroBits', () => {
  it('counts bits across bytes', () => {
    const cases: [number[], number][] = [
      [[0x80], 0],
      [[0x40], 1],
      [[0x01], 7],
      [[0x00, 0xff], 8],
      [[0x00, 0x00, 0x10], 19],
      [[0x00, 0x00], 16],
    ];
    for (const [bytes, bits] of cases)
      expect(leadingZeroBits(Buffer.from(bytes)), bytes.join(',')).toBe(bits);
  });
});

describe('SubmissionChallenges', () => {
  const challenges = new SubmissionChallenges(redis, prefix, {
    bits: 10,
    ttlMs: 60_000,
    secret: 'a'.repeat(32),
  });

  it('accepts a solution once', async () => {
    const challenge = challenges.issue();
    const solution = solveChallenge(challenge.nonce, challenge.bits);
    const hash = createHash('sha256').update(`${challenge.nonce}:${solution}`).digest();
    expect(leadingZeroBits(hash)).toBeGreaterThanOrEqual(10);
    expect(await codeOf(challenges.verify(challenge.token, solution))).toBeUndefined();
    expect(await codeOf(challenges.verify(challenge.token, solution))).toBe('CHALLENGE_USED');
  });

  it('rejects expired and foreign tokens', async () => {
    const expired = challenges.issue(Date.now() - 120_000);
    const expiredSolution = solveChallenge(expired.nonce, expired.bits);
    expect(await codeOf(challenges.verify(expired.token, expiredSolution))).toBe('CHALLENGE_INVALID');

    const other = new SubmissionChallenges(redis, prefix, {
      bits: 10,
      ttlMs: 60_000,
      secret: 'b'.repeat(32),
    });
    const foreign = other.issue();
    const foreignSolution = solveChallenge(foreign.nonce, foreign.bits);
    expect(await codeOf(challenges.verify(foreign.token, foreignSolution))).toBe('CHALLENGE_INVALID');

    expect(await codeOf(challenges.verify(undefined, undefined))).toBe('CHALLENGE_REQUIRED');
    expect(await codeOf(challenges.verify('not.a.token', '1'))).toBe('CHALLENGE_INVALID');
  });
});
