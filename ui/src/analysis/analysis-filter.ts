// The filters of the analysts' map and the query string the API reads from them.
export const INCIDENT_TYPES = ['missing_child', 'sighting', 'abuse'] as const;
export const ABUSE_CATEGORIES = [
  'abduction',
  'sexual_abuse',
  'trafficking',
  'child_labour',
  'other',
] as const;
export const AGE_BANDS = ['0-4', '5-9', '10-13', '14-17', 'unknown'] as const;
export const SEXES = ['female', 'male', 'other', 'unknown'] as const;

export type IncidentType = (typeof INCIDENT_TYPES)[number];

export interface AnalysisFilterState {
  /** First month of the window, YYYY-MM. */
  fromMonth: string;
  /** Last month of the window (included), YYYY-MM. */
  toMonth: string;
  types: IncidentType[];
  /** '' for every category. */
  category: string;
  /** '' for every age band. */
  ageBand: string;
  /** '' for every sex. */
  sex: string;
}

/** Returns the month after `month` (YYYY-MM). */
export function nextMonth(month: string): string {
  const [year, number] = month.split('-').map(Number) as [number, number];
  return number === 12 ? `${year + 1}-01` : `${year}-${String(number + 1).padStart(2, '0')}`;
}

/** Lists every month from `first` to `last`, both included, or none when last comes before first. */
export function monthsBetween(first: string, last: string): string[] {
  const months: string[] = [];
  for (let month = first; month <= last && months.length < 600; month = nextMonth(month)) months.push(month);
  return months;
}

/**
 * Builds the query string of a filter. `onlyMonth` narrows the window to that month, for the time slider.
 * Months start at midnight Pakistan Standard Time (UTC+5), as the trends count them.
 */
export function filterQuery(filter: AnalysisFilterState, onlyMonth: string | null = null): string {
  const first = onlyMonth ?? filter.fromMonth;
  const last = onlyMonth ?? filter.toMonth;
  const query = new URLSearchParams({
    from: `${first}-01T00:00:00+05:00`,
    to: `${nextMonth(last)}-01T00:00:00+05:00`,
  });
  if (filter.types.length > 0 && filter.types.length < INCIDENT_TYPES.length)
    query.set('type', filter.types.join(','));
  if (filter.category) query.set('category', filter.category);
  if (filter.ageBand) query.set('ageBand', filter.ageBand);
  if (filter.sex) query.set('sex', filter.sex);
  return query.toString();
}
