import { londonDate } from '@placements/domain';
import { createHash } from 'node:crypto';
import {
  writeCsv,
  type CsvValue,
  frameworkInForce,
  suppress,
  suppressWith,
  tariffPrice,
  ValidationError,
  type Attendance,
  type FieldProblem,
  type MaybeSuppressed,
  type Partnership,
  type SettingWithListings,
} from '@placements/domain';
import type { Principal } from '../auth.ts';
import type { Deps } from '../http.ts';
import type { FeedHead } from '@placements/store';
import { forgetReferenceData, referenceData } from './reference-cache.ts';
import { readablePartnership, type SufficiencyView } from './sufficiency.ts';
import { inParallel } from './parallel.ts';

export interface PartnershipInput {
  name: string;
  regionCode?: string;
  members: string[];
  remit: string[];
}

/**
 * Creates or replaces a partnership (national role). Members must be known LAs, each once; the
 * region, when given, must be an English region; an LA may belong to several partnerships.
 */
export async function putPartnership(
  deps: Deps,
  id: string,
  input: PartnershipInput,
): Promise<{ partnership: Partnership; created: boolean }> {
  const { las } = await referenceData(deps.store);
  const known = new Map(las.map((l) => [l.laCode, l]));
  const problems: FieldProblem[] = [];
  const seen = new Map<string, number>();
  input.members.forEach((m, i) => {
    if (!known.has(m))
      problems.push({ field: `members.${i}`, message: `${m} is not an LA the marketplace knows (GET /las)` });
    if (seen.has(m)) problems.push({ field: `members.${i}`, message: `repeats members.${seen.get(m)}: each LA once` });
    else seen.set(m, i);
  });
  if (input.regionCode !== undefined && !las.some((l) => l.regionCode === input.regionCode)) {
    problems.push({
      field: 'regionCode',
      message: `${input.regionCode} is not the code of an English region (${[...new Set(las.map((l) => l.regionCode))].sort().join(', ')})`,
    });
  }
  const remits = new Map<string, number>();
  input.remit.forEach((r, i) => {
    const k = r.trim().toLowerCase();
    if (remits.has(k)) problems.push({ field: `remit.${i}`, message: `repeats remit.${remits.get(k)}` });
    else remits.set(k, i);
  });
  if (problems.length > 0) throw new ValidationError(problems);
  const existing = await deps.store.reference.getPartnership(id);
  const partnership: Partnership = {
    id,
    name: input.name,
    ...(input.regionCode ? { regionCode: input.regionCode } : {}),
    members: input.members,
    remit: input.remit.map((r) => r.trim()),
  };
  await deps.store.reference.putPartnership(partnership);
  // Membership decides who may take block places: no instance may go on with the old members.
  forgetReferenceData(deps.store);
  return { partnership, created: existing === undefined };
}

/** What each member LA pays one provider for one kind of place, beside the tariff. */
export interface PriceRow {
  providerId: string;
  band: string;
  attendance: string;
  tariff: number | null;
  byLa: {
    laCode: string;
    name: string;
    placements: MaybeSuppressed;
    /** Averages over fewer than 5 placements are "<5": one or two children's prices could be read from them. */
    averagePrice: MaybeSuppressed;
    averageTariff: MaybeSuppressed;
    differenceFromTariff: MaybeSuppressed;
    differencePercent: MaybeSuppressed | null;
  }[];
}

/**
 * Price transparency: the same provider's prices to different member LAs side by side, against
 * the tariff, from the LAs' placement counters (PRC#provider#band#attendance): no scan.
 */
export async function prices(
  deps: Deps,
  principal: Principal,
  id: string,
  filter: { provider?: string; band?: string },
): Promise<{ partnershipId: string; items: PriceRow[] }> {
  const partnership = await readablePartnership(deps, principal, id);
  const { las } = await referenceData(deps.store);
  const names = new Map(las.map((l) => [l.laCode, l.name]));
  const framework = frameworkInForce(
    await deps.store.reference.listFrameworks(),
    londonDate(deps.now?.() ?? new Date()),
  );
  const rows = new Map<string, PriceRow>();
  await inParallel(partnership.members, 8, async (la) => {
    for (const c of await deps.store.aggregates.countersOf(la)) {
      const [kind, providerId = '', band = '', attendance = 'day'] = c.key.split('#');
      if (kind !== 'PRC' || (c.values.placements ?? 0) <= 0) continue;
      if ((filter.provider && filter.provider !== providerId) || (filter.band && filter.band !== band)) continue;
      const k = `${providerId}#${band}#${attendance}`;
      const row = rows.get(k) ?? {
        providerId,
        band,
        attendance,
        tariff: (framework && tariffPrice(framework, band, attendance as Attendance)) ?? null,
        byLa: [],
      };
      const n = c.values.placements!;
      const averagePrice = Math.round((c.values.spend ?? 0) / n);
      const averageTariff = Math.round((c.values.spendAtTariff ?? 0) / n);
      row.byLa.push({
        laCode: la,
        name: names.get(la) ?? la,
        placements: suppress(n),
        averagePrice: suppressWith(n, averagePrice),
        averageTariff: suppressWith(n, averageTariff),
        differenceFromTariff: suppressWith(n, averagePrice - averageTariff),
        differencePercent:
          averageTariff > 0
            ? suppressWith(n, Math.round((1000 * (averagePrice - averageTariff)) / averageTariff) / 10)
            : null,
      });
      rows.set(k, row);
    }
  });
  const items = [...rows.values()].sort((a, b) =>
    `${a.providerId}#${a.band}#${a.attendance}`.localeCompare(`${b.providerId}#${b.band}#${b.attendance}`),
  );
  for (const r of items) r.byLa.sort((a, b) => a.laCode.localeCompare(b.laCode));
  return { partnershipId: id, items };
}

// ---- CSV exports ----------------------------------------------------------------------------

export const SUFFICIENCY_VIEWS = ['byLa', 'byBand', 'byNeed', 'byLaBandNeed', 'blockPlaces', 'ehcp', 'trends'] as const;
export type SufficiencyViewName = (typeof SUFFICIENCY_VIEWS)[number];

/** Nested objects as dotted columns: {capacity: {filled: 3}} → capacity.filled = 3. */
function flatten(o: Record<string, unknown>, prefix = '', out: Record<string, unknown> = {}): Record<string, unknown> {
  for (const [k, v] of Object.entries(o)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) flatten(v as Record<string, unknown>, key, out);
    else out[key] = v;
  }
  return out;
}

/** One sufficiency view as CSV (RFC 4180), suppressed values as "<5", with a header row. */
export function sufficiencyCsv(view: SufficiencyView, name: SufficiencyViewName): string {
  const rows: Record<string, unknown>[] =
    name === 'ehcp'
      ? view.byLa.map((l) =>
          flatten({
            laCode: l.laCode,
            name: l.name,
            year: l.ehcp?.year ?? null,
            plans: l.ehcp?.plans ?? null,
            marketplaceCases: l.ehcp?.marketplaceCases ?? l.demand.cases,
            coverage: l.ehcp?.coverage ?? null,
            byPlacement: l.ehcp?.byPlacement ?? {},
            byNeed: l.ehcp?.byNeed ?? {},
          }),
        )
      : (view[name] as unknown as Record<string, unknown>[]).map((r) => flatten(r));
  const header: string[] = [];
  for (const r of rows) for (const k of Object.keys(r)) if (!header.includes(k)) header.push(k);
  return writeCsv(
    header,
    rows.map((r) => header.map((h) => r[h] as CsvValue)),
  );
}

// ---- Open Referral UK (HSDS 3.1, ORUK 3.0) -------------------------------------------------------------

/** A stable UUID from a name (the shape of a version 5 UUID over SHA-1), so ids never change between reads. */
export function stableUuid(name: string): string {
  const h = createHash('sha1').update(`send-placements:${name}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((parseInt(h.slice(16, 18), 16) & 0x3f) | 0x80).toString(16)}${h.slice(18, 20)}-${h.slice(20, 32)}`;
}

const PLACE_UNIT = {
  id: stableUuid('unit:place'),
  name: 'Place',
  scheme: 'SEND placement marketplace',
  identifier: 'place',
};

/** One listing as an HSDS 3.0 service: its organisation, location, capacity and cost. */
export function orukService(s: SettingWithListings, l: SettingWithListings['listings'][number]) {
  const serviceId = stableUuid(`service:${s.urn}:${l.listingId}`);
  const locationId = stableUuid(`location:${s.urn}`);
  const attendance =
    l.attendance === 'day' ? 'day' : l.attendance === 'residential_38' ? '38-week residential' : '52-week residential';
  return {
    id: serviceId,
    name: `${s.name}: ${l.band} ${attendance} places (${l.needs.join(', ')})`,
    description: `Band ${l.band} ${attendance} places for children and young people aged ${l.ageMin} to ${l.ageMax} with ${l.needs.join(', ')}, at ${s.name} (URN ${s.urn}), ${s.type.replace(/_/g, ' ')}.`,
    status: 'active',
    organization: {
      id: stableUuid(`organization:${s.providerId}`),
      name: s.trustName ?? s.name,
      description: `Provider ${s.providerId}${s.trustName ? ` (${s.trustName})` : ''}, running ${s.name}.`,
    },
    // HSDS 3.1 names a service's capacities `capacities` (service_capacity objects).
    capacities: [
      {
        id: stableUuid(`capacity:${s.urn}:${l.listingId}`),
        unit: PLACE_UNIT,
        available: l.available,
        maximum: l.commissioned,
        description: `Places free from ${l.availableFrom}, of ${l.commissioned} commissioned.`,
        updated: l.updatedAt,
      },
    ],
    cost_options: [
      {
        id: stableUuid(`cost:${s.urn}:${l.listingId}`),
        valid_from: l.availableFrom,
        option: l.variationReason ? `Local variation: ${l.variationReason}` : `National tariff, band ${l.band}`,
        currency: 'GBP',
        amount: l.price / 100,
        amount_description: 'per place per year',
      },
    ],
    service_at_locations: [
      {
        id: stableUuid(`sal:${s.urn}:${l.listingId}`),
        location: {
          id: locationId,
          location_type: 'physical',
          name: s.name,
          latitude: s.lat,
          longitude: s.lon,
          addresses: [] as unknown[],
          external_identifier: s.urn,
          external_identifier_type: 'URN',
        },
      },
    ],
    eligibility_description: `Ages ${l.ageMin}–${l.ageMax}; needs ${l.needs.join(', ')}; an EHC plan naming the setting.`,
    minimum_age: l.ageMin,
    maximum_age: l.ageMax,
  };
}

/** Published capacity of a partnership's member LAs as an ORUK paginated list of services. */
/** A feed older than this is rebuilt before it is served (listings change a few times a day). */
export const FEED_MAX_AGE_SECONDS = 300;
/** How long browsers and CloudFront may reuse a page of the feed. */
export const FEED_CACHE_SECONDS = 60;

/** Reads every member's settings and listings and builds the partnership's services, in URN order. */
async function buildServices(deps: Deps, members: readonly string[]) {
  const settings: SettingWithListings[] = [];
  await inParallel(members, 4, async (la) => {
    let cursor: string | undefined;
    do {
      const res = await deps.store.settings.listSettings({ laCode: la }, 200, cursor);
      settings.push(...res.items);
      cursor = res.nextCursor ?? undefined;
    } while (cursor !== undefined);
  });
  return settings.sort((a, b) => a.urn.localeCompare(b.urn)).flatMap((s) => s.listings.map((l) => orukService(s, l)));
}

/** Builds in flight, one per partnership in this instance: concurrent stale reads share one build. */
const building = new Map<string, Promise<FeedHead | undefined>>();

/**
 * Rebuilds a partnership's public feed and stores it. The table's stream consumer calls this when
 * a member's listing changes; until then, a read finding the feed older than FEED_MAX_AGE_SECONDS
 * rebuilds it first. Undefined when no partnership has the id.
 */
export function rebuildFeed(deps: Deps, partnershipId: string): Promise<FeedHead | undefined> {
  const inFlight = building.get(partnershipId);
  if (inFlight !== undefined) return inFlight;
  const run = (async () => {
    const partnership = await deps.store.reference.getPartnership(partnershipId);
    if (partnership === undefined) return undefined;
    const builtAt = (deps.now?.() ?? new Date()).toISOString();
    return deps.store.feed.put(partnershipId, builtAt, await buildServices(deps, partnership.members));
  })().finally(() => building.delete(partnershipId));
  building.set(partnershipId, run);
  return run;
}

/**
 * Published capacity of a partnership's member LAs as an ORUK paginated list of services, served
 * from the precomputed feed: one or two reads whatever the page size, never a query per member.
 */
export async function orukServices(deps: Deps, id: string, page: number, perPage: number) {
  const now = (deps.now?.() ?? new Date()).getTime();
  let head = await deps.store.feed.head(id);
  if (head === undefined || now - Date.parse(head.builtAt) > FEED_MAX_AGE_SECONDS * 1000)
    head = await rebuildFeed(deps, id);
  if (head === undefined) return undefined;
  const total = head.total;
  const totalPages = Math.max(1, Math.ceil(total / perPage));
  const contents = await deps.store.feed.services(head, (page - 1) * perPage, Math.min(total, page * perPage));
  return {
    total_items: total,
    total_pages: totalPages,
    page_number: page,
    size: contents.length,
    first_page: page === 1,
    last_page: page >= totalPages,
    empty: total === 0,
    contents,
  };
}
