import * as z from 'zod/mini';
import { createRoute, lazySchema } from '../openapi.ts';
import {
  LISTING_CSV_COLUMNS,
  LISTING_CSV_OPTIONAL,
  NotFoundError,
  RESERVATION_STATES,
  settingSeenBy,
  parseListingsCsv,
  shortText,
  parseListingsJson,
  ValidationError,
} from '@placements/domain';
import { requireRole } from '../auth.ts';
import { contextApp, type Deps } from '../http.ts';
import {
  actionRoute,
  conflictResponses,
  ErrorSchema,
  errorResponses,
  LaCode,
  json,
  ListingId,
  pageOf,
  PageQuery,
  SettingTypeSchema,
  Urn,
} from '../schemas.ts';
import { BulkErrorSchema, BulkResultSchema, ListingInput, ListingSchema, SettingSchema } from '../schemas-capacity.ts';
import { bulkUpsert, listingBodyProblems, parseIfMatch, putListing } from '../services/capacity.ts';
import {
  answerReservation,
  getReservation,
  listReservations,
  offerReservation,
  withdrawReservation,
  redactReservation,
} from '../services/reservations.ts';

const listSettings = createRoute({
  method: 'get',
  path: '/settings',
  tags: ['capacity'],
  summary: 'Settings with their published listings, by LA and provision type',
  request: {
    query: z.strictObject({
      laCode: z.optional(LaCode).check(z.meta({ description: 'The LA the settings are in (its GSS code).' })),
      // api.md's contract names the filter la; kept as an alias of laCode.
      la: z.optional(LaCode).check(z.meta({ description: 'Alias of laCode, as the API contract names it.' })),
      type: z.optional(SettingTypeSchema),
      provider: z
        .optional(
          z
            .string()
            .check(
              z.regex(/^[A-Za-z0-9_-]{1,40}$/, { error: 'must be a provider id, such as PRV900001 or a trust id' }),
            ),
        )
        .check(
          z.meta({
            description: 'One provider’s settings (a trust’s academies); not combined with laCode (or la) or type.',
          }),
        ),
      ...PageQuery,
    }),
  },
  responses: { 200: json(pageOf(SettingSchema, 'SettingPage'), 'A page of settings'), ...errorResponses },
});

const getSetting = createRoute({
  method: 'get',
  path: '/settings/{urn}',
  tags: ['capacity'],
  summary: 'One setting with its published listings',
  description:
    'Anyone sees published capacity (commissioned, available, price, the block’s partnership and places); the live counts behind it (filled, held, blockUsed, availableToAll) only the provider that runs the setting, with its token.',
  request: { params: z.object({ urn: Urn }) },
  responses: { 200: json(SettingSchema, 'The setting'), ...errorResponses },
});

/** Published capacity: settings and listings. Anyone may read it; only their provider writes it. */
export function capacityApp(deps: Deps) {
  return capacityWriteApp(deps)
    .openapi(listSettings, async (c) => {
      const query = c.req.valid('query');
      const { type, provider, limit, cursor } = query;
      if (query.la !== undefined && query.laCode !== undefined && query.la !== query.laCode)
        throw new ValidationError([{ field: 'la', message: 'is an alias of laCode; give one of them, not two codes' }]);
      const laCode = query.laCode ?? query.la;
      const laField = query.laCode !== undefined ? 'laCode' : 'la';
      if (provider !== undefined && (laCode !== undefined || type !== undefined)) {
        throw new ValidationError([
          {
            field: 'provider',
            message: 'cannot be combined with laCode or type; ask for one provider’s settings on their own',
          },
        ]);
      }
      const viewer = c.get('principal');
      const seen = (page: Awaited<ReturnType<typeof deps.store.settings.listSettings>>) => ({
        ...page,
        items: page.items.map((s) => settingSeenBy(s, viewer)),
      });
      if (provider !== undefined)
        return c.json(seen(await deps.store.settings.listSettings({ provider }, limit, cursor)), 200);
      if (laCode !== undefined && (await deps.store.reference.getLa(laCode)) === undefined) {
        throw new ValidationError([
          { field: laField, message: `no local authority has the GSS code ${laCode}; GET /las lists them` },
        ]);
      }
      return c.json(seen(await deps.store.settings.listSettings({ laCode, type }, limit, cursor)), 200);
    })
    .openapi(getSetting, async (c) => {
      const { urn } = c.req.valid('param');
      const setting = await deps.store.settings.getSetting(urn);
      if (setting === undefined) throw new NotFoundError(`No setting has the URN ${urn}.`);
      return c.json(settingSeenBy(setting, c.get('principal')), 200);
    });
}

const putListingRoute = createRoute({
  method: 'put',
  path: '/settings/{urn}/listings/{listingId}',
  tags: ['capacity'],
  summary: 'Create or replace a listing (provider owning the setting)',
  description:
    'Creating needs no If-Match. Replacing needs If-Match with the current version: a stale one gets 412 with the listing as it is now. A save that read the setting before an import changed it (its LA, type or provider) gets 412 too, and is made again. Every change is recorded in the audit log in the same transaction.',
  security: [{ bearerAuth: [] }],
  request: {
    params: z.object({ urn: Urn, listingId: ListingId }),
    headers: z.object({
      'if-match': z.optional(z.string()).check(z.meta({ description: 'The version being replaced, e.g. 3 or "3".' })),
    }),
    body: { required: true, content: { 'application/json': { schema: ListingInput } } },
  },
  responses: {
    200: json(ListingSchema, 'Replaced (or unchanged); ETag carries the version'),
    201: json(ListingSchema, 'Created; ETag carries the version'),
    ...errorResponses,
    ...conflictResponses,
  },
});

const bulkPath = '/settings/{urn}/listings:bulk';
const bulkRoute = createRoute({
  method: 'post',
  path: bulkPath,
  tags: ['capacity'],
  summary: 'Upload many listings of one setting, as CSV or JSON, all or nothing',
  description: `CSV (text/csv) with the header ${LISTING_CSV_COLUMNS.join(',')} (optional columns: ${LISTING_CSV_OPTIONAL.join(', ')}); needs separated by ";". Or JSON: {"listings": [{listingId, ...ListingInput}]}. Rows create or replace listings; unchanged rows are left alone. Any bad row rejects the whole upload, with every problem listed by line (CSV) or row (JSON).`,
  security: [{ bearerAuth: [] }],
  request: {
    params: z.object({ urn: Urn }),
    body: {
      required: true,
      content: {
        'text/csv': {
          schema: z
            .string()
            .check(
              z.meta({ example: `${LISTING_CSV_COLUMNS.join(',')}\ns2-day,S2,ASD;SLD,4,19,day,24,20,2026-09-01,,` }),
            ),
        },
        'application/json': {
          schema: z.object({
            listings: z.array(
              z.extend(ListingInput, { listingId: ListingId, version: z.optional(z.number().check(z.int())) }),
            ),
          }),
        },
      },
    },
  },
  responses: {
    200: json(BulkResultSchema, 'Applied'),
    400: json(BulkErrorSchema, 'Nothing applied: every bad row, by line (CSV) or row (JSON), and field'),
    401: errorResponses[401],
    403: errorResponses[403],
    404: errorResponses[404],
    412: conflictResponses[412],
    413: { description: 'Body over 1 MiB.', content: { 'application/json': { schema: ErrorSchema } } },
  },
});

const ReservationSchema = lazySchema(() =>
  z
    .object({
      id: z.string(),
      urn: Urn,
      settingName: z.optional(z.string()),
      listingId: z.string(),
      band: z.optional(z.string()),
      providerId: z.string(),
      partnershipId: z.string(),
      places: z.number().check(z.int()),
      state: z.enum(RESERVATION_STATES),
      offeredAt: z.string(),
      answeredAt: z.optional(z.string()),
      endedAt: z.optional(z.string()),
      declineReason: z.optional(z.string()),
      used: z
        .optional(z.number().check(z.int()))
        .check(z.meta({ description: 'While the block is in force: places in use by members’ placements.' })),
      left: z.optional(z.number().check(z.int())).check(z.meta({ description: 'While in force: places − used.' })),
      version: z.number().check(z.int()),
    })
    .check(
      z.meta({
        id: 'Reservation',
        description:
          'Block places a provider offers to a partnership. Only an accepted reservation is a block on the listing (Listing.blockFor); a decline or a withdrawn offer changes nothing.',
      }),
    ),
);
const ReservationId = z.string().check(z.regex(/^[0-9a-f-]{36}$/, { error: 'must be a reservation id' }));
const PartnershipIdInput = z
  .string({ error: 'is required: the partnership id, such as se19' })
  .check(z.regex(/^[a-z0-9][a-z0-9-]{1,62}$/, { error: 'must be a partnership id such as se19' }));

const offerRoute = createRoute({
  method: 'post',
  path: '/settings/{urn}/listings/{listingId}/reservations',
  tags: ['capacity'],
  summary: 'Offer block places of a listing to a partnership (provider owning the setting)',
  description:
    'The offer awaits the partnership’s answer; the places become a block only when it accepts. One offer per listing awaits an answer at a time (409 otherwise). An offer to the partnership that holds the block changes its places when accepted.',
  security: [{ bearerAuth: [] }],
  request: {
    params: z.object({ urn: Urn, listingId: ListingId }),
    body: {
      required: true,
      content: {
        'application/json': {
          schema: z.strictObject({
            partnershipId: PartnershipIdInput,
            places: z
              .number({ error: 'must be a whole number of places' })
              .check(
                z.int({ error: 'must be a whole number of places' }),
                z.minimum(1, { error: 'must be at least 1' }),
                z.maximum(10_000, { error: 'must be at most 10000' }),
              ),
          }),
        },
      },
    },
  },
  responses: {
    201: json(ReservationSchema, 'Offered'),
    ...errorResponses,
    409: conflictResponses[409],
  },
});

const listReservationsRoute = createRoute({
  method: 'get',
  path: '/reservations',
  tags: ['capacity'],
  summary: 'Your reservations, newest first: a provider’s offers, or those made to a partnership',
  description:
    'The tenant comes from the token. With state, a page holds only reservations in that state (it may hold fewer than limit; follow nextCursor).',
  security: [{ bearerAuth: [] }],
  request: {
    query: z.strictObject({
      state: z.optional(z.enum(RESERVATION_STATES, { error: `must be one of ${RESERVATION_STATES.join(', ')}` })),
      ...PageQuery,
    }),
  },
  responses: { 200: json(pageOf(ReservationSchema, 'ReservationPage'), 'A page of reservations'), ...errorResponses },
});

const getReservationRoute = createRoute({
  method: 'get',
  path: '/reservations/{id}',
  tags: ['capacity'],
  summary: 'One reservation (the provider that offered it, or the partnership it is offered to)',
  security: [{ bearerAuth: [] }],
  request: { params: z.object({ id: ReservationId }) },
  responses: { 200: json(ReservationSchema, 'The reservation'), ...errorResponses },
});

const answerRoute = actionRoute({
  tag: 'capacity',
  path: '/reservations/{id}/response',
  summary: 'The partnership accepts or declines block places offered to it (partnership)',
  description:
    'Accepting puts the block on the listing in the same transaction (conditioned on the listing’s version). Declining changes nothing on the listing; its optional reason is kept apart from the audit trail.',
  id: ReservationId,
  body: z.strictObject({
    decision: z.enum(['accept', 'decline'], { error: 'must be accept or decline' }),
    reason: z.optional(shortText()),
  }),
  out: ReservationSchema,
  done: 'Answered',
});

const withdrawRoute = createRoute({
  method: 'post',
  path: '/reservations/{id}/withdrawal',
  tags: ['capacity'],
  summary: 'The provider withdraws an offer, or ends an accepted block (provider)',
  description:
    'An offer awaiting its answer is withdrawn (the listing is untouched). An accepted block is taken off the listing in the same transaction, refused (409) while members’ placements use block places.',
  security: [{ bearerAuth: [] }],
  request: { params: z.object({ id: ReservationId }) },
  responses: { 200: json(ReservationSchema, 'Withdrawn'), ...errorResponses, 409: conflictResponses[409] },
});

const redactReservationRoute = actionRoute({
  tag: 'capacity',
  path: '/reservations/{id}/redactions',
  summary: 'Erase the decline reason the partnership wrote; the audit trail records who and why (partnership)',
  description:
    'The text becomes "[redacted]" for both sides. The reservation’s audit trail gets a reservation.text_redacted event with who, when, the field and the reason given here, never the text (it was never in the audit trail). 409 when there is no decline reason to erase.',
  id: ReservationId,
  body: z.strictObject({
    field: z.enum(['declineReason'], { error: 'must be declineReason' }),
    reason: shortText(200),
  }),
  out: ReservationSchema,
  done: 'Redacted',
});

/** Block places: the provider offers, the partnership answers; both read theirs. */
function withReservations(app: ReturnType<typeof contextApp>, deps: Deps) {
  return app
    .openapi(offerRoute, async (c) => {
      const principal = requireRole(c.get('principal'), ['provider']);
      const { urn, listingId } = c.req.valid('param');
      return c.json(await offerReservation(deps, principal, urn, listingId, c.req.valid('json')), 201);
    })
    .openapi(listReservationsRoute, async (c) => {
      const principal = requireRole(c.get('principal'), ['provider', 'partnership']);
      const { state, limit, cursor } = c.req.valid('query');
      return c.json(
        await listReservations(deps, principal, { ...(state ? { state } : {}), limit, ...(cursor ? { cursor } : {}) }),
        200,
      );
    })
    .openapi(getReservationRoute, async (c) => {
      const principal = requireRole(c.get('principal'), ['provider', 'partnership']);
      return c.json(await getReservation(deps, principal, c.req.valid('param').id), 200);
    })
    .openapi(answerRoute, async (c) => {
      const principal = requireRole(c.get('principal'), ['partnership']);
      return c.json(await answerReservation(deps, principal, c.req.valid('param').id, c.req.valid('json')), 200);
    })
    .openapi(withdrawRoute, async (c) => {
      const principal = requireRole(c.get('principal'), ['provider']);
      return c.json(await withdrawReservation(deps, principal, c.req.valid('param').id), 200);
    })
    .openapi(redactReservationRoute, async (c) => {
      const principal = requireRole(c.get('principal'), ['partnership']);
      return c.json(await redactReservation(deps, principal, c.req.valid('param').id, c.req.valid('json')), 200);
    });
}

/** Provider writes: one listing with optimistic concurrency, or a whole sheet at once. */
export function capacityWriteApp(deps: Deps) {
  const app = withReservations(contextApp(deps), deps).openapi(
    putListingRoute,
    async (c) => {
      const principal = requireRole(c.get('principal'), ['provider']);
      const { urn, listingId } = c.req.valid('param');
      const ifMatch = parseIfMatch(c.req.valid('header')['if-match']);
      const { listing, created } = await putListing(deps, principal, urn, listingId, c.req.valid('json'), ifMatch);
      c.header('ETag', `"${listing.version}"`);
      return created ? c.json(listing, 201) : c.json(listing, 200);
    },
    {
      // A body that fails its schema is also checked against the listing rules it can be (the
      // band against the framework, the needs against the setting's), so one 400 names them all.
      bodyRules: async (c, body, invalid) => {
        const principal = requireRole(c.get('principal'), ['provider']);
        // Only the body failed: the path parameters passed their schema.
        return listingBodyProblems(deps, principal, c.req.param('urn')!, c.req.param('listingId')!, body, invalid);
      },
    },
  );

  // The colon in "listings:bulk" is literal, which Hono's path syntax would read as a parameter,
  // so the route is registered with a regex segment and documented from bulkRoute.
  app.document(bulkRoute);
  app.post('/settings/:urn/:op{listings:bulk}', async (c) => {
    const principal = requireRole(c.get('principal'), ['provider']);
    const urn = c.req.param('urn');
    const urnCheck = Urn.safeParse(urn);
    if (!urnCheck.success) throw new ValidationError([{ field: 'urn', message: urnCheck.error.issues[0]!.message }]);
    const type = (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
    let parsed: ReturnType<typeof parseListingsCsv>;
    if (type === 'text/csv' || type === 'text/plain') {
      parsed = parseListingsCsv(await c.req.text());
    } else if (type === 'application/json') {
      let body: unknown;
      try {
        body = await c.req.json();
      } catch {
        throw new ValidationError([{ field: 'body', message: 'is not valid JSON; check quotes, commas and brackets' }]);
      }
      parsed = parseListingsJson(body);
    } else {
      throw new ValidationError([{ field: 'Content-Type', message: 'must be text/csv or application/json' }]);
    }
    return c.json(await bulkUpsert(deps, principal, urn, parsed), 200);
  });
  return app;
}
