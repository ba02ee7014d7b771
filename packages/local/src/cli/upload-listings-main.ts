import { uploadArgs } from './upload-args.ts';
import { progressBar, uploadListings } from './upload-listings.ts';

/**
 * npm run upload:listings -- <file.csv> [--token <jwt>] [--url <base url>]
 * Uploads a listings sheet (the documented columns plus urn) setting by setting, with a progress
 * bar, and prints every rejected row with its line in the file. Exits 1 if any setting failed.
 */
const { text, url, token } = uploadArgs('npm run upload:listings -- <file.csv> --token <provider token>');
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
