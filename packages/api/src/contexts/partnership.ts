import { createRoute, z } from '@hono/zod-openapi';
import { NotFoundError } from '@placements/domain';
import { contextApp, type Deps } from '../http.ts';
import { errorResponses, json, pageOf, PageQuery, PartnershipSchema } from '../schemas.ts';

const PartnershipId = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{1,62}$/, { error: 'must be a partnership id such as se19 (lower-case letters, digits and hyphens)' })
  .openapi({ example: 'se19' });

const listPartnerships = createRoute({
  method: 'get',
  path: '/partnerships',
  tags: ['partnership'],
  summary: 'Regional partnerships and their member LAs',
  request: { query: z.strictObject({ ...PageQuery }) },
  responses: { 200: json(pageOf(PartnershipSchema, 'PartnershipPage'), 'A page of partnerships'), ...errorResponses },
});

const getPartnership = createRoute({
  method: 'get',
  path: '/partnerships/{id}',
  tags: ['partnership'],
  summary: 'One partnership with its members',
  request: { params: z.object({ id: PartnershipId }) },
  responses: { 200: json(PartnershipSchema, 'The partnership'), ...errorResponses },
});

/** Regional partnerships: membership now, sufficiency and block commissioning to come. */
export function partnershipApp(deps: Deps) {
  return contextApp(deps)
    .openapi(listPartnerships, async (c) => {
      const { limit, cursor } = c.req.valid('query');
      return c.json(await deps.store.reference.listPartnerships(limit, cursor), 200);
    })
    .openapi(getPartnership, async (c) => {
      const { id } = c.req.valid('param');
      const p = await deps.store.reference.getPartnership(id);
      if (p === undefined) throw new NotFoundError(`No partnership has the id ${id}.`);
      return c.json(p, 200);
    });
}
