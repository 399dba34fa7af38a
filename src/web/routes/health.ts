import { Router } from 'express';
import { allowMethods } from '../edge';
import { database } from '../../db/collections';

/** /healthz: the process answers. /readyz: the database answers too. */
export function healthRoutes(): Router {
  const router = Router({ caseSensitive: true });
  router.all('/healthz', allowMethods('GET'), (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.all('/readyz', allowMethods('GET'), async (_req, res) => {
    try {
      await database().command({ ping: 1 });
      res.json({ status: 'ready' });
    } catch {
      res.status(503).setHeader('Cache-Control', 'no-store').json({ status: 'unavailable', reason: 'database not reachable' });
    }
  });
  return router;
}
