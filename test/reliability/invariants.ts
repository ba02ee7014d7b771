/**
 * The marketplace's invariants, read back from the table itself (never from the load script's
 * counters): no listing below zero, no place given twice, nothing half-written.
 */
import type { Case, Listing, Placement, SettingWithListings } from '@placements/domain';
import { QueryCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { caseEntity, keys, marketplaceTable, regionsOf, searchEntryItems, type Store } from '@placements/store';

/** Placement states in which the placement holds one of its listing's places. */
const HOLDING = new Set(['consulting', 'accepted']);

export interface InvariantReport {
  listings: number;
  placements: number;
  holdingPlacements: number;
  /** Of those, offered from a waiting list when a listing update freed a place (no client got a 201 for them). */
  fromWaitingList: number;
  allocatedCases: number;
  auditEventsChecked: number;
  /** Search entries compared with their listing (the stream's projection). */
  searchEntriesChecked: number;
  /** Waiting-list entries whose case was read. */
  queueEntriesChecked: number;
  /** Rounds done whose outcomes were compared with their cases. */
  roundsChecked: number;
  /** Individual assertions made. */
  checks: number;
  violations: string[];
}

async function allPages<T>(
  page: (cursor?: string) => Promise<{ items: T[]; nextCursor: string | null }>,
): Promise<T[]> {
  const out: T[] = [];
  let cursor: string | undefined;
  for (let i = 0; i < 10_000; i++) {
    const p = await page(cursor);
    out.push(...p.items);
    if (p.nextCursor === null) break;
    cursor = p.nextCursor;
  }
  return out;
}

/**
 * Reads every listing, every placement of every setting, the cases of `las` and the audit of
 * each holding placement's case, and checks:
 *  - each listing: available ≥ 0, available = commissioned − filled − held, filled + held ≤ commissioned;
 *  - each listing's held count = its placements that hold a place (none lost, none given twice);
 *  - each holding placement: its case is allocated to exactly it, and the case's audit records
 *    `case.allocated` with that placement (the audit event is in the same transaction);
 *  - each allocated case of `las`: its active placement exists, is its own and holds a place;
 *  - no case holds two places.
 * `strictHeld` off skips the held = holding-placements equality (after fuzzing, whose random
 * decisions may name a declined setting, which holds no place).
 */
export async function checkInvariants(
  store: Store,
  las: string[],
  options: { strictHeld?: boolean; rounds?: { org: string; id: string }[] } = {},
): Promise<InvariantReport> {
  const strictHeld = options.strictHeld ?? true;
  const r: InvariantReport = {
    listings: 0,
    placements: 0,
    holdingPlacements: 0,
    fromWaitingList: 0,
    allocatedCases: 0,
    auditEventsChecked: 0,
    searchEntriesChecked: 0,
    queueEntriesChecked: 0,
    roundsChecked: 0,
    checks: 0,
    violations: [],
  };
  const check = (ok: boolean, what: () => string) => {
    r.checks++;
    if (!ok) r.violations.push(what());
  };
  const settings = await allPages((cursor) => store.settings.listSettings({}, 200, cursor));
  const placements = new Map<string, Placement>();
  const holdingByCase = new Map<string, Placement[]>();
  for (const s of settings) {
    const ofSetting =
      s.listings.length === 0
        ? []
        : await allPages((cursor) => store.cases.listPlacements(s.urn, { limit: 200, ...(cursor ? { cursor } : {}) }));
    const holdingPerListing = new Map<string, number>();
    for (const p of ofSetting) {
      placements.set(p.id, p);
      if (!HOLDING.has(p.state)) continue;
      holdingPerListing.set(p.listingId, (holdingPerListing.get(p.listingId) ?? 0) + 1);
      holdingByCase.set(p.caseId, [...(holdingByCase.get(p.caseId) ?? []), p]);
    }
    for (const l of s.listings as Listing[]) {
      r.listings++;
      const at = `listing ${s.urn}/${l.listingId}`;
      check(l.available >= 0, () => `${at}: available ${l.available} is below zero`);
      check(
        l.available === l.commissioned - l.filled - l.held,
        () => `${at}: available ${l.available} ≠ commissioned ${l.commissioned} − filled ${l.filled} − held ${l.held}`,
      );
      check(
        l.filled + l.held <= l.commissioned,
        () => `${at}: filled ${l.filled} + held ${l.held} exceed commissioned ${l.commissioned}`,
      );
      const holding = holdingPerListing.get(l.listingId) ?? 0;
      if (strictHeld)
        check(
          holding === l.held,
          () => `${at}: ${holding} placements hold a place but the listing counts ${l.held} held`,
        );
      else
        check(
          holding <= l.commissioned - l.filled,
          () => `${at}: ${holding} placements hold a place, more than the ${l.commissioned - l.filled} not filled`,
        );
    }
  }
  r.placements = placements.size;

  const holding = [...placements.values()].filter((p) => HOLDING.has(p.state));
  r.holdingPlacements = holding.length;
  r.fromWaitingList = holding.filter((p) => p.fromWaitingList === true).length;
  // Deduplicated, so a case holding two places is reported below rather than failing the batch read.
  const cases = await store.cases.getCases([
    ...new Map(holding.map((p) => [`${p.laCode}#${p.caseId}`, { laCode: p.laCode, id: p.caseId }])).values(),
  ]);
  for (const p of holding) {
    const c = cases.get(`${p.laCode}#${p.caseId}`);
    check(c !== undefined, () => `placement ${p.id}: its case ${p.caseId} does not exist`);
    if (c === undefined) continue;
    check(
      c.activePlacementId === p.id && ['allocated', 'named'].includes(c.state),
      () =>
        `placement ${p.id} holds a place, but case ${c.id} is ${c.state} with active placement ${c.activePlacementId}`,
    );
    check(
      (holdingByCase.get(p.caseId) ?? []).length === 1,
      () => `case ${p.caseId} holds ${(holdingByCase.get(p.caseId) ?? []).length} places`,
    );
    const audit = await allPages((cursor) => store.listings.auditEvents(caseEntity(p.laCode, p.caseId), 200, cursor));
    r.auditEventsChecked += audit.length;
    const recorded = audit.some(
      (e) =>
        e.action === 'case.allocated' &&
        (e.after as { placement?: { id?: string } } | undefined)?.placement?.id === p.id,
    );
    check(recorded, () => `placement ${p.id}: no case.allocated audit event for it on case ${p.caseId}`);
  }

  for (const la of las) {
    const allocated: Case[] = await allPages((cursor) =>
      store.cases.listCases(la, { state: 'allocated', limit: 200, ...(cursor ? { cursor } : {}) }),
    );
    for (const c of allocated) {
      r.allocatedCases++;
      const p = c.activePlacementId === undefined ? undefined : placements.get(c.activePlacementId);
      check(
        p !== undefined && p.caseId === c.id && HOLDING.has(p.state),
        () =>
          `case ${c.id} is allocated, but its placement ${c.activePlacementId} is ${p === undefined ? 'missing' : `${p.state}, of case ${p.caseId}`}`,
      );
    }
  }

  // Search entries equal their listing: the stream's projection of the listing as it is now.
  const search = await searchEntriesAgainstListings(store, settings);
  r.searchEntriesChecked += search.entries;
  r.checks += search.checks;
  r.violations.push(...search.stale);

  // No case both holding a place and still queued.
  const waiting: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const res = await store.db.send(
      new QueryCommand({
        TableName: store.tableName,
        IndexName: 'gsi2',
        KeyConditionExpression: 'gsi2pk = :pk',
        ExpressionAttributeValues: { ':pk': 'WAITING' },
        ExclusiveStartKey: start,
      }),
    );
    waiting.push(...(res.Items ?? []));
    start = res.LastEvaluatedKey;
  } while (start !== undefined);
  // A case waits on several queues: each case read once (a batch read refuses duplicate keys).
  const queuedRefs = new Map(
    waiting.map((w) => [`${w.laCode}#${w.caseId}`, { laCode: w.laCode as string, id: w.caseId as string }]),
  );
  const queued = await store.cases.getCases([...queuedRefs.values()]);
  for (const w of waiting) {
    r.queueEntriesChecked++;
    const c = queued.get(`${w.laCode}#${w.caseId}`);
    check(
      c !== undefined && c.state === 'open',
      () => `case ${w.caseId} is ${c?.state ?? 'missing'} but still queued on ${w.urn}/${w.listingId}`,
    );
  }

  // Every round done has an outcome for each of its cases: the rounds named, else every round in the table.
  for (const { org, id } of options.rounds ?? (await allRounds(store))) {
    const head = await store.rounds.head(org, id);
    if (head?.state !== 'done') continue;
    r.roundsChecked++;
    const inputs = (await store.rounds.inputs(org, id)) as { id: string }[];
    const outcomes = (await store.rounds.outcomes(org, id)) as { caseId: string }[];
    const decided = new Set(outcomes.map((o) => o.caseId));
    check(
      inputs.every((ref) => decided.has(ref.id)) && outcomes.length === inputs.length,
      () => `round ${id}: ${outcomes.length} outcomes for ${inputs.length} cases`,
    );
  }
  return r;
}

/** Every item of a partition, read consistently. */
async function partition(store: Store, pk: string): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const res = await store.db.send(
      new QueryCommand({
        TableName: store.tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': pk },
        ExclusiveStartKey: start,
        ConsistentRead: true,
      }),
    );
    items.push(...(res.Items ?? []));
    start = res.LastEvaluatedKey;
  } while (start !== undefined);
  return items;
}

/**
 * Each listing's search entries compared with what the listing projects to now (the stream
 * consumer's job): the same keys, the listing's version, every index key and places available. Returns
 * one line per listing whose entries differ. `settings` defaults to every setting in the table.
 */
export async function searchEntriesAgainstListings(
  store: Store,
  settings?: SettingWithListings[],
  only?: ReadonlySet<string>,
): Promise<{ listings: number; entries: number; checks: number; stale: string[]; staleKeys: string[] }> {
  const all = settings ?? (await allPages((cursor) => store.settings.listSettings({}, 200, cursor)));
  const out = { listings: 0, entries: 0, checks: 0, stale: [] as string[], staleKeys: [] as string[] };
  const pairs = all.flatMap((s) =>
    (s.listings as Listing[])
      .filter((l) => only === undefined || only.has(`${s.urn}#${l.listingId}`))
      .map((l) => [s, l] as const),
  );
  const regionOf = regionsOf(await store.reference.allLas());
  // Eight partitions at a time: a pass over every listing stays short enough to poll.
  for (let i = 0; i < pairs.length; i += 8) {
    const batch = pairs.slice(i, i + 8);
    const read = await Promise.all(batch.map(([s, l]) => partition(store, keys.searchPartition(s.urn, l.listingId))));
    for (const [j, [s, l]] of batch.entries()) {
      const actual = read[j]!;
      out.listings++;
      out.entries += actual.length;
      const expected = new Map(searchEntryItems(s, l, regionOf(s.laCode as string)).map((e) => [e.sk as string, e]));
      const at = `search entries of ${s.urn}/${l.listingId}`;
      const stale = (why: string) => {
        out.stale.push(`${at}${why}`);
        out.staleKeys.push(`${s.urn}#${l.listingId}`);
      };
      out.checks++;
      if (actual.length !== expected.size || !actual.every((e) => expected.has(e.sk as string))) {
        stale(
          `: ${actual
            .map((e) => e.sk)
            .sort()
            .join(',')} ≠ ${[...expected.keys()].sort().join(',')}`,
        );
        continue;
      }
      for (const e of actual) {
        const want = expected.get(e.sk as string)!;
        out.checks++;
        if (
          e.listingVersion !== l.version ||
          // Every index the entry is filed in (LA, England, band, band in its LA, map cell) follows the listing.
          INDEX_KEYS.some((k) => e[k] !== want[k]) ||
          (e.listing as Listing).available !== l.available
        ) {
          stale(
            ` ${e.sk}: version ${e.listingVersion}, ${e.gsi3sk} ≠ the listing's version ${l.version}, ${want.gsi3sk}`,
          );
          break;
        }
      }
    }
  }
  return out;
}

// Every index's keys, from the table's one definition, so an index added there is checked here too.
const INDEX_KEYS = marketplaceTable.globalSecondaryIndexes.flatMap((i) => [i.partitionKey.name, i.sortKey.name]);

/** Every round's head in the table (a scan: rounds leave the active index once done). */
async function allRounds(store: Store): Promise<{ org: string; id: string }[]> {
  const out: { org: string; id: string }[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const res = await store.db.send(
      new ScanCommand({
        TableName: store.tableName,
        FilterExpression: 'itemType = :round',
        ExpressionAttributeValues: { ':round': 'round' },
        ProjectionExpression: 'org, id',
        ExclusiveStartKey: start,
      }),
    );
    for (const i of res.Items ?? []) out.push({ org: i.org as string, id: i.id as string });
    start = res.LastEvaluatedKey;
  } while (start !== undefined);
  return out;
}
