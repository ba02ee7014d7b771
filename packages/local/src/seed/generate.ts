import {
  availablePlaces,
  bandsForType,
  defaultGovernance,
  findBand,
  seededRandom,
  tariffPrice,
  allowedPriceRange,
  type Attendance,
  type Framework,
  type Governance,
  type Listing,
  type LocalAuthority,
  type NeedCode,
  type Random,
  type SettingSource,
  type SettingType,
  type SettingWithListings,
} from '@placements/domain';

export interface DistrictPoint {
  district: string;
  lat: number;
  lon: number;
  town: string;
}

/** How many generated settings an LA gets, and where they may be. */
export interface LaPlan {
  la: LocalAuthority;
  districts: DistrictPoint[];
  settings: number;
}

/** A real setting from a public list (name, LA) whose other details are generated. */
export interface NamedSetting {
  name: string;
  laCode: string;
  type: 'independent_special' | 'special_post16';
  section41: boolean;
  source: SettingSource;
}

export interface GenerateInput {
  plans: LaPlan[];
  named?: NamedSetting[];
  framework: Framework;
  seed: number;
  /** Generated URNs count up from here: 9xxxxx is unused by GIAS, so demo URNs never collide with real ones. */
  firstUrn?: number;
  /** Listings per setting, [fewest, most]; the demo data uses [1, 3]. Benchmarks ask for more. */
  listingsPerSetting?: [number, number];
}

/** Share of each provision type among an LA's generated settings; every type appears in a region. */
const TYPE_MIX: [SettingType, number][] = [
  ['mainstream', 20],
  ['resourced_provision', 18],
  ['sen_unit', 10],
  ['special_maintained', 12],
  ['special_academy', 12],
  ['non_maintained_special', 3],
  ['independent_special', 10],
  ['alternative_provision', 6],
  ['fe_college', 4],
  ['special_post16', 3],
  ['early_years', 2],
];

const TRUST_NAMES = [
  'Aspire',
  'Horizon',
  'Oak Tree',
  'Coastal',
  'Downs',
  'Weald',
  'Chiltern',
  'Solent',
  'Thames Valley',
  'Pioneer',
  'Bright Futures',
  'Compass',
  'Unity',
  'Lighthouse',
  'Evolve',
];
const SCHOOL_WORDS = [
  'Park',
  'Meadow',
  'Hill',
  'Valley',
  'Brook',
  'Green',
  'Oaks',
  'Fields',
  'Grange',
  'Croft',
  'Beacon',
  'Willows',
];

/** Needs each kind of provision typically specialises in. */
const NEEDS_BY_TYPE: Record<SettingType, NeedCode[]> = {
  mainstream: ['SpLD', 'MLD', 'SLCN', 'ASD', 'SEMH'],
  resourced_provision: ['ASD', 'SLCN', 'HI', 'VI', 'PD', 'MLD'],
  sen_unit: ['ASD', 'SLCN', 'HI', 'MLD'],
  special_maintained: ['SLD', 'PMLD', 'ASD', 'MLD', 'PD', 'SLCN', 'DS', 'SEMH'],
  special_academy: ['SLD', 'PMLD', 'ASD', 'MLD', 'PD', 'SLCN', 'DS', 'SEMH'],
  non_maintained_special: ['HI', 'VI', 'MSI', 'PD', 'PMLD', 'SLCN'],
  independent_special: ['ASD', 'SEMH', 'SLD', 'PMLD', 'MSI', 'HI', 'VI', 'SLCN'],
  alternative_provision: ['SEMH', 'ASD'],
  fe_college: ['MLD', 'ASD', 'SLCN', 'SEMH', 'SpLD', 'PD'],
  special_post16: ['SLD', 'ASD', 'PMLD', 'PD', 'MSI'],
  early_years: ['SLCN', 'ASD', 'DS', 'PD'],
};

/** Age ranges each kind of provision serves: [ageMin, ageMax] options. */
const AGES_BY_TYPE: Record<SettingType, [number, number][]> = {
  mainstream: [
    [4, 11],
    [11, 16],
    [11, 18],
  ],
  resourced_provision: [
    [4, 11],
    [11, 16],
    [11, 18],
  ],
  sen_unit: [
    [4, 11],
    [11, 16],
  ],
  special_maintained: [
    [2, 19],
    [4, 19],
    [4, 11],
    [11, 19],
  ],
  special_academy: [
    [4, 19],
    [11, 19],
    [4, 11],
  ],
  non_maintained_special: [
    [5, 19],
    [3, 19],
  ],
  independent_special: [
    [7, 19],
    [11, 19],
    [5, 16],
    [8, 18],
  ],
  alternative_provision: [
    [11, 16],
    [5, 16],
  ],
  fe_college: [[16, 25]],
  special_post16: [
    [16, 25],
    [19, 25],
  ],
  early_years: [[2, 5]],
};

const PLACES_BY_TYPE: Record<SettingType, [number, number]> = {
  mainstream: [2, 8],
  resourced_provision: [8, 20],
  sen_unit: [6, 14],
  special_maintained: [20, 60],
  special_academy: [20, 60],
  non_maintained_special: [10, 30],
  independent_special: [6, 30],
  alternative_provision: [10, 30],
  fe_college: [20, 80],
  special_post16: [8, 30],
  early_years: [2, 6],
};

function governanceFor(type: SettingType, rnd: Random): Governance {
  const implied = defaultGovernance(type);
  if (implied !== undefined) return implied;
  if (type === 'early_years') return rnd.chance(0.5) ? 'maintained' : 'independent';
  // Mainstream, resourced provision, units and AP: most now academies, the rest maintained.
  return rnd.chance(0.6) ? 'academy' : 'maintained';
}

function nameFor(type: SettingType, town: string, rnd: Random, ageMin: number): string {
  const word = rnd.pick(SCHOOL_WORDS);
  const phase = ageMin < 11 ? 'Primary School' : 'School';
  switch (type) {
    case 'mainstream':
      return `${town} ${word} ${phase}`;
    case 'resourced_provision':
      return `${town} ${word} ${phase} (resourced provision)`;
    case 'sen_unit':
      return `${town} ${word} ${phase} (SEN unit)`;
    case 'special_maintained':
    case 'special_academy':
      return `${rnd.chance(0.5) ? 'The' : town} ${word} Special School`;
    case 'non_maintained_special':
      return `${town} ${rnd.pick(['Sensory', 'Hearing', 'Sight', 'Physical'])} Centre School`;
    case 'independent_special':
      return `${word} House School, ${town}`;
    case 'alternative_provision':
      return `${town} ${rnd.pick(['Learning Centre', 'Pupil Referral Unit', 'AP Academy'])}`;
    case 'fe_college':
      return `${town} College`;
    case 'special_post16':
      return `${word} Specialist College, ${town}`;
    case 'early_years':
      return `${town} ${word} Nursery`;
  }
}

function listingsFor(
  perSetting: [number, number] | undefined,
  urn: string,
  type: SettingType,
  needs: NeedCode[],
  ageMin: number,
  ageMax: number,
  governance: Governance,
  framework: Framework,
  rnd: Random,
): Listing[] {
  const bands = bandsForType(framework, type);
  if (bands.length === 0) return [];
  // The demo's own mix; with perSetting, exactly that many (repeated bands get numbered ids).
  const count =
    perSetting === undefined ? Math.min(bands.length + 1, rnd.int(1, 3)) : rnd.int(perSetting[0], perSetting[1]);
  const out: Listing[] = [];
  const used = new Set<string>();
  const [minPlaces, maxPlaces] = PLACES_BY_TYPE[type];
  for (let i = 0; i < count; i++) {
    // Independent and non-maintained settings lean towards the higher bands.
    const band =
      governance === 'independent' || governance === 'non_maintained'
        ? bands[Math.min(bands.length - 1, rnd.int(1, bands.length))]!
        : rnd.pick(bands);
    const residential =
      findBand(framework, band.code)?.residentialAllowed === true &&
      (governance === 'independent' || governance === 'non_maintained') &&
      rnd.chance(0.3);
    const attendance: Attendance = residential ? rnd.pick(['residential_38', 'residential_52'] as const) : 'day';
    let listingId = `${band.code.toLowerCase()}-${attendance.replace('_', '')}`;
    if (used.has(listingId)) {
      if (perSetting === undefined) continue;
      listingId = `${listingId}-${i + 1}`;
    }
    used.add(listingId);
    const listingNeeds = rnd.sample(needs, rnd.int(1, Math.min(3, needs.length)));
    const span = ageMax - ageMin;
    const from = ageMin + (span > 6 && rnd.chance(0.3) ? rnd.int(0, Math.floor(span / 2)) : 0);
    const commissioned = rnd.int(minPlaces, maxPlaces);
    // Most specialist provision is full: a third of listings have a place now.
    const free = rnd.chance(0.35) ? rnd.int(1, Math.max(1, Math.floor(commissioned / 5))) : 0;
    const filled = commissioned - free;
    const tariff = tariffPrice(framework, band.code, attendance)!;
    const range = allowedPriceRange(framework, band.code, attendance)!;
    const varied = rnd.chance(governance === 'independent' ? 0.4 : 0.1);
    const price = varied ? rnd.int(Math.ceil(range.min / 10_000), Math.floor(range.max / 10_000)) * 10_000 : tariff;
    const monthsAhead = free > 0 ? 0 : rnd.int(1, 9);
    const counts = { commissioned, filled, held: 0 };
    out.push({
      listingId,
      urn,
      band: band.code,
      needs: listingNeeds,
      ageMin: from,
      ageMax,
      attendance,
      ...counts,
      available: availablePlaces(counts),
      availableFrom: addMonths(framework.effectiveFrom, monthsAhead),
      price,
      frameworkVersion: framework.version,
      ...(price !== tariff
        ? {
            variationReason:
              price > tariff
                ? 'Enhanced staffing and on-site therapy team'
                : 'Shared site costs below the national assumption',
          }
        : {}),
      version: 1,
      updatedAt: `${framework.effectiveFrom}T09:00:00.000Z`,
    });
  }
  return out;
}

function addMonths(date: string, months: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCMonth(d.getUTCMonth() + months);
  return d.toISOString().slice(0, 10);
}

/** Types for `n` settings in the mix above, with each type at least once when n allows. */
function typesFor(n: number, rnd: Random): SettingType[] {
  const total = TYPE_MIX.reduce((s, [, w]) => s + w, 0);
  const out: SettingType[] = [];
  for (const [type, weight] of TYPE_MIX) {
    const exact = (n * weight) / total;
    const whole = Math.floor(exact) + (rnd.next() < exact - Math.floor(exact) ? 1 : 0);
    for (let i = 0; i < whole; i++) out.push(type);
  }
  while (out.length < n) out.push(rnd.pick(TYPE_MIX)[0]);
  return out.slice(0, n);
}

/**
 * Builds plausible settings with listings for each LA, deterministically for a seed. Everything
 * generated carries source "generated" so nobody mistakes it for a real school.
 */
export function generateSettings(input: GenerateInput): SettingWithListings[] {
  const rnd = seededRandom(input.seed);
  let nextUrn = input.firstUrn ?? 900_001;
  const trusts = TRUST_NAMES.map((name, i) => ({
    id: `TR${String(i + 1).padStart(3, '0')}`,
    name: `${name} Learning Trust`,
  }));
  const out: SettingWithListings[] = [];

  const make = (plan: LaPlan, type: SettingType, named?: NamedSetting) => {
    const where = rnd.pick(plan.districts);
    const [ageMin, ageMax] = rnd.pick(AGES_BY_TYPE[type]);
    const governance = governanceFor(type, rnd);
    const urn = String(nextUrn++);
    const specialisms = rnd.sample(
      NEEDS_BY_TYPE[type],
      rnd.int(type === 'mainstream' || type === 'fe_college' ? 4 : 1, Math.min(4, NEEDS_BY_TYPE[type].length)),
    );
    const trust = governance === 'academy' ? rnd.pick(trusts) : undefined;
    const setting: SettingWithListings = {
      urn,
      name: named?.name ?? nameFor(type, where.town, rnd, ageMin),
      type,
      governance,
      laCode: plan.la.laCode,
      // Academies publish through their trust; other settings through their own account.
      providerId: trust?.id ?? `PRV${urn}`,
      ...(trust !== undefined ? { trustId: trust.id } : {}),
      ...(type === 'fe_college' || type === 'special_post16'
        ? { ukprn: String(10_000_000 + ((Number(urn) * 7) % 9_000_000)) }
        : {}),
      district: where.district,
      lat: Math.round((where.lat + (rnd.next() - 0.5) * 0.03) * 10_000) / 10_000,
      lon: Math.round((where.lon + (rnd.next() - 0.5) * 0.05) * 10_000) / 10_000,
      ageMin,
      ageMax,
      needs: specialisms,
      section41:
        named?.section41 ??
        ((type === 'independent_special' && rnd.chance(0.7)) || (type === 'special_post16' && rnd.chance(0.8))),
      source: named?.source ?? 'generated',
      listings: [],
    };
    setting.listings = listingsFor(
      input.listingsPerSetting,
      urn,
      type,
      specialisms,
      ageMin,
      ageMax,
      governance,
      input.framework,
      rnd,
    );
    out.push(setting);
  };

  for (const plan of input.plans) {
    for (const type of typesFor(plan.settings, rnd)) make(plan, type);
  }
  const planByLa = new Map(input.plans.map((p) => [p.la.laCode, p]));
  for (const named of input.named ?? []) {
    const plan = planByLa.get(named.laCode);
    if (plan !== undefined) make(plan, named.type, named);
  }
  return out;
}
