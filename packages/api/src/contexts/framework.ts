import { createRoute, z } from '@hono/zod-openapi';
import { frameworkInForce, NotFoundError, ValidationError } from '@placements/domain';
import { contextApp, type Deps } from '../http.ts';
import { errorResponses, FrameworkSchema, GssCode, json, LocalAuthoritySchema, pageOf, PageQuery } from '../schemas.ts';

const IsoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, { error: 'must be a date as YYYY-MM-DD' });

const getBands = createRoute({
  method: 'get',
  path: '/bands',
  tags: ['framework'],
  summary: 'The national framework in force: bands and tariffs',
  request: {
    query: z
      .strictObject({
        on: IsoDate.optional().openapi({ description: 'Show the framework in force on this date instead of today.' }),
      }),
  },
  responses: { 200: json(FrameworkSchema, 'The framework in force'), ...errorResponses },
});

const listLas = createRoute({
  method: 'get',
  path: '/las',
  tags: ['reference'],
  summary: 'Local authorities, in GSS code order',
  request: { query: z.strictObject({ ...PageQuery }) },
  responses: { 200: json(pageOf(LocalAuthoritySchema, 'LocalAuthorityPage'), 'A page of LAs'), ...errorResponses },
});

const getLa = createRoute({
  method: 'get',
  path: '/las/{gssCode}',
  tags: ['reference'],
  summary: 'One local authority',
  request: { params: z.object({ gssCode: GssCode }) },
  responses: { 200: json(LocalAuthoritySchema, 'The LA'), ...errorResponses },
});

/** The national framework and national reference data (LAs). */
export function frameworkApp(deps: Deps) {
  const now = deps.now ?? (() => new Date());
  return contextApp(deps)
    .openapi(getBands, async (c) => {
      const { on } = c.req.valid('query');
      const date = on ?? now().toISOString().slice(0, 10);
      const inForce = frameworkInForce(await deps.store.reference.listFrameworks(), date);
      if (inForce === undefined) {
        throw new ValidationError([{ field: 'on', message: `no framework was in force on ${date}; the first took effect later` }]);
      }
      return c.json(inForce, 200);
    })
    .openapi(listLas, async (c) => {
      const { limit, cursor } = c.req.valid('query');
      return c.json(await deps.store.reference.listLas(limit, cursor), 200);
    })
    .openapi(getLa, async (c) => {
      const { gssCode } = c.req.valid('param');
      const la = await deps.store.reference.getLa(gssCode);
      if (la === undefined) throw new NotFoundError(`No local authority has the GSS code ${gssCode}.`);
      return c.json(la, 200);
    });
}
