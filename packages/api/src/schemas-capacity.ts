import * as z from 'zod/mini';
import { lazySchema } from './openapi.ts';
import { ATTENDANCE, DISTRICT_PATTERN, GOVERNANCE, ListingInputSchema, SETTING_SOURCES } from '@placements/domain';
import { LaCode, NeedCodeSchema, SettingTypeSchema, Urn } from './schemas.ts';

// The capacity context's schemas, apart from the shared ones so other Lambdas never build them.
export const ListingSchema = lazySchema(() =>
  z
    .object({
      listingId: z.string(),
      urn: Urn,
      band: z.string(),
      needs: z.array(NeedCodeSchema),
      ageMin: z.number().check(z.int()),
      ageMax: z.number().check(z.int()),
      attendance: z.enum(ATTENDANCE),
      commissioned: z.number().check(z.int()),
      filled: z
        .optional(z.number().check(z.int()))
        .check(z.meta({ description: 'Only to the provider that runs the setting.' })),
      held: z.optional(z.number().check(z.int())).check(
        z.meta({
          description: 'Places held for allocations in progress; only to the provider that runs the setting.',
        }),
      ),
      available: z.number().check(z.int(), z.meta({ description: 'commissioned − filled − held; read-only.' })),
      availableFrom: z.string(),
      price: z.number().check(z.int(), z.meta({ description: 'Pence per year.' })),
      frameworkVersion: z.string(),
      variationReason: z.optional(z.string()),
      blockFor: z
        .optional(
          z.object({
            partnershipId: z.string(),
            places: z.number().check(z.int()),
            reservationId: z.optional(z.string()),
          }),
        )
        .check(
          z.meta({
            description:
              'Places block-commissioned by a partnership: only its member LAs may allocate them. Set only when the partnership accepts the provider’s offer (POST /reservations/{id}/response).',
          }),
        ),
      blockUsed: z.optional(z.number().check(z.int())).check(
        z.meta({
          description:
            'Block places in use by members’ placements (held or filled); read-only, only to the provider that runs the setting.',
        }),
      ),
      availableToAll: z.optional(z.number().check(z.int())).check(
        z.meta({
          description:
            'Places anyone may take: available less the unused block places; read-only, only to the provider that runs the setting.',
        }),
      ),
      version: z.number().check(z.int()),
      updatedAt: z.string(),
    })
    .check(z.meta({ id: 'Listing' })),
);

export const SettingSchema = lazySchema(() =>
  z
    .object({
      urn: Urn,
      name: z.string(),
      type: SettingTypeSchema,
      governance: z.enum(GOVERNANCE),
      laCode: LaCode,
      providerId: z.string(),
      trustId: z.optional(z.string()),
      ukprn: z.optional(z.string()),
      district: z.string().check(z.regex(DISTRICT_PATTERN)),
      lat: z.number(),
      lon: z.number(),
      ageMin: z.number().check(z.int()),
      ageMax: z.number().check(z.int()),
      needs: z.array(NeedCodeSchema),
      section41: z.boolean(),
      source: z
        .enum(SETTING_SOURCES)
        .check(
          z.meta({ description: 'generated marks demo data; the others name the public list a record came from.' }),
        ),
      phase: z.optional(z.string()),
      trustName: z.optional(z.string()),
      resourcedProvisionCapacity: z.optional(z.number().check(z.int())),
      senUnitCapacity: z.optional(z.number().check(z.int())),
      listings: z.array(ListingSchema()),
    })
    .check(z.meta({ id: 'Setting' })),
);

/** The domain's own input schema, used as it is (the API validates exactly what the domain defines); inlined in the document. */
export const ListingInput = ListingInputSchema;
const RowProblem = lazySchema(() =>
  z.object({
    field: z.string(),
    message: z.string(),
    line: z.optional(z.number().check(z.int())),
    row: z.optional(z.number().check(z.int())),
  }),
);

export const BulkResultSchema = lazySchema(() =>
  z
    .object({
      urn: Urn,
      received: z.number().check(z.int()),
      created: z.number().check(z.int()),
      replaced: z.number().check(z.int()),
      unchanged: z.number().check(z.int()),
      listings: z.array(ListingSchema()),
    })
    .check(z.meta({ id: 'BulkResult' })),
);

export const BulkErrorSchema = lazySchema(() =>
  z
    .object({ error: z.object({ code: z.string(), message: z.string(), details: z.array(RowProblem()) }) })
    .check(z.meta({ id: 'BulkError' })),
);
