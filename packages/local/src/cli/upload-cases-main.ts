import { uploadArgs } from './upload-args.ts';
import { caseProgressBar, caseUploadSummary, uploadCases } from './upload-cases.ts';

/**
 * npm run upload:cases -- <file.csv> [--token <jwt>] [--url <base url>]
 * Opens the cases of a sheet (docs/cases-upload.md) in parts of 50 rows, with a progress bar,
 * and prints every row not saved with its line in the file and all its problems. Exits 1 if
 * any row was not saved.
 */
const { text, url, token } = uploadArgs('npm run upload:cases -- <file.csv> --token <LA token>');
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
