import { useEffect, useState } from 'preact/hooks';
import { lotteryNumber } from '@placements/domain/allocation-round.ts';
import { get, getAll, post } from '../lib/api.ts';
import type { AllocationRound } from '../lib/types.ts';
import { downloadCsv, toCsv } from '../lib/csv-export.ts';
import { plural, todayIso } from '../lib/format.ts';
import { laName, localAuthorities, partnership } from '../lib/reference.ts';
import { navigate, routeQuery } from '../lib/router.ts';
import type { Session } from '../lib/session.ts';
import { useLoad } from '../lib/use-load.ts';
import {
  Checkbox,
  ErrorSummary,
  Field,
  Loading,
  Notice,
  PageHeading,
  problemFor,
  Radios,
  SelectField,
  SummaryList,
  TableWrap,
  Tag,
} from '../ui/common.tsx';

/** GET /allocation-rounds/{id}: the report, or (rounds run in the background) its state and progress until done. */
type Round = AllocationRound;

const MECHANISMS = [
  ['serial_dictatorship', 'Serial dictatorship: cases take turns in the published order'],
  ['deferred_acceptance', 'Deferred acceptance: each setting puts cases of its own LA first'],
] as const;

/** Rounds started in this browser tab, newest first (the API has no list of rounds). */
const remembered = (org: string): { id: string; seed: string; at: string; cases: number }[] =>
  JSON.parse(sessionStorage.getItem(`placements:rounds:${org}`) ?? '[]');
const remember = (org: string, r: { id: string; seed: string; at: string; cases: number }) =>
  sessionStorage.setItem(`placements:rounds:${org}`, JSON.stringify([r, ...remembered(org)].slice(0, 20)));

/** Choose the cases (filters), the mechanism and the seed, and start a round (LA or partnership). */
export function Rounds({ session }: { session: Session }) {
  const { role, org } = session.principal;
  const prefill = routeQuery(location.hash.replace(/^#/, ''));
  const las = useLoad(localAuthorities, []);
  const members = useLoad(async () => (role === 'partnership' ? (await partnership(org)).members : [org]), [org]);
  const [la, setLa] = useState('');
  const [withoutPlace, setWithoutPlace] = useState(true);
  const [phaseTransfer, setPhaseTransfer] = useState(false);
  const [mechanism, setMechanism] = useState(prefill.get('mechanism') ?? 'serial_dictatorship');
  const [seed, setSeed] = useState(prefill.get('seed') ?? `${org}-${todayIso()}`);
  const [error, setError] = useState<Error | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const cases = useLoad(async () => {
    if (!members.data) return undefined;
    const from = la ? [la] : members.data;
    const pages = await Promise.all(
      from.map((code) =>
        getAll('/cases', { query: role === 'partnership' ? { active: 'true', laCode: code } : { active: 'true' } }),
      ),
    );
    return pages.flat();
  }, [members.data?.join(','), la]);
  const chosen = (cases.data ?? []).filter(
    (c) => (!withoutPlace || c.state === 'open') && (!phaseTransfer || c.phaseTransferDeadline !== undefined),
  );

  async function start(e: Event) {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const body = {
        cases: chosen.map((c) => (role === 'partnership' ? { laCode: c.laCode, id: c.id } : c.id)),
        // From the form or a link's query: the API names it if it is not one it runs.
        mechanism: mechanism as Round['mechanism'],
        seed: seed.trim(),
      };
      const res = await post('/allocation-rounds', { body });
      remember(org, { id: res.body.id, seed: seed.trim(), at: new Date().toISOString(), cases: chosen.length });
      navigate(`/rounds/${res.body.id}`);
    } catch (err) {
      setError(err as Error);
      setBusy(false);
    }
  }

  const past = remembered(org);
  return (
    <>
      <PageHeading caption={session.label}>Allocation rounds</PageHeading>
      <p class="govuk-body">
        A round allocates many cases at once against the places free now, in a published order: longest without a place
        first, ties broken by a lottery drawn from the seed. The same seed gives the same order on any machine.
      </p>
      <form onSubmit={start} noValidate aria-label="Start a round">
        <ErrorSummary error={error ?? cases.error ?? members.error} />
        <h2 class="govuk-heading-m">Choose the cases</h2>
        {role === 'partnership' ? (
          <SelectField
            label="Local authority"
            name="la"
            value={la}
            onChange={setLa}
            empty="Every member LA"
            options={(members.data ?? []).map((code) => [code, laName(las.data, code)] as const)}
          />
        ) : null}
        <div class="govuk-form-group">
          <fieldset class="govuk-fieldset">
            <legend class="govuk-fieldset__legend govuk-fieldset__legend--s">Which cases</legend>
            <div class="govuk-checkboxes govuk-checkboxes--small">
              <Checkbox checked={withoutPlace} onChange={(e) => setWithoutPlace(e.currentTarget.checked)}>
                Only cases without a place
              </Checkbox>
              <Checkbox checked={phaseTransfer} onChange={(e) => setPhaseTransfer(e.currentTarget.checked)}>
                Only the phase-transfer cohort (cases with a transfer deadline)
              </Checkbox>
            </div>
          </fieldset>
        </div>
        {cases.loading && !cases.data ? <Loading what="cases" /> : null}
        {cases.data ? (
          <p class="govuk-body" aria-live="polite">
            <strong>{plural(chosen.length, 'case')}</strong> chosen of {plural(cases.data.length, 'active case')}.
          </p>
        ) : null}
        {chosen.length > 0 ? (
          <TableWrap label="Cases chosen">
            <table class="govuk-table">
              <thead class="govuk-table__head">
                <tr class="govuk-table__row">
                  <th class="govuk-table__header" scope="col">
                    Case
                  </th>
                  <th class="govuk-table__header" scope="col">
                    LA
                  </th>
                  <th class="govuk-table__header" scope="col">
                    Band
                  </th>
                  <th class="govuk-table__header" scope="col">
                    Needs
                  </th>
                  <th class="govuk-table__header govuk-table__header--numeric" scope="col">
                    Age
                  </th>
                  <th class="govuk-table__header govuk-table__header--numeric" scope="col">
                    Days without a place
                  </th>
                </tr>
              </thead>
              <tbody class="govuk-table__body">
                {chosen.slice(0, 50).map((c) => (
                  <tr class="govuk-table__row" key={c.id}>
                    <th class="govuk-table__header" scope="row">
                      {('reference' in c ? (c.ref ?? c.reference) : undefined) ?? c.id.slice(0, 8)}
                    </th>
                    <td class="govuk-table__cell">{laName(las.data, c.laCode)}</td>
                    <td class="govuk-table__cell">{c.band}</td>
                    <td class="govuk-table__cell">{c.needs.join(', ')}</td>
                    <td class="govuk-table__cell govuk-table__cell--numeric">{c.age}</td>
                    <td class="govuk-table__cell govuk-table__cell--numeric">{c.daysWithoutPlace}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            {chosen.length > 50 ? <p class="govuk-body">and {chosen.length - 50} more.</p> : null}
          </TableWrap>
        ) : null}
        <h2 class="govuk-heading-m">How to allocate</h2>
        <Radios
          legend="Mechanism"
          name="mechanism"
          value={mechanism}
          onChange={setMechanism}
          options={MECHANISMS}
          error={problemFor(error, 'mechanism')}
        />
        <Field
          label="Seed"
          name="seed"
          hint="Published with the round, so anyone can recompute its lottery and order."
          error={problemFor(error, 'seed')}
        >
          {(a) => (
            <input
              {...a}
              class="govuk-input govuk-input--width-20"
              value={seed}
              onInput={(e) => setSeed(e.currentTarget.value)}
            />
          )}
        </Field>
        <button type="submit" class="govuk-button" disabled={busy}>
          Start the round
        </button>
      </form>
      {past.length > 0 ? (
        <>
          <h2 class="govuk-heading-m">Rounds you started</h2>
          <ul class="govuk-list">
            {past.map((r) => (
              <li key={r.id}>
                <a class="govuk-link" href={`#/rounds/${r.id}`}>
                  Round with seed {r.seed}
                </a>{' '}
                ({plural(r.cases, 'case')},{' '}
                {new Date(r.at).toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'short' })})
              </li>
            ))}
          </ul>
        </>
      ) : null}
    </>
  );
}

const OUTCOME_TAGS = {
  allocated: ['green', 'Allocated'],
  unallocated: ['yellow', 'No place'],
  not_eligible: ['grey', 'Not eligible'],
} as const;

/** How far a running round is: the cases decided, then the listings committed, as one percentage. */
function percentOf(p: Round['progress'] | undefined): number | undefined {
  if (p === undefined || p.cases === 0) return undefined;
  const decided = p.casesDecided / p.cases;
  const committed = p.listings === 0 ? 0 : p.listingsCommitted / p.listings;
  return Math.round(((decided + committed) / 2) * 100);
}

/** A round: its progress while it runs, then every case's outcome and explanation, and a CSV. */
export function RoundPage({ id, session }: { id: string; session: Session }) {
  const [round, setRound] = useState<Round | undefined>(undefined);
  const [error, setError] = useState<Error | undefined>(undefined);
  const las = useLoad(localAuthorities, []);
  useEffect(() => {
    let live = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const poll = async () => {
      try {
        const r = await get('/allocation-rounds/{id}', { path: { id } });
        if (!live) return;
        setRound(r);
        // A background round answers with its state and progress until its outcomes are ready.
        if (r.outcomes === undefined && r.state !== 'failed') timer = setTimeout(poll, 1000);
      } catch (e) {
        if (live) setError(e as Error);
      }
    };
    void poll();
    return () => {
      live = false;
      if (timer) clearTimeout(timer);
    };
  }, [id]);
  const placesLeft = useLoad(async () => {
    const urns = [...new Set((round?.outcomes ?? []).flatMap((o) => (o.urn ? [o.urn] : [])))];
    if (urns.length === 0) return undefined;
    const settings = await Promise.all(urns.map((u) => get('/settings/{urn}', { path: { urn: u } })));
    return settings.reduce((n, s) => n + s.listings.reduce((m, l) => m + l.available, 0), 0);
  }, [round?.outcomes?.length]);

  const outcomes = round?.outcomes ?? [];
  const s = round?.summary;
  const lotteryChecked = round?.seed
    ? outcomes.filter((o) => o.lottery !== undefined).every((o) => lotteryNumber(round.seed!, o.caseId) === o.lottery)
    : undefined;
  const percent = percentOf(round?.progress);
  function csv() {
    downloadCsv(
      `allocation-round-${id}.csv`,
      toCsv(outcomes, [
        { header: 'case', value: (o) => o.reference ?? o.caseId },
        { header: 'la', value: (o) => o.laCode },
        { header: 'outcome', value: (o) => o.outcome },
        { header: 'turn', value: (o) => o.turn },
        { header: 'lottery', value: (o) => o.lottery },
        { header: 'urn', value: (o) => o.urn },
        { header: 'listingId', value: (o) => o.listingId },
        { header: 'preference', value: (o) => o.rank },
        { header: 'explanation', value: (o) => o.explanation },
      ]),
    );
  }
  return (
    <>
      <PageHeading caption={session.label}>Allocation round</PageHeading>
      <p class="govuk-body">
        <a class="govuk-back-link" href="#/rounds">
          All rounds
        </a>
      </p>
      <ErrorSummary error={error} />
      {!round && !error ? <Loading what="the round" /> : null}
      {round && round.outcomes === undefined ? (
        round.state === 'failed' ? (
          <Notice kind="warning">The round failed: {round.error ?? 'no outcome was saved'}.</Notice>
        ) : (
          <div class="progress">
            <label for="round-progress">
              Running the round{round.state ? `: ${round.state}` : ''}
              {percent !== undefined ? `, ${percent}%` : ''}
            </label>
            <progress id="round-progress" max={100} value={percent ?? undefined} />
          </div>
        )
      ) : null}
      {s ? (
        <>
          <SummaryList
            rows={[
              ['Seed', round?.seed ?? ''],
              ['Mechanism', MECHANISMS.find(([k]) => k === round?.mechanism)?.[1] ?? round?.mechanism ?? ''],
              ['Cases', String(s.cases)],
              ['Allocated', `${s.allocated} (${s.firstPreference} to their first preference)`],
              [
                'First-preference rate',
                s.cases > 0 ? `${Math.round((s.firstPreference / s.cases) * 100)}% of cases` : 'no cases',
              ],
              ['Without a place', `${s.unallocated}${s.notEligible ? `, and ${s.notEligible} not eligible` : ''}`],
              [
                'Places left at the settings allocated',
                placesLeft.data === undefined
                  ? placesLeft.loading
                    ? 'counting…'
                    : 'none allocated'
                  : String(placesLeft.data),
              ],
              [
                'Lottery recomputed from the seed',
                lotteryChecked === undefined ? '' : lotteryChecked ? 'every number matches' : 'some numbers differ',
              ],
            ]}
          />
          <div class="govuk-button-group">
            <button type="button" class="govuk-button govuk-button--secondary" onClick={csv}>
              Download the results (CSV)
            </button>
            <a
              class="govuk-button govuk-button--secondary"
              href={`#/rounds?seed=${encodeURIComponent(round?.seed ?? '')}&mechanism=${round?.mechanism ?? ''}`}
            >
              Run again from this seed
            </a>
          </div>
          <TableWrap label="Outcomes">
            <table class="govuk-table">
              <caption class="govuk-table__caption govuk-table__caption--m">Every case’s outcome</caption>
              <thead class="govuk-table__head">
                <tr class="govuk-table__row">
                  <th class="govuk-table__header govuk-table__header--numeric" scope="col">
                    Turn
                  </th>
                  <th class="govuk-table__header" scope="col">
                    Case
                  </th>
                  <th class="govuk-table__header" scope="col">
                    LA
                  </th>
                  <th class="govuk-table__header" scope="col">
                    Outcome
                  </th>
                  <th class="govuk-table__header" scope="col">
                    Explanation
                  </th>
                </tr>
              </thead>
              <tbody class="govuk-table__body">
                {outcomes.map((o) => (
                  <tr class="govuk-table__row" key={o.caseId}>
                    <td class="govuk-table__cell govuk-table__cell--numeric">{o.turn ?? ''}</td>
                    <th class="govuk-table__header" scope="row">
                      {o.reference ?? o.caseId.slice(0, 8)}
                    </th>
                    <td class="govuk-table__cell">{laName(las.data, o.laCode)}</td>
                    <td class="govuk-table__cell">
                      <Tag kind={OUTCOME_TAGS[o.outcome][0]}>{OUTCOME_TAGS[o.outcome][1]}</Tag>
                    </td>
                    <td class="govuk-table__cell">{o.explanation}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableWrap>
        </>
      ) : null}
    </>
  );
}
