import { descriptorSimilarity } from '../models/src/descriptor.js';

/** A gallery or query entry: the primary face descriptor of one photo, or null when none was found. */
export interface ScoredPhoto {
  relativePath: string;
  identity: string | null;
  descriptor: Float32Array | null;
}

export interface QueryOutcome {
  relativePath: string;
  identity: string;
  /** Identity of the gallery photo ranked first, or null when the query photo had no face. */
  rankedIdentities: (string | null)[];
  bestSimilarity: number | null;
  /** Highest similarity to any photo of another person (distractors count as other people). */
  bestWrongSimilarity: number | null;
  /** Highest similarity to another photo of the same person. */
  bestRightSimilarity: number | null;
}

/**
 * Ranks the gallery (every other photo with a face) for each labelled query by cosine similarity.
 * A query without a face gets empty rankings, so it counts as a miss.
 */
export function rankQueries(queries: ScoredPhoto[], gallery: ScoredPhoto[]): QueryOutcome[] {
  return queries.map((query) => {
    const identity = query.identity ?? '';
    if (!query.descriptor) {
      return {
        relativePath: query.relativePath,
        identity,
        rankedIdentities: [],
        bestSimilarity: null,
        bestWrongSimilarity: null,
        bestRightSimilarity: null,
      };
    }

    const scored: { identity: string | null; similarity: number }[] = [];
    for (const entry of gallery) {
      if (entry.relativePath === query.relativePath || !entry.descriptor) {
        continue;
      }
      scored.push({
        identity: entry.identity,
        similarity: descriptorSimilarity(query.descriptor, entry.descriptor),
      });
    }
    scored.sort((a, b) => b.similarity - a.similarity);

    const right = scored.filter((entry) => entry.identity === identity);
    const wrong = scored.filter((entry) => entry.identity !== identity);
    return {
      relativePath: query.relativePath,
      identity,
      rankedIdentities: scored.map((entry) => entry.identity),
      bestSimilarity: scored[0]?.similarity ?? null,
      bestWrongSimilarity: wrong[0]?.similarity ?? null,
      bestRightSimilarity: right[0]?.similarity ?? null,
    };
  });
}

export function topKAccuracy(outcomes: QueryOutcome[], k: number): number {
  const hits = outcomes.filter((outcome) => outcome.rankedIdentities.slice(0, k).includes(outcome.identity));
  return hits.length / outcomes.length;
}

/** Share of queries that would show at least one wrong person at or above the threshold. */
export function wrongMatchRate(outcomes: QueryOutcome[], threshold: number): number {
  const wrong = outcomes.filter((outcome) => (outcome.bestWrongSimilarity ?? -Infinity) >= threshold);
  return wrong.length / outcomes.length;
}

/** Share of queries whose best same-person match is at or above the threshold. */
export function rightMatchRate(outcomes: QueryOutcome[], threshold: number): number {
  const right = outcomes.filter((outcome) => (outcome.bestRightSimilarity ?? -Infinity) >= threshold);
  return right.length / outcomes.length;
}

/**
 * Returns the lowest threshold, on a 0.005 grid, at which wrong-person matches at or above it
 * occur for at most `maxWrongRate` of the queries.
 */
export function lowestSafeThreshold(outcomes: QueryOutcome[], maxWrongRate: number): number {
  for (let threshold = 0; threshold <= 1; threshold += 0.005) {
    const rounded = Math.round(threshold * 1000) / 1000;
    if (wrongMatchRate(outcomes, rounded) <= maxWrongRate) {
      return rounded;
    }
  }
  return 1;
}
