import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { csvObjects, parseCsv, distanceKm, type LocalAuthority, type PostcodeDistrict } from '@placements/domain';
import { SOUTH_EAST_LAS } from './south-east.ts';
import type { DistrictPoint, NamedSetting } from './generate.ts';

/** The files read from DATA_DIR (see shared/data/SOURCES.md); never copied into the repo. */
export const DATA_FILES = {
  las: 'la/la-lookup-2024-25.csv',
  laCentroids: 'la/uk_local_authorities_future.csv',
  districts: 'postcodes/postcode-districts.csv',
  s41: 'providers/Approved_S41_Full_List__updated_22_03_22.csv',
  notS41: 'providers/IndSpec_not_s41.csv',
} as const;

export function hasDataDir(dir: string | undefined): dir is string {
  return dir !== undefined && Object.values(DATA_FILES).every((f) => existsSync(join(dir, f)));
}

const read = (dir: string, file: string) => readFileSync(join(dir, file), 'utf8');

const ENGLISH_REGIONS = new Set([
  'North East',
  'North West',
  'Yorkshire and The Humber',
  'East Midlands',
  'West Midlands',
  'East of England',
  'London',
  'South East',
  'South West',
]);

/** Normalises an LA name as the DfE lists spell it in several ways. */
export function normaliseLaName(name: string): string {
  return name
    .toLowerCase()
    .replace(/&/g, ' and ')
    .replace(/\b(county council|council|city of|county of|the)\b/g, ' ')
    .replace(/[^a-z ]/g, ' ')
    .replace(/\bst\b/g, 'st')
    .replace(/\s+/g, ' ')
    .trim();
}

/** Spellings in the DfE provider lists that name no current LA, mapped to the LA that now serves them. */
const LA_ALIASES: Record<string, string> = {
  kirkby: 'knowsley',
  cumbria: 'cumberland',
  durham: 'county durham',
  northamptonshire: 'north northamptonshire',
  bournemouth: 'bournemouth christchurch and poole',
  'north east lincs': 'north east lincolnshire',
  bucks: 'buckinghamshire',
  thanet: 'kent',
  'bristol city': 'bristol',
  cheshire: 'cheshire east',
  'south gloucs': 'south gloucestershire',
  'devon cornwall and somerset': 'devon',
};

/** DfE numbers of LAs since reorganised, as the not-s41 list still uses them. */
const DFE_NUMBER_ALIASES: Record<string, string> = { '909': '942', '928': '940' };

export interface RealData {
  las: LocalAuthority[];
  districts: PostcodeDistrict[];
  /** Each LA's districts, for placing generated settings near it. */
  districtsByLa: Map<string, DistrictPoint[]>;
  named: NamedSetting[];
  /** 2020 population in thousands, to size each LA's generated provision. */
  populationK: Map<string, number>;
  skipped: { file: string; line: number; reason: string }[];
}

export function loadRealData(dir: string): RealData {
  const skipped: RealData['skipped'] = [];

  // LAs: the DfE lookup; centroids from mySociety (matching retired codes too).
  const centroids = new Map<string, { lat: number; lon: number; populationK: number }>();
  for (const { values } of csvObjects(read(dir, DATA_FILES.laCentroids)).rows) {
    const lat = Number(values.lat);
    const lon = Number(values.long);
    if (values.lat === '' || !Number.isFinite(lat) || !Number.isFinite(lon)) continue;
    for (const code of [values['gss-code'], ...(values['former-gss-codes'] ?? '').split(/[|,]/)]) {
      const c = code?.trim();
      if (c && !centroids.has(c))
        centroids.set(c, {
          lat: round4(lat),
          lon: round4(lon),
          populationK: Math.round(Number(values['pop-2020'] || 0) / 1000),
        });
    }
  }
  const seCentroid = new Map(SOUTH_EAST_LAS.map((la) => [la.laCode, la]));
  const las: LocalAuthority[] = [];
  const populationK = new Map<string, number>();
  for (const { line, values } of csvObjects(read(dir, DATA_FILES.las)).rows) {
    const gss = values.new_la_code ?? '';
    const curated = seCentroid.get(gss);
    // The curated South East centroids sit in each LA's towns; mySociety's are admin points.
    const known = centroids.get(gss);
    const c =
      curated !== undefined
        ? meanOf(curated.districts.map(([, lat, lon]) => ({ lat, lon })))
        : known && { lat: known.lat, lon: known.lon };
    populationK.set(gss, curated?.populationK ?? known?.populationK ?? 0);
    if (c === undefined) {
      skipped.push({ file: DATA_FILES.las, line, reason: `no centroid for ${gss}` });
      continue;
    }
    las.push({
      laCode: gss,
      dfeNumber: values.old_la_code ?? '',
      name: values.la_name ?? '',
      regionCode: values.region_code ?? '',
      regionName: values.region_name ?? '',
      ...c,
    });
  }

  // Postcode districts in England, each assigned to its nearest LA centroid; the South East
  // keeps its curated districts, which are known to lie in their LA.
  const districts: PostcodeDistrict[] = [];
  const districtsByLa = new Map<string, DistrictPoint[]>();
  const curatedDistrict = new Map<string, string>();
  for (const la of SOUTH_EAST_LAS) for (const [d] of la.districts) curatedDistrict.set(d, la.laCode);
  for (const { values } of csvObjects(read(dir, DATA_FILES.districts)).rows) {
    const lat = Number(values.Latitude);
    const lon = Number(values.Longitude);
    const district = values.Postcode ?? '';
    if (
      !ENGLISH_REGIONS.has(values['UK region'] ?? '') ||
      values.Latitude === '' ||
      !Number.isFinite(lat) ||
      !/^[A-Z]{1,2}\d[A-Z\d]?$/.test(district)
    )
      continue;
    const point = { lat, lon };
    let laCode = curatedDistrict.get(district);
    if (laCode === undefined) {
      let best = Infinity;
      for (const la of las) {
        const d = distanceKm(point, la);
        if (d < best) {
          best = d;
          laCode = la.laCode;
        }
      }
    }
    districts.push({ district, lat, lon, ...(laCode !== undefined ? { laCode } : {}) });
    // Retired and non-geographic districts have no live postcodes; settings are not placed there.
    if (laCode !== undefined && Number(values['Active postcodes'] || 0) > 0 && Number(values.Population || 0) > 0) {
      const list = districtsByLa.get(laCode) ?? [];
      list.push({
        district,
        lat,
        lon,
        town: (values['Post Town'] || values['Town/Area'] || district).split(',')[0]!.trim(),
      });
      districtsByLa.set(laCode, list);
    }
  }
  for (const la of las) {
    if (!districtsByLa.has(la.laCode)) {
      districtsByLa.set(la.laCode, [
        { district: nearestDistrict(districts, la), lat: la.lat, lon: la.lon, town: la.name },
      ]);
    }
  }

  // Independent special schools and special post-16 institutions from the two DfE lists.
  const byName = new Map(las.map((la) => [normaliseLaName(la.name), la.laCode]));
  const byNumber = new Map(las.map((la) => [la.dfeNumber, la.laCode]));
  const named: NamedSetting[] = [];
  // The s41 file's first line is junk; its header is the second record.
  const s41 = parseCsv(read(dir, DATA_FILES.s41)).slice(2);
  for (const { line, fields } of s41) {
    const [laName = '', name = '', kind = ''] = fields.map((f) => f.trim());
    if (name === '' || laName === 'Local authority') continue;
    const key = normaliseLaName(laName);
    const laCode = byName.get(LA_ALIASES[key] ?? key);
    if (laCode === undefined) {
      skipped.push({
        file: DATA_FILES.s41,
        line,
        reason: `"${name}": "${laName}" is not an English LA (Welsh or unknown)`,
      });
      continue;
    }
    const type = /post-16/i.test(kind) && !/school/i.test(kind) ? 'special_post16' : 'independent_special';
    named.push({ name, laCode, type, section41: true, source: 'dfe_s41_list' });
  }
  for (const { line, values } of csvObjects(read(dir, DATA_FILES.notS41)).rows) {
    const number = values['GIAS reference'] ?? '';
    const laCode = byNumber.get(DFE_NUMBER_ALIASES[number] ?? number);
    const name = (values['School Name'] ?? '').trim();
    if (laCode === undefined || name === '') {
      skipped.push({ file: DATA_FILES.notS41, line, reason: `"${name}": no LA has the DfE number ${number}` });
      continue;
    }
    named.push({ name, laCode, type: 'independent_special', section41: false, source: 'dfe_independent_special_list' });
  }
  return { las, districts, districtsByLa, named, populationK, skipped };
}

const round4 = (x: number) => Math.round(x * 10_000) / 10_000;

function meanOf(points: { lat: number; lon: number }[]) {
  const round = (x: number) => Math.round(x * 10_000) / 10_000;
  return {
    lat: round(points.reduce((s, p) => s + p.lat, 0) / points.length),
    lon: round(points.reduce((s, p) => s + p.lon, 0) / points.length),
  };
}

function nearestDistrict(districts: PostcodeDistrict[], at: { lat: number; lon: number }): string {
  let best = Infinity;
  let name = '';
  for (const d of districts) {
    const km = distanceKm(d, at);
    if (km < best) {
      best = km;
      name = d.district;
    }
  }
  return name;
}
