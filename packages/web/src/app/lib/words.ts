import type { Attendance, SettingType } from '@placements/domain/setting.ts';
import type { DeclineReason, PlacementState } from '@placements/domain/placement.ts';

/** Plain-English names for the API's codes; the codes themselves stay the domain's words. */
export const SETTING_TYPE_NAMES: Record<SettingType, string> = {
  mainstream: 'Mainstream school',
  resourced_provision: 'Mainstream with resourced provision',
  sen_unit: 'Mainstream with a SEN unit',
  special_maintained: 'Maintained special school',
  special_academy: 'Special academy or free school',
  non_maintained_special: 'Non-maintained special school',
  independent_special: 'Independent special school',
  alternative_provision: 'Alternative provision',
  fe_college: 'General FE college',
  special_post16: 'Special post-16 institution',
  early_years: 'Early years',
};

export const ATTENDANCE_NAMES: Record<Attendance, string> = {
  day: 'Day',
  residential_38: 'Residential, 38 weeks',
  residential_52: 'Residential, 52 weeks',
};

export const DECLINE_REASON_NAMES: Record<DeclineReason, string> = {
  unsuitable_age_ability_aptitude_or_sen: 'Unsuitable for the child’s age, ability, aptitude or SEN',
  incompatible_with_efficient_education_of_others: 'Incompatible with the efficient education of others',
  incompatible_with_efficient_use_of_resources: 'Incompatible with the efficient use of resources',
};

export const PLACEMENT_STATE_NAMES: Record<PlacementState, string> = {
  consulting: 'Consulting the setting',
  accepted: 'Accepted by the setting',
  declined: 'Declined by the setting',
  named: 'Named in the EHCP',
  admitted: 'Admitted',
  refused: 'Admission refused',
  directed: 'Directed to admit',
  withdrawn: 'Withdrawn',
};

export const CASE_STATE_NAMES: Record<string, string> = {
  open: 'Open: no place yet',
  allocated: 'Allocated: place held',
  named: 'Setting named',
  placed: 'Placed',
  closed: 'Closed',
};

export const ROLE_NAMES: Record<string, string> = {
  la: 'LA commissioner',
  provider: 'Provider',
  partnership: 'Regional coordinator',
  national: 'National team',
  trust: 'Trust',
  adjudicator: 'Schools Adjudicator',
};

export const SCOPE_NAMES = { la: 'My LA only', partnership: 'My partnership', national: 'England' } as const;
