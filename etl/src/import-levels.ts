/** Levels of the jurisdiction tree, from the top: province → region (division) → district → police station. */
export type ImportLevel = 'province' | 'region' | 'district' | 'station';

export const IMPORT_LEVELS: readonly ImportLevel[] = ['province', 'region', 'district', 'station'];

export const PARENT_LEVEL: Record<ImportLevel, ImportLevel | undefined> = {
  province: undefined,
  region: 'province',
  district: 'region',
  station: 'district',
};

export const CHILD_LEVEL: Record<ImportLevel, ImportLevel | undefined> = {
  province: 'region',
  region: 'district',
  district: 'station',
  station: undefined,
};

/**
 * The level whose units an import replaces as a whole: importing districts replaces every district
 * of each province the file touches; importing stations, every station of each district it touches.
 * A province import replaces all provinces.
 */
export const SCOPE_LEVEL: Record<ImportLevel, ImportLevel | undefined> = {
  province: undefined,
  region: 'province',
  district: 'province',
  station: 'district',
};
