// The API's shapes as the domain defines them (types only: nothing of the domain's runtime is bundled).
export type { Listing, SettingWithListings as Setting, Attendance, SettingType } from '@placements/domain/setting.ts';
export type { Placement, Direction, DeclineReason } from '@placements/domain/placement.ts';
export type { Case, Preferences } from '@placements/domain/case.ts';
export type { TailoredEntry, NearMiss } from '@placements/domain/tailored-list.ts';
export type { LocalAuthority, Partnership } from '@placements/domain/reference.ts';
import type { Case } from '@placements/domain/case.ts';
import type { Placement } from '@placements/domain/placement.ts';
import type { PlaceCandidate } from '@placements/domain/search.ts';

export interface CaseView extends Case {
  daysWithoutPlace: number;
  placement?: Placement;
  /** Waiting lists the case is on; position 1 is offered the next place freed. */
  waiting?: { urn: string; listingId: string; position: number; joinedAt: string }[];
}

export interface Page<T> {
  items: T[];
  nextCursor?: string | null;
}

/** One result of GET /places/search. */
export interface PlaceResult extends PlaceCandidate {
  available: number;
  price: number;
  distanceKm: number | null;
  hostLaCode: string;
  hostLaName: string;
  outOfArea: boolean;
}

export interface AuditEvent {
  eventId: string;
  entity: string;
  action: string;
  actor: { sub: string; role: string; org: string };
  at: string;
  before?: unknown;
  after?: unknown;
}
