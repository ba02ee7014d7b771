import type { Governance } from './setting.ts';

export const PLACEMENT_STATES = [
  'consulting',
  'accepted',
  'declined',
  'named',
  'admitted',
  'refused',
  'directed',
  'withdrawn',
] as const;
export type PlacementState = (typeof PLACEMENT_STATES)[number];

/** The legal tests a setting may give for declining (Children and Families Act 2014, s.39(4)/s.33). */
export const DECLINE_REASONS = [
  'unsuitable_age_ability_aptitude_or_sen',
  'incompatible_with_efficient_education_of_others',
  'incompatible_with_efficient_use_of_resources',
] as const;
export type DeclineReason = (typeof DECLINE_REASONS)[number];

export const DIRECTION_KINDS = ['la_direction', 'trust_backstop'] as const;
export type DirectionKind = (typeof DIRECTION_KINDS)[number];
export const DIRECTION_STATES = ['issued', 'appealed', 'upheld', 'overturned', 'complied'] as const;
export type DirectionState = (typeof DIRECTION_STATES)[number];

export interface Placement {
  id: string;
  caseId: string;
  laCode: string;
  urn: string;
  listingId: string;
  providerId: string;
  trustId?: string;
  governance: Governance;
  state: PlacementState;
  rank: number;
  skipped: { urn: string; rank: number; reason: string }[];
  /** YYYY-MM-DD: the setting must answer the consultation by this date (15 calendar days). */
  respondBy: string;
  declineReasons?: DeclineReason[];
  declineDetail?: string;
  namingNote?: string;
  refusalReason?: string;
  /** The place was offered from the listing's waiting list when it was freed. */
  fromWaitingList?: boolean;
  /** The batch allocation round that allocated the place. */
  roundId?: string;
  /** What the regional counters need, fixed at allocation: the case's band and primary need, the
   * setting's host LA, the distance from the home district's centroid, the price and the tariff. */
  band?: string;
  need?: string;
  hostLaCode?: string;
  distanceKm?: number;
  price?: number;
  tariff?: number;
  /** The listing's band and attendance (the price's basis; for mainstream the case's band may differ). */
  listingBand?: string;
  attendance?: string;
  /** The place came from a partnership's block-commissioned places (see Listing.blockFor). */
  blockPartnershipId?: string;
  createdAt: string;
  version: number;
}

/** The consultation answer is due 15 calendar days after it is sent. */
export const CONSULTATION_DAYS = 15;

export function addDays(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/** Which placement states each action may start from: anything else is a 409 naming the state. */
export const PLACEMENT_TRANSITIONS: Record<string, { from: PlacementState[]; to: PlacementState }> = {
  accept: { from: ['consulting'], to: 'accepted' },
  decline: { from: ['consulting'], to: 'declined' },
  name: { from: ['accepted', 'declined'], to: 'named' },
  admit: { from: ['named', 'directed'], to: 'admitted' },
  refuse: { from: ['named'], to: 'refused' },
  direct: { from: ['refused'], to: 'directed' },
  withdraw: { from: ['consulting', 'accepted', 'declined', 'named', 'refused', 'directed'], to: 'withdrawn' },
};

/** Only maintained schools and academies can be named against their will or directed. */
export function directionKind(governance: Governance): DirectionKind | undefined {
  if (governance === 'maintained') return 'la_direction';
  if (governance === 'academy') return 'trust_backstop';
  return undefined;
}

export interface Direction {
  id: string;
  placementId: string;
  caseId: string;
  laCode: string;
  urn: string;
  kind: DirectionKind;
  /** The trust that may appeal a backstop direction. */
  trustId?: string;
  state: DirectionState;
  issuedAt: string;
  appealGrounds?: string;
  determinedAt?: string;
  /** The Schools Adjudicator's reasons for upholding or overturning. */
  determinationReasons?: string;
  version: number;
}

/** Which direction states each action may start from. */
export const DIRECTION_TRANSITIONS: Record<string, { from: DirectionState[]; to: DirectionState }> = {
  appeal: { from: ['issued'], to: 'appealed' },
  uphold: { from: ['appealed'], to: 'upheld' },
  overturn: { from: ['appealed'], to: 'overturned' },
  comply: { from: ['issued', 'upheld'], to: 'complied' },
};

/**
 * What the setting's provider sees of a placement: what it needs to answer the consultation and
 * record admission (the listing, the band and need, the price, the deadline, its own answers).
 * Nothing of the family's other preferences (rank, the settings passed over and why), the case id,
 * the distance from the child's home or how the place came (a round, a waiting list).
 */
export const PROVIDER_PLACEMENT_FIELDS = [
  'id',
  'laCode',
  'urn',
  'listingId',
  'providerId',
  'trustId',
  'governance',
  'state',
  'respondBy',
  'declineReasons',
  'declineDetail',
  'refusalReason',
  'band',
  'need',
  'listingBand',
  'attendance',
  'price',
  'tariff',
  'blockPartnershipId',
  'createdAt',
  'version',
] as const satisfies readonly (keyof Placement)[];
export type ProviderPlacement = Pick<Placement, (typeof PROVIDER_PLACEMENT_FIELDS)[number]>;

/** A placement as a role sees it: the owning LA sees all of it, a provider its own view. */
export function placementSeenBy(role: string, p: Placement): Placement | ProviderPlacement {
  if (role === 'la') return p;
  const view: Record<string, unknown> = {};
  for (const k of PROVIDER_PLACEMENT_FIELDS) if (p[k] !== undefined) view[k] = p[k];
  return view as ProviderPlacement;
}
