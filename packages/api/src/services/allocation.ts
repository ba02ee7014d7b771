import { londonDate } from '@placements/domain';
import { createHash, randomUUID } from 'node:crypto';
import {
  addDays,
  CONSULTATION_DAYS,
  ConflictError,
  ContendedError,
  daysBetween,
  ForbiddenError,
  firstAvailable,
  NotFoundError,
  type Actor,
  type Case,
  type Placement,
  type SkippedPreference,
  UnprocessableError,
} from '@placements/domain';
import {
  CaseNotOpenError,
  IdempotentReplayError,
  PlaceTakenError,
  TransactionContentionError,
  BUSINESS_METRICS,
  businessMetrics,
} from '@placements/store';
import type { Principal } from '../auth.ts';
import type { Deps } from '../http.ts';
import { asSeenBy, mayUseBlock, partnershipsOf, placementFactsFor } from './placement-facts.ts';
import { ownCase, settingsByUrn, type CaseView } from './cases.ts';
import { ALLOCATIONS_PER_MINUTE, HELD_UNNAMED_PER_LA, takeQuota } from './quota.ts';
import { joinQueues } from './waiting-lists.ts';

// Allocation: an LA's request for a case, and a freed place offered to a listing's queue, both
// holding the first available place in order of preference in one transaction.

const clock = (deps: Deps) => deps.now?.() ?? new Date();
const actorOf = (p: Principal): Actor => ({ sub: p.sub, role: p.role, org: p.org });

export interface AllocationResult {
  status: 201;
  body: { placement: Placement; skipped: SkippedPreference[]; case: CaseView };
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
        const block = reserved.listing.blockFor!;
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
      ...(mayUseBlock(memberOf, listing) ? { blockPartnershipId: listing.blockFor!.partnershipId } : {}),
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
