import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { createStore } from '@placements/store';
import { cliTable } from '../runtime-file.ts';
import { runGiasImport } from './import-gias.ts';

/**
 * npm run import:gias -- <edubasealldata.csv>
 * Loads a GIAS establishment extract into the running local marketplace (found through
 * .data/runtime.json), or into the table named by TABLE_NAME (and DYNAMODB_ENDPOINT, if local).
 */
const file = process.argv[2];
if (file === undefined) {
  console.error('usage: npm run import:gias -- <edubasealldataYYYYMMDD.csv>');
  process.exit(2);
}
const repoRoot = resolve(import.meta.dirname, '../../../..');
const target = cliTable(repoRoot);
if (target === undefined) {
  console.error(
    'No marketplace to import into: start it first (npm start), or set TABLE_NAME (and DYNAMODB_ENDPOINT for a local table).',
  );
  process.exit(2);
}
const store = createStore(target);
const text = readFileSync(resolve(process.env.INIT_CWD ?? process.cwd(), file), 'utf8');
try {
  const s = await runGiasImport(store, text);
  console.log(
    `Read ${s.rows} establishments (${s.columnSet} column set): ${s.imported} imported (${s.created} new, ${s.updated} updated), ${s.skipped.length} skipped.`,
  );
  const byReason = new Map<string, number>();
  for (const k of s.skipped)
    byReason.set(k.reason.replace(/ on .*$/, ''), (byReason.get(k.reason.replace(/ on .*$/, '')) ?? 0) + 1);
  for (const [reason, n] of [...byReason].sort((a, b) => b[1] - a[1])) console.log(`  ${n} × ${reason}`);
  for (const k of s.skipped) console.log(`  line ${k.line}: URN ${k.urn} ${k.name}: skipped, ${k.reason}`);
} catch (error) {
  const e = error as { problems?: { field: string; message: string }[]; message: string };
  console.error(`Import failed: ${e.message}`);
  for (const p of e.problems ?? []) console.error(`  ${p.field}: ${p.message}`);
  process.exit(1);
} finally {
  store.db.destroy();
}
