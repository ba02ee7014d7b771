import type { Listing } from '@placements/domain';
import { itemTypeOf, stripLayout, type StreamChange, type StreamHandler, type WaitingEntry } from '@placements/store';
import type { Deps } from '../http.ts';
import { offerFreedPlaces } from '../services/allocation.ts';
import { inParallel } from '../services/parallel.ts';

/**
 * What the table's stream derives from committed changes. Each handler is idempotent (a record
 * seen twice changes nothing more) and version-conditioned (it acts on the state the table holds
 * now, and its writes are conditioned on versions, so a late or replayed record never moves
 * anything backwards).
 */

const listingKey = (urn: string, listingId: string) => `${urn}#${listingId}`;

/**
 * Search entries follow their listing (and their setting, whose name and place they carry). The
 * projection is of the listing as it is now, read consistently, never of the record's image: an
 * old record replayed projects the current version, and every put and delete is conditioned on
 * the listing version (search.project), so a newer projection is never overwritten.
 */
export function searchProjection(deps: Deps): StreamHandler {
  return async (changes) => {
    const listings = new Map<string, { urn: string; listingId: string; before: Listing[] }>();
    const settings = new Set<string>();
    for (const c of changes) {
      const type = itemTypeOf(c);
      if (type === 'listing') {
        const image = (c.newImage ?? c.oldImage)!;
        const k = listingKey(image.urn as string, image.listingId as string);
        const entry = listings.get(k) ?? { urn: image.urn as string, listingId: image.listingId as string, before: [] };
        if (c.oldImage) entry.before.push(stripLayout<Listing>(c.oldImage));
        listings.set(k, entry);
      } else if (type === 'setting' && c.newImage && c.eventName === 'MODIFY') {
        settings.add(c.newImage.urn as string);
      }
    }
    const urns = [...new Set([...settings, ...[...listings.values()].map((l) => l.urn)])];
    await inParallel(urns, 8, async (urn) => {
      const setting = await deps.store.settings.getSetting(urn, { consistent: true });
      // Listings are never deleted, only closed (no places): a setting gone takes nothing with it here.
      if (setting === undefined) return;
      for (const listing of setting.listings) {
        const change = listings.get(listingKey(urn, listing.listingId));
        if (change === undefined && !settings.has(urn)) continue;
        // Once for all of the batch's records of the listing: the current version, less the entries
        // of each earlier version that it no longer covers.
        await deps.store.search.project(setting, listing, change?.before ?? []);
      }
    });
  };
}

/**
 * A case that left queues (it got a place, or its family no longer ranks the setting) leaves them
 * here: the entries its old image had and its current state no longer has are deleted. The case
 * is read as it is now, so a replayed record never removes an entry the case has joined since.
 */
export function queuesFollowCases(deps: Deps): StreamHandler {
  return async (changes) => {
    const left = new Map<string, { laCode: string; caseId: string; entries: WaitingEntry[] }>();
    for (const c of changes) {
      if (itemTypeOf(c) !== 'case' || c.oldImage?.waitingOn === undefined) continue;
      const before = c.oldImage.waitingOn as Record<string, string>;
      const after = (c.newImage?.waitingOn ?? {}) as Record<string, string>;
      const laCode = c.oldImage.laCode as string;
      const caseId = c.oldImage.id as string;
      for (const [k, joinedAt] of Object.entries(before)) {
        if (after[k] === joinedAt) continue;
        const [urn, listingId] = k.split('#') as [string, string];
        const entry = left.get(`${laCode}#${caseId}`) ?? { laCode, caseId, entries: [] };
        entry.entries.push({ urn, listingId, caseId, laCode, joinedAt });
        left.set(`${laCode}#${caseId}`, entry);
      }
    }
    await inParallel([...left.values()], 8, async ({ laCode, caseId, entries }) => {
      const now = await deps.store.cases.getCase(laCode, caseId);
      const still = (now?.waitingOn ?? {}) as Record<string, string>;
      const gone = entries.filter((e) => still[listingKey(e.urn, e.listingId)] !== e.joinedAt);
      if (gone.length > 0) await deps.store.cases.removeWaiting(gone);
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
