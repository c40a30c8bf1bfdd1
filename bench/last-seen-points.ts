// Last-seen points for the reports that the intake benchmarks generate. Real reports come from
// inside Pakistan, and only a few lie outside every district (a point at sea, or a typo). Points
// drawn at random from a box around the country fell outside in about half the reports, because the
// box also covers Afghanistan, Iran, India and the Arabian Sea.
import type { Knex } from 'knex';

export interface LastSeenPoint {
  lat: number;
  lon: number;
}

/**
 * Draws `count` points: `outsideShare` of them in the box around Pakistan but outside every live
 * district, the rest inside the live districts, spread in proportion to each district's area.
 */
export async function loadLastSeenPoints(
  db: Knex,
  count = 20_000,
  outsideShare = 0.01,
): Promise<LastSeenPoint[]> {
  const outside = Math.round(count * outsideShare);
  const inside = await db.raw<{ rows: LastSeenPoint[] }>(
    `WITH live_districts AS (
       SELECT j.geom, ST_Area(j.geom::geography) / sum(ST_Area(j.geom::geography)) OVER () AS share
       FROM jurisdictions j JOIN boundary_versions v ON v.id = j.version_id
       WHERE v.status = 'live' AND j.level = 'district'
     )
     SELECT ST_Y(point.geom) AS lat, ST_X(point.geom) AS lon
     FROM live_districts,
          LATERAL ST_Dump(ST_GeneratePoints(geom, greatest(1, round(? * share))::int)) AS point`,
    [count - outside],
  );
  const beyond = await db.raw<{ rows: LastSeenPoint[] }>(
    `WITH candidates AS (
       SELECT ST_SetSRID(ST_MakePoint(61.5 + random() * 14, 24.5 + random() * 11), 4326) AS geom
       FROM generate_series(1, ? * 4)
     )
     SELECT ST_Y(c.geom) AS lat, ST_X(c.geom) AS lon
     FROM candidates c
     WHERE NOT EXISTS (
       SELECT 1 FROM jurisdictions j JOIN boundary_versions v ON v.id = j.version_id
       WHERE v.status = 'live' AND j.level = 'district' AND ST_Intersects(j.geom, c.geom)
     )
     LIMIT ?`,
    [outside, outside],
  );
  if (inside.rows.length === 0)
    throw new Error('the benchmark database has no live districts to draw points in');
  return [...inside.rows, ...beyond.rows];
}

/** Returns a function that makes a report body at a random one of `points`, as the benchmarks send it. */
export function reportBodyMaker(points: LastSeenPoint[]): () => string {
  return () => {
    const point = points[Math.floor(Math.random() * points.length)] as LastSeenPoint;
    return JSON.stringify({
      child: {
        name: 'Bench Child',
        age: 1 + Math.floor(Math.random() * 16),
        sex: 'female',
        description: 'bench',
      },
      lastSeen: { lat: point.lat, lon: point.lon, at: new Date(Date.now() - 3_600_000).toISOString() },
      reporter: { name: 'Bench Reporter', phone: '+923001234567' },
    });
  };
}
