import * as z from 'zod/mini';
import { createRoute } from '../openapi.ts';
import {
  LISTING_CSV_COLUMNS,
  LISTING_CSV_OPTIONAL,
  NotFoundError,
  parseListingsCsv,
  parseListingsJson,
  ValidationError,
} from '@placements/domain';
import { requireRole } from '../auth.ts';
import { contextApp, type Deps } from '../http.ts';
import {
  conflictResponses,
  ErrorSchema,
  errorResponses,
  GssCode,
  json,
  ListingId,
  pageOf,
  PageQuery,
  SettingTypeSchema,
  Urn,
} from '../schemas.ts';
import { BulkErrorSchema, BulkResultSchema, ListingInput, ListingSchema, SettingSchema } from '../schemas-capacity.ts';
import { bulkUpsert, parseIfMatch, putListing } from '../services/capacity.ts';

const listSettings = createRoute({
  method: 'get',
  path: '/settings',
  tags: ['capacity'],
  summary: 'Settings with their published listings, by LA and provision type',
  request: {
    query: z.strictObject({
      la: z.optional(GssCode).check(z.meta({ description: 'Host LA (GSS code).' })),
      type: z.optional(SettingTypeSchema),
      provider: z
        .optional(
          z
            .string()
            .check(
              z.regex(/^[A-Za-z0-9_-]{1,40}$/, { error: 'must be a provider id, such as PRV900001 or a trust id' }),
            ),
        )
        .check(z.meta({ description: 'One provider’s settings (a trust’s academies); not combined with la or type.' })),
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
  request: { params: z.object({ urn: Urn }) },
  responses: { 200: json(SettingSchema, 'The setting'), ...errorResponses },
});

/** Published capacity: settings and listings. Anyone may read it; only their provider writes it. */
export function capacityApp(deps: Deps) {
  return capacityWriteApp(deps)
    .openapi(listSettings, async (c) => {
      const { la, type, provider, limit, cursor } = c.req.valid('query');
      if (provider !== undefined && (la !== undefined || type !== undefined)) {
        throw new ValidationError([
          {
            field: 'provider',
            message: 'cannot be combined with la or type; ask for one provider’s settings on their own',
          },
        ]);
      }
      if (provider !== undefined)
        return c.json(await deps.store.settings.listSettings({ provider }, limit, cursor), 200);
      if (la !== undefined && (await deps.store.reference.getLa(la)) === undefined) {
        throw new ValidationError([
          { field: 'la', message: `no local authority has the GSS code ${la}; GET /las lists them` },
        ]);
      }
      return c.json(await deps.store.settings.listSettings({ la, type }, limit, cursor), 200);
    })
    .openapi(getSetting, async (c) => {
      const { urn } = c.req.valid('param');
      const setting = await deps.store.settings.getSetting(urn);
      if (setting === undefined) throw new NotFoundError(`No setting has the URN ${urn}.`);
      return c.json(setting, 200);
    });
}

const putListingRoute = createRoute({
  method: 'put',
  path: '/settings/{urn}/listings/{listingId}',
  tags: ['capacity'],
  summary: 'Create or replace a listing (provider owning the setting)',
  description:
    'Creating needs no If-Match. Replacing needs If-Match with the current version: a stale one gets 412 with the listing as it is now. Every change is recorded in the audit log in the same transaction.',
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

/** Provider writes: one listing with optimistic concurrency, or a whole sheet at once. */
export function capacityWriteApp(deps: Deps) {
  const app = contextApp(deps).openapi(putListingRoute, async (c) => {
    const principal = requireRole(c.get('principal'), ['provider']);
    const { urn, listingId } = c.req.valid('param');
    const ifMatch = parseIfMatch(c.req.valid('header')['if-match']);
    const { listing, created } = await putListing(deps, principal, urn, listingId, c.req.valid('json'), ifMatch);
    c.header('ETag', `"${listing.version}"`);
    return created ? c.json(listing, 201) : c.json(listing, 200);
  });

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
