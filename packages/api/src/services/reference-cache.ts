import type { Framework, LocalAuthority, Partnership, PostcodeDistrict } from '@placements/domain';
import type { Store } from '@placements/store';

const TTL_MS = 5 * 60 * 1000;
interface Cached {
  at: number;
  las: LocalAuthority[];
  partnerships: Partnership[];
}
const cache = new WeakMap<Store, Promise<Cached>>();

/**
 * LAs and partnerships change a few times a year, and every search needs them: kept in memory
 * for five minutes per store (per Lambda instance in AWS), so a search reads only index entries.
 * The read in flight is shared, so a burst of requests on a cold instance reads them once.
 */
export async function referenceData(store: Store, now = Date.now()): Promise<Cached> {
  const hit = cache.get(store);
  if (hit !== undefined) {
    const value = await hit;
    if (now - value.at < TTL_MS) return value;
  }
  const fresh = (async () => ({
    at: now,
    las: await store.reference.allLas(),
    partnerships: await store.reference.allPartnerships(),
  }))();
  cache.set(store, fresh);
  fresh.catch(() => cache.delete(store));
  return fresh;
}

/** Drops the cached LAs and partnerships (after a partnership changes). */
export function forgetReferenceData(store: Store): void {
  cache.delete(store);
}

const frameworks = new WeakMap<Store, Map<string, Promise<Framework | undefined>>>();
const districts = new WeakMap<Store, Map<string, Promise<PostcodeDistrict | undefined>>>();

function memo<T>(
  m: WeakMap<Store, Map<string, Promise<T>>>,
  store: Store,
  key: string,
  load: () => Promise<T>,
): Promise<T> {
  const byKey = m.get(store) ?? new Map<string, Promise<T>>();
  m.set(store, byKey);
  const hit = byKey.get(key);
  if (hit !== undefined) return hit;
  const p = load();
  byKey.set(key, p);
  p.then(
    (v) => v === undefined && byKey.delete(key),
    () => byKey.delete(key),
  );
  return p;
}

/** A published framework version: versions never change once published, so it is kept for good. */
export const frameworkVersion = (store: Store, version: string) =>
  memo(frameworks, store, version, async () =>
    (await store.reference.listFrameworks()).find((f) => f.version === version),
  );

/** A postcode district's centroid (reference data that does not change while the marketplace runs). */
export const districtCentroid = (store: Store, district: string) =>
  memo(districts, store, district, () => store.reference.getDistrict(district));
