import { londonDate } from '@placements/domain';
import { randomUUID } from 'node:crypto';
import {
  AGE_BUCKETS,
  bucketForAge,
  bucketsForRange,
  cellDistanceKm,
  coarseCellsWithin,
  compareResults,
  distanceKm,
  fineCellsOf,
  fineKey,
  mismatches,
  PHASES,
  rarestNeed,
  toResult,
  ValidationError,
  type AgeBucket,
  type FieldProblem,
  type LocalAuthority,
  type MapCell,
  type PlaceCandidate,
  type PlaceResult,
  type SearchCriteria,
  type SearchScope,
  type SearchSort,
} from '@placements/domain';
import { cellRanges, orderedRanges, type SearchPartition } from '@placements/store';
import type { Principal } from '../auth.ts';
import type { Deps } from '../http.ts';
import { districtCentroid, referenceData } from './reference-cache.ts';

/** Results beyond this are not kept: a search this wide should be narrowed. */
export const MAX_RESULTS = 1000;
/** Above this many LA partitions, a national search reads the national index instead. */
const LA_PARTITIONS_BEFORE_NATIONAL = 40;

export interface SearchRequest {
  criteria: Omit<SearchCriteria, 'origin'> & { from?: string };
  scope?: SearchScope;
  sort: SearchSort;
  limit: number;
  cursor?: string;
}

export interface SearchPage {
  items: (PlaceResult & { hostLaName: string })[];
  nextCursor: string | null;
  /** Results in all; a lower bound when totalAtLeast is true. */
  total: number;
  /**
   * True when the first page was read without counting every match (it read only what the page
   * shows): there are at least `total` results. The second page counts them exactly.
   */
  totalAtLeast: boolean;
  truncated: boolean;
  asOf: string;
}

export interface SearchStats {
  /** Search-index items read. */
  itemsRead: number;
  queries: number;
  /** Matching results among the items read. */
  matched: number;
  /** Results on the page returned. */
  shown?: number;
  /** Reads made one after another (each a batch of queries in parallel): what a search waits for. */
  rounds?: number;
  /**
   * Given (even empty), the entries read that did not match, counted by what they failed
   * (`scope` for an LA outside it; several joined by `+`): where a first page's reads go.
   */
  misses?: Record<string, number>;
}

/** Whether an entry read matches; where asked, what a miss failed is counted. */
function matcher(plan: SearchPlan, stats: SearchStats | undefined) {
  return (c: PlaceCandidate): boolean => {
    const inScope = plan.allowed.has(c.setting.laCode);
    const failed = mismatches(c, plan.criteria);
    if (inScope && failed.length === 0) return true;
    if (stats?.misses) {
      const why = [...(inScope ? [] : ['scope']), ...failed.map((f) => f.field)].join('+');
      stats.misses[why] = (stats.misses[why] ?? 0) + 1;
    }
    return false;
  };
}

const defaultScope = (p: Principal): SearchScope =>
  p.role === 'la' ? 'la' : p.role === 'partnership' ? 'partnership' : 'national';

/** The LAs a principal may search in a scope; the tenant comes from the token, never the query. */
function scopeLas(
  principal: Principal,
  scope: SearchScope,
  las: LocalAuthority[],
  partnerships: { id: string; members: string[] }[],
): LocalAuthority[] | FieldProblem {
  if (scope === 'national') return las;
  if (scope === 'la') {
    if (principal.role !== 'la')
      return {
        field: 'scope',
        message: `la scope searches your own LA; a ${principal.role} token has none, use partnership or national`,
      };
    return las.filter((la) => la.laCode === principal.org);
  }
  const members = new Set(
    principal.role === 'partnership'
      ? (partnerships.find((p) => p.id === principal.org)?.members ?? [])
      : principal.role === 'la'
        ? partnerships.filter((p) => p.members.includes(principal.org)).flatMap((p) => p.members)
        : [],
  );
  if (members.size === 0)
    return {
      field: 'scope',
      message:
        principal.role === 'national'
          ? 'a national token belongs to no partnership; use national'
          : 'your organisation belongs to no partnership',
    };
  return las.filter((la) => members.has(la.laCode));
}

function bucketsFor(c: SearchCriteria): AgeBucket[] {
  if (c.age !== undefined) return [bucketForAge(c.age)];
  if (c.phase !== undefined) return bucketsForRange(PHASES[c.phase].min, PHASES[c.phase].max);
  // A listing taking young people over 16 (its ages reach 16 or more) is in a bucket from 16 on.
  if (c.postSixteen === true) return bucketsForRange(16, 25);
  return AGE_BUCKETS.map((b) => b.code);
}

/**
 * A search's ordered results, kept so that later pages never shift. `before` results were shown
 * on the first page (read in result order, not kept here); `results` are the rest, in order.
 * A pending snapshot (after a first page that stopped reading early) holds only what that page
 * showed and the request, and becomes a full one when the second page is asked for.
 */
interface SearchSnapshot {
  owner: string;
  asOf: string;
  truncated: boolean;
  before?: number;
  results: PlaceResult[];
  pending?: {
    shown: string[];
    criteria: SearchRequest['criteria'];
    scope?: SearchScope;
    sort: SearchSort;
    today: string;
  };
}

interface SnapshotCursor {
  s: string;
  o: number;
}

function decodeSearchCursor(raw: string): SnapshotCursor {
  try {
    const c = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as SnapshotCursor;
    if (typeof c.s === 'string' && /^[0-9a-f-]{36}$/.test(c.s) && Number.isInteger(c.o) && c.o >= 0) return c;
  } catch {
    // fall through
  }
  throw new ValidationError([
    { field: 'cursor', message: 'is not a cursor this search issued; search again without it' },
  ]);
}

const encode = (c: SnapshotCursor) => Buffer.from(JSON.stringify(c)).toString('base64url');
const resultId = (r: { setting: { urn: string }; listing: { listingId: string } }) =>
  `${r.setting.urn}#${r.listing.listingId}`;

/** The LA a search is measured from: the caller's own, or the `from` district's for partnership and national callers. */
const homeLaOf = (principal: Principal, criteria: SearchCriteria) =>
  principal.role === 'la'
    ? principal.org
    : criteria.origin !== undefined
      ? (criteria.origin as { laCode?: string }).laCode
      : undefined;

/**
 * Finds places, reading only what the first page shows: entries are kept in each result order
 * (most places free, cheapest) so the first page is the top of the partitions that can match,
 * merged; for distance, LAs are read nearest first until no unread LA can come closer. Later pages
 * come from a snapshot of the full result taken when the second page is asked for: nothing the
 * first page showed is repeated, and nothing is skipped. See docs/search.md.
 */
export async function searchPlaces(
  deps: Deps,
  principal: Principal,
  req: SearchRequest,
  stats?: SearchStats,
): Promise<SearchPage> {
  const now = deps.now?.() ?? new Date();
  const today = londonDate(now);
  const owner = `${principal.role}:${principal.org}`;
  const named = await namer(deps, now);
  if (req.cursor !== undefined) return laterPage(deps, principal, req, now, named);

  const plan = await planSearch(deps, principal, req.criteria, req.scope, req.sort, today);
  const want = Math.min(req.limit, MAX_RESULTS) + 1;
  const read =
    req.sort === 'distance'
      ? await nearestFirst(deps, principal, plan, want, matcher(plan, stats))
      : await inOrder(deps, principal, plan, req.sort, want, matcher(plan, stats));
  const ordered = [...read.found.values()].sort(compareResults(req.sort));
  const shown = ordered.slice(0, req.limit);
  if (stats)
    Object.assign(stats, {
      itemsRead: read.itemsRead,
      queries: read.queries,
      rounds: read.rounds,
      matched: ordered.length,
      shown: shown.length,
    });
  const asOf = now.toISOString();
  if (read.complete) {
    // Every match was read: the total is exact, and a snapshot is kept only if there is a second page.
    const truncated = ordered.length > MAX_RESULTS;
    const kept = ordered.slice(0, MAX_RESULTS);
    let nextCursor: string | null = null;
    if (kept.length > req.limit) {
      const id = randomUUID();
      await deps.store.search.putSnapshot<SearchSnapshot>(id, { owner, asOf, truncated, results: kept }, now);
      nextCursor = encode({ s: id, o: req.limit });
    }
    return { items: shown.map(named), nextCursor, total: kept.length, totalAtLeast: false, truncated, asOf };
  }
  // More results than the page: keep only what it showed and how to find the rest.
  const id = randomUUID();
  const pending = {
    shown: shown.map(resultId),
    criteria: req.criteria,
    ...(req.scope ? { scope: req.scope } : {}),
    sort: req.sort,
    today,
  };
  await deps.store.search.putSnapshot<SearchSnapshot>(id, { owner, asOf, truncated: false, results: [], pending }, now);
  return {
    items: shown.map(named),
    nextCursor: encode({ s: id, o: shown.length }),
    total: ordered.length,
    totalAtLeast: true,
    truncated: false,
    asOf,
  };
}

async function namer(deps: Deps, now: Date) {
  const { las } = await referenceData(deps.store, now.getTime());
  const laName = new Map(las.map((la) => [la.laCode, la.name]));
  return (r: PlaceResult) => ({ ...r, hostLaName: laName.get(r.hostLaCode) ?? r.hostLaCode });
}

/** A page after the first: from the snapshot, which the second page first completes. */
async function laterPage(
  deps: Deps,
  principal: Principal,
  req: SearchRequest,
  now: Date,
  named: (r: PlaceResult) => PlaceResult & { hostLaName: string },
): Promise<SearchPage> {
  const owner = `${principal.role}:${principal.org}`;
  const c = decodeSearchCursor(req.cursor!);
  let snap = await deps.store.search.getSnapshot<SearchSnapshot>(c.s, now);
  // Only whoever ran the search may page through it.
  if (snap === undefined || snap.owner !== owner)
    throw new ValidationError([
      { field: 'cursor', message: 'this search has expired (after 30 minutes) or is not yours; search again' },
    ]);
  if (snap.pending !== undefined) {
    const p = snap.pending;
    const { candidates, criteria } = await gatherCandidates(deps, principal, p.criteria, p.scope, p.sort, p.today);
    const shown = new Set(p.shown);
    const homeLa = homeLaOf(principal, criteria);
    const rest = candidates
      .filter((x) => mismatches(x, criteria).length === 0 && !shown.has(resultId(x)))
      .map((x) => toResult(x, criteria, homeLa))
      .sort(compareResults(p.sort));
    const room = Math.max(0, MAX_RESULTS - p.shown.length);
    const full: SearchSnapshot = {
      owner,
      asOf: now.toISOString(),
      truncated: rest.length > room,
      before: p.shown.length,
      results: rest.slice(0, room),
    };
    // Two second-page requests at once: the first to complete the snapshot wins, the other uses it.
    snap = (await deps.store.search.completeSnapshot<SearchSnapshot>(c.s, full, now)) ?? full;
  }
  const before = snap.before ?? 0;
  const total = before + snap.results.length;
  const from = Math.max(0, c.o - before);
  const next = c.o + req.limit < total ? encode({ s: c.s, o: c.o + req.limit }) : null;
  return {
    items: snap.results.slice(from, from + req.limit).map(named),
    nextCursor: next,
    total,
    totalAtLeast: false,
    truncated: snap.truncated,
    asOf: snap.asOf,
  };
}

interface FirstPageRead {
  /** Matching results read, by listing. */
  found: Map<string, PlaceResult>;
  /** Every entry that could match was read: found is the whole result. */
  complete: boolean;
  itemsRead: number;
  queries: number;
  rounds: number;
}

/**
 * The first `want` results in a result order kept by the index (most places free, cheapest):
 * each ordered range is read from its top, a page at a time, and merged. A range is read further
 * only while its last entry read still sorts before the want-th result found so far, so the read
 * stops once nothing unread can come before it.
 */
async function inOrder(
  deps: Deps,
  principal: Principal,
  plan: SearchPlan,
  sort: 'available' | 'price',
  want: number,
  matches: (c: PlaceCandidate) => boolean,
): Promise<FirstPageRead> {
  const cmp = compareResults(sort);
  const homeLa = homeLaOf(principal, plan.criteria);
  const streams = plan.partitions
    .flatMap((p) => orderedRanges(p, sort))
    .map((range) => ({
      range,
      start: undefined as Record<string, unknown> | undefined,
      done: false,
      last: undefined as PlaceResult | undefined,
      read: 0,
      matched: 0,
      limit: 0,
    }));
  const found = new Map<string, PlaceResult>();
  let itemsRead = 0;
  let queries = 0;
  let rounds = 0;
  let matchesRead = 0;
  for (;;) {
    const kth = found.size >= want ? [...found.values()].sort(cmp)[want - 1] : undefined;
    const open = streams.filter(
      (s) => !s.done && (s.range.whole || s.last === undefined || kth === undefined || cmp(s.last, kth) < 0),
    );
    if (open.length === 0) break;
    const short = Math.max(1, want - found.size);
    // A listing covering several age buckets has an entry in each bucket's range, so a search of
    // several buckets (no age, or a phase) reads the same listing more than once: what is missing
    // fills at the rate the ranges find listings not found yet, not the rate they match.
    const unseen = matchesRead === 0 ? 1 : found.size / matchesRead;
    rounds++;
    await Promise.all(
      open.map(async (s) => {
        // Enough to fill this range's share of what is still missing at the rate it has matched so far.
        const rate = s.read === 0 ? 1 : Math.max((s.matched / s.read) * unseen, 0.1);
        // Once the page is found, a range still open must read on to the page's last result, how
        // far is unknown: twice what it read last time, so it gets there in a round or two, not in
        // a round for every few entries.
        // A range kept in another order is read whole, in one query where it can be.
        const limit = s.range.whole
          ? 500
          : Math.min(
              500,
              Math.max(4, Math.ceil((short / open.length / rate) * 1.2) + 1, kth === undefined ? 0 : 2 * s.limit),
            );
        s.limit = limit;
        const page = await deps.store.search.orderedPage(s.range, limit, s.start);
        queries++;
        itemsRead += page.candidates.length;
        s.read += page.candidates.length;
        for (const c of page.candidates) {
          const r = toResult(c, plan.criteria, homeLa);
          s.last = r;
          if (matches(c)) {
            s.matched++;
            matchesRead++;
            found.set(resultId(r), r);
          }
        }
        s.start = page.next;
        s.done = page.next === undefined;
      }),
    );
  }
  return { found, complete: streams.every((s) => s.done), itemsRead, queries, rounds };
}

/** Map cells are read only within this distance (and the radius); beyond it, whole LAs. */
const CELL_REACH_KM = 60;
/** Map cells while the want-th result looks nearer than this; whole LAs (few matches) beyond. */
const CELLS_UNTIL_KM = 25;
/** The first wave of cells reads those this near: where places are dense, this alone may fill the page. */
const FIRST_WAVE_KM = 2;
/** Each wave reads at least this much further than the last: a wave costs a search a round trip. */
const MIN_STEP_KM = 2;
/**
 * A wave reads at most this many times as far as what is read (nine times the area): matches are
 * not spread evenly, and the density read near a town says little of the city 20 km off, so a
 * long wave on it read up to six pages' worth (docs/benchmarks.md, run 12).
 */
const WAVE_GROWTH = 3;
const floorTenth = (km: number) => Math.floor(km * 10) / 10;
const cellAreaKm2 = (c: MapCell) =>
  (c.north - c.south) * 111.2 * (c.east - c.west) * 111.2 * Math.cos((((c.north + c.south) / 2) * Math.PI) / 180);

/** A gap between two runs of fine cells in key order is read with them below this many entries: a query costs more. */
const GAP_FILL_ENTRIES = 10;
type CellUnit = { cell: MapCell & { region: string }; bound: number };
const unitKey = (u: CellUnit) => `${u.cell.coarse}|${u.cell.region}|${u.cell.fine}`;

/**
 * A wave's fine cells, and the cells between two of its runs in key order (in the same region's
 * part of a coarse cell) where so few entries are likely there (at the entries per km² read so
 * far) that reading them costs less than a query more: where places are sparse a wave reads
 * whole blocks, each one range. A cell read early is simply read: the read stops on the bound of
 * the nearest cell not read, whichever wave read the others.
 */
function withGapsFilled(batch: CellUnit[], rest: CellUnit[], entriesPerKm2: number | undefined): CellUnit[] {
  if (entriesPerKm2 === undefined) return batch;
  const later = new Map(rest.map((u) => [unitKey(u), u]));
  const byPart = new Map<string, CellUnit[]>();
  for (const u of batch) {
    const part = `${u.cell.coarse}|${u.cell.region}`;
    byPart.set(part, [...(byPart.get(part) ?? []), u]);
  }
  const out = [...batch];
  for (const units of byPart.values()) {
    const sorted = units.map((u) => Number(u.cell.fine)).sort((a, b) => a - b);
    const { coarse, region } = units[0]!.cell;
    for (let k = 1; k < sorted.length; k++) {
      const gap: CellUnit[] = [];
      for (let z = sorted[k - 1]! + 1; z < sorted[k]!; z++) {
        const unit = later.get(`${coarse}|${region}|${fineKey(z)}`);
        if (unit === undefined) break; // a cell no LA in scope reaches, or beyond reach: not read
        gap.push(unit);
      }
      if (gap.length !== sorted[k]! - sorted[k - 1]! - 1 || gap.length === 0) continue;
      const entries = gap.reduce((n, u) => n + cellAreaKm2(u.cell), 0) * entriesPerKm2;
      if (entries < GAP_FILL_ENTRIES) out.push(...gap);
    }
  }
  return out;
}

/**
 * The nearest `want` results. Where matches are dense, map cells (about 4.4 km; see search-cells in
 * the domain) are read nearest first, each after its bound (the distance to its nearest point:
 * nothing in it is nearer), in waves sized by the matches per km² seen so far (each at most
 * WAVE_GROWTH times as far as what is read), each only in the regions of the LAs in scope that
 * reach it. Where they are sparse (the want-th result looks farther than CELLS_UNTIL_KM), a search
 * with a radius reads on in cells; one without reads the LAs in scope whole, nearest bound first:
 * few queries, and only the LAs in scope. Either way the read stops once `want` results are
 * nearer (to the 0.1 km a result shows) than anything unread can be. Cells that no LA in scope
 * reaches, or beyond the radius, are never read.
 */
async function nearestFirst(
  deps: Deps,
  principal: Principal,
  plan: SearchPlan,
  want: number,
  matches: (c: PlaceCandidate) => boolean,
): Promise<FirstPageRead> {
  const origin = plan.criteria.origin!;
  const homeLa = homeLaOf(principal, plan.criteria);
  const radius = plan.criteria.radiusKm ?? Number.POSITIVE_INFINITY;
  const reach = Math.min(radius, CELL_REACH_KM);
  const found = new Map<string, PlaceResult>();
  let itemsRead = 0;
  let queries = 0;
  let rounds = 0;
  const take = (candidates: PlaceCandidate[]) => {
    for (const c of candidates)
      if (matches(c)) {
        const r = toResult(c, plan.criteria, homeLa);
        found.set(resultId(r), r);
      }
  };
  const sureBefore = (bound: number) => [...found.values()].filter((r) => r.distanceKm! < bound).length;
  const kthKm = () =>
    found.size >= want
      ? [...found.values()].map((r) => r.distanceKm!).sort((a, b) => a - b)[want - 1]!
      : Number.POSITIVE_INFINITY;

  // 1. Map cells within reach that an LA in scope can reach, nearest first, while matches are dense.
  const reaching = (cell: MapCell, las: LocalAuthority[]) =>
    las.filter((la) => la.extentKm === undefined || cellDistanceKm(la, cell) <= la.extentKm);
  // A band within LAs: its own LA partitions hold only its entries, where a map cell holds every
  // band's (most of which a band search would read only to drop), so LAs are read, not cells.
  const byCells = plan.band === undefined;
  // A fine cell once for each region of the LAs in scope that reach it: an entry's map-cell key
  // begins with its LA's region, so a partnership reads none of its neighbours' entries there.
  // Which LAs reach a cell is worked out for each 2 × 2 block of fine cells (about 9 km: four in
  // a row in key order), not for each of the 64 fine cells of a coarse cell: a quarter of the work.
  // A fine cell of a block that no LA in scope reaches holds none of their listings, so reading it
  // can cost entries, never a result.
  let pending: CellUnit[] = (byCells ? coarseCellsWithin(origin, reach) : [])
    .flatMap((coarse) => {
      const las = reaching(coarse, plan.inScope);
      if (las.length === 0) return [];
      const fines = fineCellsOf(coarse);
      const units: (MapCell & { region: string })[] = [];
      for (let b = 0; b < fines.length; b += 4) {
        const four = fines.slice(b, b + 4);
        const block = {
          ...coarse,
          south: Math.min(...four.map((c) => c.south)),
          north: Math.max(...four.map((c) => c.north)),
          west: Math.min(...four.map((c) => c.west)),
          east: Math.max(...four.map((c) => c.east)),
        };
        const regions = [...new Set(reaching(block, las).map((la) => la.regionCode))];
        for (const fine of four) for (const region of regions) units.push({ ...fine, region });
      }
      return units;
    })
    .map((cell) => ({ cell, bound: floorTenth(Math.max(0, cellDistanceKm(origin, cell) - 0.01)) }))
    .filter((u) => u.bound <= reach)
    .sort((a, b) => a.bound - b.bound);
  const freeOnly = plan.criteria.availableBy !== undefined;
  // The area read (each fine cell once, whatever its regions).
  const readArea = new Set<string>();
  let area = 0;
  while (pending.length > 0) {
    const covered = pending[0]!.bound;
    const sure = sureBefore(covered);
    if (sure >= want) return { found, complete: false, itemsRead, queries, rounds };
    // How far the want-th result probably is, from the matches per km² read so far: where that
    // many would lie, or, once read past that, the ring beyond what is read that holds those still
    // missing, no further: a wave short costs a round, a wave long reads what the page does not
    // show. Nothing yet: three times as far.
    const perKm2 = found.size / area;
    const estimate =
      area === 0
        ? FIRST_WAVE_KM
        : found.size === 0
          ? Math.max(FIRST_WAVE_KM, covered) * 3
          : Math.max(
              Math.sqrt(want / (Math.PI * perKm2)),
              Math.sqrt(covered ** 2 + (want - sure) / (Math.PI * perKm2)),
            );
    // Sparse matches: whole LAs from here, unless the search has a radius, where the cells left
    // within it (read as ranges of neighbouring cells, of places-free cells for a place free) are
    // fewer entries than the LAs that reach into it.
    if (estimate > CELLS_UNTIL_KM && !Number.isFinite(radius)) break;
    const target =
      area === 0
        ? FIRST_WAVE_KM
        : Math.min(kthKm(), Math.max(covered + MIN_STEP_KM, Math.min(estimate, covered * WAVE_GROWTH)));
    let n = 0;
    while (n < pending.length && (n === 0 || pending[n]!.bound <= target)) n++;
    const batch = withGapsFilled(pending.slice(0, n), pending.slice(n), area > 0 ? itemsRead / area : undefined);
    const inBatch = new Set(batch.map(unitKey));
    pending = pending.filter((u) => !inBatch.has(unitKey(u)));
    const res = await deps.store.search.readWhole(
      plan.buckets.flatMap((bucket) =>
        cellRanges(
          plan.need,
          bucket,
          batch.map((u) => ({ coarse: u.cell.coarse, region: u.cell.region, fine: u.cell.fine! })),
          freeOnly,
        ),
      ),
    );
    itemsRead += res.itemsRead;
    queries += res.queries;
    rounds++;
    for (const { cell } of batch) {
      if (readArea.has(`${cell.coarse}/${cell.fine}`)) continue;
      readArea.add(`${cell.coarse}/${cell.fine}`);
      area += cellAreaKm2(cell);
    }
    take(res.candidates);
  }
  // Everything nearer than this is read: the next cell's bound, or the reach once every cell is.
  const covered = !byCells ? 0 : pending.length > 0 ? pending[0]!.bound : floorTenth(reach);
  if (byCells && pending.length === 0 && reach >= radius) return { found, complete: true, itemsRead, queries, rounds };

  // 2. LAs not wholly within what is read, whole, nearest first, by a bound nothing unread in them
  //    can be nearer than: their own (distance to the centroid less the extent), at least `covered`.
  const las = plan.inScope
    .filter((la) => la.extentKm === undefined || distanceKm(origin, la) + la.extentKm >= covered)
    .map((la) => ({
      la,
      bound: Math.max(
        covered,
        la.extentKm === undefined ? 0 : floorTenth(Math.max(0, distanceKm(origin, la) - la.extentKm)),
      ),
    }))
    .filter((x) => x.bound <= radius)
    .sort((a, b) => a.bound - b.bound);
  let next = 0;
  while (next < las.length) {
    if (sureBefore(las[next]!.bound) >= want) break;
    const kth = kthKm();
    // The first round takes every LA as near as the page probably reaches, and a quarter beyond
    // (no match yet: as far as the radius, where the search has one); the second every LA left
    // that can still come before the page's last: at most two rounds, each in parallel.
    const estimate =
      found.size === 0 ? (Number.isFinite(radius) ? radius : 0) : Math.sqrt((want * area) / (Math.PI * found.size));
    const first = next === 0;
    const batch: typeof las = [];
    while (next < las.length && las[next]!.bound <= kth) {
      if (first && batch.length > 0 && las[next]!.bound > estimate * 1.25) break;
      batch.push(las[next++]!);
    }
    if (batch.length === 0) break;
    const res = await deps.store.search.candidates(
      batch.flatMap(({ la }) =>
        plan.buckets.map((bucket) => ({
          scope: 'la' as const,
          need: plan.need,
          bucket,
          laCode: la.laCode,
          ...(plan.band !== undefined ? { band: plan.band } : {}),
          ...(plan.criteria.availableBy ? { availableBy: plan.criteria.availableBy } : {}),
        })),
      ),
    );
    itemsRead += res.itemsRead;
    queries += res.queries;
    rounds++;
    take(res.candidates);
  }
  return { found, complete: next >= las.length, itemsRead, queries, rounds };
}

/**
 * Today's design before issue 19, kept runnable as the benchmark's baseline: reads every matching
 * entry, sorts them all, and keeps the whole result as a snapshot before showing the first page.
 */
export async function searchPlacesFullRead(
  deps: Deps,
  principal: Principal,
  req: SearchRequest,
  stats?: SearchStats,
): Promise<SearchPage> {
  const now = deps.now?.() ?? new Date();
  const today = londonDate(now);
  const owner = `${principal.role}:${principal.org}`;
  const named = await namer(deps, now);
  if (req.cursor !== undefined) return laterPage(deps, principal, req, now, named);
  const { candidates, itemsRead, queries, criteria } = await gatherCandidates(
    deps,
    principal,
    req.criteria,
    req.scope,
    req.sort,
    today,
    false,
  );
  const homeLa = homeLaOf(principal, criteria);
  const matched = candidates
    .filter((c) => mismatches(c, criteria).length === 0)
    .map((c) => toResult(c, criteria, homeLa));
  matched.sort(compareResults(req.sort));
  const truncated = matched.length > MAX_RESULTS;
  const kept = matched.slice(0, MAX_RESULTS);
  if (stats)
    Object.assign(stats, { itemsRead, queries, matched: matched.length, shown: Math.min(kept.length, req.limit) });
  const asOf = now.toISOString();
  let nextCursor: string | null = null;
  if (kept.length > req.limit) {
    const id = randomUUID();
    await deps.store.search.putSnapshot<SearchSnapshot>(id, { owner, asOf, truncated, results: kept }, now);
    nextCursor = encode({ s: id, o: req.limit });
  }
  return {
    items: kept.slice(0, req.limit).map(named),
    nextCursor,
    total: kept.length,
    totalAtLeast: false,
    truncated,
    asOf,
  };
}

/** What a search reads: the validated criteria, the LAs in scope and the index partitions that can hold matches. */
interface SearchPlan {
  criteria: SearchCriteria;
  inScope: LocalAuthority[];
  allowed: Set<string>;
  need: SearchPartition['need'];
  buckets: AgeBucket[];
  partitions: SearchPartition[];
  /** The band whose own LA partitions (gsi2 SBLN#) the LAs in scope are read from, when one is searched for. */
  band?: string;
}

async function planSearch(
  deps: Deps,
  principal: Principal,
  input: SearchRequest['criteria'],
  requestedScope: SearchScope | undefined,
  sort: SearchSort | undefined,
  today: string,
  /** false: the design before issue 19 (the baseline), which had no band partitions. */
  byBand = true,
): Promise<SearchPlan> {
  const { las, partnerships } = await referenceData(deps.store);
  const problems: FieldProblem[] = [];
  const { from, ...rest } = input;
  const criteria: SearchCriteria = { ...rest };
  if (from !== undefined) {
    const district = await districtCentroid(deps.store, from);
    if (district === undefined)
      problems.push({ field: 'from', message: `${from} is not a postcode district the marketplace knows` });
    else criteria.origin = district;
  }
  if (input.radiusKm !== undefined && from === undefined)
    problems.push({ field: 'radiusKm', message: 'needs from: the postcode district to measure from' });
  if (sort === 'distance' && from === undefined)
    problems.push({ field: 'sort', message: 'distance needs from: the postcode district to measure from' });
  if (criteria.availableBy !== undefined && criteria.availableBy < today)
    problems.push({ field: 'availableBy', message: `must be today (${today}) or later` });
  const scope = requestedScope ?? defaultScope(principal);
  let inScope = scopeLas(principal, scope, las, partnerships);
  if (!Array.isArray(inScope)) problems.push(inScope);
  if (problems.length > 0 || !Array.isArray(inScope)) throw new ValidationError(problems);

  // Only LAs that could hold a setting within the radius are read.
  if (criteria.origin !== undefined && criteria.radiusKm !== undefined) {
    const origin = criteria.origin;
    const radius = criteria.radiusKm;
    inScope = inScope.filter((la) => la.extentKm === undefined || distanceKm(origin, la) - la.extentKm <= radius);
  }
  const need = rarestNeed(criteria.needs)!;
  const buckets = bucketsFor(criteria);
  const national = scope === 'national' && inScope.length > LA_PARTITIONS_BEFORE_NATIONAL;
  const availableBy = criteria.availableBy ? { availableBy: criteria.availableBy } : {};
  // A band searched for is read from its own partitions (nationally, or LA by LA), not every band's.
  const band = criteria.band !== undefined && byBand ? { band: criteria.band } : {};
  const partitions: SearchPartition[] = national
    ? buckets.map((bucket) => ({ scope: 'national', need, bucket, ...band, ...availableBy }))
    : inScope.flatMap((la) =>
        buckets.map((bucket) => ({ scope: 'la' as const, need, bucket, laCode: la.laCode, ...band, ...availableBy })),
      );
  return {
    criteria,
    inScope,
    allowed: new Set(inScope.map((la) => la.laCode)),
    need,
    buckets,
    partitions,
    ...(!national ? band : {}),
  };
}

/**
 * Every entry of the index partitions that can hold matches for the criteria in the principal's
 * scope, read in parallel; candidates outside the scope's LAs are dropped. Shared by the full
 * result a later page needs, the baseline and the tailored list.
 */
export async function gatherCandidates(
  deps: Deps,
  principal: Principal,
  input: SearchRequest['criteria'],
  requestedScope: SearchScope | undefined,
  sort: SearchSort | undefined,
  today: string,
  byBand = true,
): Promise<{
  candidates: PlaceCandidate[];
  itemsRead: number;
  queries: number;
  inScope: LocalAuthority[];
  criteria: SearchCriteria;
}> {
  const plan = await planSearch(deps, principal, input, requestedScope, sort, today, byBand);
  const { candidates, itemsRead, queries } = await deps.store.search.candidates(plan.partitions);
  return {
    candidates: candidates.filter((c) => plan.allowed.has(c.setting.laCode)),
    itemsRead,
    queries,
    inScope: plan.inScope,
    criteria: plan.criteria,
  };
}
