import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  firstAvailable,
  runRound,
  suitableListings,
  type Listing,
  type RoundCase,
  type RoundMechanism,
  type SettingWithListings,
} from '@placements/domain';

/**
 * Properties of allocation, checked on thousands of generated markets: the first available place
 * in order of preference, capacity never below zero, rounds reproducible for a seed, and no family
 * able to do better by ranking settings out of their true order.
 */
const TODAY = '2026-11-22';
const NEEDS = ['ASD', 'SLD'] as const;

function setting(
  urn: string,
  laCode: string,
  listings: Pick<Listing, 'listingId' | 'available' | 'availableFrom' | 'band' | 'needs'>[],
): SettingWithListings {
  return {
    urn,
    name: `Setting ${urn}`,
    laCode,
    type: 'special_academy',
    governance: 'academy',
    providerId: `PRV${urn}`,
    ageMin: 4,
    ageMax: 19,
    district: 'ME14',
    lat: 51.27,
    lon: 0.52,
    listings: listings.map(
      (l) =>
        ({
          ...l,
          ageMin: 4,
          ageMax: 19,
          attendance: 'day',
          commissioned: 10,
          filled: 10 - l.available,
          held: 0,
          price: 2_200_000,
          frameworkVersion: 'v1',
          version: 1,
          updatedAt: `${TODAY}T00:00:00Z`,
        }) as Listing,
    ),
  } as unknown as SettingWithListings;
}

const listingArb = (id: string) =>
  fc.record({
    listingId: fc.constant(id),
    available: fc.integer({ min: 0, max: 3 }),
    availableFrom: fc.constantFrom('2026-09-01', TODAY, '2027-01-05'),
    band: fc.constantFrom('S2', 'S3'),
    needs: fc.subarray([...NEEDS], { minLength: 1 }),
  });

/** A small market: up to 5 settings of 1–2 listings in two LAs. */
const marketArb = fc
  .array(fc.tuple(fc.constantFrom('E1', 'E2'), fc.array(fc.constantFrom('a', 'b'), { minLength: 1, maxLength: 2 })), {
    minLength: 1,
    maxLength: 5,
  })
  .chain((specs) =>
    fc.tuple(
      ...specs.map(([la, ids], i) =>
        fc.tuple(...[...new Set(ids)].map((id) => listingArb(id))).map((ls) => setting(String(100001 + i), la, ls)),
      ),
    ),
  )
  .map((settings) => new Map(settings.map((s) => [s.urn, s] as const)));

const caseArb = (urns: string[], n: number) =>
  fc
    .array(
      fc.record({
        laCode: fc.constantFrom('E1', 'E2'),
        band: fc.constantFrom('S2', 'S3'),
        needs: fc.subarray([...NEEDS], { minLength: 1 }),
        age: fc.integer({ min: 5, max: 16 }),
        withoutPlaceSince: fc.constantFrom('2026-09-01T00:00:00Z', '2026-10-01T00:00:00Z'),
        ranked: fc.shuffledSubarray(urns, { minLength: 1 }),
      }),
      { minLength: 1, maxLength: n },
    )
    .map((cs) => cs.map((c, i) => ({ ...c, id: `case-${String(i).padStart(3, '0')}` }) as RoundCase));

const marketWithCases = (maxCases: number) =>
  marketArb.chain((settings) => fc.tuple(fc.constant(settings), caseArb([...settings.keys()], maxCases)));

const hasPlace = (c: RoundCase, s: SettingWithListings, remaining: (urn: string, l: Listing) => number) =>
  suitableListings(c, s).some((l) => l.availableFrom <= TODAY && remaining(s.urn, l) > 0);

describe('first available place in order of preference', () => {
  it('never gives a lower preference while a higher one had a suitable free place', () => {
    fc.assert(
      fc.property(marketWithCases(1), ([settings, [c]]) => {
        const choice = firstAvailable(c!, c!.ranked, settings, TODAY);
        const rank = choice.chosen?.rank ?? c!.ranked.length + 1;
        for (const urn of c!.ranked.slice(0, rank - 1))
          expect(hasPlace(c!, settings.get(urn)!, (_u, l) => l.available)).toBe(false);
        if (choice.chosen) {
          expect(choice.chosen.listing.available).toBeGreaterThan(0);
          expect(choice.chosen.listing.availableFrom <= TODAY).toBe(true);
        }
        // Every preference above the one chosen is reported with its reason.
        expect(choice.skipped.map((s) => s.rank)).toEqual(Array.from({ length: rank - 1 }, (_, i) => i + 1));
      }),
      { numRuns: 2000 },
    );
  });
});

describe.each(['serial_dictatorship', 'deferred_acceptance'] as RoundMechanism[])(
  'allocation round (%s)',
  (mechanism) => {
    it('never takes a listing below zero and never gives a case two places', () => {
      fc.assert(
        fc.property(marketWithCases(12), fc.string(), ([settings, cases], seed) => {
          const round = runRound({ cases, settings, seed, today: TODAY, mechanism });
          for (const [, left] of round.remaining) expect(left).toBeGreaterThanOrEqual(0);
          const given = new Map<string, number>();
          for (const o of round.outcomes) {
            if (!o.assignment) continue;
            const k = `${o.assignment.urn}#${o.assignment.listingId}`;
            given.set(k, (given.get(k) ?? 0) + 1);
            // The place was suitable, free by today, and on the case's own list at the rank reported.
            const c = cases.find((x) => x.id === o.caseId)!;
            expect(c.ranked[o.assignment.rank - 1]).toBe(o.assignment.urn);
            const l = settings.get(o.assignment.urn)!.listings.find((x) => x.listingId === o.assignment!.listingId)!;
            expect(suitableListings(c, settings.get(o.assignment.urn)!)).toContain(l);
            expect(l.availableFrom <= TODAY).toBe(true);
          }
          for (const [k, n] of given) {
            const [urn, id] = k.split('#');
            expect(n).toBeLessThanOrEqual(settings.get(urn!)!.listings.find((l) => l.listingId === id)!.available);
          }
          expect(new Set(round.outcomes.map((o) => o.caseId)).size).toBe(cases.length);
        }),
        { numRuns: 1000 },
      );
    });

    it('gives the same result for the same seed, whatever the order the cases arrive in', () => {
      let reordered = 0;
      const byCase = (outcomes: { caseId: string }[]) => [...outcomes].sort((x, y) => x.caseId.localeCompare(y.caseId));
      fc.assert(
        fc.property(
          // A true permutation of the cases: fast-check's shuffled subarray of full length.
          marketWithCases(12).chain(([settings, cases]) =>
            fc.tuple(
              fc.constant(settings),
              fc.constant(cases),
              fc.shuffledSubarray(cases, { minLength: cases.length, maxLength: cases.length }),
            ),
          ),
          fc.string(),
          ([settings, cases, shuffled], seed) => {
            if (shuffled.some((c, i) => c.id !== cases[i]!.id)) reordered++;
            const a = runRound({ cases, settings, seed, today: TODAY, mechanism });
            const b = runRound({ cases: shuffled, settings, seed, today: TODAY, mechanism });
            expect(byCase(b.outcomes)).toEqual(byCase(a.outcomes));
          },
        ),
        { numRuns: 500 },
      );
      // The property means something only if the order really changed in many runs.
      expect(reordered).toBeGreaterThan(100);
    });

    it('lets no family do better by ranking settings out of their true order (brute force)', () => {
      // Every misreport of every case on small markets: all orderings of every subset of the settings.
      const reports = (urns: string[]): string[][] => {
        const out: string[][] = [];
        const go = (prefix: string[], rest: string[]) => {
          if (prefix.length > 0) out.push(prefix);
          for (const [i, u] of rest.entries()) go([...prefix, u], [...rest.slice(0, i), ...rest.slice(i + 1)]);
        };
        go([], urns);
        return out;
      };
      fc.assert(
        fc.property(
          marketArb.filter((m) => m.size <= 4),
          fc.string({ maxLength: 4 }),
          (settings, seed) => {
            const urns = [...settings.keys()];
            const cases: RoundCase[] = [0, 1, 2, 3].map((i) => ({
              id: `c${i}`,
              laCode: i % 2 ? 'E1' : 'E2',
              band: 'S2',
              needs: ['ASD'],
              age: 10,
              withoutPlaceSince: '2026-09-01T00:00:00Z',
              ranked: i % 2 ? urns : [...urns].reverse(),
            }));
            const truth = runRound({ cases, settings, seed, today: TODAY, mechanism });
            const rankUnderTruth = (c: RoundCase, urn: string | undefined) =>
              urn === undefined ? Infinity : c.ranked.indexOf(urn);
            for (const liar of cases) {
              const honest = rankUnderTruth(liar, truth.outcomes.find((o) => o.caseId === liar.id)!.assignment?.urn);
              for (const report of reports(urns)) {
                const lied = runRound({
                  cases: cases.map((c) => (c.id === liar.id ? { ...c, ranked: report } : c)),
                  settings,
                  seed,
                  today: TODAY,
                  mechanism,
                });
                const got = rankUnderTruth(liar, lied.outcomes.find((o) => o.caseId === liar.id)!.assignment?.urn);
                expect(got).toBeGreaterThanOrEqual(honest);
              }
            }
          },
        ),
        { numRuns: 150 },
      );
    });
  },
);

describe('serial dictatorship', () => {
  it('gives each case, at its turn, its highest preference with a place left', () => {
    fc.assert(
      fc.property(marketWithCases(12), fc.string(), ([settings, cases], seed) => {
        const round = runRound({ cases, settings, seed, today: TODAY, mechanism: 'serial_dictatorship' });
        const left = new Map<string, number>();
        for (const s of settings.values())
          for (const l of s.listings) left.set(`${s.urn}#${l.listingId}`, l.availableFrom <= TODAY ? l.available : 0);
        for (const o of [...round.outcomes].sort((a, b) => a.turn - b.turn)) {
          const c = cases.find((x) => x.id === o.caseId)!;
          const rank = o.assignment?.rank ?? c.ranked.length + 1;
          for (const urn of c.ranked.slice(0, rank - 1))
            expect(hasPlace(c, settings.get(urn)!, (u, l) => left.get(`${u}#${l.listingId}`)!)).toBe(false);
          if (o.assignment)
            left.set(
              `${o.assignment.urn}#${o.assignment.listingId}`,
              left.get(`${o.assignment.urn}#${o.assignment.listingId}`)! - 1,
            );
        }
      }),
      { numRuns: 1000 },
    );
  });
});

describe('deferred acceptance', () => {
  it('is stable: a case that prefers another listing lost it only to cases with higher priority there', () => {
    fc.assert(
      fc.property(marketWithCases(12), fc.string(), ([settings, cases], seed) => {
        const round = runRound({ cases, settings, seed, today: TODAY, mechanism: 'deferred_acceptance' });
        const turn = new Map(round.outcomes.map((o) => [o.caseId, o.turn]));
        const byListing = new Map<string, string[]>();
        for (const o of round.outcomes)
          if (o.assignment)
            byListing.set(`${o.assignment.urn}#${o.assignment.listingId}`, [
              ...(byListing.get(`${o.assignment.urn}#${o.assignment.listingId}`) ?? []),
              o.caseId,
            ]);
        for (const o of round.outcomes) {
          const c = cases.find((x) => x.id === o.caseId)!;
          const rank = o.assignment?.rank ?? c.ranked.length + 1;
          for (const urn of c.ranked.slice(0, rank - 1)) {
            const s = settings.get(urn)!;
            for (const l of suitableListings(c, s).filter((x) => x.availableFrom <= TODAY && x.available > 0)) {
              const holders = byListing.get(`${urn}#${l.listingId}`) ?? [];
              // Full, and every holder outranks this case at that setting.
              expect(holders.length).toBe(l.available);
              const prio = (id: string) =>
                (cases.find((x) => x.id === id)!.laCode === s.laCode ? 0 : 1) * 1e9 + turn.get(id)!;
              for (const h of holders) expect(prio(h)).toBeLessThan(prio(c.id));
            }
          }
        }
      }),
      { numRuns: 1000 },
    );
  });
});
