import { randomInt } from 'node:crypto';

// Crockford's base-32 alphabet: no I, L, O or U, so a code read aloud or copied by hand is not misread.
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const RANDOM_CHARACTERS = 12;

/**
 * Creates a public tracking code such as `TL-7KQ4-M2XD-9PBE`: 12 random characters, 60 bits, so
 * codes cannot be enumerated (with rate limits on lookups).
 */
export function createTrackingCode(): string {
  let characters = '';
  for (let index = 0; index < RANDOM_CHARACTERS; index += 1)
    characters += ALPHABET[randomInt(ALPHABET.length)];
  return `TL-${characters.slice(0, 4)}-${characters.slice(4, 8)}-${characters.slice(8, 12)}`;
}

/** Normalises user input (lower case, spaces, O for 0) to the canonical form, or returns undefined if malformed. */
export function normaliseTrackingCode(input: string): string | undefined {
  const compact = input.toUpperCase().replace(/[\s-]/g, '');
  if (!compact.startsWith('TL')) return undefined;
  const characters = compact.slice(2).replace(/O/g, '0').replace(/[IL]/g, '1');
  if (!/^[0-9A-HJKMNP-TV-Z]{12}$/.test(characters)) return undefined;
  return `TL-${characters.slice(0, 4)}-${characters.slice(4, 8)}-${characters.slice(8, 12)}`;
}
