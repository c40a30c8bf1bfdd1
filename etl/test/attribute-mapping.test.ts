import { describe, expect, it } from 'vitest';
import { AttributeStatistics, proposeAttributeMapping } from '../src/attribute-mapping.js';
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
});
