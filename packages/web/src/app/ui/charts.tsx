import type { ComponentChildren } from 'preact';

export interface Series<T> {
  key: string;
  label: string;
  /** A number draws a bar; "<5" (a suppressed count) is written with no bar; undefined is no data. */
  value: (row: T) => number | '<5' | undefined;
  /** A CSS class giving the bar its colour (and a pattern, so colour is not the only cue). */
  className: string;
}

/**
 * Horizontal grouped bars drawn as SVG, with the same figures in a table beside it for screen
 * readers and for anyone who prefers numbers. Bars and labels scale to the widest value.
 */
export function BarChart<T>(props: {
  title: string;
  rows: T[];
  label: (row: T) => string;
  series: Series<T>[];
  format?: (n: number) => string;
  note?: ComponentChildren;
  id: string;
}) {
  const format = props.format ?? ((n: number) => n.toLocaleString('en-GB'));
  const series = props.series.filter((s) => props.rows.some((r) => s.value(r) !== undefined));
  const num = (v: number | '<5' | undefined) => (typeof v === 'number' ? v : 0);
  const max = Math.max(1, ...props.rows.flatMap((r) => series.map((s) => num(s.value(r)))));
  const barH = 14;
  const gap = 10;
  const groupH = series.length * barH + gap;
  const labelW = 175;
  const width = 640;
  const plotW = width - labelW - 90;
  const height = props.rows.length * groupH + 10;
  return (
    <figure class="chart" aria-labelledby={`${props.id}-title`}>
      <figcaption id={`${props.id}-title`}>
        <h2 class="govuk-heading-m chart-title">{props.title}</h2>
        {props.note ? <p class="govuk-hint">{props.note}</p> : null}
        <span class="legend">
          {series.map((s) => (
            <span key={s.key} class="legend-item">
              <svg width="14" height="14" aria-hidden="true">
                <rect width="14" height="14" class={s.className} />
              </svg>{' '}
              {s.label}
            </span>
          ))}
        </span>
      </figcaption>
      <svg viewBox={`0 0 ${width} ${height}`} class="chart-svg" aria-hidden="true" focusable="false">
        {props.rows.map((row, i) => {
          const y = i * groupH;
          return (
            <g key={props.label(row)} transform={`translate(0 ${y})`}>
              <text x={labelW - 8} y={(series.length * barH) / 2 + 4} text-anchor="end" class="chart-label">
                {props.label(row).length > 24 ? `${props.label(row).slice(0, 23)}…` : props.label(row)}
              </text>
              {series.map((s, j) => {
                const raw = s.value(row);
                const v = num(raw);
                const w = (v / max) * plotW;
                return (
                  <g key={s.key}>
                    <rect
                      x={labelW}
                      y={j * barH}
                      width={Math.max(v > 0 ? 1 : 0, w)}
                      height={barH - 2}
                      class={s.className}
                    />
                    <text x={labelW + w + 4} y={j * barH + barH - 4} class="chart-value">
                      {raw === '<5' ? '<5' : format(v)}
                    </text>
                  </g>
                );
              })}
            </g>
          );
        })}
      </svg>
      <details class="govuk-details">
        <summary class="govuk-details__summary">
          <span class="govuk-details__summary-text">{props.title}: the figures as a table</span>
        </summary>
        {/* A section with a name is a region. */}
        <section
          class="app-table-wrap"
          // biome-ignore lint/a11y/noNoninteractiveTabindex: a region that scrolls sideways must take focus so keyboard users can scroll it (WCAG 2.1.1)
          tabIndex={0}
          aria-label={`${props.title}, figures`}
        >
          <table class="govuk-table">
            <thead class="govuk-table__head">
              <tr class="govuk-table__row">
                <th class="govuk-table__header" scope="col">
                  Group
                </th>
                {series.map((s) => (
                  <th scope="col" class="govuk-table__header govuk-table__header--numeric" key={s.key}>
                    {s.label}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody class="govuk-table__body">
              {props.rows.map((row) => (
                <tr class="govuk-table__row" key={props.label(row)}>
                  <th class="govuk-table__header" scope="row">
                    {props.label(row)}
                  </th>
                  {series.map((s) => (
                    <td class="govuk-table__cell govuk-table__cell--numeric" key={s.key}>
                      {show(s.value(row), format)}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      </details>
    </figure>
  );
}

function show(v: number | '<5' | undefined, format: (n: number) => string): string {
  if (v === undefined) return '—';
  return v === '<5' ? '<5' : format(v);
}
