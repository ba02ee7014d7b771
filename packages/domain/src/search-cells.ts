import { distanceKm } from './geo.ts';

/**
 * The map cells nearest-first search reads: a plain latitude/longitude grid. A coarse cell (an
 * index partition) is 8 × 8 fine cells (a prefix of the entry's sort key). In England a fine cell
 * is about 4.4 km (north–south) by 4–4.5 km, a coarse one about 36 km by 33 km.
 *
 * Fine cells are keyed in Morton (Z) order within their coarse cell, the bits of row and column
 * interleaved, as two digits (`00`–`63`): any aligned 2 × 2 block of fine cells (about 9 km),
 * 4 × 4 (18 km) or the whole coarse cell is one run of keys, so a search reads small cells where
 * places are dense and whole blocks, one range each, where they are sparse.
 */
export const FINE_CELL = { lat: 0.04, lon: 0.065 } as const;
export const FINE_PER_COARSE = 8;
/** Fine cells in a coarse cell; their Morton indexes run 0 to this less one. */
export const FINE_CELLS_PER_COARSE = FINE_PER_COARSE * FINE_PER_COARSE;

export interface MapCell {
  /** The coarse cell (`<lat index>:<lon index>`): the partition. */
  coarse: string;
  /** The fine cell within it (its Morton index, two digits), or undefined for the whole coarse cell. */
  fine?: string;
  /** Bounds in degrees. */
  south: number;
  north: number;
  west: number;
  east: number;
}

const fineIndex = (lat: number, lon: number) => ({
  i: Math.floor(lat / FINE_CELL.lat),
  j: Math.floor(lon / FINE_CELL.lon),
});
const coarseOf = (n: number) => Math.floor(n / FINE_PER_COARSE);
const rest = (n: number) => n - coarseOf(n) * FINE_PER_COARSE;

/** A fine cell's Morton index within its coarse cell: row and column bits interleaved, the row's higher. */
export function mortonIndex(row: number, col: number): number {
  let z = 0;
  for (let bit = 0; 1 << bit < FINE_PER_COARSE; bit++)
    z |= (((row >> bit) & 1) << (2 * bit + 1)) | (((col >> bit) & 1) << (2 * bit));
  return z;
}

/** The key of the fine cell with this Morton index: two digits, so keys sort as the indexes do. */
export const fineKey = (z: number) => String(z).padStart(2, '0');

/** The coarse cell and fine cell a point lies in, as the index keys them. */
export function mapCellOf(p: { lat: number; lon: number }): { coarse: string; fine: string } {
  const { i, j } = fineIndex(p.lat, p.lon);
  return { coarse: `${coarseOf(i)}:${coarseOf(j)}`, fine: fineKey(mortonIndex(rest(i), rest(j))) };
}

function fineCell(i: number, j: number): MapCell {
  return {
    coarse: `${coarseOf(i)}:${coarseOf(j)}`,
    fine: fineKey(mortonIndex(rest(i), rest(j))),
    south: i * FINE_CELL.lat,
    north: (i + 1) * FINE_CELL.lat,
    west: j * FINE_CELL.lon,
    east: (j + 1) * FINE_CELL.lon,
  };
}

function coarseCell(ci: number, cj: number): MapCell {
  const step = { lat: FINE_CELL.lat * FINE_PER_COARSE, lon: FINE_CELL.lon * FINE_PER_COARSE };
  return {
    coarse: `${ci}:${cj}`,
    south: ci * step.lat,
    north: (ci + 1) * step.lat,
    west: cj * step.lon,
    east: (cj + 1) * step.lon,
  };
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
  const { i, j } = fineIndex(p.lat, p.lon);
  const ci = coarseOf(i);
  const cj = coarseOf(j);
  // A coarse cell is at least 35 km north–south and, in England (below 56°N), 29 km east–west.
  const di = Math.ceil(km / 35) + 1;
  const dj = Math.ceil(km / 29) + 1;
  const cells: { cell: MapCell; km: number }[] = [];
  for (let a = ci - di; a <= ci + di; a++)
    for (let b = cj - dj; b <= cj + dj; b++) {
      const cell = coarseCell(a, b);
      const d = cellDistanceKm(p, cell);
      if (d <= km) cells.push({ cell, km: d });
    }
  return cells.sort((x, y) => x.km - y.km).map((x) => x.cell);
}

/** The fine cells of a coarse cell, in key (Morton) order: each four in a row are a 2 × 2 block. */
export function fineCellsOf(coarse: MapCell): MapCell[] {
  const [ci, cj] = coarse.coarse.split(':').map(Number) as [number, number];
  const out: MapCell[] = [];
  for (let a = 0; a < FINE_PER_COARSE; a++)
    for (let b = 0; b < FINE_PER_COARSE; b++)
      out[mortonIndex(a, b)] = fineCell(ci * FINE_PER_COARSE + a, cj * FINE_PER_COARSE + b);
  return out;
}
