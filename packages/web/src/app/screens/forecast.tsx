import { ApiError, apiUrl, bearer, get } from '../lib/api.ts';
import { downloadCsv } from '../lib/csv-export.ts';
import type { Session } from '../lib/session.ts';
import { useLoad } from '../lib/use-load.ts';
import { PageHeading } from '../ui/common.tsx';

/**
 * Commission ahead: projected EHC plans per DfE placement type against the places published on
 * the marketplace (GET /partnerships/{id}/forecast, GET /las/{gss}/forecast). Kept apart from the
 * sufficiency screen, which only mounts it, and drawn with GOV.UK Frontend class names and SVG
 * attributes (no stylesheet of its own).
 */
type Count = number | '<5';
interface Projected {
  year: string;
  low: number;
  central: number;
  high: number;
}
interface TypeRow {
  type: string;
  name: string;
  settingTypes: string[];
  history: { year: string; plans: number | null }[];
  latest: number;
  projection: Projected[];
  capacity: {
    listings: number;
    commissioned: number;
    filled: number;
    held: number;
    available: number;
    blockPlaces: number;
  };
  marketplace: { openCases: Count; waiting: Count; placements: Count; outOfArea: Count };
  gap: {
    year: string;
    additional: { low: number; central: number; high: number };
    gap: { worst: Count; central: Count; best: Count };
  }[];
  byNeed: { need: string; latest: number; projected: number[] }[];
  byAge: { ageGroup: string; latest: number; projected: number[] }[];
}
export interface ForecastResponse {
  scope: { kind: 'partnership' | 'la'; id: string; name: string; members: string[] };
  baseYear: string | null;
  years: string[];
  method: { name: string; summary: string } | null;
  missing: string[];
  suppression: string;
  reading: string;
  byType: TypeRow[];
}

const n = (v: number) => v.toLocaleString('en-GB');
const c = (v: Count) => (v === '<5' ? '<5' : n(v));
const signed = (v: Count) => (v === '<5' ? '<5' : v > 0 ? `+${n(v)}` : n(v));

async function downloadForecast(path: string, fileName: string) {
  const token = bearer();
  const res = await fetch(apiUrl(`${path}?format=csv`), { headers: token ? { authorization: `Bearer ${token}` } : {} });
  if (res.ok) downloadCsv(fileName, await res.text());
}

/** The forecast of a partnership or an LA: one chart and table per placement type. */
export function ForecastPanel({ kind, id }: { kind: 'partnership' | 'la'; id: string }) {
  const path =
    kind === 'partnership'
      ? `/partnerships/${encodeURIComponent(id)}/forecast`
      : `/las/${encodeURIComponent(id)}/forecast`;
  const forecast = useLoad(async () => {
    try {
      // The document's answer type-checks against the parts the panel reads (ForecastResponse).
      const answer: ForecastResponse =
        kind === 'partnership'
          ? await get('/partnerships/{id}/forecast', { path: { id } })
          : await get('/las/{laCode}/forecast', { path: { laCode: id } });
      return answer;
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) return undefined; // an API without forecasts
      throw e;
    }
  }, [kind, id]);
  const f = forecast.data;
  if (forecast.loading && !f) return <p class="govuk-body">Loading the forecast…</p>;
  if (forecast.error) return <p class="govuk-body">The forecast could not be loaded: {forecast.error.message}</p>;
  if (!f) return null;
  return (
    <section class="forecast" aria-labelledby="forecast-heading">
      <h2 class="govuk-heading-l" id="forecast-heading">
        Forecast: EHC plans against published places, {f.years[0]} to {f.years.at(-1)}
      </h2>
      {f.byType.length === 0 ? (
        <p class="govuk-body">No DfE EHC plan figures are loaded for {f.scope.name} (npm run load:ehcp loads them).</p>
      ) : (
        <>
          {f.method ? <p class="govuk-body">{f.method.summary}</p> : null}
          <p class="govuk-body govuk-hint">
            {f.reading} {f.suppression}
            {f.missing.length ? ` No DfE figures for ${f.missing.join(', ')}.` : ''}{' '}
            <button
              type="button"
              class="govuk-button govuk-button--secondary app-button--small"
              onClick={() => void downloadForecast(path, `${f.scope.id}-forecast.csv`)}
            >
              Download the forecast (CSV)
            </button>
          </p>
          {f.byType.map((t) => (
            <TypeForecast key={t.type} row={t} />
          ))}
        </>
      )}
    </section>
  );
}

const W = 640;
const H = 220;
const PAD = { left: 56, right: 12, top: 12, bottom: 28 };

/** One placement type: DfE's years, the projected range and central line, the capacity line; then the table. */
function TypeForecast({ row }: { row: TypeRow }) {
  const history = row.history.filter((h) => h.plans !== null) as { year: string; plans: number }[];
  const years = [...row.history.map((h) => h.year), ...row.projection.map((p) => p.year)];
  const free = row.capacity.available - (typeof row.marketplace.openCases === 'number' ? row.marketplace.openCases : 0);
  const capacityLine = row.latest + free;
  const top = Math.max(1, capacityLine, ...history.map((h) => h.plans), ...row.projection.map((p) => p.high)) * 1.05;
  const x = (year: string) =>
    PAD.left + (years.indexOf(year) / Math.max(1, years.length - 1)) * (W - PAD.left - PAD.right);
  const y = (v: number) => PAD.top + (1 - v / top) * (H - PAD.top - PAD.bottom);
  const lastHistory = history.at(-1);
  const range = [
    ...(lastHistory ? [`${x(lastHistory.year)},${y(lastHistory.plans)}`] : []),
    ...row.projection.map((p) => `${x(p.year)},${y(p.high)}`),
    ...[...row.projection].reverse().map((p) => `${x(p.year)},${y(p.low)}`),
  ].join(' ');
  const line = (pts: { year: string; v: number }[]) => pts.map((p) => `${x(p.year)},${y(p.v)}`).join(' ');
  const id = `forecast-${row.type}`;
  const end = row.gap.at(-1);
  return (
    <figure class="chart forecast-chart" aria-labelledby={`${id}-title`}>
      <figcaption id={`${id}-title`}>
        <h3 class="govuk-heading-m chart-title">{row.name}</h3>
        <p class="govuk-body-s hint">
          Latest: {n(row.latest)} plans. Published places in {row.settingTypes.join(', ').replace(/_/g, ' ')}:{' '}
          {n(row.capacity.commissioned)} commissioned, {n(row.capacity.available)} free, {n(row.capacity.blockPlaces)}{' '}
          block places. Open cases {c(row.marketplace.openCases)}, waiting {c(row.marketplace.waiting)}, placed out of
          area {c(row.marketplace.outOfArea)}.
          {end
            ? ` Gap by ${end.year}: ${signed(end.gap.central)} places (range ${signed(end.gap.worst)} to ${signed(end.gap.best)}).`
            : ''}
        </p>
      </figcaption>
      <svg viewBox={`0 0 ${W} ${H}`} class="chart-svg" aria-hidden="true" focusable="false">
        {[0, 0.5, 1].map((k) => (
          <g key={k}>
            <line x1={PAD.left} x2={W - PAD.right} y1={y(top * k)} y2={y(top * k)} stroke="#b1b4b6" stroke-width="1" />
            <text x={PAD.left - 6} y={y(top * k) + 4} text-anchor="end" font-size="11" fill="#484949">
              {n(Math.round(top * k))}
            </text>
          </g>
        ))}
        {years.map((yr, i) =>
          i % 2 === 0 ? (
            <text key={yr} x={x(yr)} y={H - 8} text-anchor="middle" font-size="11" fill="#484949">
              {yr}
            </text>
          ) : null,
        )}
        <polygon points={range} fill="#1d70b8" fill-opacity="0.18" stroke="none" />
        <polyline
          points={line(history.map((h) => ({ year: h.year, v: h.plans })))}
          fill="none"
          stroke="#0b0c0c"
          stroke-width="2.5"
        />
        <polyline
          points={line([
            ...(lastHistory ? [{ year: lastHistory.year, v: lastHistory.plans }] : []),
            ...row.projection.map((p) => ({ year: p.year, v: p.central })),
          ])}
          fill="none"
          stroke="#1d70b8"
          stroke-width="2.5"
          stroke-dasharray="6 4"
        />
        <line
          x1={x(lastHistory?.year ?? years[0]!)}
          x2={W - PAD.right}
          y1={y(capacityLine)}
          y2={y(capacityLine)}
          stroke="#00703c"
          stroke-width="2"
          stroke-dasharray="2 3"
        />
      </svg>
      <p class="govuk-body-s legend">
        <span>Solid black: DfE figures.</span> <span>Dashed blue: projection, shaded: its low–high range.</span>{' '}
        <span>
          Dotted green: capacity, the latest plans plus the places free today less open cases; the projection above it
          is the gap.
        </span>
      </p>
      <details class="govuk-details">
        <summary class="govuk-details__summary">
          <span class="govuk-details__summary-text">{row.name}: the figures as a table</span>
        </summary>
        {/* A scrolling region takes keyboard focus so it can be scrolled without a mouse (WCAG 2.1.1). */}
        {/* biome-ignore lint/a11y/noNoninteractiveTabindex: a named scroll container must be focusable */}
        <section class="govuk-details__text app-table-wrap" tabIndex={0} aria-label={`${row.name}, forecast figures`}>
          <table class="govuk-table">
            <caption class="govuk-table__caption govuk-table__caption--s">
              {row.name}: projected EHC plans and the gap
            </caption>
            <thead class="govuk-table__head">
              <tr class="govuk-table__row">
                <th scope="col" class="govuk-table__header">
                  Year
                </th>
                <th scope="col" class="govuk-table__header govuk-table__header--numeric">
                  Projected plans
                </th>
                <th scope="col" class="govuk-table__header govuk-table__header--numeric">
                  Low–high
                </th>
                <th scope="col" class="govuk-table__header govuk-table__header--numeric">
                  Additional plans
                </th>
                <th scope="col" class="govuk-table__header govuk-table__header--numeric">
                  Places free now
                </th>
                <th scope="col" class="govuk-table__header govuk-table__header--numeric">
                  Open cases
                </th>
                <th scope="col" class="govuk-table__header govuk-table__header--numeric">
                  Gap
                </th>
                <th scope="col" class="govuk-table__header govuk-table__header--numeric">
                  Gap, worst to best
                </th>
              </tr>
            </thead>
            <tbody class="govuk-table__body">
              {row.projection.map((p, k) => {
                const g = row.gap[k]!;
                return (
                  <tr class="govuk-table__row" key={p.year}>
                    <th scope="row" class="govuk-table__header">
                      {p.year}
                    </th>
                    <td class="govuk-table__cell govuk-table__cell--numeric">{n(p.central)}</td>
                    <td class="govuk-table__cell govuk-table__cell--numeric">
                      {n(p.low)}–{n(p.high)}
                    </td>
                    <td class="govuk-table__cell govuk-table__cell--numeric">{signed(g.additional.central)}</td>
                    <td class="govuk-table__cell govuk-table__cell--numeric">{n(row.capacity.available)}</td>
                    <td class="govuk-table__cell govuk-table__cell--numeric">{c(row.marketplace.openCases)}</td>
                    <td class="govuk-table__cell govuk-table__cell--numeric">{signed(g.gap.central)}</td>
                    <td class="govuk-table__cell govuk-table__cell--numeric">
                      {signed(g.gap.worst)} to {signed(g.gap.best)}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
          {row.byNeed.length > 0 ? (
            <MixTable
              title={`${row.name}: central projection by primary need (latest mix)`}
              years={row.projection.map((p) => p.year)}
              rows={row.byNeed.map((r) => ({ label: r.need, ...r }))}
            />
          ) : null}
          {row.byAge.length > 0 ? (
            <MixTable
              title={`${row.name}: central projection by age (latest mix)`}
              years={row.projection.map((p) => p.year)}
              rows={row.byAge.map((r) => ({ label: `Age ${r.ageGroup}`, ...r }))}
            />
          ) : null}
        </section>
      </details>
    </figure>
  );
}

function MixTable({
  title,
  years,
  rows,
}: {
  title: string;
  years: string[];
  rows: { label: string; latest: number; projected: number[] }[];
}) {
  return (
    <table class="govuk-table">
      <caption class="govuk-table__caption govuk-table__caption--s">{title}</caption>
      <thead class="govuk-table__head">
        <tr class="govuk-table__row">
          <th scope="col" class="govuk-table__header">
            Group
          </th>
          <th scope="col" class="govuk-table__header govuk-table__header--numeric">
            Latest
          </th>
          {years.map((y) => (
            <th scope="col" class="govuk-table__header govuk-table__header--numeric" key={y}>
              {y}
            </th>
          ))}
        </tr>
      </thead>
      <tbody class="govuk-table__body">
        {rows.map((r) => (
          <tr class="govuk-table__row" key={r.label}>
            <th scope="row" class="govuk-table__header">
              {r.label}
            </th>
            <td class="govuk-table__cell govuk-table__cell--numeric">{n(r.latest)}</td>
            {r.projected.map((v, k) => (
              <td class="govuk-table__cell govuk-table__cell--numeric" key={years[k]}>
                {n(v)}
              </td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** The LA commissioner's sufficiency page: the LA's own forecast against the places published in it. */
export function LaSufficiency({ session }: { session: Session }) {
  return (
    <>
      <PageHeading caption={session.label}>Sufficiency: commissioning ahead</PageHeading>
      <ForecastPanel kind="la" id={session.principal.org} />
    </>
  );
}
