import { londonDate } from '@placements/domain';
import { randomUUID } from 'node:crypto';
import {
  AGE_BUCKETS,
  bucketForAge,
  compareResults,
  distanceKm,
  mismatches,
  PHASES,
  rarestNeed,
  toResult,
  ValidationError,
  type AgeBucket,
  type FieldProblem,
  type LocalAuthority,
  type PlaceCandidate,
  type PlaceResult,
  type SearchCriteria,
  type SearchScope,
  type SearchSort,
} from '@placements/domain';
import type { SearchPartition } from '@placements/store';
import type { Principal } from '../auth.ts';
import type { Deps } from '../http.ts';
import { referenceData } from './reference-cache.ts';

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
  total: number;
  truncated: boolean;
  asOf: string;
}

export interface SearchStats {
  itemsRead: number;
  queries: number;
  matched: number;
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
    return las.filter((la) => la.gssCode === principal.org);
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
  return las.filter((la) => members.has(la.gssCode));
}

function bucketsFor(c: SearchCriteria): AgeBucket[] {
  if (c.age !== undefined) return [bucketForAge(c.age)];
  if (c.phase !== undefined) {
    const p = PHASES[c.phase];
    return AGE_BUCKETS.filter((b) => b.max >= p.min && b.min <= p.max).map((b) => b.code);
  }
  if (c.postSixteen === true) return ['F'];
  return AGE_BUCKETS.map((b) => b.code);
}

/** A search's ordered results, kept so that its pages never shift. */
interface SearchSnapshot {
  owner: string;
  asOf: string;
  truncated: boolean;
  results: PlaceResult[];
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

/**
 * Finds places: works out which index partitions can hold matches (need, age bucket, LAs in
 * scope and within the radius, places free by the date), reads only those, checks every
 * criterion, orders the results and keeps them as a snapshot so pages never shift.
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
  const { las } = await referenceData(deps.store, now.getTime());
  const laName = new Map(las.map((la) => [la.gssCode, la.name]));
  const named = (r: PlaceResult) => ({ ...r, hostLaName: laName.get(r.hostLa) ?? r.hostLa });

  if (req.cursor !== undefined) {
    const c = decodeSearchCursor(req.cursor);
    const snap = await deps.store.search.getSnapshot<SearchSnapshot>(c.s, now);
    // Only whoever ran the search may page through it.
    if (snap === undefined || snap.owner !== owner)
      throw new ValidationError([
        { field: 'cursor', message: 'this search has expired (after 30 minutes) or is not yours; search again' },
      ]);
    const next = c.o + req.limit < snap.results.length ? encode({ s: c.s, o: c.o + req.limit }) : null;
    return {
      items: snap.results.slice(c.o, c.o + req.limit).map(named),
      nextCursor: next,
      total: snap.results.length,
      truncated: snap.truncated,
      asOf: snap.asOf,
    };
  }

  const { candidates, itemsRead, queries, criteria } = await gatherCandidates(
    deps,
    principal,
    req.criteria,
    req.scope,
    req.sort,
    today,
  );
  const homeLa =
    principal.role === 'la'
      ? principal.org
      : criteria.origin !== undefined
        ? (criteria.origin as { laCode?: string }).laCode
        : undefined;
  const matched = candidates
    .filter((c) => mismatches(c, criteria).length === 0)
    .map((c) => toResult(c, criteria, homeLa));
  matched.sort(compareResults(req.sort));
  if (stats) Object.assign(stats, { itemsRead, queries, matched: matched.length });

  const truncated = matched.length > MAX_RESULTS;
  const kept = matched.slice(0, MAX_RESULTS);
  const asOf = now.toISOString();
  let nextCursor: string | null = null;
  if (kept.length > req.limit) {
    const id = randomUUID();
    await deps.store.search.putSnapshot<SearchSnapshot>(id, { owner, asOf, truncated, results: kept }, now);
    nextCursor = encode({ s: id, o: req.limit });
  }
  return { items: kept.slice(0, req.limit).map(named), nextCursor, total: kept.length, truncated, asOf };
}

/**
 * The index partitions that can hold matches for the criteria in the principal's scope, read in
 * parallel; candidates outside the scope's LAs are dropped. Shared by search and the tailored list.
 */
export async function gatherCandidates(
  deps: Deps,
  principal: Principal,
  input: SearchRequest['criteria'],
  requestedScope: SearchScope | undefined,
  sort: SearchSort | undefined,
  today: string,
): Promise<{
  candidates: PlaceCandidate[];
  itemsRead: number;
  queries: number;
  inScope: LocalAuthority[];
  criteria: SearchCriteria;
}> {
  const { las, partnerships } = await referenceData(deps.store);
  const problems: FieldProblem[] = [];
  const { from, ...rest } = input;
  const criteria: SearchCriteria = { ...rest };
  if (from !== undefined) {
    const district = await deps.store.reference.getDistrict(from);
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
  const partitions: SearchPartition[] = national
    ? buckets.map((bucket) => ({
        scope: 'national',
        need,
        bucket,
        ...(criteria.availableBy ? { availableBy: criteria.availableBy } : {}),
      }))
    : inScope.flatMap((la) =>
        buckets.map((bucket) => ({
          scope: 'la' as const,
          need,
          bucket,
          laCode: la.gssCode,
          ...(criteria.availableBy ? { availableBy: criteria.availableBy } : {}),
        })),
      );
  const { candidates, itemsRead, queries } = await deps.store.search.candidates(partitions);
  const allowed = new Set(inScope.map((la) => la.gssCode));
  return { candidates: candidates.filter((c) => allowed.has(c.setting.laCode)), itemsRead, queries, inScope, criteria };
}
