import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { type F, type Folder, kmlWithFolders, type Root } from '@tmcw/togeojson';
import { DOMParser } from '@xmldom/xmldom';
import type { BoundarySource, LayerInfo, ReaderOptions, SourceFeature } from './source.js';
import { SourceFormatError } from './source.js';

/** Style members that togeojson copies into properties; they are display hints, not attributes. */
const STYLE_PROPERTIES =
  /^(stroke|fill|styleUrl|styleHash|styleMapHash|icon|label-|visibility$|timespan$|timestamp$)/;

/** The property that records which folder a placemark came from, as "Outer / Inner". */
export const KML_FOLDER_PROPERTY = 'kml_folder';

/**
 * Opens a KML document (KMZ archives are unpacked before this). Every placemark of every folder is
 * one feature, with its folder path in the `kml_folder` property; --layer restricts the import to one
 * folder and its subfolders. The file is parsed as one DOM, so its size is bounded by memory.
 */
export async function openKml(file: string, options: ReaderOptions): Promise<BoundarySource> {
  const text = readFileSync(file, 'utf8');
  const errors: string[] = [];
  const document = new DOMParser({
    onError: (level, message) => {
      if (level !== 'warning') errors.push(message);
    },
  }).parseFromString(text, 'text/xml');
  if (errors.length > 0 || !document.documentElement || document.getElementsByTagName('kml').length === 0) {
    throw new SourceFormatError(
      `${file} is not a readable KML document${errors[0] ? ` (${errors[0]})` : ''}.`,
    );
  }

  const collected: { folder: string; feature: F }[] = [];
  collect(kmlWithFolders(document as unknown as Document), [], collected);

  const folderCounts = new Map<string, number>();
  for (const { folder } of collected) folderCounts.set(folder, (folderCounts.get(folder) ?? 0) + 1);
  const layers: LayerInfo[] = [...folderCounts].map(([name, featureCount]) => ({ name, featureCount }));

  const requested = options.layer;
  const selected = requested
    ? collected.filter(({ folder }) => folder === requested || folder.startsWith(`${requested} / `))
    : collected;
  if (requested && selected.length === 0) {
    const names = layers.map((layer) => `"${layer.name}"`).join(', ');
    throw new SourceFormatError(`${file} has no folder "${requested}"; its folders are ${names}.`);
  }
  const layer: LayerInfo = {
    name: requested ?? basename(file).replace(/\.kml$/i, ''),
    featureCount: selected.length,
  };
  let done = 0;

  return {
    format: 'kml',
    layers,
    layer,
    crs: { srid: 4326, name: 'WGS 84', origin: 'KML (always WGS 84 longitude/latitude)' },
    warnings: [],
    undecodableFields: [],
    features: async function* (): AsyncGenerator<SourceFeature> {
      for (const [index, { folder, feature }] of selected.entries()) {
        done = index + 1;
        yield { index, properties: attributesOf(feature, folder), geometry: feature.geometry ?? null };
      }
    },
    progress: () => ({ done, total: selected.length, unit: 'features' }),
    close: async () => {},
  };
}

function collect(node: Root | Folder, path: string[], into: { folder: string; feature: F }[]): void {
  for (const child of node.children) {
    if (child.type === 'folder') {
      const name = String(child.meta.name ?? 'Folder');
      collect(child, [...path, name], into);
    } else {
      into.push({ folder: path.join(' / '), feature: child });
    }
  }
}

function attributesOf(feature: F, folder: string): Record<string, unknown> {
  const properties: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(feature.properties ?? {})) {
    if (!STYLE_PROPERTIES.test(key)) properties[key] = value;
  }
  if (folder !== '') properties[KML_FOLDER_PROPERTY] = folder;
  return properties;
}
