import { extname } from 'node:path';
import type { Knex } from 'knex';
import type { AttributeMapping } from '../../../etl/src/attribute-mapping.js';
import { importBoundaryFile } from '../../../etl/src/boundary-import.js';
import {
  discardDraft,
  type PublishResult,
  publishInTransaction,
  rollbackInTransaction,
} from '../../../etl/src/boundary-publishing.js';
import type { ImportLevel } from '../../../etl/src/import-levels.js';
import type { BoundaryImportReport } from '../../../etl/src/import-report.js';
import type { Officer } from '../auth/roles.js';
import type { DeadlineSettings } from '../cases/deadlines.js';
import { ApiError } from '../errors.js';
import type { LiveDistrictLocatorHolder } from '../geofence/live-district-locator.js';
import type { BoundaryUpload } from '../http/boundary-upload.js';
import type { DeadlinePrompter } from '../jobs/deadline-queue.js';
import { createLogger } from '../logger.js';
import type { AuditRepository } from '../repositories/audit-repository.js';
import type {
  BoundaryReviewRepository,
  BoundaryVersionSummary,
  JurisdictionChange,
} from '../repositories/boundary-review-repository.js';
import { apiWording, toBoundaryApiError } from './boundary-import-errors.js';
import { switchLiveVersion } from './boundary-switch.js';
import type { ReroutedCase } from './case-rerouting.js';
import type { OutboxEnqueuer } from './report-service.js';

const log = createLogger('BoundaryImport');

/** The import options of an upload, already validated. */
export interface BoundaryImportRequest {
  level: ImportLevel;
  layer?: string;
  srid?: number;
  encoding?: string;
  mapping?: AttributeMapping;
  replace?: 'scope' | 'same-code';
}

/** The result of a publish or rollback: the versions switched and the cases re-routed. */
export interface BoundarySwitch extends PublishResult {
  rerouted: Omit<ReroutedCase, 'outboxIds' | 'startedClocks'>[];
}

/**
 * How far a GIS officer's jurisdiction may reach into another province before the change counts as
 * outside their province: both more than 0.1 km² and more than 1% of its area. Borders drawn from
 * different sources overlap in thin slivers, which stay below these. The values are a judgement,
 * not a standard.
 */
const SPILL_LIMITS = { minKm2: 0.1, minShare: 0.01 };

// Extensions of the loose parts of a shapefile that may come with its .shp.
const SHAPEFILE_PARTS = ['.shp', '.shx', '.dbf', '.prj', '.cpg', '.qix', '.sbn', '.sbx', '.xml'];

/**
 * Boundary imports for provincial GIS officers and administrators. An uploaded file becomes a draft
 * with its validation report, which can be previewed and published, and the live version can be
 * rolled back. A GIS officer may only touch jurisdictions of the province on their account.
 * Publishing and rolling back re-route open cases in the same transaction, then rebuild the
 * in-memory district locator of report intake.
 */
export class BoundaryImportService {
  // Imports are heavy (PostGIS repairs, overlaps and gaps), so each API process runs one at a time.
  private importRunning = false;

  constructor(
    private readonly db: Knex,
    private readonly repositories: { review: BoundaryReviewRepository; audit: AuditRepository },
    private readonly enqueueOutbox: OutboxEnqueuer,
    private readonly locator: LiveDistrictLocatorHolder,
    /** Deadline lengths for the clocks of cases that a switch routes out of the unassigned queue. */
    private readonly deadlineSettings?: DeadlineSettings,
    /** Queues the delayed escalation checks of those clocks; without it the deadline sweeper finds them. */
    private readonly promptDeadlines?: DeadlinePrompter,
  ) {}

  /** Imports an upload as a draft and returns its report. The upload's files stay for the caller to remove. */
  async importUpload(
    officer: Officer,
    upload: BoundaryUpload,
    request: BoundaryImportRequest,
    address: string | null,
  ): Promise<BoundaryImportReport> {
    const main = mainFile(upload);
    if (this.importRunning) {
      throw new ApiError(
        503,
        'BOUNDARY_IMPORT_BUSY',
        'Another boundary import is running. Try again in a minute.',
      );
    }
    this.importRunning = true;
    let report: BoundaryImportReport;
    try {
      report = await importBoundaryFile(this.db, main.path, {
        createdBy: officer.username,
        sourceName: main.name,
        level: request.level,
        layer: request.layer,
        srid: request.srid,
        encoding: request.encoding,
        mapping: request.mapping,
        replace: request.replace,
      });
    } catch (error) {
      throw toBoundaryApiError(error, upload.directory);
    } finally {
      this.importRunning = false;
    }

    const changes = await this.repositories.review.listChanges(report.versionId, report.basedOnVersionId);
    const foreign = [
      ...foreignFeatures(officer, report),
      ...foreignChanges(officer, changes),
      ...(await this.spillOver(officer, report.versionId, changes)),
    ];
    if (foreign.length > 0) {
      await discardDraft(this.db, report.versionId);
      log.info(
        { versionId: report.versionId, accountId: officer.id, foreign: foreign.length },
        'draft outside the officer’s province discarded',
      );
      throw outsideProvinceError(officer, foreign, 'The file');
    }

    report.warnings = report.warnings.map((warning) => apiWording(warning, upload.directory));
    await this.repositories.audit.append({
      officer,
      action: 'boundary.import',
      address,
      details: { versionId: report.versionId, level: report.level, file: report.source.file },
    });
    log.info(
      { versionId: report.versionId, accountId: officer.id, stored: report.counts.stored },
      'boundary draft imported',
    );
    return report;
  }

  /** A version with its import report, for an officer allowed to see it. */
  async findImport(
    officer: Officer,
    versionId: number,
  ): Promise<{ version: BoundaryVersionSummary; report: BoundaryImportReport | null }> {
    const version = await this.accessibleVersion(officer, versionId);
    const report = await this.repositories.review.findImportReport(versionId);
    if (report) report.warnings = report.warnings.map((warning) => apiWording(warning));
    return { version, report };
  }

  /**
   * The version's jurisdictions of its imported level and the live ones of the same level, as GeoJSON
   * text, in the officer's province (for an administrator: the provinces the version changes).
   */
  async preview(officer: Officer, versionId: number): Promise<string> {
    const version = await this.accessibleVersion(officer, versionId);
    const live = await this.repositories.review.findLiveVersion();
    const level = version.level ?? 'district';
    const provinces = await this.previewProvinces(officer, version);
    const tolerance = 0.002;
    const draft = await this.repositories.review.previewText(
      version.id,
      level,
      provinces,
      live?.id ?? null,
      tolerance,
    );
    const liveText = live
      ? await this.repositories.review.previewText(live.id, level, provinces, live.id, tolerance)
      : '{"type":"FeatureCollection","features":[]}';
    return (
      `{"versionId":${version.id},"level":${JSON.stringify(level)},"liveVersionId":${live?.id ?? null},` +
      `"provinces":${JSON.stringify(provinces)},"draft":${draft},"live":${liveText}}`
    );
  }

  /** Deletes a draft that will not be published. */
  async discard(officer: Officer, versionId: number, address: string | null): Promise<void> {
    const version = await this.accessibleVersion(officer, versionId);
    if (version.status !== 'draft') {
      throw new ApiError(
        409,
        'BOUNDARY_VERSION_NOT_DRAFT',
        `Boundary version ${versionId} is ${version.status}, not a draft; only drafts can be discarded.`,
      );
    }
    try {
      await discardDraft(this.db, versionId);
    } catch (error) {
      throw toBoundaryApiError(error);
    }
    await this.repositories.audit.append({
      officer,
      action: 'boundary.discard',
      address,
      details: { versionId },
    });
    log.info({ versionId, accountId: officer.id }, 'boundary draft discarded');
  }

  /** Makes a draft live and re-routes the open cases it moves. */
  async publish(
    officer: Officer,
    versionId: number,
    options: { allowRemovals: boolean },
    address: string | null,
  ): Promise<BoundarySwitch> {
    const version = await this.repositories.review.findVersion(versionId);
    if (!version) throw notFoundError(versionId);
    if (version.status !== 'draft') {
      throw new ApiError(
        409,
        'BOUNDARY_VERSION_NOT_DRAFT',
        `Boundary version ${versionId} is ${version.status}, not a draft; only drafts can be published. Use the rollback to return to an earlier version.`,
      );
    }
    const live = await this.repositories.review.findLiveVersion();
    if (live && version.basedOnVersionId !== live.id) {
      throw new ApiError(
        409,
        'BOUNDARY_DRAFT_OUTDATED',
        `Draft ${versionId} was made from version ${version.basedOnVersionId ?? 'none'}, but version ${live.id} is live now; ` +
          'publishing it would undo the changes made since. Upload the file again to make a new draft.',
      );
    }
    await this.assertChangesAllowed(officer, versionId, live?.id ?? null, `Draft ${versionId}`);

    const switched = await this.switchVersion(officer, 'publish', (trx) =>
      publishInTransaction(trx, versionId, officer.username, { allowRemovals: options.allowRemovals }),
    );
    await this.repositories.audit.append({
      officer,
      action: 'boundary.publish',
      address,
      details: { versionId, retiredVersionId: switched.retiredVersionId, rerouted: switched.rerouted.length },
    });
    return switched;
  }

  /** Makes the previously live version live again and re-routes the open cases it moves. */
  async rollback(officer: Officer, address: string | null): Promise<BoundarySwitch> {
    const live = await this.repositories.review.findLiveVersion();
    if (!live) {
      throw new ApiError(
        409,
        'NOTHING_TO_ROLL_BACK',
        'No boundary version is live, so there is nothing to roll back.',
      );
    }
    if (live.basedOnVersionId !== null) {
      await this.assertChangesAllowed(
        officer,
        live.id,
        live.basedOnVersionId,
        `Rolling back version ${live.id}`,
      );
    } else if (officer.role !== 'administrator') {
      throw new ApiError(
        403,
        'BOUNDARY_OUTSIDE_PROVINCE',
        `Version ${live.id} was not imported on top of another version, so rolling it back may change every province; ask an administrator.`,
      );
    }

    const switched = await this.switchVersion(officer, 'rollback', (trx) =>
      rollbackInTransaction(trx, officer.username),
    );
    await this.repositories.audit.append({
      officer,
      action: 'boundary.rollback',
      address,
      details: {
        versionId: switched.versionId,
        retiredVersionId: switched.retiredVersionId,
        rerouted: switched.rerouted.length,
      },
    });
    return switched;
  }

  async listVersions(limit: number): Promise<BoundaryVersionSummary[]> {
    return this.repositories.review.listVersions(limit);
  }

  /**
   * Runs a publish or rollback and the re-routing of open cases in one transaction, then queues the
   * outbox and rebuilds the in-memory district locator for the new live version.
   */
  private async switchVersion(
    officer: Officer,
    action: 'publish' | 'rollback',
    change: (trx: Knex.Transaction) => Promise<PublishResult>,
  ): Promise<BoundarySwitch> {
    let result: { published: PublishResult; rerouted: ReroutedCase[] };
    try {
      result = await switchLiveVersion(this.db, change, {
        action,
        by: officer.username,
        deadlines: this.deadlineSettings,
      });
    } catch (error) {
      throw toBoundaryApiError(error);
    }
    const { published, rerouted } = result;
    log.info(
      {
        action,
        versionId: published.versionId,
        retiredVersionId: published.retiredVersionId,
        rerouted: rerouted.length,
        accountId: officer.id,
      },
      'live boundary version changed',
    );

    for (const item of rerouted) {
      // The outbox sweeper delivers the rows later if queueing fails, so the switch is kept.
      await this.enqueueOutbox(item.caseId, item.outboxIds).catch((error: Error) =>
        log.warn(
          { caseId: item.caseId, err: error.message },
          'could not queue re-routing alerts; the sweeper will',
        ),
      );
      if (item.startedClocks.length === 0 || !this.promptDeadlines) continue;
      const prompts = item.startedClocks.map(({ duty, dueAt }) => ({
        caseId: item.caseId,
        duty,
        level: 'RPO' as const,
        at: dueAt,
      }));
      await this.promptDeadlines(prompts).catch((error: Error) =>
        log.warn(
          { caseId: item.caseId, err: error.message },
          'could not queue the deadline prompts of a re-routed case; the sweeper will escalate',
        ),
      );
    }
    await this.refreshLocator(published.versionId);
    return {
      ...published,
      rerouted: rerouted.map(({ outboxIds: _outboxIds, startedClocks: _startedClocks, ...item }) => item),
    };
  }

  /** Rebuilds the in-memory locator until it serves `versionId` (a rebuild already running may still load the old one). */
  private async refreshLocator(versionId: number): Promise<void> {
    for (let attempt = 0; attempt < 2; attempt += 1) {
      await this.locator.reload();
      if (this.locator.current()?.versionId === versionId) return;
    }
    log.warn(
      { versionId },
      'the in-memory district locator did not load the new live version; intake geofences in PostGIS until it does',
    );
  }

  private async accessibleVersion(officer: Officer, versionId: number): Promise<BoundaryVersionSummary> {
    const version = await this.repositories.review.findVersion(versionId);
    if (!version) throw notFoundError(versionId);
    await this.assertChangesAllowed(
      officer,
      versionId,
      version.basedOnVersionId,
      `Boundary version ${versionId}`,
    );
    return version;
  }

  /**
   * Throws 403 BOUNDARY_OUTSIDE_PROVINCE unless a GIS officer's province contains every change of the
   * version and every feature of the file it was imported from.
   */
  private async assertChangesAllowed(
    officer: Officer,
    versionId: number,
    baseVersionId: number | null,
    what: string,
  ): Promise<void> {
    if (officer.role === 'administrator') return;
    const report = await this.repositories.review.findImportReport(versionId);
    const changes = await this.repositories.review.listChanges(versionId, baseVersionId);
    const foreign = [
      ...(report ? foreignFeatures(officer, report) : []),
      ...foreignChanges(officer, changes),
      ...(await this.spillOver(officer, versionId, changes)),
    ];
    if (foreign.length > 0) throw outsideProvinceError(officer, foreign, what);
  }

  /**
   * Lists, as changes, the jurisdictions a GIS officer adds or changes in their own province whose
   * polygons reach into another live province by more than SPILL_LIMITS. By code they are the
   * officer's, but once published they would take reports from the other province.
   */
  private async spillOver(
    officer: Officer,
    versionId: number,
    changes: JurisdictionChange[],
  ): Promise<JurisdictionChange[]> {
    if (officer.role === 'administrator' || !officer.jurisdictionCode) return [];
    const live = await this.repositories.review.findLiveVersion();
    if (!live || live.id === versionId) return [];
    const codes = changes
      .filter((item) => item.change !== 'removed' && item.provinceCode === officer.jurisdictionCode)
      .map((item) => item.code);
    const spilled = await this.repositories.review.listSpillOver(
      versionId,
      codes,
      live.id,
      officer.jurisdictionCode,
      SPILL_LIMITS,
    );
    return spilled.map((item) => ({
      level: item.level,
      code: item.code,
      change: 'extends',
      provinceCode: item.intoProvince,
      areaKm2: item.areaKm2,
    }));
  }

  private async previewProvinces(
    officer: Officer,
    version: BoundaryVersionSummary,
  ): Promise<string[] | null> {
    if (officer.role !== 'administrator') return officer.jurisdictionCode ? [officer.jurisdictionCode] : [];
    const changes = await this.repositories.review.listChanges(version.id, version.basedOnVersionId);
    const provinces = [
      ...new Set(changes.map((item) => item.provinceCode).filter((code): code is string => code !== null)),
    ];
    return provinces.length > 0 ? provinces.sort() : null;
  }
}

/** Picks the file to import: the only one, or the .shp among the loose parts of one shapefile. */
function mainFile(upload: BoundaryUpload): { path: string; name: string } {
  const [first, ...others] = upload.files;
  if (!first) {
    throw new ApiError(
      400,
      'BOUNDARY_FILE_MISSING',
      'file: send the boundary file in the multipart field "file".',
      'file',
    );
  }
  if (others.length === 0) return first;

  const stem = (name: string) => name.slice(0, name.length - extname(name).length).toLowerCase();
  const shp = upload.files.filter((file) => extname(file.name).toLowerCase() === '.shp');
  const parts = upload.files.every(
    (file) =>
      SHAPEFILE_PARTS.includes(extname(file.name).toLowerCase()) &&
      stem(file.name) === stem(shp[0]?.name ?? ''),
  );
  if (shp.length !== 1 || !parts) {
    throw new ApiError(
      400,
      'BOUNDARY_FILES_MISMATCH',
      `file: several files were sent (${upload.files.map((file) => file.name).join(', ')}); that is only allowed for ` +
        'the parts of one shapefile (.shp, .shx, .dbf, .prj, .cpg) with the same base name. Send other formats one at a time, or zip the shapefile.',
      'file',
    );
  }
  return shp[0] as { path: string; name: string };
}

/**
 * Lists as changes the provinces other than the officer's that contain features of the imported
 * file, and the features in no province. A file that repeats another province's boundaries
 * unchanged is listed too.
 */
function foreignFeatures(officer: Officer, report: BoundaryImportReport): JurisdictionChange[] {
  // Reports written before the importer recorded provinces have none; their changes are still checked.
  if (officer.role === 'administrator' || !report.provinces) return [];
  const foreign: JurisdictionChange[] = report.provinces.codes
    .filter((code) => code !== officer.jurisdictionCode)
    .map((code) => ({
      level: report.level,
      code: `${report.level} features`,
      change: 'imported',
      provinceCode: code,
    }));
  if (report.provinces.withoutProvince > 0) {
    foreign.push({
      level: report.level,
      code: `${report.provinces.withoutProvince} ${report.level} feature(s)`,
      change: 'imported',
      provinceCode: null,
    });
  }
  return foreign;
}

function foreignChanges(officer: Officer, changes: JurisdictionChange[]): JurisdictionChange[] {
  if (officer.role === 'administrator') return [];
  return changes.filter(
    (item) => item.provinceCode === null || item.provinceCode !== officer.jurisdictionCode,
  );
}

function outsideProvinceError(officer: Officer, foreign: JurisdictionChange[], what: string): ApiError {
  const listed = foreign.slice(0, 5).map(describeChange).join(', ');
  return new ApiError(
    403,
    'BOUNDARY_OUTSIDE_PROVINCE',
    `${what} changes ${foreign.length} jurisdiction${foreign.length === 1 ? '' : 's'} outside ${officer.jurisdictionCode ?? 'this account’s province'}: ` +
      `${listed}${foreign.length > 5 ? ', …' : ''}. A GIS officer may only change the boundaries of their own province.`,
  );
}

function describeChange(item: JurisdictionChange): string {
  const where = item.provinceCode ? `in ${item.provinceCode}` : 'in no province';
  if (item.change === 'imported') return `${item.code} ${where}`;
  if (item.change === 'extends') {
    return `${item.level} ${item.code} (${(item.areaKm2 ?? 0).toFixed(1)} km² of it in ${item.provinceCode})`;
  }
  return `${item.level} ${item.code} (${item.change}, ${where})`;
}

function notFoundError(versionId: number): ApiError {
  return new ApiError(404, 'BOUNDARY_VERSION_NOT_FOUND', `No boundary version has the id ${versionId}.`);
}
