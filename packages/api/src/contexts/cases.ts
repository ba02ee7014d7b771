import * as z from 'zod/mini';
import { createRoute, lazySchema } from '../openapi.ts';
import {
  CASE_CSV_COLUMNS,
  CASE_CSV_OPTIONAL,
  CASE_STATES,
  CaseInputSchema,
  MAINSTREAM_REFUSAL_GROUND,
  MAX_CASES_PER_UPLOAD,
  parseCasesCsv,
  PreferencesSchema,
  ValidationError,
} from '@placements/domain';
import { requireRole } from '../auth.ts';
import { contextApp, type Deps } from '../http.ts';
import {
  conflictResponses,
  ErrorSchema,
  errorResponses,
  LaCode,
  json,
  ListingId,
  pageOf,
  PageQuery,
  PlacementSchema,
  TailoredListSchema,
  Urn,
} from '../schemas.ts';
import { caseView, listCases, openCase, ownCase, setPreferences } from '../services/cases.ts';
import { allocate } from '../services/allocation.ts';
import { waitingListView } from '../services/waiting-lists.ts';
import { tailoredListFor } from '../services/tailored.ts';
import { bulkOpenCases } from '../services/case-bulk.ts';
import { BulkErrorSchema } from '../schemas-capacity.ts';

const CaseId = z.string().check(z.uuid({ error: 'must be a case id as returned by POST /cases' }));
const CaseFields = () => ({
  id: z.string(),
  reference: z.string(),
  ref: z.optional(z.string()),
  laCode: z.string(),
  needs: z.array(z.string()),
  band: z.string(),
  age: z.number(),
  homeDistrict: z.string(),
  postSixteen: z.boolean(),
  phaseTransferDeadline: z.optional(z.string()),
  state: z.enum(CASE_STATES),
  openedAt: z.string(),
  withoutPlaceSince: z.string(),
  version: z.number(),
  daysWithoutPlace: z.number(),
  preferences: z.optional(
    z.object({
      holder: z.enum(['parent', 'young_person']),
      ranked: z.array(z.string()).check(z.meta({ description: 'URNs in the family’s order, most preferred first.' })),
      mainstreamRequested: z.optional(z.boolean()),
    }),
  ),
  escalations: z.optional(
    z.array(z.object({ kind: z.string(), key: z.string(), raisedAt: z.string(), message: z.string() })),
  ),
  mainstreamRefusals: z.optional(
    z
      .array(
        z.object({
          urn: z.string(),
          settingName: z.string(),
          ground: z.literal(MAINSTREAM_REFUSAL_GROUND),
          evidence: z.string(),
          placementId: z.string(),
          by: z.object({ sub: z.string(), role: z.string(), org: z.string() }),
          at: z.string(),
        }),
      )
      .check(
        z.meta({
          description: 'Mainstream requests the LA refused, recorded with the naming (POST /placements/{id}/naming).',
        }),
      ),
  ),
});
const CaseViewSchema = lazySchema(() =>
  z
    .object({
      ...CaseFields(),
      placement: z.optional(PlacementSchema()),
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
/** What a partnership sees of a member LA's case to choose it for a round: no reference, no home district. */
const CaseForRoundSchema = lazySchema(() =>
  z
    .object({
      id: z.string(),
      laCode: z.string(),
      needs: z.array(z.string()),
      band: z.string(),
      age: z.number(),
      state: z.string(),
      openedAt: z.string(),
      withoutPlaceSince: z.optional(z.string()),
      phaseTransferDeadline: z.optional(z.string()),
      daysWithoutPlace: z.number(),
    })
    .check(
      z.meta({
        id: 'CaseForRound',
        description: 'A member LA’s case as its partnership sees it (GET /cases?laCode=): what a round needs.',
      }),
    ),
);
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
    'Holds the place atomically (listing, placement, case and audit in one transaction). 409 no_available_place lists each preference and why it had no place. Send Idempotency-Key to make retries safe: a repeat for the same case within 24 hours returns the first result and changes nothing; the same key for another case is a 422 naming the header.',
  security: [{ bearerAuth: [] }],
  request: { params: z.object({ id: CaseId }), headers: z.object({ 'idempotency-key': z.optional(IdempotencyKey) }) },
  responses: {
    201: json(
      () =>
        z
          .object({
            placement: PlacementSchema(),
            skipped: z.array(z.object({ urn: z.string(), rank: z.number(), reason: z.string() })),
            case: CaseViewSchema(),
          })
          .check(z.meta({ id: 'Allocation' })),
      'Allocated: the placement is consulting',
    ),
    ...errorResponses,
    409: conflictResponses[409],
    422: conflictResponses[422],
    429: conflictResponses[429],
  },
});
const list = createRoute({
  method: 'get',
  path: '/cases',
  tags: ['cases'],
  summary:
    'Your LA’s cases, active ones first (la); a member LA’s cases for a round, without their references (partnership, with laCode=)',
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
      laCode: z
        .optional(LaCode)
        .check(z.meta({ description: 'A partnership names the member LA whose cases it lists.' })),
      ...PageQuery,
    }),
  },
  responses: {
    200: json(
      pageOf(
        lazySchema(() => z.union([CaseSummarySchema(), CaseForRoundSchema()])),
        'CasePage',
      ),
      'A page of cases: an LA’s own in full (CaseSummary), a member LA’s as its partnership sees them (CaseForRound)',
    ),
    ...errorResponses,
  },
});
const waitingList = createRoute({
  method: 'get',
  path: '/settings/{urn}/listings/{listingId}/waiting-list',
  tags: ['cases'],
  summary:
    'A listing’s waiting list, in the order freed places are offered (la, partnership, national, the setting’s provider)',
  description:
    'Cases that found no place join the waiting list of each suitable listing of their preferred settings, first come first offered. An LA sees only its own entries (with case id, join time and how many are ahead); a partnership its member LAs’ entries; the provider and the national team every position with its LA and days waiting, never case ids or exact times.',
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
                ahead: z.optional(z.number()),
                laCode: z.string(),
                joinedAt: z.optional(z.string()),
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
  responses: { 200: json(TailoredListSchema, 'The tailored list'), ...errorResponses },
});

const bulkRoute = createRoute({
  method: 'post',
  path: '/cases:bulk',
  tags: ['cases'],
  summary: 'Open many cases from a sheet (la): every valid row saved, every invalid row reported by line',
  description: `CSV (text/csv) with the header ${CASE_CSV_COLUMNS.join(',')} (optional columns: ${CASE_CSV_OPTIONAL.join(', ')}); needs and ranked URNs separated by ";". Each row is checked exactly as POST /cases and PUT /cases/{id}/preferences check one case, and saved with its preferences in a transaction of its own: valid rows are saved, invalid ones reported with all their problems by line, no row half-written. At most ${MAX_CASES_PER_UPLOAD} rows a request (npm run upload:cases and the web app send a long sheet in parts, which is how they show progress). 200 when any row was saved; 400 when none was. With an Idempotency-Key, a retried request finds the rows it saved already (alreadySaved) and opens none twice.`,
  security: [{ bearerAuth: [] }],
  request: {
    headers: z.object({ 'idempotency-key': z.optional(IdempotencyKey) }),
    body: {
      required: true,
      content: {
        'text/csv': {
          schema: z.string().check(
            z.meta({
              example: `${CASE_CSV_COLUMNS.join(',')}\nASD;SLCN,S3,9,ME14,parent,900123;900456,false`,
            }),
          ),
        },
      },
    },
  },
  responses: {
    200: json(
      () =>
        z
          .object({
            received: z.number().check(z.int()),
            saved: z.number().check(z.int()),
            rejected: z
              .number()
              .check(z.int())
              .check(z.meta({ description: 'Rows not saved.' })),
            cases: z.array(
              z.object({
                line: z.number().check(z.int()),
                id: z.string(),
                reference: z.string(),
                ref: z.optional(z.string()),
                alreadySaved: z.optional(z.boolean()),
              }),
            ),
            problems: z.array(z.object({ line: z.number().check(z.int()), field: z.string(), message: z.string() })),
          })
          .check(z.meta({ id: 'CaseBulkResult' })),
      'At least one row saved: the saved cases by line, and every problem of the rows not saved',
    ),
    400: json(BulkErrorSchema, 'No row saved (or the sheet as a whole is wrong): every problem, by line and column'),
    401: errorResponses[401],
    403: errorResponses[403],
    413: { description: 'Body over 1 MiB.', content: { 'application/json': { schema: ErrorSchema } } },
  },
});

/** Cases and allocation, for the child's own LA only. */
export function casesApp(deps: Deps) {
  const app = contextApp(deps);
  // The colon in "cases:bulk" is literal, which Hono's path syntax would read as a parameter, so
  // the route is registered with a regex segment and documented from bulkRoute (as listings:bulk).
  app.document(bulkRoute);
  app.post('/:op{cases:bulk}', async (c) => {
    const principal = requireRole(c.get('principal'), ['la']);
    const type = (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
    if (type !== 'text/csv' && type !== 'text/plain')
      throw new ValidationError([{ field: 'Content-Type', message: 'must be text/csv' }]);
    const key = c.req.header('idempotency-key');
    if (key !== undefined) {
      const checked = IdempotencyKey.safeParse(key);
      if (!checked.success)
        throw new ValidationError([{ field: 'Idempotency-Key', message: checked.error.issues[0]!.message }]);
    }
    return c.json(
      await bulkOpenCases(
        deps,
        principal,
        parseCasesCsv(await c.req.text()),
        key !== undefined ? { idempotencyKey: key } : {},
      ),
      200,
    );
  });
  return app
    .openapi(list, async (c) => {
      const principal = requireRole(c.get('principal'), ['la', 'partnership']);
      const { state, active, limit, cursor, laCode } = c.req.valid('query');
      return c.json(
        await listCases(deps, principal, {
          ...(laCode ? { laCode } : {}),
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
