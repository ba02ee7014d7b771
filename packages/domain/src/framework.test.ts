import { describe, expect, it } from 'vitest';
import { allowedPriceRange, bandsForType, FRAMEWORK_V1, frameworkInForce, tariffPrice } from './framework.ts';
import { SETTING_TYPES } from './setting.ts';

const pounds = (p: number) => p / 100;

describe('national framework v1', () => {
  it('prices the average state special placement at the Green Paper figure of £22,000', () => {
    expect(pounds(tariffPrice(FRAMEWORK_V1, 'S2', 'day')!)).toBe(22_000);
  });

  it('prices low-incidence, high-cost provision at the £54,000 independent special average', () => {
    expect(pounds(tariffPrice(FRAMEWORK_V1, 'S4', 'day')!)).toBe(54_000);
  });

  it('funds every specialist place at £10,000 place funding', () => {
    for (const band of ['S1', 'S2', 'S3', 'S4', 'P2']) {
      expect(pounds(FRAMEWORK_V1.tariffs.find((t) => t.band === band)!.elements.placeFunding)).toBe(10_000);
    }
  });

  it('makes each tariff the sum of its elements, plus residential when the place is residential', () => {
    for (const t of FRAMEWORK_V1.tariffs) {
      expect(t.annualPrice).toBe(t.elements.placeFunding + t.elements.topUp + t.elements.therapies);
      expect(tariffPrice(FRAMEWORK_V1, t.band, 'residential_52')).toBe(
        t.annualPrice + t.elements.residential.residential_52,
      );
    }
    expect(pounds(tariffPrice(FRAMEWORK_V1, 'S4', 'residential_52')!)).toBe(124_000);
  });

  it('orders bands by need so that a higher level never costs less', () => {
    const byLevel = [...FRAMEWORK_V1.tariffs].map((t) => ({
      level: FRAMEWORK_V1.bands.find((b) => b.code === t.band)!.needLevel,
      price: t.annualPrice,
    }));
    for (const a of byLevel)
      for (const b of byLevel) if (a.level > b.level + 1) expect(a.price).toBeGreaterThan(b.price);
  });

  it('gives every provision type at least one band and a tariff for every band', () => {
    for (const type of SETTING_TYPES) expect(bandsForType(FRAMEWORK_V1, type).length).toBeGreaterThan(0);
    for (const band of FRAMEWORK_V1.bands) expect(tariffPrice(FRAMEWORK_V1, band.code, 'day')).toBeGreaterThan(0);
  });

  it('allows local variation from 10% below to 15% above the tariff', () => {
    expect(allowedPriceRange(FRAMEWORK_V1, 'S2', 'day')).toEqual({ min: 1_980_000, max: 2_530_000 });
  });

  it('has no price for a band it does not define', () => {
    expect(tariffPrice(FRAMEWORK_V1, 'Z9', 'day')).toBeUndefined();
    expect(allowedPriceRange(FRAMEWORK_V1, 'Z9', 'day')).toBeUndefined();
  });
});

describe('framework in force', () => {
  const v1 = { version: 'v1', effectiveFrom: '2026-09-01' };
  const v2 = { version: 'v2', effectiveFrom: '2027-04-01' };

  it('is the latest version whose effective date has arrived', () => {
    expect(frameworkInForce([v2, v1], '2026-12-01')?.version).toBe('v1');
    expect(frameworkInForce([v1, v2], '2027-04-01')?.version).toBe('v2');
  });

  it('is none before the first version takes effect', () => {
    expect(frameworkInForce([v1, v2], '2026-08-31')).toBeUndefined();
  });
});
