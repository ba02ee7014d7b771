/**
 * SEN primary need codes as used in the DfE SEN2 return and school census.
 * DS (Down syndrome) was added to SEN2 in 2025.
 */
export const NEED_CODES = [
  'SpLD',
  'MLD',
  'SLD',
  'PMLD',
  'SEMH',
  'SLCN',
  'HI',
  'VI',
  'MSI',
  'PD',
  'ASD',
  'OTH',
  'DS',
] as const;

export type NeedCode = (typeof NEED_CODES)[number];

export const NEED_NAMES: Record<NeedCode, string> = {
  SpLD: 'Specific learning difficulty',
  MLD: 'Moderate learning difficulty',
  SLD: 'Severe learning difficulty',
  PMLD: 'Profound and multiple learning difficulty',
  SEMH: 'Social, emotional and mental health',
  SLCN: 'Speech, language and communication needs',
  HI: 'Hearing impairment',
  VI: 'Visual impairment',
  MSI: 'Multi-sensory impairment',
  PD: 'Physical disability',
  ASD: 'Autistic spectrum disorder',
  OTH: 'Other difficulty or disability',
  DS: 'Down syndrome',
};

/** Needs whose provision is rare and costly: these are searched across boundaries first. */
export const LOW_INCIDENCE_NEEDS: readonly NeedCode[] = ['PMLD', 'MSI', 'HI', 'VI'];

export function isNeedCode(value: string): value is NeedCode {
  return (NEED_CODES as readonly string[]).includes(value);
}

/**
 * Needs from rarest to most common as the primary need of EHC plans in England (DfE, Education,
 * health and care plans, 2024/25: MSI 1,692 … ASD 201,183; DS is new to the return and rare).
 * A search for several needs reads the index of the rarest one and checks the others.
 */
export const NEEDS_RAREST_FIRST: readonly NeedCode[] = [
  'MSI',
  'DS',
  'VI',
  'OTH',
  'PMLD',
  'HI',
  'SpLD',
  'PD',
  'SLD',
  'MLD',
  'SEMH',
  'SLCN',
  'ASD',
];

export function rarestNeed(needs: readonly NeedCode[]): NeedCode | undefined {
  return NEEDS_RAREST_FIRST.find((n) => needs.includes(n)) ?? needs[0];
}
