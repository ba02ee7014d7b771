import type { Case } from './case.ts';
import type { Listing, SettingWithListings } from './setting.ts';
import { provisionGroup } from './tailored-list.ts';

/** A higher preference passed over, and why, so the family can see the order was kept. */
export interface SkippedPreference {
  urn: string;
  rank: number;
  reason: string;
}

export interface AllocationChoice {
  chosen?: { urn: string; rank: number; listing: Listing; setting: SettingWithListings };
  skipped: SkippedPreference[];
}

/** Listings of a setting that could meet the case: band (waived for mainstream), every need, the age. */
export function suitableListings(c: Pick<Case, 'band' | 'needs' | 'age'>, setting: SettingWithListings): Listing[] {
  const mainstream = provisionGroup(setting.type) === 'mainstream';
  return setting.listings.filter(
    (l) =>
      (mainstream || l.band === c.band) &&
      c.needs.every((n) => l.needs.includes(n)) &&
      c.age >= l.ageMin &&
      c.age <= l.ageMax,
  );
}

/**
 * First available place in order of preference (domain rule 4): walks the ranked settings and
 * takes the first with a suitable listing that has a place free today; lower preferences are not
 * looked at once one succeeds. Every preference passed over is reported with its reason.
 * `exclude` holds listings that must not be offered again (a declined consultation).
 * `availableOf` reads a listing's free places; a batch round passes its own running count.
 */
export function firstAvailable(
  c: Pick<Case, 'band' | 'needs' | 'age'>,
  ranked: readonly string[],
  settings: ReadonlyMap<string, SettingWithListings | undefined>,
  today: string,
  exclude: ReadonlySet<string> = new Set(),
  availableOf: (urn: string, l: Listing) => number = (_u, l) => l.available,
): AllocationChoice {
  const skipped: SkippedPreference[] = [];
  for (const [i, urn] of ranked.entries()) {
    const rank = i + 1;
    const setting = settings.get(urn);
    if (setting === undefined) {
      skipped.push({ urn, rank, reason: 'no setting has this URN' });
      continue;
    }
    const suitable = suitableListings(c, setting).filter((l) => !exclude.has(`${urn}#${l.listingId}`));
    if (suitable.length === 0) {
      const declined = suitableListings(c, setting).length > 0;
      skipped.push({
        urn,
        rank,
        reason: declined
          ? 'the setting declined this child on consultation'
          : `publishes no listing for band ${c.band} meeting ${c.needs.join(', ')} at age ${c.age}`,
      });
      continue;
    }
    // The listing with a place now; among several, the one with most places left.
    const free = suitable
      .filter((l) => availableOf(urn, l) > 0 && l.availableFrom <= today)
      .sort((a, b) => availableOf(urn, b) - availableOf(urn, a) || a.listingId.localeCompare(b.listingId));
    const listing = free[0];
    if (listing === undefined) {
      const soonest = suitable
        .filter((l) => l.availableFrom > today && availableOf(urn, l) > 0)
        .map((l) => l.availableFrom)
        .sort()[0];
      skipped.push({
        urn,
        rank,
        reason: soonest !== undefined ? `no place free now; places from ${soonest}` : 'no place free: full',
      });
      continue;
    }
    return { chosen: { urn, rank, listing, setting }, skipped };
  }
  return { skipped };
}
