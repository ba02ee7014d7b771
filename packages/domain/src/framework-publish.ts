import * as z from 'zod/mini';
import './zod-english.ts';
import type { FieldProblem } from './errors.ts';
import type { Band, Framework, Tariff } from './framework.ts';
import { NEED_CODES } from './needs.ts';
import { SETTING_TYPES } from './setting.ts';

export const FRAMEWORK_VERSION_PATTERN = /^v\d{1,4}$/;

const pence = (what: string) =>
  z
    .number({ error: `must be ${what} in pence per year` })
    .check(
      z.int({ error: `must be whole pence` }),
      z.minimum(0, { error: 'cannot be negative' }),
      z.maximum(100_000_000, { error: 'is implausibly high: amounts are in pence' }),
    );

/** A new framework version as the national team publishes it; prices are derived from elements. */
export const FrameworkInputSchema = z.strictObject({
  effectiveFrom: z
    .string({ error: 'is required: the date this framework takes effect, as YYYY-MM-DD' })
    .check(z.regex(/^\d{4}-\d{2}-\d{2}$/, { error: 'must be a date as YYYY-MM-DD' })),
  bands: z
    .array(
      z.strictObject({
        code: z
          .string()
          .check(z.regex(/^[A-Z][A-Z0-9]{0,7}$/, { error: 'must be a short upper-case code such as S2' })),
        name: z.string().check(z.minLength(1), z.maxLength(120)),
        description: z._default(z.string().check(z.maxLength(1000)), ''),
        needLevel: z
          .number()
          .check(z.int(), z.minimum(1, { error: 'must be 1 to 5' }), z.maximum(5, { error: 'must be 1 to 5' })),
        provisionTypes: z
          .array(z.enum(SETTING_TYPES, { error: `must be provision types: ${SETTING_TYPES.join(', ')}` }))
          .check(z.minLength(1)),
        typicalNeeds: z._default(z.array(z.enum(NEED_CODES)), []),
        residentialAllowed: z.boolean(),
      }),
    )
    .check(z.minLength(1, { error: 'must hold at least one band' })),
  tariffs: z
    .array(
      z.strictObject({
        band: z.string().check(z.minLength(1)),
        elements: z.strictObject({
          placeFunding: pence('place funding'),
          topUp: pence('top-up'),
          staffRatio: z.string().check(z.regex(/^1:\d{1,2}$/, { error: 'must be a staffing ratio such as 1:3' })),
          therapies: pence('therapies'),
          residential: z.strictObject({
            day: z.literal(0, { error: 'must be 0: day places have no residential element' }),
            residential_38: pence('the 38-week residential element'),
            residential_52: pence('the 52-week residential element'),
          }),
        }),
        variation: z.strictObject({
          minPercent: z
            .number()
            .check(
              z.minimum(-50, { error: 'must be between -50 and 0' }),
              z.maximum(0, { error: 'must be between -50 and 0' }),
            ),
          maxPercent: z
            .number()
            .check(
              z.minimum(0, { error: 'must be between 0 and 50' }),
              z.maximum(50, { error: 'must be between 0 and 50' }),
            ),
        }),
      }),
    )
    .check(z.minLength(1)),
});

export type FrameworkInput = z.infer<typeof FrameworkInputSchema>;

/** Rules across the framework: unique bands, one tariff per band, a future effective date, a new version. */
export function frameworkProblems(
  version: string,
  input: FrameworkInput,
  existing: readonly Framework[],
  today: string,
): FieldProblem[] {
  const problems: FieldProblem[] = [];
  if (!FRAMEWORK_VERSION_PATTERN.test(version))
    problems.push({ field: 'version', message: 'must be v followed by a number, such as v2' });
  if (Number.isNaN(Date.parse(`${input.effectiveFrom}T00:00:00Z`)))
    problems.push({ field: 'effectiveFrom', message: 'is not a real date' });
  else if (input.effectiveFrom < today)
    problems.push({
      field: 'effectiveFrom',
      message: `must be today (${today}) or later: a framework cannot change prices in the past`,
    });
  const taken = existing.find((f) => f.effectiveFrom === input.effectiveFrom && f.version !== version);
  if (taken)
    problems.push({
      field: 'effectiveFrom',
      message: `framework ${taken.version} already takes effect on ${input.effectiveFrom}`,
    });
  const codes = input.bands.map((b) => b.code);
  codes.forEach((c, i) => {
    if (codes.indexOf(c) !== i) problems.push({ field: `bands.${i}.code`, message: `${c} appears more than once` });
  });
  for (const code of codes) {
    const n = input.tariffs.filter((t) => t.band === code).length;
    if (n !== 1)
      problems.push({
        field: 'tariffs',
        message: n === 0 ? `band ${code} has no tariff` : `band ${code} has ${n} tariffs; give one`,
      });
  }
  input.tariffs.forEach((t, i) => {
    if (!codes.includes(t.band))
      problems.push({ field: `tariffs.${i}.band`, message: `${t.band} is not one of the bands above` });
    const band = input.bands.find((b) => b.code === t.band);
    if (
      band &&
      !band.residentialAllowed &&
      (t.elements.residential.residential_38 > 0 || t.elements.residential.residential_52 > 0)
    ) {
      problems.push({
        field: `tariffs.${i}.elements.residential`,
        message: `band ${band.code} allows no residential places, so its residential elements must be 0`,
      });
    }
  });
  return problems;
}

export function buildFramework(version: string, input: FrameworkInput, now: Date): Framework {
  const tariffs: Tariff[] = input.tariffs.map((t) => ({
    band: t.band,
    elements: t.elements,
    annualPrice: t.elements.placeFunding + t.elements.topUp + t.elements.therapies,
    variation: t.variation,
  }));
  return {
    version,
    effectiveFrom: input.effectiveFrom,
    publishedAt: now.toISOString(),
    bands: input.bands.map((b) => ({
      ...b,
      needLevel: b.needLevel as Band['needLevel'],
      description: b.description ?? '',
      typicalNeeds: b.typicalNeeds ?? [],
    })),
    tariffs,
  };
}
