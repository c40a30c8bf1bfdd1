import { Router } from 'express';
import type { Redis } from 'ioredis';
import type { Knex } from 'knex';

/** GET /api/health: 200 when PostgreSQL and Redis both answer, 503 naming the one that does not. */
export function healthRoutes(db: Knex, redis: Redis): Router {
  const router = Router();
  router.get('/health', async (_request, response) => {
    const [database, cache] = await Promise.all([
      db.raw('SELECT 1').then(
        () => 'ok',
        () => 'unreachable',
      ),
      redis.ping().then(
        (answer) => (answer === 'PONG' ? 'ok' : 'unreachable'),
        () => 'unreachable',
      ),
    ]);
    const healthy = database === 'ok' && cache === 'ok';
    response
      .status(healthy ? 200 : 503)
      .json({ status: healthy ? 'ok' : 'degraded', database, redis: cache });
  });
  return router;
}
