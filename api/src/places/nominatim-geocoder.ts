import { z } from 'zod';

/** A place that an address search returned, in WGS 84 degrees. */
export interface GeocodedPlace {
  label: string;
  lat: number;
  lon: number;
  bbox: [west: number, south: number, east: number, north: number] | null;
}

export interface Geocoder {
  search(query: string, language: 'en' | 'ur'): Promise<GeocodedPlace[]>;
}

/**
 * A failed address search. The message names what failed (timeout, HTTP status, response shape) and
 * never the query, because the query can be a family's home address.
 */
export class GeocoderError extends Error {
  constructor(
    readonly reason: 'timeout' | 'network' | 'http' | 'invalid response',
    detail: string,
  ) {
    super(`geocoder ${reason}: ${detail}`);
    this.name = 'GeocoderError';
  }
}

export interface NominatimGeocoderOptions {
  /** The search endpoint, such as https://nominatim.example.pk/search. */
  url: string;
  timeoutMs: number;
  /** Maximum results requested per search. */
  limit?: number;
}

const decimal = z
  .string()
  .regex(/^-?\d+(\.\d+)?$/)
  .transform(Number);

// One result of the Nominatim search API with format=jsonv2. Other fields are ignored.
const resultSchema = z.object({
  lat: decimal,
  lon: decimal,
  display_name: z.string().min(1),
  // [south, north, west, east] as decimal strings.
  boundingbox: z.tuple([decimal, decimal, decimal, decimal]).optional(),
});

/**
 * Address search against a Nominatim server (the /search endpoint with format=jsonv2), limited to
 * Pakistan with countrycodes=pk. Meant for a server run inside the police network, because the
 * usage policy of nominatim.openstreetmap.org forbids autocomplete clients
 * (https://operations.osmfoundation.org/policies/nominatim/).
 */
export class NominatimGeocoder implements Geocoder {
  constructor(private readonly options: NominatimGeocoderOptions) {}

  async search(query: string, language: 'en' | 'ur'): Promise<GeocodedPlace[]> {
    const url = new URL(this.options.url);
    url.searchParams.set('q', query);
    url.searchParams.set('format', 'jsonv2');
    url.searchParams.set('countrycodes', 'pk');
    url.searchParams.set('accept-language', language);
    url.searchParams.set('limit', String(this.options.limit ?? 5));

    let response: Response;
    try {
      response = await fetch(url, {
        headers: { accept: 'application/json', 'user-agent': 'Talash place lookup' },
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
    } catch (error) {
      // The error's message can contain the URL and so the query. Only the error's name is kept.
      const name = (error as Error).name;
      if (name === 'TimeoutError')
        throw new GeocoderError('timeout', `timed out after ${this.options.timeoutMs} ms`);
      throw new GeocoderError('network', name);
    }
    if (!response.ok) {
      await response.body?.cancel();
      throw new GeocoderError('http', `HTTP ${response.status}`);
    }

    let body: unknown;
    try {
      body = await response.json();
    } catch (error) {
      const name = (error as Error).name;
      if (name === 'TimeoutError')
        throw new GeocoderError('timeout', `timed out after ${this.options.timeoutMs} ms`);
      throw new GeocoderError('invalid response', 'the body is not JSON');
    }
    if (!Array.isArray(body)) throw new GeocoderError('invalid response', 'the body is not a JSON array');

    const places: GeocodedPlace[] = [];
    for (const item of body) {
      const parsed = resultSchema.safeParse(item);
      if (!parsed.success) continue;
      const { lat, lon, display_name: label, boundingbox } = parsed.data;
      if (Math.abs(lat) > 90 || Math.abs(lon) > 180) continue;
      const bbox = boundingbox
        ? ([boundingbox[2], boundingbox[0], boundingbox[3], boundingbox[1]] as GeocodedPlace['bbox'])
        : null;
      places.push({ label, lat, lon, bbox });
    }
    return places;
  }
}
