import * as z from 'zod/mini';
import { createRoute, lazySchema } from './openapi.ts';
import '@placements/domain/zod-english.ts';

// Schemas shared by several contexts. A context's own schemas live with it (or in schemas-<context>.ts),
// so a Lambda builds only the schemas of its own routes at start-up.
import {
  NEED_CODES,
  SETTING_TYPES,
  GSS_LA_PATTERN,
  LISTING_ID_PATTERN,
  PLACEMENT_STATES,
  DECLINE_REASONS,
  GOVERNANCE,
  ATTENDANCE,
} from '@placements/domain';
import { DEFAULT_LIMIT, MAX_LIMIT } from '@placements/store';

const list = (values: readonly string[]) => values.join(', ');

export const ErrorSchema = lazySchema(() =>
  z
    .object({
      error: z.object({
        code: z.string().check(z.meta({ example: 'invalid_request' })),
        message: z.string().check(z.meta({ example: 'The request has 1 invalid field: la.' })),
        details: z.array(z.catchall(z.object({ field: z.string(), message: z.string() }), z.unknown())),
      }),
    })
    .check(z.meta({ id: 'Error' })),
);

export const LaCode = z
  .string()
  .check(
    z.regex(GSS_LA_PATTERN, { error: 'must be an English LA GSS code such as E10000016 (Kent)' }),
    z.meta({ example: 'E10000016' }),
  );

export const Urn = z
  .string()
  .check(
    z.regex(/^\d{6}$/, { error: 'must be a six-digit URN, as in Get Information About Schools' }),
    z.meta({ example: '118946' }),
  );

export const NeedCodeSchema = z.enum(NEED_CODES, { error: `must be one of the SEN need codes: ${list(NEED_CODES)}` });
export const SettingTypeSchema = z.enum(SETTING_TYPES, { error: `must be one of: ${list(SETTING_TYPES)}` });

/** limit and cursor, shared by every list route (api.md, pagination). */
export const PageQuery = {
  limit: z
    ._default(
      z.coerce
        .number({ error: `must be a whole number from 1 to ${MAX_LIMIT}` })
        .check(
          z.int({ error: `must be a whole number from 1 to ${MAX_LIMIT}` }),
          z.minimum(1, { error: `must be a whole number from 1 to ${MAX_LIMIT}` }),
          z.maximum(MAX_LIMIT, { error: `must be at most ${MAX_LIMIT}` }),
        ),
      DEFAULT_LIMIT,
    )
    .check(z.meta({ description: `Page size, default ${DEFAULT_LIMIT}, at most ${MAX_LIMIT}.` })),
  cursor: z
    .optional(
      z.string().check(z.minLength(1), z.maxLength(2048, { error: 'is too long to be a cursor this API issued' })),
    )
    .check(z.meta({ description: 'nextCursor from the previous page.' })),
};

export const pageOf = <T extends z.ZodMiniType>(item: () => T, name: string) =>
  lazySchema(() =>
    z.object({ items: z.array(item()), nextCursor: z.nullable(z.string()) }).check(z.meta({ id: name })),
  );

export const errorResponses = {
  400: {
    description: 'Invalid input: every invalid field is listed in details.',
    content: { 'application/json': { schema: ErrorSchema } },
  },
  401: {
    description: 'No token, or a token that is malformed, expired or not signed by a trusted key.',
    content: { 'application/json': { schema: ErrorSchema } },
  },
  403: {
    description: 'Authenticated, but this role or organisation may not do this.',
    content: { 'application/json': { schema: ErrorSchema } },
  },
  404: { description: 'Not found.', content: { 'application/json': { schema: ErrorSchema } } },
  503: {
    description: 'The store is unavailable; retry after the Retry-After seconds.',
    content: { 'application/json': { schema: ErrorSchema } },
  },
} as const;

/** A JSON response; give its schema as a builder (() => schema) so that only the document builds it. */
export const json = (schema: z.ZodMiniType | (() => z.ZodMiniType), description: string) => ({
  description,
  content: { 'application/json': { schema: typeof schema === 'function' ? lazySchema(schema) : schema } },
});

export const ListingId = z
  .string()
  .check(
    z.regex(LISTING_ID_PATTERN, { error: 'must be lower-case letters, digits and hyphens, such as s2-day' }),
    z.meta({ example: 's2-day' }),
  );

export const conflictResponses = {
  409: { description: 'Conflict with the current state.', content: { 'application/json': { schema: ErrorSchema } } },
  412: {
    description: 'If-Match names a version other than the current one; details[0].current is the listing as it is now.',
    content: { 'application/json': { schema: ErrorSchema } },
  },
  428: {
    description: 'The listing exists: send If-Match with its current version to replace it.',
    content: { 'application/json': { schema: ErrorSchema } },
  },
  422: {
    description:
      'The Idempotency-Key was already used for another request in the last 24 hours; details name the header.',
    content: { 'application/json': { schema: ErrorSchema } },
  },
  429: {
    description:
      'The caller’s own quota for this action is used up for the minute: Retry-After says when the next minute opens; details name the limit.',
    content: { 'application/json': { schema: ErrorSchema } },
  },
} as const;

/**
 * An authenticated POST that acts on one resource named by its id (an answer, a naming, a redaction):
 * its JSON body, the resource as it is after (`done` describes it), and 409 when the resource's state
 * does not allow the action.
 */
export const actionRoute = <I extends z.ZodMiniType, B extends z.ZodMiniType>(a: {
  tag: string;
  path: string;
  summary: string;
  description?: string;
  id: I;
  body: B;
  out: z.ZodMiniType | (() => z.ZodMiniType);
  done: string;
  status?: 200 | 201;
}) =>
  createRoute({
    method: 'post',
    path: a.path,
    tags: [a.tag],
    summary: a.summary,
    ...(a.description === undefined ? {} : { description: a.description }),
    security: [{ bearerAuth: [] }],
    request: {
      params: z.object({ id: a.id }),
      body: { required: true, content: { 'application/json': { schema: a.body } } },
    },
    responses: { [a.status ?? 200]: json(a.out, a.done), ...errorResponses, 409: conflictResponses[409] },
  });

/** A setting as search, the tailored list and the allocation show it (no provider's contacts). */
export const PlaceSettingSchema = () =>
  z.object({
    urn: z.string(),
    name: z.string(),
    type: z.enum(SETTING_TYPES),
    governance: z.enum(GOVERNANCE),
    laCode: z.string(),
    district: z.string(),
    lat: z.number(),
    lon: z.number(),
    section41: z.boolean(),
    phase: z.optional(z.string()),
  });

/** The listing behind a search result or a tailored-list entry. */
export const PlaceListingSchema = () =>
  z.object({
    listingId: z.string(),
    band: z.string(),
    needs: z.array(z.string()),
    ageMin: z.number(),
    ageMax: z.number(),
    attendance: z.enum(ATTENDANCE),
    available: z.number(),
    availableFrom: z.string(),
    price: z.number(),
    frameworkVersion: z.string(),
    version: z.number(),
  });

const ProvisionGroupSchema = () =>
  z.enum(['mainstream', 'specialist', 'independent', 'alternative_provision', 'post16', 'early_years']);

/** The tailored list, from a search (/places/tailored-list) or hung off a case: one schema for both. */
export const TailoredListSchema = lazySchema(() =>
  z
    .object({
      included: z.array(
        z
          .object({
            setting: PlaceSettingSchema(),
            listing: PlaceListingSchema(),
            group: ProvisionGroupSchema(),
            distanceKm: z.nullable(z.number()),
            outOfArea: z.boolean(),
            placeNow: z.boolean(),
            placeFrom: z
              .nullable(z.string())
              .check(z.meta({ description: 'When a place is free, if not now; null when the listing is full.' })),
            reasons: z.array(z.string()).check(z.meta({ description: 'Why the setting is on the list.' })),
          })
          .check(z.meta({ id: 'TailoredEntry' })),
      ),
      nearMisses: z.array(
        z
          .object({
            setting: PlaceSettingSchema(),
            listing: PlaceListingSchema(),
            group: ProvisionGroupSchema(),
            distanceKm: z.nullable(z.number()),
            whyNot: z.array(z.string()).check(z.meta({ description: 'Each criterion the setting misses.' })),
          })
          .check(z.meta({ id: 'NearMiss' })),
      ),
      asOf: z.string(),
    })
    .check(z.meta({ id: 'TailoredList' })),
);

/** A preference passed over on the way to the place allocated, and why. */
export const SkippedPreferenceSchema = () => z.object({ urn: z.string(), rank: z.number(), reason: z.string() });

export const PlacementSchema = lazySchema(() =>
  z
    .catchall(
      z.object({
        id: z.string(),
        caseId: z.optional(z.string()),
        laCode: z.string(),
        urn: z.string(),
        listingId: z.string(),
        providerId: z.string(),
        state: z.enum(PLACEMENT_STATES),
        respondBy: z.string(),
        skipped: z.optional(z.array(SkippedPreferenceSchema())),
        declineReasons: z.optional(z.array(z.enum(DECLINE_REASONS))),
        declineDetail: z.optional(z.string()),
        namingNote: z.optional(z.string()),
        refusalReason: z.optional(z.string()),
        fromWaitingList: z.optional(z.boolean()),
        band: z.optional(z.string().check(z.meta({ description: 'The case’s band.' }))),
        need: z.optional(z.string().check(z.meta({ description: 'The case’s primary need.' }))),
        price: z.optional(z.number()),
        createdAt: z.string(),
        version: z.number(),
      }),
      z.unknown(),
    )
    .check(
      z.meta({
        id: 'Placement',
        description:
          'The owning LA sees the whole placement; the setting’s provider sees what it needs to decide (no caseId, rank, skipped preferences, distance or how the place came).',
      }),
    ),
);
