import * as z from 'zod/mini';
import './zod-english.ts';
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
    .check(
      z.int({ error: `must be a whole number of ${what}` }),
      z.minimum(0, { error: `cannot be negative` }),
      z.maximum(MAX_PLACES, { error: `must be at most ${MAX_PLACES}` }),
    );

const age = z
  .number({ error: 'must be an age in whole years' })
  .check(
    z.int({ error: 'must be an age in whole years' }),
    z.minimum(0, { error: 'must be 0 to 25' }),
    z.maximum(25, { error: 'must be 0 to 25 (EHC plans run to 25)' }),
  );

/** What a provider states about a listing; held, available, version and updatedAt are the system's. */
export const ListingInputSchema = z.strictObject({
  band: z
    .string({ error: 'is required: a band code from GET /bands, such as S2' })
    .check(z.minLength(1, { error: 'is required: a band code from GET /bands, such as S2' }), z.maxLength(16)),
  needs: z
    .array(z.enum(NEED_CODES, { error: `must be SEN need codes: ${NEED_CODES.join(', ')}` }), {
      error: 'is required: the need codes this listing meets',
    })
    .check(
      z.minLength(1, { error: 'must name at least one need' }),
      z.maxLength(NEED_CODES.length),
      z.refine((n) => new Set(n).size === n.length, { error: 'must not repeat a need' }),
    ),
  ageMin: age,
  ageMax: age,
  attendance: z.enum(ATTENDANCE, { error: `must be one of: ${ATTENDANCE.join(', ')}` }),
  commissioned: count('places'),
  filled: count('places'),
  availableFrom: z.string({ error: 'is required: the date places are available from, as YYYY-MM-DD' }).check(
    z.regex(ISO_DATE, { error: 'must be a date as YYYY-MM-DD' }),
    z.refine((d) => !Number.isNaN(Date.parse(`${d}T00:00:00Z`)), { error: 'is not a real date' }),
  ),
  price: z.optional(
    z
      .number({ error: 'must be pence per year, as a whole number' })
      .check(
        z.int({ error: 'must be pence per year, as a whole number' }),
        z.minimum(1, { error: 'must be more than zero; leave it out to use the tariff' }),
        z.maximum(MAX_PRICE, { error: 'is implausibly high: prices are in pence per year' }),
      ),
  ),
  variationReason: z.optional(
    z
      .string()
      .check(
        z.trim(),
        z.minLength(1, { error: 'must not be blank' }),
        z.maxLength(500, { error: 'must be at most 500 characters' }),
      ),
  ),
  /**
   * Block places take effect only once the partnership accepts the provider's offer, so a listing
   * never sets them itself: a clear 400 pointing at the reservation routes, not "unknown field".
   */
  blockFor: z.optional(
    z.never({
      error:
        'cannot be set on a listing: offer block places with POST /settings/{urn}/listings/{listingId}/reservations; they take effect once the partnership accepts',
    }),
  ),
});

export type ListingInput = z.infer<typeof ListingInputSchema>;
