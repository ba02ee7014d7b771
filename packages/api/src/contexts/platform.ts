import * as z from 'zod/mini';
import { createRoute, lazySchema } from '../openapi.ts';
import { contextApp, type Deps } from '../http.ts';
import { json } from '../schemas.ts';

const HealthSchema = lazySchema(() =>
  z
    .object({ status: z.enum(['ok', 'degraded']), store: z.enum(['reachable', 'unreachable']), time: z.string() })
    .check(z.meta({ id: 'Health' })),
);

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
    const body = {
      status: reachable ? ('ok' as const) : ('degraded' as const),
      store: reachable ? ('reachable' as const) : ('unreachable' as const),
      time: now().toISOString(),
    };
    if (reachable) return c.json(body, 200);
    c.header('Retry-After', '5'); // as every other 503: a load balancer or client knows when to look again
    return c.json(body, 503);
  });
}
