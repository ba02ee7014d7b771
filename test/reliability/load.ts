/**
 * Mixed load over HTTP from many LAs at once: place searches, providers' listing updates (with
 * If-Match, taking the current version on 412), and the allocation flow (open a case, read its
 * tailored list, record preferences, allocate with an Idempotency-Key, retrying 503s with the same
 * key after Retry-After). Bounded by a request count and a time limit; self-stopping.
 */
import { seededRandom } from '@placements/domain';

export interface LoadTarget {
  base: string;
  /** LA GSS code → its commissioner's token and postcode districts. */
  las: { gss: string; token: string; districts: string[] }[];
  partnershipToken: string;
  /** Settings with listings and their provider's token, for updates. */
  providers: { urn: string; token: string }[];
}

export interface LoadOptions {
  clients: number;
  maxRequests: number;
  maxMs: number;
  seed: number;
  /** Tag for case refs, so runs do not collide. */
  tag: string;
}

export interface KindStats {
  count: number;
  ms: number[];
}

export interface LoadResult {
  requests: number;
  durationMs: number;
  byKind: Record<string, KindStats>;
  byStatus: Record<string, number>;
  /** 5xx other than 503, and requests that got no answer. */
  errors: number;
  /** 503s, each checked for Retry-After. */
  unavailable: number;
  unavailableWithoutRetryAfter: number;
  allocations: { placed: number; noPlace: number; gaveUp: number };
  /** Cases allocated by this run, with the placement each was told it holds. */
  placed: { caseId: string; la: string; placementId: string; key: string }[];
  listingUpdates: { saved: number; stale: number };
}

const NEEDS = ['ASD', 'ASD', 'SEMH', 'SLD', 'MLD', 'SLCN'];
const BANDS = ['S2', 'S3', 'S3', 'S4'];

export const percentile = (xs: number[], p: number) => {
  if (xs.length === 0) return 0;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};

export async function runLoad(target: LoadTarget, options: LoadOptions): Promise<LoadResult> {
  const rnd = seededRandom(options.seed);
  const pick = <T>(xs: readonly T[]): T => xs[rnd.int(0, xs.length - 1)]!;
  const result: LoadResult = {
    requests: 0,
    durationMs: 0,
    byKind: {},
    byStatus: {},
    errors: 0,
    unavailable: 0,
    unavailableWithoutRetryAfter: 0,
    allocations: { placed: 0, noPlace: 0, gaveUp: 0 },
    placed: [],
    listingUpdates: { saved: 0, stale: 0 },
  };
  const t0 = performance.now();
  const deadline = t0 + options.maxMs;
  let issued = 0;
  let caseSeq = 0;
  const more = () => issued < options.maxRequests && performance.now() < deadline;

  async function call(
    kind: string,
    method: string,
    path: string,
    token: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<{ status: number; body: any; retryAfter: string | null }> {
    issued++;
    const started = performance.now();
    let status = 0;
    let parsed: any;
    let retryAfter: string | null = null;
    try {
      const res = await fetch(`${target.base}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...headers,
        },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        signal: AbortSignal.timeout(30_000),
      });
      status = res.status;
      retryAfter = res.headers.get('retry-after');
      const text = await res.text();
      parsed = text === '' ? undefined : JSON.parse(text);
    } catch {
      status = 0;
    }
    const ms = performance.now() - started;
    result.requests++;
    const k = result.byKind[kind] ?? { count: 0, ms: [] };
    result.byKind[kind] = k;
    k.count++;
    k.ms.push(ms);
    result.byStatus[status] = (result.byStatus[status] ?? 0) + 1;
    if (status === 503) {
      result.unavailable++;
      if (retryAfter === null) result.unavailableWithoutRetryAfter++;
    } else if (status === 0 || status >= 500) result.errors++;
    return { status, body: parsed, retryAfter };
  }

  async function search() {
    const la = pick(target.las);
    const partnership = rnd.next() < 0.3;
    const q = new URLSearchParams({
      need: pick(NEEDS),
      age: String(rnd.int(5, 15)),
      scope: partnership ? 'partnership' : pick(['la', 'partnership']),
      from: pick(la.districts),
      radiusKm: String(pick([20, 30, 50])),
      sort: pick(['distance', 'price', 'available']),
    });
    if (rnd.next() < 0.6) q.set('availableBy', 'now');
    await call('search', 'GET', `/places/search?${q}`, partnership ? target.partnershipToken : la.token);
  }

  async function updateListing() {
    const p = pick(target.providers);
    const s = await call('listing read', 'GET', `/settings/${p.urn}`, p.token);
    if (s.status !== 200 || s.body.listings.length === 0) return;
    let l = pick(s.body.listings as any[]);
    for (let attempt = 0; attempt < 3 && more(); attempt++) {
      const floor = l.filled + l.held;
      const commissioned = Math.max(floor, l.commissioned + pick([-1, 1, 1]));
      const body = {
        band: l.band,
        needs: l.needs,
        ageMin: l.ageMin,
        ageMax: l.ageMax,
        attendance: l.attendance,
        commissioned,
        filled: l.filled,
        availableFrom: l.availableFrom,
        ...(l.variationReason ? { price: l.price, variationReason: l.variationReason } : {}),
      };
      const res = await call('listing update', 'PUT', `/settings/${p.urn}/listings/${l.listingId}`, p.token, body, {
        'if-match': String(l.version),
      });
      if (res.status === 200 || res.status === 201) {
        result.listingUpdates.saved++;
        return;
      }
      if ((res.status === 412 || res.status === 428) && res.body?.error?.details?.[0]?.current) {
        result.listingUpdates.stale++;
        l = res.body.error.details[0].current; // someone saved first: take theirs and try again
        continue;
      }
      return;
    }
  }

  async function allocationFlow() {
    const la = pick(target.las);
    const age = rnd.int(5, 15);
    const opened = await call('open case', 'POST', '/cases', la.token, {
      ref: `${options.tag}-${caseSeq++}`,
      needs: [pick(NEEDS)],
      band: pick(BANDS),
      age,
      homeDistrict: pick(la.districts),
    });
    if (opened.status !== 201) return;
    const id = opened.body.id as string;
    const list = await call('tailored list', 'GET', `/cases/${id}/tailored-list`, la.token);
    if (list.status !== 200) return;
    const entries = (list.body.included ?? []) as { setting: { urn: string; type: string }; placeNow: boolean }[];
    // Families rank specialist settings with a place first, then others; the list is nearest first.
    const ranked = [...new Set([...entries.filter((e) => e.placeNow), ...entries].map((e) => e.setting.urn))].slice(
      0,
      rnd.int(1, 3),
    );
    if (ranked.length === 0) return;
    const prefs = await call('preferences', 'PUT', `/cases/${id}/preferences`, la.token, { holder: 'parent', ranked });
    if (prefs.status !== 200) return;
    const key = `${options.tag}-alloc-${id}`;
    for (let attempt = 0; attempt < 6; attempt++) {
      const res = await call('allocate', 'POST', `/cases/${id}/allocate`, la.token, undefined, {
        'idempotency-key': key,
      });
      if (res.status === 201) {
        result.allocations.placed++;
        result.placed.push({ caseId: id, la: la.gss, placementId: res.body.placement.id, key });
        return;
      }
      if (res.status === 409 && res.body?.error?.code === 'no_available_place') {
        result.allocations.noPlace++;
        return;
      }
      if (
        res.status === 503 ||
        res.status === 0 ||
        res.body?.error?.code === 'request_in_progress' ||
        res.body?.error?.code === 'allocation_contended'
      ) {
        // The same key again after the server's Retry-After: a retry never allocates twice.
        await new Promise((r) => setTimeout(r, 1000 * Math.min(5, Number(res.retryAfter ?? 1))));
        continue;
      }
      break;
    }
    result.allocations.gaveUp++;
  }

  await Promise.all(
    Array.from({ length: options.clients }, async () => {
      while (more()) {
        const x = rnd.next();
        if (x < 0.45) await search();
        else if (x < 0.6) await updateListing();
        else await allocationFlow();
      }
    }),
  );
  result.durationMs = performance.now() - t0;
  return result;
}
