import { csvObjects, importGias, postcodeAreaOf, type GiasImport, type LocalAuthority, type PostcodeDistrict } from '@placements/domain';
import type { Store } from '@placements/store';

export interface GiasImportSummary extends Omit<GiasImport, 'settings'> {
  rows: number;
  imported: number;
  created: number;
  updated: number;
}

/** Every LA (all pages), for mapping GIAS's DfE LA numbers to GSS codes. */
async function allLas(store: Store): Promise<LocalAuthority[]> {
  const out: LocalAuthority[] = [];
  let cursor: string | undefined;
  do {
    const page = await store.reference.listLas(200, cursor);
    out.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor !== undefined);
  return out;
}

/**
 * Loads a GIAS establishment extract into settings: reads the reference data it needs (LAs,
 * the postcode districts named in the file), maps the rows in the domain, and writes the settings,
 * keeping any listings they already have.
 */
export async function runGiasImport(store: Store, text: string): Promise<GiasImportSummary> {
  const { header, rows } = csvObjects(text);
  const las = await allLas(store);
  const byDfe = new Map(las.map((la) => [la.dfeNumber, la.gssCode]));
  const known = new Set(las.map((la) => la.gssCode));
  const districts = new Map<string, PostcodeDistrict | undefined>();
  for (const { values } of rows) {
    const district = (values.Postcode ?? '').trim().toUpperCase().split(/\s+/)[0] ?? '';
    if (district !== '' && !districts.has(district) && postcodeAreaOf(district) !== '') districts.set(district, await store.reference.getDistrict(district));
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
