import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { basename } from 'node:path';
import type { Knex } from 'knex';
import {
  type AttributeMapping,
  AttributeStatistics,
  MAPPING_KEYS,
  proposeAttributeMapping,
  yearInAttributeName,
} from './attribute-mapping.js';
import {
  BoundaryImportRepository,
  type DraftJurisdiction,
  type SourceTransform,
  type StagedFeatureInput,
} from './boundary-import-repository.js';
import { type PublishResult, publishInTransaction } from './boundary-publishing.js';
import { BoundaryRepository } from './boundary-repository.js';
import { BoundaryValidationRepository } from './boundary-validation-repository.js';
import { assignCodes } from './import-codes.js';
import { ImportError } from './import-error.js';
import { CHILD_LEVEL, type ImportLevel, PARENT_LEVEL, SCOPE_LEVEL } from './import-levels.js';
import { type BoundaryImportReport, REPORT_LIST_LIMIT } from './import-report.js';
import { resolveParentValues } from './parent-names.js';
import { openBoundaryFile } from './readers/open-boundary-file.js';
import type { BoundarySource, SourceCrs } from './readers/source.js';

export interface BoundaryImportOptions {
  /** User name of the person importing, stored as the version's created_by (and published_by with `publish`). */
  createdBy: string;
  level?: ImportLevel;
  layer?: string;
  /** EPSG code of the coordinates; overrides what the file declares. */
  srid?: number;
  /** Text encoding of the attributes; overrides what the file declares. */
  encoding?: string;
  /** Attribute names that override the proposed mapping; an empty string maps nothing. */
  mapping?: AttributeMapping;
  /**
   * Replacement rule for the base version's jurisdictions. `scope` (default) replaces every one of the
   * imported level within the provinces (for stations: districts) that the file covers, as when a
   * province uploads all its districts. `same-code` replaces only those whose code the file brings
   * again, to update a few boundaries.
   */
  replace?: 'scope' | 'same-code';
  /** Publish the draft at once, if nothing in it blocks publishing. */
  publish?: boolean;
  /** Allow `publish` although the draft drops jurisdiction codes that the live version has. */
  allowRemovals?: boolean;
  /** Runs after `publish` in the same transaction, e.g. to re-route open cases to the new districts. */
  onPublished?: (trx: Knex.Transaction, result: PublishResult) => Promise<void>;
  /** Overlaps and gaps smaller than this are counted but not listed. Default 0.01 km² (1 ha). */
  minReportedAreaKm2?: number;
  /** Name recorded for the file, e.g. the name of an upload; default the file's base name. */
  sourceName?: string;
  onProgress?: (progress: ImportProgress) => void;
}

export interface ImportProgress {
  phase: 'reading' | 'checking geometry' | 'building draft' | 'validating' | 'publishing';
  done: number;
  total: number;
  unit: 'bytes' | 'features' | 'steps';
}

const BATCH_FEATURES = 1000;
const BATCH_BYTES = 8 * 1024 * 1024;

/**
 * Imports one layer of a boundary file as a new draft boundary version and returns its validation
 * report. The draft starts as a copy of the live version. The file's features then replace that
 * version's jurisdictions of the chosen level, within the provinces (for stations: the districts)
 * that the file covers. Nothing routes to a draft. With `publish`, the draft goes live in the same transaction.
 * A file that cannot be imported raises ImportError, SourceFormatError or LayerChoiceError and
 * leaves nothing behind.
 */
export async function importBoundaryFile(
  db: Knex,
  file: string,
  options: BoundaryImportOptions,
): Promise<BoundaryImportReport> {
  const level = options.level ?? 'district';
  const sha256 = await hashFile(file);
  const source = await openBoundaryFile(file, { layer: options.layer, encoding: options.encoding });
  const timings: Record<string, number> = {};
  const timed = async <T>(phase: string, step: () => Promise<T>): Promise<T> => {
    const started = performance.now();
    try {
      return await step();
    } finally {
      timings[phase] = Math.round(performance.now() - started) / 1000;
    }
  };

  try {
    const report = await db.transaction(async (trx) => {
      const staging = new BoundaryImportRepository(trx);
      const versions = new BoundaryRepository(db);
      await staging.createStaging();

      const statistics = await timed('read', () => stageFeatures(source, staging, options));
      const warnings = [...source.warnings];

      options.onProgress?.({ phase: 'checking geometry', done: 0, total: 1, unit: 'steps' });
      const crs = await timed('crs', () =>
        resolveTransform(staging, source.crs, options.srid, file, warnings),
      );
      await timed('geometry', () => normalize(staging, crs.transform, file));

      const mapping = chooseMapping(statistics, level, source, options.mapping, file);
      const populationYear = mapping.final.population
        ? yearInAttributeName(mapping.final.population)
        : undefined;
      await staging.applyMapping({
        ...mapping.final,
        name: mapping.final.name as string,
        populationYearFromName: populationYear,
      });
      warnings.push(...(await populationWarnings(staging, mapping.final, populationYear)));
      await staging.analyzeStaging();

      options.onProgress?.({ phase: 'building draft', done: 0, total: 1, unit: 'steps' });
      const live = await versions.findLiveVersion(trx);
      const versionId = await versions.createImportDraft(trx, {
        sourceName: options.sourceName ?? basename(file),
        sha256,
        createdBy: options.createdBy,
        level,
        format: source.format,
        layer: source.layer.name,
        crs: crs.label,
        basedOnVersionId: live?.id ?? null,
      });
      await rejectEmptyLayer(staging, source, file);
      const build = await timed('draft', () =>
        buildDraft(staging, versionId, live?.id, level, options.replace ?? 'scope'),
      );

      options.onProgress?.({ phase: 'validating', done: 0, total: 1, unit: 'steps' });
      const validation = new BoundaryValidationRepository(trx);
      const minArea = options.minReportedAreaKm2 ?? 0.01;
      const overlaps = await timed('overlaps', () => validation.overlaps(versionId, level, minArea, 200));
      const gaps = await timed('gaps', async () =>
        PARENT_LEVEL[level] ? validation.gaps(versionId, level, minArea, 200) : emptySummary(minArea),
      );

      const counts = await staging.counts();
      const merged = await staging.mergedCodes(REPORT_LIST_LIMIT);
      const report: BoundaryImportReport = {
        versionId,
        status: 'draft',
        level,
        source: {
          file: options.sourceName ?? basename(file),
          sha256,
          format: source.format,
          layer: source.layer.name,
          layers: source.layers,
          crs: crs.label,
          crsOrigin: crs.origin,
        },
        basedOnVersionId: live?.id ?? null,
        mapping: { ...mapping.final, proposed: mapping.proposed },
        attributes: statistics.fields,
        scope: build.scope,
        provinces: build.provinces,
        counts: {
          read: counts.read,
          stored: build.stored,
          rejected: counts.rejected,
          repaired: counts.repaired,
          merged: merged.reduce((sum, group) => sum + group.indexes.length - 1, 0),
          withoutParent: level === 'province' ? 0 : counts.withoutParent,
          replaced: build.removed.length,
          pieces: build.pieces,
        },
        rejected: await staging.rejectedFeatures(REPORT_LIST_LIMIT),
        repaired: await staging.repairedFeatures(REPORT_LIST_LIMIT),
        merged,
        withoutParent: level === 'province' ? [] : await staging.featuresWithoutParent(REPORT_LIST_LIMIT),
        parentFoundByLocation: await staging.parentsFoundByLocation(REPORT_LIST_LIMIT),
        childrenWithoutParent: build.childrenWithoutParent,
        codeChanges: build.codeChanges,
        overlaps,
        gaps,
        warnings,
        timings,
      };
      await versions.setScope(trx, versionId, build.scope.codes);
      await versions.saveImportReport(trx, versionId, report);

      if (options.publish) {
        options.onProgress?.({ phase: 'publishing', done: 0, total: 1, unit: 'steps' });
        const published = await publishInTransaction(trx, versionId, options.createdBy, {
          allowRemovals: options.allowRemovals,
        });
        await options.onPublished?.(trx, published);
        report.status = 'live';
      }
      await versions.saveImportReport(trx, versionId, report);
      return report;
    });

    // Fresh planner statistics: without them Postgres joins a batch of points against every piece.
    await new BoundaryRepository(db).analyze();
    return report;
  } finally {
    await source.close();
  }
}

async function hashFile(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Streams the features into the staging table in batches, sampling their attributes. */
async function stageFeatures(
  source: BoundarySource,
  staging: BoundaryImportRepository,
  options: BoundaryImportOptions,
): Promise<AttributeStatistics> {
  const statistics = new AttributeStatistics();
  let batch: StagedFeatureInput[] = [];
  let batchBytes = 0;

  const flush = async () => {
    await staging.stageBatch(batch);
    batch = [];
    batchBytes = 0;
    options.onProgress?.({ phase: 'reading', ...source.progress() });
  };

  for await (const feature of source.features()) {
    statistics.add(feature.properties);
    const geometryJson = feature.geometry === null ? null : JSON.stringify(feature.geometry);
    // Postgres text and jsonb cannot hold the NUL character, which some DBF writers pad with.
    const propertiesJson = JSON.stringify(feature.properties).replace(/\\u0000/g, '');
    batch.push({
      index: feature.index,
      propertiesJson,
      geometryJson,
      problem: feature.geometryError ?? null,
    });
    batchBytes += (geometryJson?.length ?? 0) + propertiesJson.length;
    if (batch.length >= BATCH_FEATURES || batchBytes >= BATCH_BYTES) await flush();
  }
  await flush();
  return statistics;
}

/**
 * Decides the source CRS: --srid, else the file's CRS, else WGS 84 when every coordinate fits
 * longitude/latitude ranges. A WKT without EPSG code is matched to one by name when both transform a
 * probe point to the same place, and is otherwise handed to PROJ as it is. Projected coordinates
 * without a CRS are rejected, because stored as degrees they would put every boundary in the wrong place.
 */
async function resolveTransform(
  staging: BoundaryImportRepository,
  declared: SourceCrs | null,
  optionSrid: number | undefined,
  file: string,
  warnings: string[],
): Promise<{ transform: SourceTransform; label: string; origin: string }> {
  const checkSrid = async (srid: number, origin: string) => {
    if (!(await staging.sridExists(srid))) {
      throw new ImportError(
        `EPSG:${srid} (${origin}) is not a coordinate system PostGIS knows; pass the right EPSG code with --srid.`,
        'SRID_UNKNOWN',
      );
    }
    return { transform: { srid }, label: `EPSG:${srid}`, origin };
  };

  if (optionSrid !== undefined) {
    if (declared?.srid !== undefined && declared.srid !== optionSrid) {
      warnings.push(
        `The file declares EPSG:${declared.srid} (${declared.origin}); --srid ${optionSrid} overrides it.`,
      );
    }
    return checkSrid(optionSrid, '--srid');
  }
  if (declared?.srid !== undefined) return checkSrid(declared.srid, declared.origin);

  if (declared && !declared.definition) {
    throw new ImportError(
      `${basename(file)} declares the coordinate system ${declared.name} (${declared.origin}), which is not an ` +
        'EPSG code this importer reads. Pass its EPSG code with --srid.',
      'SRID_REQUIRED',
    );
  }

  const extent = await staging.stagedExtent();
  if (declared?.definition) {
    const probe: [number, number] = extent
      ? [(extent[0] + extent[2]) / 2, (extent[1] + extent[3]) / 2]
      : [0, 0];
    const matched = declared.name
      ? await staging
          .findSridMatchingDefinition(declared.name, declared.definition, probe)
          .catch(() => undefined)
      : undefined;
    if (matched !== undefined) {
      return {
        transform: { srid: matched },
        label: `EPSG:${matched}`,
        origin: `${declared.origin} "${declared.name}"`,
      };
    }
    return {
      transform: { definition: declared.definition },
      label: declared.name ?? 'WKT from the file',
      origin: `${declared.origin} (no EPSG code; read by PROJ)`,
    };
  }

  if (!extent) return { transform: { srid: 4326 }, label: 'EPSG:4326', origin: 'no geometry to place' };
  const [xmin, ymin, xmax, ymax] = extent;
  if (xmin >= -180 && xmax <= 180 && ymin >= -90 && ymax <= 90) {
    warnings.push(
      `${basename(file)} declares no coordinate system; every coordinate fits longitude/latitude ` +
        `(${xmin.toFixed(4)}..${xmax.toFixed(4)}, ${ymin.toFixed(4)}..${ymax.toFixed(4)}), so it was read as WGS 84. ` +
        'If it is in another CRS, import it again with --srid.',
    );
    return { transform: { srid: 4326 }, label: 'EPSG:4326', origin: 'inferred from the coordinate ranges' };
  }
  throw new ImportError(
    `${basename(file)} declares no coordinate system and its coordinates (x ${xmin.toFixed(0)} to ${xmax.toFixed(0)}, ` +
      `y ${ymin.toFixed(0)} to ${ymax.toFixed(0)}) are not longitude/latitude, so they are projected. ` +
      'Pass the EPSG code of their CRS with --srid, e.g. --srid 32642 for WGS 84 / UTM zone 42N, or add the .prj file.',
    'SRID_REQUIRED',
  );
}

async function normalize(staging: BoundaryImportRepository, transform: SourceTransform, file: string) {
  try {
    await staging.normalizeGeometries(transform);
  } catch (error) {
    throw new ImportError(
      `${basename(file)}: reprojecting the coordinates to WGS 84 failed (${(error as Error).message}); ` +
        'check the coordinate system, or pass the right one with --srid.',
      'REPROJECTION_FAILED',
    );
  }
}

function chooseMapping(
  statistics: AttributeStatistics,
  level: ImportLevel,
  source: BoundarySource,
  overrides: AttributeMapping | undefined,
  file: string,
): { final: AttributeMapping; proposed: AttributeMapping } {
  const proposed = proposeAttributeMapping(statistics, level, source.undecodableFields);
  const final: AttributeMapping = { ...proposed };
  const available = statistics.fields.join(', ') || '(none)';

  for (const key of MAPPING_KEYS) {
    const override = overrides?.[key];
    if (override === undefined) continue;
    if (override === '') {
      delete final[key];
      continue;
    }
    if (!statistics.fields.includes(override)) {
      throw new ImportError(
        `${basename(file)} has no attribute "${override}" (given for the ${describe(key)}). Its attributes are: ${available}.`,
        'ATTRIBUTE_NOT_FOUND',
      );
    }
    final[key] = override;
  }

  if (!final.name) {
    throw new ImportError(
      `${basename(file)}: no attribute looks like the ${level} name. Name it with --name-field; the attributes are: ${available}.`,
      'NAME_ATTRIBUTE_REQUIRED',
    );
  }
  for (const key of MAPPING_KEYS) {
    const field = final[key];
    if (field && source.undecodableFields.includes(field)) {
      throw new ImportError(
        `${basename(file)}: the ${describe(key)} attribute "${field}" contains text that is not UTF-8, and the file ` +
          'does not say which encoding it uses. Pass it with --encoding, e.g. --encoding windows-1256 for Urdu ' +
          'written by Windows in Pakistan.',
        'ENCODING_REQUIRED',
      );
    }
  }
  return { final, proposed };
}

/** Stops an import in which no feature can be stored, naming the reasons. */
async function rejectEmptyLayer(staging: BoundaryImportRepository, source: BoundarySource, file: string) {
  const counts = await staging.counts();
  if (counts.accepted > 0) return;
  const reasons = await staging.rejectionReasons();
  const summary = reasons.map((item) => `${item.count} × ${item.reason}`).join('; ');
  throw new ImportError(
    `${basename(file)}: none of the ${counts.read} features of layer "${source.layer.name}" can be stored` +
      `${summary ? ` (${summary})` : ''}. Choose a layer of polygons with --layer, or fix the file.`,
    'NO_STORABLE_FEATURES',
  );
}

function describe(key: keyof AttributeMapping): string {
  return {
    code: 'code',
    name: 'English name',
    nameUr: 'Urdu name',
    parent: 'parent',
    population: 'population',
    populationYear: 'population year',
  }[key];
}

/**
 * Warns about mapped population values that are not counts of at least 1 and were stored as
 * unknown, and about a population without a year.
 */
async function populationWarnings(
  staging: BoundaryImportRepository,
  mapping: AttributeMapping,
  yearFromName: number | undefined,
): Promise<string[]> {
  if (!mapping.population) return [];
  const warnings: string[] = [];
  const unknown = await staging.featuresWithoutPopulation();
  if (unknown.count > 0) {
    warnings.push(
      `${unknown.count} features have no population count in "${mapping.population}" (empty, text or below 1), ` +
        `e.g. feature ${unknown.examples.join(', ')}. They are stored without a population.`,
    );
  }
  if (!mapping.populationYear && yearFromName === undefined) {
    warnings.push(
      `The population attribute "${mapping.population}" names no year and no year attribute is mapped, so the ` +
        'population is stored without its year.',
    );
  }
  return warnings;
}

interface DraftBuild {
  provinces: BoundaryImportReport['provinces'];
  stored: number;
  pieces: number;
  removed: { code: string; name: string }[];
  scope: BoundaryImportReport['scope'];
  childrenWithoutParent: BoundaryImportReport['childrenWithoutParent'];
  codeChanges: BoundaryImportReport['codeChanges'];
}

/** Fills the draft: a copy of the live version with the imported level replaced within scope. */
async function buildDraft(
  staging: BoundaryImportRepository,
  versionId: number,
  liveVersionId: number | undefined,
  level: ImportLevel,
  replace: 'scope' | 'same-code',
): Promise<DraftBuild> {
  if (liveVersionId !== undefined) await staging.copyVersion(liveVersionId, versionId);

  const parentLevel = PARENT_LEVEL[level];
  const aboveLevels = ancestorsOf(level);
  const above = new Map(
    (await staging.draftJurisdictions(versionId, aboveLevels)).map((row) => [row.id, row]),
  );
  if (parentLevel) {
    const values = await staging.distinctParentValues();
    await staging.setNamedParents(resolveParentValues(values, [...above.values()], parentLevel));
    await staging.locateParents(versionId, parentLevel);
  }

  const rows = await staging.acceptedRows();
  const codes = assignCodes(rows, level, above);
  await staging.setCodes(codes);
  await staging.analyzeStaging();

  const scopeLevel = replace === 'same-code' ? undefined : SCOPE_LEVEL[level];
  const scopeIds = scopeLevel
    ? distinct(rows.map((row) => ancestorAt(above, row.parentId, scopeLevel)))
    : null;
  let removed: { code: string; name: string }[] = [];
  if (replace === 'same-code') {
    removed = await staging.removeReplaced(versionId, level, { codes: codes.map((item) => item.code) });
  } else if (scopeLevel && scopeIds && scopeIds.length > 0) {
    removed = await staging.removeReplaced(versionId, level, { scopeLevel, scopeIds });
  } else if (!scopeLevel) {
    removed = await staging.removeReplaced(versionId, level, 'all');
  }

  const kept = await staging.keptCodes(versionId, level);
  const conflicts = codes
    .filter((item) => kept.has(item.code))
    .map((item) => ({
      index: item.index,
      reason: `code ${item.code} already belongs to "${kept.get(item.code)}", which this import does not replace (outside its scope)`,
    }));
  await staging.rejectFeatures(conflicts);

  const stored = await staging.insertJurisdictions(versionId, level);
  const pieces = await staging.subdivideNew(versionId);
  const childrenWithoutParent =
    CHILD_LEVEL[level] && removed.length > 0 ? await staging.relinkChildren(versionId, level) : [];

  const provinceIds = rows.map((row) => ancestorAt(above, row.parentId, 'province'));
  const provinces =
    level === 'province'
      ? { codes: [...new Set(codes.map((item) => item.code))].sort(), withoutProvince: 0 }
      : {
          codes: distinct(provinceIds)
            .map((id) => above.get(id)?.code ?? String(id))
            .sort(),
          withoutProvince: provinceIds.filter((id) => id === undefined).length,
        };

  const addedCodes = new Set(codes.map((item) => item.code));
  const removedCodes = new Set(removed.map((item) => item.code));
  return {
    provinces,
    stored,
    pieces,
    removed,
    scope: {
      level: replace === 'same-code' ? 'same-code' : (scopeLevel ?? 'all'),
      codes: scopeIds === null ? [] : scopeIds.map((id) => above.get(id)?.code ?? String(id)).sort(),
    },
    childrenWithoutParent,
    codeChanges: {
      removed: [...removedCodes]
        .filter((code) => !addedCodes.has(code))
        .sort()
        .slice(0, REPORT_LIST_LIMIT),
      added: [...addedCodes]
        .filter((code) => !removedCodes.has(code))
        .sort()
        .slice(0, REPORT_LIST_LIMIT),
    },
  };
}

function ancestorsOf(level: ImportLevel): ImportLevel[] {
  const levels: ImportLevel[] = [];
  for (let parent = PARENT_LEVEL[level]; parent; parent = PARENT_LEVEL[parent]) levels.push(parent);
  return levels;
}

function ancestorAt(
  above: Map<number, DraftJurisdiction>,
  id: number | null,
  level: ImportLevel | undefined,
): number | undefined {
  for (let current = id === null ? undefined : above.get(id); current; ) {
    if (current.level === level) return current.id;
    current = current.parentId === null ? undefined : above.get(current.parentId);
  }
  return undefined;
}

function distinct(ids: (number | undefined)[]): number[] {
  return [...new Set(ids.filter((id): id is number => id !== undefined))];
}

function emptySummary(minAreaKm2: number) {
  return { minAreaKm2, count: 0, totalKm2: 0, items: [] };
}
