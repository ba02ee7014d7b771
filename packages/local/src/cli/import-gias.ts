import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { csvObjects, importGias, postcodeAreaOf, type GiasImport, type PostcodeDistrict } from '@placements/domain';
import type { Store } from '@placements/store';
import { cliCommand } from '../runtime-file.ts';
import type { CommandIo } from './upload-args.ts';

export interface GiasImportSummary extends Omit<GiasImport, 'settings'> {
  rows: number;
  imported: number;
  created: number;
  updated: number;
}

/**
 * Loads a GIAS establishment extract into settings: reads the reference data it needs (LAs,
 * the postcode districts named in the file), maps the rows in the domain, and writes the settings,
 * keeping any listings they already have.
 */
export async function runGiasImport(store: Store, text: string): Promise<GiasImportSummary> {
  const { header, rows } = csvObjects(text);
  const las = await store.reference.allLas();
  const byDfe = new Map(las.map((la) => [la.dfeNumber, la.laCode]));
  const known = new Set(las.map((la) => la.laCode));
  const districts = new Map<string, PostcodeDistrict | undefined>();
  for (const { values } of rows) {
    const district = (values.Postcode ?? '').trim().toUpperCase().split(/\s+/)[0] ?? '';
    if (district !== '' && !districts.has(district) && postcodeAreaOf(district) !== '')
      districts.set(district, await store.reference.getDistrict(district));
  }
  const result = importGias(header, rows, {
    gssForDfeNumber: (n) => byDfe.get(n),
    isKnownLa: (gss) => known.has(gss),
    districtCentroid: (d) => districts.get(d),
  });
  const written = await store.settings.putSettings(result.settings);
  const { settings, ...rest } = result;
  return { ...rest, rows: rows.length, imported: settings.length, ...written };
}

const REPO_ROOT = resolve(import.meta.dirname, '../../../..');

/**
 * npm run import:gias -- <edubasealldata.csv>
 * Loads a GIAS establishment extract into the running local marketplace (found through
 * .data/runtime.json), or into the table named by TABLE_NAME (and DYNAMODB_ENDPOINT, if local).
 * Answers the exit code: 0 imported, 1 the file was refused, 2 usage or nothing to import into.
 */
export async function importGiasCommand(io: CommandIo, repoRoot = REPO_ROOT): Promise<number> {
  const file = io.argv[0];
  if (file === undefined) {
    io.err('usage: npm run import:gias -- <edubasealldataYYYYMMDD.csv>\n');
    return 2;
  }
  return cliCommand(io, repoRoot, 'import', async (store) => {
    const text = readFileSync(resolve(io.env.INIT_CWD ?? process.cwd(), file), 'utf8');
    const s = await runGiasImport(store, text);
    io.out(
      `Read ${s.rows} establishments (${s.columnSet} column set): ${s.imported} imported (${s.created} new, ${s.updated} updated), ${s.skipped.length} skipped.`,
    );
    const byReason = new Map<string, number>();
    for (const k of s.skipped) {
      const reason = k.reason.replace(/ on .*$/, '');
      byReason.set(reason, (byReason.get(reason) ?? 0) + 1);
    }
    for (const [reason, n] of [...byReason].sort((a, b) => b[1] - a[1])) io.out(`  ${n} × ${reason}`);
    for (const k of s.skipped) io.out(`  line ${k.line}: URN ${k.urn} ${k.name}: skipped, ${k.reason}`);
  });
}
