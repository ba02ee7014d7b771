import * as z from 'zod/mini';
import { createRoute, lazySchema } from '../openapi.ts';
import {
  DECLINE_REASONS,
  DIRECTION_KINDS,
  DIRECTION_STATES,
  MAINSTREAM_REFUSAL_GROUND,
  PLACEMENT_STATES,
  placementSeenBy,
  shortText,
} from '@placements/domain';
import { requireRole } from '../auth.ts';
import { contextApp, type Deps } from '../http.ts';
import { DIRECTION_TEXT_FIELDS, PLACEMENT_TEXT_FIELDS } from '@placements/store';
import { actionRoute, errorResponses, json, pageOf, PageQuery, PlacementSchema, Urn } from '../schemas.ts';
import {
  admission,
  admitDirected,
  appeal,
  redactDirection,
  determine,
  direct,
  name,
  placementsOfSetting,
  placementView,
  redact,
  respond,
} from '../services/placements.ts';
import { appeals, directionsOfTrust, directionView } from '../services/directions.ts';

const Id = z.string().check(z.uuid({ error: 'must be an id as returned by the API' }));
const DirectionSchema = lazySchema(() =>
  z
    .catchall(
      z.object({
        id: z.string(),
        placementId: z.string(),
        kind: z.enum(DIRECTION_KINDS),
        state: z.enum(DIRECTION_STATES),
      }),
      z.unknown(),
    )
    .check(z.meta({ id: 'Direction' })),
);
/** An action on a placement or a direction; each route's body is checked by the service it calls. */
const route = <B extends z.ZodMiniType>(
  path: string,
  summary: string,
  body: B,
  out: z.ZodMiniType,
  status: 200 | 201 = 200,
) => actionRoute({ tag: 'placements', path, summary, id: Id, body, out, done: 'Done', status });

const responseRoute = route(
  '/placements/{id}/response',
  'The setting accepts, or declines with reasons from the legal tests (provider)',
  z.strictObject({
    decision: z.enum(['accept', 'decline'], { error: 'must be accept or decline' }),
    reasons: z.optional(
      z.array(
        z.enum(DECLINE_REASONS, { error: `must be reasons from the legal tests: ${DECLINE_REASONS.join(', ')}` }),
      ),
    ),
    detail: z.optional(shortText()),
  }),
  PlacementSchema(),
);
const namingRoute = route(
  '/placements/{id}/naming',
  'The LA names the setting (owning la)',
  z.strictObject({
    note: z.optional(shortText()),
    mainstreamRefusal: z.optional(
      z
        .strictObject({
          urn: z
            .string({ error: 'is required: the URN of the mainstream setting refused' })
            .check(z.regex(/^\d{6}$/, { error: 'must be a six-digit URN' })),
          ground: z
            .string({ error: `is required: ${MAINSTREAM_REFUSAL_GROUND}` })
            .check(z.meta({ description: `The legal ground; the only one allowed is ${MAINSTREAM_REFUSAL_GROUND}.` })),
          evidence: z.pipe(
            z
              .string({ error: 'is required: the evidence for the refusal' })
              .check(z.minLength(1, { error: 'is required: the evidence for the refusal' })),
            shortText(1000),
          ),
        })
        .check(
          z.meta({
            description:
              'The family asked for a mainstream setting (ranked, with mainstreamRequested) and the LA refuses it as incompatible with the provision of efficient education for others. Kept with the case, in its history and counted in the sufficiency view.',
          }),
        ),
    ),
  }),
  PlacementSchema(),
);
const admissionRoute = route(
  '/placements/{id}/admission',
  'The named setting records admission or refusal (provider)',
  z.strictObject({
    decision: z.enum(['admitted', 'refused'], { error: 'must be admitted or refused' }),
    reason: z.optional(shortText()),
  }),
  PlacementSchema(),
);
const directionsRoute = route(
  '/placements/{id}/directions',
  'Direct admission: LA direction (maintained) or trust backstop (academy); 409 not_directable otherwise (owning la)',
  z.strictObject({}),
  z.object({ placement: PlacementSchema(), direction: DirectionSchema() }),
  201,
);
const appealRoute = route(
  '/directions/{id}/appeal',
  'The trust appeals to the Schools Adjudicator (trust)',
  z.strictObject({
    grounds: z.pipe(z.string({ error: 'is required: the grounds of appeal' }), shortText(1000)),
  }),
  DirectionSchema(),
);
const determinationRoute = route(
  '/directions/{id}/determination',
  'The Schools Adjudicator determines the appeal (adjudicator)',
  z.strictObject({
    outcome: z.enum(['upheld', 'overturned'], { error: 'must be upheld or overturned' }),
    reasons: z.optional(
      z
        .string()
        .check(
          z.minLength(1, { error: 'must not be empty: the reasons for the determination' }),
          z.maxLength(4000, { error: 'must be at most 4,000 characters' }),
        ),
    ),
  }),
  DirectionSchema(),
);
const admitDirectedRoute = route(
  '/directions/{id}/admission',
  'The trust complies with the direction: its academy admits the child (trust)',
  z.strictObject({}),
  DirectionSchema(),
);

const DirectionViewSchema = lazySchema(() =>
  z
    .object({
      id: z.string(),
      kind: z.enum(DIRECTION_KINDS),
      state: z.enum(DIRECTION_STATES),
      laCode: z.string(),
      urn: z.string(),
      settingName: z.string(),
      issuedAt: z.string(),
      daysSinceDirection: z.number(),
      appealGrounds: z.optional(z.string()),
      determinedAt: z.optional(z.string()),
      determinationReasons: z.optional(z.string()),
      case: z.object({ ref: z.string(), band: z.string(), needs: z.array(z.string()) }),
    })
    .check(z.meta({ id: 'DirectionView' })),
);
const AppealSchema = lazySchema(() =>
  z
    .object({
      ...DirectionViewSchema().shape,
      history: z.array(
        z.object({ at: z.string(), action: z.string(), by: z.object({ role: z.string(), org: z.string() }) }),
      ),
    })
    .check(z.meta({ id: 'Appeal' })),
);
const listDirectionsRoute = createRoute({
  method: 'get',
  path: '/directions',
  tags: ['placements'],
  summary: 'Backstop directions to admit addressed to your academies, newest first (trust)',
  security: [{ bearerAuth: [] }],
  request: { query: z.strictObject({ ...PageQuery }) },
  responses: { 200: json(pageOf(DirectionViewSchema, 'DirectionPage'), 'A page of directions'), ...errorResponses },
});
const readDirectionRoute = createRoute({
  method: 'get',
  path: '/directions/{id}',
  tags: ['placements'],
  summary: 'A direction (the trust directed, or the Schools Adjudicator once appealed)',
  security: [{ bearerAuth: [] }],
  request: { params: z.object({ id: Id }) },
  responses: { 200: json(DirectionViewSchema, 'The direction'), ...errorResponses },
});
const listAppealsRoute = createRoute({
  method: 'get',
  path: '/appeals',
  tags: ['placements'],
  summary: 'Appeals lodged, the longest waiting first, each with the case history relevant to it (adjudicator)',
  security: [{ bearerAuth: [] }],
  request: { query: z.strictObject({ ...PageQuery }) },
  responses: { 200: json(pageOf(AppealSchema, 'AppealPage'), 'A page of appeals'), ...errorResponses },
});

const redactionRoute = route(
  '/placements/{id}/redactions',
  'Erase a free-text field of the placement; the audit trail records who, which field and why (owning la)',
  z.strictObject({
    field: z.enum(PLACEMENT_TEXT_FIELDS, { error: `must be one of ${PLACEMENT_TEXT_FIELDS.join(', ')}` }),
    reason: shortText(200),
  }),
  PlacementSchema(),
);

const directionRedactionRoute = route(
  '/directions/{id}/redactions',
  'Erase the grounds of an appeal; the audit trail records who, which field and why (owning la)',
  z.strictObject({
    field: z.enum(DIRECTION_TEXT_FIELDS, { error: `must be one of ${DIRECTION_TEXT_FIELDS.join(', ')}` }),
    reason: shortText(200),
  }),
  DirectionSchema(),
);

const readRoute = createRoute({
  method: 'get',
  path: '/placements/{id}',
  tags: ['placements'],
  summary: 'A placement (the owning la, or the provider of the setting consulted)',
  security: [{ bearerAuth: [] }],
  request: { params: z.object({ id: Id }) },
  responses: { 200: json(PlacementSchema, 'The placement'), ...errorResponses },
});
const ofSettingRoute = createRoute({
  method: 'get',
  path: '/settings/{urn}/placements',
  tags: ['placements'],
  summary:
    'Placements addressed to your setting, newest first: consultations to answer, admissions to record (provider)',
  security: [{ bearerAuth: [] }],
  request: {
    params: z.object({ urn: Urn }),
    query: z.strictObject({
      state: z.optional(z.enum(PLACEMENT_STATES, { error: `must be one of ${PLACEMENT_STATES.join(', ')}` })),
      ...PageQuery,
    }),
  },
  responses: { 200: json(pageOf(PlacementSchema, 'PlacementPage'), 'A page of placements'), ...errorResponses },
});

/** Consultation, naming, admission, direction and appeal: the legal backstops as a state machine. */
export function placementsApp(deps: Deps) {
  return contextApp(deps)
    .openapi(readRoute, async (c) =>
      c.json(
        await placementView(deps, requireRole(c.get('principal'), ['la', 'provider']), c.req.valid('param').id),
        200,
      ),
    )
    .openapi(ofSettingRoute, async (c) => {
      const principal = requireRole(c.get('principal'), ['provider']);
      const { state, limit, cursor } = c.req.valid('query');
      return c.json(
        await placementsOfSetting(deps, principal, c.req.valid('param').urn, {
          ...(state ? { state } : {}),
          limit,
          ...(cursor ? { cursor } : {}),
        }),
        200,
      );
    })
    .openapi(responseRoute, async (c) =>
      c.json(
        placementSeenBy(
          'provider',
          await respond(
            deps,
            requireRole(c.get('principal'), ['provider']),
            c.req.valid('param').id,
            c.req.valid('json'),
          ),
        ),
        200,
      ),
    )
    .openapi(redactionRoute, async (c) =>
      c.json(
        await redact(deps, requireRole(c.get('principal'), ['la']), c.req.valid('param').id, c.req.valid('json')),
        200,
      ),
    )
    .openapi(directionRedactionRoute, async (c) =>
      c.json(
        await redactDirection(
          deps,
          requireRole(c.get('principal'), ['la']),
          c.req.valid('param').id,
          c.req.valid('json'),
        ),
        200,
      ),
    )
    .openapi(namingRoute, async (c) =>
      c.json(
        await name(deps, requireRole(c.get('principal'), ['la']), c.req.valid('param').id, c.req.valid('json')),
        200,
      ),
    )
    .openapi(admissionRoute, async (c) =>
      c.json(
        placementSeenBy(
          'provider',
          await admission(
            deps,
            requireRole(c.get('principal'), ['provider']),
            c.req.valid('param').id,
            c.req.valid('json'),
          ),
        ),
        200,
      ),
    )
    .openapi(directionsRoute, async (c) =>
      c.json(await direct(deps, requireRole(c.get('principal'), ['la']), c.req.valid('param').id), 201),
    )
    .openapi(appealRoute, async (c) =>
      c.json(
        await appeal(
          deps,
          requireRole(c.get('principal'), ['trust']),
          c.req.valid('param').id,
          c.req.valid('json').grounds,
        ),
        200,
      ),
    )
    .openapi(determinationRoute, async (c) =>
      c.json(
        await determine(
          deps,
          requireRole(c.get('principal'), ['adjudicator']),
          c.req.valid('param').id,
          c.req.valid('json').outcome,
          c.req.valid('json').reasons,
        ),
        200,
      ),
    )
    .openapi(admitDirectedRoute, async (c) =>
      c.json(await admitDirected(deps, requireRole(c.get('principal'), ['trust']), c.req.valid('param').id), 200),
    )
    .openapi(listDirectionsRoute, async (c) => {
      const { limit, cursor } = c.req.valid('query');
      const principal = requireRole(c.get('principal'), ['trust']);
      return c.json(await directionsOfTrust(deps, principal, { limit, ...(cursor ? { cursor } : {}) }), 200);
    })
    .openapi(readDirectionRoute, async (c) =>
      c.json(
        await directionView(deps, requireRole(c.get('principal'), ['trust', 'adjudicator']), c.req.valid('param').id),
        200,
      ),
    )
    .openapi(listAppealsRoute, async (c) => {
      const { limit, cursor } = c.req.valid('query');
      const principal = requireRole(c.get('principal'), ['adjudicator']);
      return c.json(await appeals(deps, principal, { limit, ...(cursor ? { cursor } : {}) }), 200);
    });
}
