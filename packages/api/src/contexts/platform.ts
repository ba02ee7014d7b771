import { createRoute } from '@hono/zod-openapi';
import { contextApp, type Deps } from '../http.ts';
import { HealthSchema, json } from '../schemas.ts';

const health = createRoute({
  method: 'get',
  path: '/health',
  tags: ['platform'],
  summary: 'Liveness, with whether the store is reachable',
  responses: {
    200: json(HealthSchema, 'Serving, store reachable'),
    503: json(HealthSchema, 'Serving, but the store is unreachable'),
  },
});

export function platformApp(deps: Deps) {
  const now = deps.now ?? (() => new Date());
  return contextApp(deps).openapi(health, async (c) => {
    const reachable = await deps.store.reachable();
    const body = { status: reachable ? ('ok' as const) : ('degraded' as const), store: reachable ? ('reachable' as const) : ('unreachable' as const), time: now().toISOString() };
    if (reachable) return c.json(body, 200);
    c.header('Retry-After', '5'); // as every other 503: a load balancer or client knows when to look again
    return c.json(body, 503);
  });
}
