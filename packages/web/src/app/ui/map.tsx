import type { LocalAuthority } from '../lib/types.ts';
import { project, ringDistances, viewHalfSize, type LatLon } from '../lib/map.ts';

export interface MapMarker extends LatLon {
  label: string;
  title: string;
  outOfArea: boolean;
  hasPlace: boolean;
}

/**
 * The search drawn without map tiles: the origin postcode district at the centre, distance rings,
 * each result as a numbered marker (the same number as in the list), and LA names for orientation.
 * Out-of-area results are diamonds as well as another colour, so colour is never the only cue.
 */
export function PlacesMap(props: {
  origin: LatLon & { district: string };
  markers: MapMarker[];
  radiusKm?: number | undefined;
  las: LocalAuthority[];
}) {
  const points = props.markers.map((m) => ({ ...project(props.origin, m), m }));
  const farthest = Math.max(0, ...points.map((p) => Math.hypot(p.x, p.y)));
  const rings = ringDistances(props.radiusKm, farthest);
  const half = viewHalfSize(rings, props.radiusKm !== undefined ? [] : points);
  const r = half / 24; // marker size scales with the view so it reads the same at any zoom
  const font = half / 26;
  const laLabels = props.las
    .map((la) => ({ la, ...project(props.origin, la) }))
    .filter((p) => Math.abs(p.x) < half * 0.92 && Math.abs(p.y) < half * 0.92);
  const inView = points.filter((p) => Math.abs(p.x) <= half && Math.abs(p.y) <= half);
  const summary = `${props.markers.length} settings around ${props.origin.district}; ${props.markers.filter((m) => m.outOfArea).length} of them outside your LA. Rings at ${rings.join(', ')} km.`;
  return (
    <figure class="map">
      <svg
        viewBox={`${-half} ${-half} ${half * 2} ${half * 2}`}
        role="img"
        aria-labelledby="map-title map-desc"
        preserveAspectRatio="xMidYMid meet"
      >
        <title id="map-title">Map of the results around {props.origin.district}</title>
        <desc id="map-desc">{summary}</desc>
        <rect x={-half} y={-half} width={half * 2} height={half * 2} class="map-bg" />
        {laLabels.map((p) => (
          <text key={p.la.laCode} x={p.x} y={p.y} class="map-la" font-size={font * 0.9} text-anchor="middle">
            {p.la.name}
          </text>
        ))}
        {rings.map((km) => (
          <g key={km}>
            <circle cx={0} cy={0} r={km} class="map-ring" stroke-width={half / 250} />
            <text x={0} y={-km - font * 0.3} class="map-ring-label" font-size={font} text-anchor="middle">
              {km} km
            </text>
          </g>
        ))}
        <g class="map-origin">
          <path d={`M ${-r} 0 H ${r} M 0 ${-r} V ${r}`} stroke-width={r / 3} />
          <text x={r * 1.3} y={r * 1.6} font-size={font}>
            {props.origin.district}
          </text>
        </g>
        {inView.map(({ x, y, m }) => (
          <g
            key={m.label}
            class={`map-marker${m.outOfArea ? ' out' : ''}${m.hasPlace ? '' : ' full'}`}
            transform={`translate(${x} ${y})`}
          >
            <title>{m.title}</title>
            {m.outOfArea ? (
              <rect x={-r} y={-r} width={r * 2} height={r * 2} transform="rotate(45)" stroke-width={r / 5} />
            ) : (
              <circle r={r} stroke-width={r / 5} />
            )}
            <text y={r * 0.38} font-size={r * 1.05} text-anchor="middle">
              {m.label}
            </text>
          </g>
        ))}
      </svg>
      <figcaption>
        <span class="legend-item">
          <svg width="14" height="14" aria-hidden="true">
            <circle cx="7" cy="7" r="6" class="legend-in" />
          </svg>{' '}
          In your LA
        </span>
        <span class="legend-item">
          <svg width="14" height="14" aria-hidden="true">
            <rect x="2.5" y="2.5" width="9" height="9" transform="rotate(45 7 7)" class="legend-out" />
          </svg>{' '}
          Across the boundary
        </span>
        <span class="legend-item">
          <svg width="14" height="14" aria-hidden="true">
            <circle cx="7" cy="7" r="5.5" class="legend-full" />
          </svg>{' '}
          No place free yet (hollow)
        </span>
        <span class="legend-item">+ {props.origin.district}, the child’s home district</span>
      </figcaption>
    </figure>
  );
}
