import { Router } from 'express';
import { allowMethods } from '../edge';
import type { Store } from '../../db/store';

/** /healthz: the process answers. /readyz: the database answers too. */
export function healthRoutes(store: Pick<Store, 'ping'>): Router {
  const router = Router({ caseSensitive: true });
  router.all('/healthz', allowMethods('GET'), (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.all('/readyz', allowMethods('GET'), async (_req, res) => {
    try {
      await store.ping();
      res.json({ status: 'ready' });
    } catch {
      res.status(503).setHeader('Cache-Control', 'no-store').json({ status: 'unavailable', reason: 'database not reachable' });
    }
  });
  return router;
}
