import { distanceKm } from './geo.ts';
import type { NeedCode } from './needs.ts';
import { mismatches, placeCandidate, type PlaceCandidate, type SearchCriteria } from './search.ts';
import type { Listing, Setting, SettingType } from './setting.ts';

/** What the tailored list needs to know about a child: no identity, only needs and circumstances. */
export interface ChildProfile {
  needs: NeedCode[];
  age: number;
  band?: string;
  /** The home postcode district's centroid and the child's LA. */
  home?: { district: string; lat: number; lon: number };
  laCode: string;
  postSixteen?: boolean;
}

export type ProvisionGroup =
  | 'mainstream'
  | 'specialist'
  | 'independent'
  | 'alternative_provision'
  | 'post16'
  | 'early_years';

export function provisionGroup(type: SettingType): ProvisionGroup {
  switch (type) {
    case 'mainstream':
    case 'resourced_provision':
    case 'sen_unit':
      return 'mainstream';
    case 'special_maintained':
    case 'special_academy':
      return 'specialist';
    case 'non_maintained_special':
    case 'independent_special':
      return 'independent';
    case 'alternative_provision':
      return 'alternative_provision';
    case 'fe_college':
    case 'special_post16':
      return 'post16';
    case 'early_years':
      return 'early_years';
  }
}

export interface TailoredEntry {
  setting: PlaceCandidate['setting'];
  /** The setting's listing that best fits the child. */
  listing: PlaceCandidate['listing'];
  group: ProvisionGroup;
  distanceKm: number | null;
  outOfArea: boolean;
  /** A place is free now; otherwise placeFrom says from when, or null when the listing is full. */
  placeNow: boolean;
  placeFrom: string | null;
  /** Why the setting is on the list, in words a family can read. */
  reasons: string[];
}

export interface NearMiss {
  setting: PlaceCandidate['setting'];
  listing: PlaceCandidate['listing'];
  group: ProvisionGroup;
  distanceKm: number | null;
  /** Why it is not on the list: each criterion it misses. */
  whyNot: string[];
}

export interface TailoredList {
  included: TailoredEntry[];
  nearMisses: NearMiss[];
}

const MAINSTREAM_BANDS_NOTE = 'a mainstream option: the right to request mainstream stands whatever the band';

/**
 * The settings appropriate to meet a child's needs, each with the reasons it is included, and
 * those just outside the criteria (missing one criterion) with why not. Mainstream settings that
 * meet the needs and age are included whatever the child's band, because the right to request
 * mainstream stands. A setting with no place now is included and says so, so the family's choice
 * is informed.
 */
export function tailoredList(
  child: ChildProfile,
  candidates: PlaceCandidate[],
  options: { today: string; radiusKm?: number; laNames?: Map<string, string> },
): TailoredList {
  const name = (la: string) => options.laNames?.get(la) ?? la;
  const criteria: SearchCriteria = {
    needs: child.needs,
    age: child.age,
    ...(child.band !== undefined ? { band: child.band } : {}),
    ...(child.home !== undefined ? { origin: child.home } : {}),
    ...(child.home !== undefined && options.radiusKm !== undefined ? { radiusKm: options.radiusKm } : {}),
    ...(child.postSixteen === true ? { postSixteen: true } : {}),
  };
  const bySetting = new Map<string, { included?: TailoredEntry; miss?: NearMiss }>();
  for (const c of candidates) {
    const group = provisionGroup(c.setting.type);
    const problems = mismatches(c, criteria).filter((p) => !(p.field === 'band' && group === 'mainstream'));
    const km = child.home === undefined ? null : Math.round(distanceKm(child.home, c.setting) * 10) / 10;
    const slot = bySetting.get(c.setting.urn) ?? {};
    if (problems.length === 0) {
      const placeNow = c.listing.available > 0 && c.listing.availableFrom <= options.today;
      const entry: TailoredEntry = {
        setting: c.setting,
        listing: c.listing,
        group,
        distanceKm: km,
        outOfArea: c.setting.laCode !== child.laCode,
        placeNow,
        placeFrom: c.listing.available > 0 ? c.listing.availableFrom : null,
        reasons: [
          `meets ${child.needs.join(', ')}`,
          child.band !== undefined && group === 'mainstream' && c.listing.band !== child.band
            ? `band ${c.listing.band}: ${MAINSTREAM_BANDS_NOTE}`
            : `band ${c.listing.band}`,
          `takes ages ${c.listing.ageMin}–${c.listing.ageMax}`,
          ...(km !== null ? [`${km} km from ${child.home!.district}`] : []),
          c.setting.laCode === child.laCode
            ? `in ${name(c.setting.laCode)}`
            : `outside the child's LA, in ${name(c.setting.laCode)}`,
          placeNow
            ? `a place free now (${c.listing.available})`
            : c.listing.available > 0
              ? `no place now; places from ${c.listing.availableFrom}`
              : 'no place now: full',
          ...(group === 'independent'
            ? [
                c.setting.section41
                  ? 'independent, approved under section 41'
                  : 'independent, not approved under section 41',
              ]
            : []),
        ],
      };
      // Keep the listing that suits best: a place now, then one free soonest, then the cheaper.
      const best = slot.included;
      const better =
        best === undefined ||
        Number(entry.placeNow) - Number(best.placeNow) > 0 ||
        (entry.placeNow === best.placeNow && (entry.placeFrom ?? '9999') < (best.placeFrom ?? '9999')) ||
        (entry.placeNow === best.placeNow &&
          entry.placeFrom === best.placeFrom &&
          entry.listing.price < best.listing.price);
      if (better) slot.included = entry;
    } else if (problems.length === 1 && slot.included === undefined) {
      if (slot.miss === undefined)
        slot.miss = {
          setting: c.setting,
          listing: c.listing,
          group,
          distanceKm: km,
          whyNot: problems.map((p) => p.reason),
        };
    }
    bySetting.set(c.setting.urn, slot);
  }
  const included = [...bySetting.values()].flatMap((s) => (s.included ? [s.included] : []));
  const nearMisses = [...bySetting.values()].flatMap((s) => (s.included === undefined && s.miss ? [s.miss] : []));
  const order = (a: { distanceKm: number | null; setting: { urn: string } }, b: typeof a) =>
    (a.distanceKm ?? 0) - (b.distanceKm ?? 0) || a.setting.urn.localeCompare(b.setting.urn);
  included.sort((a, b) => Number(b.placeNow) - Number(a.placeNow) || order(a, b));
  nearMisses.sort(order);
  return { included, nearMisses };
}

/**
 * Whether a setting is on a child's tailored list, from its own listings alone: `tailoredList`
 * decides each setting on its own listings, never against another's, so this is the list's own
 * answer for it. Recording preferences checks each ranked setting this way, from the setting
 * read afresh, instead of building the whole national list (thousands of index entries) for a
 * handful of settings.
 */
export function onTailoredList(
  child: ChildProfile,
  setting: Setting,
  listings: readonly Listing[],
  options: { today: string },
): boolean {
  return (
    tailoredList(
      child,
      listings.map((l) => placeCandidate(setting, l)),
      options,
    ).included.length > 0
  );
}
