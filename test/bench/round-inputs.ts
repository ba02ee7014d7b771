/**
 * The inputs of the 10,000-case allocation round, shared by bench:allocation and the round
 * profile so both measure the same round: specialist settings with five open listings each, and
 * cases that each rank five of them, popular settings more often.
 */
import { NEED_CODES, type Case, type Listing, type seededRandom, type SettingWithListings } from '@placements/domain';
import { notificationsHandler, type NotifierDeps } from '@placements/api';
import { logDeadLetters, staticDirectory } from '@placements/store/mail';

type Random = ReturnType<typeof seededRandom>;

/** `count` settings (specialist ones, reused under new URNs as needed), each with five open listings. */
export function roundMarket(
  reference: { settings: SettingWithListings[] },
  count: number,
  places: () => number,
): SettingWithListings[] {
  const base = reference.settings.filter((s) => !['mainstream_school', 'early_years'].includes(s.type));
  return Array.from({ length: count }, (_, i) => {
    const s = base[i % base.length]!;
    const urn = String(800000 + i);
    const listings: Listing[] = Array.from({ length: 5 }, (_, j) => {
      const commissioned = places();
      return {
        listingId: `l${j}`,
        urn,
        band: 'S3',
        needs: ['ASD', NEED_CODES[j % NEED_CODES.length] === 'ASD' ? 'SLD' : NEED_CODES[j % NEED_CODES.length]!],
        ageMin: 4,
        ageMax: 19,
        attendance: 'day',
        commissioned,
        filled: 0,
        held: 0,
        available: commissioned,
        availableFrom: '2026-09-01',
        price: 3_400_000,
        frameworkVersion: 'v1',
        version: 1,
        updatedAt: new Date().toISOString(),
      };
    });
    return { ...s, urn, ageMin: 4, ageMax: 19, providerId: `PRV${urn}`, listings };
  });
}

/** Cases across the LAs, opened over the last 90 days, each ranking five settings, popular ones more often. */
export function roundCases(
  n: number,
  settings: SettingWithListings[],
  las: string[],
  rnd: Random,
  id: () => string,
): Case[] {
  const weights = settings.map((_, i) => 1 / (1 + (i % 97)));
  const total = weights.reduce((a, b) => a + b, 0);
  const pick = () => {
    let r = rnd.next() * total;
    for (const [i, w] of weights.entries()) {
      r -= w;
      if (r <= 0) return settings[i]!.urn;
    }
    return settings[settings.length - 1]!.urn;
  };
  return Array.from({ length: n }, (_, i) => {
    const ranked = new Set<string>();
    while (ranked.size < 5) ranked.add(pick());
    const opened = new Date(Date.now() - rnd.int(0, 90) * 86_400_000).toISOString();
    return {
      id: id(),
      reference: `BENCH-${i}`,
      ref: `BENCH-${i}`,
      laCode: las[i % las.length]!,
      needs: ['ASD'],
      band: 'S3',
      age: 10,
      homeDistrict: 'ME14',
      postSixteen: false,
      state: 'open',
      preferences: { holder: 'parent', ranked: [...ranked], mainstreamRequested: false },
      openedAt: opened,
      withoutPlaceSince: opened,
      version: 1,
    } satisfies Case;
  });
}

/**
 * The notifications handler as npm start runs it on the stream: the consultations each placement
 * asks of its provider, and the round's own. No addressee has a mailbox (the generated providers
 * have no users), so nothing is emailed.
 */
export const roundNotifications = (store: NotifierDeps['store']) =>
  notificationsHandler({
    store,
    directory: staticDirectory([]),
    mail: { send: async () => ({}) },
    deadLetters: logDeadLetters(console.log),
    appUrl: 'http://localhost',
  });
