import { describe, expect, it } from 'vitest';
import {
  blockProblems,
  listingWithBlock,
  listingWithoutBlock,
  offerProblems,
  withdrawBlockProblem,
  type Reservation,
} from './reservation.ts';
import type { Listing } from './setting.ts';

const listing: Listing = {
  listingId: 's3-day',
  urn: '900123',
  band: 'S3',
  needs: ['ASD'],
  ageMin: 5,
  ageMax: 11,
  attendance: 'day',
  commissioned: 6,
  filled: 1,
  held: 1,
  available: 4,
  availableFrom: '2026-09-01',
  price: 2_000_000,
  frameworkVersion: 'v1',
  availableToAll: 4,
  version: 3,
  updatedAt: '2026-11-01T00:00:00Z',
};
const offer = (partnershipId: string, places: number, id = 'r1'): Reservation => ({
  id,
  urn: '900123',
  listingId: 's3-day',
  providerId: 'prov',
  partnershipId,
  places,
  state: 'accepted',
  offeredBy: { sub: 'head', role: 'provider', org: 'prov' },
  offeredAt: '2026-11-20T00:00:00Z',
  version: 2,
});
const inUse = (used: number): Listing => ({
  ...listing,
  blockFor: { partnershipId: 'se19', places: 3, reservationId: 'r0' },
  blockUsed: used,
});

describe('offering block places', () => {
  it('names every problem: an unknown partnership and more places than commissioned', () => {
    expect(offerProblems({ partnershipId: 'atlantis', places: 7 }, listing, ['se19']).map((p) => p.field)).toEqual([
      'partnershipId',
      'places',
    ]);
    expect(offerProblems({ partnershipId: 'se19', places: 6 }, listing, ['se19'])).toEqual([]);
  });
  it('never strands members’ places: no other partnership while they are used, never fewer places than used', () => {
    expect(blockProblems({ partnershipId: 'london', places: 2 }, inUse(1)).map((p) => p.field)).toEqual([
      'partnershipId',
    ]);
    expect(blockProblems({ partnershipId: 'london', places: 2 }, inUse(0))).toEqual([]);
    expect(blockProblems({ partnershipId: 'se19', places: 1 }, inUse(2)).map((p) => p.field)).toEqual(['places']);
    expect(blockProblems({ partnershipId: 'se19', places: 2 }, inUse(2))).toEqual([]);
  });
});

describe('the listing once a block is accepted or withdrawn', () => {
  it('takes the block with the next version; the same partnership keeps its places in use', () => {
    const next = listingWithBlock(inUse(2), offer('se19', 5, 'r1'), '2026-11-22T10:00:00Z');
    expect(next).toMatchObject({
      blockFor: { partnershipId: 'se19', places: 5, reservationId: 'r1' },
      blockUsed: 2,
      availableToAll: 1, // 4 available less 3 block places unused
      version: 4,
      updatedAt: '2026-11-22T10:00:00Z',
    });
    const other = listingWithBlock(inUse(0), offer('london', 2, 'r2'), '2026-11-22T10:00:00Z');
    expect(other).toMatchObject({
      blockFor: { partnershipId: 'london', places: 2 },
      blockUsed: 0,
      availableToAll: 2,
    });
  });
  it('loses the block (every place open again), and only once no block place is used', () => {
    expect(withdrawBlockProblem(inUse(1))).toMatch(/1 of the block places are in use by se19/);
    expect(withdrawBlockProblem(inUse(0))).toBeUndefined();
    const open = listingWithoutBlock(inUse(0), '2026-11-22T10:00:00Z');
    expect(open).not.toHaveProperty('blockFor');
    expect(open).not.toHaveProperty('blockUsed');
    expect(open).toMatchObject({ availableToAll: 4, version: 4 });
  });
});
