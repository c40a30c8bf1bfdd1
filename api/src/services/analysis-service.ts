import type { AnalysisFilter } from '../analysis/analysis-filter.js';
import { classifyHotspots, type HotspotCell, hexagonNeighbours } from '../analysis/getis-ord.js';
import { kernelDensity } from '../analysis/kernel-density.js';
import { type KnoxResult, knoxTest } from '../analysis/knox-test.js';
import {
  clusterMethod,
  complianceMethod,
  densityMethod,
  hotspotMethod,
  knoxMethod,
  type MethodText,
  rateMethod,
  recoveryMethod,
  trendMethod,
} from '../analysis/method-texts.js';
import { ApiError } from '../errors.js';
import { createLogger } from '../logger.js';
import type { AnalysisRepository } from '../repositories/analysis-repository.js';
import {
  type CaseTimingRepository,
  CONTACT_DEADLINE_HOURS,
  FIR_DEADLINE_HOURS,
} from '../repositories/case-timing-repository.js';

const log = createLogger('AnalysisService');

/** Maximum number of incidents the Knox test reads, because its pairs grow with the square of the count. */
export const KNOX_MAX_POINTS = 20_000;
/** Maximum number of cells of a kernel density grid. */
export const DENSITY_MAX_CELLS = 250_000;

export interface HotspotGrid {
  cellSize: number;
  cells: ({ i: number; j: number; count: number; geometry: string } & HotspotCell)[];
  method: MethodText;
}

const DAY_MS = 86_400_000;

/** The statistics of the analysts' map. Each result carries the explanation of its method. */
export class AnalysisService {
  // Grids by live boundary version and cell size: generating and clipping one takes about a second
  // for 10 km cells. A new live version gets new grids, and the old ones are dropped.
  private readonly grids = new Map<string, Promise<{ i: number; j: number; geometry: string }[]>>();

  constructor(
    private readonly repositories: { analysis: AnalysisRepository; caseTiming: CaseTimingRepository },
  ) {}

  private async hexagonCells(cellSize: number): Promise<{ i: number; j: number; geometry: string }[]> {
    const versionId = await this.repositories.analysis.liveBoundaryVersionId();
    const key = `${versionId}:${cellSize}`;
    let cells = this.grids.get(key);
    if (!cells) {
      for (const cached of this.grids.keys()) {
        if (!cached.startsWith(`${versionId}:`)) this.grids.delete(cached);
      }
      cells = this.repositories.analysis.hexagonCells(cellSize);
      cells.catch(() => this.grids.delete(key));
      this.grids.set(key, cells);
    }
    return cells;
  }

  /** Computes Getis-Ord Gi* hotspots on the hexagon grid of `cellSize` metres over every live district. */
  async hotspots(filter: AnalysisFilter, cellSize: number): Promise<HotspotGrid> {
    const [cells, counts] = await Promise.all([
      this.hexagonCells(cellSize),
      this.repositories.analysis.hexagonCounts(cellSize, filter),
    ]);
    const countOf = new Map(counts.map((cell) => [`${cell.i}:${cell.j}`, cell.count]));
    const values = cells.map((cell) => countOf.get(`${cell.i}:${cell.j}`) ?? 0);
    const classified = classifyHotspots(values, hexagonNeighbours(cells));
    log.info({ cellSize, cells: cells.length }, 'hotspots computed');
    return {
      cellSize,
      cells: cells.map((cell, index) => ({
        ...cell,
        count: values[index] as number,
        ...(classified[index] as HotspotCell),
      })),
      method: hotspotMethod(cellSize, cells.length),
    };
  }

  /** Computes the quartic kernel density over the filtered incidents' extent, padded by the bandwidth. */
  async density(filter: AnalysisFilter, bandwidth: number, cellSize: number) {
    const points = await this.repositories.analysis.weightedPoints(cellSize / 10, filter);
    const method = densityMethod(bandwidth, cellSize);
    if (points.length === 0) return { bandwidth, cellSize, cells: [], method };

    const xs = points.map((point) => point.x);
    const ys = points.map((point) => point.y);
    const originX = Math.floor((Math.min(...xs) - bandwidth) / cellSize) * cellSize + cellSize / 2;
    const originY = Math.floor((Math.min(...ys) - bandwidth) / cellSize) * cellSize + cellSize / 2;
    const columns = Math.ceil((Math.max(...xs) + bandwidth - originX) / cellSize) + 1;
    const rows = Math.ceil((Math.max(...ys) + bandwidth - originY) / cellSize) + 1;
    if (columns * rows > DENSITY_MAX_CELLS) {
      throw new ApiError(
        400,
        'DENSITY_GRID_TOO_LARGE',
        `cellSize: ${columns * rows} cells would be needed, more than ${DENSITY_MAX_CELLS}; use larger cells or a narrower filter`,
        'cellSize',
      );
    }
    const grid = kernelDensity(points, { originX, originY, cellSize, columns, rows }, bandwidth);
    const cells: { x: number; y: number; density: number }[] = [];
    grid.density.forEach((value, index) => {
      if (value <= 0) return;
      cells.push({
        x: originX + (index % columns) * cellSize,
        y: originY + Math.floor(index / columns) * cellSize,
        density: value,
      });
    });
    const centres = await this.repositories.analysis.unproject(cells);
    return {
      bandwidth,
      cellSize,
      cells: cells.map((cell, index) => ({
        ...(centres[index] as { lon: number; lat: number }),
        density: cell.density,
      })),
      method,
    };
  }

  /** Runs the Knox near-repeat test on at most KNOX_MAX_POINTS filtered incidents. */
  async knox(
    filter: AnalysisFilter,
    options: { distance: number; days: number; permutations: number; seed: number },
  ): Promise<KnoxResult & { method: MethodText }> {
    const points = await this.repositories.analysis.spaceTimePoints(filter, KNOX_MAX_POINTS + 1);
    if (points.length > KNOX_MAX_POINTS) {
      throw new ApiError(
        400,
        'TOO_MANY_INCIDENTS',
        `The filter matches more than ${KNOX_MAX_POINTS} incidents; narrow the time window or the categories for the Knox test`,
        'from',
      );
    }
    const result = knoxTest(points, {
      distance: options.distance,
      window: options.days * DAY_MS,
      permutations: options.permutations,
      seed: options.seed,
    });
    return {
      ...result,
      method: knoxMethod(options.distance, options.days, options.permutations, options.seed),
    };
  }

  async clusters(filter: AnalysisFilter, options: { distance: number; days: number; minPoints: number }) {
    const clusters = await this.repositories.analysis.spaceTimeClusters(filter, options);
    return { ...options, clusters, method: clusterMethod(options.distance, options.days, options.minPoints) };
  }

  /** Counts the incidents by month (every month from the first to the last, zeros included), weekday and hour. */
  async trends(filter: AnalysisFilter) {
    const trends = await this.repositories.analysis.trends(filter);
    const byMonth = new Map(trends.months.map((row) => [row.month, row.count]));
    const keys = [...byMonth.keys()].sort();
    const months: { month: string; count: number }[] = [];
    if (keys.length > 0) {
      let [year, month] = (keys[0] as string).split('-').map(Number) as [number, number];
      const last = keys[keys.length - 1] as string;
      for (;;) {
        const key = `${year}-${String(month).padStart(2, '0')}`;
        months.push({ month: key, count: byMonth.get(key) ?? 0 });
        if (key === last) break;
        month += 1;
        if (month > 12) {
          month = 1;
          year += 1;
        }
      }
    }
    const days = Array.from({ length: 7 }, (_, index) => ({
      day: index + 1,
      count: trends.daysOfWeek.find((row) => row.day === index + 1)?.count ?? 0,
    }));
    const hours = Array.from({ length: 24 }, (_, hour) => ({
      hour,
      count: trends.hours.find((row) => row.hour === hour)?.count ?? 0,
    }));
    return { months, daysOfWeek: days, hours, method: trendMethod() };
  }

  /**
   * Incidents per district and per month, and a rate per district: per 100,000 residents where the
   * district's boundary import brought a population, per 1,000 km² of its area otherwise. `rateBasis`
   * names the basis. The months are those of the filter's time window, or from the first to the last
   * filtered incident when the window is open.
   */
  async rates(filter: AnalysisFilter) {
    const { from, to } = filter;
    const window = from && to ? (to.getTime() - from.getTime()) / ((DAY_MS * 365.25) / 12) : null;
    const [districts, trends] = await Promise.all([
      this.repositories.analysis.districtCounts(filter),
      window === null ? this.trends(filter) : Promise.resolve(null),
    ]);
    const months = Math.max(1, window ?? trends?.months.length ?? 1);
    const rows = districts.map((district) => {
      const per1000Km2 = (district.count / district.areaKm2) * 1000;
      const per100kResidents =
        district.population === null ? null : (district.count / district.population) * 100_000;
      return {
        ...district,
        rateBasis: per100kResidents === null ? ('area' as const) : ('population' as const),
        rate: per100kResidents ?? per1000Km2,
        per100kResidents,
        per1000Km2,
        perMonth: district.count / months,
      };
    });
    const withPopulation = rows.filter((row) => row.rateBasis === 'population');
    const years = [...new Set(withPopulation.flatMap((row) => row.populationYear ?? []))].sort();
    return {
      months,
      districts: rows,
      method: rateMethod(Math.round(months * 10) / 10, {
        withPopulation: withPopulation.length,
        withoutPopulation: rows.length - withPopulation.length,
        years,
      }),
    };
  }

  async recovery(filter: AnalysisFilter) {
    return { districts: await this.repositories.caseTiming.recoveryTimes(filter), method: recoveryMethod() };
  }

  async compliance(filter: AnalysisFilter) {
    return {
      firDeadlineHours: FIR_DEADLINE_HOURS,
      contactDeadlineHours: CONTACT_DEADLINE_HOURS,
      districts: await this.repositories.caseTiming.deadlineCompliance(filter),
      method: complianceMethod(FIR_DEADLINE_HOURS, CONTACT_DEADLINE_HOURS),
    };
  }
}
