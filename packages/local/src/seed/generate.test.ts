import { describe, expect, it } from 'vitest';
import {
  allowedPriceRange,
  bandsForType,
  FRAMEWORK_V1,
  GSS_LA_PATTERN,
  SETTING_TYPES,
  tariffPrice,
} from '@placements/domain';
import { buildReferenceData } from './index.ts';

describe('generated South East (SE19) data', () => {
  const data = buildReferenceData({});

  it('has the 19 South East LAs with their real GSS codes and DfE numbers', () => {
    expect(data.las).toHaveLength(19);
    expect(data.las).toContainEqual(expect.objectContaining({ laCode: 'E10000016', dfeNumber: '886', name: 'Kent' }));
    expect(data.las).toContainEqual(expect.objectContaining({ laCode: 'E06000035', dfeNumber: '887', name: 'Medway' }));
    for (const la of data.las) expect(la.laCode).toMatch(GSS_LA_PATTERN);
  });

  it('forms the SE19 partnership from all 19', () => {
    expect(data.partnerships).toEqual([
      expect.objectContaining({ id: 'se19', members: expect.arrayContaining(data.las.map((l) => l.laCode)) }),
    ]);
    expect(data.partnerships[0]!.members).toHaveLength(19);
  });

  it('builds about 400 settings of every provision type, sized by population', () => {
    expect(data.settings.length).toBeGreaterThanOrEqual(380);
    expect(data.settings.length).toBeLessThanOrEqual(440);
    expect(new Set(data.settings.map((s) => s.type))).toEqual(new Set(SETTING_TYPES));
    const count = (la: string) => data.settings.filter((s) => s.laCode === la).length;
    expect(count('E10000016')).toBeGreaterThan(count('E06000035'));
  });

  it('is the same for the same seed and different for another', () => {
    expect(buildReferenceData({ seed: 19 }).settings).toEqual(data.settings);
    expect(buildReferenceData({ seed: 20 }).settings).not.toEqual(data.settings);
  });

  it('gives each setting a unique URN, a district of its own LA and a location near it', () => {
    expect(new Set(data.settings.map((s) => s.urn)).size).toBe(data.settings.length);
    const districtLa = new Map(data.districts.map((d) => [d.district, d]));
    for (const s of data.settings) {
      const d = districtLa.get(s.district)!;
      expect(d.laCode).toBe(s.laCode);
      expect(Math.abs(s.lat - d.lat)).toBeLessThan(0.05);
      expect(Math.abs(s.lon - d.lon)).toBeLessThan(0.05);
    }
  });

  it('gives academies a trust and marks every setting as generated demo data', () => {
    for (const s of data.settings) {
      expect(s.source).toBe('generated');
      if (s.governance === 'academy') expect(s.trustId).toMatch(/^TR\d{3}$/);
      else expect(s.trustId).toBeUndefined();
    }
  });

  it('publishes listings that follow the framework: band for the type, needs and ages inside the setting, price in range', () => {
    const listings = data.settings.flatMap((s) => s.listings.map((l) => ({ s, l })));
    expect(listings.length).toBeGreaterThan(data.settings.length);
    for (const { s, l } of listings) {
      expect(bandsForType(FRAMEWORK_V1, s.type).map((b) => b.code)).toContain(l.band);
      for (const n of l.needs) expect(s.needs).toContain(n);
      expect(l.ageMin).toBeGreaterThanOrEqual(s.ageMin);
      expect(l.ageMax).toBeLessThanOrEqual(s.ageMax);
      expect(l.available).toBe(Math.max(0, l.commissioned - l.filled - l.held));
      const range = allowedPriceRange(FRAMEWORK_V1, l.band, l.attendance)!;
      expect(l.price).toBeGreaterThanOrEqual(range.min);
      expect(l.price).toBeLessThanOrEqual(range.max);
      if (l.price !== tariffPrice(FRAMEWORK_V1, l.band, l.attendance)) expect(l.variationReason).toBeTruthy();
    }
    // Some places are free now and some only later, as in a real region.
    expect(listings.some(({ l }) => l.available > 0)).toBe(true);
    expect(listings.some(({ l }) => l.available === 0)).toBe(true);
  });
});
