import { describe, expect, it } from 'vitest';
import { distanceKm } from './geo.ts';

describe('distanceKm', () => {
  it('measures Maidstone (ME14) to Canterbury (CT1) at about 38 km', () => {
    expect(distanceKm({ lat: 51.2753, lon: 0.5393 }, { lat: 51.2788, lon: 1.0867 })).toBeCloseTo(38.1, 0);
  });

  it('measures London to Edinburgh at about 534 km', () => {
    expect(distanceKm({ lat: 51.5074, lon: -0.1278 }, { lat: 55.9533, lon: -3.1883 })).toBeCloseTo(534, -1);
  });

  it('is zero from a point to itself and the same both ways', () => {
    const a = { lat: 50.8, lon: -1.09 };
    const b = { lat: 51.45, lon: -0.97 };
    expect(distanceKm(a, a)).toBe(0);
    expect(distanceKm(a, b)).toBeCloseTo(distanceKm(b, a), 9);
  });
});
