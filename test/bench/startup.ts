/**
 * Time from an empty data folder to serving requests: starts the start command with a fresh
 * state folder, polls GET /health, stops it with Ctrl-C. Prints the median of a few runs for
 * the generated SE19 data and, when present, the public data folder.
 *   node --import tsx test/bench/startup.ts [runs]
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dataDir, repoRoot } from '../support/data-dir.ts';

const runs = Number(process.argv[2] ?? 3);

async function once(data: string): Promise<{ ms: number; port: number }> {
  const state = mkdtempSync(join(tmpdir(), 'placements-bench-'));
  const started = performance.now();
  const child = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, 'packages/local/src/start.ts')], {
    cwd: repoRoot,
    env: {
      ...process.env,
      PORT: '0',
      DATA_DIR: data,
      STATE_DIR: state,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /serving at http:\/\/127\.0\.0\.1:(\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.on('exit', () => reject(new Error(out)));
  });
  for (;;) {
    const res = await fetch(`http://127.0.0.1:${port}/health`).catch(() => undefined);
    if (res?.status === 200) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  const ms = performance.now() - started;
  const exited = new Promise((r) => child.on('exit', r));
  child.kill('SIGINT');
  await exited;
  rmSync(state, { recursive: true, force: true });
  return { ms, port };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

for (const [label, data] of [
  ['generated SE19 (19 LAs, ~410 settings)', ''],
  ...(dataDir ? [[`public data (${dataDir})`, dataDir]] : []),
] as [string, string][]) {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) times.push((await once(data)).ms);
  console.log(
    `${label}: empty folder to serving, median ${(median(times) / 1000).toFixed(1)} s over ${runs} runs (${times.map((t) => (t / 1000).toFixed(1)).join(', ')} s)`,
  );
}
