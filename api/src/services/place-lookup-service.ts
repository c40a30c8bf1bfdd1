import { createLogger } from '../logger.js';
import type { Geocoder } from '../places/nominatim-geocoder.js';
import { matchScore, type PlaceLevel, queryKey, type SearchKey, searchKey } from '../places/place-names.js';
import type { JurisdictionRepository } from '../repositories/jurisdiction-repository.js';
import type {
  JurisdictionShape,
  NamedJurisdiction,
  PlaceRepository,
} from '../repositories/place-repository.js';

export type PlaceLanguage = 'en' | 'ur';

/** One result of a place lookup: where to move the map and where to put the pin. */
export interface PlaceCandidate {
  /** `boundary`: a live jurisdiction's name matched; `geocoder`: the address search found it. */
  source: 'boundary' | 'geocoder';
  level: PlaceLevel | 'address';
  /** The jurisdiction's code; null for an address. */
  code: string | null;
  /** The name with the jurisdictions above it, or the geocoder's address, in the requested language. */
  label: string;
  /** A point inside the jurisdiction, or the address's point. */
  point: { lat: number; lon: number };
  bbox: [west: number, south: number, east: number, north: number] | null;
  /** The live district containing the point; null for a region or province. */
  district: { code: string; name: string; nameUr: string | null } | null;
}

export interface PlaceLookupResult {
  candidates: PlaceCandidate[];
  /** `off` when no geocoder is set, `unavailable` when it failed or timed out for this lookup. */
  geocoder: 'off' | 'ok' | 'unavailable';
}

const MAX_BOUNDARY_CANDIDATES = 8;
const LEVEL_ORDER: Record<PlaceLevel, number> = { district: 0, region: 1, province: 2 };
/** Geocoder failures are logged at most once per this many milliseconds, with the count in between. */
const FAILURE_LOG_INTERVAL_MS = 60_000;

const log = createLogger('PlaceLookupService');

interface IndexedJurisdiction {
  jurisdiction: NamedJurisdiction;
  keys: SearchKey[];
}

/** The search keys of one live boundary version, and the shapes looked up so far. */
interface PlaceIndex {
  versionId: number | null;
  entries: IndexedJurisdiction[];
  shapes: Map<number, JurisdictionShape>;
}

/**
 * Finds places for a typed name or address: live jurisdictions by their English or Urdu name, and,
 * when a geocoder is set, addresses. A failing geocoder never fails the lookup. The typed text is
 * never logged, because it can be a family's address.
 */
export class PlaceLookupService {
  private index: Promise<PlaceIndex> | undefined;
  private indexVersionId: number | null | undefined;
  private lastFailureLoggedAt = 0;
  private failuresNotLogged = 0;

  constructor(
    private readonly repositories: { places: PlaceRepository; jurisdictions: JurisdictionRepository },
    private readonly geocoder?: Geocoder,
  ) {}

  async lookup(query: string, language: PlaceLanguage): Promise<PlaceLookupResult> {
    const [boundaries, addresses] = await Promise.all([
      this.findBoundaries(query, language),
      this.findAddresses(query, language),
    ]);
    let geocoder: PlaceLookupResult['geocoder'] = 'off';
    if (this.geocoder) geocoder = addresses ? 'ok' : 'unavailable';
    return { candidates: [...boundaries, ...(addresses ?? [])], geocoder };
  }

  private async findBoundaries(query: string, language: PlaceLanguage): Promise<PlaceCandidate[]> {
    const key = queryKey(query);
    const index = await this.currentIndex();
    const scored = index.entries
      .map((entry) => ({
        jurisdiction: entry.jurisdiction,
        score: Math.max(...entry.keys.map((nameKey) => matchScore(key, nameKey))),
      }))
      .filter((match) => match.score > 0)
      .sort(
        (a, b) =>
          b.score - a.score ||
          LEVEL_ORDER[a.jurisdiction.level] - LEVEL_ORDER[b.jurisdiction.level] ||
          a.jurisdiction.name.localeCompare(b.jurisdiction.name),
      )
      .slice(0, MAX_BOUNDARY_CANDIDATES);

    const missing = scored.map((match) => match.jurisdiction.id).filter((id) => !index.shapes.has(id));
    if (missing.length > 0) {
      for (const [id, shape] of await this.repositories.places.shapes(missing)) index.shapes.set(id, shape);
    }

    const candidates: PlaceCandidate[] = [];
    for (const { jurisdiction } of scored) {
      const shape = index.shapes.get(jurisdiction.id);
      // A jurisdiction of a version that went out of use since the index was built.
      if (!shape) continue;
      candidates.push({
        source: 'boundary',
        level: jurisdiction.level,
        code: jurisdiction.code,
        label: [jurisdiction, ...jurisdiction.parents]
          .map((named) => nameIn(named, language))
          .join(language === 'ur' ? '، ' : ', '),
        point: { lat: shape.lat, lon: shape.lon },
        bbox: shape.bbox,
        district:
          jurisdiction.level === 'district'
            ? { code: jurisdiction.code, name: jurisdiction.name, nameUr: jurisdiction.nameUr }
            : null,
      });
    }
    return candidates;
  }

  /** Returns the geocoder's places inside a live district, or undefined when the geocoder failed. */
  private async findAddresses(query: string, language: PlaceLanguage): Promise<PlaceCandidate[] | undefined> {
    if (!this.geocoder) return [];
    let places: Awaited<ReturnType<Geocoder['search']>>;
    try {
      places = await this.geocoder.search(query, language);
    } catch (error) {
      this.logFailure(error as Error, query.length);
      return undefined;
    }

    const located = await Promise.all(
      places.map(async (place) => ({
        place,
        match: await this.repositories.jurisdictions.geofence(place.lon, place.lat),
      })),
    );
    // A place outside every district could not route a report, so it is not offered.
    return located.flatMap(({ place, match }) =>
      match
        ? [
            {
              source: 'geocoder' as const,
              level: 'address' as const,
              code: null,
              label: place.label,
              point: { lat: place.lat, lon: place.lon },
              bbox: place.bbox,
              district: {
                code: match.district.code,
                name: match.district.name,
                nameUr: match.district.nameUr,
              },
            },
          ]
        : [],
    );
  }

  private logFailure(error: Error, queryLength: number): void {
    const now = Date.now();
    if (now - this.lastFailureLoggedAt < FAILURE_LOG_INTERVAL_MS) {
      this.failuresNotLogged += 1;
      return;
    }
    log.warn(
      { err: error.message, queryLength, failuresNotLogged: this.failuresNotLogged },
      'geocoder failed; the lookup returned jurisdiction names only',
    );
    this.lastFailureLoggedAt = now;
    this.failuresNotLogged = 0;
  }

  /** Returns the index of the live boundary version, built again when another version went live. */
  private async currentIndex(): Promise<PlaceIndex> {
    const versionId = await this.repositories.places.liveVersionId();
    if (!this.index || this.indexVersionId !== versionId) {
      this.indexVersionId = versionId;
      const building = this.buildIndex();
      this.index = building;
      // A failed build is tried again by the next lookup.
      building.catch(() => {
        if (this.index === building) this.index = undefined;
      });
    }
    return this.index;
  }

  private async buildIndex(): Promise<PlaceIndex> {
    const { versionId, jurisdictions } = await this.repositories.places.liveNames();
    const entries = jurisdictions.map((jurisdiction) => ({
      jurisdiction,
      keys: [jurisdiction.name, jurisdiction.nameUr]
        .filter((name): name is string => Boolean(name))
        .map(searchKey),
    }));
    log.info({ versionId, jurisdictions: entries.length }, 'place index built');
    return { versionId, entries, shapes: new Map() };
  }
}

function nameIn(named: { name: string; nameUr: string | null }, language: PlaceLanguage): string {
  return language === 'ur' && named.nameUr ? named.nameUr : named.name;
}
