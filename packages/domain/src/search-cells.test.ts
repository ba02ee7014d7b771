import { describe, expect, it } from 'vitest';
import { distanceKm } from './geo.ts';
import { seededRandom } from './random.ts';
import { cellDistanceKm, coarseCellsWithin, FINE_PER_COARSE, fineCellsOf, mapCellOf } from './search-cells.ts';

// Nearest-first search stops once enough results are nearer than every unread cell's bound: a
// bound larger than a real distance would hide the nearest place, so it must never be.
describe('map cells for nearest-first search', () => {
  const rnd = seededRandom(19);
  const england = () => ({ lat: 50 + rnd.next() * 5.8, lon: -5.7 + rnd.next() * 7.5 });

  it('puts every point in the fine cell, of its coarse cell, that the index keys it by', () => {
    for (let n = 0; n < 2000; n++) {
      const p = england();
      const { coarse, fine } = mapCellOf(p);
      const cells = coarseCellsWithin(p, 0);
      expect(cells.map((c) => c.coarse)).toContain(coarse);
      const cell = fineCellsOf(cells.find((c) => c.coarse === coarse)!).find((c) => c.fine === fine)!;
      expect(p.lat).toBeGreaterThanOrEqual(cell.south);
      expect(p.lat).toBeLessThan(cell.north);
      expect(p.lon).toBeGreaterThanOrEqual(cell.west);
      expect(p.lon).toBeLessThan(cell.east);
      expect(cellDistanceKm(p, cell)).toBe(0);
    }
  });

  it('never puts a cell farther than the nearest point in it, and is close to it', () => {
    for (let n = 0; n < 300; n++) {
      const origin = england();
      for (const coarse of coarseCellsWithin(origin, 120)) {
        const bound = cellDistanceKm(origin, coarse);
        expect(bound).toBeLessThanOrEqual(120);
        let nearest = Number.POSITIVE_INFINITY;
        // The cell's edges, finely sampled: the nearest point of a cell lies on its edge.
        for (let k = 0; k <= 200; k++) {
          const f = k / 200;
          const lat = coarse.south + f * (coarse.north - coarse.south);
          const lon = coarse.west + f * (coarse.east - coarse.west);
          for (const q of [
            { lat, lon: coarse.west },
            { lat, lon: coarse.east },
            { lat: coarse.south, lon },
            { lat: coarse.north, lon },
          ])
            nearest = Math.min(nearest, distanceKm(origin, q));
        }
        if (bound > 0) {
          expect(bound).toBeLessThanOrEqual(nearest + 1e-9);
          expect(nearest - bound).toBeLessThan(0.05);
        }
      }
    }
  });

  it('keys fine cells so that every aligned square block of them is one run of keys', () => {
    const coarse = coarseCellsWithin({ lat: 51.27, lon: 0.52 }, 0)[0]!;
    const fines = fineCellsOf(coarse);
    expect(fines.map((c) => c.fine)).toEqual(fines.map((_, n) => String(n).padStart(2, '0')));
    for (let size = 2; size <= FINE_PER_COARSE; size *= 2)
      for (let start = 0; start < fines.length; start += size * size) {
        // A run of size² keys covers a size × size square of cells, edge to edge.
        const run = fines.slice(start, start + size * size);
        const south = Math.min(...run.map((c) => c.south));
        const west = Math.min(...run.map((c) => c.west));
        const north = Math.max(...run.map((c) => c.north));
        const east = Math.max(...run.map((c) => c.east));
        expect((north - south) / (run[0]!.north - run[0]!.south)).toBeCloseTo(size, 6);
        expect((east - west) / (run[0]!.east - run[0]!.west)).toBeCloseTo(size, 6);
      }
  });

  it('lists every coarse cell within a distance, nearest first', () => {
    const origin = { lat: 51.27, lon: 0.52 }; // Maidstone
    const cells = coarseCellsWithin(origin, 60);
    const bounds = cells.map((c) => cellDistanceKm(origin, c));
    expect(bounds).toEqual([...bounds].sort((a, b) => a - b));
    // Any point within 60 km lies in one of them.
    for (let n = 0; n < 2000; n++) {
      const p = { lat: origin.lat + (rnd.next() - 0.5) * 1.2, lon: origin.lon + (rnd.next() - 0.5) * 2 };
      if (distanceKm(origin, p) > 60) continue;
      expect(cells.map((c) => c.coarse)).toContain(mapCellOf(p).coarse);
    }
  });
});
