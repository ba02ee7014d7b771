import { parseCsv } from './csv.ts';

/**
 * The DfE EHC plan placement categories a forecast is made for (caseload.csv columns, grouped as
 * commissioners plan places). Mainstream excludes its resourced provision and SEN units, which are
 * their own category; "other" is everything DfE records outside a school, college or AP (educated
 * elsewhere, non-maintained early years, placement not recorded): plans less the other six.
 */
export const PLACEMENT_TYPES = [
  'mainstream',
  'resourcedProvision',
  'specialState',
  'specialIndependent',
  'post16',
  'alternativeProvision',
  'other',
] as const;
export type PlacementType = (typeof PLACEMENT_TYPES)[number];

export const PLACEMENT_TYPE_NAMES: Record<PlacementType, string> = {
  mainstream: 'Mainstream schools',
  resourcedProvision: 'Resourced provision and SEN units',
  specialState: 'Special schools (maintained and academy)',
  specialIndependent: 'Independent and non-maintained special schools',
  post16: 'FE colleges and specialist post-16',
  alternativeProvision: 'Alternative provision and PRUs',
  other: 'Other (educated elsewhere, early years, not recorded)',
};

/** The academic years caseload.csv holds, oldest first (DfE writes 201819; we write 2018/19). */
export const EHCP_YEARS = ['2018/19', '2019/20', '2020/21', '2021/22', '2022/23', '2023/24', '2024/25'] as const;

/** Age groups of the latest year's mix (the phases places are planned by). */
export const AGE_GROUPS = ['0-4', '5-10', '11-15', '16-19', '20-25'] as const;
export type AgeGroup = (typeof AGE_GROUPS)[number];

/** One LA's EHC plans by placement type for each DfE year, with the latest year's need and age mix. */
export interface EhcpHistory {
  laCode: string;
  laName: string;
  regionCode: string;
  regionName: string;
  /** EHCP_YEARS; the arrays below run in step with it, null where DfE has no figure. */
  years: string[];
  plans: (number | null)[];
  byType: Record<PlacementType, (number | null)[]>;
  /** Plans by primary need within each placement type, in the year given (sen_needs_all_plans.csv). */
  needMix: { year: string; byType: Record<PlacementType, Record<string, number>> } | null;
  /** Plans by age group within each placement type, in the year given (caseload.csv ages). */
  ageMix: { year: string; byType: Record<PlacementType, Record<AgeGroup, number>> } | null;
  source: string;
}

/**
 * DfE recoded Buckinghamshire to E06000060 for 2020/21 to 2022/23 and back again (SOURCES.md): one
 * LA, one series. Other boundary changes (Dorset, Northamptonshire, Cumbria) made new areas, whose
 * series start in their first year.
 */
const SAME_LA: Record<string, string> = { E06000060: 'E10000002' };

const figure = (v: string | undefined): number | null => {
  const t = (v ?? '').trim();
  return /^\d+$/.test(t) ? Number(t) : null;
};
const sum = (parts: (number | null)[]): number | null =>
  parts.some((p) => p === null) ? null : parts.reduce<number>((s, p) => s + p!, 0);
const yearOf = (p: string) => `${p.slice(0, 4)}/${p.slice(4)}`;

const RP = [
  'mainstream_la_maintained_resourced_provision',
  'mainstream_academy_resourced_provision',
  'mainstream_free_school_resourced_provision',
  'mainstream_la_maintained_senunit',
  'mainstream_academy_senunit',
  'mainstream_free_school_senunit',
];

/** A caseload.csv row's plans in each placement type (null where DfE suppressed a part). */
export function placementsOfRow(v: (column: string) => string | undefined): Record<PlacementType, number | null> {
  const col = (k: string) => figure(v(k));
  const rp = sum(RP.map(col));
  const total = col('mainstream_total');
  const out: Record<PlacementType, number | null> = {
    mainstream: total === null || rp === null ? null : total - rp,
    resourcedProvision: rp,
    specialState: sum([col('special_la_maintained'), col('special_academy_free')]),
    specialIndependent: sum([col('special_independent'), col('special_non_maintained')]),
    post16: col('fe_total'),
    alternativeProvision: col('ap_pru_total'),
    other: null,
  };
  const named = sum(PLACEMENT_TYPES.filter((t) => t !== 'other').map((t) => out[t]));
  const plans = col('ehcplans');
  out.other = plans === null || named === null ? null : Math.max(0, plans - named);
  return out;
}

const ageGroupOf = (breakdown: string): AgeGroup | undefined => {
  if (breakdown === 'under 3') return '0-4';
  const age = Number(breakdown.replace(/^age /, ''));
  if (!Number.isInteger(age)) return undefined;
  return age <= 4 ? '0-4' : age <= 10 ? '5-10' : age <= 15 ? '11-15' : age <= 19 ? '16-19' : '20-25';
};

/** sen_needs_all_plans.csv "Type of placement" rows → placement type. */
function needRowType(breakdown: string): PlacementType | undefined {
  if (/^Mainstream - .*\((resourced provision|SEN unit)\)$/.test(breakdown)) return 'resourcedProvision';
  if (
    [
      'Mainstream - LA maintained',
      'Mainstream - academy',
      'Mainstream - free school',
      'Mainstream - independent',
    ].includes(breakdown)
  )
    return 'mainstream';
  if (breakdown === 'Special - LA maintained' || breakdown === 'Special - Academy/free schools') return 'specialState';
  if (breakdown === 'Special - independent' || breakdown === 'Special - non-maintained') return 'specialIndependent';
  if (breakdown === 'FE - total') return 'post16';
  if (breakdown === 'AP/PRU - total') return 'alternativeProvision';
  if (
    breakdown === 'Educated elsewhere - total' ||
    breakdown === 'Non-maintained early years' ||
    breakdown === 'Placement not recorded'
  )
    return 'other';
  return undefined;
}

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

/** A row's field by column name. */
type Row = (column: string) => string | undefined;

/**
 * The Local authority rows of a DfE file. These files are large (25,000 rows of 60 columns) and
 * quote only the odd LA name, so a line without a quote is split on commas, and rows are read by
 * column index rather than made into objects (which spent most of the time collecting garbage).
 */
function laRows(text: string): Row[] {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const index = new Map((lines[0] ?? '').split(',').map((h, i) => [h.trim(), i]));
  const level = index.get('geographic_level') ?? -1;
  const out: Row[] = [];
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    if (!line.includes('Local authority')) continue;
    const fields = line.includes('"') ? (parseCsv(line)[0]?.fields ?? []) : line.split(',');
    if (fields[level] !== 'Local authority') continue;
    out.push((column) => {
      const k = index.get(column);
      return k === undefined ? undefined : fields[k];
    });
  }
  return out;
}

const emptyByType = <T>(make: () => T) =>
  Object.fromEntries(PLACEMENT_TYPES.map((t) => [t, make()])) as Record<PlacementType, T>;

/**
 * Every LA's EHC plans by placement type for each of DfE's years (caseload.csv, all seven), with
 * the latest year's mix by primary need (sen_needs_all_plans.csv) and age (caseload.csv), keyed by
 * the LA's GSS code. Suppressed cells (x) stay null; a suppressed cell in a mix is left out of it.
 */
export function parseEhcpHistories(caseloadCsv: string, needsCsv?: string): EhcpHistory[] {
  const las = new Map<string, EhcpHistory>();
  const ages = new Map<string, { year: string; byType: Record<PlacementType, Record<AgeGroup, number>> }>();
  const latestAgeYear = { v: '' };
  const at = (code: string, v: Row) => {
    let h = las.get(code);
    if (h === undefined) {
      h = {
        laCode: code,
        laName: v('la_name') ?? code,
        regionCode: v('region_code') ?? '',
        regionName: v('region_name') ?? '',
        years: [...EHCP_YEARS],
        plans: EHCP_YEARS.map(() => null),
        byType: emptyByType(() => EHCP_YEARS.map(() => null)),
        needMix: null,
        ageMix: null,
        source: 'DfE Education, health and care plans (explore-education-statistics), OGL v3',
      };
      las.set(code, h);
    }
    return h;
  };
  for (const v of laRows(caseloadCsv)) {
    const la = v('new_la_code') ?? '';
    const code = SAME_LA[la] ?? la;
    const year = yearOf(v('time_period') ?? '');
    const i = EHCP_YEARS.indexOf(year as (typeof EHCP_YEARS)[number]);
    if (i < 0) continue;
    if (v('breakdown_topic') === 'All EHC plans') {
      const h = at(code, v);
      // The latest year names the LA and its region as they are now.
      if (i >= h.plans.findLastIndex((p) => p !== null))
        Object.assign(h, {
          laName: v('la_name') ?? code,
          regionCode: v('region_code') ?? '',
          regionName: v('region_name') ?? '',
        });
      h.plans[i] = figure(v('ehcplans'));
      const p = placementsOfRow(v);
      for (const t of PLACEMENT_TYPES) h.byType[t][i] = p[t];
    } else if (v('breakdown_topic') === 'Child or young persons age') {
      const group = ageGroupOf(v('breakdown') ?? '');
      if (group === undefined || year < latestAgeYear.v) continue;
      if (year > latestAgeYear.v) {
        latestAgeYear.v = year;
        ages.clear();
      }
      const mix = ages.get(code) ?? {
        year,
        byType: emptyByType(() => Object.fromEntries(AGE_GROUPS.map((g) => [g, 0])) as Record<AgeGroup, number>),
      };
      const p = placementsOfRow(v);
      for (const t of PLACEMENT_TYPES) mix.byType[t][group] += p[t] ?? 0;
      ages.set(code, mix);
    }
  }
  for (const [code, mix] of ages) {
    const h = las.get(code);
    if (h) h.ageMix = mix;
  }
  if (needsCsv !== undefined) {
    const needs = new Map<string, { year: string; byType: Record<PlacementType, Record<string, number>> }>();
    let latest = '';
    const rows = laRows(needsCsv).filter((v) => v('breakdown_topic') === 'Type of placement');
    for (const v of rows) latest = (v('time_period') ?? '') > latest ? v('time_period')! : latest;
    for (const v of rows) {
      if (v('time_period') !== latest) continue;
      const type = needRowType(v('breakdown') ?? '');
      if (type === undefined) continue;
      const la = v('new_la_code') ?? '';
      const code = SAME_LA[la] ?? la;
      const mix = needs.get(code) ?? {
        year: yearOf(latest),
        byType: emptyByType(() => ({}) as Record<string, number>),
      };
      for (const [col, need] of Object.entries(NEED_COLUMNS)) {
        const n = figure(v(col));
        if (n !== null) mix.byType[type][need] = (mix.byType[type][need] ?? 0) + n;
      }
      needs.set(code, mix);
    }
    for (const [code, mix] of needs) {
      const h = las.get(code);
      if (h) h.needMix = mix;
    }
  }
  return [...las.values()].sort((a, b) => a.laCode.localeCompare(b.laCode));
}

/** LAs that exist now: a figure in DfE's latest year (predecessors such as Cumbria drop out). */
export function currentHistories(histories: EhcpHistory[]): EhcpHistory[] {
  const last = EHCP_YEARS.length - 1;
  return histories.filter((h) => h.plans[last] !== null || PLACEMENT_TYPES.some((t) => h.byType[t][last] !== null));
}
