/**
 * SEN primary need codes as used in the DfE SEN2 return and school census.
 * DS (Down syndrome) was added to SEN2 in 2025.
 */
export const NEED_CODES = [
  'SpLD', 'MLD', 'SLD', 'PMLD', 'SEMH', 'SLCN', 'HI', 'VI', 'MSI', 'PD', 'ASD', 'OTH', 'DS',
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
