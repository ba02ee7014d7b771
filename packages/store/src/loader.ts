import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import {
  availablePlaces,
  counterChange,
  listingContribution,
  searchSettingOf,
  type Framework,
  type Listing,
  type LocalAuthority,
  type Partnership,
  type PostcodeDistrict,
  type SettingWithListings,
} from '@placements/domain';
import { keys, postcodeArea } from './keys.ts';
import { regionsOf, searchEntryItems } from './repositories/search.ts';
import { counterItems } from './repositories/aggregates.ts';
import { batchPut } from './batch.ts';

/** What a seed run loaded, kept in the table so a restart knows not to load it again. */
/**
 * Bumped whenever stored items gain or change index attributes; a kept local database with an
 * older layout is loaded afresh rather than served half-indexed. 2: settings by provider (gsi3).
 */
export const DATA_LAYOUT = 11; // 3: sufficiency counters (AGG#gss) and listings' unreserved places; 4: search entries by band (gsi2) and map cell (gsi1); 5: listings' block places as blockFor, blockUsed, availableToAll; 6: age buckets E 0–3, P 4–10, T 11, S 12–16, F 17–19, A 20–25; 7: cheapest-first entries filed under their map cell while a place is free (gsi1 SGA#); 8: search entries by band within an LA (gsi2 SBLN#, on the cheapest-first entry, in place of a national band's cheapest first); 9: map-cell sort keys by region first (<region>#<fine>#urn#listingId); 10: fine map cells of about 4.4 km, keyed in Morton order; 11: age buckets E 0–4, P 5–10 (reception with the early years)

export interface SeedInfo {
  layout?: number;
  source: 'generated' | 'data_dir';
  dataDir?: string;
  seed: number;
  loadedAt: string;
  counts: Record<string, number>;
}

export interface ReferenceData {
  las: LocalAuthority[];
  partnerships: Partnership[];
  frameworks: Framework[];
  districts: PostcodeDistrict[];
  settings: SettingWithListings[];
}

export { batchPut, batchWrite, type WriteRequest } from './batch.ts';

/**
 * Items for a setting and its listings, with the index attributes that list them by LA and type,
 * and each listing's search entries.
 */
export function settingItems(s: SettingWithListings, region: string): Record<string, unknown>[] {
  const { listings, ...setting } = s;
  return [
    { ...keys.setting(s.urn), ...keys.settingIndexes(s), itemType: 'setting', ...setting },
    ...listings.flatMap((l: Listing) => {
      const available = availablePlaces(l);
      const listing = { ...l, available, availableToAll: l.availableToAll ?? available };
      return [
        {
          ...keys.listing(s.urn, l.listingId),
          ...keys.settingIndexes(s, l.listingId),
          itemType: 'listing',
          ...listing,
          searchSetting: searchSettingOf(setting),
        },
        ...searchEntryItems(setting, listing, region),
      ];
    }),
  ];
}

/**
 * Postcode districts grouped by postcode area (ME, CT, SO…): about 120 items instead of 2,300,
 * which matters on first start, and still one GetItem to find a district's centroid.
 */
function districtAreaItems(districts: PostcodeDistrict[]): Record<string, unknown>[] {
  const byArea = new Map<string, Record<string, Omit<PostcodeDistrict, 'district'>>>();
  for (const { district, ...rest } of districts) {
    const area = postcodeArea(district);
    byArea.set(area, { ...(byArea.get(area) ?? {}), [district]: rest });
  }
  return [...byArea].map(([area, members]) => ({
    ...keys.districtArea(area),
    itemType: 'district_area',
    area,
    districts: members,
  }));
}

/** Loads reference and demo data into an empty table. */
export async function loadReferenceData(
  db: DynamoDBDocumentClient,
  tableName: string,
  data: ReferenceData,
  info: Omit<SeedInfo, 'loadedAt' | 'counts' | 'layout'>,
): Promise<SeedInfo> {
  const regionOf = regionsOf(data.las);
  const items: Record<string, unknown>[] = [
    ...data.las.map((la) => ({ ...keys.la(la.laCode), itemType: 'la', ...la })),
    ...data.partnerships.map((p) => ({ ...keys.partnership(p.id), itemType: 'partnership', ...p })),
    ...data.frameworks.map((f) => ({ ...keys.framework(f.version), itemType: 'framework', ...f })),
    ...districtAreaItems(data.districts),
    ...data.settings.flatMap((s) => settingItems(s, regionOf(s.laCode))),
    // The regional counters start from the places loaded; every later write keeps them current.
    ...counterItems(
      counterChange(
        ...data.settings.flatMap((s) =>
          s.listings.map((l) => ({ after: listingContribution(s.laCode, { ...l, available: availablePlaces(l) }) })),
        ),
      ),
    ),
  ];
  await batchPut(db, tableName, items);
  const seedInfo: SeedInfo = {
    ...info,
    layout: DATA_LAYOUT,
    loadedAt: new Date().toISOString(),
    counts: {
      las: data.las.length,
      partnerships: data.partnerships.length,
      frameworks: data.frameworks.length,
      districts: data.districts.length,
      settings: data.settings.length,
      listings: data.settings.reduce((n, s) => n + s.listings.length, 0),
    },
  };
  // Written last: its presence means the whole load finished.
  await db.send(new PutCommand({ TableName: tableName, Item: { ...keys.seedInfo(), itemType: 'seed', ...seedInfo } }));
  return seedInfo;
}

export async function readSeedInfo(db: DynamoDBDocumentClient, tableName: string): Promise<SeedInfo | undefined> {
  const res = await db.send(new GetCommand({ TableName: tableName, Key: keys.seedInfo() }));
  if (res.Item === undefined) return undefined;
  const { pk: _pk, sk: _sk, itemType: _e, ...info } = res.Item;
  // Data in an older layout counts as not loaded: the caller drops and reloads it.
  if (info.layout !== DATA_LAYOUT) return undefined;
  return info as SeedInfo;
}
