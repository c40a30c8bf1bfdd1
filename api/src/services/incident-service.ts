import { createHash } from 'node:crypto';
import type { Knex } from 'knex';
import type { IncidentDraft, RecordedIncidentInput } from '../analysis/incident-fields.js';
import { type IncidentFileFormat, type RowProblem, readIncidentFile } from '../analysis/incident-file.js';
import type { Officer } from '../auth/roles.js';
import { ApiError } from '../errors.js';
import { createLogger } from '../logger.js';
import type { AuditRepository } from '../repositories/audit-repository.js';
import type { IncidentRepository, StoredIncident } from '../repositories/incident-repository.js';
import { canAccess } from './jurisdiction-access.js';

const log = createLogger('IncidentService');

export interface ImportOptions {
  fileName: string;
  format: IncidentFileFormat;
  /** Load the valid rows and list the invalid ones, instead of loading nothing when a row is invalid. */
  skipInvalid: boolean;
  importedBy: string;
}

export interface ImportResult {
  importId: string | null;
  rowCount: number;
  loaded: number;
  invalid: RowProblem[];
}

/** Records abuse incidents and bulk-loads historical ones, checking each before anything is stored. */
export class IncidentService {
  constructor(
    private readonly db: Knex,
    private readonly repositories: { incidents: IncidentRepository; audit: AuditRepository },
  ) {}

  /** Stores one abuse incident that an officer recorded in their own jurisdiction. */
  async record(
    officer: Officer,
    input: RecordedIncidentInput,
    address: string | null,
  ): Promise<{ id: string; district: string }> {
    const draft: IncidentDraft = {
      type: 'abuse',
      category: input.category,
      occurredAt: new Date(input.occurredAt),
      lat: input.place.lat,
      lon: input.place.lon,
      ageBand: input.ageBand,
      sex: input.sex,
    };
    if (draft.occurredAt.getTime() > Date.now())
      throw new ApiError(400, 'INVALID_INCIDENT', 'occurredAt: must not be in the future', 'occurredAt');

    const [codes] = await this.repositories.incidents.locateMany([draft]);
    if (!codes) {
      throw new ApiError(
        400,
        'OUTSIDE_JURISDICTION',
        'place: the point lies outside every district; check that lat and lon are not swapped',
        'place',
      );
    }
    const path = { district: codes.districtCode, region: codes.regionCode, province: codes.provinceCode };
    if (!canAccess(officer, path)) {
      throw new ApiError(
        403,
        'FORBIDDEN',
        `The place lies in ${codes.districtCode}, outside the jurisdiction of this account (${officer.role} ${officer.jurisdictionCode ?? 'national'}).`,
      );
    }

    const id = await this.db.transaction(async (trx) => {
      const [stored] = await this.repositories.incidents.insertMany(trx, [{ ...draft, ...codes }], {
        source: 'officer',
        recordedBy: officer.id,
      });
      await this.repositories.audit.append(
        {
          officer,
          action: 'incident.record',
          address,
          details: { incidentId: stored, district: codes.districtCode },
        },
        trx,
      );
      return stored as string;
    });
    log.info({ incidentId: id, district: codes.districtCode }, 'abuse incident recorded');
    return { id, district: codes.districtCode };
  }

  /**
   * Checks every row of a historical file and loads it in one transaction. Without skipInvalid one
   * invalid row means nothing is loaded and the result lists every invalid row. A point outside
   * every district whose swapped coordinates fall inside one is reported as a swap.
   */
  async importFile(
    content: string,
    options: ImportOptions,
    officer: Officer | null,
    address: string | null,
  ): Promise<ImportResult> {
    const read = readIncidentFile(content, options.format);
    const invalid = [...read.invalid];

    const codes = await this.repositories.incidents.locateMany(read.drafts.map(({ draft }) => draft));
    const outside = read.drafts.filter((_, index) => codes[index] === null);
    const swappedCodes = await this.repositories.incidents.locateMany(
      outside.map(({ draft }) => ({ lat: draft.lon, lon: draft.lat })),
    );
    outside.forEach(({ row, draft }, index) => {
      invalid.push(
        swappedCodes[index]
          ? {
              row,
              swapped: true,
              problems: [
                `lat ${draft.lat} and lon ${draft.lon} lie outside Pakistan but inside it when swapped; swap the two values`,
              ],
            }
          : { row, problems: [`lat ${draft.lat}, lon ${draft.lon} lies outside every district`] },
      );
    });
    invalid.sort((left, right) => left.row - right.row);

    const loadable: StoredIncident[] = [];
    read.drafts.forEach(({ draft }, index) => {
      const found = codes[index];
      if (found) loadable.push({ ...draft, ...found });
    });

    if (invalid.length > 0 && !options.skipInvalid) {
      log.warn(
        { file: options.fileName, rows: read.rowCount, invalid: invalid.length },
        'incident import rejected',
      );
      return { importId: null, rowCount: read.rowCount, loaded: 0, invalid };
    }

    const fileSha256 = createHash('sha256').update(content).digest('hex');
    const importId = await this.db.transaction(async (trx) => {
      const id = await this.repositories.incidents.createImport(
        trx,
        {
          fileName: options.fileName,
          fileSha256,
          format: options.format,
          importedBy: options.importedBy,
          rowCount: read.rowCount,
          skippedRows: invalid,
        },
        loadable.length,
      );
      await this.repositories.incidents.insertMany(trx, loadable, { source: 'import', importId: id });
      await this.repositories.audit.append(
        {
          officer,
          action: 'incidents.import',
          address,
          details: { importId: id, rows: read.rowCount, loaded: loadable.length, skipped: invalid.length },
        },
        trx,
      );
      return id;
    });
    log.info(
      { importId, rows: read.rowCount, loaded: loadable.length, skipped: invalid.length },
      'incidents imported',
    );
    return { importId, rowCount: read.rowCount, loaded: loadable.length, invalid };
  }
}
