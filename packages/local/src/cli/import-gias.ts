import { csvObjects, importGias, postcodeAreaOf, type GiasImport, type PostcodeDistrict } from '@placements/domain';
import type { Store } from '@placements/store';

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
