import { allowedPriceRange, findBand, frameworkInForce, tariffPrice, type Framework } from './framework.ts';
import type { NeedCode } from './needs.ts';
import type { ListingInput } from './listing-input.ts';
import { availablePlaces, placesAvailableToAll, type Listing, type Setting } from './setting.ts';
import type { FieldProblem } from './errors.ts';

export const LISTING_ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/;

export { ListingInputSchema, type ListingInput } from './listing-input.ts';

export interface ListingContext {
  setting: Setting;
  /** Every published framework version; the one in force on the price's effective date is used. */
  frameworks: readonly Framework[];
  /** The listing as stored now, when this replaces one. */
  existing?: Listing;
  /** YYYY-MM-DD of today. */
  today: string;
}

/** The date a listing's price takes effect: when its places become available, or today if sooner. */
export function priceEffectiveDate(input: Pick<ListingInput, 'availableFrom'>, today: string): string {
  return input.availableFrom > today ? input.availableFrom : today;
}

const pounds = (pence: number) =>
  `£${(pence / 100).toLocaleString('en-GB', { minimumFractionDigits: 0, maximumFractionDigits: 2 })}`;

/**
 * Every business rule a listing must meet, as field problems (none means valid). Shape is
 * checked by ListingInputSchema; these are the rules across fields, the setting and the
 * framework in force. When the shape failed, `invalid` names the fields it refused and the rules
 * that read any of them are left out, so the rest are answered in the same 400 as the shape's.
 */
export function listingProblems(
  input: ListingInput,
  ctx: ListingContext,
  invalid: ReadonlySet<string> = new Set(),
): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const add = (field: string, message: string) => problems.push({ field, message });
  const valid = (...fields: (keyof ListingInput)[]) => fields.every((f) => !invalid.has(f));
  const { setting } = ctx;
  const effective = priceEffectiveDate(input, ctx.today);
  const framework = valid('availableFrom') ? frameworkInForce(ctx.frameworks, effective) : undefined;

  if (valid('availableFrom') && framework === undefined) {
    add('availableFrom', `no national framework is in force on ${effective}`);
  } else if (framework !== undefined && valid('band')) {
    // The band's rules need the framework in force on the date places are available from.
    const band = findBand(framework, input.band);
    if (band === undefined) {
      add(
        'band',
        `${input.band} is not a band of framework ${framework.version} (in force on ${effective}); it has ${framework.bands.map((b) => b.code).join(', ')}`,
      );
    } else {
      if (!band.provisionTypes.includes(setting.type)) {
        add('band', `band ${band.code} (${band.name}) is not offered by ${setting.type.replace(/_/g, ' ')} settings`);
      }
      if (valid('attendance') && input.attendance !== 'day' && !band.residentialAllowed) {
        add('attendance', `band ${band.code} has no residential places; use day`);
      }
    }
    if (band !== undefined && valid('attendance', 'price', 'variationReason')) {
      const tariff = tariffPrice(framework, band.code, input.attendance)!;
      const range = allowedPriceRange(framework, band.code, input.attendance)!;
      if (input.price !== undefined && input.price !== tariff) {
        if (input.variationReason === undefined) {
          add(
            'variationReason',
            `is required when the price (${pounds(input.price)}) differs from the ${band.code} tariff (${pounds(tariff)})`,
          );
        }
        if (input.price < range.min || input.price > range.max) {
          add(
            'price',
            `must be within the framework's allowed variation for ${band.code}: ${pounds(range.min)} to ${pounds(range.max)} a year (tariff ${pounds(tariff)})`,
          );
        }
      }
    }
  }

  const outside = valid('needs') ? input.needs.filter((n) => !setting.needs.includes(n)) : [];
  if (outside.length > 0) {
    add(
      'needs',
      `${outside.join(', ')} ${outside.length === 1 ? 'is' : 'are'} not among this setting's specialisms (${setting.needs.join(', ') || 'none recorded'})`,
    );
  }
  if (valid('ageMin', 'ageMax') && input.ageMin > input.ageMax)
    add('ageMin', `must not be above ageMax (${input.ageMax})`);
  if (valid('ageMin', 'ageMax') && (input.ageMin < setting.ageMin || input.ageMax > setting.ageMax)) {
    add(
      input.ageMin < setting.ageMin ? 'ageMin' : 'ageMax',
      `the age range ${input.ageMin}–${input.ageMax} must lie inside the setting's ${setting.ageMin}–${setting.ageMax}`,
    );
  }
  if (valid('filled', 'commissioned') && input.filled > input.commissioned)
    add('filled', `cannot exceed commissioned places (${input.commissioned})`);
  // The accepted block stays as the partnership accepted it; a listing must keep room for it.
  const block = ctx.existing?.blockFor;
  if (block !== undefined && valid('commissioned') && input.commissioned < block.places) {
    add(
      'commissioned',
      `cannot drop below the ${block.places} block places accepted by ${block.partnershipId}; withdraw or change the block first (POST /reservations/{id}/withdrawal, or offer a smaller block)`,
    );
  }
  const held = ctx.existing?.held ?? 0;
  if (held > 0 && valid('commissioned', 'filled') && input.commissioned < input.filled + held) {
    add('commissioned', `cannot drop below filled + held (${input.filled} + ${held} held for allocations in progress)`);
  }
  return problems;
}

/** The listing to store: derived availability, the tariff when no price is given, the next version. */
export function buildListing(listingId: string, input: ListingInput, ctx: ListingContext, now: Date): Listing {
  const effective = priceEffectiveDate(input, ctx.today);
  const framework = frameworkInForce(ctx.frameworks, effective)!;
  const tariff = tariffPrice(framework, input.band, input.attendance)!;
  const price = input.price ?? tariff;
  const held = ctx.existing?.held ?? 0;
  const listing: Listing = {
    listingId,
    urn: ctx.setting.urn,
    band: input.band,
    needs: input.needs as NeedCode[],
    ageMin: input.ageMin,
    ageMax: input.ageMax,
    attendance: input.attendance,
    commissioned: input.commissioned,
    filled: input.filled,
    held,
    available: availablePlaces({ commissioned: input.commissioned, filled: input.filled, held }),
    availableFrom: input.availableFrom,
    price,
    frameworkVersion: framework.version,
    version: (ctx.existing?.version ?? 0) + 1,
    updatedAt: now.toISOString(),
  };
  // A reason only means something beside a varied price.
  if (price !== tariff && input.variationReason !== undefined) listing.variationReason = input.variationReason;
  // A PUT replaces what the provider states; the block is the partnership's acceptance, kept as it is.
  if (ctx.existing?.blockFor !== undefined) {
    listing.blockFor = { ...ctx.existing.blockFor };
    listing.blockUsed = ctx.existing.blockUsed ?? 0;
  }
  listing.availableToAll = placesAvailableToAll(listing);
  return listing;
}

/** Whether a replacement changes anything a commissioner would see (version and time aside). */
export function listingChanged(before: Listing, after: Listing): boolean {
  const { version: _v1, updatedAt: _u1, ...a } = before;
  const { version: _v2, updatedAt: _u2, ...b } = after;
  return JSON.stringify(sortKeys(a)) !== JSON.stringify(sortKeys(b));
}

function sortKeys(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).sort(([x], [y]) => x.localeCompare(y)));
}
