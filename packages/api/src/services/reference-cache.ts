import type { LocalAuthority, Partnership } from '@placements/domain';
import type { Store } from '@placements/store';

const TTL_MS = 5 * 60 * 1000;
interface Cached {
  at: number;
  las: LocalAuthority[];
  partnerships: Partnership[];
}
const cache = new WeakMap<Store, Cached>();

/**
 * LAs and partnerships change a few times a year, and every search needs them: kept in memory
 * for five minutes per store (per Lambda instance in AWS), so a search reads only index entries.
 */
export async function referenceData(store: Store, now = Date.now()): Promise<Cached> {
  const hit = cache.get(store);
  if (hit !== undefined && now - hit.at < TTL_MS) return hit;
  const fresh = { at: now, las: await store.reference.allLas(), partnerships: await store.reference.allPartnerships() };
  cache.set(store, fresh);
  return fresh;
}

/** Drops the cached LAs and partnerships (after a partnership changes). */
export function forgetReferenceData(store: Store): void {
  cache.delete(store);
}
