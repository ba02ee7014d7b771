import * as z from 'zod';
import { ATTENDANCE, DISTRICT_PATTERN, GOVERNANCE, ListingInputSchema, SETTING_SOURCES } from '@placements/domain';
import { GssCode, NeedCodeSchema, SettingTypeSchema, Urn } from './schemas.ts';

// The capacity context's schemas, apart from the shared ones so other Lambdas never build them.
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
    available: z.number().int().meta({ description: 'commissioned − filled − held; read-only.' }),
    availableFrom: z.string(),
    price: z.number().int().meta({ description: 'Pence per year.' }),
    frameworkVersion: z.string(),
    variationReason: z.string().optional(),
    reservedFor: z.object({ partnershipId: z.string(), places: z.number().int() }).optional().meta({ description: 'Places block-commissioned by a partnership: only its member LAs may allocate them.' }),
    reservedUsed: z.number().int().optional().meta({ description: 'Block places in use by members’ placements (held or filled); read-only.' }),
    unreserved: z.number().int().optional().meta({ description: 'Places anyone may take: available less the unused block places; read-only.' }),
    version: z.number().int(),
    updatedAt: z.string(),
  })
  .meta({ id: 'Listing' });

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
    source: z.enum(SETTING_SOURCES).meta({ description: 'generated marks demo data; the others name the public list a record came from.' }),
    phase: z.string().optional(),
    trustName: z.string().optional(),
    resourcedProvisionCapacity: z.number().int().optional(),
    senUnitCapacity: z.number().int().optional(),
    listings: z.array(ListingSchema),
  })
  .meta({ id: 'Setting' });

/** The domain's own input schema, used as it is (the API validates exactly what the domain defines); inlined in the document. */
export const ListingInput = ListingInputSchema;
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
  .meta({ id: 'BulkResult' });

export const BulkErrorSchema = z
  .object({ error: z.object({ code: z.string(), message: z.string(), details: z.array(RowProblem) }) })
  .meta({ id: 'BulkError' });

