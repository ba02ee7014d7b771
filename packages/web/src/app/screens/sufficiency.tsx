import { useState } from 'preact/hooks';
import { get, getAll } from '../lib/api.ts';
import { downloadCsv, toCsv } from '../lib/csv-export.ts';
import { longDate, pounds, todayIso } from '../lib/format.ts';
import type { Session } from '../lib/session.ts';
import { fromSufficiencyReport, type CapacityRow, type Figure, type SufficiencyReport } from '../lib/sufficiency.ts';
import type { Partnership } from '../lib/types.ts';
import { useLoad } from '../lib/use-load.ts';
import { BarChart, type Series } from '../ui/charts.tsx';
import { ErrorSummary, Field, Loading, Notice, PageHeading } from '../ui/common.tsx';
import { RefusalsByLa } from '../ui/mainstream-refusal.tsx';
import { ForecastPanel } from './forecast.tsx';

/** The partnership sufficiency report: capacity against demand, placements in and out of area, spend. */
async function loadSufficiency(id: string): Promise<SufficiencyReport> {
  // The document's answer type-checks against the parts the dashboard reads (SufficiencyResponse).
  return fromSufficiencyReport(await get('/partnerships/{id}/sufficiency', { path: { id } }));
}

const CAPACITY: Series<CapacityRow>[] = [
  { key: 'commissioned', label: 'Commissioned', value: (r) => r.commissioned, className: 'bar-commissioned' },
  { key: 'used', label: 'Filled or held', value: (r) => r.filled + r.held, className: 'bar-used' },
  { key: 'available', label: 'Available', value: (r) => r.available, className: 'bar-available' },
  { key: 'demand', label: 'Children with no place held', value: (r) => r.demand, className: 'bar-demand' },
];

function exportCsv(report: SufficiencyReport) {
  type Row = {
    table: string;
    group: string;
    r?: CapacityRow;
    pence?: Figure;
    atTariff?: Figure;
    inArea?: Figure;
    outOfArea?: Figure;
  };
  const rows: Row[] = [
    ...report.byBand.map((r) => ({ table: 'capacity by band', group: r.label, r })),
    ...report.byNeed.map((r) => ({ table: 'capacity by need', group: r.label, r })),
    ...report.byLa.map((r) => ({ table: 'capacity by LA', group: r.label, r })),
    ...report.spendByLa.map((s) => ({
      table: 'annual spend by LA',
      group: s.label,
      pence: s.pence,
      ...(s.atTariff !== undefined ? { atTariff: s.atTariff } : {}),
    })),
    ...(report.flows ?? []).map((f) => ({
      table: 'placements in and out of area by LA',
      group: f.label,
      inArea: f.inArea,
      outOfArea: f.outOfArea,
    })),
  ];
  const csv = toCsv(rows, [
    { header: 'table', value: (x) => x.table },
    { header: 'group', value: (x) => x.group },
    { header: 'commissioned', value: (x) => x.r?.commissioned },
    { header: 'filled', value: (x) => x.r?.filled },
    { header: 'held', value: (x) => x.r?.held },
    { header: 'available', value: (x) => x.r?.available },
    { header: 'demand', value: (x) => x.r?.demand },
    { header: 'placed_in_area', value: (x) => x.inArea },
    { header: 'placed_out_of_area', value: (x) => x.outOfArea },
    { header: 'spend_pence_per_year', value: (x) => x.pence },
    { header: 'spend_at_tariff_pence_per_year', value: (x) => x.atTariff },
  ]);
  downloadCsv(`sufficiency-${report.partnership.id}-${todayIso()}.csv`, csv);
}

/** The regional coordinator's view: capacity against demand, out-of-area flows and spend. */
export function Sufficiency({ session }: { session: Session }) {
  const national = session.principal.role === 'national';
  const partnerships = useLoad(() => (national ? getAll('/partnerships') : Promise.resolve([])), [national]);
  const [chosen, setChosen] = useState(national ? 'se19' : session.principal.org);
  const report = useLoad(() => loadSufficiency(chosen), [chosen]);
  const r = report.data;
  return (
    <>
      <PageHeading caption={session.label}>{r ? `Sufficiency: ${r.partnership.name}` : 'Sufficiency'}</PageHeading>
      {national ? (
        <Field label="Partnership" name="partnership">
          {(a) => (
            <select class="govuk-select" {...a} value={chosen} onChange={(e) => setChosen(e.currentTarget.value)}>
              {(partnerships.data ?? [{ id: chosen, name: chosen } as Partnership]).map((p) => (
                <option key={p.id} value={p.id}>
                  {p.name}
                </option>
              ))}
            </select>
          )}
        </Field>
      ) : null}
      <ErrorSummary error={report.error} />
      {report.loading && !r ? <Loading what="the members’ capacity" /> : null}
      {r ? (
        <>
          <p class="govuk-body">
            Figures as at {longDate(r.asOf)}
            {r.source === 'sufficiency_report'
              ? ', from the partnership’s sufficiency report. Counts of 1 to 4 children are shown as <5.'
              : ', from the places every member’s settings publish.'}{' '}
            <button
              type="button"
              class="govuk-button govuk-button--secondary app-button--small"
              onClick={() => exportCsv(r)}
            >
              Download all figures (CSV)
            </button>
          </p>
          {r.source === 'published_capacity' ? (
            <Notice>
              This API has no partnership sufficiency report yet, so demand (children with no place) and placements out
              of area are not shown: only published capacity, and spend on filled places by host LA.
            </Notice>
          ) : null}
          <div class="kpis">
            <Kpi label="Places commissioned" value={sum(r.byLa, 'commissioned').toLocaleString('en-GB')} />
            <Kpi label="Places available" value={sum(r.byLa, 'available').toLocaleString('en-GB')} />
            <Kpi label="Places held for allocations" value={sum(r.byLa, 'held').toLocaleString('en-GB')} />
            {r.withoutPlace ? <Kpi label="Children without a place" value={figure(r.withoutPlace.cases)} /> : null}
            {r.withoutPlace?.averageDays != null ? (
              <Kpi label="Average days without a place" value={figure(r.withoutPlace.averageDays)} />
            ) : null}
            <Kpi
              label={r.source === 'sufficiency_report' ? 'Annual spend on placements' : 'Annual spend on filled places'}
              value={spendTotal(r)}
            />
          </div>
          <div class="charts">
            <BarChart
              id="by-band"
              title={r.source === 'sufficiency_report' ? 'Capacity against demand by band' : 'Capacity by band'}
              rows={r.byBand}
              label={(x) => x.label}
              series={CAPACITY}
            />
            <BarChart
              id="by-need"
              title={r.source === 'sufficiency_report' ? 'Capacity against demand by need' : 'Capacity by need'}
              rows={r.byNeed}
              label={(x) => x.label}
              series={CAPACITY}
              note="A listing that meets several needs counts under each."
            />
            <BarChart
              id="by-la"
              title={r.source === 'sufficiency_report' ? 'Capacity against demand by LA' : 'Capacity by host LA'}
              rows={r.byLa}
              label={(x) => x.label}
              series={CAPACITY}
            />
            <BarChart
              id="spend"
              title={
                r.source === 'sufficiency_report'
                  ? 'Annual spend on placements, by commissioning LA'
                  : 'Annual spend on filled places, by host LA'
              }
              rows={r.spendByLa}
              label={(x) => x.label}
              series={[
                { key: 'spend', label: 'At the listings’ prices', value: (x) => x.pence, className: 'bar-spend' },
                { key: 'tariff', label: 'At the bands’ tariffs', value: (x) => x.atTariff, className: 'bar-used' },
              ]}
              format={pounds}
            />
            {r.flows ? (
              <BarChart
                id="flows"
                title="Out-of-area placements: each member’s placements in its own area and in another LA’s"
                rows={r.flows}
                label={(f) => f.label}
                series={[
                  { key: 'in', label: 'In the LA', value: (f) => f.inArea, className: 'bar-commissioned' },
                  { key: 'out', label: 'In another LA', value: (f) => f.outOfArea, className: 'bar-demand' },
                ]}
              />
            ) : null}
            {r.refusalsByLa ? <RefusalsByLa rows={r.refusalsByLa} /> : null}
          </div>
          <ForecastPanel kind="partnership" id={chosen} />
        </>
      ) : null}
    </>
  );
}

const figure = (f: Figure | null) =>
  f === null ? '—' : typeof f === 'number' ? f.toLocaleString('en-GB', { maximumFractionDigits: 1 }) : f;

function spendTotal(r: SufficiencyReport): string {
  if (r.spendTotal !== undefined) return r.spendTotal === '<5' ? '<5 placements' : pounds(r.spendTotal);
  return pounds(r.spendByLa.reduce<number>((n, s) => n + (typeof s.pence === 'number' ? s.pence : 0), 0));
}

const sum = (rows: CapacityRow[], k: 'commissioned' | 'available' | 'held') => rows.reduce((n, x) => n + x[k], 0);

function Kpi({ label, value }: { label: string; value: string }) {
  return (
    <div class="kpi">
      <span class="kpi-value">{value}</span>
      <span class="kpi-label">{label}</span>
    </div>
  );
}
