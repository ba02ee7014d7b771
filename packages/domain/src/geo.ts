const EARTH_RADIUS_KM = 6371.0088;

/**
 * Great-circle distance in km by the haversine formula on a sphere of the mean Earth radius.
 * Within England the error against the ellipsoid is under 0.5%, far below the spread of a
 * postcode district around its centroid.
 */
export function distanceKm(a: { lat: number; lon: number }, b: { lat: number; lon: number }): number {
  const toRad = (deg: number) => (deg * Math.PI) / 180;
  const dLat = toRad(b.lat - a.lat);
  const dLon = toRad(b.lon - a.lon);
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(toRad(a.lat)) * Math.cos(toRad(b.lat)) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(h)));
}
