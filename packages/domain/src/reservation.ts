import type { Actor } from './audit.ts';
import type { FieldProblem } from './errors.ts';
import { placesAvailableToAll, type Listing } from './setting.ts';

/**
 * A reservation of block places: a provider offers places of one listing to a regional
 * partnership, and only the partnership's acceptance makes them a block (Listing.blockFor)
 * that only its member LAs may allocate. A decline or a withdrawn offer changes nothing on the
 * listing. An accepted block ends when the provider withdraws it (refused while members use its
 * places) or when the partnership accepts a newer offer for the same listing (superseded).
 */
export const RESERVATION_STATES = ['offered', 'accepted', 'declined', 'withdrawn', 'superseded'] as const;
export type ReservationState = (typeof RESERVATION_STATES)[number];

export interface Reservation {
  id: string;
  urn: string;
  listingId: string;
  /** The provider running the setting when the offer was made (the tenant that may withdraw it). */
  providerId: string;
  partnershipId: string;
  places: number;
  state: ReservationState;
  offeredBy: Actor;
  offeredAt: string;
  answeredBy?: Actor;
  answeredAt?: string;
  /** Withdrawn (an offer or a block) or superseded by a newer accepted offer. */
  endedBy?: Actor;
  endedAt?: string;
  /** Free text beside a decline: kept apart from the reservation and its audit events (redactable). */
  declineReason?: string;
  version: number;
}

/** The entity name of a reservation in the audit log. */
export const reservationEntity = (id: string) => `reservation:${id}`;

/** Problems of an offer against the listing as it stands (none means it may be offered). */
export function offerProblems(
  offer: { partnershipId: string; places: number },
  listing: Listing,
  partnershipIds: readonly string[],
): FieldProblem[] {
  const problems: FieldProblem[] = [];
  if (!partnershipIds.includes(offer.partnershipId))
    problems.push({
      field: 'partnershipId',
      message: `no partnership has the id ${offer.partnershipId}; GET /partnerships lists them`,
    });
  problems.push(...blockProblems(offer, listing, 'partnershipId', 'places'));
  return problems;
}

/**
 * What must hold for a block of `places` for `partnershipId` on the listing as it is now: the
 * same rules at the offer and again at the acceptance (the listing may have changed between).
 */
export function blockProblems(
  offer: { partnershipId: string; places: number },
  listing: Pick<Listing, 'commissioned' | 'blockFor' | 'blockUsed'>,
  partnershipField = 'partnershipId',
  placesField = 'places',
): FieldProblem[] {
  const problems: FieldProblem[] = [];
  if (offer.places > listing.commissioned)
    problems.push({
      field: placesField,
      message: `cannot exceed the listing's commissioned places (${listing.commissioned})`,
    });
  const used = listing.blockUsed ?? 0;
  const current = listing.blockFor;
  if (current !== undefined && used > 0) {
    if (current.partnershipId !== offer.partnershipId)
      problems.push({
        field: partnershipField,
        message: `${used} of the block places accepted by ${current.partnershipId} are in use by its members; a block for another partnership can start only once they are released`,
      });
    else if (offer.places < used)
      problems.push({
        field: placesField,
        message: `cannot be fewer than the ${used} block places ${current.partnershipId}'s members use now`,
      });
  }
  return problems;
}

/**
 * The listing once a reservation is accepted: its block is the reservation's places, for the
 * partnership; places in use stay counted when the same partnership's block is changed.
 */
export function listingWithBlock(listing: Listing, r: Reservation, at: string): Listing {
  const samePartnership = listing.blockFor?.partnershipId === r.partnershipId;
  const next: Listing = {
    ...listing,
    blockFor: { partnershipId: r.partnershipId, places: r.places, reservationId: r.id },
    blockUsed: samePartnership ? (listing.blockUsed ?? 0) : 0,
    version: listing.version + 1,
    updatedAt: at,
  };
  next.availableToAll = placesAvailableToAll(next);
  return next;
}

/** The listing once its block is withdrawn: every place is open to anyone again. */
export function listingWithoutBlock(listing: Listing, at: string): Listing {
  const { blockFor: _r, blockUsed: _u, ...rest } = listing;
  const next: Listing = { ...rest, version: listing.version + 1, updatedAt: at };
  next.availableToAll = placesAvailableToAll(next);
  return next;
}

/** Why a block cannot be withdrawn now, or undefined when it can. */
export function withdrawBlockProblem(listing: Listing): string | undefined {
  const used = listing.blockUsed ?? 0;
  if (used > 0)
    return `${used} of the block places are in use by ${listing.blockFor?.partnershipId}'s members; the block can be withdrawn once they are released`;
  return undefined;
}
