import { describe, expect, it } from 'vitest';
import { GetCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { lotteryNumber, type SettingWithListings } from '@placements/domain';
import { keys } from '@placements/store';
import { queuesFollowCases, runRoundJob } from '@placements/api';
import { withTwoLaOfficers, type SeededApp } from '../support/store.ts';

const TODAY = new Date('2026-11-22T10:00:00Z');
let t: SeededApp;
let kent: string;
let medway: string;
const post: SeededApp['post'] = (...a) => t.post(...a);
const put: SeededApp['put'] = (...a) => t.put(...a);

withTwoLaOfficers(
  () => TODAY,
  (s) => ({ t, kent, medway } = s),
);

/** Settings for SLD at 11 with no S2 SLD listing of their own, each given one of `places` free places. */
async function market(ids: string[], places: number[]): Promise<SettingWithListings[]> {
  const chosen = t.data.settings
    .filter(
      (s) =>
        s.needs.includes('SLD') &&
        s.ageMin <= 11 &&
        s.ageMax >= 11 &&
        s.type !== 'independent_special' &&
        !s.listings.some((l) => l.band === 'S2' && l.needs.includes('SLD')),
    )
    .slice(0, places.length);
  for (const [i, s] of chosen.entries()) {
    const provider = await t.token({ sub: 'head', role: 'provider', org: s.providerId });
    const res = await put(`/settings/${s.urn}/listings/${ids[i]}`, provider, {
      band: 'S2',
      needs: ['SLD'],
      ageMin: s.ageMin,
      ageMax: s.ageMax,
      attendance: 'day',
      commissioned: places[i],
      filled: 0,
      availableFrom: '2026-09-01',
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
  }
  return chosen;
}

async function openCases(token: string, prefix: string, rankings: string[][]): Promise<string[]> {
  const ids: string[] = [];
  for (const [i, ranked] of rankings.entries()) {
    const c = await post('/cases', token, {
      ref: `${prefix}-${i}`,
      needs: ['SLD'],
      band: 'S2',
      age: 11,
      homeDistrict: 'ME14',
    });
    expect((await put(`/cases/${c.body.id}/preferences`, token, { holder: 'parent', ranked })).status).toBe(200);
    ids.push(c.body.id);
  }
  return ids;
}

/**
 * Another allocation racing a round: just before the round's first commit that writes two placements
 * together, one place of the listing is taken for real. `placed` is that commit's listing ids once it
 * has been tried; `restore` puts the client back.
 */
function takePlaceBeforeCommitOfTwo(urn: string, listingId: string) {
  const send = t.store.db.send.bind(t.store.db);
  const race: { placed?: string[]; restore: () => void } = { restore: () => (t.store.db.send = send) };
  t.store.db.send = (async (command: any, ...rest: any[]) => {
    const placed = (command.input?.TransactItems ?? [])
      .filter((i: any) => i.Put?.Item?.itemType === 'placement')
      .map((i: any) => i.Put.Item.listingId);
    if (race.placed === undefined && command.constructor.name === 'TransactWriteCommand' && placed.length === 2) {
      race.placed = placed;
      await send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                TableName: t.store.tableName,
                Key: keys.listing(urn, listingId),
                UpdateExpression:
                  'SET available = available - :one, held = held + :one, availableToAll = availableToAll - :one',
                ExpressionAttributeValues: { ':one': 1 },
              },
            },
          ],
        }),
      );
    }
    return (send as any)(command, ...rest);
  }) as typeof t.store.db.send;
  return race;
}

/** A round posted: 202 with its Location; the stream consumer ran it (drained); the round as GET shows it, done. */
async function ran(res: Awaited<ReturnType<SeededApp['post']>>, token: string) {
  expect(res.status, JSON.stringify(res.body)).toBe(202);
  expect(res.body).toMatchObject({ state: 'queued', progress: { casesDecided: 0 } });
  const location = res.headers.get('location')!;
  expect(location).toBe(`/allocation-rounds/${res.body.id}`);
  const done = await t.request(location, { token });
  expect(done.body).toMatchObject({ state: 'done' });
  expect(done.body.progress.casesDecided).toBe(done.body.progress.cases);
  return done.body;
}

describe('POST /allocation-rounds', () => {
  it('allocates in the published order, never over capacity, explains each case and records the round', {
    timeout: 180_000,
  }, async () => {
    const [a, b, c] = await market(['round-a', 'round-b', 'round-c'], [2, 1, 1]);
    // Eight cases: most want A first; there are four places.
    const ids = await openCases(kent, 'RND', [
      [a!.urn, b!.urn],
      [a!.urn, c!.urn],
      [a!.urn],
      [b!.urn, a!.urn],
      [a!.urn, b!.urn, c!.urn],
      [c!.urn],
      [a!.urn],
      [b!.urn],
    ]);
    const round = await ran(await post('/allocation-rounds', kent, { cases: ids, seed: 'kent-2026-11' }), kent);
    expect(round).toMatchObject({
      mechanism: 'serial_dictatorship',
      seed: 'kent-2026-11',
      reruns: 0,
      summary: { cases: 8, allocated: 4, unallocated: 4, notEligible: 0 },
    });

    // The order is the published one: all opened at the same moment, so by lottery number.
    const byTurn = [...round.outcomes].sort((x: any, y: any) => x.turn - y.turn);
    const lotteries = byTurn.map((o: any) => o.lottery);
    expect(lotteries).toEqual(ids.map((id) => lotteryNumber('kent-2026-11', id)).sort((x, y) => x - y));

    // Serial dictatorship by hand: each in turn takes its highest preference with a place left.
    const left = new Map([
      [a!.urn, 2],
      [b!.urn, 1],
      [c!.urn, 1],
    ]);
    const rankings = new Map(
      ids.map((id, i) => [
        id,
        [
          [a!.urn, b!.urn],
          [a!.urn, c!.urn],
          [a!.urn],
          [b!.urn, a!.urn],
          [a!.urn, b!.urn, c!.urn],
          [c!.urn],
          [a!.urn],
          [b!.urn],
        ][i]!,
      ]),
    );
    for (const o of byTurn) {
      const want = rankings.get(o.caseId)!.find((u) => left.get(u)! > 0);
      if (want) left.set(want, left.get(want)! - 1);
      expect(o.urn).toBe(want);
      expect(o.outcome).toBe(want ? 'allocated' : 'unallocated');
      expect(o.explanation).toMatch(new RegExp(`^Turn ${o.turn} of 8: `));
    }
    expect(round.summary.firstPreference).toBe(byTurn.filter((o: any) => o.rank === 1).length);

    // Listings gave exactly what was allocated; allocated cases hold consulting placements from the round.
    for (const [s, id, n] of [
      [a!, 'round-a', 2],
      [b!, 'round-b', 1],
      [c!, 'round-c', 1],
    ] as const) {
      const l = (await t.ownSetting(s.urn)).body.listings.find((x: any) => x.listingId === id);
      expect(l).toMatchObject({ held: n, available: 0 });
    }
    const allocated = byTurn.find((o: any) => o.outcome === 'allocated');
    expect((await t.request(`/cases/${allocated.caseId}`, { token: kent })).body).toMatchObject({
      state: 'allocated',
      placement: { state: 'consulting', roundId: round.id, urn: allocated.urn },
    });
    // Cases left without a place wait on their preferred listings, and their higher preferences say why.
    const unallocated = byTurn.find((o: any) => o.outcome === 'unallocated');
    expect(unallocated.skipped[0].reason).toBe('its places went to cases earlier in the order');
    expect((await t.request(`/cases/${unallocated.caseId}`, { token: kent })).body.waiting.length).toBeGreaterThan(0);

    // The round is kept, for its own LA only.
    const kept = await t.request(`/allocation-rounds/${round.id}`, { token: kent });
    expect(kept.status).toBe(200);
    expect(kept.body).toEqual(round);
    expect((await t.request(`/allocation-rounds/${round.id}`, { token: medway })).status).toBe(404);

    // A case already allocated is reported, not allocated twice.
    const again = await ran(await post('/allocation-rounds', kent, { cases: [allocated.caseId], seed: 'x' }), kent);
    expect(again.outcomes[0]).toMatchObject({
      outcome: 'not_eligible',
      explanation: expect.stringContaining('allocated'),
    });
  });

  it('runs across a partnership’s member LAs with deferred acceptance, each listing preferring its own LA’s cases', async () => {
    const [a] = await market(['da-a'], [1]);
    const se19 = await t.token({ sub: 'coord', role: 'partnership', org: 'se19' });
    // One case from the setting's own LA, one from another SE19 LA; whatever the lottery, the host LA's case gets the place.
    const host = a!.laCode;
    const away = host === 'E06000035' ? 'E10000016' : 'E06000035';
    const [fromHost] = await openCases(await t.token({ sub: 'o', role: 'la', org: host }), 'DA-H', [[a!.urn]]);
    const [fromAway] = await openCases(await t.token({ sub: 'o', role: 'la', org: away }), 'DA-A', [[a!.urn]]);
    for (const seed of ['se19-a', 'se19-b', 'se19-c']) {
      const preview = [fromHost!, fromAway!].map((id) => lotteryNumber(seed, id));
      if (seed !== 'se19-c' && preview[0]! < preview[1]!) continue; // look for a seed where the away case comes first in the order
      const res = await post('/allocation-rounds', se19, {
        cases: [
          { laCode: host, id: fromHost },
          { laCode: away, id: fromAway },
        ],
        mechanism: 'deferred_acceptance',
        seed,
        joinWaitingLists: false,
      });
      const round = await ran(res, se19);
      const winner = round.outcomes.find((o: any) => o.outcome === 'allocated');
      const loser = round.outcomes.find((o: any) => o.outcome === 'unallocated');
      expect(winner).toMatchObject({ laCode: host, caseId: fromHost });
      expect(loser.skipped[0].reason).toBe('its places went to cases with higher priority there');
      break;
    }
    const [fromKent, fromMedway] = [fromHost, fromAway];
    // A partnership names each case's LA, and only its members'.
    const unnamed = await post('/allocation-rounds', se19, { cases: [fromKent], seed: 's' });
    expect(unnamed.status).toBe(400);
    expect(unnamed.body.error.details.map((d: any) => d.field)).toEqual(['cases.0']);
    const outside = await post('/allocation-rounds', se19, {
      cases: [{ laCode: 'E09000033', id: fromMedway }],
      seed: 's',
    });
    expect(outside.status).toBe(403);
  });

  it('names every invalid field, refuses another LA’s cases (403) and unknown ones (400)', async () => {
    const bad = await post('/allocation-rounds', kent, { cases: [], mechanism: 'boston', extra: 1 });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.map((d: any) => d.field).sort()).toEqual(['cases', 'extra', 'mechanism', 'seed']);
    const [medwayCase] = await openCases(medway, 'FOREIGN', [[t.data.settings[0]!.urn]]).catch(() => [
      '00000000-0000-4000-8000-000000000000',
    ]);
    const foreign = await post('/allocation-rounds', kent, {
      cases: [{ laCode: 'E06000035', id: medwayCase }, '00000000-0000-4000-8000-000000000000'],
      seed: 's',
    });
    expect(foreign.status).toBe(403);
    expect(foreign.body.error.message).toContain('cases 0 are not');
    const unknown = await post('/allocation-rounds', kent, {
      cases: ['00000000-0000-4000-8000-000000000000'],
      seed: 's',
    });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.details[0]).toMatchObject({
      field: 'cases.0',
      message: expect.stringContaining('has no case'),
    });
    const provider = await t.token({ sub: 'p', role: 'provider', org: 'PRV900001' });
    expect(
      (await post('/allocation-rounds', provider, { cases: ['00000000-0000-4000-8000-000000000000'], seed: 's' }))
        .status,
    ).toBe(403);
  });

  it('re-runs the cases of a listing whose places were taken while the round committed', async () => {
    const [a, b] = await market(['race-a', 'race-b'], [2, 2]);
    const ids = await openCases(kent, 'RACE', [
      [a!.urn, b!.urn],
      [a!.urn, b!.urn],
    ]);
    // Just before the round's first commit, another allocation takes one of A's two places for real.
    const race = takePlaceBeforeCommitOfTwo(a!.urn, 'race-a');
    try {
      const res = { body: await ran(await post('/allocation-rounds', kent, { cases: ids, seed: 'race' }), kent) };
      expect(race.placed).toBeDefined();
      expect(res.body.reruns).toBe(1);
      // One case still got A's remaining place; the other was re-run and got B. Nothing over capacity.
      expect(res.body.outcomes.map((o: any) => o.urn).sort()).toEqual([a!.urn, b!.urn].sort());
      expect(res.body.outcomes.find((o: any) => o.urn === b!.urn).explanation).toMatch(/run 2: a listing changed/);
      const la = (await t.ownSetting(a!.urn)).body.listings.find((x: any) => x.listingId === 'race-a');
      expect(la).toMatchObject({ available: 0, held: 2 });
    } finally {
      race.restore();
    }
  });

  it('commits small listings together, and when one of them changed commits the others without it', async () => {
    const [x, y, z] = await market(['share-x', 'share-y', 'share-z'], [1, 1, 1]);
    const [first, second] = await openCases(kent, 'SHARE', [[x!.urn, z!.urn], [y!.urn]]);
    // Just before the round's one commit (X's and Y's places together), another allocation takes X's place.
    const race = takePlaceBeforeCommitOfTwo(x!.urn, 'share-x');
    try {
      const round = await ran(await post('/allocation-rounds', kent, { cases: [first, second], seed: 'share' }), kent);
      // (Settings are shared with the tests above: Y may still have a place left on an earlier listing.)
      expect(race.placed).toHaveLength(2);
      expect(race.placed).toContain('share-x');
      // Y's place was committed without X's; the case planned on X was run again and got its next preference.
      expect(round.reruns).toBe(1);
      const byCase = new Map<string, any>(round.outcomes.map((o: any) => [o.caseId, o]));
      expect(byCase.get(second!)).toMatchObject({
        outcome: 'allocated',
        urn: y!.urn,
        explanation: expect.not.stringMatching(/run 2/),
      });
      expect(byCase.get(first!)).toMatchObject({ outcome: 'allocated', listingId: 'share-z', rank: 2 });
      expect(byCase.get(first!).explanation).toMatch(/run 2: a listing changed/);
      for (const [s, id] of [
        [x!, 'share-x'],
        [y!, byCase.get(second!).listingId],
        [z!, 'share-z'],
      ] as const) {
        const l = (await t.ownSetting(s.urn)).body.listings.find((v: any) => v.listingId === id);
        expect(l, id).toMatchObject({ available: 0 });
      }
      const placed = await t.store.cases.getCases([first!, second!].map((id) => ({ laCode: 'E10000016', id })));
      expect([...placed.values()].map((c) => c.state)).toEqual(['allocated', 'allocated']);
    } finally {
      race.restore();
    }
  });

  it('resumes after its worker dies between two listings’ commits, giving no place twice', {
    timeout: 180_000,
  }, async () => {
    const [a, b, c] = await market(['resume-a', 'resume-b', 'resume-c'], [2, 2, 2]);
    const ids = await openCases(kent, 'RESUME', [[a!.urn], [a!.urn], [b!.urn], [b!.urn], [c!.urn], [c!.urn], [a!.urn]]);
    // Queued only: the worker is run by hand below, as the consumer would.
    const queued = await t.request('/allocation-rounds', {
      method: 'POST',
      token: kent,
      drain: false,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ cases: ids, seed: 'resume' }),
    });
    expect(queued.status).toBe(202);
    const id = queued.body.id;
    expect((await t.request(`/allocation-rounds/${id}`, { token: kent })).body).toMatchObject({ state: 'queued' });

    // Small transactions (each listing's two cases alone: 8 actions), so the round takes several commits.
    const deps = { ...t.deps, limits: { ...t.deps.limits, roundCommitActions: 10 } };
    // The worker dies after its second listing commit: the process is gone mid-round.
    const send = t.store.db.send.bind(t.store.db);
    let commits = 0;
    t.store.db.send = (async (command: any, ...rest: any[]) => {
      const isCommit =
        command.constructor.name === 'TransactWriteCommand' &&
        command.input.TransactItems?.some((i: any) => i.Put?.Item?.itemType === 'round_commit');
      if (isCommit && ++commits > 2) throw new Error('worker killed');
      return (send as any)(command, ...rest);
    }) as typeof t.store.db.send;
    try {
      await expect(runRoundJob(deps, 'E10000016', id, { owner: 'first' })).rejects.toThrow('worker killed');
    } finally {
      t.store.db.send = send;
    }
    const midway = (await t.request(`/allocation-rounds/${id}`, { token: kent })).body;
    expect(midway).toMatchObject({ state: 'running' });
    // Its two commits in flight when it died land (or not) by themselves: at most those four cases hold places.
    await new Promise((r) => setTimeout(r, 1000));
    const placedBefore = [...(await t.store.cases.getCases(ids.map((x) => ({ laCode: 'E10000016', id: x })))).values()];
    expect(placedBefore.filter((x) => x.state === 'allocated').length).toBeLessThanOrEqual(4);

    // A worker that stops at its deadline lets go and is resumed by the next, which finishes.
    expect(await runRoundJob(deps, 'E10000016', id, { owner: 'second', deadline: Date.now() - 1 })).toBe('paused');
    expect(await runRoundJob(deps, 'E10000016', id, { owner: 'third' })).toBe('done');
    expect(await runRoundJob(deps, 'E10000016', id, { owner: 'fourth' })).toBe('done');
    const round = (await t.request(`/allocation-rounds/${id}`, { token: kent })).body;
    expect(round).toMatchObject({ state: 'done', summary: { cases: 7, allocated: 6, unallocated: 1 } });
    expect(round.outcomes).toHaveLength(7);
    // Every allocated case holds exactly the placement its outcome names; each listing gave exactly its places.
    const after = await t.store.cases.getCases(ids.map((x) => ({ laCode: 'E10000016', id: x })));
    for (const o of round.outcomes.filter((x: any) => x.outcome === 'allocated')) {
      expect(after.get(`E10000016#${o.caseId}`)).toMatchObject({
        state: 'allocated',
        activePlacementId: o.placementId,
      });
    }
    // Each setting gave two places in the round (a case may take any suitable listing of the setting
    // it ranks), and every listing's held places are exactly the placements holding them: none twice.
    for (const setting of [a!, b!, c!]) {
      const placements = (await t.store.cases.listPlacements(setting.urn, { limit: 100 })).items;
      expect(placements.filter((p) => p.roundId === id)).toHaveLength(2);
      // (race-a and share-x are left out: the tests above took one of their places with a bare update, as another allocation would.)
      for (const l of (await t.ownSetting(setting.urn)).body.listings.filter(
        (x: any) => !['race-a', 'share-x'].includes(x.listingId),
      )) {
        const holding = placements.filter(
          (p) => p.listingId === l.listingId && ['consulting', 'accepted'].includes(p.state),
        );
        expect(l.available).toBeGreaterThanOrEqual(0);
        expect(l.held, `${setting.urn}/${l.listingId}`).toBe(holding.length);
      }
    }
  });
  it('writes a waiting case’s queue entries from its stream record, offers a place freed before they existed, and never queues a case that moved on', {
    timeout: 180_000,
  }, async () => {
    const [a] = await market(['proj-q'], [1]);
    const [first, second] = await openCases(medway, 'PROJ', [[a!.urn], [a!.urn]]);
    const caseKey = (id: string) => keys.caseItem('E06000035', id);
    const stored = async (id: string) =>
      (await t.store.db.send(new GetCommand({ TableName: t.store.tableName, Key: caseKey(id) }))).Item!;
    const before = await stored(second!);
    const round = await ran(await post('/allocation-rounds', medway, { cases: [first, second], seed: 'proj' }), medway);
    const waiting = round.outcomes.find((o: any) => o.outcome === 'unallocated');
    const placed = round.outcomes.find((o: any) => o.outcome === 'allocated');
    expect(placed.listingId).toBe('proj-q');
    // (Medway's: Kent has used its rounds for this minute.) The round's transaction recorded only where the case waits; the stream wrote the entries:
    // the case is in the queue of every listing its waitingOn names (proj-q among them).
    const joined = await stored(waiting.caseId);
    const queues = Object.keys(joined.waitingOn as Record<string, string>);
    expect(queues).toContain(`${a!.urn}#proj-q`);
    for (const q of queues) {
      const list = await t.request(`/settings/${a!.urn}/listings/${q.split('#')[1]}/waiting-list`, { token: medway });
      expect(
        list.body.items.map((e: any) => e.caseId),
        q,
      ).toContain(waiting.caseId);
    }
    const join = {
      eventId: 'join',
      eventName: 'MODIFY' as const,
      sequenceNumber: '1',
      oldImage: before,
      newImage: joined,
    };
    const entry = {
      urn: a!.urn,
      listingId: 'proj-q',
      caseId: waiting.caseId,
      laCode: 'E06000035',
      joinedAt: (joined.waitingOn as any)[`${a!.urn}#proj-q`],
    };

    // The window: proj-q frees a place before the case's entry there was written. The freed
    // place's own offer finds nobody in the queue; writing the entry then offers it.
    await t.store.cases.removeWaiting([entry]);
    await t.store.db.send(
      new UpdateCommand({
        TableName: t.store.tableName,
        Key: keys.listing(a!.urn, 'proj-q'),
        UpdateExpression:
          'SET available = available + :one, availableToAll = availableToAll + :one, commissioned = commissioned + :one, version = version + :one',
        ExpressionAttributeValues: { ':one': 1 },
      }),
    );
    await t.drain();
    expect((await stored(waiting.caseId)).state).toBe('open');
    await queuesFollowCases(t.deps)([join]);
    await t.drain();
    expect((await t.request(`/cases/${waiting.caseId}`, { token: medway })).body).toMatchObject({
      state: 'allocated',
      placement: { listingId: 'proj-q', fromWaitingList: true },
    });
    // Placed, it left every queue; the join's record handed on again (a replay) puts none back.
    await queuesFollowCases(t.deps)([join]);
    for (const q of queues) {
      const list = await t.request(`/settings/${a!.urn}/listings/${q.split('#')[1]}/waiting-list`, { token: medway });
      expect(
        list.body.items.map((e: any) => e.caseId),
        q,
      ).not.toContain(waiting.caseId);
    }
  });

  it('re-runs a member’s case when the partnership’s block shrank while the round committed: never more block places used than the block has', async () => {
    const [a] = await market(['block-a'], [3]);
    const provider = await t.token({ sub: 'head', role: 'provider', org: a!.providerId });
    const se19 = await t.token({ sub: 'coordinator', role: 'partnership', org: 'se19' });
    const offered = await post(`/settings/${a!.urn}/listings/block-a/reservations`, provider, {
      partnershipId: 'se19',
      places: 2,
    });
    expect(offered.status, JSON.stringify(offered.body)).toBe(201);
    expect((await post(`/reservations/${offered.body.id}/response`, se19, { decision: 'accept' })).status).toBe(200);
    // Surrey, another SE19 member: the tests above used Kent's and Medway's rounds for the minute.
    const surrey = await t.token({ sub: 'officer', role: 'la', org: 'E10000030' });
    const [member] = await openCases(surrey, 'BLOCK', [[a!.urn]]);
    // Just before the round's commit, another member takes a block place and the block shrinks to that one.
    const send = t.store.db.send.bind(t.store.db);
    let shrunk = false;
    t.store.db.send = (async (command: any, ...rest: any[]) => {
      const placing = (command.input?.TransactItems ?? []).some((i: any) => i.Put?.Item?.itemType === 'placement');
      if (!shrunk && command.constructor.name === 'TransactWriteCommand' && placing) {
        shrunk = true;
        await send(
          new UpdateCommand({
            TableName: t.store.tableName,
            Key: keys.listing(a!.urn, 'block-a'),
            UpdateExpression:
              'SET available = :two, held = :one, blockUsed = :one, blockFor.places = :one, availableToAll = :two',
            ExpressionAttributeValues: { ':one': 1, ':two': 2 },
          }),
        );
      }
      return (send as any)(command, ...rest);
    }) as typeof t.store.db.send;
    try {
      const round = await ran(await post('/allocation-rounds', surrey, { cases: [member], seed: 'block' }), surrey);
      expect(shrunk).toBe(true);
      expect(round.reruns).toBe(1);
      expect(round.outcomes[0]).toMatchObject({ outcome: 'allocated', urn: a!.urn, listingId: 'block-a' });
      expect(round.outcomes[0].explanation).toMatch(/run 2: a listing changed/);
    } finally {
      t.store.db.send = send;
    }
    // The block of 1 is used once; the member's place came from the open places.
    const l = (await t.ownSetting(a!.urn)).body.listings.find((x: any) => x.listingId === 'block-a');
    expect(l).toMatchObject({ blockFor: { places: 1 }, blockUsed: 1, held: 2, available: 1, availableToAll: 1 });
  });
});
