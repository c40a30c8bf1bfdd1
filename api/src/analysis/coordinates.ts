/** Which coordinate a value is meant to be; decides the range and the hemisphere letters accepted. */
export type Axis = 'lat' | 'lon';

export type ParsedCoordinate = { ok: true; value: number } | { ok: false; problem: string };

const DECIMAL = /^[+-]?\d+(?:[.,]\d+)?$/;

// Degrees, optional minutes and seconds, with the hemisphere letter before or after:
// 31°30'15"N, 31° 30′ 15.5″ N, N 31°30', 74d20m10sE, 31 30 15 N. Seconds need minutes before them.
const DMS =
  /^([NSEW])?\s*(\d{1,3}(?:[.,]\d+)?)\s*(?:°|º|d|\s)\s*(?:(\d{1,2}(?:[.,]\d+)?)\s*(?:'|′|m|\s)\s*(?:(\d{1,2}(?:[.,]\d+)?)\s*(?:"|″|''|s)?)?)?\s*([NSEW])?$/i;

function toNumber(text: string): number {
  return Number(text.replace(',', '.'));
}

/**
 * Parses one coordinate as written in a historical file: a number, a decimal with a comma
 * (31,5204), or degrees-minutes-seconds (31°30'15"N). Returns the decimal degrees, or a problem
 * that names what is wrong with the text. Only range checks happen here; whether the point lies
 * in Pakistan is the importer's question.
 */
export function parseCoordinate(input: unknown, axis: Axis): ParsedCoordinate {
  const name = axis === 'lat' ? 'latitude' : 'longitude';
  let value: number;
  if (typeof input === 'number') {
    value = input;
  } else if (typeof input === 'string') {
    const text = input.trim();
    if (text === '') return { ok: false, problem: `${name} is missing` };
    if (DECIMAL.test(text)) {
      value = toNumber(text);
    } else {
      const parsed = parseDegreesMinutesSeconds(text, axis);
      if (!parsed.ok) return parsed;
      value = parsed.value;
    }
  } else {
    return { ok: false, problem: `${name} is missing` };
  }

  if (!Number.isFinite(value)) return { ok: false, problem: `${name} ${String(input)} is not a number` };
  const limit = axis === 'lat' ? 90 : 180;
  if (Math.abs(value) > limit)
    return { ok: false, problem: `${name} ${value} is outside -${limit}..${limit}` };
  return { ok: true, value };
}

function parseDegreesMinutesSeconds(text: string, axis: Axis): ParsedCoordinate {
  const name = axis === 'lat' ? 'latitude' : 'longitude';
  const match = DMS.exec(text);
  if (!match) {
    return {
      ok: false,
      problem: `${name} "${text}" is neither a decimal number nor degrees-minutes-seconds such as 31°30'15"N`,
    };
  }
  const [, before, degreesText, minutesText, secondsText, after] = match;
  if (before && after) return { ok: false, problem: `${name} "${text}" has two hemisphere letters` };
  const hemisphere = (before ?? after)?.toUpperCase();
  if (!hemisphere && !text.includes('°') && !text.includes('º'))
    return { ok: false, problem: `${name} "${text}" has no degree sign or hemisphere letter` };

  const degrees = toNumber(degreesText as string);
  const minutes = minutesText ? toNumber(minutesText) : 0;
  const seconds = secondsText ? toNumber(secondsText) : 0;
  if (minutes >= 60)
    return { ok: false, problem: `${name} "${text}" has ${minutes} minutes; the maximum is 59` };
  if (seconds >= 60)
    return { ok: false, problem: `${name} "${text}" has ${seconds} seconds; the maximum is 59` };
  if ((minutesText && !Number.isInteger(degrees)) || (secondsText && !Number.isInteger(minutes)))
    return { ok: false, problem: `${name} "${text}" has a fraction before its last unit` };

  const expected = axis === 'lat' ? ['N', 'S'] : ['E', 'W'];
  if (hemisphere && !expected.includes(hemisphere)) {
    return {
      ok: false,
      problem: `${name} "${text}" has the hemisphere ${hemisphere}, which belongs to a ${axis === 'lat' ? 'longitude' : 'latitude'}; the latitude and longitude columns look swapped`,
    };
  }
  const sign = hemisphere === 'S' || hemisphere === 'W' ? -1 : 1;
  return { ok: true, value: sign * (degrees + minutes / 60 + seconds / 3600) };
}
