import { useEffect, useState } from 'preact/hooks';
import { ApiError, get, put } from '../lib/api.ts';
import type { Framework } from '../lib/types.ts';
import { longDate, pounds } from '../lib/format.ts';
import type { Session } from '../lib/session.ts';
import { useLoad } from '../lib/use-load.ts';
import {
  ErrorSummary,
  Field,
  Loading,
  Notice,
  PageHeading,
  problemFor,
  SummaryList,
  TableWrap,
} from '../ui/common.tsx';

/** The version in force today, and every later version published (found by asking for v<n+1> until none). */
async function versions(): Promise<{ inForce: Framework; later: Framework[] }> {
  const inForce = await get('/bands');
  const later: Framework[] = [];
  for (let n = Number(inForce.version.slice(1)) + 1; n < Number(inForce.version.slice(1)) + 20; n++) {
    try {
      later.push(await get('/bands/{version}', { path: { version: `v${n}` } }));
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) break;
      throw e;
    }
  }
  return { inForce, later };
}

type Row = {
  placeFunding: string;
  topUp: string;
  therapies: string;
  staffRatio: string;
  minPercent: string;
  maxPercent: string;
};
const asPounds = (pence: number) => String(Math.round(pence / 100));
const toPence = (text: string) => (/^\d+(\.\d{1,2})?$/.test(text.trim()) ? Math.round(Number(text) * 100) : Number.NaN);
const toNumber = (text: string) => (text.trim() === '' ? Number.NaN : Number(text));

function FrameworkSummary({ f, title }: { f: Framework; title: string }) {
  return (
    <section aria-label={title}>
      <h2 class="govuk-heading-m">{title}</h2>
      <SummaryList
        rows={[
          ['Version', f.version],
          ['Takes effect', longDate(f.effectiveFrom)],
          ['Published', longDate(f.publishedAt.slice(0, 10))],
        ]}
      />
      <TableWrap label={`${title}: tariffs`}>
        <table class="govuk-table">
          <caption class="govuk-table__caption govuk-table__caption--s">Bands and day tariffs, a year</caption>
          <thead class="govuk-table__head">
            <tr class="govuk-table__row">
              <th class="govuk-table__header" scope="col">
                Band
              </th>
              <th class="govuk-table__header govuk-table__header--numeric" scope="col">
                Day tariff
              </th>
              <th class="govuk-table__header govuk-table__header--numeric" scope="col">
                Allowed variation
              </th>
            </tr>
          </thead>
          <tbody class="govuk-table__body">
            {f.tariffs.map((t) => (
              <tr class="govuk-table__row" key={t.band}>
                <th class="govuk-table__header" scope="row">
                  {t.band}: {f.bands.find((b) => b.code === t.band)?.name}
                </th>
                <td class="govuk-table__cell govuk-table__cell--numeric">{pounds(t.annualPrice)}</td>
                <td class="govuk-table__cell govuk-table__cell--numeric">
                  {t.variation.minPercent}% to +{t.variation.maxPercent}%
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableWrap>
    </section>
  );
}

/** The national team: the framework in force and the next, and publishing a new version from a date. */
export function FrameworkVersions({ session }: { session: Session }) {
  const loaded = useLoad(versions, []);
  const latest = loaded.data ? (loaded.data.later.at(-1) ?? loaded.data.inForce) : undefined;
  const [version, setVersion] = useState('');
  const [effectiveFrom, setEffectiveFrom] = useState('');
  const [rows, setRows] = useState<Record<string, Row>>({});
  const [error, setError] = useState<Error | undefined>(undefined);
  const [published, setPublished] = useState<Framework | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    if (!latest) return;
    setVersion(`v${Number(latest.version.slice(1)) + 1}`);
    setRows(
      Object.fromEntries(
        latest.tariffs.map((t) => [
          t.band,
          {
            placeFunding: asPounds(t.elements.placeFunding),
            topUp: asPounds(t.elements.topUp),
            therapies: asPounds(t.elements.therapies),
            staffRatio: t.elements.staffRatio,
            minPercent: String(t.variation.minPercent),
            maxPercent: String(t.variation.maxPercent),
          },
        ]),
      ),
    );
  }, [latest?.version]);

  async function publish(e: Event) {
    e.preventDefault();
    if (!latest) return;
    setBusy(true);
    setError(undefined);
    setPublished(undefined);
    const body = {
      effectiveFrom,
      bands: latest.bands.map(
        ({ code, name, description, needLevel, provisionTypes, typicalNeeds, residentialAllowed }) => ({
          code,
          name,
          description,
          needLevel,
          provisionTypes,
          typicalNeeds,
          residentialAllowed,
        }),
      ),
      tariffs: latest.tariffs.map((t) => {
        const r = rows[t.band]!;
        return {
          band: t.band,
          elements: {
            placeFunding: toPence(r.placeFunding),
            topUp: toPence(r.topUp),
            staffRatio: r.staffRatio.trim(),
            therapies: toPence(r.therapies),
            // A day place has no residential element: the API takes only 0 there.
            residential: { ...t.elements.residential, day: 0 as const },
          },
          variation: { minPercent: toNumber(r.minPercent), maxPercent: toNumber(r.maxPercent) },
        };
      }),
    };
    try {
      // NaN is sent as null, which the API names as the field to correct.
      const res = await put('/bands/{version}', { path: { version: version.trim() }, body });
      setPublished(res.body);
      loaded.reload();
    } catch (err) {
      setError(err as Error);
    } finally {
      setBusy(false);
    }
  }

  const set = (band: string, patch: Partial<Row>) => setRows({ ...rows, [band]: { ...rows[band]!, ...patch } });
  const cell = (
    band: string,
    i: number,
    key: keyof Row,
    label: string,
    field: string,
    width = 'govuk-input--width-5',
  ) => (
    <td class="govuk-table__cell">
      <Field
        labelHidden
        label={`${label}, ${band}`}
        name={`tariffs.${i}.${field}`}
        error={problemFor(error, `tariffs.${i}.${field}`)}
      >
        {(a) => (
          <input
            {...a}
            class={`govuk-input ${width}`}
            inputMode={key === 'staffRatio' ? 'text' : 'decimal'}
            value={rows[band]?.[key] ?? ''}
            onInput={(e) => set(band, { [key]: e.currentTarget.value })}
          />
        )}
      </Field>
    </td>
  );
  return (
    <>
      <PageHeading caption={session.label}>Framework</PageHeading>
      <ErrorSummary error={loaded.error} />
      {loaded.loading && !loaded.data ? <Loading what="the framework" /> : null}
      {published ? (
        <Notice kind="success">
          Framework {published.version} is published. It takes effect on {longDate(published.effectiveFrom)}.
        </Notice>
      ) : null}
      {loaded.data ? (
        <>
          <FrameworkSummary f={loaded.data.inForce} title={`In force: ${loaded.data.inForce.version}`} />
          {loaded.data.later.length === 0 ? (
            <Notice>No later version has been published yet.</Notice>
          ) : (
            loaded.data.later.map((f) => <FrameworkSummary key={f.version} f={f} title={`Next: ${f.version}`} />)
          )}
        </>
      ) : null}
      {latest ? (
        <form onSubmit={publish} noValidate aria-label="Publish a new version">
          <h2 class="govuk-heading-m">Publish a new version</h2>
          <p class="govuk-body">
            Starts from {latest.version}. Versions cannot be changed once published; listings priced from the date it
            takes effect follow it. Amounts are pounds a year.
          </p>
          <ErrorSummary error={error} />
          <div class="field-row">
            <Field label="Version" name="version" hint="Such as v2" error={problemFor(error, 'version')}>
              {(a) => (
                <input
                  {...a}
                  class="govuk-input govuk-input--width-5"
                  value={version}
                  onInput={(e) => setVersion(e.currentTarget.value)}
                />
              )}
            </Field>
            <Field
              label="Takes effect on"
              name="effectiveFrom"
              hint="Today or later"
              error={problemFor(error, 'effectiveFrom')}
            >
              {(a) => (
                <input
                  {...a}
                  class="govuk-input govuk-input--width-10"
                  type="date"
                  value={effectiveFrom}
                  onInput={(e) => setEffectiveFrom(e.currentTarget.value)}
                />
              )}
            </Field>
          </div>
          <TableWrap label="Tariffs to publish">
            <table class="govuk-table">
              <caption class="govuk-table__caption govuk-table__caption--s">Tariff elements by band</caption>
              <thead class="govuk-table__head">
                <tr class="govuk-table__row">
                  <th class="govuk-table__header" scope="col">
                    Band
                  </th>
                  <th class="govuk-table__header" scope="col">
                    Place funding (£)
                  </th>
                  <th class="govuk-table__header" scope="col">
                    Top-up (£)
                  </th>
                  <th class="govuk-table__header" scope="col">
                    Therapies (£)
                  </th>
                  <th class="govuk-table__header" scope="col">
                    Staffing ratio
                  </th>
                  <th class="govuk-table__header" scope="col">
                    Variation from (%)
                  </th>
                  <th class="govuk-table__header" scope="col">
                    Variation to (%)
                  </th>
                </tr>
              </thead>
              <tbody class="govuk-table__body">
                {latest.tariffs.map((t, i) => (
                  <tr class="govuk-table__row" key={t.band}>
                    <th class="govuk-table__header" scope="row">
                      {t.band}
                    </th>
                    {cell(t.band, i, 'placeFunding', 'Place funding', 'elements.placeFunding', 'govuk-input--width-10')}
                    {cell(t.band, i, 'topUp', 'Top-up', 'elements.topUp', 'govuk-input--width-10')}
                    {cell(t.band, i, 'therapies', 'Therapies', 'elements.therapies', 'govuk-input--width-10')}
                    {cell(t.band, i, 'staffRatio', 'Staffing ratio', 'elements.staffRatio', 'govuk-input--width-4')}
                    {cell(t.band, i, 'minPercent', 'Variation from', 'variation.minPercent', 'govuk-input--width-4')}
                    {cell(t.band, i, 'maxPercent', 'Variation to', 'variation.maxPercent', 'govuk-input--width-4')}
                  </tr>
                ))}
              </tbody>
            </table>
          </TableWrap>
          <button type="submit" class="govuk-button" disabled={busy}>
            Publish {version || 'the new version'}
          </button>
        </form>
      ) : null}
    </>
  );
}
