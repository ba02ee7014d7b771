/**
 * `npm run bench:first-start`: the first `npm start` on the public data, timed from nothing to
 * serving, loading straight into the state folder on disk (before) and loading in memory and moving
 * the database into place (now), back to back, each into a fresh folder under the repository.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { loadavg } from 'node:os';
import { startMarketplace } from '@placements/local';
import { dataDir as sharedDataDir, repoRoot } from '../support/data-dir.ts';

if (sharedDataDir === undefined) throw new Error('The public data (../shared/data) is needed for this benchmark.');
const dataDir: string = sharedDataDir;
const runs: { label: string; loadInMemory: boolean; seconds?: number }[] = [
  { label: 'straight into the state folder on disk (before)', loadInMemory: false },
  { label: 'in memory, then moved into the state folder (now)', loadInMemory: true },
];
console.log(
  `load average at the start: ${loadavg()
    .map((l) => l.toFixed(1))
    .join(', ')}`,
);
for (const run of runs) {
  const state = mkdtempSync(join(repoRoot, '.bench-state-'));
  const t0 = performance.now();
  try {
    const m = await startMarketplace({
      port: 0,
      statePath: state,
      dataDir,
      loadInMemory: run.loadInMemory,
      log: (line) => console.log(`  ${line}`),
    });
    run.seconds = (performance.now() - t0) / 1000;
    await m.stop();
    console.log(`${run.label}: serving after ${run.seconds.toFixed(1)} s`);
  } catch (error) {
    // On a busy machine the load straight to disk can outlast a request's timeout: say so, go on.
    console.log(`${run.label}: failed after ${((performance.now() - t0) / 1000).toFixed(1)} s: ${String(error)}`);
  } finally {
    rmSync(state, { recursive: true, force: true });
  }
}
console.log(
  `load average at the end: ${loadavg()
    .map((l) => l.toFixed(1))
    .join(', ')}`,
);
const [before, now] = runs;
if (before?.seconds !== undefined && now?.seconds !== undefined)
  console.log(`ratio (before ÷ now): ${(before.seconds / now.seconds).toFixed(1)}x`);
