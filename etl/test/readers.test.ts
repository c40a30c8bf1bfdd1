import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import iconv from 'iconv-lite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import wkx from 'wkx';
import { crsFromWkt, sridFromCrsName } from '../src/readers/crs-names.js';
import { encodingOfCpg } from '../src/readers/dbf-file.js';
import { parseGeoPackageGeometry } from '../src/readers/geopackage-reader.js';
import { openBoundaryFile } from '../src/readers/open-boundary-file.js';
import { type BoundarySource, LayerChoiceError, type SourceFeature } from '../src/readers/source.js';
import { writeTestShapefile } from './support/shapefile-writer.js';

const run = promisify(execFile);
const directory = mkdtempSync(join(tmpdir(), 'talash-readers-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

async function readAll(file: string, options: { layer?: string; encoding?: string } = {}) {
  const source = await openBoundaryFile(file, options);
  const features: SourceFeature[] = [];
  try {
    for await (const feature of source.features()) features.push(feature);
  } finally {
    await source.close();
  }
  return { source, features };
}

function write(name: string, content: string | Buffer): string {
  const path = join(directory, name);
  writeFileSync(path, content);
  return path;
}

const square = (x: number, y: number, size = 1) => [
  [x, y],
  [x, y + size],
  [x + size, y + size],
  [x + size, y],
  [x, y],
];

describe('GeoJSON reader', () => {
  it('streams a collection with a crs member after the features', async () => {
    const file = write(
      'late-crs.geojson',
      JSON.stringify({
        type: 'FeatureCollection',
        features: [
          {
            type: 'Feature',
            properties: { name: 'A' },
            geometry: { type: 'Polygon', coordinates: [square(500000, 3700000)] },
          },
          { type: 'Feature', properties: { name: 'B' }, geometry: null },
          {
            type: 'Feature',
            properties: null,
            geometry: { type: 'Polygon', coordinates: [square(500010, 3700000)] },
          },
        ],
        crs: { type: 'name', properties: { name: 'urn:ogc:def:crs:EPSG::32642' } },
      }),
    );
    const { source, features } = await readAll(file);
    expect(features.map((feature) => feature.index)).toEqual([0, 1, 2]);
    expect(features[1]?.geometry).toBeNull();
    expect(features[1]?.properties).toEqual({ name: 'B' });
    expect(features[2]?.properties).toEqual({});
    expect(source.crs?.srid).toBe(32642);
  });

  it('reads a bare Feature and a bare geometry', async () => {
    const feature = write(
      'feature.json',
      JSON.stringify({
        type: 'Feature',
        properties: { 'wof:name': 'Lahore' },
        geometry: { type: 'Polygon', coordinates: [square(74, 31)] },
      }),
    );
    const geometry = write(
      'geometry.geojson',
      JSON.stringify({ type: 'MultiPolygon', coordinates: [[square(74, 31)]] }),
    );
    const first = await readAll(feature);
    expect(first.features).toHaveLength(1);
    expect(first.features[0]?.properties['wof:name']).toBe('Lahore');
    const second = await readAll(geometry);
    expect(second.features[0]?.geometry?.type).toBe('MultiPolygon');
    expect(second.source.crs).toBeNull();
  });

  it('rejects JSON that is not GeoJSON', async () => {
    const file = write('other.json', JSON.stringify({ type: 'Something', items: [] }));
    await expect(readAll(file)).rejects.toThrow(/expected a GeoJSON FeatureCollection/);
  });
});

describe('CRS names', () => {
  it('maps GeoJSON CRS names to EPSG codes', () => {
    expect(sridFromCrsName('urn:ogc:def:crs:OGC:1.3:CRS84')).toBe(4326);
    expect(sridFromCrsName('EPSG:32642')).toBe(32642);
    expect(sridFromCrsName('urn:ogc:def:crs:EPSG::3857')).toBe(3857);
    expect(sridFromCrsName('http://www.opengis.net/def/crs/EPSG/0/4326')).toBe(4326);
    expect(sridFromCrsName('LOCAL_GRID')).toBeUndefined();
  });

  it('reads the root authority of a WKT', () => {
    const wkt =
      'PROJCS["WGS 84 / UTM zone 42N",GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563,' +
      'AUTHORITY["EPSG","7030"]],AUTHORITY["EPSG","6326"]],AUTHORITY["EPSG","4326"]],UNIT["metre",1],AUTHORITY["EPSG","32642"]]';
    expect(crsFromWkt(wkt, 'test').srid).toBe(32642);
    const esri = crsFromWkt('PROJCS["WGS_1984_UTM_Zone_42N",GEOGCS["GCS_WGS_1984"]]', 'test');
    expect(esri.srid).toBeUndefined();
    expect(esri.name).toBe('WGS_1984_UTM_Zone_42N');
  });
});

describe('shapefile reader', () => {
  const urdu = ['لاہور', 'پشاور'];
  const shapes = [[square(74, 31).reverse() as [number, number][]], null];

  it('detects UTF-8 attributes without a .cpg', async () => {
    const file = writeTestShapefile({
      directory,
      name: 'utf8',
      shapes,
      fields: [
        { name: 'NAME', length: 20, values: [Buffer.from('Lahore'), Buffer.from('Karachi')] },
        { name: 'NAME_UR', length: 30, values: urdu.map((text) => Buffer.from(text, 'utf8')) },
      ],
    });
    const { source, features } = await readAll(file);
    expect(features.map((feature) => feature.properties.NAME_UR)).toEqual(urdu);
    expect(features[1]?.geometry).toBeNull();
    expect(features[1]?.properties.NAME).toBe('Karachi');
    expect(source.undecodableFields).toEqual([]);
  });

  it('flags legacy-encoded text of unknown encoding', async () => {
    const file = writeTestShapefile({
      directory,
      name: 'ansi',
      shapes,
      languageDriver: 0x57,
      fields: [
        { name: 'NAME', length: 20, values: [Buffer.from('Lahore'), Buffer.from('Karachi')] },
        { name: 'NAME_UR', length: 30, values: urdu.map((text) => iconv.encode(text, 'windows-1256')) },
      ],
    });
    const undetermined = await readAll(file);
    expect(undetermined.source.undecodableFields).toEqual(['NAME_UR']);
    expect(undetermined.source.warnings.join(' ')).toMatch(/NAME_UR .*--encoding/);

    const decoded = await readAll(file, { encoding: 'windows-1256' });
    expect(decoded.features.map((feature) => feature.properties.NAME_UR)).toEqual(urdu);
  });

  it('honours the .cpg and the language driver', async () => {
    const values = urdu.map((text) => iconv.encode(text, 'windows-1256'));
    const withCpg = writeTestShapefile({
      directory,
      name: 'cpg',
      shapes,
      cpg: 'CP1256',
      fields: [{ name: 'NAME_UR', length: 30, values }],
    });
    expect((await readAll(withCpg)).features.map((feature) => feature.properties.NAME_UR)).toEqual(urdu);

    const withDriver = writeTestShapefile({
      directory,
      name: 'ldid',
      shapes,
      languageDriver: 0x7e,
      fields: [{ name: 'NAME_UR', length: 30, values }],
    });
    expect((await readAll(withDriver)).features.map((feature) => feature.properties.NAME_UR)).toEqual(urdu);
  });

  it('maps .cpg contents to encodings', () => {
    expect(encodingOfCpg('UTF-8')).toBe('utf-8');
    expect(encodingOfCpg('1252')).toBe('windows-1252');
    expect(encodingOfCpg('ANSI 1256')).toBe('windows-1256');
    expect(encodingOfCpg('88591')).toBe('iso-8859-1');
    expect(encodingOfCpg('no such thing')).toBeUndefined();
  });
});

describe('KML reader', () => {
  const kml = `<?xml version="1.0" encoding="UTF-8"?>
<kml xmlns="http://www.opengis.net/kml/2.2"><Document><name>Police</name>
<Folder><name>Lahore</name>
  <Folder><name>Cantt</name>
    <Placemark><name>Cantt Police Station</name><ExtendedData><Data name="code"><value>S1</value></Data></ExtendedData>
      <MultiGeometry>
        <Polygon><outerBoundaryIs><LinearRing><coordinates>74.3,31.5 74.31,31.5 74.31,31.51 74.3,31.5</coordinates></LinearRing></outerBoundaryIs></Polygon>
        <Polygon><outerBoundaryIs><LinearRing><coordinates>74.4,31.5 74.41,31.5 74.41,31.51 74.4,31.5</coordinates></LinearRing></outerBoundaryIs></Polygon>
      </MultiGeometry>
    </Placemark>
  </Folder>
  <Placemark><name>Model Town Police Station</name>
    <Polygon><outerBoundaryIs><LinearRing><coordinates>74.32,31.48,0 74.33,31.48,0 74.33,31.49,0 74.32,31.48,0</coordinates></LinearRing></outerBoundaryIs></Polygon>
  </Placemark>
</Folder>
<Folder><name>Karachi</name>
  <Placemark><name>Saddar Police Station</name>
    <Polygon><outerBoundaryIs><LinearRing><coordinates>67.02,24.85 67.03,24.85 67.03,24.86 67.02,24.85</coordinates></LinearRing></outerBoundaryIs></Polygon>
  </Placemark>
</Folder>
</Document></kml>`;

  it('reads placemarks of nested folders with their folder path', async () => {
    const { source, features } = await readAll(write('stations.kml', kml));
    expect(features.map((feature) => feature.properties.name)).toEqual([
      'Cantt Police Station',
      'Model Town Police Station',
      'Saddar Police Station',
    ]);
    expect(features[0]?.properties.kml_folder).toBe('Lahore / Cantt');
    expect(features[0]?.properties.code).toBe('S1');
    expect(features[0]?.geometry?.type).toBe('GeometryCollection');
    expect(source.crs?.srid).toBe(4326);
  });

  it('restricts the import to one folder with --layer', async () => {
    const { features } = await readAll(write('stations-layer.kml', kml), { layer: 'Lahore' });
    expect(features.map((feature) => feature.properties.name)).toEqual([
      'Cantt Police Station',
      'Model Town Police Station',
    ]);
  });
});

describe('KML reader, placemark content', () => {
  const ring = (x: number, y: number, size = 0.01) =>
    square(x, y, size)
      .map(([lon, lat]) => `${lon},${lat}`)
      .join(' ');

  it('keeps null and empty geometries in place', async () => {
    const file = write(
      'nulls.kml',
      `<kml xmlns="http://www.opengis.net/kml/2.2"><Document>
<Placemark><name>A</name><Polygon><outerBoundaryIs><LinearRing><coordinates>${ring(74, 31)}</coordinates></LinearRing></outerBoundaryIs></Polygon></Placemark>
<Placemark><name>B</name><ExtendedData><Data name="code"><value>B1</value></Data></ExtendedData></Placemark>
<Placemark><name>C</name><Polygon/></Placemark>
<Placemark><name>D</name><ExtendedData><Data name="code"><value>D1</value></Data></ExtendedData>
  <Polygon><outerBoundaryIs><LinearRing><coordinates>${ring(74.1, 31)}</coordinates></LinearRing></outerBoundaryIs></Polygon></Placemark>
</Document></kml>`,
    );
    const { features } = await readAll(file);
    expect(features.map((feature) => feature.index)).toEqual([0, 1, 2, 3]);
    expect(features.map((feature) => feature.properties.name)).toEqual(['A', 'B', 'C', 'D']);
    expect(features[1]?.geometry).toBeNull();
    expect(features[1]?.properties.code).toBe('B1');
    expect(features[2]?.geometry).toEqual({ type: 'Polygon', coordinates: [] });
    expect(features[3]?.properties.code).toBe('D1');
    expect(features[3]?.geometry).toEqual({ type: 'Polygon', coordinates: [square(74.1, 31, 0.01)] });
  });

  it('reads holes, 3D tuples and several polygons', async () => {
    const outer = '74,31,120\n\t74,31.1,120   74.1,31.1,120\n74.1 , 31 , 120 74,31,120';
    const hole = ring(74.02, 31.02, 0.02);
    const file = write(
      'holes.kml',
      `<kml xmlns="http://www.opengis.net/kml/2.2"><Document>
<Placemark><name>Holed</name><Polygon>
  <outerBoundaryIs><LinearRing><coordinates>${outer}</coordinates></LinearRing></outerBoundaryIs>
  <innerBoundaryIs><LinearRing><coordinates>${hole}</coordinates></LinearRing></innerBoundaryIs>
</Polygon></Placemark>
<Placemark><name>Split</name><MultiGeometry>
  <Polygon><outerBoundaryIs><LinearRing><coordinates>${ring(75, 31)}</coordinates></LinearRing></outerBoundaryIs></Polygon>
  <MultiGeometry><Polygon><outerBoundaryIs><LinearRing><coordinates>${ring(75.1, 31)}</coordinates></LinearRing></outerBoundaryIs></Polygon></MultiGeometry>
  <Polygon><outerBoundaryIs><LinearRing><coordinates>${ring(75.2, 31)}</coordinates></LinearRing></outerBoundaryIs></Polygon>
</MultiGeometry></Placemark>
</Document></kml>`,
    );
    const { features } = await readAll(file);
    expect(features[0]?.geometry).toEqual({
      type: 'Polygon',
      coordinates: [
        [
          [74, 31],
          [74, 31.1],
          [74.1, 31.1],
          [74.1, 31],
          [74, 31],
        ],
        square(74.02, 31.02, 0.02),
      ],
    });
    expect(features[1]?.geometry).toEqual({
      type: 'GeometryCollection',
      geometries: [75, 75.1, 75.2].map((x) => ({ type: 'Polygon', coordinates: [square(x, 31, 0.01)] })),
    });
  });

  it('closes open rings and rejects bad tuples', async () => {
    const file = write(
      'rings.kml',
      `<kml xmlns="http://www.opengis.net/kml/2.2"><Document>
<Placemark><name>Open</name><Polygon><outerBoundaryIs><LinearRing><coordinates>73,30 73,30.1 73.1,30.1</coordinates></LinearRing></outerBoundaryIs></Polygon></Placemark>
<Placemark><name>Broken</name><Polygon><outerBoundaryIs><LinearRing><coordinates>74,31 74;31.1 74.1,31.1 74,31</coordinates></LinearRing></outerBoundaryIs></Polygon></Placemark>
<Placemark><name>Model</name><Model><Link><href>house.dae</href></Link></Model></Placemark>
</Document></kml>`,
    );
    const { source, features } = await readAll(file);
    expect(features[0]?.geometry).toEqual({
      type: 'Polygon',
      coordinates: [
        [
          [73, 30],
          [73, 30.1],
          [73.1, 30.1],
          [73, 30],
        ],
      ],
    });
    expect(source.warnings.join('\n')).toMatch(
      /1 feature\(s\) had a polygon ring .* closed it \(features 0\)/,
    );
    expect(features[1]?.geometry).toBeNull();
    expect(features[1]?.geometryError).toMatch(/invalid KML coordinate tuple "74;31\.1"/);
    expect(features[2]?.geometry).toBeNull();
    expect(features[2]?.geometryError).toMatch(/<Model> is not read/);
  });

  it('reads names, descriptions and typed SimpleData', async () => {
    const file = write(
      'attributes.kml',
      `<kml xmlns="http://www.opengis.net/kml/2.2"><Document>
<Schema name="districts" id="districts_schema">
  <SimpleField name="code" type="string"/><SimpleField name="population" type="int"/><SimpleField name="active" type="bool"/>
</Schema>
<Placemark><name>Lahore</name><description><![CDATA[<b>Lahore</b> district]]></description>
  <Style><LineStyle><color>ff0000ff</color></LineStyle></Style><styleUrl>#red</styleUrl>
  <ExtendedData>
    <Data name="name_ur"><displayName>Urdu</displayName><value>لاہور</value></Data>
    <Data name="empty"/>
    <SchemaData schemaUrl="#districts_schema">
      <SimpleData name="code">007</SimpleData><SimpleData name="population">11126285</SimpleData>
      <SimpleData name="active">1</SimpleData>
    </SchemaData>
  </ExtendedData>
  <Point><coordinates>74.34,31.55,0</coordinates></Point>
</Placemark>
</Document></kml>`,
    );
    const { features } = await readAll(file);
    expect(features[0]?.properties).toEqual({
      name: 'Lahore',
      description: '<b>Lahore</b> district',
      name_ur: 'لاہور',
      empty: '',
      code: '007',
      population: 11126285,
      active: true,
    });
    expect(features[0]?.geometry).toEqual({ type: 'Point', coordinates: [74.34, 31.55] });
  });

  it('decodes the encoding its XML declaration names', async () => {
    const text = (encoding: string) =>
      `<?xml version="1.0" encoding="${encoding}"?>\n<kml><Document><Folder><name>اضلاع</name>` +
      `<Placemark><name>ضلع لاہور</name><Polygon><outerBoundaryIs><LinearRing><coordinates>${ring(74, 31)}` +
      '</coordinates></LinearRing></outerBoundaryIs></Polygon></Placemark></Folder></Document></kml>';
    const cases: [string, Buffer][] = [
      ['windows-1256.kml', iconv.encode(text('windows-1256'), 'windows-1256')],
      ['utf-16.kml', iconv.encode(text('UTF-16'), 'utf-16le', { addBOM: true })],
      ['utf-8.kml', Buffer.from(text('UTF-8'), 'utf8')],
    ];
    for (const [name, bytes] of cases) {
      const { source, features } = await readAll(write(name, bytes));
      expect(features[0]?.properties.name, name).toBe('ضلع لاہور');
      expect(features[0]?.properties.kml_folder, name).toBe('اضلاع');
      expect(source.layers, name).toEqual([{ name: 'اضلاع', featureCount: 1 }]);
    }
  });

  it('reads a KMZ archive', async () => {
    const kmz = join(directory, 'stations.kmz');
    const doc = write(
      'doc.kml',
      iconv.encode(
        '<?xml version="1.0" encoding="windows-1256"?><kml><Document><Placemark><name>تھانہ ماڈل ٹاؤن</name>' +
          `<Polygon><outerBoundaryIs><LinearRing><coordinates>${ring(74.32, 31.48)}</coordinates>` +
          '</LinearRing></outerBoundaryIs></Polygon></Placemark></Document></kml>',
        'windows-1256',
      ),
    );
    await run('zip', ['-q', '-j', kmz, doc]);
    const { source, features } = await readAll(kmz);
    expect(source.format).toBe('kml');
    expect(features.map((feature) => feature.properties.name)).toEqual(['تھانہ ماڈل ٹاؤن']);
    expect(features[0]?.geometry?.type).toBe('Polygon');
  });

  it('rejects malformed XML with its position', async () => {
    await expect(
      readAll(write('broken.kml', '<kml><Document><Placemark><name>A</Placemark></Document></kml>')),
    ).rejects.toThrow(/broken\.kml is not a readable KML document \(.*1:\d+.*\)/);
    await expect(readAll(write('gpx.kml', '<gpx><trk/></gpx>'))).rejects.toThrow(/root element is <gpx>/);
    await expect(
      readAll(write('klingon.kml', '<?xml version="1.0" encoding="x-klingon"?><kml/>')),
    ).rejects.toThrow(/text encoding "x-klingon" \(XML declaration\) is unknown/);
  });

  it('names the folders when --layer is unknown', async () => {
    const file = write(
      'folders.kml',
      `<kml><Document><Folder><name>Punjab</name><Placemark><name>A</name></Placemark></Folder></Document></kml>`,
    );
    await expect(readAll(file, { layer: 'Sindh' })).rejects.toThrow(
      /has no folder "Sindh"; its folders are "Punjab"/,
    );
  });
});

describe('KML reader, large files', () => {
  // 15,000 placemarks, about 5 MB.
  const placemarks = 15_000;
  let file: string;

  beforeAll(() => {
    const parts = ['<?xml version="1.0" encoding="UTF-8"?>\n<kml><Document><Folder><name>Stations</name>\n'];
    for (let index = 0; index < placemarks; index += 1) {
      const x = (67.5 + (index % 300) * 0.012).toFixed(3);
      const y = (25.5 + Math.floor(index / 300) * 0.012).toFixed(3);
      parts.push(
        `<Placemark><name>Station ${index}</name><ExtendedData><Data name="station_code"><value>S${index}</value></Data>` +
          `</ExtendedData><Polygon><outerBoundaryIs><LinearRing><coordinates>${x},${y},0 ${x},${y},0 ${x},${y},0 ` +
          `${x},${y},0 ${x},${y},0 ${x},${y},0 ${x},${y},0 ${x},${y},0</coordinates></LinearRing></outerBoundaryIs>` +
          '</Polygon></Placemark>\n',
      );
    }
    parts.push('</Folder></Document></kml>\n');
    file = write('stations.kml', parts.join(''));
  });

  it('yields features before reading the whole file', async () => {
    const source = await openBoundaryFile(file);
    try {
      const features = source.features()[Symbol.asyncIterator]();
      const first = await features.next();
      expect(first.value?.properties.name).toBe('Station 0');
      const progress = source.progress();
      expect(progress.unit).toBe('bytes');
      expect(progress.total).toBeGreaterThan(4_000_000);
      expect(progress.done).toBeLessThan(progress.total / 10);
      await features.return?.(undefined);
    } finally {
      await source.close();
    }
  });

  it('reads a file larger than its heap limit', async () => {
    // The old reader, which parsed the file into one DOM, ran out of heap here at 48 MB.
    const script = fileURLToPath(new URL('./support/count-features.ts', import.meta.url));
    const { stdout } = await run(process.execPath, [
      '--max-old-space-size=32',
      '--import',
      'tsx',
      script,
      file,
    ]);
    const result = JSON.parse(stdout.trim().split('\n').at(-1) as string) as {
      features: number;
      maxHeapMb: number;
    };
    expect(result.features).toBe(placemarks);
    expect(result.maxHeapMb).toBeLessThan(32);
  }, 120_000);
});

describe('TopoJSON reader', () => {
  const topology = {
    type: 'Topology',
    transform: { scale: [0.001, 0.001], translate: [74, 31] },
    objects: {
      districts: {
        type: 'GeometryCollection',
        geometries: [{ type: 'Polygon', arcs: [[0]], properties: { name: 'Q' } }],
      },
      border: { type: 'LineString', arcs: [0] },
    },
    arcs: [
      [
        [0, 0],
        [1000, 0],
        [0, 1000],
        [-1000, 0],
        [0, -1000],
      ],
    ],
  };

  it('lists the objects as layers and dequantises', async () => {
    const file = write('quantised.topojson', JSON.stringify(topology));
    await expect(readAll(file)).rejects.toBeInstanceOf(LayerChoiceError);
    const { features } = await readAll(file, { layer: 'districts' });
    expect(features[0]?.properties.name).toBe('Q');
    expect(features[0]?.geometry).toEqual({
      type: 'Polygon',
      coordinates: [
        [
          [74, 31],
          [75, 31],
          [75, 32],
          [74, 32],
          [74, 31],
        ],
      ],
    });
  });
});

describe('TopoJSON reader streaming', () => {
  it('reads layers listed before the arcs', async () => {
    // Arcs last, as topojson-server writes them; members of a collection and a single object.
    const text =
      '{"type":"Topology","objects":{' +
      '"stations":{"type":"GeometryCollection","geometries":[' +
      '{"type":"Polygon","arcs":[[0]],"properties":{"name":"A","beat":[1,2]}},' +
      '{"type":"Polygon","arcs":[[1]],"properties":{"name":"B"}},' +
      '{"type":null,"properties":{"name":"C"}}]},' +
      '"outline":{"type":"Polygon","arcs":[[0]],"properties":{"name":"whole"}}},' +
      '"arcs":[[[74,31],[74.1,31],[74.1,31.1],[74,31.1],[74,31]],[[75,31],[75.1,31],[75.1,31.1],[75,31.1],[75,31]]]}';
    const file = write('arcs-last.topojson', text);

    const stations = await readAll(file, { layer: 'stations' });
    expect(stations.source.layers).toEqual([
      { name: 'stations', featureCount: 3 },
      { name: 'outline', featureCount: 1, geometryType: 'Polygon' },
    ]);
    expect(stations.features.map((feature) => feature.properties.name)).toEqual(['A', 'B', 'C']);
    expect(stations.features.map((feature) => feature.index)).toEqual([0, 1, 2]);
    expect(stations.features[0]?.properties.beat).toEqual([1, 2]);
    const second = stations.features[1]?.geometry as { coordinates: number[][][] } | undefined;
    expect(second?.coordinates[0]?.[0]).toEqual([75, 31]);
    expect(stations.features[2]?.geometry).toBeNull();

    const outline = await readAll(file, { layer: 'outline' });
    expect(outline.features.map((feature) => feature.properties.name)).toEqual(['whole']);
    expect(outline.features[0]?.geometry?.type).toBe('Polygon');
  });

  it('rejects a file that is not a topology', async () => {
    const file = write('not-topology.topojson', '{"type":"FeatureCollection","features":[]}');
    await expect(readAll(file)).rejects.toThrow(/not a TopoJSON Topology/);
    const broken = write('broken.topojson', '{"type":"Topology","objects":{');
    await expect(readAll(broken)).rejects.toThrow(/not valid JSON/);
  });
});

describe('GeoPackage reader', () => {
  function geoPackageBlob(geometry: object, srsId: number, withEnvelope: boolean): Buffer {
    const wkb = wkx.Geometry.parseGeoJSON(geometry).toWkb();
    const header = Buffer.alloc(withEnvelope ? 40 : 8);
    header.write('GP', 0, 'latin1');
    header[3] = 0b0000_0001 | (withEnvelope ? 0b10 : 0);
    header.writeInt32LE(srsId, 4);
    return Buffer.concat([header, wkb]);
  }

  it('parses geometry blobs with and without an envelope', () => {
    const polygon = { type: 'Polygon', coordinates: [square(74, 31)] };
    expect(parseGeoPackageGeometry(geoPackageBlob(polygon, 4326, false))).toEqual(polygon);
    expect(parseGeoPackageGeometry(geoPackageBlob(polygon, 4326, true))).toEqual(polygon);
    expect(() => parseGeoPackageGeometry(Buffer.from('not a blob'))).toThrow(/magic/);
  });

  it('reads layers, attributes and the CRS', async () => {
    const file = join(directory, 'test.gpkg');
    const database = new Database(file);
    database.exec(`
      CREATE TABLE gpkg_spatial_ref_sys (srs_name TEXT, srs_id INTEGER PRIMARY KEY, organization TEXT,
        organization_coordsys_id INTEGER, definition TEXT, description TEXT);
      CREATE TABLE gpkg_contents (table_name TEXT PRIMARY KEY, data_type TEXT, identifier TEXT, srs_id INTEGER);
      CREATE TABLE gpkg_geometry_columns (table_name TEXT, column_name TEXT, geometry_type_name TEXT,
        srs_id INTEGER, z INTEGER, m INTEGER);
      INSERT INTO gpkg_spatial_ref_sys VALUES ('WGS 84 / UTM zone 42N', 32642, 'EPSG', 32642, 'PROJCS[...]', NULL);
      INSERT INTO gpkg_contents VALUES ('stations', 'features', 'stations', 32642);
      INSERT INTO gpkg_geometry_columns VALUES ('stations', 'shape', 'POLYGON', 32642, 0, 0);
      CREATE TABLE stations (fid INTEGER PRIMARY KEY, shape BLOB, name TEXT, name_ur TEXT);
    `);
    const insert = database.prepare('INSERT INTO stations (shape, name, name_ur) VALUES (?, ?, ?)');
    insert.run(
      geoPackageBlob({ type: 'Polygon', coordinates: [square(500000, 3700000, 100)] }, 32642, true),
      'A',
      'الف',
    );
    insert.run(null, 'B', null);
    database.close();

    const { source, features } = await readAll(file);
    expect(source.layers.map((layer) => layer.name)).toEqual(['stations']);
    expect(source.crs?.srid).toBe(32642);
    expect(features.map((feature) => feature.properties.name)).toEqual(['A', 'B']);
    expect(features[0]?.properties.name_ur).toBe('الف');
    expect(features[0]?.properties.shape).toBeUndefined();
    expect(features[1]?.geometry).toBeNull();
  });
});

describe('CSV reader', () => {
  it('reads WKT and EWKT columns', async () => {
    const file = write(
      'stations.csv',
      'name;WKT\n"Saddar";"SRID=32642;POLYGON((0 0,0 1,1 1,0 0))"\nEmpty;\nBroken;POLYGON((0 0\n',
    );
    const { source, features } = await readAll(file);
    expect(features.map((feature) => feature.properties.name)).toEqual(['Saddar', 'Empty', 'Broken']);
    expect(features[0]?.geometry?.type).toBe('Polygon');
    expect(features[1]?.geometry).toBeNull();
    expect(features[2]?.geometryError).toMatch(/invalid WKT/);
    expect(source.crs?.srid).toBe(32642);
  });

  it('names the columns when none holds WKT', async () => {
    const file = write('nowkt.csv', 'name,x,y\nA,1,2\n');
    await expect(readAll(file)).rejects.toThrow(/no WKT geometry column.*name, x, y/);
  });
});

describe.skipIf(!existsSync('/usr/bin/zip'))('zip archives', () => {
  it('reads a zipped shapefile', async () => {
    const { execFileSync } = await import('node:child_process');
    writeTestShapefile({
      directory,
      name: 'zipped',
      shapes: [[square(74, 31).reverse() as [number, number][]]],
      fields: [{ name: 'NAME', length: 10, values: [Buffer.from('Lahore')] }],
    });
    const archive = join(directory, 'zipped.zip');
    execFileSync('zip', [
      '-q',
      '-j',
      archive,
      ...['shp', 'shx', 'dbf'].map((ext) => join(directory, `zipped.${ext}`)),
    ]);
    const { source, features }: { source: BoundarySource; features: SourceFeature[] } =
      await readAll(archive);
    expect(source.format).toBe('shapefile');
    expect(features[0]?.properties.NAME).toBe('Lahore');
  });
});
