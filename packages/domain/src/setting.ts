import type { NeedCode } from './needs.ts';

/** Provision types a setting can be (api.md, Setting.type). */
export const SETTING_TYPES = [
  'mainstream',
  'resourced_provision',
  'sen_unit',
  'special_maintained',
  'special_academy',
  'non_maintained_special',
  'independent_special',
  'alternative_provision',
  'fe_college',
  'special_post16',
  'early_years',
] as const;
export type SettingType = (typeof SETTING_TYPES)[number];

export const GOVERNANCE = ['maintained', 'academy', 'non_maintained', 'independent', 'fe'] as const;
export type Governance = (typeof GOVERNANCE)[number];

export const ATTENDANCE = ['day', 'residential_38', 'residential_52'] as const;
export type Attendance = (typeof ATTENDANCE)[number];

/** Where a setting's record came from, so demo data is never mistaken for a real school. */
export const SETTING_SOURCES = ['generated', 'dfe_s41_list', 'dfe_independent_special_list', 'gias'] as const;
export type SettingSource = (typeof SETTING_SOURCES)[number];

export interface Listing {
  listingId: string;
  urn: string;
  band: string;
  needs: NeedCode[];
  ageMin: number;
  ageMax: number;
  attendance: Attendance;
  commissioned: number;
  filled: number;
  held: number;
  /** Derived: commissioned − filled − held, never below zero. Stored so conditions can test it. */
  available: number;
  availableFrom: string;
  /** Pence per year. */
  price: number;
  /** The framework version whose tariff priced (or bounded) this listing. */
  frameworkVersion: string;
  variationReason?: string;
  /**
   * Places block-commissioned by a partnership: only its member LAs may allocate them. Set only by
   * the partnership accepting the provider's offer (reservationId names it; see reservation.ts).
   */
  blockFor?: { partnershipId: string; places: number; reservationId?: string };
  /** Block places in use by members' placements (held or filled). */
  blockUsed?: number;
  /**
   * Places anyone may take: available less the block places still unused. Stored, like
   * available, so an allocation by a non-member can be conditioned on it.
   */
  availableToAll?: number;
  version: number;
  updatedAt: string;
}

export interface Setting {
  urn: string;
  name: string;
  type: SettingType;
  governance: Governance;
  laCode: string;
  providerId: string;
  trustId?: string;
  ukprn?: string;
  district: string;
  lat: number;
  lon: number;
  ageMin: number;
  ageMax: number;
  needs: NeedCode[];
  section41: boolean;
  source: SettingSource;
  /** As GIAS records it (Primary, Secondary, All-through, 16 plus…), where known. */
  phase?: string;
  trustName?: string;
  /** Places in the setting's resourced provision and SEN unit, from GIAS. */
  resourcedProvisionCapacity?: number;
  senUnitCapacity?: number;
}

export interface SettingWithListings extends Setting {
  listings: Listing[];
}

/** available = commissioned − filled − held, floored at zero (domain rule 1). */
export function availablePlaces(counts: { commissioned: number; filled: number; held: number }): number {
  return Math.max(0, counts.commissioned - counts.filled - counts.held);
}

/** Block places not yet used: reserved for the partnership's members. */
export function blockPlacesLeft(l: Pick<Listing, 'blockFor' | 'blockUsed'>): number {
  return l.blockFor === undefined ? 0 : Math.max(0, l.blockFor.places - (l.blockUsed ?? 0));
}

/** Places a non-member may take: available less the unused block places. */
export function placesAvailableToAll(l: Pick<Listing, 'available' | 'blockFor' | 'blockUsed'>): number {
  return Math.max(0, l.available - blockPlacesLeft(l));
}

/**
 * A listing as anyone but its provider sees it: published capacity (commissioned, places free,
 * price, the block's partnership and size) without the live counts of children behind it. `held`
 * (consultations under way) and `blockUsed` (members' placements in the block) are counts of
 * children; `filled` and `availableToAll` are left out too, since held = commissioned − filled −
 * available and the block's use = places − (available − availableToAll) would give them back.
 */
export type PublicListing = Omit<Listing, 'held' | 'filled' | 'blockUsed' | 'availableToAll'>;
export function publicListing(l: Listing): PublicListing {
  const { held: _h, filled: _f, blockUsed: _u, availableToAll: _x, ...published } = l;
  if (published.blockFor !== undefined)
    published.blockFor = {
      partnershipId: published.blockFor.partnershipId,
      places: published.blockFor.places,
    };
  return published;
}

/** The setting as `viewer` sees it: whole to the provider that runs it, published capacity to anyone else. */
export function settingSeenBy<S extends SettingWithListings>(
  s: S,
  viewer: { role: string; org: string } | undefined,
): S | (Omit<S, 'listings'> & { listings: PublicListing[] }) {
  if (viewer?.role === 'provider' && viewer.org === s.providerId) return s;
  return { ...s, listings: s.listings.map(publicListing) };
}

/** The governance a provision type implies, where it implies one. */
export function defaultGovernance(type: SettingType): Governance | undefined {
  switch (type) {
    case 'special_academy':
      return 'academy';
    case 'special_maintained':
      return 'maintained';
    case 'non_maintained_special':
      return 'non_maintained';
    case 'independent_special':
      return 'independent';
    case 'fe_college':
      return 'fe';
    case 'special_post16':
      // Specialist post-16 institutions are independent providers, most approved under section 41.
      return 'independent';
    default:
      return undefined;
  }
}
