import * as z from 'zod/mini';
import { lazySchema } from './openapi.ts';
import { FrameworkInputSchema } from '@placements/domain';
import { LaCode, NeedCodeSchema, SettingTypeSchema } from './schemas.ts';

// The framework context's schemas, apart from the shared ones so other Lambdas never build them.
export const LocalAuthoritySchema = lazySchema(() =>
  z
    .object({
      laCode: LaCode,
      dfeNumber: z.string().check(z.meta({ example: '886' })),
      name: z.string().check(z.meta({ example: 'Kent' })),
      regionCode: z.string().check(z.meta({ example: 'E12000008' })),
      regionName: z.string().check(z.meta({ example: 'South East' })),
      lat: z.number(),
      lon: z.number(),
      extentKm: z
        .optional(z.number())
        .check(z.meta({ description: 'How far the LA reaches from its centroid, in km.' })),
    })
    .check(z.meta({ id: 'LocalAuthority' })),
);

export const BandSchema = lazySchema(() =>
  z
    .object({
      code: z.string().check(z.meta({ example: 'S2' })),
      name: z.string(),
      description: z.string(),
      needLevel: z.number().check(z.int(), z.minimum(1), z.maximum(5)),
      provisionTypes: z.array(SettingTypeSchema),
      typicalNeeds: z.array(NeedCodeSchema),
      residentialAllowed: z.boolean(),
    })
    .check(z.meta({ id: 'Band' })),
);

export const TariffSchema = lazySchema(() =>
  z
    .object({
      band: z.string(),
      elements: z.object({
        placeFunding: z.number().check(z.int()),
        topUp: z.number().check(z.int()),
        staffRatio: z.string(),
        therapies: z.number().check(z.int()),
        residential: z.object({
          day: z.number().check(z.int()),
          residential_38: z.number().check(z.int()),
          residential_52: z.number().check(z.int()),
        }),
      }),
      annualPrice: z.number().check(z.int(), z.meta({ description: 'Day price in pence per year.' })),
      variation: z.object({ minPercent: z.number(), maxPercent: z.number() }),
    })
    .check(z.meta({ id: 'Tariff' })),
);

export const FrameworkSchema = lazySchema(() =>
  z
    .object({
      version: z.string().check(z.meta({ example: 'v1' })),
      effectiveFrom: z.string().check(z.meta({ example: '2026-09-01' })),
      publishedAt: z.string(),
      bands: z.array(BandSchema()),
      tariffs: z.array(TariffSchema()),
    })
    .check(z.meta({ id: 'Framework' })),
);

/** The domain's own input schema, used as it is (the API validates exactly what the domain defines); inlined in the document. */
export const FrameworkInput = FrameworkInputSchema;
