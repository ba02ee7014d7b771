import { useState } from 'preact/hooks';
import { getAll } from '../lib/api.ts';
import { downloadCsv, toCsv } from '../lib/csv-export.ts';
import { longDate, pounds, todayIso } from '../lib/format.ts';
import { localAuthorities, partnership } from '../lib/reference.ts';
import type { Session } from '../lib/session.ts';
import { fromPublishedCapacity, type CapacityRow, type SufficiencyReport } from '../lib/sufficiency.ts';
import type { Partnership, Setting } from '../lib/types.ts';
import { useLoad } from '../lib/use-load.ts';
import { BarChart, type Series } from '../ui/charts.tsx';
import { ErrorSummary, Field, Loading, Notice, PageHeading } from '../ui/common.tsx';

/**
 * Where the dashboard's figures come from. Today the members' published capacity; the
 * partnership sufficiency route (GET /partnerships/{id}/sufficiency) will replace it by mapping
 * its answer to the same SufficiencyReport, and demand and flows then appear on the charts.
 */
async function loadSufficiency(id: string): Promise<SufficiencyReport> {
  const [p, las] = await Promise.all([partnership(id), localAuthorities()]);
  const settings = (await Promise.all(p.members.map((la) => getAll<Setting>(`/settings?la=${la}`)))).flat();
  return fromPublishedCapacity(p, settings, las, new Date().toISOString());
}

const CAPACITY: Series<CapacityRow>[] = [
  { key: 'commissioned', label: 'Commissioned', value: (r) => r.commissioned, className: 'bar-commissioned' },
  { key: 'used', label: 'Filled or held', value: (r) => r.filled + r.held, className: 'bar-used' },
  { key: 'available', label: 'Available', value: (r) => r.available, className: 'bar-available' },
  { key: 'demand', label: 'Children needing a place', value: (r) => r.demand, className: 'bar-demand' },
];

function exportCsv(report: SufficiencyReport) {
  type Row = { table: string; group: string; r?: CapacityRow; pence?: number; count?: number };
  const rows: Row[] = [
    ...report.byBand.map((r) => ({ table: 'capacity by band', group: r.label, r })),
    ...report.byNeed.map((r) => ({ table: 'capacity by need', group: r.label, r })),
    ...report.byLa.map((r) => ({ table: 'capacity by host LA', group: r.label, r })),
    ...report.spendByLa.map((s) => ({ table: 'annual spend on filled places by host LA', group: s.label, pence: s.pence })),
    ...(report.flows ?? []).map((f) => ({ table: 'out-of-area placements', group: `${f.from} to ${f.to}`, count: f.placements })),
  ];
  const csv = toCsv(rows, [
    { header: 'table', value: (x) => x.table },
    { header: 'group', value: (x) => x.group },
    { header: 'commissioned', value: (x) => x.r?.commissioned },
    { header: 'filled', value: (x) => x.r?.filled },
    { header: 'held', value: (x) => x.r?.held },
    { header: 'available', value: (x) => x.r?.available },
    { header: 'demand', value: (x) => x.r?.demand },
    { header: 'placements', value: (x) => x.count },
    { header: 'spend_pence_per_year', value: (x) => x.pence },
  ]);
  downloadCsv(`sufficiency-${report.partnership.id}-${todayIso()}.csv`, csv);
}

/** The regional coordinator's view: capacity against demand, out-of-area flows and spend. */
export function Sufficiency({ session }: { session: Session }) {
  const national = session.principal.role === 'national';
  const partnerships = useLoad(() => (national ? getAll<Partnership>('/partnerships') : Promise.resolve([])), [national]);
  const [chosen, setChosen] = useState(national ? 'se19' : session.principal.org);
  const report = useLoad(() => loadSufficiency(chosen), [chosen]);
  const r = report.data;
  return (
    <>
      <PageHeading caption={session.label}>{r ? `Sufficiency: ${r.partnership.name}` : 'Sufficiency'}</PageHeading>
      {national ? (
        <Field label="Partnership" name="partnership">
          {(a) => (
            <select {...a} value={chosen} onChange={(e) => setChosen(e.currentTarget.value)}>
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
          <p>
            Figures as at {longDate(r.asOf)}, from the places every member’s settings publish.{' '}
            <button class="button button-secondary small" onClick={() => exportCsv(r)}>
              Download all figures (CSV)
            </button>
          </p>
          {r.source === 'published_capacity' ? (
            <Notice>
              Demand (children needing a place) and out-of-area placements come from members’ cases, which only the partnership sufficiency report can add up
              without showing any child’s case. Until it is switched on, this page shows published capacity and spend.
            </Notice>
          ) : null}
          <div class="kpis">
            <Kpi label="Places commissioned" value={sum(r.byLa, 'commissioned').toLocaleString('en-GB')} />
            <Kpi label="Places available" value={sum(r.byLa, 'available').toLocaleString('en-GB')} />
            <Kpi label="Places held for allocations" value={sum(r.byLa, 'held').toLocaleString('en-GB')} />
            <Kpi label="Annual spend on filled places" value={pounds(r.spendByLa.reduce((n, s) => n + s.pence, 0))} />
          </div>
          <div class="charts">
            <BarChart id="by-band" title={r.source === 'sufficiency_report' ? 'Capacity against demand by band' : 'Capacity by band'} rows={r.byBand} label={(x) => x.label} series={CAPACITY} />
            <BarChart id="by-need" title={r.source === 'sufficiency_report' ? 'Capacity against demand by need' : 'Capacity by need'} rows={r.byNeed} label={(x) => x.label} series={CAPACITY} note="A listing that meets several needs counts under each." />
            <BarChart id="by-la" title="Capacity by host LA" rows={r.byLa} label={(x) => x.label} series={CAPACITY} />
            <BarChart
              id="spend"
              title="Annual spend on filled places, by host LA"
              rows={r.spendByLa}
              label={(x) => x.label}
              series={[{ key: 'spend', label: 'Spend a year at published prices', value: (x) => x.pence, className: 'bar-spend' }]}
              format={pounds}
            />
            {r.flows ? (
              <BarChart
                id="flows"
                title="Out-of-area placements between members"
                rows={r.flows}
                label={(f) => `${f.from} → ${f.to}`}
                series={[{ key: 'placements', label: 'Placements', value: (f) => f.placements, className: 'bar-used' }]}
              />
            ) : null}
          </div>
        </>
      ) : null}
    </>
  );
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
