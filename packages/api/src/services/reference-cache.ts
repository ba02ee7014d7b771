import type { LocalAuthority, Partnership } from '@placements/domain';
import type { Store } from '@placements/store';

const TTL_MS = 5 * 60 * 1000;
interface Cached {
  at: number;
  las: LocalAuthority[];
  partnerships: Partnership[];
}
const cache = new WeakMap<Store, Cached>();

async function all<T>(page: (limit: number, cursor?: string) => Promise<{ items: T[]; nextCursor: string | null }>): Promise<T[]> {
  const out: T[] = [];
  let cursor: string | undefined;
  do {
    const p = await page(200, cursor);
    out.push(...p.items);
    cursor = p.nextCursor ?? undefined;
  } while (cursor !== undefined);
  return out;
}

/**
 * LAs and partnerships change a few times a year, and every search needs them: kept in memory
 * for five minutes per store (per Lambda instance in AWS), so a search reads only index entries.
 */
export async function referenceData(store: Store, now = Date.now()): Promise<Cached> {
  const hit = cache.get(store);
  if (hit !== undefined && now - hit.at < TTL_MS) return hit;
  const fresh = { at: now, las: await all((l, c) => store.reference.listLas(l, c)), partnerships: await all((l, c) => store.reference.listPartnerships(l, c)) };
  cache.set(store, fresh);
  return fresh;
}
