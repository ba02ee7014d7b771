import * as z from 'zod/mini';
import { createRoute, lazySchema } from '../openapi.ts';
import { NotFoundError, SUPPRESSED } from '@placements/domain';
import { requireRole } from '../auth.ts';
import { contextApp, type Deps } from '../http.ts';
import { errorResponses, LaCode, json, pageOf, PageQuery } from '../schemas.ts';
import {
  FEED_CACHE_SECONDS,
  orukServices,
  prices,
  putPartnership,
  SUFFICIENCY_VIEWS,
  sufficiencyCsv,
} from '../services/partnerships.ts';
import { sufficiency } from '../services/sufficiency.ts';
import { forecastCsv, laForecast, partnershipForecast } from '../services/forecast.ts';

const PartnershipSchema = lazySchema(() =>
  z
    .object({
      id: z.string().check(z.meta({ example: 'se19' })),
      name: z.string().check(z.meta({ example: 'SE19 South East partnership' })),
      regionCode: z.optional(z.string()),
      members: z.array(z.string()).check(z.meta({ description: 'GSS codes of the member LAs.' })),
      remit: z.array(z.string()).check(z.meta({ description: 'What the members commission together.' })),
    })
    .check(z.meta({ id: 'Partnership' })),
);

const PartnershipId = z.string().check(
  z.regex(/^[a-z0-9][a-z0-9-]{1,62}$/, {
    error: 'must be a partnership id such as se19 (lower-case letters, digits and hyphens)',
  }),
  z.meta({ example: 'se19' }),
);

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

const PartnershipInput = z.strictObject({
  name: z
    .string({ error: 'is required: the partnership’s name' })
    .check(
      z.trim(),
      z.minLength(3, { error: 'must be 3 to 120 characters' }),
      z.maxLength(120, { error: 'must be 3 to 120 characters' }),
    ),
  regionCode: z.optional(
    z
      .string()
      .check(z.regex(/^E1200000\d$/, { error: 'must be an English region code such as E12000008 (South East)' })),
  ),
  members: z
    .array(LaCode, { error: 'is required: the GSS codes of the member LAs' })
    .check(
      z.minLength(2, { error: 'must name at least two LAs: a partnership commissions across LAs' }),
      z.maxLength(153, { error: 'must be at most 153 LAs' }),
    ),
  remit: z
    .array(
      z
        .string()
        .check(
          z.trim(),
          z.minLength(3, { error: 'must be 3 to 300 characters' }),
          z.maxLength(300, { error: 'must be 3 to 300 characters' }),
        ),
      { error: 'is required: what the members commission together' },
    )
    .check(
      z.minLength(1, { error: 'must state at least one thing the members commission together (the recognised remit)' }),
      z.maxLength(20, { error: 'must be at most 20 items' }),
    ),
});

const putRoute = createRoute({
  method: 'put',
  path: '/partnerships/{id}',
  tags: ['partnership'],
  summary: 'Create or replace a partnership: members and remit (national)',
  description:
    'Any group of English LAs may form a partnership (every region has one already in the public data); an LA may belong to several. Members must be known LAs, each once; the remit lists what they commission together.',
  security: [{ bearerAuth: [] }],
  request: {
    params: z.object({ id: PartnershipId }),
    body: { required: true, content: { 'application/json': { schema: PartnershipInput } } },
  },
  responses: { 200: json(PartnershipSchema, 'Replaced'), 201: json(PartnershipSchema, 'Created'), ...errorResponses },
});

const Count = lazySchema(() =>
  z
    .union([z.number(), z.literal(SUPPRESSED)])
    .check(z.meta({ description: 'A count of children, or "<5" when it is 1 to 4.' })),
);
const Capacity = lazySchema(() =>
  z
    .object({
      listings: z.number(),
      commissioned: z.number(),
      filled: z.number(),
      held: z.number(),
      available: z.number(),
    })
    .check(z.meta({ id: 'RegionalCapacity' })),
);
const Demand = lazySchema(() =>
  z
    .object({
      cases: Count(),
      openCases: Count(),
      waiting: Count(),
      withoutPlace: Count(),
      daysWithoutPlace: Count(),
      averageDaysWithoutPlace: z.nullable(z.union([z.number(), z.literal(SUPPRESSED)])),
      mainstreamRefusals: Count().check(
        z.meta({
          description: 'Mainstream requests the LA refused as incompatible with the efficient education of others.',
        }),
      ),
    })
    .check(z.meta({ id: 'RegionalDemand' })),
);
const Placements = lazySchema(() =>
  z
    .object({
      placements: Count(),
      placedInArea: Count(),
      outOfArea: Count(),
      averageOutOfAreaKm: z.nullable(z.union([z.number(), z.literal(SUPPRESSED)])),
      independent: Count(),
      spend: Count(),
      spendAtTariff: Count(),
      independentSpend: Count(),
    })
    .check(z.meta({ id: 'RegionalPlacements' })),
);
const Ehcp = lazySchema(() =>
  z.object({
    year: z.string(),
    plans: z.nullable(z.number()),
    marketplaceCases: Count(),
    coverage: z.nullable(z.union([z.number(), z.literal(SUPPRESSED)])),
    byPlacement: z.record(z.string(), z.nullable(z.number())),
    byNeed: z.record(z.string(), z.nullable(z.number())),
  }),
);
const Sufficiency = lazySchema(() =>
  z
    .object({
      partnership: z.object({
        id: z.string(),
        name: z.string(),
        members: z.array(z.string()),
        remit: z.array(z.string()),
      }),
      asOf: z.string(),
      suppression: z.string(),
      totals: z.object({ capacity: Capacity(), demand: Demand(), placements: Placements() }),
      byLa: z.array(
        z.object({
          laCode: z.string(),
          name: z.string(),
          capacity: Capacity(),
          demand: Demand(),
          placements: Placements(),
          blockPlacesUsed: Count(),
          ehcp: z.nullable(Ehcp()),
        }),
      ),
      byBand: z.array(z.object({ band: z.string(), capacity: Capacity(), demand: Demand(), placements: Placements() })),
      byNeed: z.array(z.object({ need: z.string(), capacity: Capacity(), demand: Demand(), placements: Placements() })),
      byLaBandNeed: z.array(
        z.object({ laCode: z.string(), band: z.string(), need: z.string(), capacity: Capacity(), demand: Demand() }),
      ),
      blockPlaces: z.array(z.object({ urn: z.string(), listingId: z.string(), laCode: z.string(), used: Count() })),
      ehcp: z.object({
        year: z.nullable(z.string()),
        plans: z.nullable(z.number()),
        marketplaceCases: Count(),
        coverage: z.nullable(z.union([z.number(), z.literal(SUPPRESSED)])),
        byNeed: z.array(z.object({ need: z.string(), plans: z.nullable(z.number()), marketplaceCases: Count() })),
      }),
      trends: z.array(z.record(z.string(), z.unknown())),
    })
    .check(z.meta({ id: 'Sufficiency' })),
);

const sufficiencyRoute = createRoute({
  method: 'get',
  path: '/partnerships/{id}/sufficiency',
  tags: ['partnership'],
  summary: 'Regional sufficiency: capacity against demand by LA, band and need (partnership, member la, national)',
  description:
    'Read from counters kept in the same transactions as every listing, case and placement change: one Query per member LA, never a scan. Counts of children from 1 to 4 are "<5". `format=csv` with `view` returns one view as CSV.',
  security: [{ bearerAuth: [] }],
  request: {
    params: z.object({ id: PartnershipId }),
    query: z.strictObject({
      format: z._default(z.enum(['json', 'csv'], { error: 'must be json or csv' }), 'json'),
      view: z.optional(z.enum(SUFFICIENCY_VIEWS, { error: `must be one of: ${SUFFICIENCY_VIEWS.join(', ')}` })),
    }),
  },
  responses: {
    200: {
      description: 'The sufficiency view (JSON), or one view as CSV',
      content: { 'application/json': { schema: Sufficiency }, 'text/csv': { schema: z.string() } },
    },
    ...errorResponses,
  },
});

const PriceRow = lazySchema(() =>
  z.object({
    providerId: z.string(),
    band: z.string(),
    attendance: z.string(),
    tariff: z.nullable(z.number()),
    byLa: z.array(
      z.object({
        laCode: z.string(),
        name: z.string(),
        placements: Count(),
        averagePrice: Count(),
        averageTariff: Count(),
        differenceFromTariff: Count(),
        differencePercent: z.nullable(Count()),
      }),
    ),
  }),
);
const pricesRoute = createRoute({
  method: 'get',
  path: '/partnerships/{id}/prices',
  tags: ['partnership'],
  summary:
    'Price transparency: what each member LA pays the same provider, against the tariff (partnership, member la, national)',
  security: [{ bearerAuth: [] }],
  request: {
    params: z.object({ id: PartnershipId }),
    query: z.strictObject({
      provider: z.optional(z.string().check(z.minLength(1), z.maxLength(100))),
      band: z.optional(z.string().check(z.regex(/^[A-Z][A-Z0-9]{0,7}$/, { error: 'must be a band code such as S2' }))),
    }),
  },
  responses: {
    200: json(
      () =>
        z.object({ partnershipId: z.string(), items: z.array(PriceRow()) }).check(z.meta({ id: 'PriceComparison' })),
      'Prices per provider, band and attendance, LA by LA (pence per year)',
    ),
    ...errorResponses,
  },
});

const orukRoute = createRoute({
  method: 'get',
  path: '/partnerships/{id}/oruk/services',
  tags: ['partnership'],
  summary: 'Published capacity as an Open Referral UK (HSDS 3.1) paginated list of services (anyone)',
  description:
    'One service per listing, with its organization, capacities (unit: place; available, maximum), cost_options (GBP per year) and service_at_locations. Served from a precomputed feed (rebuilt when older than five minutes) with Cache-Control and Access-Control-Allow-Origin: *.',
  request: {
    params: z.object({ id: PartnershipId }),
    query: z.strictObject({
      page: z._default(
        z.coerce
          .number({ error: 'must be a page number from 1' })
          .check(
            z.int({ error: 'must be a page number from 1' }),
            z.minimum(1, { error: 'must be a page number from 1' }),
          ),
        1,
      ),
      per_page: z._default(
        z.coerce
          .number({ error: 'must be 1 to 500' })
          .check(
            z.int({ error: 'must be 1 to 500' }),
            z.minimum(1, { error: 'must be 1 to 500' }),
            z.maximum(500, { error: 'must be 1 to 500' }),
          ),
        50,
      ),
    }),
  },
  responses: {
    200: json(
      () =>
        z
          .object({
            total_items: z.number(),
            total_pages: z.number(),
            page_number: z.number(),
            size: z.number(),
            first_page: z.boolean(),
            last_page: z.boolean(),
            empty: z.boolean(),
            contents: z.array(z.record(z.string(), z.unknown())),
          })
          .check(z.meta({ id: 'OrukServicePage' })),
      'A page of HSDS 3.0 services',
    ),
    ...errorResponses,
  },
});

const Projected = lazySchema(() =>
  z.object({ year: z.string(), low: z.number(), central: z.number(), high: z.number() }).check(
    z.meta({
      id: 'ProjectedYear',
      description: 'Projected EHC plans in an academic year: central figure and its low–high range.',
    }),
  ),
);
const Forecast = lazySchema(() =>
  z
    .object({
      scope: z.object({
        kind: z.enum(['partnership', 'la']),
        id: z.string(),
        name: z.string(),
        members: z.array(z.string()),
      }),
      asOf: z.string(),
      baseYear: z.nullable(
        z.string().check(z.meta({ description: "DfE's latest year, the projection's starting point." })),
      ),
      years: z.array(z.string()),
      method: z.nullable(
        z.object({ name: z.string(), summary: z.string(), backtest: z.record(z.string(), z.unknown()) }),
      ),
      missing: z
        .array(z.string())
        .check(z.meta({ description: 'Members without DfE figures loaded (npm run load:ehcp).' })),
      suppression: z.string(),
      reading: z.string(),
      byType: z.array(
        z.object({
          type: z.string(),
          name: z.string(),
          settingTypes: z.array(z.string()),
          bands: z.array(z.string()),
          history: z.array(z.object({ year: z.string(), plans: z.nullable(z.number()) })),
          latest: z.number(),
          projection: z.array(Projected()),
          capacity: z.object({
            listings: z.number(),
            commissioned: z.number(),
            filled: z.number(),
            held: z.number(),
            available: z.number(),
            blockPlaces: z.number(),
          }),
          marketplace: z.object({ openCases: Count(), waiting: Count(), placements: Count(), outOfArea: Count() }),
          gap: z.array(
            z.object({
              year: z.string(),
              additional: z.object({ low: z.number(), central: z.number(), high: z.number() }),
              gap: z.object({ worst: Count(), central: Count(), best: Count() }),
            }),
          ),
          byNeed: z.array(z.object({ need: z.string(), latest: z.number(), projected: z.array(z.number()) })),
          byAge: z.array(z.object({ ageGroup: z.string(), latest: z.number(), projected: z.array(z.number()) })),
        }),
      ),
      byLa: z.array(
        z.object({
          laCode: z.string(),
          name: z.string(),
          baseYear: z.string(),
          byType: z.array(z.object({ type: z.string(), latest: z.number(), projection: z.array(Projected()) })),
        }),
      ),
    })
    .check(z.meta({ id: 'EhcpForecast' })),
);
const FORECAST_DESCRIPTION =
  'Projected EHC plans for each of the next five academic years by DfE placement type (central figure and low–high range, split by primary need and age at the latest mix), beside the places published on the marketplace for the matching setting types, its open cases and waiting lists, and the gap per year. The method and its backtest against two naive baselines come with it (docs/forecast.md). `format=csv`: one row per placement type and year.';
const ForecastQuery = z.strictObject({
  format: z._default(z.enum(['json', 'csv'], { error: 'must be json or csv' }), 'json'),
});
const forecastResponses = {
  200: {
    description: 'The forecast (JSON), or as CSV',
    content: { 'application/json': { schema: Forecast }, 'text/csv': { schema: z.string() } },
  },
  ...errorResponses,
};

const partnershipForecastRoute = createRoute({
  method: 'get',
  path: '/partnerships/{id}/forecast',
  tags: ['partnership'],
  summary:
    'Commission ahead: projected EHC plans against published places, for a partnership (partnership, member la, national)',
  description: FORECAST_DESCRIPTION,
  security: [{ bearerAuth: [] }],
  request: { params: z.object({ id: PartnershipId }), query: ForecastQuery },
  responses: forecastResponses,
});

const laForecastRoute = createRoute({
  method: 'get',
  path: '/las/{laCode}/forecast',
  tags: ['partnership'],
  summary:
    'Commission ahead: projected EHC plans against published places, for one LA (the la, a partnership it is in, national)',
  description: FORECAST_DESCRIPTION,
  security: [{ bearerAuth: [] }],
  request: { params: z.object({ laCode: LaCode }), query: ForecastQuery },
  responses: forecastResponses,
});

/** Regional partnerships: membership and remit, sufficiency, prices, exports. */
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
    })
    .openapi(putRoute, async (c) => {
      requireRole(c.get('principal'), ['national']);
      const { partnership, created } = await putPartnership(deps, c.req.valid('param').id, c.req.valid('json'));
      return c.json(partnership, created ? 201 : 200);
    })
    .openapi(sufficiencyRoute, async (c) => {
      const principal = requireRole(c.get('principal'), ['partnership', 'la', 'national']);
      const { format, view } = c.req.valid('query');
      const result = await sufficiency(deps, principal, c.req.valid('param').id);
      if (format === 'csv') {
        const name = view ?? 'byLa';
        c.header('Content-Type', 'text/csv; charset=utf-8');
        c.header(
          'Content-Disposition',
          `attachment; filename="${result.partnership.id}-sufficiency-${name}-${result.asOf.slice(0, 10)}.csv"`,
        );
        return c.body(sufficiencyCsv(result, name), 200) as never;
      }
      return c.json(result, 200);
    })
    .openapi(partnershipForecastRoute, async (c) => {
      const principal = requireRole(c.get('principal'), ['partnership', 'la', 'national']);
      const view = await partnershipForecast(deps, principal, c.req.valid('param').id);
      if (c.req.valid('query').format === 'csv') {
        c.header('Content-Type', 'text/csv; charset=utf-8');
        c.header(
          'Content-Disposition',
          `attachment; filename="${view.scope.id}-forecast-${view.asOf.slice(0, 10)}.csv"`,
        );
        return c.body(forecastCsv(view), 200) as never;
      }
      return c.json(view, 200);
    })
    .openapi(laForecastRoute, async (c) => {
      const principal = requireRole(c.get('principal'), ['partnership', 'la', 'national']);
      const view = await laForecast(deps, principal, c.req.valid('param').laCode);
      if (c.req.valid('query').format === 'csv') {
        c.header('Content-Type', 'text/csv; charset=utf-8');
        c.header(
          'Content-Disposition',
          `attachment; filename="${view.scope.id}-forecast-${view.asOf.slice(0, 10)}.csv"`,
        );
        return c.body(forecastCsv(view), 200) as never;
      }
      return c.json(view, 200);
    })
    .openapi(pricesRoute, async (c) => {
      const principal = requireRole(c.get('principal'), ['partnership', 'la', 'national']);
      const q = c.req.valid('query');
      return c.json(
        await prices(deps, principal, c.req.valid('param').id, {
          ...(q.provider ? { provider: q.provider } : {}),
          ...(q.band ? { band: q.band } : {}),
        }),
        200,
      );
    })
    .openapi(orukRoute, async (c) => {
      const { page, per_page } = c.req.valid('query');
      const id = c.req.valid('param').id;
      // ORUK asks every response to allow any origin; the feed is public and carries no credentials.
      c.header('Access-Control-Allow-Origin', '*');
      const result = await orukServices(deps, id, page, per_page);
      if (result === undefined) throw new NotFoundError(`No partnership has the id ${id}.`);
      // Shared caches (CloudFront) may serve it for a minute: the feed itself is rebuilt every few minutes.
      c.header('Cache-Control', `public, max-age=${FEED_CACHE_SECONDS}`);
      return c.json(result, 200);
    });
}
