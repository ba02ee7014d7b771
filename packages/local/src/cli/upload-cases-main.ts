import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { readRuntime } from '../runtime-file.ts';
import { caseProgressBar, caseUploadSummary, uploadCases } from './upload-cases.ts';

/**
 * npm run upload:cases -- <file.csv> [--token <jwt>] [--url <base url>]
 * Opens the cases of a sheet (docs/cases-upload.md) in parts of 50 rows, with a progress bar,
 * and prints every row not saved with its line in the file and all its problems. Exits 1 if
 * any row was not saved.
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
    'usage: npm run upload:cases -- <file.csv> --token <LA token>   (TOKEN and API_URL may be set instead)',
  );
  process.exit(2);
}

const text = readFileSync(resolve(process.env.INIT_CWD ?? process.cwd(), file), 'utf8');
const tty = process.stderr.isTTY;
const results = await uploadCases({
  text,
  baseUrl: url,
  token,
  onProgress: (done, total, r) => {
    const bar = caseProgressBar(done, total);
    if (tty) process.stderr.write(`\r${bar}`);
    else process.stderr.write(`${bar}  part ${r.part}: ${r.status}\n`);
  },
});
if (tty) process.stderr.write('\n');

const { rows, saved, problems } = caseUploadSummary(results);
const lines = new Map<string, typeof problems>();
for (const p of problems) {
  const k = p.line === undefined ? '?' : String(p.line);
  lines.set(k, [...(lines.get(k) ?? []), p]);
}
for (const [line, ps] of lines) {
  console.log(`line ${line}: not saved`);
  for (const p of ps) console.log(`  ${p.field}: ${p.message}`);
}
console.log(
  `${saved.length} of ${rows} cases saved${lines.size > 0 ? `; ${lines.size} row${lines.size === 1 ? '' : 's'} not saved (above)` : ''}.`,
);
process.exit(saved.length === rows ? 0 : 1);
