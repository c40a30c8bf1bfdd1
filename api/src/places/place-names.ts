// Matching of place names typed by the public against jurisdiction names in English and Urdu. Both
// sides go through the same search key, so case, Latin accents, Arabic-script diacritics and the
// Arabic and Urdu forms of the same letter do not matter.

export type PlaceLevel = 'province' | 'region' | 'district';

/**
 * Letters that Arabic keyboards and Urdu keyboards write differently, mapped to one form. It runs
 * after NFKD and the removal of combining marks, so آ, أ, ۂ, ۓ and ئ are already their base letters.
 */
const LETTER_FORMS: Record<string, string> = {
  '\u064a': '\u06cc', // Arabic yeh to Farsi yeh
  '\u0649': '\u06cc', // alef maksura
  '\u06d2': '\u06cc', // yeh barree: typed for a final yeh and the other way round
  '\u0643': '\u06a9', // Arabic kaf to keheh
  '\u0647': '\u06c1', // Arabic heh to heh goal
  '\u06be': '\u06c1', // heh doachashmee: Arabic keyboards have one heh for both
  '\u0629': '\u06c1', // teh marbuta
  '\u06c3': '\u06c1', // teh marbuta goal
  '\u06d5': '\u06c1', // ae, the base of heh with yeh above
  '\u0671': '\u0627', // alef wasla
  '\u0621': '', // a lone hamza
};

// Words that name a level and that people add to a name ("Lahore District", "ضلع لاہور").
const LEVEL_WORDS = new Set([
  'district',
  'distt',
  'dist',
  'division',
  'div',
  'province',
  'region',
  'ضلع',
  'ڈسٹرکٹ',
  'ڈویژن',
  'ڈویزن',
  'ڈیویژن',
  'صوبہ',
  'ریجن',
]);

/** A name reduced for matching: its words, and the same without spaces and with doubled letters once. */
export interface SearchKey {
  words: string[];
  compact: string;
  loose: string;
}

/** Reduces a name to lower-case letters and digits in one form per letter, words split on the rest. */
export function searchText(value: string): string {
  let text = value.normalize('NFKD').replace(/[\p{M}\p{Cf}\u0640]/gu, '');
  text = text.toLowerCase();
  text = text.replace(/[\u0600-\u06ff]/g, (letter) => LETTER_FORMS[letter] ?? letter);
  // Arabic-Indic and Extended Arabic-Indic digits to ASCII digits.
  text = text.replace(/[\u0660-\u0669\u06f0-\u06f9]/g, (digit) => String((digit.codePointAt(0) ?? 0) % 16));
  return text.replace(/[^\p{L}\p{N}]+/gu, ' ').trim();
}

export function searchKey(value: string): SearchKey {
  const text = searchText(value);
  const words = text === '' ? [] : text.split(' ');
  const compact = words.join('');
  return { words, compact, loose: compact.replace(/(.)\1+/gu, '$1') };
}

/** Builds the key of a query without the words that only name a level, unless nothing else is left. */
export function queryKey(query: string): SearchKey {
  const key = searchKey(query);
  const words = key.words.filter((word) => !LEVEL_WORDS.has(word));
  if (words.length === 0 || words.length === key.words.length) return key;
  return searchKey(words.join(' '));
}

/**
 * Scores how well a query matches a name, from 0 (no match) to 100 (the same name). The tiers, best
 * first: the same name, the name starting with the query, a later word starting with it, the query
 * words as prefixes or initials of the name words in order ("D.G. Khan", "AJK"), the query inside
 * the name, and last a spelling close by letter trigrams ("Peshawer").
 */
export function matchScore(query: SearchKey, name: SearchKey): number {
  if (query.compact === '' || name.compact === '') return 0;
  if (name.compact === query.compact) return 100;
  if (name.loose === query.loose) return 95;
  if (name.compact.startsWith(query.compact)) return 90;
  if (name.loose.startsWith(query.loose)) return 85;
  const joined = ` ${name.words.join(' ')}`;
  if (joined.includes(` ${query.words.join(' ')}`)) return 80;
  if (matchesWordByWord(query.words, name.words)) return 75;
  if (query.compact.length >= 3 && name.compact.includes(query.compact)) return 60;
  if (query.loose.length >= 4) {
    const similarity = Math.max(
      trigramSimilarity(query.loose, name.loose),
      trigramSimilarity(query.loose, name.loose.slice(0, query.loose.length + 1)),
    );
    if (similarity >= 0.45) return Math.round(30 + 30 * similarity);
  }
  return 0;
}

/**
 * Checks that each query word, in order, is a prefix of the next name word or the initials of the
 * next few name words. Name words may be skipped between matches.
 */
function matchesWordByWord(queryWords: string[], nameWords: string[]): boolean {
  if (queryWords.length === 1 && (queryWords[0]?.length ?? 0) < 2) return false;
  let next = 0;
  for (const word of queryWords) {
    let found = false;
    while (next < nameWords.length && !found) {
      const initials = nameWords
        .slice(next, next + word.length)
        .map((nameWord) => nameWord[0])
        .join('');
      if (word.length >= 2 && initials === word) {
        next += word.length;
        found = true;
      } else if (nameWords[next]?.startsWith(word)) {
        next += 1;
        found = true;
      } else {
        next += 1;
      }
    }
    if (!found) return false;
  }
  return true;
}

/** Jaccard similarity of the letter trigrams of two words, each padded with two spaces in front. */
export function trigramSimilarity(a: string, b: string): number {
  const first = trigrams(a);
  const second = trigrams(b);
  let shared = 0;
  for (const trigram of first) if (second.has(trigram)) shared += 1;
  const union = first.size + second.size - shared;
  return union === 0 ? 0 : shared / union;
}

function trigrams(word: string): Set<string> {
  const letters = [...`  ${word} `];
  const result = new Set<string>();
  for (let index = 0; index + 3 <= letters.length; index++) {
    result.add(letters.slice(index, index + 3).join(''));
  }
  return result;
}
