import type { BoundaryImportReport } from './import-report.js';

const SHOWN = 10;

/** Formats an import report for a terminal: the summary first, then each list's first entries. */
export function formatImportReport(report: BoundaryImportReport): string {
  const lines: string[] = [];
  const { source, counts, mapping } = report;
  const field = (name: string | undefined) => name ?? '(none)';

  lines.push(
    `${source.file}: layer "${source.layer}" (${source.format}), coordinates in ${source.crs} (${source.crsOrigin})`,
  );
  lines.push(
    `Boundary version ${report.versionId}: ${report.status}, level ${report.level}` +
      (report.basedOnVersionId === null
        ? ''
        : `, other levels and provinces copied from version ${report.basedOnVersionId}`),
  );
  lines.push(
    `Attributes: code ${field(mapping.code)}, name ${field(mapping.name)}, Urdu name ${field(mapping.nameUr)}, ` +
      `parent ${field(mapping.parent)}, population ${field(mapping.population)}, ` +
      `population year ${field(mapping.populationYear)}`,
  );
  lines.push(
    `Features: ${counts.read} read, ${counts.stored} stored, ${counts.rejected} rejected, ${counts.repaired} repaired, ` +
      `${counts.merged} merged into a feature with the same code, ${counts.withoutParent} without parent`,
  );
  const scope =
    report.scope.level === 'all' || report.scope.level === 'same-code'
      ? report.scope.level === 'all'
        ? 'everywhere'
        : 'where the file brings the same code'
      : `in ${report.scope.level} ${report.scope.codes.join(', ') || '(none)'}`;
  lines.push(
    `Replaced ${counts.replaced} ${report.level} jurisdictions ${scope}; ${counts.pieces} lookup pieces.`,
  );

  section(
    lines,
    'Rejected',
    report.rejected,
    counts.rejected,
    (item) => `#${item.index}: ${item.reason} ${JSON.stringify(item.properties)}`,
  );
  section(
    lines,
    'Repaired',
    report.repaired,
    counts.repaired,
    (item) => `#${item.index} ${item.code} ${item.name}: ${item.reason}`,
  );
  section(
    lines,
    'Merged',
    report.merged,
    report.merged.length,
    (item) => `${item.code}: features ${item.indexes.join(', ')} (${item.names.join(' / ')})`,
  );
  section(
    lines,
    'Without parent (publishing is refused until they have one)',
    report.withoutParent,
    counts.withoutParent,
    (item) =>
      `#${item.index} ${item.code} ${item.name}${item.parentValue ? ` (parent attribute "${item.parentValue}")` : ''}`,
  );
  section(
    lines,
    'Parent attribute matched nothing; parent found by location',
    report.parentFoundByLocation,
    report.parentFoundByLocation.length,
    (item) => `#${item.index} ${item.name}: "${item.parentValue}" → ${item.parentCode}`,
  );
  section(
    lines,
    'Children left without parent',
    report.childrenWithoutParent,
    report.childrenWithoutParent.length,
    (item) => `${item.level} ${item.code} ${item.name}`,
  );
  section(
    lines,
    'Codes removed',
    report.codeChanges.removed,
    report.codeChanges.removed.length,
    (code) => code,
  );
  section(lines, 'Codes added', report.codeChanges.added, report.codeChanges.added.length, (code) => code);

  lines.push(
    `Overlaps of at least ${report.overlaps.minAreaKm2} km²: ${report.overlaps.count}, ${report.overlaps.totalKm2} km² in all`,
  );
  for (const item of report.overlaps.items.slice(0, SHOWN)) {
    lines.push(
      `  ${item.a.code} ${item.a.name} × ${item.b.code} ${item.b.name}: ${item.areaKm2} km² at ${item.point.join(', ')}`,
    );
  }
  lines.push(
    `Gaps inside a parent of at least ${report.gaps.minAreaKm2} km²: ${report.gaps.count}, ${report.gaps.totalKm2} km² in all`,
  );
  for (const item of report.gaps.items.slice(0, SHOWN)) {
    lines.push(
      `  in ${item.parent.code} ${item.parent.name}: ${item.areaKm2} km² at ${item.point.join(', ')}`,
    );
  }
  for (const warning of report.warnings) lines.push(`Note: ${warning}`);

  lines.push(
    report.status === 'live'
      ? `Version ${report.versionId} is live.`
      : `Nothing routes to the draft yet. Publish it with: npm run import -- --publish-draft ${report.versionId}`,
  );
  return lines.join('\n');
}

function section<T>(
  lines: string[],
  title: string,
  items: T[],
  total: number,
  format: (item: T) => string,
): void {
  if (total === 0) return;
  lines.push(`${title}: ${total}`);
  for (const item of items.slice(0, SHOWN)) lines.push(`  ${format(item)}`);
  if (total > SHOWN) lines.push(`  … and ${total - SHOWN} more (all in the stored report)`);
}
