import { ForbiddenError, NotFoundError, type Direction } from '@placements/domain';
import { caseEntity } from '@placements/store';
import type { Principal } from '../auth.ts';
import type { Deps } from '../http.ts';

const DAY_MS = 86_400_000;

/** What a trust or the Schools Adjudicator sees of a direction: the case only by its pseudonymous reference, band and needs. */
export interface DirectionView {
  id: string;
  kind: Direction['kind'];
  state: Direction['state'];
  laCode: string;
  urn: string;
  settingName: string;
  issuedAt: string;
  daysSinceDirection: number;
  appealGrounds?: string;
  determinedAt?: string;
  determinationReasons?: string;
  case: { ref: string; band: string; needs: string[] };
}

/** One step of the case's history that bears on the direction: when, what, and which role and organisation. */
export interface HistoryStep {
  at: string;
  action: string;
  by: { role: string; org: string };
}

async function views(deps: Deps, directions: Direction[]): Promise<DirectionView[]> {
  const now = (deps.now?.() ?? new Date()).getTime();
  const cases = await deps.store.cases.getCases(directions.map((d) => ({ laCode: d.laCode, id: d.caseId })));
  const names = new Map<string, string>();
  for (const urn of new Set(directions.map((d) => d.urn))) {
    names.set(urn, (await deps.store.settings.getSetting(urn))?.name ?? urn);
  }
  return directions.map((d) => {
    const c = cases.get(`${d.laCode}#${d.caseId}`);
    return {
      id: d.id,
      kind: d.kind,
      state: d.state,
      laCode: d.laCode,
      urn: d.urn,
      settingName: names.get(d.urn) ?? d.urn,
      issuedAt: d.issuedAt,
      daysSinceDirection: Math.max(0, Math.floor((now - Date.parse(d.issuedAt)) / DAY_MS)),
      ...(d.appealGrounds ? { appealGrounds: d.appealGrounds } : {}),
      ...(d.determinedAt ? { determinedAt: d.determinedAt } : {}),
      ...(d.determinationReasons ? { determinationReasons: d.determinationReasons } : {}),
      case: { ref: c?.ref ?? '', band: c?.band ?? '', needs: c?.needs ?? [] },
    };
  });
}

/** Backstop directions addressed to the caller's trust (its academies), newest first. */
export async function directionsOfTrust(deps: Deps, principal: Principal, q: { limit: number; cursor?: string }) {
  if (principal.role !== 'trust') throw new ForbiddenError('Only a trust sees the directions addressed to it.');
  const page = await deps.store.cases.listDirectionsOfTrust(principal.org, q);
  return { items: await views(deps, page.items), nextCursor: page.nextCursor };
}

/**
 * Appeals lodged with the Schools Adjudicator, the longest waiting first, each with the case's
 * history that bears on it: the placement's steps from consultation to direction and appeal.
 * The events' before and after states are not sent: the steps, who and when are what is relevant.
 */
export async function appeals(deps: Deps, principal: Principal, q: { limit: number; cursor?: string }) {
  if (principal.role !== 'adjudicator')
    throw new ForbiddenError('Only the Schools Adjudicator sees the appeals lodged.');
  const page = await deps.store.cases.listAppeals(q);
  const items = await views(deps, page.items);
  const withHistory = await Promise.all(
    page.items.map(async (d, i) => {
      const events = await deps.store.listings.auditEvents(caseEntity(d.laCode, d.caseId), 200);
      const history: HistoryStep[] = events.items
        .filter((e) => {
          const about = (x: unknown) => (x as { placement?: { id?: string } } | undefined)?.placement?.id;
          return e.action === 'case.opened' || about(e.after) === d.placementId || about(e.before) === d.placementId;
        })
        .map((e) => ({ at: e.at, action: e.action, by: { role: e.actor.role, org: e.actor.org } }));
      return { ...items[i]!, history };
    }),
  );
  return { items: withHistory, nextCursor: page.nextCursor };
}

/** A direction the caller may see: the trust it is addressed to, or the Schools Adjudicator once appealed. */
export async function directionView(deps: Deps, principal: Principal, id: string): Promise<DirectionView> {
  const d = await deps.store.placements.getDirection(id);
  const visible =
    d !== undefined &&
    ((principal.role === 'trust' && principal.org === d.trustId) ||
      (principal.role === 'adjudicator' && d.state !== 'issued' && d.state !== 'complied'));
  // Another trust's direction is not found, not forbidden: its existence is not theirs to know.
  if (!visible) throw new NotFoundError(`No direction has the id ${id}.`);
  return (await views(deps, [d]))[0]!;
}
