import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';

const scryptAsync = promisify(scrypt) as (
  password: string,
  salt: Buffer,
  length: number,
  options: { N: number; r: number; p: number; maxmem: number },
) => Promise<Buffer>;

// scrypt (RFC 7914) from Node's own crypto, at the OWASP recommendation N=2^17, r=8, p=1 (128 MiB).
// The parameters and a random salt are stored with each hash, so raising them later only affects
// new hashes. Node's crypto needs no native add-on, which matters on offline machines.
const COST_LOG2 = 17;
const BLOCK_SIZE = 8;
const PARALLELISM = 1;
const KEY_LENGTH = 32;
const SALT_LENGTH = 16;
const MAX_MEMORY = 256 * 1024 * 1024;
const HASH_FORMAT = /^\$scrypt\$ln=(\d+),r=(\d+),p=(\d+)\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/;

export const MIN_PASSWORD_LENGTH = 12;

/** Hashes a password into `$scrypt$ln=17,r=8,p=1$<salt>$<key>` (base64 salt and derived key). */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(SALT_LENGTH);
  const key = await scryptAsync(password, salt, KEY_LENGTH, {
    N: 2 ** COST_LOG2,
    r: BLOCK_SIZE,
    p: PARALLELISM,
    maxmem: MAX_MEMORY,
  });
  return `$scrypt$ln=${COST_LOG2},r=${BLOCK_SIZE},p=${PARALLELISM}$${salt.toString('base64').replace(/=+$/, '')}$${key.toString('base64').replace(/=+$/, '')}`;
}

/** False for a wrong password or a malformed hash; never throws on either. */
export async function verifyPassword(hash: string, password: string): Promise<boolean> {
  const parts = HASH_FORMAT.exec(hash);
  if (!parts) return false;
  const [, costLog2, blockSize, parallelism, salt, expected] = parts as unknown as string[];
  const expectedKey = Buffer.from(expected as string, 'base64');
  if (Number(costLog2) > 20 || expectedKey.length === 0) return false;
  try {
    const key = await scryptAsync(password, Buffer.from(salt as string, 'base64'), expectedKey.length, {
      N: 2 ** Number(costLog2),
      r: Number(blockSize),
      p: Number(parallelism),
      maxmem: MAX_MEMORY,
    });
    return timingSafeEqual(key, expectedKey);
  } catch {
    return false;
  }
}

/** Checks whether a stored hash was made with weaker parameters than today's, so sign-in can upgrade it. */
export function needsRehash(hash: string): boolean {
  const parts = HASH_FORMAT.exec(hash);
  if (!parts) return true;
  return Number(parts[1]) < COST_LOG2 || Number(parts[2]) < BLOCK_SIZE || Number(parts[3]) < PARALLELISM;
}

// Verifying against this when the username is unknown makes both failures take the same time.
let decoyHash: Promise<string> | undefined;
export function decoyPasswordHash(): Promise<string> {
  decoyHash ??= hashPassword('decoy password that matches no account');
  return decoyHash;
}
