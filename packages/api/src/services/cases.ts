import { createHash, randomUUID } from 'node:crypto';
import {
  addDays,
  CONSULTATION_DAYS,
  ConflictError,
  daysBetween,
  findBand,
  firstAvailable,
  frameworkInForce,
  NotFoundError,
  preferenceProblems,
  provisionGroup,
  ValidationError,
  type Actor,
  type Case,
  type CaseInput,
  type FieldProblem,
  type Placement,
  type Preferences,
  type SettingWithListings,
  type SkippedPreference,
} from '@placements/domain';
import { CaseNotOpenError, IdempotentReplayError, PlaceTakenError, TransactionContentionError } from '@placements/store';
import type { Principal } from '../auth.ts';
import type { Deps } from '../http.ts';
import { tailoredListFor } from './tailored.ts';

const clock = (deps: Deps) => deps.now?.() ?? new Date();
const actorOf = (p: Principal): Actor => ({ sub: p.sub, role: p.role, org: p.org });

export interface CaseView extends Case {
  daysWithoutPlace: number;
  placement?: Placement;
}

/** The case as its LA sees it, with days without a place counted to now. */
export async function caseView(deps: Deps, c: Case): Promise<CaseView> {
  const placement = c.activePlacementId ? await deps.store.cases.getPlacement(c.activePlacementId) : undefined;
  const placed = c.state === 'placed' || c.state === 'closed';
  return { ...c, daysWithoutPlace: placed ? 0 : daysBetween(c.withoutPlaceSince, clock(deps).toISOString()), ...(placement ? { placement } : {}) };
}

/** A case of the caller's own LA: the key is built from the token, so another LA's case is a 404. */
export async function ownCase(deps: Deps, principal: Principal, id: string): Promise<Case> {
  const c = await deps.store.cases.getCase(principal.org, id);
  if (c === undefined) throw new NotFoundError(`Your LA has no case ${id}.`);
  return c;
}

export async function openCase(deps: Deps, principal: Principal, input: CaseInput): Promise<CaseView> {
  const now = clock(deps);
  const problems: FieldProblem[] = [];
  const framework = frameworkInForce(await deps.store.reference.listFrameworks(), now.toISOString().slice(0, 10));
  if (framework === undefined || findBand(framework, input.band) === undefined) {
    problems.push({ field: 'band', message: `${input.band} is not a band of the framework in force${framework ? ` (${framework.bands.map((b) => b.code).join(', ')})` : ''}` });
  }
  if ((await deps.store.reference.getDistrict(input.homeDistrict)) === undefined) problems.push({ field: 'homeDistrict', message: `${input.homeDistrict} is not a postcode district the marketplace knows` });
  if (problems.length > 0) throw new ValidationError(problems);
  const c: Case = { id: randomUUID(), laCode: principal.org, ...input, state: 'open', openedAt: now.toISOString(), withoutPlaceSince: now.toISOString(), version: 1 };
  await deps.store.cases.createCase(c, actorOf(principal));
  return caseView(deps, c);
}

async function settingsByUrn(deps: Deps, urns: readonly string[]): Promise<Map<string, SettingWithListings | undefined>> {
  const found = await Promise.all(urns.map(async (u) => [u, await deps.store.settings.getSetting(u, { consistent: true })] as const));
  return new Map(found);
}

/**
 * Records the ranked preferences. Each setting must come from the case's tailored list, or be a
 * mainstream setting the family asks for (the right to request mainstream).
 */
export async function setPreferences(deps: Deps, principal: Principal, id: string, prefs: Preferences): Promise<CaseView> {
  const c = await ownCase(deps, principal, id);
  if (c.state !== 'open') throw new ConflictError('invalid_transition', `The case is ${c.state}; preferences can change only while it is open.`, [{ state: c.state }]);
  const problems = preferenceProblems(c, prefs);
  const settings = await settingsByUrn(deps, prefs.ranked);
  const list = await tailoredListFor(deps, principal, { needs: c.needs, age: c.age, band: c.band, from: c.homeDistrict, scope: 'national' });
  const onList = new Set(list.included.map((e) => e.setting.urn));
  prefs.ranked.forEach((urn, i) => {
    const s = settings.get(urn);
    if (s === undefined) problems.push({ field: `ranked.${i}`, message: `no setting has the URN ${urn}` });
    else if (!onList.has(urn) && !(prefs.mainstreamRequested && provisionGroup(s.type) === 'mainstream')) {
      problems.push({ field: `ranked.${i}`, message: `${s.name} (${urn}) is not on this case's tailored list; rank settings from it, or a mainstream setting with mainstreamRequested` });
    }
  });
  if (problems.length > 0) throw new ValidationError(problems);
  const after: Case = { ...c, preferences: prefs, version: c.version + 1 };
  await deps.store.cases.updateCase(c, after, 'case.preferences', actorOf(principal), clock(deps).toISOString());
  return caseView(deps, after);
}

export interface AllocationResult {
  status: 201;
  body: { placement: Placement; skipped: SkippedPreference[]; case: CaseView };
}

/**
 * Allocates the first available place in order of preference and holds it atomically. If the
 * place goes to someone else between reading and holding, the preferences are walked again.
 */
export async function allocate(deps: Deps, principal: Principal, id: string, idempotencyKey?: string): Promise<AllocationResult> {
  if (idempotencyKey !== undefined) {
    const earlier = await deps.store.cases.idempotentResponse<AllocationResult>(principal.org, idempotencyKey);
    if (earlier !== undefined) return earlier;
  }
  // Each retry follows a place lost to another case, so this bounds the walk, not the outcome.
  for (let attempt = 0; attempt < 30; attempt++) {
    const c = await ownCase(deps, principal, id);
    if (c.state !== 'open') throw new ConflictError('invalid_transition', `The case is ${c.state}: it already holds a place. Allocation needs an open case.`, [{ state: c.state }]);
    if (c.preferences === undefined) throw new ConflictError('no_preferences', 'Record the ranked preferences (PUT /cases/{id}/preferences) before allocating.');
    const now = clock(deps);
    const today = now.toISOString().slice(0, 10);
    const choice = firstAvailable(c, c.preferences.ranked, await settingsByUrn(deps, c.preferences.ranked), today, new Set(c.declined ?? []));
    if (choice.chosen === undefined) {
      throw new ConflictError('no_available_place', 'None of the preferred settings has a suitable place free now.', choice.skipped);
    }
    const { setting, listing, rank } = choice.chosen;
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
      version: 1,
    };
    const after: Case = { ...c, state: 'allocated', activePlacementId: placement.id, version: c.version + 1 };
    const result: AllocationResult = { status: 201, body: { placement, skipped: choice.skipped, case: { ...after, daysWithoutPlace: daysBetween(after.withoutPlaceSince, now.toISOString()), placement } } };
    try {
      // One token per attempt: derived from the client's key when it sent one, so its retries match.
      const clientRequestToken = idempotencyKey === undefined ? randomUUID() : createHash('sha256').update(`${principal.org}|${idempotencyKey}|${attempt}`).digest('hex').slice(0, 36);
      await deps.store.cases.allocate({ setting, listing, placement, before: c, after, actor: actorOf(principal), at: now.toISOString(), today, clientRequestToken, ...(idempotencyKey ? { idempotency: { key: idempotencyKey, response: result } } : {}) });
      return result;
    } catch (error) {
      if (error instanceof PlaceTakenError) continue; // the place went a moment ago: walk the preferences again
      if (error instanceof TransactionContentionError) {
        // Others were booking the same listing at that instant: wait a moment, read again, retry.
        await new Promise((r) => setTimeout(r, 20 + Math.random() * 40 * (attempt + 1)));
        continue;
      }
      if (error instanceof IdempotentReplayError && idempotencyKey !== undefined) {
        const earlier = await deps.store.cases.idempotentResponse<AllocationResult>(principal.org, idempotencyKey);
        if (earlier !== undefined) return earlier;
        throw new ConflictError('request_in_progress', 'A request with this Idempotency-Key is still being processed; retry in a moment.');
      }
      if (error instanceof CaseNotOpenError) {
        const now2 = await ownCase(deps, principal, id);
        throw new ConflictError('invalid_transition', `The case is ${now2.state}: it already holds a place.`, [{ state: now2.state }]);
      }
      throw error;
    }
  }
  throw new ConflictError('allocation_contended', 'Places were taken by others while allocating; try again.');
}
