import * as z from 'zod';
import { FrameworkInputSchema } from '@placements/domain';
import { GssCode, NeedCodeSchema, SettingTypeSchema } from './schemas.ts';

// The framework context's schemas, apart from the shared ones so other Lambdas never build them.
export const LocalAuthoritySchema = z
  .object({
    gssCode: GssCode,
    dfeNumber: z.string().meta({ example: '886' }),
    name: z.string().meta({ example: 'Kent' }),
    regionCode: z.string().meta({ example: 'E12000008' }),
    regionName: z.string().meta({ example: 'South East' }),
    lat: z.number(),
    lon: z.number(),
    extentKm: z.number().optional().meta({ description: 'How far the LA reaches from its centroid, in km.' }),
  })
  .meta({ id: 'LocalAuthority' });

export const BandSchema = z
  .object({
    code: z.string().meta({ example: 'S2' }),
    name: z.string(),
    description: z.string(),
    needLevel: z.number().int().min(1).max(5),
    provisionTypes: z.array(SettingTypeSchema),
    typicalNeeds: z.array(NeedCodeSchema),
    residentialAllowed: z.boolean(),
  })
  .meta({ id: 'Band' });

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
    annualPrice: z.number().int().meta({ description: 'Day price in pence per year.' }),
    variation: z.object({ minPercent: z.number(), maxPercent: z.number() }),
  })
  .meta({ id: 'Tariff' });

export const FrameworkSchema = z
  .object({
    version: z.string().meta({ example: 'v1' }),
    effectiveFrom: z.string().meta({ example: '2026-09-01' }),
    publishedAt: z.string(),
    bands: z.array(BandSchema),
    tariffs: z.array(TariffSchema),
  })
  .meta({ id: 'Framework' });

/** The domain's own input schema, used as it is (the API validates exactly what the domain defines); inlined in the document. */
export const FrameworkInput = FrameworkInputSchema;

