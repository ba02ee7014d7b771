import { describe, expect, it } from 'vitest';
import type { PlaceCandidate } from './search.ts';
import { tailoredList, type ChildProfile } from './tailored-list.ts';
import type { SettingType } from './setting.ts';

let n = 0;
function candidate(
  type: SettingType,
  over: Partial<PlaceCandidate['listing']> = {},
  where: { laCode?: string; lat?: number; lon?: number; section41?: boolean } = {},
): PlaceCandidate {
  n++;
  return {
    setting: {
      urn: String(900000 + n),
      name: `Setting ${n}`,
      type,
      governance: 'maintained',
      laCode: where.laCode ?? 'E10000016',
      district: 'ME14',
      lat: where.lat ?? 51.28,
      lon: where.lon ?? 0.54,
      section41: where.section41 ?? false,
    },
    listing: {
      listingId: 'l',
      band: 'S2',
      needs: ['ASD', 'SLCN'],
      ageMin: 4,
      ageMax: 11,
      attendance: 'day',
      available: 2,
      availableFrom: '2026-09-01',
      price: 2_200_000,
      frameworkVersion: 'v1',
      version: 1,
      ...over,
    },
  };
}

const child: ChildProfile = {
  needs: ['ASD', 'SLCN'],
  age: 8,
  band: 'S2',
  home: { district: 'ME14', lat: 51.2753, lon: 0.5393 },
  laCode: 'E10000016',
};
const today = '2026-11-22';

describe('tailoredList', () => {
  it('includes mainstream, specialist and independent settings that meet the needs, each with its reasons', () => {
    const special = candidate('special_maintained');
    const rp = candidate('resourced_provision', { band: 'M2' });
    const indep = candidate(
      'independent_special',
      { band: 'S2', price: 2_500_000 },
      { laCode: 'E06000035', lat: 51.38, lon: 0.53, section41: true },
    );
    const { included } = tailoredList(child, [special, rp, indep], {
      today,
      laNames: new Map([
        ['E06000035', 'Medway'],
        ['E10000016', 'Kent'],
      ]),
    });
    expect(included.map((e) => e.group).sort()).toEqual(['independent', 'mainstream', 'specialist']);
    const r = included.find((e) => e.group === 'mainstream')!;
    expect(r.reasons).toContain('meets ASD, SLCN');
    expect(r.reasons.join(' | ')).toMatch(/band M2: a mainstream option/);
    const i = included.find((e) => e.group === 'independent')!;
    expect(i.outOfArea).toBe(true);
    expect(i.reasons).toEqual(
      expect.arrayContaining([
        "outside the child's LA, in Medway",
        'independent, approved under section 41',
        'takes ages 4–11',
      ]),
    );
    expect(i.reasons.some((x) => /km from ME14/.test(x))).toBe(true);
  });

  it('says when a setting has no place now, and from when, rather than leaving it out', () => {
    const later = candidate('special_academy', { available: 1, availableFrom: '2027-01-05' });
    const full = candidate('special_academy', { available: 0 });
    const { included } = tailoredList(child, [later, full], { today });
    expect(included.map((e) => [e.setting.urn, e.placeNow, e.placeFrom])).toEqual([
      [later.setting.urn, false, '2027-01-05'],
      [full.setting.urn, false, null],
    ]);
    expect(included.find((e) => e.setting.urn === later.setting.urn)!.reasons).toContain(
      'no place now; places from 2027-01-05',
    );
    expect(included.find((e) => e.setting.urn === full.setting.urn)!.reasons).toContain('no place now: full');
  });

  it('lists settings just outside the criteria with why not', () => {
    const oneNeed = candidate('special_maintained', { needs: ['ASD'] });
    const tooOld = candidate('special_maintained', { ageMin: 11, ageMax: 16 });
    const twoOff = candidate('special_maintained', { needs: ['ASD'], band: 'S4' });
    const { included, nearMisses } = tailoredList(child, [oneNeed, tooOld, twoOff], { today });
    expect(included).toEqual([]);
    expect(nearMisses.map((m) => [m.setting.urn, m.whyNot])).toEqual(
      expect.arrayContaining([
        [oneNeed.setting.urn, ['does not cover SLCN']],
        [tooOld.setting.urn, ['takes ages 11–16, not 8']],
      ]),
    );
    // Missing two criteria is not "just outside".
    expect(nearMisses.some((m) => m.setting.urn === twoOff.setting.urn)).toBe(false);
  });

  it('picks the best listing of a setting: a place now before a place later', () => {
    const a = candidate('special_maintained', { listingId: 'later', available: 3, availableFrom: '2027-02-01' });
    const b = { ...a, listing: { ...a.listing, listingId: 'now', available: 1, availableFrom: '2026-09-01' } };
    const { included } = tailoredList(child, [a, b], { today });
    expect(included).toHaveLength(1);
    expect(included[0]!.listing.listingId).toBe('now');
  });

  it('puts settings with a place now first, then the nearest', () => {
    const farNow = candidate('special_maintained', {}, { lat: 51.5, lon: 1.0 });
    const nearFull = candidate('special_maintained', { available: 0 });
    const nearNow = candidate('special_maintained');
    const { included } = tailoredList(child, [farNow, nearFull, nearNow], { today });
    expect(included.map((e) => e.setting.urn)).toEqual([nearNow.setting.urn, farNow.setting.urn, nearFull.setting.urn]);
  });
});
