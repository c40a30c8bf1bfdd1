// Solves the server's proof-of-work challenge (GET /api/challenge) before a public submission: find a
// number n so that SHA-256("nonce:n") starts with `bits` zero bits. Hashes run in batches so the
// browser computes many digests at once.
// NOTE: crypto.subtle exists only in secure contexts (HTTPS, localhost), so the portal must be served over HTTPS.

type ChallengeResponse = { token?: string; nonce?: string; bits: number };

const BATCH = 512;

function leadingZeroBits(bytes: Uint8Array): number {
  let bits = 0;
  for (const byte of bytes) {
    if (byte === 0) {
      bits += 8;
      continue;
    }
    return bits + Math.clz32(byte) - 24;
  }
  return bits;
}

async function solve(nonce: string, bits: number): Promise<number> {
  const encoder = new TextEncoder();
  for (let start = 0; ; start += BATCH) {
    const counters = Array.from({ length: BATCH }, (_, index) => start + index);
    const digests = await Promise.all(
      counters.map((counter) => crypto.subtle.digest('SHA-256', encoder.encode(`${nonce}:${counter}`))),
    );
    const found = digests.findIndex((digest) => leadingZeroBits(new Uint8Array(digest)) >= bits);
    if (found >= 0) return start + found;
  }
}

/** Fetches and solves a challenge; returns the headers to send, or none when the server requires none. */
export async function challengeHeaders(): Promise<Record<string, string>> {
  const response = await fetch('/api/challenge', { headers: { Accept: 'application/json' } });
  if (!response.ok) throw new Error(`GET /api/challenge returned HTTP ${response.status}`);
  const challenge = (await response.json()) as ChallengeResponse;
  if (!challenge.bits || !challenge.token || !challenge.nonce) return {};
  const solution = await solve(challenge.nonce, challenge.bits);
  return { 'Talash-Challenge': challenge.token, 'Talash-Challenge-Solution': String(solution) };
}
