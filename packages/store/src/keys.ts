import type { SettingType } from '@placements/domain';

/**
 * Key builders and the access patterns they serve. Every request path is a GetItem, a Query or a
 * transaction: nothing scans the table.
 *
 * | access pattern                               | operation                                   |
 * |----------------------------------------------|---------------------------------------------|
 * | list LAs / get one LA                        | Query / Get pk=REF#LA (sk=gss)              |
 * | list partnerships / get one                  | Query / Get pk=REF#PARTNERSHIP (sk=id)      |
 * | framework versions (few; pick the one in force) | Query pk=REF#FRAMEWORK                   |
 * | postcode district centroid                   | Get pk=REF#DISTRICT, sk=area (ME, CT, …)    |
 * | a setting with its listings                  | Query pk=SETTING#urn                        |
 * | settings of an LA (optionally of one type)   | Query gsi1 pk=LA#gss, sk begins SETTING#type# |
 * | settings of a type across England            | Query gsi2 pk=TYPE#type                     |
 * | settings of one provider (a trust: many)     | Query gsi3 pk=PROVIDER#id                   |
 * | all settings                                 | gsi2, one provision type after another      |
 * | create / replace a listing + its audit event | TransactWriteItems, conditioned on version  |
 * | an entity's audit history, oldest first      | Query pk=AUDIT#entity                       |
 * | search: places for a need and age in an LA, most places first (or cheapest) | Query gsi3 pk=SN#need#bucket#gss (SP#…), sk < 99999 (places free), Limit for a first page |
 * | search: places for a need and age nationally, the same orders | Query gsi4 pk=SN#need#bucket (SP#…)  |
 * | search: one band nationally, most places first | Query gsi2 pk=SBN#need#bucket#band        |
 * | search: one band in an LA, most places first | Query gsi2 pk=SBLN#need#bucket#band#gss    |
 * | search: places nearest first (map cells)     | Query gsi1 pk=SG#need#bucket#cell [sk begins_with fine cell[#A]] |
 * | a page of an earlier search (the snapshot)   | Get pk=SNAPSHOT#id                          |
 * | a case of the caller's LA                    | Get pk=LA#gss#CASE#id (gss from the token)  |
 * | a placement                                  | Get pk=PLACEMENT#id                         |
 * | placements addressed to a setting            | Query gsi1 pk=PLACEMENTS#urn                |
 * | backstop directions addressed to a trust     | Query gsi1 pk=DIRECTIONS#trustId            |
 * | appeals lodged with the Schools Adjudicator  | Query gsi2 pk=APPEALS                       |
 * | cases of an LA (active ones first)           | Query gsi1 pk=CASES#gss, sk A#… or Z#…      |
 * | a listing's waiting list, in order           | Query pk=WAIT#urn#listingId                 |
 * | listings that have a waiting list            | Query gsi2 pk=WAITING                       |
 * | an allocation round and its outcomes         | Get pk=LA#org#ROUND#id (org from the token) |
 * | allocate: listing, placement, case, audit    | TransactWriteItems with a condition on each |
 * | a retried request                            | Get pk=IDEMPOTENCY#org#key                  |
 * | an LA's sufficiency counters (places, demand, placements, spend, block use) | Query pk=AGG#gss |
 * | a partnership's sufficiency                  | one Query pk=AGG#gss per member LA          |
 * | counters kept up to date                     | ADD on AGG#gss items inside each transaction |
 * | an LA's DfE EHC plan baseline                | Get pk=EHCP#gss                             |
 * | an LA's EHC plan forecast (DfE years, projection) | Get pk=EHCP#gss, sk=FORECAST           |
 * | the forecast's method and backtest           | Get pk=EHCP#ENGLAND, sk=METHOD              |
 * | a partnership's daily sufficiency figures    | Query pk=TREND#id (sk = date)               |
 * | published capacity as an Open Referral feed  | gsi1 pk=LA#gss per member LA (as settings)  |
 * | a notification (dedup by source: put if absent) | Get/Put pk=NOTIFY#role#org, sk=N#id       |
 * | an organisation's inbox, unread first, newest first | Query gsi1 pk=INBOX#role#org (sk 0#… unread, 1#… read) |
 * | a user's notification preferences            | Get pk=USER#sub, sk=PREFS                   |
 * | digest entries due (across users)            | Query gsi2 pk=DIGEST_DUE, sk ≤ now          |
 * | a reservation of block places                | Get pk=RESERVATION#id                       |
 * | a provider's reservations, newest first      | Query gsi1 pk=RESERVATIONS#PROVIDER#id      |
 * | a partnership's reservations, newest first   | Query gsi2 pk=RESERVATIONS#PARTNERSHIP#id   |
 * | one offer awaiting an answer per listing     | Put pk=RESERVATION_OPEN#urn#listingId, if absent |
 *
 * Search entries are a projection of each listing: one item per (need, age bucket) the listing
 * covers and result order (most places first, cheapest first), carrying the setting and listing
 * fields a result shows, so a search reads only index entries and never the listings themselves.
 * Their sort key is the result order, so a first page reads only the top of a partition, and
 * "a place free" is a key condition (the date it is free from is checked after reading).
 *
 * In gsi1 and gsi2 a listing's sort key extends its setting's (…#urn#LISTING#id), so a page of
 * settings arrives with each setting's listings straight after it. `#` sorts below digits and
 * letters, so a URN's listings never interleave with a longer URN that shares its prefix.
 */
/** The result orders the search index keeps entries in (distance is answered LA by LA, nearest first). */
export type SearchIndexOrder = 'available' | 'price';
const ORDER_PREFIX: Record<SearchIndexOrder, string> = { available: 'SN', price: 'SP' };
/** The available-order key of a full listing: every listing with a place free sorts below it. */
export const FULL_AVAILABLE_KEY = 99_999;

export const keys = {
  la: (gss: string) => ({ pk: 'REF#LA', sk: gss }),
  laCollection: () => 'REF#LA',
  partnership: (id: string) => ({ pk: 'REF#PARTNERSHIP', sk: id }),
  partnershipCollection: () => 'REF#PARTNERSHIP',
  framework: (version: string) => ({ pk: 'REF#FRAMEWORK', sk: version }),
  frameworkCollection: () => 'REF#FRAMEWORK',
  districtArea: (area: string) => ({ pk: 'REF#DISTRICT', sk: area }),
  seedInfo: () => ({ pk: 'META', sk: 'SEED' }),

  auditPartition: (entity: string) => `AUDIT#${entity}`,
  /**
   * Ordered by the entity's own sequence (a listing's version), not the clock: two changes in one
   * millisecond, or on machines whose clocks differ, still read back in the order they happened.
   */
  audit: (entity: string, sequence: number, eventId: string) => ({
    pk: `AUDIT#${entity}`,
    sk: `${String(sequence).padStart(10, '0')}#${eventId}`,
  }),

  searchEntry: (urn: string, listingId: string, need: string, bucket: string, order: SearchIndexOrder) => ({
    pk: `SEARCH#${urn}#${listingId}`,
    sk: `${need}#${bucket}#${order}`,
  }),
  searchPartition: (urn: string, listingId: string) => `SEARCH#${urn}#${listingId}`,
  /**
   * Entries kept in a result order, so the first page of a search is the first entries of the
   * partition: SN (most places free first) and SP (cheapest first), by LA (gsi3) and nationally
   * (gsi4). Ties break on URN then listing id, as compareResults does (`#` sorts below every
   * character of a URN or listing id, so a shorter one comes first).
   */
  searchOrderedLa: (order: SearchIndexOrder, need: string, bucket: string, laCode: string) =>
    `${ORDER_PREFIX[order]}#${need}#${bucket}#${laCode}`,
  searchOrderedNational: (order: SearchIndexOrder, need: string, bucket: string) =>
    `${ORDER_PREFIX[order]}#${need}#${bucket}`,
  /**
   * One band across England, most places first (gsi2 SBN#, on the most-places entry), so a
   * national search for a band reads only that band's entries.
   */
  searchBandNational: (need: string, bucket: string, band: string) => `SBN#${need}#${bucket}#${band}`,
  /**
   * One band in one LA, most places first too (gsi2 SBLN#, on the cheapest-first entry, in the slot
   * its band's national cheapest-first key had: no index write more), so a search for a band within
   * an LA or a partnership reads only that band's entries there. A handful: cheapest first reads them whole.
   */
  searchBandLa: (need: string, bucket: string, band: string, laCode: string) =>
    `SBLN#${need}#${bucket}#${band}#${laCode}`,
  /**
   * A map cell's entries (gsi1 pk SG#need#bucket#<coarse cell>, sk <region>#<fine cell>#urn#listingId),
   * so nearest-first search reads cells nearest first: a region's part of a coarse cell is a
   * sort-key prefix (`<region>#`), a fine cell in it a longer one (`<region>#<fine>#`), neighbours
   * in key order one range (see mapCellOf in the domain). The region first: partnerships
   * commission by region (SE19 is the South East's LAs), so a partnership's search reads only its
   * own region's entries in a cell at its edge, not its neighbours'.
   */
  searchCell: (need: string, bucket: string, coarse: string) => `SG#${need}#${bucket}#${coarse}`,
  /**
   * The same map cells holding only listings with a place free (gsi1 pk SGA#need#bucket#<coarse>,
   * the same sort key), on the cheapest-first entry and only while a place is free (a sparse
   * index): a search for a place free reads neighbouring cells as one range, as one for any place
   * does, where a places-free part of each cell inside SG would cost a query a cell.
   */
  searchFreeCell: (need: string, bucket: string, coarse: string) => `SGA#${need}#${bucket}#${coarse}`,
  /** Both cell indexes' sort key: the LA's region, the fine cell (its Morton index, two digits), then the result's tie-break. */
  searchCellSort: (region: string, fine: string, urn: string, listingId: string) =>
    `${region}#${fine}#${urn}#${listingId}`,
  /**
   * available: 99999 minus the places free, so the most free sort first and full listings
   * (99999) last; price: A# (a place free) or F# (full), then pence per year, so a search for
   * places free reads only the A# range and one without merges the two ranges.
   */
  searchOrderSort: (
    order: SearchIndexOrder,
    l: { available: number; price: number },
    urn: string,
    listingId: string,
  ) =>
    order === 'available'
      ? `${String(FULL_AVAILABLE_KEY - Math.min(Math.max(l.available, 0), FULL_AVAILABLE_KEY)).padStart(5, '0')}#${urn}#${listingId}`
      : `${l.available > 0 ? 'A' : 'F'}#${String(Math.max(0, Math.round(l.price))).padStart(12, '0')}#${urn}#${listingId}`,
  snapshot: (id: string) => ({ pk: `SNAPSHOT#${id}`, sk: 'SNAPSHOT' }),

  /** Cases live under their LA's key, built from the caller's token: another LA's case cannot be addressed. */
  caseItem: (laCode: string, id: string) => ({ pk: `LA#${laCode}#CASE#${id}`, sk: 'CASE' }),
  placement: (id: string) => ({ pk: `PLACEMENT#${id}`, sk: 'PLACEMENT' }),
  direction: (id: string) => ({ pk: `DIRECTION#${id}`, sk: 'DIRECTION' }),
  /**
   * A backstop direction is listed under its trust (gsi1, newest first); once appealed it is also
   * listed for the Schools Adjudicator (gsi2 pk=APPEALS, in the order the directions were issued).
   */
  directionIndexes: (d: { id: string; trustId?: string; state: string; issuedAt: string }) => ({
    ...(d.trustId ? { gsi1pk: `DIRECTIONS#${d.trustId}`, gsi1sk: `${d.issuedAt}#${d.id}` } : {}),
    ...(d.state === 'appealed' || d.state === 'upheld' || d.state === 'overturned'
      ? { gsi2pk: 'APPEALS', gsi2sk: `${d.issuedAt}#${d.id}` }
      : {}),
  }),
  directionsOfTrust: (trustId: string) => `DIRECTIONS#${trustId}`,
  appeals: () => 'APPEALS',
  placementIndexes: (p: { urn: string; createdAt: string; id: string }) => ({
    gsi1pk: `PLACEMENTS#${p.urn}`,
    gsi1sk: `${p.createdAt}#${p.id}`,
  }),
  placementsOfSetting: (urn: string) => `PLACEMENTS#${urn}`,
  /** Active cases (open, allocated, named) sort under A#, finished ones under Z#, each by opening time. */
  caseIndexes: (c: { laCode: string; state: string; openedAt: string; id: string }) => ({
    gsi1pk: `CASES#${c.laCode}`,
    gsi1sk: `${c.state === 'placed' || c.state === 'closed' ? 'Z' : 'A'}#${c.openedAt}#${c.id}`,
  }),
  casesOfLa: (laCode: string) => `CASES#${laCode}`,
  /**
   * A case waiting on a listing: ordered by when it joined, then by case id. Every entry is also
   * in gsi2 under WAITING, so the escalation job finds listings with a queue without scanning.
   */
  waiting: (urn: string, listingId: string, joinedAt: string, caseId: string) => ({
    pk: `WAIT#${urn}#${listingId}`,
    sk: `${joinedAt}#${caseId}`,
    gsi2pk: 'WAITING',
    gsi2sk: `${urn}#${listingId}#${joinedAt}#${caseId}`,
  }),
  waitingPartition: (urn: string, listingId: string) => `WAIT#${urn}#${listingId}`,
  /** A sufficiency counter of an LA (key: CAP#band#need, DEM#…, PLC#…, see domain sufficiency.ts). */
  counter: (la: string, key: string) => ({ pk: `AGG#${la}`, sk: key }),
  counterPartition: (la: string) => `AGG#${la}`,
  ehcpBaseline: (la: string) => ({ pk: `EHCP#${la}`, sk: 'BASELINE' }),
  ehcpForecast: (la: string) => ({ pk: `EHCP#${la}`, sk: 'FORECAST' }),
  ehcpForecastMethod: () => ({ pk: 'EHCP#ENGLAND', sk: 'METHOD' }),
  sufficiencySnapshot: (partnershipId: string, date: string) => ({ pk: `TREND#${partnershipId}`, sk: date }),
  round: (org: string, id: string) => ({ pk: `ROUND#${org}#${id}`, sk: 'ROUND' }),
  /** Notifications live under the addressee's role and org, both from the token when read. */
  notification: (role: string, org: string, id: string) => ({ pk: `NOTIFY#${role}#${org}`, sk: `N#${id}` }),
  inbox: (role: string, org: string) => `INBOX#${role}#${org}`,
  preferences: (sub: string) => ({ pk: `USER#${sub}`, sk: 'PREFS' }),
  idempotency: (org: string, key: string) => ({ pk: `IDEMPOTENCY#${org}#${key}`, sk: 'IDEMPOTENCY' }),
  /** One caller's use of an action in one minute (per-caller quotas). */
  quota: (org: string, action: string, window: number) => ({ pk: `QUOTA#${org}#${action}`, sk: String(window) }),
  /** The free text of a placement or direction (`placement:<id>`), apart from it and its audit events. */
  text: (entity: string) => ({ pk: `TEXT#${entity}`, sk: 'TEXT' }),
  reservation: (id: string) => ({ pk: `RESERVATION#${id}`, sk: 'RESERVATION' }),
  /** Both sides list their reservations: the provider (gsi1) and the partnership (gsi2), by offer time. */
  reservationIndexes: (r: { providerId: string; partnershipId: string; offeredAt: string; id: string }) => ({
    gsi1pk: `RESERVATIONS#PROVIDER#${r.providerId}`,
    gsi1sk: `${r.offeredAt}#${r.id}`,
    gsi2pk: `RESERVATIONS#PARTNERSHIP#${r.partnershipId}`,
    gsi2sk: `${r.offeredAt}#${r.id}`,
  }),
  reservationsOfProvider: (providerId: string) => `RESERVATIONS#PROVIDER#${providerId}`,
  reservationsOfPartnership: (partnershipId: string) => `RESERVATIONS#PARTNERSHIP#${partnershipId}`,
  /** Held while a listing has an offer awaiting its answer: at most one at a time. */
  openOffer: (urn: string, listingId: string) => ({ pk: `RESERVATION_OPEN#${urn}#${listingId}`, sk: 'OPEN' }),
  /** A partnership's precomputed public feed: the head names the current build, parts hold its services. */
  feedHead: (partnershipId: string) => ({ pk: `FEED#${partnershipId}`, sk: 'HEAD' }),
  feedPart: (partnershipId: string, builtAt: string, n: number) => ({
    pk: `FEED#${partnershipId}`,
    sk: `PART#${builtAt}#${String(n).padStart(5, '0')}`,
  }),

  settingPartition: (urn: string) => `SETTING#${urn}`,
  setting: (urn: string) => ({ pk: `SETTING#${urn}`, sk: '#SETTING' }),
  listing: (urn: string, listingId: string) => ({ pk: `SETTING#${urn}`, sk: `LISTING#${listingId}` }),

  /** gsi1/gsi2 attributes of a setting and (with listingId) of one of its listings. */
  settingIndexes: (s: { urn: string; laCode: string; type: SettingType; providerId: string }, listingId?: string) => {
    const suffix = listingId === undefined ? '' : `#LISTING#${listingId}`;
    return {
      gsi3pk: `PROVIDER#${s.providerId}`,
      gsi3sk: `SETTING#${s.urn}${suffix}`,
      gsi1pk: `LA#${s.laCode}`,
      gsi1sk: `SETTING#${s.type}#${s.urn}${suffix}`,
      gsi2pk: `TYPE#${s.type}`,
      gsi2sk: `SETTING#${s.urn}${suffix}`,
    };
  },
  laSettingsPrefix: (type?: SettingType) => (type === undefined ? 'SETTING#' : `SETTING#${type}#`),
};

export { postcodeAreaOf as postcodeArea } from '@placements/domain';

/** Attributes that belong to the table's layout, never to the entity returned to a caller. */
export const LAYOUT_ATTRIBUTES = [
  'pk',
  'sk',
  'gsi1pk',
  'gsi1sk',
  'gsi2pk',
  'gsi2sk',
  'gsi3pk',
  'gsi3sk',
  'gsi4pk',
  'gsi4sk',
  'itemType',
  // A listing's copy of its setting as search shows it (for the stream's projection), never part of the listing.
  'searchSetting',
] as const;

export function stripLayout<T>(item: Record<string, unknown>): T {
  const out: Record<string, unknown> = { ...item };
  for (const a of LAYOUT_ATTRIBUTES) delete out[a];
  return out as T;
}
