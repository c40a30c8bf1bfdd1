import { describe, expect, it } from 'vitest';
import {
  AttributeStatistics,
  parseCount,
  proposeAttributeMapping,
  yearInAttributeName,
} from '../src/attribute-mapping.js';
import type { ImportLevel } from '../src/import-levels.js';

function statisticsOf(rows: Record<string, unknown>[]): AttributeStatistics {
  const statistics = new AttributeStatistics();
  for (const row of rows) statistics.add(row);
  return statistics;
}

function propose(rows: Record<string, unknown>[], level: ImportLevel, excluded: string[] = []) {
  return proposeAttributeMapping(statisticsOf(rows), level, excluded);
}

describe('proposeAttributeMapping', () => {
  it('maps OCHA district columns', () => {
    const rows = [
      { fid: 1, province_name: 'Punjab', district_name: 'Lahore', district_code: 'PK601', area_km2: 1 },
      { fid: 2, province_name: 'Punjab', district_name: 'Kasur', district_code: 'PK602', area_km2: 2 },
      { fid: 3, province_name: 'Sindh', district_name: 'Thatta', district_code: 'PK703', area_km2: 3 },
    ];
    expect(propose(rows, 'district')).toEqual({
      code: 'district_code',
      name: 'district_name',
      nameUr: undefined,
      parent: 'province_name',
    });
  });

  it('maps shapefile-truncated column names', () => {
    const rows = [
      { province_n: 'Punjab', district_n: 'Lahore', district_c: 'PK601' },
      { province_n: 'Punjab', district_n: 'Kasur', district_c: 'PK602' },
    ];
    const mapping = propose(rows, 'district');
    expect(mapping.name).toBe('district_n');
    expect(mapping.code).toBe('district_c');
    expect(mapping.parent).toBe('province_n');
  });

  it('maps province columns at province level', () => {
    const rows = [
      { province_name: 'Punjab', province_code: 'PK6' },
      { province_name: 'Sindh', province_code: 'PK7' },
    ];
    const mapping = propose(rows, 'province');
    expect(mapping.name).toBe('province_name');
    expect(mapping.code).toBe('province_code');
    expect(mapping.parent).toBeUndefined();
  });

  it('prefers the division over the province as parent', () => {
    const rows = [
      { name: 'Lahore', division: 'Lahore', province: 'Punjab' },
      { name: 'Kasur', division: 'Lahore', province: 'Punjab' },
      { name: 'Multan', division: 'Multan', province: 'Punjab' },
    ];
    expect(propose(rows, 'district')).toMatchObject({ name: 'name', parent: 'division' });
  });

  it('maps Who’s On First names and Urdu', () => {
    const mapping = propose(
      [
        {
          'wof:name': 'Lahore',
          'name:urd_x_preferred': ['ضلع لاہور'],
          'name:eng_x_preferred': ['Lahore'],
          'wof:id': 1,
        },
      ],
      'district',
    );
    expect(mapping.name).toBe('wof:name');
    const withText = propose([{ 'wof:name': 'Lahore', 'name:urd_x_preferred': 'ضلع لاہور' }], 'district');
    expect(withText.nameUr).toBe('name:urd_x_preferred');
  });

  it('prefers the distinct name column', () => {
    const rows = [
      { ST_NAME: 'DELHI', PC_NAME: 'East Delhi', PC_CODE: 'U0504', ST_CODE: 'U05', PC_HNAME: 'x' },
      { ST_NAME: 'DELHI', PC_NAME: 'New Delhi', PC_CODE: 'U0505', ST_CODE: 'U05', PC_HNAME: 'y' },
      { ST_NAME: 'DELHI', PC_NAME: 'South Delhi', PC_CODE: 'U0507', ST_CODE: 'U05', PC_HNAME: 'z' },
    ];
    const mapping = propose(rows, 'district', ['PC_HNAME']);
    expect(mapping.name).toBe('PC_NAME');
    expect(mapping.code).toBe('PC_CODE');
    expect(mapping.nameUr).toBeUndefined();
  });

  it('proposes no name when none fits', () => {
    const rows = [{ ADM0_A3: 'PAK', NOTE_BRK: 'Admin. by Pakistan' }];
    expect(propose(rows, 'district').name).toBeUndefined();
  });

  it('proposes a population column', () => {
    const rows = [
      { district: 'Lahore', population: 13004135 },
      { district: 'Kasur', population: '4,084,286' },
      { district: 'Okara', population: 3515490 },
    ];
    const mapping = propose(rows, 'district');
    expect(mapping.population).toBe('population');
    expect(mapping.populationYear).toBeUndefined();
  });

  it('prefers the latest population year', () => {
    const rows = [
      { NAME: 'Lahore', POP2017: 11126285, pop_2023: 13004135, pop_density: 7347, female_pop: 6000000 },
      { NAME: 'Kasur', POP2017: 3454996, pop_2023: 4084286, pop_density: 987, female_pop: 2000000 },
    ];
    expect(propose(rows, 'district').population).toBe('pop_2023');
  });

  it('proposes the population year column', () => {
    const rows = [
      { name: 'Lahore', pop: 13004135, census_year: 2023 },
      { name: 'Kasur', pop: 4084286, census_year: '2023' },
    ];
    expect(propose(rows, 'district')).toMatchObject({ population: 'pop', populationYear: 'census_year' });
  });

  it('proposes no population for text or missing values', () => {
    expect(
      propose(
        [
          { name: 'Lahore', pop: 'n/a' },
          { name: 'Kasur', pop: 'unknown' },
        ],
        'district',
      ).population,
    ).toBe(undefined);
    expect(
      propose(
        [
          { name: 'Lahore', popular: 1 },
          { name: 'Kasur', popular: 2 },
        ],
        'district',
      ).population,
    ).toBe(undefined);
    // No population, so no year either.
    expect(propose([{ name: 'Lahore', census_year: 2023 }], 'district').populationYear).toBeUndefined();
  });
});

describe('population values', () => {
  it('parses counts with separators', () => {
    expect(parseCount('13,004,135')).toBe(13004135);
    expect(parseCount('4 084 286')).toBe(4084286);
    expect(parseCount('3515490.0')).toBe(3515490);
    expect(parseCount('0')).toBeUndefined();
    expect(parseCount('-5')).toBeUndefined();
    expect(parseCount('about 3 million')).toBeUndefined();
  });

  it('reads the year in an attribute name', () => {
    expect(yearInAttributeName('pop_2023')).toBe(2023);
    expect(yearInAttributeName('POP2017')).toBe(2017);
    expect(yearInAttributeName('population')).toBeUndefined();
    expect(yearInAttributeName('pop_12345')).toBeUndefined();
  });
});
