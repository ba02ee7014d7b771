/**
 * Recording preferences checks each ranked setting against the case's tailored list from the
 * setting's own listings (onTailoredList), not by building the whole list. The two must agree for
 * every setting and every child, or a family's choice would be refused (or let through) where the
 * list the LA showed them says otherwise.
 */
import { describe, expect, it } from 'vitest';
import { onTailoredList, placeCandidate, tailoredList, type ChildProfile, type NeedCode } from '@placements/domain';
import { buildReferenceData } from '@placements/local';

const data = buildReferenceData({});
const candidates = data.settings.flatMap((s) => s.listings.map((l) => placeCandidate(s, l)));
const today = '2026-11-22';
const bands = [...new Set(data.settings.flatMap((s) => s.listings.map((l) => l.band)))].sort();
const needSets: NeedCode[][] = [['ASD'], ['SEMH', 'SLCN'], ['PMLD', 'VI'], ['MLD']];

describe('a ranked setting is on the tailored list exactly when the whole list holds it', () => {
  it("agrees with the whole list for every setting, over needs, ages either side of the age buckets' edges and every band or none", () => {
    let on = 0;
    let off = 0;
    for (const needs of needSets)
      for (const age of [3, 4, 11, 16, 19])
        for (const band of [undefined, ...bands]) {
          const child: ChildProfile = { needs, age, laCode: 'E10000016', ...(band ? { band } : {}) };
          const whole = new Set(tailoredList(child, candidates, { today }).included.map((e) => e.setting.urn));
          for (const s of data.settings) {
            const alone = onTailoredList(child, s, s.listings, { today });
            expect(alone, `${s.urn} for ${needs.join('+')}, age ${age}, band ${band ?? 'none'}`).toBe(whole.has(s.urn));
            if (alone) on++;
            else off++;
          }
        }
    // Both answers are exercised many times over, not one of them only.
    expect(on).toBeGreaterThan(500);
    expect(off).toBeGreaterThan(500);
  });
});
