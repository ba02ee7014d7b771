import * as z from 'zod/mini';
import { createRoute, lazySchema } from '../openapi.ts';
import { CASE_STATES, CaseInputSchema, PreferencesSchema } from '@placements/domain';
import { requireRole } from '../auth.ts';
import { contextApp, type Deps } from '../http.ts';
import { conflictResponses, errorResponses, GssCode, json, ListingId, pageOf, PageQuery, Urn } from '../schemas.ts';
import {
  allocate,
  caseView,
  listCases,
  openCase,
  ownCase,
  setPreferences,
  waitingListView,
} from '../services/cases.ts';
import { tailoredListFor } from '../services/tailored.ts';

const CaseId = z.string().check(z.uuid({ error: 'must be a case id as returned by POST /cases' }));
const CaseFields = () => ({
  id: z.string(),
  ref: z.string(),
  laCode: z.string(),
  needs: z.array(z.string()),
  band: z.string(),
  age: z.number(),
  homeDistrict: z.string(),
  postSixteen: z.boolean(),
  phaseTransferDeadline: z.optional(z.string()),
  state: z.string(),
  daysWithoutPlace: z.number(),
  preferences: z.optional(z.any()),
  escalations: z.optional(
    z.array(z.object({ kind: z.string(), key: z.string(), raisedAt: z.string(), message: z.string() })),
  ),
});
const CaseViewSchema = lazySchema(() =>
  z
    .object({
      ...CaseFields(),
      placement: z.optional(z.any()),
      waiting: z
        .array(z.object({ urn: z.string(), listingId: z.string(), position: z.number(), joinedAt: z.string() }))
        .check(
          z.meta({
            description: 'The waiting lists the case is on, with its position (1 = offered the next place freed).',
          }),
        ),
    })
    .check(z.meta({ id: 'Case' })),
);
const CaseSummarySchema = lazySchema(() => z.object(CaseFields()).check(z.meta({ id: 'CaseSummary' })));
const IdempotencyKey = z
  .string()
  .check(z.regex(/^[A-Za-z0-9_-]{1,128}$/, { error: 'must be 1 to 128 letters, digits, - or _' }));

const create = createRoute({
  method: 'post',
  path: '/cases',
  tags: ['cases'],
  summary: 'Open a pseudonymous case (la)',
  description:
    'Names, dates of birth and other identifying fields are refused by name: the marketplace stores no child’s identity.',
  security: [{ bearerAuth: [] }],
  request: { body: { required: true, content: { 'application/json': { schema: CaseInputSchema } } } },
  responses: { 201: json(CaseViewSchema, 'Opened'), ...errorResponses },
});
const read = createRoute({
  method: 'get',
  path: '/cases/{id}',
  tags: ['cases'],
  summary: 'A case of your LA',
  security: [{ bearerAuth: [] }],
  request: { params: z.object({ id: CaseId }) },
  responses: { 200: json(CaseViewSchema, 'The case'), ...errorResponses },
});
const prefs = createRoute({
  method: 'put',
  path: '/cases/{id}/preferences',
  tags: ['cases'],
  summary: 'Record the ranked preferences',
  security: [{ bearerAuth: [] }],
  request: {
    params: z.object({ id: CaseId }),
    body: { required: true, content: { 'application/json': { schema: PreferencesSchema } } },
  },
  responses: { 200: json(CaseViewSchema, 'Recorded'), ...errorResponses, 409: conflictResponses[409] },
});
const alloc = createRoute({
  method: 'post',
  path: '/cases/{id}/allocate',
  tags: ['cases'],
  summary: 'Allocate the first available place in order of preference',
  description:
    'Holds the place atomically (listing, placement, case and audit in one transaction). 409 no_available_place lists each preference and why it had no place. Send Idempotency-Key to make retries safe: a repeat returns the first result and changes nothing.',
  security: [{ bearerAuth: [] }],
  request: { params: z.object({ id: CaseId }), headers: z.object({ 'idempotency-key': z.optional(IdempotencyKey) }) },
  responses: {
    201: json(
      () =>
        z
          .object({
            placement: z.any(),
            skipped: z.array(z.object({ urn: z.string(), rank: z.number(), reason: z.string() })),
            case: CaseViewSchema(),
          })
          .check(z.meta({ id: 'Allocation' })),
      'Allocated: the placement is consulting',
    ),
    ...errorResponses,
    409: conflictResponses[409],
  },
});
const list = createRoute({
  method: 'get',
  path: '/cases',
  tags: ['cases'],
  summary:
    'Your LA’s cases, active ones first (la); a member LA’s cases for a round, without their references (partnership, with la=)',
  security: [{ bearerAuth: [] }],
  request: {
    query: z.strictObject({
      state: z.optional(z.enum(CASE_STATES, { error: `must be one of ${CASE_STATES.join(', ')}` })),
      active: z
        .optional(
          z.pipe(
            z.enum(['true', 'false'], { error: 'must be true or false' }),
            z.transform((v) => v === 'true'),
          ),
        )
        .check(z.meta({ description: 'Only cases still open, allocated or named.' })),
      la: z.optional(GssCode).check(z.meta({ description: 'A partnership names the member LA whose cases it lists.' })),
      ...PageQuery,
    }),
  },
  responses: { 200: json(pageOf(CaseSummarySchema, 'CasePage'), 'A page of cases'), ...errorResponses },
});
const waitingList = createRoute({
  method: 'get',
  path: '/settings/{urn}/listings/{listingId}/waiting-list',
  tags: ['cases'],
  summary:
    'A listing’s waiting list, in the order freed places are offered (la, partnership, national, the setting’s provider)',
  description:
    'Cases that found no place join the waiting list of each suitable listing of their preferred settings, first come first offered. Case ids are shown only to the case’s own LA.',
  security: [{ bearerAuth: [] }],
  request: { params: z.object({ urn: Urn, listingId: ListingId }), query: z.strictObject({ ...PageQuery }) },
  responses: {
    200: json(
      () =>
        z
          .object({
            urn: z.string(),
            listingId: z.string(),
            items: z.array(
              z.object({
                position: z.number(),
                laCode: z.string(),
                joinedAt: z.string(),
                daysWaiting: z.number(),
                caseId: z.optional(z.string()),
              }),
            ),
            nextCursor: z.nullable(z.string()),
          })
          .check(z.meta({ id: 'WaitingList' })),
      'The queue',
    ),
    ...errorResponses,
  },
});
const tailored = createRoute({
  method: 'get',
  path: '/cases/{id}/tailored-list',
  tags: ['cases'],
  summary: 'The case’s tailored list',
  security: [{ bearerAuth: [] }],
  request: { params: z.object({ id: CaseId }) },
  responses: { 200: json(() => z.any(), 'The tailored list'), ...errorResponses },
});

/** Cases and allocation, for the child's own LA only. */
export function casesApp(deps: Deps) {
  return contextApp(deps)
    .openapi(list, async (c) => {
      const principal = requireRole(c.get('principal'), ['la', 'partnership']);
      const { state, active, limit, cursor, la } = c.req.valid('query');
      return c.json(
        await listCases(deps, principal, {
          ...(la ? { la } : {}),
          ...(state ? { state } : {}),
          ...(active ? { active } : {}),
          limit,
          ...(cursor ? { cursor } : {}),
        }),
        200,
      );
    })
    .openapi(waitingList, async (c) => {
      const principal = requireRole(c.get('principal'), ['la', 'partnership', 'national', 'provider']);
      const { urn, listingId } = c.req.valid('param');
      const { limit, cursor } = c.req.valid('query');
      return c.json(await waitingListView(deps, principal, urn, listingId, limit, cursor), 200);
    })
    .openapi(create, async (c) => {
      const principal = requireRole(c.get('principal'), ['la']);
      return c.json(await openCase(deps, principal, c.req.valid('json')), 201);
    })
    .openapi(read, async (c) => {
      const principal = requireRole(c.get('principal'), ['la']);
      return c.json(await caseView(deps, await ownCase(deps, principal, c.req.valid('param').id)), 200);
    })
    .openapi(prefs, async (c) => {
      const principal = requireRole(c.get('principal'), ['la']);
      return c.json(await setPreferences(deps, principal, c.req.valid('param').id, c.req.valid('json')), 200);
    })
    .openapi(alloc, async (c) => {
      const principal = requireRole(c.get('principal'), ['la']);
      const result = await allocate(deps, principal, c.req.valid('param').id, c.req.valid('header')['idempotency-key']);
      return c.json(result.body, 201);
    })
    .openapi(tailored, async (c) => {
      const principal = requireRole(c.get('principal'), ['la']);
      const kase = await ownCase(deps, principal, c.req.valid('param').id);
      return c.json(
        await tailoredListFor(deps, principal, {
          needs: kase.needs,
          age: kase.age,
          band: kase.band,
          from: kase.homeDistrict,
          scope: 'national',
          ...(kase.postSixteen ? { postSixteen: true } : {}),
        }),
        200,
      );
    });
}
