import type { AttributeMapping } from './attribute-mapping.js';
import type { AreaSummary, Gap, Overlap } from './boundary-validation-repository.js';
import type { ImportLevel } from './import-levels.js';
import type { LayerInfo, SourceFormat } from './readers/source.js';

/** Most entries kept in each list of a report; the counts always cover everything. */
export const REPORT_LIST_LIMIT = 1000;

/** The validation report of one import, stored in boundary_versions.import_report. */
export interface BoundaryImportReport {
  versionId: number;
  status: 'draft' | 'live';
  level: ImportLevel;
  source: {
    file: string;
    sha256: string;
    format: SourceFormat;
    layer: string;
    layers: LayerInfo[];
    /** The CRS the coordinates were read in, e.g. "EPSG:32642" or the WKT name. */
    crs: string;
    /** How that CRS was decided: declared by the file, given with --srid, or inferred from the coordinates. */
    crsOrigin: string;
  };
  /** The live version the draft started from (its other jurisdictions are kept), or null. */
  basedOnVersionId: number | null;
  mapping: AttributeMapping & { proposed: AttributeMapping };
  /** Attribute names of the layer in the order first seen, the choices for the mapping. */
  attributes: string[];
  /**
   * Units (provinces, or districts for a station import) whose jurisdictions of `level` were replaced;
   * `all` for a province import, `same-code` when only jurisdictions with the imported codes were.
   */
  scope: { level: ImportLevel | 'all' | 'same-code'; codes: string[] };
  /**
   * Provinces that contain the file's features (for a province import, the provinces it brings), and
   * how many features lie in none. The API checks them against a GIS officer's province.
   */
  provinces: { codes: string[]; withoutProvince: number };
  counts: {
    read: number;
    stored: number;
    rejected: number;
    repaired: number;
    /** Features folded into another feature with the same code. */
    merged: number;
    withoutParent: number;
    /** Jurisdictions of the base version that the import replaced. */
    replaced: number;
    pieces: number;
  };
  rejected: { index: number; reason: string; properties: object }[];
  repaired: { index: number; code: string; name: string; reason: string }[];
  merged: { code: string; indexes: number[]; names: string[] }[];
  /** Stored without a parent: a draft with any of these cannot be published. */
  withoutParent: { index: number; code: string; name: string; parentValue: string | null }[];
  /** Features whose parent attribute matched no jurisdiction, placed by location instead. */
  parentFoundByLocation: { index: number; name: string; parentValue: string; parentCode: string }[];
  /** Jurisdictions of the level below whose parent was replaced and that no new jurisdiction contains. */
  childrenWithoutParent: { level: string; code: string; name: string }[];
  /** Codes the import removed that it did not bring back, and codes it added. */
  codeChanges: { removed: string[]; added: string[] };
  overlaps: AreaSummary<Overlap>;
  gaps: AreaSummary<Gap>;
  warnings: string[];
  /** Seconds spent in each phase. */
  timings: Record<string, number>;
}
