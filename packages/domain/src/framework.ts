import type { NeedCode } from './needs.ts';
import type { Attendance, SettingType } from './setting.ts';

/**
 * The national framework: bands cluster provision types by level of need; each band has a
 * tariff, the price commissioners pay, built from elements, with a permitted local variation.
 * Money is in pence per year. The basis for v1's figures is in docs/framework.md.
 */
export interface Band {
  code: string;
  name: string;
  description: string;
  /** 1 (lowest) to 5 (highest, low-incidence and high-cost). */
  needLevel: 1 | 2 | 3 | 4 | 5;
  provisionTypes: SettingType[];
  /** Needs this band is typically commissioned for (guidance, not a restriction). */
  typicalNeeds: NeedCode[];
  /** Whether a listing in this band may be residential. */
  residentialAllowed: boolean;
}

export interface TariffElements {
  /** Core place funding (element 1 + 2 equivalent). */
  placeFunding: number;
  /** Top-up that pays for the staffing ratio below. */
  topUp: number;
  staffRatio: string;
  /** Therapies commonly needed at this band (SALT, OT, physiotherapy). */
  therapies: number;
  /** Added for residential attendance; zero for day places. */
  residential: Record<Attendance, number>;
}

export interface Tariff {
  band: string;
  elements: TariffElements;
  /** Day price: placeFunding + topUp + therapies. */
  annualPrice: number;
  /** Allowed local variation around the tariff, in percent (below is negative). */
  variation: { minPercent: number; maxPercent: number };
}

export interface Framework {
  version: string;
  /** YYYY-MM-DD: prices follow the framework in force on their effective date. */
  effectiveFrom: string;
  publishedAt: string;
  bands: Band[];
  tariffs: Tariff[];
}

const POUNDS = 100;
const SPECIALIST: SettingType[] = [
  'special_maintained',
  'special_academy',
  'non_maintained_special',
  'independent_special',
];
const VARIATION = { minPercent: -10, maxPercent: 15 };
const RESIDENTIAL = { day: 0, residential_38: 38_000 * POUNDS, residential_52: 70_000 * POUNDS };
const NO_RESIDENTIAL = { day: 0, residential_38: 0, residential_52: 0 };

function tariff(
  band: string,
  placeFunding: number,
  topUp: number,
  staffRatio: string,
  therapies: number,
  residential = NO_RESIDENTIAL,
): Tariff {
  const elements = {
    placeFunding: placeFunding * POUNDS,
    topUp: topUp * POUNDS,
    staffRatio,
    therapies: therapies * POUNDS,
    residential,
  };
  return {
    band,
    elements,
    annualPrice: elements.placeFunding + elements.topUp + elements.therapies,
    variation: VARIATION,
  };
}

/** National framework v1, anchored on the Green Paper's £10,000 place funding, £22,000 and £54,000. */
export const FRAMEWORK_V1: Framework = {
  version: 'v1',
  effectiveFrom: '2026-09-01',
  publishedAt: '2026-06-01T00:00:00.000Z',
  bands: [
    {
      code: 'M1',
      name: 'Mainstream with targeted support',
      description: 'A mainstream or early years place with an individual support plan and some adult support.',
      needLevel: 1,
      provisionTypes: ['mainstream', 'early_years'],
      typicalNeeds: ['SpLD', 'MLD', 'SLCN', 'ASD', 'SEMH'],
      residentialAllowed: false,
    },
    {
      code: 'M2',
      name: 'Resourced provision or SEN unit',
      description:
        "A place in a mainstream school's resourced provision or SEN unit, taught partly in specialist groups.",
      needLevel: 2,
      provisionTypes: ['resourced_provision', 'sen_unit'],
      typicalNeeds: ['ASD', 'SLCN', 'HI', 'VI', 'PD', 'MLD'],
      residentialAllowed: false,
    },
    {
      code: 'A1',
      name: 'Alternative provision',
      description:
        'A time-limited or long-term alternative provision place, usually for social, emotional and mental health needs.',
      needLevel: 2,
      provisionTypes: ['alternative_provision'],
      typicalNeeds: ['SEMH'],
      residentialAllowed: false,
    },
    {
      code: 'S1',
      name: 'Specialist day, moderate complexity',
      description:
        'A special school day place for needs that mainstream cannot meet, in classes of about ten with two adults.',
      needLevel: 3,
      provisionTypes: SPECIALIST,
      typicalNeeds: ['MLD', 'ASD', 'SLCN', 'SEMH'],
      residentialAllowed: true,
    },
    {
      code: 'S2',
      name: 'Specialist day, complex needs',
      description:
        'A special school place with a high staffing ratio and regular therapy; the average state special school placement.',
      needLevel: 4,
      provisionTypes: SPECIALIST,
      typicalNeeds: ['SLD', 'ASD', 'SEMH', 'PD', 'DS'],
      residentialAllowed: true,
    },
    {
      code: 'S3',
      name: 'Specialist, severe and complex needs',
      description:
        'A place with close individual support and integrated therapy for severe, complex or multiple needs.',
      needLevel: 4,
      provisionTypes: SPECIALIST,
      typicalNeeds: ['SLD', 'ASD', 'PD', 'HI', 'VI'],
      residentialAllowed: true,
    },
    {
      code: 'S4',
      name: 'Specialist, low-incidence and high-cost',
      description: 'Provision for rare needs (PMLD, MSI, HI or VI with complex needs) usually commissioned regionally.',
      needLevel: 5,
      provisionTypes: SPECIALIST,
      typicalNeeds: ['PMLD', 'MSI', 'HI', 'VI'],
      residentialAllowed: true,
    },
    {
      code: 'P1',
      name: 'Further education with high-needs support',
      description: 'A general FE college place with learning support for a young person with an EHC plan.',
      needLevel: 2,
      provisionTypes: ['fe_college'],
      typicalNeeds: ['MLD', 'ASD', 'SLCN', 'SEMH', 'SpLD'],
      residentialAllowed: false,
    },
    {
      code: 'P2',
      name: 'Specialist post-16 institution',
      description: 'A place at a specialist post-16 institution for a young person with complex needs.',
      needLevel: 4,
      provisionTypes: ['special_post16'],
      typicalNeeds: ['SLD', 'ASD', 'PMLD', 'PD'],
      residentialAllowed: true,
    },
  ],
  tariffs: [
    tariff('M1', 6_000, 4_000, '1:10', 0),
    tariff('M2', 10_000, 6_000, '1:6', 1_000),
    tariff('A1', 10_000, 8_000, '1:4', 500),
    tariff('S1', 10_000, 7_000, '1:5', 1_000, RESIDENTIAL),
    tariff('S2', 10_000, 10_000, '1:3', 2_000, RESIDENTIAL),
    tariff('S3', 10_000, 20_000, '1:2', 5_000, RESIDENTIAL),
    tariff('S4', 10_000, 34_000, '1:1', 10_000, RESIDENTIAL),
    tariff('P1', 6_000, 7_000, '1:8', 1_000),
    tariff('P2', 10_000, 22_000, '1:3', 4_000, RESIDENTIAL),
  ],
};

export function findBand(framework: Framework, code: string): Band | undefined {
  return framework.bands.find((b) => b.code === code);
}

export function findTariff(framework: Framework, band: string): Tariff | undefined {
  return framework.tariffs.find((t) => t.band === band);
}

/** The tariff price in pence per year for a band and attendance pattern. */
export function tariffPrice(framework: Framework, band: string, attendance: Attendance): number | undefined {
  const t = findTariff(framework, band);
  return t === undefined ? undefined : t.annualPrice + t.elements.residential[attendance];
}

/** The price range the framework allows around the tariff, in whole pence. */
export function allowedPriceRange(
  framework: Framework,
  band: string,
  attendance: Attendance,
): { min: number; max: number } | undefined {
  const t = findTariff(framework, band);
  const base = tariffPrice(framework, band, attendance);
  if (t === undefined || base === undefined) return undefined;
  return {
    min: Math.ceil((base * (100 + t.variation.minPercent)) / 100),
    max: Math.floor((base * (100 + t.variation.maxPercent)) / 100),
  };
}

/** The framework in force on a date: the latest whose effective date is on or before it. */
export function frameworkInForce<F extends Pick<Framework, 'effectiveFrom'>>(
  frameworks: readonly F[],
  date: string,
): F | undefined {
  let best: F | undefined;
  for (const f of frameworks) {
    if (f.effectiveFrom <= date && (best === undefined || f.effectiveFrom > best.effectiveFrom)) best = f;
  }
  return best;
}

/** Bands a provision type may offer, lowest need level first. */
export function bandsForType(framework: Framework, type: SettingType): Band[] {
  return framework.bands.filter((b) => b.provisionTypes.includes(type)).sort((a, b) => a.needLevel - b.needLevel);
}
