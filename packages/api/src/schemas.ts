import { z } from '@hono/zod-openapi';
import { ATTENDANCE, GOVERNANCE, NEED_CODES, SETTING_SOURCES, SETTING_TYPES, GSS_LA_PATTERN, DISTRICT_PATTERN, LISTING_ID_PATTERN, ListingInputSchema, FrameworkInputSchema } from '@placements/domain';
import { DEFAULT_LIMIT, MAX_LIMIT } from '@placements/store';

const list = (values: readonly string[]) => values.join(', ');

export const ErrorSchema = z
  .object({
    error: z.object({
      code: z.string().openapi({ example: 'invalid_request' }),
      message: z.string().openapi({ example: 'The request has 1 invalid field: la.' }),
      details: z.array(z.object({ field: z.string(), message: z.string() }).passthrough()),
    }),
  })
  .openapi('Error');

export const GssCode = z
  .string()
  .regex(GSS_LA_PATTERN, { error: 'must be an English LA GSS code such as E10000016 (Kent)' })
  .openapi({ example: 'E10000016' });

export const Urn = z
  .string()
  .regex(/^\d{6}$/, { error: 'must be a six-digit URN, as in Get Information About Schools' })
  .openapi({ example: '118946' });

export const NeedCodeSchema = z.enum(NEED_CODES, { error: `must be one of the SEN need codes: ${list(NEED_CODES)}` });
export const SettingTypeSchema = z.enum(SETTING_TYPES, { error: `must be one of: ${list(SETTING_TYPES)}` });

/** limit and cursor, shared by every list route (api.md, pagination). */
export const PageQuery = {
  limit: z.coerce
    .number({ error: `must be a whole number from 1 to ${MAX_LIMIT}` })
    .int({ error: `must be a whole number from 1 to ${MAX_LIMIT}` })
    .min(1, { error: `must be a whole number from 1 to ${MAX_LIMIT}` })
    .max(MAX_LIMIT, { error: `must be at most ${MAX_LIMIT}` })
    .default(DEFAULT_LIMIT)
    .openapi({ description: `Page size, default ${DEFAULT_LIMIT}, at most ${MAX_LIMIT}.` }),
  cursor: z.string().min(1).max(2048, { error: 'is too long to be a cursor this API issued' }).optional().openapi({ description: 'nextCursor from the previous page.' }),
};

export const pageOf = <T extends z.ZodTypeAny>(item: T, name: string) =>
  z.object({ items: z.array(item), nextCursor: z.string().nullable() }).openapi(name);

export const LocalAuthoritySchema = z
  .object({
    gssCode: GssCode,
    dfeNumber: z.string().openapi({ example: '886' }),
    name: z.string().openapi({ example: 'Kent' }),
    regionCode: z.string().openapi({ example: 'E12000008' }),
    regionName: z.string().openapi({ example: 'South East' }),
    lat: z.number(),
    lon: z.number(),
    extentKm: z.number().optional().openapi({ description: 'How far the LA reaches from its centroid, in km.' }),
  })
  .openapi('LocalAuthority');

export const PartnershipSchema = z
  .object({
    id: z.string().openapi({ example: 'se19' }),
    name: z.string().openapi({ example: 'SE19 South East partnership' }),
    regionCode: z.string().optional(),
    members: z.array(z.string()).openapi({ description: 'GSS codes of the member LAs.' }),
    remit: z.array(z.string()).openapi({ description: 'What the members commission together.' }),
  })
  .openapi('Partnership');

export const BandSchema = z
  .object({
    code: z.string().openapi({ example: 'S2' }),
    name: z.string(),
    description: z.string(),
    needLevel: z.number().int().min(1).max(5),
    provisionTypes: z.array(SettingTypeSchema),
    typicalNeeds: z.array(NeedCodeSchema),
    residentialAllowed: z.boolean(),
  })
  .openapi('Band');

export const TariffSchema = z
  .object({
    band: z.string(),
    elements: z.object({
      placeFunding: z.number().int(),
      topUp: z.number().int(),
      staffRatio: z.string(),
      therapies: z.number().int(),
      residential: z.object({ day: z.number().int(), residential_38: z.number().int(), residential_52: z.number().int() }),
    }),
    annualPrice: z.number().int().openapi({ description: 'Day price in pence per year.' }),
    variation: z.object({ minPercent: z.number(), maxPercent: z.number() }),
  })
  .openapi('Tariff');

export const FrameworkSchema = z
  .object({
    version: z.string().openapi({ example: 'v1' }),
    effectiveFrom: z.string().openapi({ example: '2026-09-01' }),
    publishedAt: z.string(),
    bands: z.array(BandSchema),
    tariffs: z.array(TariffSchema),
  })
  .openapi('Framework');

export const ListingSchema = z
  .object({
    listingId: z.string(),
    urn: Urn,
    band: z.string(),
    needs: z.array(NeedCodeSchema),
    ageMin: z.number().int(),
    ageMax: z.number().int(),
    attendance: z.enum(ATTENDANCE),
    commissioned: z.number().int(),
    filled: z.number().int(),
    held: z.number().int(),
    available: z.number().int().openapi({ description: 'commissioned − filled − held; read-only.' }),
    availableFrom: z.string(),
    price: z.number().int().openapi({ description: 'Pence per year.' }),
    frameworkVersion: z.string(),
    variationReason: z.string().optional(),
    reservedFor: z.object({ partnershipId: z.string(), places: z.number().int() }).optional().openapi({ description: 'Places block-commissioned by a partnership: only its member LAs may allocate them.' }),
    reservedUsed: z.number().int().optional().openapi({ description: 'Block places in use by members’ placements (held or filled); read-only.' }),
    unreserved: z.number().int().optional().openapi({ description: 'Places anyone may take: available less the unused block places; read-only.' }),
    version: z.number().int(),
    updatedAt: z.string(),
  })
  .openapi('Listing');

export const SettingSchema = z
  .object({
    urn: Urn,
    name: z.string(),
    type: SettingTypeSchema,
    governance: z.enum(GOVERNANCE),
    laCode: GssCode,
    providerId: z.string(),
    trustId: z.string().optional(),
    ukprn: z.string().optional(),
    district: z.string().regex(DISTRICT_PATTERN),
    lat: z.number(),
    lon: z.number(),
    ageMin: z.number().int(),
    ageMax: z.number().int(),
    needs: z.array(NeedCodeSchema),
    section41: z.boolean(),
    source: z.enum(SETTING_SOURCES).openapi({ description: 'generated marks demo data; the others name the public list a record came from.' }),
    phase: z.string().optional(),
    trustName: z.string().optional(),
    resourcedProvisionCapacity: z.number().int().optional(),
    senUnitCapacity: z.number().int().optional(),
    listings: z.array(ListingSchema),
  })
  .openapi('Setting');

export const HealthSchema = z
  .object({ status: z.enum(['ok', 'degraded']), store: z.enum(['reachable', 'unreachable']), time: z.string() })
  .openapi('Health');

export const errorResponses = {
  400: { description: 'Invalid input: every invalid field is listed in details.', content: { 'application/json': { schema: ErrorSchema } } },
  401: { description: 'No token, or a token that is malformed, expired or not signed by a trusted key.', content: { 'application/json': { schema: ErrorSchema } } },
  403: { description: 'Authenticated, but this role or organisation may not do this.', content: { 'application/json': { schema: ErrorSchema } } },
  404: { description: 'Not found.', content: { 'application/json': { schema: ErrorSchema } } },
  503: { description: 'The store is unavailable; retry after the Retry-After seconds.', content: { 'application/json': { schema: ErrorSchema } } },
} as const;

export const json = <T extends z.ZodTypeAny>(schema: T, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});

export const ListingId = z
  .string()
  .regex(LISTING_ID_PATTERN, { error: 'must be lower-case letters, digits and hyphens, such as s2-day' })
  .openapi({ example: 's2-day' });

/**
 * The domain's own input schemas, used as they are (so the API validates exactly what the domain
 * defines); they are inlined in the OpenAPI document rather than named components.
 */
export const ListingInput = ListingInputSchema;
export const FrameworkInput = FrameworkInputSchema;

export const AuditEventSchema = z
  .object({
    eventId: z.string(),
    entity: z.string().openapi({ example: 'listing:900001:s2-day' }),
    action: z.string().openapi({ example: 'listing.replaced' }),
    actor: z.object({ sub: z.string(), role: z.string(), org: z.string() }),
    at: z.string(),
    before: z.unknown().optional(),
    after: z.unknown().optional(),
  })
  .openapi('AuditEvent');

const RowProblem = z.object({ field: z.string(), message: z.string(), line: z.number().int().optional(), row: z.number().int().optional() });

export const BulkResultSchema = z
  .object({
    urn: Urn,
    received: z.number().int(),
    created: z.number().int(),
    replaced: z.number().int(),
    unchanged: z.number().int(),
    listings: z.array(ListingSchema),
  })
  .openapi('BulkResult');

export const BulkErrorSchema = z
  .object({ error: z.object({ code: z.string(), message: z.string(), details: z.array(RowProblem) }) })
  .openapi('BulkError');

export const conflictResponses = {
  409: { description: 'Conflict with the current state.', content: { 'application/json': { schema: ErrorSchema } } },
  412: { description: 'If-Match names a version other than the current one; details[0].current is the listing as it is now.', content: { 'application/json': { schema: ErrorSchema } } },
  428: { description: 'The listing exists: send If-Match with its current version to replace it.', content: { 'application/json': { schema: ErrorSchema } } },
} as const;
