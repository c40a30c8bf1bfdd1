/**
 * ISO 3166-2:PK codes of Pakistan's provinces and territories, keyed by the names used in the
 * OpenStreetMap file. Province codes prefix every region and district code below them.
 */
export const PROVINCE_CODES: Readonly<Record<string, string>> = {
  Balochistan: 'PK-BA',
  'Gilgit-Baltistan': 'PK-GB',
  'Islamabad Capital Territory': 'PK-IS',
  'Khyber Pakhtunkhwa': 'PK-KP',
  Punjab: 'PK-PB',
  Sindh: 'PK-SD',
  'Azad Jammu & Kashmir': 'PK-JK',
};

/** Turns a name into the upper-case ASCII slug used in codes: "Dera Ghazi Khan" → "DERA-GHAZI-KHAN". */
export function slugifyName(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/&/g, ' AND ')
    .replace(/[^A-Za-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .toUpperCase();
}

/** Region (division) code: the province code, the slug and a `-DIV` suffix, e.g. `PK-PB-LAHORE-DIV`. */
export function regionCode(provinceCode: string, regionName: string): string {
  return `${provinceCode}-${slugifyName(regionName)}-DIV`;
}

/** District code: the province code and the slug, e.g. `PK-PB-LAHORE`. */
export function districtCode(provinceCode: string, districtName: string): string {
  return `${provinceCode}-${slugifyName(districtName)}`;
}
