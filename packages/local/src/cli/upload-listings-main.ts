import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { readRuntime } from '../runtime-file.ts';
import { progressBar, uploadListings } from './upload-listings.ts';

/**
 * npm run upload:listings -- <file.csv> [--token <jwt>] [--url <base url>]
 * Uploads a listings sheet (the documented columns plus urn) setting by setting, with a progress
 * bar, and prints every rejected row with its line in the file. Exits 1 if any setting failed.
 */
const args = process.argv.slice(2);
const flag = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args.splice(i, 2)[1] : undefined;
};
const token = flag('--token') ?? process.env.TOKEN;
const repoRoot = resolve(import.meta.dirname, '../../../..');
const url =
  flag('--url') ??
  process.env.API_URL ??
  readRuntime(resolve(repoRoot, process.env.STATE_DIR ?? '.data'))?.url ??
  'http://127.0.0.1:3000';
const file = args[0];
if (file === undefined || token === undefined) {
  console.error(
    'usage: npm run upload:listings -- <file.csv> --token <provider token>   (TOKEN and API_URL may be set instead)',
  );
  process.exit(2);
}

const text = readFileSync(resolve(process.env.INIT_CWD ?? process.cwd(), file), 'utf8');
const tty = process.stderr.isTTY;
const results = await uploadListings({
  text,
  baseUrl: url,
  token,
  onProgress: (done, total, r) => {
    const bar = progressBar(done, total);
    if (tty) process.stderr.write(`\r${bar}`);
    else process.stderr.write(`${bar}  ${r.urn}: ${r.status}\n`);
  },
});
if (tty) process.stderr.write('\n');

let failed = 0;
for (const r of results) {
  if (r.status === 200) {
    const b = r.body;
    console.log(`${r.urn}: ${b.created} created, ${b.replaced} replaced, ${b.unchanged} unchanged`);
  } else {
    failed++;
    console.log(`${r.urn}: not saved (${r.status}) ${r.body?.error?.message ?? ''}`);
    for (const d of r.body?.error?.details ?? []) console.log(`  line ${d.line ?? '?'}, ${d.field}: ${d.message}`);
  }
}
console.log(`${results.length - failed} of ${results.length} settings saved.`);
process.exit(failed > 0 ? 1 : 0);
