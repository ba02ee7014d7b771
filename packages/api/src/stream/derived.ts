import type { Listing, SearchSetting } from '@placements/domain';
import {
  itemTypeOf,
  regionsOf,
  stripLayout,
  type StreamChange,
  type StreamHandler,
  type WaitingEntry,
} from '@placements/store';
import type { Deps } from '../http.ts';
import { offerFreedPlaces } from '../services/allocation.ts';
import { inParallel } from '../services/parallel.ts';
import { referenceData } from '../services/reference-cache.ts';

/**
 * What the table's stream derives from committed changes. Each handler is idempotent (a record
 * seen twice changes nothing more) and version-conditioned (it acts on the state the table holds
 * now, and its writes are conditioned on versions, so a late or replayed record never moves
 * anything backwards).
 */

const listingKey = (urn: string, listingId: string) => `${urn}#${listingId}`;

/**
 * Search entries follow their listing. A listing item carries a copy of its setting as search
 * shows it (`searchSetting`: every listing write and every import that changes the setting keeps it
 * up to date, moving the listing's version on), so a listing's change is projected from its
 * record alone: the newest image the batch holds, less the entries of each earlier version that it
 * no longer covers. Every put and delete is conditioned on the listing version
 * (search.project): an old record replayed changes nothing, and a newer projection is never
 * overwritten. A listing written before the copy existed (a table deployed before it) is projected
 * as it is now, read consistently with its setting.
 */
export function searchProjection(deps: Deps): StreamHandler {
  return async (changes) => {
    const listings = new Map<
      string,
      { urn: string; listingId: string; before: Listing[]; newest?: Record<string, unknown> }
    >();
    for (const c of changes) {
      if (itemTypeOf(c) !== 'listing') continue;
      const image = (c.newImage ?? c.oldImage)!;
      const k = listingKey(image.urn as string, image.listingId as string);
      const entry = listings.get(k) ?? { urn: image.urn as string, listingId: image.listingId as string, before: [] };
      if (c.oldImage) entry.before.push(stripLayout<Listing>(c.oldImage));
      if (c.newImage && Number(c.newImage.version) >= Number(entry.newest?.version ?? -1)) entry.newest = c.newImage;
      listings.set(k, entry);
    }
    const all = [...listings.values()];
    if (all.length === 0) return;
    // Each LA's region (the map-cell keys begin with it), from the reference data kept per process.
    const regionOf = regionsOf((await referenceData(deps.store)).las);
    const fromRecord = all.filter((l) => l.newest?.searchSetting !== undefined);
    await inParallel(fromRecord, 8, async (l) => {
      await deps.store.search.project(
        l.newest!.searchSetting as SearchSetting,
        stripLayout<Listing>(l.newest!),
        regionOf((l.newest!.searchSetting as SearchSetting).laCode),
        l.before,
      );
    });
    // Listings never deleted (only closed), so one with no new image has nothing to project.
    const older = all.filter((l) => l.newest !== undefined && l.newest.searchSetting === undefined);
    await inParallel([...new Set(older.map((l) => l.urn))], 8, async (urn) => {
      const setting = await deps.store.settings.getSetting(urn, { consistent: true });
      if (setting === undefined) return;
      for (const l of older.filter((o) => o.urn === urn)) {
        const listing = setting.listings.find((x) => x.listingId === l.listingId);
        if (listing !== undefined)
          await deps.store.search.project(setting, listing, regionOf(setting.laCode), l.before);
      }
    });
  };
}

/**
 * Queues follow their cases' `waitingOn`, both ways:
 * - a case that joined queues (a round's cases left without a place, whose transaction records
 *   only `waitingOn`) gets its queue entries written here, with BatchWriteItem, for the queues it
 *   still names when read now; a single 409's join writes its entries in its own transaction, and
 *   putting them again changes nothing;
 * - a case that left queues (it got a place, or its family no longer ranks the setting) has the
 *   entries its old image had and its current state no longer has deleted.
 * The case is read as it is now (consistently), so a replayed record never puts an entry for a
 * case that has since moved on, nor removes one it has joined since; a change after that read is
 * a later record of the same item, which the stream hands on after this one, so an entry put here
 * for a case placed a moment later is deleted by that placement's record.
 *
 * An entry written after its case joined leaves a window: a place freed on the listing in between
 * may have been offered down the queue before the entry existed (in AWS the listing's record and
 * the case's can be in different shards, handled in either order). So once the entries are
 * written, each of their listings that has a place free now offers it down its queue: either the
 * freed place's own offer ran after the entry was written and saw it, or this one sees the place.
 */
export function queuesFollowCases(deps: Deps): StreamHandler {
  return async (changes) => {
    const touched = new Map<string, { laCode: string; caseId: string; left: WaitingEntry[]; joined: WaitingEntry[] }>();
    const entryOf = (laCode: string, caseId: string, k: string, joinedAt: string): WaitingEntry => {
      const [urn, listingId] = k.split('#') as [string, string];
      return { urn, listingId, caseId, laCode, joinedAt };
    };
    for (const c of changes) {
      if (itemTypeOf(c) !== 'case') continue;
      const before = (c.oldImage?.waitingOn ?? {}) as Record<string, string>;
      const after = (c.newImage?.waitingOn ?? {}) as Record<string, string>;
      const image = (c.newImage ?? c.oldImage)!;
      const laCode = image.laCode as string;
      const caseId = image.id as string;
      const t = touched.get(`${laCode}#${caseId}`) ?? { laCode, caseId, left: [], joined: [] };
      for (const [k, joinedAt] of Object.entries(before))
        if (after[k] !== joinedAt) t.left.push(entryOf(laCode, caseId, k, joinedAt));
      for (const [k, joinedAt] of Object.entries(after))
        if (before[k] !== joinedAt) t.joined.push(entryOf(laCode, caseId, k, joinedAt));
      if (t.left.length > 0 || t.joined.length > 0) touched.set(`${laCode}#${caseId}`, t);
    }
    if (touched.size === 0) return;
    const now = await deps.store.cases.getCases([...touched.values()].map((t) => ({ laCode: t.laCode, id: t.caseId })));
    const gone: WaitingEntry[] = [];
    const put: WaitingEntry[] = [];
    for (const t of touched.values()) {
      const current = now.get(`${t.laCode}#${t.caseId}`);
      const still = (current?.state === 'open' ? (current.waitingOn ?? {}) : {}) as Record<string, string>;
      const names = (e: WaitingEntry) => still[listingKey(e.urn, e.listingId)] === e.joinedAt;
      gone.push(...t.left.filter((e) => !names(e)));
      put.push(...t.joined.filter(names));
    }
    if (gone.length > 0) await deps.store.cases.removeWaiting(gone);
    if (put.length === 0) return;
    await deps.store.cases.putWaiting(put);
    const queues = new Map(put.map((e) => [listingKey(e.urn, e.listingId), { urn: e.urn, listingId: e.listingId }]));
    const listings = await deps.store.settings.getListings([...queues.values()]);
    const free = [...queues.values()].filter((q) => (listings.get(listingKey(q.urn, q.listingId))?.available ?? 0) > 0);
    await inParallel(free, 4, async ({ urn, listingId }) => {
      await offerFreedPlaces(deps, urn, listingId);
    });
  };
}

/**
 * A listing with more places free than before (a provider published more, a setting declined, a
 * direction was overturned) offers them down its waiting list, in order. The offer reads the
 * listing and the queue as they are now and books through the same conditioned transaction as
 * any allocation, so running it twice gives no place twice.
 */
export function offersOfFreedPlaces(deps: Deps): StreamHandler {
  return async (changes) => {
    const freed = new Map<string, { urn: string; listingId: string }>();
    for (const c of changes) {
      if (itemTypeOf(c) !== 'listing' || c.newImage === undefined) continue;
      const after = Number(c.newImage.available ?? 0);
      const before = Number(c.oldImage?.available ?? 0);
      // A withdrawn block frees places for everyone without changing available: availableToAll rises.
      const openAfter = Number(c.newImage.availableToAll ?? after);
      const openBefore = Number(c.oldImage?.availableToAll ?? before);
      if (after > before || openAfter > openBefore) {
        const { urn, listingId } = c.newImage as { urn: string; listingId: string };
        freed.set(listingKey(urn, listingId), { urn, listingId });
      }
    }
    await inParallel([...freed.values()], 4, async ({ urn, listingId }) => {
      await offerFreedPlaces(deps, urn, listingId);
    });
  };
}

export type { StreamChange };
