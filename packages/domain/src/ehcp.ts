import { csvObjects } from './csv.ts';

/**
 * DfE's "Education, health and care plans" statistics (explore-education-statistics) for one LA:
 * the demand baseline a partnership compares the marketplace's own cases with. Figures are as DfE
 * published them; `x` (unavailable) and `z` (not applicable) become null.
 */
export interface EhcpStatistics {
  laCode: string;
  laName: string;
  /** The academic year, as DfE writes it: 202425 → "2024/25". */
  year: string;
  plans: number | null;
  byPlacement: Record<string, number | null>;
  byNeed: Record<string, number | null>;
  source: string;
}

/** caseload.csv columns kept, by the placement types a commissioner compares with the marketplace. */
export const EHCP_PLACEMENT_COLUMNS = {
  mainstream: 'mainstream_total',
  resourcedProvision: [
    'mainstream_la_maintained_resourced_provision',
    'mainstream_academy_resourced_provision',
    'mainstream_free_school_resourced_provision',
  ],
  senUnit: ['mainstream_la_maintained_senunit', 'mainstream_academy_senunit', 'mainstream_free_school_senunit'],
  specialMaintained: 'special_la_maintained',
  specialAcademyFree: 'special_academy_free',
  specialIndependent: 'special_independent',
  specialNonMaintained: 'special_non_maintained',
  specialTotal: 'special_total',
  alternativeProvision: 'ap_pru_total',
  feColleges: 'general_fe_tertiary_colleges',
  specialistPost16: 'specialist_post_16_institutions',
  feTotal: 'fe_total',
} as const;

/** sen_needs_all_plans.csv columns → SEN primary need codes. */
const NEED_COLUMNS: Record<string, string> = {
  number_asd: 'ASD',
  number_hi: 'HI',
  number_mld: 'MLD',
  number_msi: 'MSI',
  number_oth: 'OTH',
  number_pd: 'PD',
  number_pmld: 'PMLD',
  number_semh: 'SEMH',
  number_slcn: 'SLCN',
  number_sld: 'SLD',
  number_spld: 'SpLD',
  number_vi: 'VI',
  number_need_unknown: 'unknown',
};

const figure = (v: string | undefined): number | null => {
  const t = (v ?? '').trim();
  return /^\d+$/.test(t) ? Number(t) : null;
};
const yearOf = (p: string) => (/^\d{6}$/.test(p) ? `${p.slice(0, 4)}/${p.slice(4)}` : p);

/** The LA rows for all plans, latest year of each file, keyed by GSS code. */
function latestLaRows(text: string): Map<string, Record<string, string>> {
  // Only LA rows of all plans become objects: a few hundred of the files' 25,000 rows (no field spans lines).
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const kept = lines.filter((l, i) => i === 0 || (l.includes('Local authority') && l.includes('All EHC plans')));
  const { rows } = csvObjects(kept.join('\n'));
  const all = rows
    .map((r) => r.values)
    .filter(
      (v) =>
        v.geographic_level === 'Local authority' &&
        v.breakdown_topic === 'All EHC plans' &&
        v.breakdown === 'All EHC plans',
    );
  // biome-ignore lint/complexity/useMathMinMax: periods are strings (202324); Math.max would make them numbers.
  const latest = all.reduce((m, v) => (v.time_period! > m ? v.time_period! : m), '');
  return new Map(all.filter((v) => v.time_period === latest).map((v) => [v.new_la_code!, v]));
}

/**
 * Reads the two DfE files for the given LAs (all LAs when none are given). LAs missing from the
 * files are reported, not invented.
 */
export function parseEhcpStatistics(
  caseloadCsv: string,
  needsCsv: string,
  laCodes?: readonly string[],
): { statistics: EhcpStatistics[]; missing: string[] } {
  const caseload = latestLaRows(caseloadCsv);
  const needs = latestLaRows(needsCsv);
  const wanted = laCodes ?? [...new Set([...caseload.keys(), ...needs.keys()])].sort();
  const statistics: EhcpStatistics[] = [];
  const missing: string[] = [];
  for (const la of wanted) {
    const c = caseload.get(la);
    const n = needs.get(la);
    if (c === undefined && n === undefined) {
      missing.push(la);
      continue;
    }
    const byPlacement: Record<string, number | null> = {};
    for (const [name, col] of Object.entries(EHCP_PLACEMENT_COLUMNS)) {
      if (c === undefined) byPlacement[name] = null;
      else if (typeof col === 'string') byPlacement[name] = figure(c[col]);
      else {
        const parts = col.map((k) => figure(c[k]));
        byPlacement[name] = parts.some((p) => p === null) ? null : parts.reduce<number>((s, p) => s + p!, 0);
      }
    }
    const byNeed: Record<string, number | null> = {};
    for (const [col, code] of Object.entries(NEED_COLUMNS)) byNeed[code] = n === undefined ? null : figure(n[col]);
    const row = (c ?? n)!;
    statistics.push({
      laCode: la,
      laName: row.la_name ?? la,
      year: yearOf((c ?? n)!.time_period ?? ''),
      plans: figure(c?.ehcplans) ?? figure(n?.ehc_plans),
      byPlacement,
      byNeed,
      source: `DfE Education, health and care plans (caseload ${c ? yearOf(c.time_period!) : 'absent'}, primary need ${n ? yearOf(n.time_period!) : 'absent'}), OGL v3`,
    });
  }
  return { statistics, missing };
}
