import { londonDate } from '@placements/domain';
import * as z from 'zod/mini';
import { createRoute, lazySchema } from '../openapi.ts';
import { ATTENDANCE, DISTRICT_PATTERN, PHASES, SEARCH_SCOPES, SEARCH_SORTS } from '@placements/domain';
import { requireRole } from '../auth.ts';
import { contextApp, type Deps } from '../http.ts';
import {
  errorResponses,
  json,
  NeedCodeSchema,
  PageQuery,
  PlaceListingSchema,
  PlaceSettingSchema,
  SettingTypeSchema,
  TailoredListSchema,
} from '../schemas.ts';
import { searchPlaces } from '../services/search.ts';
import { tailoredListFor } from '../services/tailored.ts';

/** A repeatable query parameter: `need=ASD&need=SLD` or `need=ASD,SLD`. */
const repeatable = (v: unknown) =>
  v === undefined
    ? undefined
    : (Array.isArray(v) ? v : [v])
        .flatMap((x) => String(x).split(','))
        .map((s) => s.trim())
        .filter(Boolean);

const IsoDate = z.string().check(z.regex(/^\d{4}-\d{2}-\d{2}$/, { error: 'must be a date as YYYY-MM-DD, or now' }));
const PHASE_NAMES = Object.keys(PHASES) as [keyof typeof PHASES, ...(keyof typeof PHASES)[]];

export const SearchQuery = z.strictObject({
  need: z
    .pipe(
      z.transform(repeatable),
      z
        .array(NeedCodeSchema, {
          error: 'is required: the child’s need codes, primary first (repeat need= or separate with commas)',
        })
        .check(z.minLength(1, { error: 'is required: at least one need code' })),
    )
    .check(
      z.meta({
        type: 'array',
        items: { type: 'string' },
        description: 'Need codes; a listing matches when it covers all of them.',
      }),
    ),
  band: z.optional(z.string().check(z.regex(/^[A-Z][A-Z0-9]{0,7}$/, { error: 'must be a band code such as S2' }))),
  age: z.optional(
    z.coerce
      .number({ error: 'must be an age in whole years, 0 to 25' })
      .check(
        z.int({ error: 'must be an age in whole years, 0 to 25' }),
        z.minimum(0, { error: 'must be 0 to 25' }),
        z.maximum(25, { error: 'must be 0 to 25' }),
      ),
  ),
  phase: z.optional(z.enum(PHASE_NAMES, { error: `must be one of: ${PHASE_NAMES.join(', ')}` })),
  type: z
    .optional(z.pipe(z.transform(repeatable), z.array(SettingTypeSchema)))
    .check(z.meta({ type: 'array', items: { type: 'string' } })),
  postSixteen: z.optional(
    z.pipe(
      z.enum(['true', 'false'], { error: 'must be true or false' }),
      z.transform((v) => v === 'true'),
    ),
  ),
  from: z.optional(
    z
      .string()
      .check(
        z.trim(),
        z.toUpperCase(),
        z.regex(DISTRICT_PATTERN, { error: 'must be a postcode district such as ME14 (the first half of a postcode)' }),
      ),
  ),
  radiusKm: z.optional(
    z.coerce
      .number({ error: 'must be a distance in km' })
      .check(z.positive({ error: 'must be more than 0' }), z.maximum(1000, { error: 'must be at most 1000 km' })),
  ),
  scope: z.optional(z.enum(SEARCH_SCOPES, { error: `must be one of: ${SEARCH_SCOPES.join(', ')}` })),
  availableBy: z.optional(z.union([z.literal('now'), IsoDate], { error: 'must be a date as YYYY-MM-DD, or now' })),
  maxPrice: z.optional(
    z.coerce
      .number({ error: 'must be pence per year' })
      .check(z.int({ error: 'must be whole pence per year' }), z.positive({ error: 'must be more than 0' })),
  ),
  attendance: z.optional(z.enum(ATTENDANCE, { error: `must be one of: ${ATTENDANCE.join(', ')}` })),
  sort: z.optional(z.enum(SEARCH_SORTS, { error: `must be one of: ${SEARCH_SORTS.join(', ')}` })),
  ...PageQuery,
});

const PlaceResultSchema = lazySchema(() =>
  z
    .object({
      setting: PlaceSettingSchema(),
      listing: PlaceListingSchema(),
      available: z.number().check(z.int()),
      price: z.number().check(z.int(), z.meta({ description: 'Pence per year.' })),
      distanceKm: z
        .nullable(z.number())
        .check(z.meta({ description: 'Great-circle distance from the from district centroid; null without from.' })),
      hostLaCode: z.string(),
      hostLaName: z.string(),
      outOfArea: z
        .boolean()
        .check(z.meta({ description: 'The setting is in another LA than yours (or than the from district’s).' })),
    })
    .check(z.meta({ id: 'PlaceResult' })),
);

const search = createRoute({
  method: 'get',
  path: '/places/search',
  tags: ['search'],
  summary: 'Search published places across LA boundaries',
  description:
    'A listing matches when it covers every need given and meets every other filter. Scope defaults to your LA (la role), your partnership, or England (national role). The first page reads only what it shows, in the order asked for; when there are more results it says so with totalAtLeast (total is then a lower bound) and a nextCursor. The second page takes a snapshot of the whole result (less what the first page showed), and every later page comes from it, so paging never repeats or skips a result and pages after the first never shift while listings change; asOf says when each page’s results were taken, and total is exact from the second page on. The snapshot lasts 30 minutes. At most 1,000 results are kept (truncated says when there were more).',
  security: [{ bearerAuth: [] }],
  request: { query: SearchQuery },
  responses: {
    200: json(
      () =>
        z
          .object({
            items: z.array(PlaceResultSchema()),
            nextCursor: z.nullable(z.string()),
            total: z.number().check(
              z.int(),
              z.meta({
                description: 'Results in all; when totalAtLeast is true, a lower bound (there are at least this many).',
              }),
            ),
            totalAtLeast: z.boolean().check(
              z.meta({
                description:
                  'True when the first page was answered without counting every result (it read only what it shows): total is then a lower bound, and the second page gives the exact count.',
              }),
            ),
            truncated: z.boolean(),
            asOf: z.string(),
          })
          .check(z.meta({ id: 'PlaceSearchPage' })),
      'A page of results',
    ),
    ...errorResponses,
  },
});

const TailoredQuery = z.strictObject({
  need: SearchQuery.shape.need,
  age: z.coerce
    .number({ error: 'is required: the child’s age in whole years' })
    .check(
      z.int({ error: 'must be whole years' }),
      z.minimum(0, { error: 'must be 0 to 25' }),
      z.maximum(25, { error: 'must be 0 to 25' }),
    ),
  band: SearchQuery.shape.band,
  from: z
    .string({ error: 'is required: the child’s home postcode district, such as ME14' })
    .check(z.trim(), z.toUpperCase(), z.regex(DISTRICT_PATTERN, { error: 'must be a postcode district such as ME14' })),
  radiusKm: SearchQuery.shape.radiusKm,
  postSixteen: SearchQuery.shape.postSixteen,
  scope: SearchQuery.shape.scope,
});

const tailored = createRoute({
  method: 'get',
  path: '/places/tailored-list',
  tags: ['search'],
  summary: 'A tailored list for a child’s needs, with why each setting is in and why near misses are not',
  description:
    'Settings appropriate to the child’s needs and age: mainstream (including resourced provision and units, whatever the band: the right to request mainstream stands), specialist and independent, inside and outside the LA (scope defaults to partnership). Each says why it is included and whether it has a place now or from when; settings missing one criterion are listed as near misses with why not. The same list will hang off each case (GET /cases/{id}/tailored-list).',
  security: [{ bearerAuth: [] }],
  request: { query: TailoredQuery },
  responses: {
    200: json(TailoredListSchema, 'The tailored list'),
    ...errorResponses,
  },
});

/** Search across boundaries: commissioners, partnerships and the national team. */
export function searchApp(deps: Deps) {
  return contextApp(deps)
    .openapi(tailored, async (c) => {
      const principal = requireRole(c.get('principal'), ['la']);
      const q = c.req.valid('query');
      return c.json(
        await tailoredListFor(deps, principal, {
          needs: q.need,
          age: q.age,
          from: q.from,
          ...(q.band !== undefined ? { band: q.band } : {}),
          ...(q.radiusKm !== undefined ? { radiusKm: q.radiusKm } : {}),
          ...(q.postSixteen !== undefined ? { postSixteen: q.postSixteen } : {}),
          ...(q.scope !== undefined ? { scope: q.scope } : {}),
        }),
        200,
      );
    })
    .openapi(search, async (c) => {
      const principal = requireRole(c.get('principal'), ['la', 'partnership', 'national']);
      const q = c.req.valid('query');
      const today = londonDate(deps.now?.() ?? new Date());
      const page = await searchPlaces(deps, principal, {
        criteria: {
          needs: q.need,
          ...(q.band !== undefined ? { band: q.band } : {}),
          ...(q.age !== undefined ? { age: q.age } : {}),
          ...(q.phase !== undefined ? { phase: q.phase } : {}),
          ...(q.type !== undefined && q.type.length > 0 ? { types: q.type } : {}),
          ...(q.postSixteen !== undefined ? { postSixteen: q.postSixteen } : {}),
          ...(q.from !== undefined ? { from: q.from } : {}),
          ...(q.radiusKm !== undefined ? { radiusKm: q.radiusKm } : {}),
          ...(q.availableBy !== undefined ? { availableBy: q.availableBy === 'now' ? today : q.availableBy } : {}),
          ...(q.maxPrice !== undefined ? { maxPrice: q.maxPrice } : {}),
          ...(q.attendance !== undefined ? { attendance: q.attendance } : {}),
        },
        ...(q.scope !== undefined ? { scope: q.scope } : {}),
        sort: q.sort ?? (q.from !== undefined ? 'distance' : 'available'),
        limit: q.limit,
        ...(q.cursor !== undefined ? { cursor: q.cursor } : {}),
      });
      return c.json(page, 200);
    });
}
