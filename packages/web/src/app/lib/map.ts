/** A flat projection around an origin, in km: plenty for a region a few tens of km across. */
export interface LatLon {
  lat: number;
  lon: number;
}

const KM_PER_DEGREE_LAT = 110.574;
const KM_PER_DEGREE_LON_AT_EQUATOR = 111.32;

/** Kilometres east (x) and south (y, as SVG counts down) of the origin. */
export function project(origin: LatLon, p: LatLon): { x: number; y: number } {
  const x = (p.lon - origin.lon) * KM_PER_DEGREE_LON_AT_EQUATOR * Math.cos((origin.lat * Math.PI) / 180);
  const y = -(p.lat - origin.lat) * KM_PER_DEGREE_LAT;
  return { x, y };
}

const NICE = [1, 2, 5, 10, 15, 20, 25, 30, 40, 50, 75, 100, 150, 200, 300, 500];

/**
 * Distance rings to draw: the search radius and two inner rings, or (without a radius) up to three
 * round distances that reach the farthest result.
 */
export function ringDistances(radiusKm: number | undefined, farthestKm: number): number[] {
  if (radiusKm !== undefined) {
    const inner = NICE.filter((n) => n < radiusKm);
    const picks = [inner.find((n) => n >= radiusKm / 3), inner.find((n) => n >= (radiusKm * 2) / 3)].filter(
      (n): n is number => n !== undefined,
    );
    return [...new Set([...picks, radiusKm])];
  }
  const outer = NICE.find((n) => n >= farthestKm) ?? NICE[NICE.length - 1]!;
  return ringDistances(outer, 0);
}

/** Half the width of the square view, in km: the outer ring and every marker, with a margin. */
export function viewHalfSize(rings: number[], points: { x: number; y: number }[]): number {
  const farthest = Math.max(0, ...points.map((p) => Math.max(Math.abs(p.x), Math.abs(p.y))));
  return Math.max(5, ...rings, farthest) * 1.08;
}
