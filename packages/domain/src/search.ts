import { distanceKm } from './geo.ts';
import type { NeedCode } from './needs.ts';
import type { Attendance, Governance, Listing, Setting, SettingType } from './setting.ts';

/**
 * Age buckets the search index is partitioned by, so a search for a child of a given age reads
 * only listings that can take that age. A listing is indexed in every bucket its range touches.
 * The edges sit where listings' ranges end: primary ranges end at 11 and secondary ones start
 * there, so 11 is a bucket of its own (else every 4–11 listing is read by a search for a child of
 * 12–15, or every 11–x listing by one for 5–10); 11–16 ranges end at 16 and 16–19 study at 19.
 * Measured on the generated national data (issue 19, docs/benchmarks.md): 21% of the entries a
 * search for one age read could not take it with E 0–4, P 5–10, S 11–15, F 16–25, and 10% with
 * E 0–3, P 4–10 and the rest as here, for 9% more entries a listing. Reception (4), where many
 * ranges start, sits with the early years: with P 4–10 a search for a child of 4 (a transfer
 * into school) read every listing from 5, 6 or 7 up, most of what it read (run 11).
 */
export const AGE_BUCKETS = [
  { code: 'E', min: 0, max: 4 }, // early years and reception
  { code: 'P', min: 5, max: 10 }, // primary: year 1 to year 6
  { code: 'T', min: 11, max: 11 }, // the age of transfer to secondary
  { code: 'S', min: 12, max: 16 }, // secondary, to the end of year 11
  { code: 'F', min: 17, max: 19 }, // sixth form and 16–19 study
  { code: 'A', min: 20, max: 25 }, // further education, to 25 as an EHC plan can run
] as const;
export type AgeBucket = (typeof AGE_BUCKETS)[number]['code'];

export function bucketForAge(age: number): AgeBucket {
  return AGE_BUCKETS.find((b) => age >= b.min && age <= b.max)?.code ?? 'A';
}

export function bucketsForRange(min: number, max: number): AgeBucket[] {
  return AGE_BUCKETS.filter((b) => b.max >= min && b.min <= max).map((b) => b.code);
}

/** Phases as commissioners name them, by the ages they cover. */
export const PHASES = {
  early_years: { min: 0, max: 4 },
  primary: { min: 4, max: 11 },
  secondary: { min: 11, max: 16 },
  post16: { min: 16, max: 25 },
} as const;
export type Phase = keyof typeof PHASES;

/** What the search index holds for one listing: enough to answer without reading the listing. */
export interface PlaceCandidate {
  setting: Pick<
    Setting,
    'urn' | 'name' | 'type' | 'governance' | 'laCode' | 'district' | 'lat' | 'lon' | 'section41'
  > & { phase?: string };
  listing: Pick<
    Listing,
    | 'listingId'
    | 'band'
    | 'needs'
    | 'ageMin'
    | 'ageMax'
    | 'attendance'
    | 'available'
    | 'availableFrom'
    | 'price'
    | 'frameworkVersion'
    | 'version'
  >;
}

/**
 * The setting as a search result shows it: what each of its listings' search entries carries, and
 * what each listing item keeps a copy of, so the stream projects a listing's change from the
 * listing alone.
 */
export type SearchSetting = PlaceCandidate['setting'];

export function searchSettingOf(setting: SearchSetting): SearchSetting {
  return {
    urn: setting.urn,
    name: setting.name,
    type: setting.type,
    governance: setting.governance,
    laCode: setting.laCode,
    district: setting.district,
    lat: setting.lat,
    lon: setting.lon,
    section41: setting.section41,
    ...(setting.phase !== undefined ? { phase: setting.phase } : {}),
  };
}

export function placeCandidate(setting: SearchSetting, listing: Listing): PlaceCandidate {
  return {
    setting: searchSettingOf(setting),
    listing: {
      listingId: listing.listingId,
      band: listing.band,
      needs: listing.needs,
      ageMin: listing.ageMin,
      ageMax: listing.ageMax,
      attendance: listing.attendance,
      available: listing.available,
      availableFrom: listing.availableFrom,
      price: listing.price,
      frameworkVersion: listing.frameworkVersion,
      version: listing.version,
    },
  };
}

export const SEARCH_SORTS = ['distance', 'price', 'available'] as const;
export type SearchSort = (typeof SEARCH_SORTS)[number];
export const SEARCH_SCOPES = ['la', 'partnership', 'national'] as const;
export type SearchScope = (typeof SEARCH_SCOPES)[number];

export interface SearchCriteria {
  needs: NeedCode[];
  band?: string;
  age?: number;
  phase?: Phase;
  types?: SettingType[];
  postSixteen?: boolean;
  origin?: { district: string; lat: number; lon: number };
  radiusKm?: number;
  /** YYYY-MM-DD: a place available on or before this date (today means available now). */
  availableBy?: string;
  maxPrice?: number;
  attendance?: Attendance;
  governance?: Governance;
}

export const POST16_TYPES: SettingType[] = ['fe_college', 'special_post16'];

/** Why a candidate does not meet the criteria; empty when it does. Used by search and the tailored list. */
export function mismatches(c: PlaceCandidate, q: SearchCriteria): { field: string; reason: string }[] {
  const out: { field: string; reason: string }[] = [];
  const { listing, setting } = c;
  const missing = q.needs.filter((n) => !listing.needs.includes(n));
  if (missing.length > 0) out.push({ field: 'need', reason: `does not cover ${missing.join(', ')}` });
  if (q.band !== undefined && listing.band !== q.band)
    out.push({ field: 'band', reason: `is band ${listing.band}, not ${q.band}` });
  if (q.age !== undefined && (q.age < listing.ageMin || q.age > listing.ageMax))
    out.push({ field: 'age', reason: `takes ages ${listing.ageMin}–${listing.ageMax}, not ${q.age}` });
  if (q.phase !== undefined) {
    const p = PHASES[q.phase];
    if (listing.ageMax < p.min || listing.ageMin > p.max)
      out.push({
        field: 'phase',
        reason: `ages ${listing.ageMin}–${listing.ageMax} are outside ${q.phase.replace('_', ' ')}`,
      });
  }
  if (q.types !== undefined && !q.types.includes(setting.type))
    out.push({ field: 'type', reason: `is ${setting.type.replace(/_/g, ' ')}` });
  if (q.postSixteen === true && listing.ageMax < 16)
    out.push({ field: 'postSixteen', reason: `takes no one over ${listing.ageMax}` });
  if (q.postSixteen === false && POST16_TYPES.includes(setting.type))
    out.push({ field: 'postSixteen', reason: 'is post-16 provision' });
  if (q.attendance !== undefined && listing.attendance !== q.attendance)
    out.push({ field: 'attendance', reason: `is ${listing.attendance.replace('_', ' ')}` });
  if (q.governance !== undefined && setting.governance !== q.governance)
    out.push({ field: 'governance', reason: `is ${setting.governance.replace('_', '-')}` });
  if (q.maxPrice !== undefined && listing.price > q.maxPrice)
    out.push({ field: 'maxPrice', reason: `costs £${(listing.price / 100).toLocaleString('en-GB')} a year` });
  if (q.origin !== undefined && q.radiusKm !== undefined) {
    const km = distanceKm(q.origin, setting);
    if (km > q.radiusKm) out.push({ field: 'radiusKm', reason: `is ${km.toFixed(1)} km away` });
  }
  if (q.availableBy !== undefined) {
    if (listing.available <= 0) out.push({ field: 'availableBy', reason: 'has no place free' });
    else if (listing.availableFrom > q.availableBy)
      out.push({ field: 'availableBy', reason: `has a place only from ${listing.availableFrom}` });
  }
  return out;
}

export interface PlaceResult extends PlaceCandidate {
  available: number;
  price: number;
  distanceKm: number | null;
  hostLaCode: string;
  outOfArea: boolean;
}

export function toResult(c: PlaceCandidate, q: SearchCriteria, homeLa: string | undefined): PlaceResult {
  return {
    ...c,
    available: c.listing.available,
    price: c.listing.price,
    distanceKm: q.origin === undefined ? null : Math.round(distanceKm(q.origin, c.setting) * 10) / 10,
    hostLaCode: c.setting.laCode,
    outOfArea: homeLa !== undefined && c.setting.laCode !== homeLa,
  };
}

/** Plain code-unit order, the order DynamoDB keeps sort keys in (URNs and listing ids are ASCII). */
export const byCodeUnit = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Orders results; ties break on URN then listing id (in code-unit order, the order the search index
 * keeps them in, so a page read from the index in key order is already in result order) so the
 * order is total and repeatable. distance: nearest first; price: cheapest first; available: most
 * places first.
 */
export function compareResults(sort: SearchSort): (a: PlaceResult, b: PlaceResult) => number {
  const key = (r: PlaceResult): number =>
    sort === 'distance' ? (r.distanceKm ?? 0) : sort === 'price' ? r.price : -r.available;
  return (a, b) =>
    key(a) - key(b) || byCodeUnit(a.setting.urn, b.setting.urn) || byCodeUnit(a.listing.listingId, b.listing.listingId);
}
