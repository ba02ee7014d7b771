import { londonDate } from '@placements/domain';
import { randomBytes, randomUUID } from 'node:crypto';
import {
  ConflictError,
  daysBetween,
  ForbiddenError,
  findBand,
  frameworkInForce,
  NotFoundError,
  preferenceProblems,
  onTailoredList,
  provisionGroup,
  ValidationError,
  type Actor,
  type Case,
  type CaseInput,
  type FieldProblem,
  type Placement,
  type Preferences,
  type SettingWithListings,
} from '@placements/domain';
import type { Principal } from '../auth.ts';
import type { Deps } from '../http.ts';
import { inParallel } from './parallel.ts';

// A case of an LA: opening it, its preferences and how its LA sees it. Allocation is
// allocation.ts, the waiting lists waiting-lists.ts and the per-organisation limits quota.ts.

const clock = (deps: Deps) => deps.now?.() ?? new Date();
const actorOf = (p: Principal): Actor => ({ sub: p.sub, role: p.role, org: p.org });

export interface CaseView extends Case {
  daysWithoutPlace: number;
  placement?: Placement;
  /** The queues the case is in, with its place in each (1 = offered the next place freed). */
  waiting: { urn: string; listingId: string; position: number; joinedAt: string }[];
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

export async function waitingPositions(deps: Deps, c: Case): Promise<CaseView['waiting']> {
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

/** Reads shared by the rows of a sheet: one read per setting, however many rows rank it. */
export interface CaseChecksMemo {
  frameworks?: ReturnType<Deps['store']['reference']['listFrameworks']>;
  districts: Map<string, Promise<unknown>>;
  settings: Map<string, Promise<SettingWithListings | undefined>>;
}
export const caseChecksMemo = (): CaseChecksMemo => ({ districts: new Map(), settings: new Map() });

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
  c: Pick<Case, 'needs' | 'age' | 'band'>,
  prefs: Preferences,
  memo?: CaseChecksMemo,
): Promise<FieldProblem[]> {
  const problems = preferenceProblems(c, prefs);
  const settings = new Map<string, SettingWithListings | undefined>();
  await inParallel(prefs.ranked, 16, async (u) => {
    settings.set(u, await remembered(memo?.settings, u, () => deps.store.settings.getSetting(u, { consistent: true })));
  });
  // The case's tailored list is national (every LA): a setting is on it when one of its listings
  // meets the child's needs, age and band, which its own listings decide (onTailoredList).
  const child = {
    needs: c.needs,
    age: c.age,
    laCode: principal.org,
    ...(c.band !== undefined ? { band: c.band } : {}),
  };
  const today = londonDate(clock(deps));
  prefs.ranked.forEach((urn, i) => {
    const s = settings.get(urn);
    if (s === undefined) problems.push({ field: `ranked.${i}`, message: `no setting has the URN ${urn}` });
    else if (
      !onTailoredList(child, s, s.listings, { today }) &&
      !(prefs.mainstreamRequested && provisionGroup(s.type) === 'mainstream')
    ) {
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
    // Checked whatever the other fields' problems: the ranked settings need no home district.
    problems.push(...(await rankedProblems(deps, principal, input, options.preferences, options.memo)));
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

/** The LA's own cases, active first; each with days without a place. */
export async function listCases(
  deps: Deps,
  principal: Principal,
  q: { state?: string; active?: boolean; limit: number; cursor?: string; laCode?: string },
) {
  const la = principal.role === 'partnership' ? await memberLa(deps, principal, q.laCode) : principal.org;
  const page = await deps.store.cases.listCases(la, {
    ...(q.state ? { state: q.state } : {}),
    ...(q.active ? { activeOnly: true } : {}),
    limit: q.limit,
    ...(q.cursor ? { cursor: q.cursor } : {}),
  });
  if (principal.role === 'partnership') {
    // A partnership chooses cases for a round: what the round needs, not the LA's own reference or the home district.
    return {
      items: page.items.map((c) => ({
        id: c.id,
        laCode: c.laCode,
        needs: c.needs,
        band: c.band,
        age: c.age,
        state: c.state,
        openedAt: c.openedAt,
        ...(c.withoutPlaceSince ? { withoutPlaceSince: c.withoutPlaceSince } : {}),
        ...(c.phaseTransferDeadline ? { phaseTransferDeadline: c.phaseTransferDeadline } : {}),
        daysWithoutPlace: daysWithoutPlace(deps, c),
      })),
      nextCursor: page.nextCursor,
    };
  }
  return {
    items: page.items.map((c) => ({ ...c, daysWithoutPlace: daysWithoutPlace(deps, c) })),
    nextCursor: page.nextCursor,
  };
}

/** The member LA a partnership asks about: required, and one of its members. */
async function memberLa(deps: Deps, principal: Principal, la: string | undefined): Promise<string> {
  // Without a member LA named there is nothing of the partnership's own to list.
  if (la === undefined)
    throw new ForbiddenError('A partnership lists one member LA’s cases at a time: name it with laCode=.');
  const partnership = await deps.store.reference.getPartnership(principal.org);
  if (!partnership?.members.includes(la)) throw new ForbiddenError(`${la} is not a member of your partnership.`);
  return la;
}
