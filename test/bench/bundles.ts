/**
 * Lambda bundle benchmark: synthesises the dev stack with real bundling (the project's esbuild,
 * exactly as `cdk synth` does), beside a hello-world handler bundled with the same options, then
 * for each bundle reports its minified size and the cold import time of its handler: a fresh Node
 * process per measurement imports it (rounds interleave the bundles, median reported).
 * Goal: each handler under 1.2 MB minified and under 3x the hello-world import time.
 *   npm run bench:bundles [-- --runs 15] [-- --write]   (--write puts the figures in docs/benchmarks.md)
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Architecture } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { BUNDLING, REPO_ROOT, RUNTIME } from '../../infra/lib/context-function.ts';
import { MarketplaceStack } from '../../infra/lib/marketplace-stack.ts';

const args = process.argv.slice(2);
const RUNS = Number(args[args.indexOf('--runs') + 1] || 0) || 11;
const WRITE = args.includes('--write');
const SIZE_GOAL = 1.2 * 1024 * 1024;
const RATIO_GOAL = 3;

// 1. Synthesise with bundling, asset paths in the template metadata.
const outdir = mkdtempSync(join(tmpdir(), 'placements-bundles-'));
const app = new App({
  outdir,
  context: { 'aws:cdk:enable-asset-metadata': true, 'aws:cdk:enable-path-metadata': true },
});
const marketplace = new MarketplaceStack(app, 'Bench', { stage: 'dev' });
const baseline = new Stack(app, 'Baseline');
new NodejsFunction(baseline, 'HelloWorld', {
  entry: join(REPO_ROOT, 'test', 'bench', 'hello-handler.ts'),
  projectRoot: REPO_ROOT,
  depsLockFilePath: join(REPO_ROOT, 'pnpm-lock.yaml'),
  runtime: RUNTIME,
  architecture: Architecture.ARM_64,
  timeout: Duration.seconds(3),
  memorySize: 128,
  bundling: BUNDLING,
});
const synthStarted = performance.now();
const assembly = app.synth();
const synthSeconds = (performance.now() - synthStarted) / 1000;

interface Bundle {
  name: string;
  file: string;
  bytes: number;
  gzipBytes: number;
  mapBytes: number;
}
const bundles: Bundle[] = [];
for (const stack of [marketplace, baseline]) {
  const template = assembly.getStackArtifact(stack.artifactId).template as {
    Resources: Record<string, { Type: string; Metadata?: Record<string, string> }>;
  };
  for (const r of Object.values(template.Resources)) {
    if (r.Type !== 'AWS::Lambda::Function') continue;
    const path = r.Metadata!['aws:cdk:path']!.split('/');
    const name =
      stack === baseline
        ? 'hello-world'
        : path
            .slice(1, -2)
            .join('/')
            .replace(/^Auth\//, '');
    const file = join(assembly.directory, r.Metadata!['aws:asset:path']!, 'index.mjs');
    const code = readFileSync(file);
    bundles.push({
      name,
      file,
      bytes: code.length,
      gzipBytes: gzipSync(code).length,
      mapBytes: statSync(`${file}.map`).size,
    });
  }
}

// 2. Cold imports: one fresh process per import. `importMs` is the import alone; `readyMs` is
// from the process starting to the handler being ready (Node's own start included); `cpuMs` is
// the CPU the process used until then, which other work on a shared machine disturbs least.
const PROBE = `const t0 = performance.now(); const m = await import(process.argv[1]); if (typeof m.handler !== 'function') throw new Error('no handler'); const t1 = performance.now(); const c = process.cpuUsage(); process.stdout.write(JSON.stringify({ importMs: t1 - t0, readyMs: t1, cpuMs: (c.user + c.system) / 1000 }));`;
const env = {
  PATH: process.env.PATH ?? '',
  TABLE_NAME: 'bench',
  AWS_REGION: 'eu-west-2',
  RESOURCE_SERVER: 'placements',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
};

function coldImport(file: string, sourceMaps: boolean): { importMs: number; readyMs: number; cpuMs: number } {
  const res = spawnSync(
    process.execPath,
    [...(sourceMaps ? ['--enable-source-maps'] : []), '--input-type=module', '-e', PROBE, pathToFileURL(file).href],
    { env, encoding: 'utf8' },
  );
  if (res.status !== 0) throw new Error(`importing ${file} failed: ${res.stderr}`);
  return JSON.parse(res.stdout);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const samples = new Map(
  bundles.map((b) => [
    b.name,
    { importMs: [] as number[], readyMs: [] as number[], cpuMs: [] as number[], mapsImportMs: [] as number[] },
  ]),
);
for (const b of bundles) coldImport(b.file, false); // warm the file cache once
for (let run = 0; run < RUNS; run++) {
  for (const b of bundles) {
    const plain = coldImport(b.file, false);
    const maps = coldImport(b.file, true);
    const s = samples.get(b.name)!;
    s.importMs.push(plain.importMs);
    s.readyMs.push(plain.readyMs);
    s.cpuMs.push(plain.cpuMs);
    s.mapsImportMs.push(maps.importMs);
  }
}

// 3. Report.
const hello = samples.get('hello-world')!;
const helloImport = median(hello.importMs);
const helloReady = median(hello.readyMs);
const helloCpu = median(hello.cpuMs);
const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;
const ms = (n: number) => `${n.toFixed(1)} ms`;
const rows = bundles.map((b) => {
  const s = samples.get(b.name)!;
  return {
    ...b,
    importMs: median(s.importMs),
    readyMs: median(s.readyMs),
    cpuMs: median(s.cpuMs),
    mapsImportMs: median(s.mapsImportMs),
  };
});
const handlers = rows.filter((r) => r.name !== 'hello-world');
const worstRatio = Math.max(...handlers.map((r) => r.readyMs / helloReady));
const worstCpuRatio = Math.max(...handlers.map((r) => r.cpuMs / helloCpu));
const [load1] = loadavg();
const date = new Date().toISOString().slice(0, 10);
const lines = [
  `### Lambda bundles (${date}, Node ${process.versions.node}, ${process.platform} ${process.arch}, ${RUNS} runs each, median; load average ${load1!.toFixed(1)} on ${cpus().length} cores)`,
  '',
  `Synthesised with bundling in ${synthSeconds.toFixed(1)} s (the project's esbuild, ESM, minified, node22 target, AWS SDK bundled).`,
  '',
  '| function | minified | gzip | import alone | process start to handler ready | ratio | CPU to handler ready | CPU ratio | import with `--enable-source-maps` |',
  '|---|---|---|---|---|---|---|---|---|',
  ...rows.map((r) => {
    const base = r.name === 'hello-world';
    return `| ${base ? 'hello-world (baseline)' : r.name} | ${kb(r.bytes)} | ${kb(r.gzipBytes)} | ${ms(r.importMs)} | ${ms(r.readyMs)} | ${(r.readyMs / helloReady).toFixed(2)} | ${ms(r.cpuMs)} | ${(r.cpuMs / helloCpu).toFixed(2)} | ${ms(r.mapsImportMs)} |`;
  }),
  '',
  `Largest handler: ${kb(Math.max(...handlers.map((r) => r.bytes)))} (goal under ${kb(SIZE_GOAL)}: ${handlers.every((r) => r.bytes < SIZE_GOAL) ? 'met' : 'NOT met'}). ` +
    `Slowest handler ready ${worstRatio.toFixed(2)}x hello-world's ${ms(helloReady)}, and ${worstCpuRatio.toFixed(2)}x its ${ms(helloCpu)} of CPU (goal under ${RATIO_GOAL}x: ${worstRatio < RATIO_GOAL && worstCpuRatio < RATIO_GOAL ? 'met' : 'NOT met'}). ` +
    `The import alone: slowest ${ms(Math.max(...handlers.map((r) => r.importMs)))} against hello-world's ${ms(helloImport)}.`,
];
const report = lines.join('\n');
console.log(`\n${report}\n`);

if (WRITE) {
  // Only the figures between the markers are replaced; the reading of them around it is prose.
  const docPath = join(REPO_ROOT, 'docs', 'benchmarks.md');
  const doc = readFileSync(docPath, 'utf8');
  const [open, close] = ['<!-- bench:bundles -->', '<!-- /bench:bundles -->'];
  const block = `${open}\n${report}\n${close}`;
  const start = doc.indexOf(open);
  const end = doc.indexOf(close);
  const updated =
    start >= 0 && end > start
      ? `${doc.slice(0, start)}${block}${doc.slice(end + close.length)}`
      : `${doc.trimEnd()}\n\n## Lambda bundles (issue 7)\n\n\`npm run bench:bundles\` (add \`-- --write\` to update the figures below).\n\n${block}\n`;
  writeFileSync(docPath, updated);
  console.log(`Written to ${docPath}`);
}
rmSync(outdir, { recursive: true, force: true });
