/**
 * Recording preferences: each ranked setting must be on the case's tailored list. Before, the
 * check built the case's whole national tailored list (every index entry of the child's rarest
 * need and age bucket in England) to look up a handful of settings; now it decides each ranked
 * setting from its own listings (onTailoredList), read with the setting as before. On the public
 * data (its own in-memory DynamoDB Local), for a few cases of Kent's, both checks run in turns and
 * must give the same answer; the median time of each and the entries each read are printed.
 * `npm run bench:preferences` (needs ../shared/data).
 */
import { createStore, ensureTable, loadReferenceData } from '@placements/store';
import { buildReferenceData, startDynamoDbLocal } from '@placements/local';
import { devTokenAuthenticator, tailoredListFor, type SearchStats } from '@placements/api';
import type { NeedCode, Preferences } from '@placements/domain';
import { rankedProblems } from '../../packages/api/src/services/cases.ts';
import { dataDir } from '../support/data-dir.ts';

if (dataDir === undefined) throw new Error('This benchmark needs the public data folder (../shared/data or DATA_DIR).');
const RUNS = Number(process.env.BENCH_RUNS ?? 7);
const ddb = await startDynamoDbLocal({ javaHeap: '1g' });
try {
  const store = createStore({ tableName: 'preferences', endpoint: ddb.endpoint, requestTimeoutMs: 60_000 });
  await ensureTable(store.db, 'preferences', undefined, { stream: false });
  const data = buildReferenceData({ dataDir });
  await loadReferenceData(store.db, 'preferences', data, { source: data.source, seed: 19 });
  const deps = { store, auth: devTokenAuthenticator('bench-secret-key-for-dev-tokens-00000'), now: () => new Date() };
  const kent = { sub: 'k', role: 'la', org: 'E10000016' } as const;
  const cases: { needs: NeedCode[]; age: number; band: string; homeDistrict: string }[] = [
    { needs: ['ASD'], age: 9, band: 'S3', homeDistrict: 'ME14' },
    { needs: ['SEMH'], age: 14, band: 'S2', homeDistrict: 'CT1' },
    { needs: ['SLD', 'PD'], age: 17, band: 'S4', homeDistrict: 'TN23' },
    { needs: ['MSI'], age: 12, band: 'S5', homeDistrict: 'DA1' },
  ];

  // The check as it was: the whole national tailored list, then each ranked setting looked up in it.
  const before = async (c: (typeof cases)[number], prefs: Preferences, stats: SearchStats) => {
    await Promise.all(prefs.ranked.map((u) => store.settings.getSetting(u, { consistent: true })));
    const list = await tailoredListFor(
      deps,
      kent,
      { needs: c.needs, age: c.age, band: c.band, from: c.homeDistrict, scope: 'national' },
      stats,
    );
    const on = new Set(list.included.map((e) => e.setting.urn));
    return prefs.ranked.filter((u) => !on.has(u)).length;
  };
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  console.log(`\nPUT /cases/{id}/preferences, the tailored-list check (median of ${RUNS}, after one to warm up)\n`);
  console.log(
    '| case (Kent) | ranked | items read before | items read now | median before | median now | ratio |\n|---|---|---|---|---|---|---|',
  );
  for (const c of cases) {
    // Three settings from the case's own (partnership) list, and one it does not hold: both answers.
    const own = await tailoredListFor(deps, kent, { needs: c.needs, age: c.age, band: c.band, from: c.homeDistrict });
    const off = own.nearMisses[0]?.setting.urn;
    const ranked = [...own.included.slice(0, 3).map((e) => e.setting.urn), ...(off ? [off] : [])];
    const prefs: Preferences = { holder: c.age >= 16 ? 'young_person' : 'parent', ranked, mainstreamRequested: false };
    const times = { before: [] as number[], now: [] as number[] };
    let read = 0;
    for (let run = 0; run <= RUNS; run++) {
      const stats = {} as SearchStats;
      let t = performance.now();
      const offBefore = await before(c, prefs, stats);
      const msBefore = performance.now() - t;
      t = performance.now();
      const problems = await rankedProblems(deps, kent, c, prefs);
      const msNow = performance.now() - t;
      const offNow = problems.filter((p) => p.field.startsWith('ranked.')).length;
      if (offNow !== offBefore)
        throw new Error(`the checks disagree for ${JSON.stringify(c)}: ${offBefore} against ${offNow}`);
      read = stats.itemsRead;
      if (run > 0) {
        times.before.push(msBefore);
        times.now.push(msNow);
      }
    }
    const [b, n] = [median(times.before), median(times.now)];
    // Now: the ranked settings' own items (the setting and its listings), which both checks read.
    const settingsRead = (
      await Promise.all(ranked.map(async (u) => 1 + ((await store.settings.getSetting(u))?.listings.length ?? 0)))
    ).reduce((a, x) => a + x, 0);
    console.log(
      `| ${c.needs.join('+')}, age ${c.age}, ${c.homeDistrict} | ${ranked.length} | ${(settingsRead + read).toLocaleString('en-GB')} | ${settingsRead} | ${b.toFixed(1)} ms | ${n.toFixed(1)} ms | ${(b / n).toFixed(1)}× |`,
    );
  }
} finally {
  await ddb.stop();
}
