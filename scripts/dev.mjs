#!/usr/bin/env node
// The README's two commands go through here: `npm start` and `npm test`. It needs only Node and
// npm: it installs the pinned pnpm and the locked dependencies, then runs the task in-process
// (start) or as the test runner, so Ctrl-C reaches one process that stops DynamoDB Local cleanly.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
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
  if (fresh && !process.env.CI) return;
  console.log(`Installing dependencies with ${pnpmSpec} (locked versions)…`);
  const status = run('npx', ['--yes', pnpmSpec, 'install', '--frozen-lockfile', '--reporter=append-only']);
  if (status !== 0) die('Installing dependencies failed (see above).');
}

// The SDK warns that it will soon need Node 22 (Lambda runs 22); locally that is noise.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

install();
const bin = (name) => join(root, 'node_modules', '.bin', name);

/** Runs a TypeScript entry in this process under tsx's loader, with the arguments after it. */
async function runTs(file, args) {
  const { register } = await import(
    pathToFileURL(join(root, 'node_modules', 'tsx', 'dist', 'esm', 'api', 'index.mjs')).href
  );
  register();
  process.argv = [process.argv[0], file, ...args];
  await import(pathToFileURL(join(root, file)).href);
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
  console.log('\nType-checking…');
  if (run(bin('tsc'), ['-p', 'tsconfig.json', '--noEmit']) !== 0) die('Type-check failed.');
  if (run(bin('tsc'), ['-p', 'packages/web/tsconfig.json', '--noEmit']) !== 0) die('Type-check of the web app failed.');
  buildWeb();
  console.log('\nRunning the tests (vitest, DynamoDB Local, CDK template tests)…');
  process.exit(run(bin('vitest'), ['run', ...process.argv.slice(3)]));
} else {
  die('usage: node scripts/dev.mjs start|test|run <file.ts> [args]');
}
