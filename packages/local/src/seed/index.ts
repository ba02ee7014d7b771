import {
  distanceKm,
  FRAMEWORK_V1,
  type Framework,
  type LocalAuthority,
  type Partnership,
  type PostcodeDistrict,
} from '@placements/domain';
import type { ReferenceData } from '@placements/store';
import { generateSettings, type DistrictPoint, type LaPlan } from './generate.ts';
import { hasDataDir, loadRealData } from './real-data.ts';
import { SOUTH_EAST_LAS, SOUTH_EAST_REGION, southEastLocalAuthorities } from './south-east.ts';

export { hasDataDir, DATA_FILES } from './real-data.ts';

export const DEFAULT_SEED = 19;
/** Generated settings per million residents: about 400 across the South East's 9.2 million. */
const SETTINGS_PER_MILLION = 43.5;
const MIN_SETTINGS_PER_LA = 8;

const REGIONAL_REMIT = [
  'low-incidence, high-cost specialist places',
  'post-16 and further education high-needs places',
  'independent and non-maintained special school places',
];

export const SE19_ID = 'se19';

function partnershipId(regionName: string): string {
  return regionName === SOUTH_EAST_REGION.name
    ? SE19_ID
    : regionName
        .toLowerCase()
        .replace(/[^a-z]+/g, '-')
        .replace(/^-|-$/g, '');
}

function partnershipName(regionName: string): string {
  return regionName === SOUTH_EAST_REGION.name ? 'SE19 South East partnership' : `${regionName} regional partnership`;
}

/** One partnership per English region, all its LAs as members. */
function regionalPartnerships(las: LocalAuthority[]): Partnership[] {
  const byRegion = new Map<string, LocalAuthority[]>();
  for (const la of las) byRegion.set(la.regionName, [...(byRegion.get(la.regionName) ?? []), la]);
  return [...byRegion].map(([regionName, members]) => ({
    id: partnershipId(regionName),
    name: partnershipName(regionName),
    regionCode: members[0]!.regionCode,
    members: members.map((m) => m.laCode).sort(),
    remit: REGIONAL_REMIT,
  }));
}

function settingsFor(populationK: number): number {
  return Math.max(MIN_SETTINGS_PER_LA, Math.round((populationK / 1000) * SETTINGS_PER_MILLION));
}

/** Each LA's reach from its centroid: its farthest district or setting, plus a margin for jitter. */
function withExtents(
  las: LocalAuthority[],
  settings: { laCode: string; lat: number; lon: number }[],
  districts: { laCode?: string; lat: number; lon: number }[],
): LocalAuthority[] {
  return las.map((la) => {
    const points = [
      ...settings.filter((s) => s.laCode === la.laCode),
      ...districts.filter((d) => d.laCode === la.laCode),
    ];
    const farthest = points.reduce((m, p) => Math.max(m, distanceKm(la, p)), 0);
    return { ...la, extentKm: Math.ceil(farthest + 5) };
  });
}

export interface BuiltReferenceData extends ReferenceData {
  source: 'generated' | 'data_dir';
  skipped: { file: string; line: number; reason: string }[];
}

/**
 * Reference and demo data. With a data folder holding the public files, all 153 LAs, every
 * region as a partnership, every English postcode district and the DfE independent special
 * school lists; without one, the 19 South East LAs and SE19 from the figures embedded here.
 * Settings not taken from a public list are generated, the same for the same seed.
 */
export function buildReferenceData(options: {
  dataDir?: string;
  seed?: number;
  framework?: Framework;
}): BuiltReferenceData {
  const framework = options.framework ?? FRAMEWORK_V1;
  const seed = options.seed ?? DEFAULT_SEED;
  if (hasDataDir(options.dataDir)) {
    const real = loadRealData(options.dataDir);
    const plans: LaPlan[] = real.las.map((la) => ({
      la,
      districts: real.districtsByLa.get(la.laCode)!,
      settings: settingsFor(real.populationK.get(la.laCode) ?? 0),
    }));
    const settings = generateSettings({ plans, named: real.named, framework, seed });
    return {
      source: 'data_dir',
      las: withExtents(real.las, settings, real.districts),
      partnerships: regionalPartnerships(real.las),
      frameworks: [framework],
      districts: real.districts,
      settings,
      skipped: real.skipped,
    };
  }
  const las = southEastLocalAuthorities();
  const districts: PostcodeDistrict[] = SOUTH_EAST_LAS.flatMap((la) =>
    la.districts.map(([district, lat, lon]) => ({ district, lat, lon, laCode: la.laCode })),
  );
  const plans: LaPlan[] = SOUTH_EAST_LAS.map((la, i) => ({
    la: las[i]!,
    districts: la.districts.map(([district, lat, lon, town]): DistrictPoint => ({ district, lat, lon, town })),
    settings: settingsFor(la.populationK),
  }));
  const settings = generateSettings({ plans, framework, seed });
  return {
    source: 'generated',
    las: withExtents(las, settings, districts),
    partnerships: regionalPartnerships(las),
    frameworks: [framework],
    districts,
    settings,
    skipped: [],
  };
}
