import type { SourceCrs } from './source.js';

/**
 * Reads an EPSG code from a CRS name as GeoJSON files write it: `urn:ogc:def:crs:OGC:1.3:CRS84`,
 * `urn:ogc:def:crs:EPSG::32642`, `EPSG:32642` or `http://www.opengis.net/def/crs/EPSG/0/32642`.
 * Returns undefined for a name it does not recognise.
 */
export function sridFromCrsName(name: string): number | undefined {
  const trimmed = name.trim();
  if (/^(urn:ogc:def:crs:)?OGC:(1\.3:)?CRS84$/i.test(trimmed) || /\/OGC\/1\.3\/CRS84$/i.test(trimmed))
    return 4326;
  const match =
    /^urn:ogc:def:crs:EPSG:[\d.]*:(\d+)$/i.exec(trimmed) ??
    /^EPSG:+(\d+)$/i.exec(trimmed) ??
    /\/def\/crs\/EPSG\/[\d.]+\/(\d+)$/i.exec(trimmed);
  return match ? Number(match[1]) : undefined;
}

/**
 * Describes the CRS of an ESRI or OGC WKT text (a shapefile .prj, a GeoPackage definition). The EPSG
 * code comes from the outermost AUTHORITY["EPSG", n] when there is one; otherwise the WKT itself is
 * kept, because PROJ (through PostGIS ST_Transform) reads ESRI WKT directly.
 */
export function crsFromWkt(wkt: string, origin: string): SourceCrs {
  const text = wkt.trim();
  const name = /^[A-Z_]+\s*\[\s*"([^"]*)"/i.exec(text)?.[1];
  const rootAuthority = /AUTHORITY\s*\[\s*"EPSG"\s*,\s*"?(\d+)"?\s*\]\s*\]\s*$/i.exec(text);
  if (rootAuthority) return { srid: Number(rootAuthority[1]), definition: text, name, origin };
  const wkt2Id = /ID\s*\[\s*"EPSG"\s*,\s*(\d+)\s*\]\s*\]\s*$/i.exec(text);
  if (wkt2Id) return { srid: Number(wkt2Id[1]), definition: text, name, origin };
  return { definition: text, name, origin };
}
