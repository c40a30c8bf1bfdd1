import { parse as parseCsv } from 'csv-parse/sync';
import { parseCoordinate } from './coordinates.js';
import {
  ABUSE_CATEGORIES,
  type AbuseCategory,
  AGE_BANDS,
  type AgeBand,
  ageBandOf,
  INCIDENT_TYPES,
  type IncidentDraft,
  type IncidentType,
  parseOccurredAt,
  SEXES,
  type Sex,
} from './incident-fields.js';

export type IncidentFileFormat = 'csv' | 'geojson';

/**
 * One invalid row. `row` is the line number in a CSV file (the header is line 1) or the 1-based
 * feature number in GeoJSON. `swapped` marks a point that lies in Pakistan once lat and lon trade places.
 */
export interface RowProblem {
  row: number;
  problems: string[];
  swapped?: boolean;
}

export interface ReadIncidentFile {
  rowCount: number;
  drafts: { row: number; draft: IncidentDraft }[];
  invalid: RowProblem[];
}

/** A file that cannot be read at all, as opposed to one with invalid rows. */
export class IncidentFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'IncidentFileError';
  }
}

type RawFields = Record<string, unknown>;

/**
 * Reads every row of a historical incident file and checks its fields. Rows that fail are listed
 * with every problem found; checks that need the database (the point's district, swapped
 * coordinates) happen later.
 *
 * CSV columns: type, category, occurred_at, lat (or latitude), lon (or longitude), age_band or age,
 * sex. The delimiter is a comma, or a semicolon when the header line has more semicolons, as in files
 * written with decimal commas. GeoJSON: a FeatureCollection of Points with the same properties.
 */
export function readIncidentFile(
  content: string,
  format: IncidentFileFormat,
  now = new Date(),
): ReadIncidentFile {
  const rows = format === 'csv' ? readCsvRows(content) : readGeoJsonRows(content);
  const drafts: ReadIncidentFile['drafts'] = [];
  const invalid: RowProblem[] = [];
  for (const { row, fields } of rows) {
    const checked = checkRow(fields, now);
    if ('draft' in checked) drafts.push({ row, draft: checked.draft });
    else invalid.push({ row, problems: checked.problems });
  }
  return { rowCount: rows.length, drafts, invalid };
}

function readCsvRows(content: string): { row: number; fields: RawFields }[] {
  const text = content.replace(/^\uFEFF/, '');
  const headerLine = text.split(/\r?\n/, 1)[0] ?? '';
  const delimiter = countOf(headerLine, ';') > countOf(headerLine, ',') ? ';' : ',';
  let records: { record: Record<string, string>; info: { lines: number } }[];
  try {
    records = parseCsv(text, {
      columns: (header: string[]) => header.map((name) => name.trim().toLowerCase()),
      delimiter,
      skip_empty_lines: true,
      trim: true,
      info: true,
    });
  } catch (error) {
    throw new IncidentFileError(`The CSV file could not be parsed: ${(error as Error).message}`);
  }
  const first = records[0]?.record;
  if (first) {
    const missing = ['type', 'occurred_at', 'sex'].filter((column) => !(column in first));
    if (!('lat' in first) && !('latitude' in first)) missing.push('lat');
    if (!('lon' in first) && !('longitude' in first)) missing.push('lon');
    if (missing.length > 0)
      throw new IncidentFileError(`The CSV header has no column ${missing.join(', ')}.`);
  }
  return records.map(({ record, info }) => ({ row: info.lines, fields: record }));
}

function countOf(text: string, character: string): number {
  return text.split(character).length - 1;
}

function readGeoJsonRows(content: string): { row: number; fields: RawFields }[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(content.replace(/^\uFEFF/, ''));
  } catch (error) {
    throw new IncidentFileError(`The GeoJSON file is not valid JSON: ${(error as Error).message}`);
  }
  const collection = parsed as { type?: unknown; features?: unknown };
  if (collection?.type !== 'FeatureCollection' || !Array.isArray(collection.features))
    throw new IncidentFileError('The GeoJSON file must be a FeatureCollection with a features array.');

  return collection.features.map((feature: unknown, index: number) => {
    const { geometry, properties } = (feature ?? {}) as {
      geometry?: { type?: unknown; coordinates?: unknown };
      properties?: RawFields | null;
    };
    const fields: RawFields = { ...(properties ?? {}) };
    if (geometry?.type === 'Point' && Array.isArray(geometry.coordinates)) {
      fields.lon = geometry.coordinates[0];
      fields.lat = geometry.coordinates[1];
    } else {
      fields.geometryProblem = `geometry must be a Point, not ${String(geometry?.type ?? 'missing')}`;
    }
    return { row: index + 1, fields };
  });
}

function checkRow(fields: RawFields, now: Date): { draft: IncidentDraft } | { problems: string[] } {
  const problems: string[] = [];
  if (typeof fields.geometryProblem === 'string') problems.push(fields.geometryProblem);

  const type = oneOf(fields.type, INCIDENT_TYPES, 'type', problems) as IncidentType | undefined;
  const categoryText = textOf(fields.category);
  let category: AbuseCategory | null = null;
  if (type === 'abuse') {
    category =
      (oneOf(categoryText, ABUSE_CATEGORIES, 'category', problems) as AbuseCategory | undefined) ?? null;
  } else if (type && categoryText) {
    problems.push(`category "${categoryText}" is only allowed on abuse incidents, not on ${type}`);
  }

  const occurredAt = parseOccurredAt(textOf(fields.occurred_at) ?? fields.occurred_at, now);
  if (!occurredAt.ok) problems.push(occurredAt.problem);

  const lat = parseCoordinate(fields.lat ?? fields.latitude, 'lat');
  if (!lat.ok) problems.push(lat.problem);
  const lon = parseCoordinate(fields.lon ?? fields.longitude, 'lon');
  if (!lon.ok) problems.push(lon.problem);

  const ageBand = readAgeBand(fields, problems);
  const sex = oneOf(fields.sex, SEXES, 'sex', problems) as Sex | undefined;

  if (problems.length > 0 || !type || !occurredAt.ok || !lat.ok || !lon.ok || !ageBand || !sex)
    return { problems };
  return {
    draft: { type, category, occurredAt: occurredAt.value, lat: lat.value, lon: lon.value, ageBand, sex },
  };
}

function textOf(value: unknown): string | undefined {
  if (typeof value === 'number') return String(value);
  if (typeof value !== 'string') return undefined;
  const trimmed = value.trim();
  return trimmed === '' ? undefined : trimmed;
}

function oneOf(
  value: unknown,
  allowed: readonly string[],
  name: string,
  problems: string[],
): string | undefined {
  const text = textOf(value)?.toLowerCase();
  if (text === undefined) {
    problems.push(`${name} is missing; use one of ${allowed.join(', ')}`);
    return undefined;
  }
  if (!allowed.includes(text)) {
    problems.push(`${name} "${text}" is not one of ${allowed.join(', ')}`);
    return undefined;
  }
  return text;
}

function readAgeBand(fields: RawFields, problems: string[]): AgeBand | undefined {
  const band = textOf(fields.age_band);
  if (band !== undefined) return oneOf(band, AGE_BANDS, 'age_band', problems) as AgeBand | undefined;
  const age = textOf(fields.age);
  if (age === undefined) return 'unknown';
  if (!/^\d{1,2}$/.test(age) || Number(age) > 17) {
    problems.push(`age "${age}" is not a whole number of years from 0 to 17`);
    return undefined;
  }
  return ageBandOf(Number(age));
}
