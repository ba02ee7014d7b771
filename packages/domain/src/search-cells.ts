import { distanceKm } from './geo.ts';

/**
 * The map cells nearest-first search reads: a plain latitude/longitude grid of coarse cells (the
 * index partitions, 0.32° × 0.52°, about 36 km by 33 km in England), each split as a quadtree
 * QUAD_LEVELS deep: an entry's sort key carries its quadtree code (one digit 0–3 a level, about
 * 1.1 km by 1 km at the bottom), so any quadtree cell, from a whole coarse cell down to a square
 * kilometre, is one sort-key prefix and one query. A search reads large cells where entries are
 * sparse and small ones at the edge of what it needs where they are dense.
 */
export const COARSE_CELL = { lat: 0.32, lon: 0.52 } as const;
export const QUAD_LEVELS = 5;
const SIDE = 2 ** QUAD_LEVELS;
const STEP = { lat: COARSE_CELL.lat / SIDE, lon: COARSE_CELL.lon / SIDE };

export interface MapCell {
  /** The coarse cell (`<lat index>:<lon index>`): the partition. */
  coarse: string;
  /** The quadtree cell within it (`''` for the whole coarse cell): a prefix of the entries' codes. */
  quad: string;
  /** Bounds in degrees. */
  south: number;
  north: number;
  west: number;
  east: number;
}

/** A quadtree cell by its smallest cells' global indexes: rows i0…i0+size-1, columns j0…j0+size-1. */
function cellAt(i0: number, j0: number, size: number, quad: string): MapCell {
  return {
    coarse: `${Math.floor(i0 / SIDE)}:${Math.floor(j0 / SIDE)}`,
    quad,
    south: i0 * STEP.lat,
    north: (i0 + size) * STEP.lat,
    west: j0 * STEP.lon,
    east: (j0 + size) * STEP.lon,
  };
}

/** The coarse cell a point lies in and its quadtree code (QUAD_LEVELS digits), as the index keys it. */
export function mapCellOf(p: { lat: number; lon: number }): { coarse: string; quad: string } {
  const i = Math.floor(p.lat / STEP.lat);
  const j = Math.floor(p.lon / STEP.lon);
  const row = i - Math.floor(i / SIDE) * SIDE;
  const col = j - Math.floor(j / SIDE) * SIDE;
  let quad = '';
  for (let level = QUAD_LEVELS - 1; level >= 0; level--)
    quad += String(((row >> level) & 1) * 2 + ((col >> level) & 1));
  return { coarse: `${Math.floor(i / SIDE)}:${Math.floor(j / SIDE)}`, quad };
}

/** The four quadrants of a cell (none below the smallest level). */
export function childrenOf(cell: MapCell): MapCell[] {
  if (cell.quad.length >= QUAD_LEVELS) return [];
  const [ci, cj] = cell.coarse.split(':').map(Number) as [number, number];
  let i0 = ci * SIDE;
  let j0 = cj * SIDE;
  let size = SIDE;
  for (const d of cell.quad) {
    size /= 2;
    if (d === '2' || d === '3') i0 += size;
    if (d === '1' || d === '3') j0 += size;
  }
  size /= 2;
  return [0, 1, 2, 3].map((d) =>
    cellAt(i0 + (d >= 2 ? size : 0), j0 + (d % 2 === 1 ? size : 0), size, `${cell.quad}${d}`),
  );
}

/** A cell's area in km². */
export function cellAreaKm2(c: MapCell): number {
  return (
    (c.north - c.south) * 111.2 * (c.east - c.west) * 111.2 * Math.cos((((c.north + c.south) / 2) * Math.PI) / 180)
  );
}

const toRad = (deg: number) => (deg * Math.PI) / 180;
const toDeg = (rad: number) => (rad * 180) / Math.PI;
const clamp = (x: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, x));

/**
 * The shortest great-circle distance from a point to a cell (0 inside it): nothing in the cell is
 * nearer. East or west of the cell, the nearest point is on the nearer meridian edge, at the
 * latitude where the great circle through the point meets that meridian at a right angle
 * (tan φ = tan φₚ / cos Δλ), held within the edge; level with it, straight north or south.
 */
export function cellDistanceKm(p: { lat: number; lon: number }, cell: MapCell): number {
  if (p.lon >= cell.west && p.lon <= cell.east) {
    if (p.lat >= cell.south && p.lat <= cell.north) return 0;
    return distanceKm(p, { lat: clamp(p.lat, cell.south, cell.north), lon: p.lon });
  }
  const edge = p.lon < cell.west ? cell.west : cell.east;
  const foot = toDeg(Math.atan(Math.tan(toRad(p.lat)) / Math.cos(toRad(edge - p.lon))));
  return distanceKm(p, { lat: clamp(foot, cell.south, cell.north), lon: edge });
}

/** The coarse cells whose nearest point is within `km` of a point, nearest first. */
export function coarseCellsWithin(p: { lat: number; lon: number }, km: number): MapCell[] {
  const ci = Math.floor(Math.floor(p.lat / STEP.lat) / SIDE);
  const cj = Math.floor(Math.floor(p.lon / STEP.lon) / SIDE);
  // A coarse cell is at least 35 km north–south and, in England (below 56°N), 29 km east–west.
  const di = Math.ceil(km / 35) + 1;
  const dj = Math.ceil(km / 29) + 1;
  const cells: { cell: MapCell; km: number }[] = [];
  for (let a = ci - di; a <= ci + di; a++)
    for (let b = cj - dj; b <= cj + dj; b++) {
      const cell = cellAt(a * SIDE, b * SIDE, SIDE, '');
      const d = cellDistanceKm(p, cell);
      if (d <= km) cells.push({ cell, km: d });
    }
  return cells.sort((x, y) => x.km - y.km).map((x) => x.cell);
}
