import { useState } from 'preact/hooks';
import { NEED_CODES, NEED_NAMES } from '@placements/domain/needs.ts';
import { get, post, type RequestBody } from '../lib/api.ts';
import { bands } from '../lib/reference.ts';
import { navigate } from '../lib/router.ts';
import type { Session } from '../lib/session.ts';
import type { CaseSummary, CaseView } from '../lib/types.ts';
import { useLoad } from '../lib/use-load.ts';
import { CASE_STATE_NAMES } from '../lib/words.ts';
import {
  SelectField,
  bandOptions,
  ErrorSummary,
  Field,
  Loading,
  Notice,
  PageHeading,
  problemFor,
  TableWrap,
  Tag,
  Checkbox,
} from '../ui/common.tsx';

export function DaysWithoutPlace({ c }: { c: Pick<CaseView, 'daysWithoutPlace' | 'state'> }) {
  if (c.state === 'placed' || c.state === 'closed') return <Tag kind="green">Has a place</Tag>;
  const d = c.daysWithoutPlace;
  return (
    <Tag kind={d >= 30 ? 'red' : d >= 14 ? 'yellow' : 'grey'}>{`${d} ${d === 1 ? 'day' : 'days'} without a place`}</Tag>
  );
}

/** The LA's cases, longest without a place first: nobody waits unseen. */
export function Cases({ session }: { session: Session }) {
  const [state, setState] = useState('');
  const [cursor, setCursor] = useState<string | undefined>(undefined);
  const cases = useLoad(
    () =>
      get('/cases', {
        query: { limit: 50, ...(state ? { state: state as CaseView['state'] } : {}), ...(cursor ? { cursor } : {}) },
      }),
    [state, cursor],
  );
  // An LA lists its own cases in full (a partnership's view of a member's cases has no reference).
  const items = (cases.data?.items ?? [])
    .filter((c): c is CaseSummary => 'reference' in c)
    .sort((a, b) => b.daysWithoutPlace - a.daysWithoutPlace);
  return (
    <>
      <PageHeading caption={session.label}>Cases</PageHeading>
      <p class="govuk-body">
        <a class="govuk-button" href="#/cases/new">
          Open a case
        </a>
      </p>
      <SelectField
        label="Show"
        name="state"
        value={state}
        onChange={(v) => {
          setCursor(undefined);
          setState(v);
        }}
        options={Object.entries(CASE_STATE_NAMES)}
        empty="All cases"
      />
      <ErrorSummary error={cases.error} />
      {cases.loading && !cases.data ? <Loading what="cases" /> : null}
      {cases.data && items.length === 0 ? <Notice>No cases here yet.</Notice> : null}
      {items.length > 0 ? (
        <TableWrap label="Cases">
          <table class="govuk-table">
            <thead class="govuk-table__head">
              <tr class="govuk-table__row">
                <th class="govuk-table__header" scope="col">
                  Case
                </th>
                <th class="govuk-table__header" scope="col">
                  Needs
                </th>
                <th class="govuk-table__header" scope="col">
                  Band
                </th>
                <th scope="col" class="govuk-table__header govuk-table__header--numeric">
                  Age
                </th>
                <th class="govuk-table__header" scope="col">
                  Home district
                </th>
                <th class="govuk-table__header" scope="col">
                  State
                </th>
                <th class="govuk-table__header" scope="col">
                  Days without a place
                </th>
              </tr>
            </thead>
            <tbody class="govuk-table__body">
              {items.map((c) => (
                <tr class="govuk-table__row" key={c.id}>
                  <th class="govuk-table__header" scope="row">
                    <a class="govuk-link" href={`#/cases/${c.id}`}>
                      {c.ref ?? c.reference}
                    </a>
                  </th>
                  <td class="govuk-table__cell">{c.needs.join(', ')}</td>
                  <td class="govuk-table__cell">{c.band}</td>
                  <td class="govuk-table__cell govuk-table__cell--numeric">{c.age}</td>
                  <td class="govuk-table__cell">{c.homeDistrict}</td>
                  <td class="govuk-table__cell">{CASE_STATE_NAMES[c.state] ?? c.state}</td>
                  <td class="govuk-table__cell">
                    <DaysWithoutPlace c={c} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      ) : null}
      {cases.data?.nextCursor ? (
        <button
          type="button"
          class="govuk-button govuk-button--secondary"
          onClick={() => setCursor(cases.data!.nextCursor!)}
        >
          Next page
        </button>
      ) : null}
    </>
  );
}

/** Open a pseudonymous case: a reference, needs, band, age and home district; never a name. */
export function OpenCase({ session }: { session: Session }) {
  const framework = useLoad(bands, []);
  const [f, setF] = useState({
    ref: '',
    primary: '',
    others: [] as string[],
    band: '',
    age: '',
    homeDistrict: '',
    postSixteen: false,
    phaseTransferDeadline: '',
  });
  const [error, setError] = useState<Error | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const set = (patch: Partial<typeof f>) => setF({ ...f, ...patch });
  async function submit(e: Event) {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const needs = [f.primary, ...f.others.filter((n) => n !== f.primary)].filter(Boolean);
      const body = {
        ...(f.ref.trim() ? { ref: f.ref.trim() } : {}),
        needs: needs as RequestBody<'post', '/cases'>['needs'],
        band: f.band,
        // An empty box is sent as no age, so the API's 400 names the field.
        age: (f.age === '' ? undefined : Number(f.age)) as number,
        homeDistrict: f.homeDistrict.trim(),
        postSixteen: f.postSixteen,
        ...(f.phaseTransferDeadline ? { phaseTransferDeadline: f.phaseTransferDeadline } : {}),
      };
      const res = await post('/cases', { body });
      navigate(`/cases/${res.body.id}`);
    } catch (err) {
      setError(err as Error);
    } finally {
      setBusy(false);
    }
  }
  const problem = (x: string) => problemFor(error, x);
  return (
    <>
      <PageHeading caption={session.label}>Open a case</PageHeading>
      <Notice>
        The marketplace stores no child’s identity: use your case-management reference, never a name, date of birth or
        full postcode.
      </Notice>
      <ErrorSummary error={error} />
      <form class="form" onSubmit={(e) => void submit(e)}>
        <Field
          label="Your case reference (optional)"
          name="ref"
          hint="Your LA’s own code, for example KCC-2026-0142: capitals and digits, never a name, date or UPN. Only your LA sees it; the marketplace gives every case its own reference."
          error={problem('ref')}
        >
          {(a) => (
            <input
              {...a}
              class="govuk-input govuk-input--width-20"
              value={f.ref}
              onInput={(e) => set({ ref: e.currentTarget.value })}
              autoComplete="off"
            />
          )}
        </Field>
        <Field label="Primary need" name="needs" error={problem('needs')}>
          {(a) => (
            <select
              class="govuk-select"
              {...a}
              value={f.primary}
              onChange={(e) => set({ primary: e.currentTarget.value })}
              required
            >
              <option value="">Choose the primary need</option>
              {NEED_CODES.map((n) => (
                <option key={n} value={n}>
                  {n}: {NEED_NAMES[n]}
                </option>
              ))}
            </select>
          )}
        </Field>
        <fieldset class="govuk-fieldset govuk-form-group">
          <legend class="govuk-fieldset__legend govuk-fieldset__legend--s">Other needs (optional)</legend>
          <div class="govuk-checkboxes govuk-checkboxes--small app-checkboxes--columns">
            {NEED_CODES.filter((n) => n !== f.primary).map((n) => (
              <Checkbox
                key={n}
                checked={f.others.includes(n)}
                onChange={(e) =>
                  set({ others: e.currentTarget.checked ? [...f.others, n] : f.others.filter((x) => x !== n) })
                }
              >
                <abbr title={NEED_NAMES[n]}>{n}</abbr>
              </Checkbox>
            ))}
          </div>
        </fieldset>
        <SelectField
          label="Band"
          name="band"
          value={f.band}
          onChange={(band) => set({ band })}
          options={bandOptions(framework.data)}
          empty="Choose a band"
          error={problem('band')}
          required
        />
        <div class="field-row">
          <Field label="Age" name="age" hint="Whole years." error={problem('age')}>
            {(a) => (
              <input
                {...a}
                class="govuk-input govuk-input--width-5"
                type="number"
                min={0}
                max={25}
                inputMode="numeric"
                value={f.age}
                onInput={(e) => set({ age: e.currentTarget.value })}
                required
              />
            )}
          </Field>
          <Field
            label="Home postcode district"
            name="homeDistrict"
            hint="The first half only, such as ME14."
            error={problem('homeDistrict')}
          >
            {(a) => (
              <input
                {...a}
                class="govuk-input govuk-input--width-5"
                value={f.homeDistrict}
                onInput={(e) => set({ homeDistrict: e.currentTarget.value.toUpperCase() })}
                required
                autoComplete="off"
                spellcheck={false}
              />
            )}
          </Field>
        </div>
        <div class="govuk-form-group govuk-checkboxes govuk-checkboxes--small">
          <Checkbox checked={f.postSixteen} onChange={(e) => set({ postSixteen: e.currentTarget.checked })}>
            Looking for a post-16 or further education place
          </Checkbox>
        </div>
        <Field
          label="Phase-transfer deadline (optional)"
          name="phaseTransferDeadline"
          hint="15 February for a school transfer, 31 March for a post-16 transfer."
          error={problem('phaseTransferDeadline')}
        >
          {(a) => (
            <input
              class="govuk-input govuk-input--width-10"
              {...a}
              type="date"
              value={f.phaseTransferDeadline}
              onInput={(e) => set({ phaseTransferDeadline: e.currentTarget.value })}
            />
          )}
        </Field>
        <button type="submit" class="govuk-button" disabled={busy}>
          Open the case
        </button>
      </form>
    </>
  );
}
