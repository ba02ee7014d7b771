/** Who did something, from their token. */
export interface Actor {
  sub: string;
  role: string;
  org: string;
}

/** An immutable record of one change, written in the same transaction as the change. */
export interface AuditEvent {
  eventId: string;
  /** What changed, as `<kind>:<id>`, e.g. listing:900001:s2-day. */
  entity: string;
  action: string;
  actor: Actor;
  at: string;
  before?: unknown;
  after?: unknown;
}

export const listingEntity = (urn: string, listingId: string) => `listing:${urn}:${listingId}`;

/** Parses `listing:<urn>:<listingId>`; undefined when the reference is not a listing's. */
export function parseListingEntity(ref: string): { urn: string; listingId: string } | undefined {
  const m = /^listing:(\d{6}):([a-z0-9][a-z0-9-]{0,62})$/.exec(ref);
  return m ? { urn: m[1]!, listingId: m[2]! } : undefined;
}
