import { randomUUID } from 'node:crypto';
import {
  blockProblems,
  ConflictError,
  ForbiddenError,
  listingWithBlock,
  listingWithoutBlock,
  NotFoundError,
  offerProblems,
  ValidationError,
  withdrawBlockProblem,
  type Actor,
  type Listing,
  type Reservation,
  type ReservationState,
  type SettingWithListings,
} from '@placements/domain';
import { ListingMovedError, REDACTED } from '@placements/store';
import type { Principal } from '../auth.ts';
import type { Deps } from '../http.ts';
import { ownedSetting } from './capacity.ts';
import { referenceData } from './reference-cache.ts';

const now = (deps: Deps) => (deps.now?.() ?? new Date()).toISOString();
const actorOf = (p: Principal): Actor => ({ sub: p.sub, role: p.role, org: p.org });
/** A listing busy with allocations moves between the read and the write: read it again, a few times. */
const ATTEMPTS = 4;

/** What both sides see of a reservation: no staff user ids, the block's use where it is in force. */
export interface ReservationView {
  id: string;
  urn: string;
  settingName?: string;
  listingId: string;
  band?: string;
  providerId: string;
  partnershipId: string;
  places: number;
  state: ReservationState;
  offeredAt: string;
  answeredAt?: string;
  endedAt?: string;
  declineReason?: string;
  /** While accepted: block places in use by members' placements (held or filled), and those left. */
  used?: number;
  left?: number;
  version: number;
}

function view(r: Reservation, setting: SettingWithListings | undefined): ReservationView {
  const listing = setting?.listings.find((l) => l.listingId === r.listingId);
  const inForce = r.state === 'accepted' && listing?.blockFor?.reservationId === r.id;
  const used = inForce ? (listing!.blockUsed ?? 0) : undefined;
  return {
    id: r.id,
    urn: r.urn,
    ...(setting ? { settingName: setting.name } : {}),
    listingId: r.listingId,
    ...(listing ? { band: listing.band } : {}),
    providerId: r.providerId,
    partnershipId: r.partnershipId,
    places: r.places,
    state: r.state,
    offeredAt: r.offeredAt,
    ...(r.answeredAt ? { answeredAt: r.answeredAt } : {}),
    ...(r.endedAt ? { endedAt: r.endedAt } : {}),
    ...(r.declineReason ? { declineReason: r.declineReason } : {}),
    ...(used !== undefined ? { used, left: Math.max(0, r.places - used) } : {}),
    version: r.version,
  };
}

const settingOf = async (deps: Deps, urn: string) => deps.store.settings.getSetting(urn, { consistent: true });

/** The provider that offered it, or the partnership it is offered to: nobody else, whatever the id. */
async function visible(deps: Deps, principal: Principal, id: string): Promise<Reservation> {
  const r = await deps.store.reservations.get(id);
  if (r === undefined) throw new NotFoundError(`No reservation has the id ${id}.`);
  const mine =
    (principal.role === 'provider' && principal.org === r.providerId) ||
    (principal.role === 'partnership' && principal.org === r.partnershipId);
  if (!mine)
    throw new ForbiddenError(
      `Reservation ${id} is between another provider and partnership; only they may see or act on it.`,
    );
  return r;
}

/** A provider offers block places of one of its listings to a partnership. */
export async function offerReservation(
  deps: Deps,
  principal: Principal,
  urn: string,
  listingId: string,
  input: { partnershipId: string; places: number },
): Promise<ReservationView> {
  const setting = await ownedSetting(deps, principal, urn, 'offer block places of its listings');
  const listing = setting.listings.find((l) => l.listingId === listingId);
  if (listing === undefined) throw new NotFoundError(`Setting ${urn} has no listing ${listingId}.`);
  const partnershipIds = (await referenceData(deps.store)).partnerships.map((p) => p.id);
  const problems = offerProblems(input, listing, partnershipIds);
  if (problems.length > 0) throw new ValidationError(problems);
  const at = now(deps);
  const r: Reservation = {
    id: randomUUID(),
    urn,
    listingId,
    providerId: setting.providerId,
    partnershipId: input.partnershipId,
    places: input.places,
    state: 'offered',
    offeredBy: actorOf(principal),
    offeredAt: at,
    version: 1,
  };
  await deps.store.reservations.offer(r, actorOf(principal));
  return view(r, setting);
}

/** The caller's own reservations, newest first: a provider's offers, or those made to a partnership. */
export async function listReservations(
  deps: Deps,
  principal: Principal,
  q: { state?: ReservationState; limit: number; cursor?: string },
): Promise<{ items: ReservationView[]; nextCursor: string | null }> {
  const page =
    principal.role === 'provider'
      ? await deps.store.reservations.ofProvider(principal.org, q.limit, q.cursor)
      : await deps.store.reservations.ofPartnership(principal.org, q.limit, q.cursor);
  const items = page.items.filter((r) => q.state === undefined || r.state === q.state);
  const urns = [...new Set(items.map((r) => r.urn))];
  const settings = new Map(await Promise.all(urns.map(async (u) => [u, await settingOf(deps, u)] as const)));
  return { items: items.map((r) => view(r, settings.get(r.urn))), nextCursor: page.nextCursor };
}

export async function getReservation(deps: Deps, principal: Principal, id: string): Promise<ReservationView> {
  const r = await visible(deps, principal, id);
  return view(r, await settingOf(deps, r.urn));
}

/**
 * The partnership's answer. Accepting makes the block take effect on the listing in the same
 * transaction; declining (with an optional short reason) leaves the listing as it is.
 */
export async function answerReservation(
  deps: Deps,
  principal: Principal,
  id: string,
  input: { decision: 'accept' | 'decline'; reason?: string },
): Promise<ReservationView> {
  const problems = [];
  if (input.decision === 'accept' && input.reason !== undefined)
    problems.push({ field: 'reason', message: 'is only for a decline; leave it out when accepting' });
  if (problems.length > 0) throw new ValidationError(problems);
  for (let attempt = 1; ; attempt++) {
    const r = await visible(deps, principal, id);
    if (principal.role !== 'partnership')
      throw new ForbiddenError(`Only partnership ${r.partnershipId} may answer reservation ${id}.`);
    if (r.state !== 'offered')
      throw new ConflictError(
        'reservation_answered',
        `Reservation ${id} is ${r.state}; only an offer can be answered.`,
      );
    const at = now(deps);
    const answered: Reservation = {
      ...r,
      answeredBy: actorOf(principal),
      answeredAt: at,
      version: r.version + 1,
      state: input.decision === 'accept' ? 'accepted' : 'declined',
    };
    if (input.decision === 'decline') {
      const declined = input.reason === undefined ? answered : { ...answered, declineReason: input.reason };
      await deps.store.reservations.close(r, declined, 'reservation.declined', actorOf(principal));
      return view(declined, await settingOf(deps, r.urn));
    }
    const setting = await settingOf(deps, r.urn);
    const listing = setting?.listings.find((l) => l.listingId === r.listingId);
    if (setting === undefined || listing === undefined)
      throw new ConflictError('listing_gone', `Listing ${r.listingId} of setting ${r.urn} no longer exists.`);
    const blocked = blockProblems(r, listing);
    if (blocked.length > 0)
      throw new ConflictError(
        'block_not_possible',
        `The listing has changed since the offer: ${blocked.map((p) => `${p.field} ${p.message}`).join('; ')}. Decline it, or ask the provider to offer again.`,
      );
    const superseded = await replaced(deps, listing, r, principal, at);
    try {
      await deps.store.reservations.accept(
        r,
        answered,
        setting,
        { before: listing, after: listingWithBlock(listing, answered, at) },
        superseded,
        actorOf(principal),
      );
      return view(answered, await settingOf(deps, r.urn));
    } catch (error) {
      if (error instanceof ListingMovedError && attempt < ATTEMPTS) continue;
      if (error instanceof ListingMovedError)
        throw new ConflictError('listing_busy', `Listing ${r.listingId} kept changing; try again in a moment.`);
      throw error;
    }
  }
}

/** The block the acceptance replaces, marked superseded in the same transaction. */
async function replaced(
  deps: Deps,
  listing: Listing,
  r: Reservation,
  principal: Principal,
  at: string,
): Promise<{ before: Reservation; after: Reservation } | undefined> {
  const previousId = listing.blockFor?.reservationId;
  if (previousId === undefined || previousId === r.id) return undefined;
  const previous = await deps.store.reservations.get(previousId);
  if (previous === undefined || previous.state !== 'accepted') return undefined;
  const { declineReason: _d, ...rest } = previous;
  return {
    before: rest,
    after: { ...rest, state: 'superseded', endedBy: actorOf(principal), endedAt: at, version: previous.version + 1 },
  };
}

/**
 * The provider withdraws an offer (nothing on the listing changes) or ends an accepted block
 * (the listing loses it in the same transaction), refused while members use block places.
 */
export async function withdrawReservation(deps: Deps, principal: Principal, id: string): Promise<ReservationView> {
  for (let attempt = 1; ; attempt++) {
    const r = await visible(deps, principal, id);
    const setting = await ownedSetting(deps, principal, r.urn, 'withdraw block places of its listings');
    const at = now(deps);
    const ended: Reservation = {
      ...r,
      state: 'withdrawn',
      endedBy: actorOf(principal),
      endedAt: at,
      version: r.version + 1,
    };
    const { declineReason: _d, ...withoutText } = ended;
    if (r.state === 'offered') {
      await deps.store.reservations.close(r, withoutText, 'reservation.withdrawn', actorOf(principal));
      return view(ended, setting);
    }
    if (r.state !== 'accepted')
      throw new ConflictError('reservation_ended', `Reservation ${id} is ${r.state}; there is nothing to withdraw.`);
    const listing = setting.listings.find((l) => l.listingId === r.listingId);
    if (listing === undefined || listing.blockFor?.reservationId !== r.id)
      throw new ConflictError('reservation_ended', `Reservation ${id} is no longer the listing's block.`);
    const problem = withdrawBlockProblem(listing);
    if (problem !== undefined) throw new ConflictError('block_in_use', problem);
    try {
      await deps.store.reservations.withdrawBlock(
        r,
        withoutText,
        setting,
        { before: listing, after: listingWithoutBlock(listing, at) },
        actorOf(principal),
      );
      return view(ended, await settingOf(deps, r.urn));
    } catch (error) {
      if (error instanceof ListingMovedError && attempt < ATTEMPTS) continue;
      if (error instanceof ListingMovedError)
        throw new ConflictError('listing_busy', `Listing ${r.listingId} kept changing; try again in a moment.`);
      throw error;
    }
  }
}

/**
 * The partnership that declined erases its decline reason (it wrote the text, so it controls it):
 * the provider and the partnership read "[redacted]" from then on, and the reservation's audit
 * trail records who redacted it and why. Nothing to erase is a 409, not a silent success.
 */
export async function redactReservation(
  deps: Deps,
  principal: Principal,
  id: string,
  body: { field: 'declineReason'; reason: string },
): Promise<ReservationView> {
  const r = await visible(deps, principal, id);
  if (principal.role !== 'partnership')
    throw new ForbiddenError(`Only partnership ${r.partnershipId}, which wrote the decline reason, may erase it.`);
  if (r.declineReason === undefined || r.declineReason === REDACTED)
    throw new ConflictError(
      'nothing_to_redact',
      `Reservation ${id} has no ${body.field} to erase${r.declineReason === REDACTED ? ' (it is already redacted)' : ''}.`,
    );
  const after: Reservation = { ...r, declineReason: REDACTED, version: r.version + 1 };
  await deps.store.reservations.redactDeclineReason(r, after, actorOf(principal), now(deps), body.reason);
  return view(after, await settingOf(deps, r.urn));
}
