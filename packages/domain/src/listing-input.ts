import * as z from 'zod';
import { NEED_CODES } from './needs.ts';
import { ATTENDANCE } from './setting.ts';

// The listing input schema has its own module so that code using only the listing rules (the
// cases and search Lambdas) does not build it at start-up.
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
const MAX_PLACES = 10_000;
const MAX_PRICE = 100_000_000; // £1,000,000 a year: far above any real placement.

const count = (what: string) =>
  z
    .number({ error: `must be a whole number of ${what}` })
    .int({ error: `must be a whole number of ${what}` })
    .min(0, { error: `cannot be negative` })
    .max(MAX_PLACES, { error: `must be at most ${MAX_PLACES}` });

const age = z.number({ error: 'must be an age in whole years' }).int({ error: 'must be an age in whole years' }).min(0, { error: 'must be 0 to 25' }).max(25, { error: 'must be 0 to 25 (EHC plans run to 25)' });

/** What a provider states about a listing; held, available, version and updatedAt are the system's. */
export const ListingInputSchema = z.strictObject({
  band: z.string({ error: 'is required: a band code from GET /bands, such as S2' }).min(1, { error: 'is required: a band code from GET /bands, such as S2' }).max(16),
  needs: z
    .array(z.enum(NEED_CODES, { error: `must be SEN need codes: ${NEED_CODES.join(', ')}` }), { error: 'is required: the need codes this listing meets' })
    .min(1, { error: 'must name at least one need' })
    .max(NEED_CODES.length)
    .refine((n) => new Set(n).size === n.length, { error: 'must not repeat a need' }),
  ageMin: age,
  ageMax: age,
  attendance: z.enum(ATTENDANCE, { error: `must be one of: ${ATTENDANCE.join(', ')}` }),
  commissioned: count('places'),
  filled: count('places'),
  availableFrom: z.string({ error: 'is required: the date places are available from, as YYYY-MM-DD' }).regex(ISO_DATE, { error: 'must be a date as YYYY-MM-DD' }).refine((d) => !Number.isNaN(Date.parse(`${d}T00:00:00Z`)), { error: 'is not a real date' }),
  price: z
    .number({ error: 'must be pence per year, as a whole number' })
    .int({ error: 'must be pence per year, as a whole number' })
    .min(1, { error: 'must be more than zero; leave it out to use the tariff' })
    .max(MAX_PRICE, { error: 'is implausibly high: prices are in pence per year' })
    .optional(),
  variationReason: z.string().trim().min(1, { error: 'must not be blank' }).max(500, { error: 'must be at most 500 characters' }).optional(),
  /** Places block-commissioned by a regional partnership for its member LAs. */
  reservedFor: z
    .strictObject({
      partnershipId: z.string({ error: 'is required: the partnership id, such as se19' }).regex(/^[a-z0-9][a-z0-9-]{1,62}$/, { error: 'must be a partnership id such as se19' }),
      places: count('places').min(1, { error: 'must be at least 1; leave reservedFor out to reserve none' }),
    })
    .optional(),
});

export type ListingInput = z.infer<typeof ListingInputSchema>;
