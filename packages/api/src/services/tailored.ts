import { londonDate } from '@placements/domain';
import {
  rarestNeed,
  tailoredList,
  ValidationError,
  type NeedCode,
  type SearchScope,
  type TailoredList,
} from '@placements/domain';
import type { Principal } from '../auth.ts';
import type { Deps } from '../http.ts';
import { referenceData } from './reference-cache.ts';
import { gatherCandidates, type SearchStats } from './search.ts';

export interface TailoredRequest {
  needs: NeedCode[];
  age: number;
  band?: string;
  from: string;
  radiusKm?: number;
  postSixteen?: boolean;
  scope?: SearchScope;
}

/**
 * A child's tailored list from the criteria an LA holds (no identity): reads the index for the
 * child's rarest need and age (so settings missing one of the other needs show as near misses),
 * then the domain decides what is in, what is just outside, and why.
 */
export async function tailoredListFor(
  deps: Deps,
  principal: Principal,
  req: TailoredRequest,
  stats?: SearchStats,
): Promise<TailoredList & { asOf: string }> {
  if (principal.role !== 'la')
    throw new ValidationError([{ field: 'role', message: 'a tailored list is built by the child’s LA' }]);
  const now = deps.now?.() ?? new Date();
  const today = londonDate(now);
  const { candidates, criteria, itemsRead, queries } = await gatherCandidates(
    deps,
    principal,
    {
      needs: [rarestNeed(req.needs)!],
      age: req.age,
      from: req.from,
      ...(req.radiusKm !== undefined ? { radiusKm: req.radiusKm } : {}),
    },
    req.scope ?? 'partnership',
    undefined,
    today,
  );
  const { las } = await referenceData(deps.store, now.getTime());
  const list = tailoredList(
    {
      needs: req.needs,
      age: req.age,
      laCode: principal.org,
      ...(req.band !== undefined ? { band: req.band } : {}),
      ...(criteria.origin ? { home: criteria.origin } : {}),
      ...(req.postSixteen !== undefined ? { postSixteen: req.postSixteen } : {}),
    },
    candidates,
    {
      today,
      ...(req.radiusKm !== undefined ? { radiusKm: req.radiusKm } : {}),
      laNames: new Map(las.map((la) => [la.laCode, la.name])),
    },
  );
  if (stats) Object.assign(stats, { itemsRead, queries, matched: list.included.length, shown: list.included.length });
  return { ...list, asOf: now.toISOString() };
}
