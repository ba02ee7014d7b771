import {
  distanceKm,
  blockPlacesLeft,
  tariffPrice,
  placesAvailableToAll,
  type Case,
  type Listing,
  type Partnership,
  type Placement,
  type Setting,
  type SettingWithListings,
} from '@placements/domain';
import type { Deps } from '../http.ts';
import { districtCentroid, frameworkVersion, referenceData } from './reference-cache.ts';

/** What a placement records for the regional counters: fixed when the place is allocated. */
export type PlacementFacts = Pick<
  Placement,
  'band' | 'need' | 'hostLaCode' | 'distanceKm' | 'price' | 'tariff' | 'listingBand' | 'attendance'
>;

/**
 * The facts each placement carries: the case's band and primary need, the host LA, the distance
 * from the home district's centroid to the setting, the price and the band's tariff. Districts and
 * framework versions are kept in memory, so an allocation reads nothing more for them.
 */
export function placementFactsFor(deps: Deps) {
  return async (c: Case, setting: Setting, listing: Listing, _today: string): Promise<PlacementFacts> => {
    // The tariff of the framework version that priced the listing: what "at tariff" means for it.
    const [home, framework] = await Promise.all([
      districtCentroid(deps.store, c.homeDistrict),
      frameworkVersion(deps.store, listing.frameworkVersion),
    ]);
    const tariff = framework ? tariffPrice(framework, listing.band, listing.attendance) : undefined;
    return {
      band: c.band,
      need: c.needs[0]!,
      hostLaCode: setting.laCode,
      ...(home ? { distanceKm: Math.round(distanceKm(home, setting) * 10) / 10 } : {}),
      price: listing.price,
      listingBand: listing.band,
      attendance: listing.attendance,
      ...(tariff !== undefined ? { tariff } : {}),
    };
  };
}

/** Partnerships of which the LA is a member. */
export async function partnershipsOf(deps: Deps, laCode: string): Promise<Set<string>> {
  const { partnerships } = await referenceData(deps.store);
  return new Set(partnerships.filter((p: Partnership) => p.members.includes(laCode)).map((p) => p.id));
}

/** Whether an LA in these partnerships may take a listing's block places. */
export const mayUseBlock = (memberOf: Set<string>, l: Listing) =>
  l.blockFor !== undefined && memberOf.has(l.blockFor.partnershipId) && blockPlacesLeft(l) > 0;

/**
 * Settings as an LA sees their places: a listing's block places count only for members of the
 * partnership that reserved them.
 */
export function asSeenBy(
  memberOf: Set<string>,
  settings: Map<string, SettingWithListings | undefined>,
): Map<string, SettingWithListings | undefined> {
  const out = new Map<string, SettingWithListings | undefined>();
  for (const [urn, s] of settings) {
    out.set(
      urn,
      s === undefined
        ? undefined
        : {
            ...s,
            listings: s.listings.map((l) =>
              l.blockFor === undefined || memberOf.has(l.blockFor.partnershipId)
                ? l
                : { ...l, available: placesAvailableToAll(l) },
            ),
          },
    );
  }
  return out;
}
