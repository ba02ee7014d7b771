import { londonDate } from '@placements/domain';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import {
  addDays,
  CONSULTATION_DAYS,
  ConflictError,
  ContendedError,
  daysBetween,
  findBand,
  ForbiddenError,
  firstAvailable,
  frameworkInForce,
  NotFoundError,
  preferenceProblems,
  provisionGroup,
  suitableListings,
  ValidationError,
  type Actor,
  type Listing,
  type Case,
  type CaseInput,
  type FieldProblem,
  type Placement,
  type Preferences,
  type SettingWithListings,
  type SkippedPreference,
  UnprocessableError,
  QuotaExceededError,
} from '@placements/domain';
import {
  CaseNotOpenError,
  IdempotentReplayError,
  PlaceTakenError,
  TransactionContentionError,
  type WaitingEntry,
  BUSINESS_METRICS,
  businessMetrics,
} from '@placements/store';
import type { Principal } from '../auth.ts';
import type { Deps } from '../http.ts';
import { tailoredListFor } from './tailored.ts';
import { inParallel } from './parallel.ts';
import { asSeenBy, mayUseBlock, partnershipsOf, placementFactsFor } from './placement-facts.ts';

const clock = (deps: Deps) => deps.now?.() ?? new Date();
const actorOf = (p: Principal): Actor => ({ sub: p.sub, role: p.role, org: p.org });

export interface CaseView extends Case {
  daysWithoutPlace: number;
  placement?: Placement;
  /** The queues the case is in, with its place in each (1 = offered the next place freed). */
  waiting: { urn: string; listingId: string; position: number; joinedAt: string }[];
}

/**
 * Most places one LA may hold at once without naming the setting (cases allocated, consultation
 * under way): enough for any LA's real caseload, far below what a runaway client could take.
 */
export const HELD_UNNAMED_PER_LA = 200;

/**
 * Each LA's (and partnership's) own share of allocation: a minute's worth, well under the route's
 * shared throttle (10 a second), so one caller looping allocations never blocks the others.
 */
export const ALLOCATIONS_PER_MINUTE = 120;
export const ROUNDS_PER_MINUTE = 6;

/** Takes one of the caller's own units for an action, or answers 429 with when to come back. */
export async function takeQuota(deps: Deps, org: string, action: string, limit: number): Promise<void> {
  const { ok, retryAfterSeconds } = await deps.store.quota.take(org, action, limit, clock(deps));
  if (!ok) {
    throw new QuotaExceededError(
      `Your organisation has used its ${limit} ${action === 'allocate' ? 'allocations' : 'allocation rounds'} for this minute; try again in ${retryAfterSeconds} s. The limit is per organisation, so others are not held up.`,
      retryAfterSeconds,
      limit,
    );
  }
}

/** Letters without vowels (no word, no name can form) and digits without 0/1 (never misread). */
const REFERENCE_ALPHABET = '23456789BCDFGHJKLMNPQRSTVWXZ';

/**
 * The marketplace's own case reference, random: it says nothing about the child, so it may go
 * wherever the case is discussed (a partnership's round report); the LA's own `ref` never does.
 */
export function caseReference(): string {
  const bytes = randomBytes(8);
  const chars = [...bytes].map((b) => REFERENCE_ALPHABET[b % REFERENCE_ALPHABET.length]);
  return `C-${chars.slice(0, 4).join('')}-${chars.slice(4).join('')}`;
}

/** Days without a place, counted to now; zero once placed. */
export function daysWithoutPlace(deps: Deps, c: Case): number {
  return c.state === 'placed' || c.state === 'closed' ? 0 : daysBetween(c.withoutPlaceSince, clock(deps).toISOString());
}

async function waitingPositions(deps: Deps, c: Case): Promise<CaseView['waiting']> {
  return Promise.all(
    Object.entries(c.waitingOn ?? {}).map(async ([k, joinedAt]) => {
      const [urn, listingId] = k.split('#') as [string, string];
      return {
        urn,
        listingId,
        joinedAt,
        position: await deps.store.cases.waitingPosition(urn, listingId, joinedAt, c.id),
      };
    }),
  );
}

/** The case as its LA sees it: days without a place, the placement in progress, its queues. */
export async function caseView(deps: Deps, c: Case): Promise<CaseView> {
  const [placement, waiting] = await Promise.all([
    c.activePlacementId ? deps.store.cases.getPlacement(c.activePlacementId) : undefined,
    waitingPositions(deps, c),
  ]);
  return { ...c, daysWithoutPlace: daysWithoutPlace(deps, c), waiting, ...(placement ? { placement } : {}) };
}

/** A case of the caller's own LA: the key is built from the token, so another LA's case is a 404. */
export async function ownCase(deps: Deps, principal: Principal, id: string): Promise<Case> {
  const c = await deps.store.cases.getCase(principal.org, id);
  if (c === undefined) throw new NotFoundError(`Your LA has no case ${id}.`);
  return c;
}

/**
 * Reads shared by the rows of a sheet: one tailored list per kind of case and one read per
 * setting, however many rows share them.
 */
export interface CaseChecksMemo {
  frameworks?: ReturnType<Deps['store']['reference']['listFrameworks']>;
  districts: Map<string, Promise<unknown>>;
  settings: Map<string, Promise<SettingWithListings | undefined>>;
  onList: Map<string, Promise<Set<string>>>;
}
export const caseChecksMemo = (): CaseChecksMemo => ({ districts: new Map(), settings: new Map(), onList: new Map() });

const remembered = <T>(m: Map<string, Promise<T>> | undefined, key: string, read: () => Promise<T>): Promise<T> => {
  if (m === undefined) return read();
  const known = m.get(key);
  if (known !== undefined) return known;
  const p = read();
  m.set(key, p);
  return p;
};

/** What opening a case checks against the marketplace: a band of the framework in force and a known home district. */
export async function caseReferenceProblems(
  deps: Deps,
  fields: { band?: string; homeDistrict?: string },
  memo?: CaseChecksMemo,
): Promise<FieldProblem[]> {
  const problems: FieldProblem[] = [];
  if (fields.band !== undefined) {
    if (memo && memo.frameworks === undefined) memo.frameworks = deps.store.reference.listFrameworks();
    const frameworks = await (memo?.frameworks ?? deps.store.reference.listFrameworks());
    const framework = frameworkInForce(frameworks, londonDate(clock(deps)));
    if (framework === undefined || findBand(framework, fields.band) === undefined) {
      problems.push({
        field: 'band',
        message: `${fields.band} is not a band of the framework in force${framework ? ` (${framework.bands.map((b) => b.code).join(', ')})` : ''}`,
      });
    }
  }
  const district = fields.homeDistrict;
  if (
    district !== undefined &&
    (await remembered(memo?.districts, district, () => deps.store.reference.getDistrict(district))) === undefined
  )
    problems.push({
      field: 'homeDistrict',
      message: `${district} is not a postcode district the marketplace knows`,
    });
  return problems;
}

/**
 * What recording preferences checks: the holder follows the age, and each setting comes from the
 * case's tailored list, or is a mainstream setting the family asks for (the right to request mainstream).
 */
export async function rankedProblems(
  deps: Deps,
  principal: Principal,
  c: Pick<Case, 'needs' | 'age' | 'band' | 'homeDistrict'>,
  prefs: Preferences,
  memo?: CaseChecksMemo,
): Promise<FieldProblem[]> {
  const problems = preferenceProblems(c, prefs);
  const settings = new Map<string, SettingWithListings | undefined>();
  await inParallel(prefs.ranked, 16, async (u) => {
    settings.set(u, await remembered(memo?.settings, u, () => deps.store.settings.getSetting(u, { consistent: true })));
  });
  const kind = JSON.stringify([c.needs, c.age, c.band, c.homeDistrict]);
  const onList = await remembered(memo?.onList, kind, async () => {
    const list = await tailoredListFor(deps, principal, {
      needs: c.needs,
      age: c.age,
      band: c.band,
      from: c.homeDistrict,
      scope: 'national',
    });
    return new Set(list.included.map((e) => e.setting.urn));
  });
  prefs.ranked.forEach((urn, i) => {
    const s = settings.get(urn);
    if (s === undefined) problems.push({ field: `ranked.${i}`, message: `no setting has the URN ${urn}` });
    else if (!onList.has(urn) && !(prefs.mainstreamRequested && provisionGroup(s.type) === 'mainstream')) {
      problems.push({
        field: `ranked.${i}`,
        message: `${s.name} (${urn}) is not on this case's tailored list; rank settings from it, or a mainstream setting with mainstreamRequested`,
      });
    }
  });
  return problems;
}

export interface OpenCaseOptions {
  /** Preferences recorded with the opening, checked as PUT /cases/{id}/preferences checks them (a sheet's rows). */
  preferences?: Preferences;
  /** The id to open it under (a sheet upload derives it from its Idempotency-Key, so a retry finds the row saved). */
  id?: string;
  memo?: CaseChecksMemo;
}

/** Opens a case (with its preferences, when given) in one transaction, after every check; the LA comes from the token. */
export async function openCase(
  deps: Deps,
  principal: Principal,
  input: CaseInput,
  options: OpenCaseOptions = {},
): Promise<CaseView> {
  const now = clock(deps);
  const problems = await caseReferenceProblems(deps, input, options.memo);
  if (options.preferences !== undefined) {
    // The tailored list is measured from the home district: without a known one, only the holder is checked.
    problems.push(
      ...(problems.some((p) => p.field === 'homeDistrict')
        ? preferenceProblems(input, options.preferences)
        : await rankedProblems(deps, principal, input, options.preferences, options.memo)),
    );
  }
  if (problems.length > 0) throw new ValidationError(problems);
  const c: Case = {
    id: options.id ?? randomUUID(),
    reference: caseReference(),
    laCode: principal.org,
    ...input,
    ...(options.preferences !== undefined ? { preferences: options.preferences } : {}),
    state: 'open',
    openedAt: now.toISOString(),
    withoutPlaceSince: now.toISOString(),
    version: 1,
  };
  await deps.store.cases.createCase(c, actorOf(principal));
  return caseView(deps, c);
}

export async function settingsByUrn(
  deps: Deps,
  urns: readonly string[],
): Promise<Map<string, SettingWithListings | undefined>> {
  const found = new Map<string, SettingWithListings | undefined>();
  await inParallel(urns, 16, async (u) => {
    found.set(u, await deps.store.settings.getSetting(u, { consistent: true }));
  });
  return found;
}

/**
 * Records the ranked preferences. Each setting must come from the case's tailored list, or be a
 * mainstream setting the family asks for (the right to request mainstream).
 */
export async function setPreferences(
  deps: Deps,
  principal: Principal,
  id: string,
  prefs: Preferences,
): Promise<CaseView> {
  const c = await ownCase(deps, principal, id);
  if (c.state !== 'open')
    throw new ConflictError(
      'invalid_transition',
      `The case is ${c.state}; preferences can change only while it is open.`,
      [{ state: c.state }],
    );
  const problems = await rankedProblems(deps, principal, c, prefs);
  if (problems.length > 0) throw new ValidationError(problems);
  // Queues of settings no longer ranked are left: the family no longer wants those places.
  const ranked = new Set(prefs.ranked);
  const kept = Object.entries(c.waitingOn ?? {}).filter(([k]) => ranked.has(k.split('#')[0]!));
  const { waitingOn: _w, ...rest } = c;
  const after: Case = {
    ...rest,
    ...(kept.length > 0 ? { waitingOn: Object.fromEntries(kept) } : {}),
    preferences: prefs,
    version: c.version + 1,
  };
  await deps.store.cases.updateCase(c, after, 'case.preferences', actorOf(principal), clock(deps).toISOString());
  // Entries of queues no longer wanted leave them through the stream (the case's new version drops them).
  return caseView(deps, after);
}

export interface AllocationResult {
  status: 201;
  body: { placement: Placement; skipped: SkippedPreference[]; case: CaseView };
}

/** Most queue entries a case takes: one transaction holds 100 actions, with the case and its audit event. */
const MAX_QUEUES = 60;
const QUEUES_PER_SETTING = 3;

/**
 * No preference had a place: the case joins the queue of each suitable listing of its preferred
 * settings (those it has not joined already, and not ones that declined it), and the 409 says
 * where it now stands in each.
 */
export async function joinQueues(
  deps: Deps,
  c: Case,
  settings: Map<string, SettingWithListings | undefined>,
  skipped: SkippedPreference[],
  actor: Actor,
  now: Date,
  options: { positions: boolean } = { positions: true },
): Promise<(SkippedPreference & { waiting?: { listingId: string; position?: number }[] })[]> {
  const declined = new Set(c.declined ?? []);
  const wanted: { urn: string; listingId: string }[] = [];
  for (const urn of c.preferences?.ranked ?? []) {
    const s = settings.get(urn);
    if (s === undefined) continue;
    const listings = suitableListings(c, s)
      .filter((l: Listing) => !declined.has(`${urn}#${l.listingId}`))
      .sort((a, b) => a.availableFrom.localeCompare(b.availableFrom) || a.listingId.localeCompare(b.listingId));
    for (const l of listings.slice(0, QUEUES_PER_SETTING)) wanted.push({ urn, listingId: l.listingId });
  }
  const joinedAt = now.toISOString();
  const fresh = wanted
    .filter((w) => c.waitingOn?.[`${w.urn}#${w.listingId}`] === undefined)
    .slice(0, Math.max(0, MAX_QUEUES - Object.keys(c.waitingOn ?? {}).length));
  let current = c;
  if (fresh.length > 0) {
    const entries: WaitingEntry[] = fresh.map((w) => ({ ...w, caseId: c.id, laCode: c.laCode, joinedAt }));
    const after: Case = {
      ...c,
      waitingOn: {
        ...(c.waitingOn ?? {}),
        ...Object.fromEntries(fresh.map((w) => [`${w.urn}#${w.listingId}`, joinedAt])),
      },
      version: c.version + 1,
    };
    try {
      await deps.store.cases.joinWaitingLists(c, after, entries, actor, joinedAt);
      current = after;
    } catch (error) {
      // Someone changed the case at that moment; it stays out of the queues until the next attempt.
      if (!(error instanceof ConflictError)) throw error;
    }
  }
  const positions = options.positions
    ? await waitingPositions(deps, current)
    : Object.keys(current.waitingOn ?? {}).map((k) => ({
        urn: k.split('#')[0]!,
        listingId: k.split('#')[1]!,
        position: undefined,
      }));
  return skipped.map((s) => {
    const here = positions
      .filter((p) => p.urn === s.urn)
      .map((p) => ({ listingId: p.listingId, ...(p.position !== undefined ? { position: p.position } : {}) }));
    return here.length > 0 ? { ...s, waiting: here } : s;
  });
}

/** A freed place offered from a queue: who got it, or why the queue moved on. */
export interface QueueOffer {
  caseId: string;
  laCode: string;
  placementId: string;
  urn: string;
  listingId: string;
}

const queueActor = (laCode: string): Actor => ({ sub: 'system:waiting-list', role: 'system', org: laCode });

/**
 * Offers a listing's free places to its queue, in order. Each waiting case is allocated as if its
 * LA asked again (first available place in order of preference), so a case whose higher
 * preference has also freed up gets that instead, and the place passes to the next in the queue.
 * Entries of cases that have moved on are removed as they are met.
 */
export async function offerFreedPlaces(deps: Deps, urn: string, listingId: string): Promise<QueueOffer[]> {
  const offers: QueueOffer[] = [];
  const seen = new Set<string>();
  for (let round = 0; round < 20; round++) {
    const setting = await deps.store.settings.getSetting(urn, { consistent: true });
    const listing = setting?.listings.find((l) => l.listingId === listingId);
    const today = londonDate(clock(deps));
    if (listing === undefined || listing.available <= 0 || listing.availableFrom > today) return offers;
    const page = await deps.store.cases.waitingList(urn, listingId, 25);
    const entries = page.items.filter((e) => !seen.has(e.caseId));
    if (entries.length === 0) return offers;
    for (const entry of entries) {
      seen.add(entry.caseId);
      const c = await deps.store.cases.getCase(entry.laCode, entry.caseId);
      if (c === undefined || c.state !== 'open' || c.waitingOn?.[`${urn}#${listingId}`] !== entry.joinedAt) {
        await deps.store.cases.removeWaiting([entry]);
        continue;
      }
      try {
        const result = await allocateCase(deps, entry.laCode, entry.caseId, queueActor(entry.laCode), {
          fromQueue: true,
        });
        businessMetrics.count(BUSINESS_METRICS.waitingListOffersMade);
        offers.push({
          caseId: c.id,
          laCode: c.laCode,
          placementId: result.body.placement.id,
          urn: result.body.placement.urn,
          listingId: result.body.placement.listingId,
        });
      } catch (error) {
        if (!(error instanceof ConflictError)) throw error;
        // No place after all (taken a moment ago, or no longer suitable): the next case is tried.
      }
      break; // read the listing again: the place may be gone
    }
  }
  return offers;
}

/**
 * Allocates the first available place in order of preference and holds it atomically. If the
 * place goes to someone else between reading and holding, the preferences are walked again.
 */
export async function allocate(
  deps: Deps,
  principal: Principal,
  id: string,
  idempotencyKey?: string,
): Promise<AllocationResult> {
  // Another LA's case is a 404 before anything is counted or written.
  await ownCase(deps, principal, id);
  await takeQuota(deps, principal.org, 'allocate', deps.limits?.allocationsPerMinute ?? ALLOCATIONS_PER_MINUTE);
  return allocateCase(
    deps,
    principal.org,
    id,
    actorOf(principal),
    idempotencyKey !== undefined ? { idempotencyKey } : {},
  );
}

/**
 * How long an allocation may keep retrying under contention before it answers 409 with
 * Retry-After: well inside the cases Lambda's 10 s timeout (and API Gateway's 30 s), leaving time
 * for the last transaction (3 s a try at most) and the answer.
 */
export const ALLOCATION_BUDGET_MS = 5_000;

async function allocateCase(
  deps: Deps,
  laCode: string,
  id: string,
  actor: Actor,
  options: { idempotencyKey?: string; fromQueue?: boolean; budgetMs?: number },
): Promise<AllocationResult> {
  const { idempotencyKey } = options;
  // The key's earlier answer, only ever for this same case; another case's key is a 422.
  const replay = async (): Promise<AllocationResult | undefined> => {
    if (idempotencyKey === undefined) return undefined;
    const earlier = await deps.store.cases.idempotentRecord<AllocationResult>(laCode, idempotencyKey, clock(deps));
    if (earlier === undefined) return undefined;
    if (earlier.fingerprint !== undefined && earlier.fingerprint !== id) {
      throw new UnprocessableError(
        'idempotency_key_reused',
        'This Idempotency-Key was already used for another case in the last 24 hours; send a new key for each allocation.',
        [
          {
            field: 'Idempotency-Key',
            message:
              'was already used for another case in the last 24 hours; use a new key (a UUID) for each allocation',
          },
        ],
      );
    }
    return earlier.response;
  };
  {
    const earlier = await replay();
    if (earlier !== undefined) return earlier;
  }
  const load = async () => {
    const c = await deps.store.cases.getCase(laCode, id);
    if (c === undefined) throw new NotFoundError(`Your LA has no case ${id}.`);
    return c;
  };
  // One LA may not hold more places than it is naming: allocated cases are places held, not yet named.
  const cap = deps.limits?.heldUnnamedPerLa ?? HELD_UNNAMED_PER_LA;
  const held = await deps.store.cases.countActiveCases(laCode, 'allocated');
  if (held >= cap) {
    throw new ConflictError(
      'held_places_cap',
      `Your LA holds ${held} places it has not yet named (the limit is ${cap}): name, or release, some of them before allocating more.`,
      [{ held, cap }],
    );
  }
  // Each retry follows a place lost to another case, so this bounds the walk, not the outcome;
  // the time budget bounds it in time, so the caller is answered well within the function's timeout.
  const budgetEnds = Date.now() + (options.budgetMs ?? ALLOCATION_BUDGET_MS);
  for (let attempt = 0; attempt < 30; attempt++) {
    if (attempt > 0 && Date.now() >= budgetEnds) break;
    const c = await load();
    if (c.state !== 'open') {
      // A replay that raced its own first request (which committed since the check above) gets the first result.
      const earlier = await replay();
      if (earlier !== undefined) return earlier;
      throw new ConflictError(
        'invalid_transition',
        `The case is ${c.state}: it already holds a place. Allocation needs an open case.`,
        [{ state: c.state }],
      );
    }
    if (c.preferences === undefined)
      throw new ConflictError(
        'no_preferences',
        'Record the ranked preferences (PUT /cases/{id}/preferences) before allocating.',
      );
    const now = clock(deps);
    const today = londonDate(now);
    const stored = await settingsByUrn(deps, c.preferences.ranked);
    const memberOf = await partnershipsOf(deps, c.laCode);
    // Block-commissioned places are seen only by the partnership's members.
    const settings = asSeenBy(memberOf, stored);
    const choice = firstAvailable(c, c.preferences.ranked, settings, today, new Set(c.declined ?? []));
    if (choice.chosen === undefined && !options.fromQueue) {
      const reserved = firstAvailable(c, c.preferences.ranked, stored, today, new Set(c.declined ?? [])).chosen;
      if (reserved !== undefined) {
        const block = reserved.listing.reservedFor!;
        throw new ForbiddenError(
          `The only places left among the preferences (${reserved.setting.name}, URN ${reserved.setting.urn}, listing ${reserved.listing.listingId}) are block-commissioned by partnership ${block.partnershipId} for its member LAs; your LA is not a member.`,
        );
      }
    }
    if (choice.chosen === undefined) {
      // The case was read before, the listings after, this key's own first request took the place.
      const earlier = await replay();
      if (earlier !== undefined) return earlier;
      const details = options.fromQueue
        ? choice.skipped
        : await joinQueues(deps, c, settings, choice.skipped, actor, now);
      throw new ConflictError(
        'no_available_place',
        'None of the preferred settings has a suitable place free now. The case is on the waiting list of each suitable listing and will be offered a freed place in turn.',
        details,
      );
    }
    const { setting, rank } = choice.chosen;
    const listing = stored.get(setting.urn)!.listings.find((l) => l.listingId === choice.chosen!.listing.listingId)!;
    const facts = await placementFactsFor(deps)(c, setting, listing, today);
    const placement: Placement = {
      id: randomUUID(),
      caseId: c.id,
      laCode: c.laCode,
      urn: setting.urn,
      listingId: listing.listingId,
      providerId: setting.providerId,
      ...(setting.trustId ? { trustId: setting.trustId } : {}),
      governance: setting.governance,
      state: 'consulting',
      rank,
      skipped: choice.skipped,
      respondBy: addDays(today, CONSULTATION_DAYS),
      createdAt: now.toISOString(),
      ...(options.fromQueue ? { fromWaitingList: true } : {}),
      ...facts,
      ...(mayUseBlock(memberOf, listing) ? { blockPartnershipId: listing.reservedFor!.partnershipId } : {}),
      version: 1,
    };
    const { waitingOn: _w, ...rest } = c;
    const after: Case = { ...rest, state: 'allocated', activePlacementId: placement.id, version: c.version + 1 };
    const result: AllocationResult = {
      status: 201,
      body: {
        placement,
        skipped: choice.skipped,
        case: {
          ...after,
          daysWithoutPlace: daysBetween(after.withoutPlaceSince, now.toISOString()),
          waiting: [],
          placement,
        },
      },
    };
    try {
      // One token per attempt: derived from the client's key when it sent one, so its retries match.
      const clientRequestToken =
        idempotencyKey === undefined
          ? randomUUID()
          : createHash('sha256').update(`${laCode}|${idempotencyKey}|${id}|${attempt}`).digest('hex').slice(0, 36);
      await deps.store.cases.allocate({
        setting,
        listing,
        placement,
        before: c,
        after,
        actor,
        at: now.toISOString(),
        today,
        clientRequestToken,
        ...(idempotencyKey ? { idempotency: { key: idempotencyKey, fingerprint: id, response: result } } : {}),
      });
      businessMetrics.count(BUSINESS_METRICS.allocationsPlaced);
      return result;
    } catch (error) {
      if (error instanceof PlaceTakenError) continue; // the place went a moment ago: walk the preferences again
      if (error instanceof TransactionContentionError) {
        // Others were booking the same listing at that instant: wait a moment, read again, retry.
        businessMetrics.count(BUSINESS_METRICS.transactionRetries);
        const wait = Math.min(20 + Math.random() * 40 * (attempt + 1), Math.max(0, budgetEnds - Date.now()));
        await new Promise((r) => setTimeout(r, wait));
        continue;
      }
      if (error instanceof IdempotentReplayError && idempotencyKey !== undefined) {
        const earlier = await replay();
        if (earlier !== undefined) return earlier;
        throw new ConflictError(
          'request_in_progress',
          'A request with this Idempotency-Key is still being processed; retry in a moment.',
        );
      }
      if (error instanceof CaseNotOpenError) {
        const earlier = await replay();
        if (earlier !== undefined) return earlier;
        const now2 = await load();
        throw new ConflictError('invalid_transition', `The case is ${now2.state}: it already holds a place.`, [
          { state: now2.state },
        ]);
      }
      throw error;
    }
  }
  throw new ContendedError(
    'allocation_contended',
    'Places were taken by others while allocating; try again in a moment.',
  );
}

/**
 * A listing's queue as each role may see it: an LA its own entries in full (with how many are
 * ahead of each), a partnership its members' entries, the provider and the national team every
 * position with its LA and days waiting; exact join times and case ids only to their own LA.
 */
export async function waitingListView(
  deps: Deps,
  principal: Principal,
  urn: string,
  listingId: string,
  limit: number,
  cursor?: string,
) {
  const setting = await deps.store.settings.getSetting(urn);
  if (setting === undefined || !setting.listings.some((l) => l.listingId === listingId))
    throw new NotFoundError(`Setting ${urn} has no listing ${listingId}.`);
  if (principal.role === 'provider' && principal.org !== setting.providerId)
    throw new ForbiddenError('Only the setting’s own provider sees its waiting lists.');
  // Whose entries the caller sees: an LA its own, a partnership its members', the provider and
  // the national team every entry (without case ids or exact times, which are the LA's alone).
  const members =
    principal.role === 'partnership'
      ? new Set((await deps.store.reference.getPartnership(principal.org))?.members ?? [])
      : undefined;
  const visible = (laCode: string) =>
    principal.role === 'la' ? laCode === principal.org : members === undefined || members.has(laCode);
  const page = await deps.store.cases.waitingList(urn, listingId, limit, cursor);
  const first = page.items[0];
  const start =
    first === undefined ? 1 : await deps.store.cases.waitingPosition(urn, listingId, first.joinedAt, first.caseId);
  const now = clock(deps).toISOString();
  return {
    urn,
    listingId,
    items: page.items.flatMap((e, i) => {
      if (!visible(e.laCode)) return [];
      const position = start + i;
      // Another tenant's entries show only as the count ahead (position − 1), never their LA or time.
      return principal.role === 'la'
        ? [
            {
              position,
              ahead: position - 1,
              laCode: e.laCode,
              caseId: e.caseId,
              joinedAt: e.joinedAt,
              daysWaiting: daysBetween(e.joinedAt, now),
            },
          ]
        : [{ position, laCode: e.laCode, daysWaiting: daysBetween(e.joinedAt, now) }];
    }),
    nextCursor: page.nextCursor,
  };
}

/** The LA's own cases, active first; each with days without a place. */
export async function listCases(
  deps: Deps,
  principal: Principal,
  q: { state?: string; active?: boolean; limit: number; cursor?: string },
) {
  const page = await deps.store.cases.listCases(principal.org, {
    ...(q.state ? { state: q.state } : {}),
    ...(q.active ? { activeOnly: true } : {}),
    limit: q.limit,
    ...(q.cursor ? { cursor: q.cursor } : {}),
  });
  return {
    items: page.items.map((c) => ({ ...c, daysWithoutPlace: daysWithoutPlace(deps, c) })),
    nextCursor: page.nextCursor,
  };
}
