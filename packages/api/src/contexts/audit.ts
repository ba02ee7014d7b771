import * as z from 'zod/mini';
import { createRoute, lazySchema } from '../openapi.ts';
import { ForbiddenError, parseListingEntity, ValidationError } from '@placements/domain';
import { caseEntity } from '@placements/store';
import { ownCase } from '../services/cases.ts';
import { requireRole } from '../auth.ts';
import { contextApp, type Deps } from '../http.ts';
import { errorResponses, json, pageOf, PageQuery } from '../schemas.ts';
import { ownedSetting } from '../services/capacity.ts';

const AuditEventSchema = lazySchema(() =>
  z
    .object({
      eventId: z.string(),
      entity: z.string().check(z.meta({ example: 'listing:900001:s2-day' })),
      action: z.string().check(z.meta({ example: 'listing.replaced' })),
      actor: z.object({ sub: z.string(), role: z.string(), org: z.string() }),
      at: z.string(),
      before: z.optional(z.unknown()),
      after: z.optional(z.unknown()),
    })
    .check(z.meta({ id: 'AuditEvent' })),
);

const listAudit = createRoute({
  method: 'get',
  path: '/audit',
  tags: ['audit'],
  summary: "An entity's immutable change history, oldest first (its owner only)",
  security: [{ bearerAuth: [] }],
  request: {
    query: z.strictObject({
      entity: z
        .string({ error: 'is required: the entity, such as listing:900001:s2-day' })
        .check(z.meta({ example: 'listing:900001:s2-day' })),
      ...PageQuery,
    }),
  },
  responses: { 200: json(pageOf(AuditEventSchema, 'AuditEventPage'), 'A page of events'), ...errorResponses },
});

/** The audit log: every capacity change (and, later, every case state change) with who, when, before and after. */
export function auditApp(deps: Deps) {
  return contextApp(deps).openapi(listAudit, async (c) => {
    const principal = requireRole(c.get('principal'), ['provider', 'la']);
    const { entity, limit, cursor } = c.req.valid('query');
    const caseRef = /^case:([0-9a-f-]{36})$/.exec(entity);
    if (caseRef !== null) {
      // A case's history, for its own LA: the LA part of the key comes from the token.
      if (principal.role !== 'la') throw new ForbiddenError('A case’s history is for the LA that owns it.');
      const kase = await ownCase(deps, principal, caseRef[1]!);
      return c.json(await deps.store.listings.auditEvents(caseEntity(kase.laCode, kase.id), limit, cursor), 200);
    }
    const listing = parseListingEntity(entity);
    if (listing === undefined) {
      throw new ValidationError([
        {
          field: 'entity',
          message: 'must name an entity as listing:<urn>:<listingId> (such as listing:900001:s2-day) or case:<case id>',
        },
      ]);
    }
    // The owner of a listing's history is the provider that owns its setting.
    await ownedSetting(deps, principal, listing.urn, "read its listings' history");
    return c.json(await deps.store.listings.auditEvents(entity, limit, cursor), 200);
  });
}
