import { useState } from 'preact/hooks';
import { getAll, post } from '../lib/api.ts';
import type { DirectionView } from '../lib/types.ts';
import { longDate, plural } from '../lib/format.ts';
import type { Session } from '../lib/session.ts';
import { useLoad } from '../lib/use-load.ts';
import {
  ErrorSummary,
  TextAreaField,
  Loading,
  Notice,
  PageHeading,
  problemFor,
  SummaryList,
  TableWrap,
  Tag,
} from '../ui/common.tsx';

/** A direction as the trust and the Schools Adjudicator read it (GET /directions, GET /appeals). */
export type { DirectionView } from '../lib/types.ts';

export const DIRECTION_STATE_NAMES: Record<DirectionView['state'], string> = {
  issued: 'Directed to admit',
  appealed: 'Appealed to the Schools Adjudicator',
  upheld: 'Upheld: admit the child',
  overturned: 'Overturned: no duty to admit',
  complied: 'Admitted',
};

export function DirectionTag({ state }: { state: DirectionView['state'] }) {
  const colour = state === 'overturned' || state === 'complied' ? 'green' : state === 'upheld' ? 'red' : 'blue';
  return <Tag kind={colour}>{DIRECTION_STATE_NAMES[state]}</Tag>;
}

/** The trust: backstop directions to admit addressed to its academies; admit, or appeal with grounds. */
export function Directions({ session }: { session: Session }) {
  const directions = useLoad(() => getAll('/directions'), []);
  const items = directions.data ?? [];
  const open = items.filter((d) => d.state === 'issued' || d.state === 'upheld');
  return (
    <>
      <PageHeading caption={session.label}>Directions to admit</PageHeading>
      <p class="govuk-body">
        When an academy refuses a child the LA has named, the LA may direct its trust to admit. Admit the child, or
        appeal to the Schools Adjudicator with your grounds.
      </p>
      <ErrorSummary error={directions.error} />
      {directions.loading && !directions.data ? <Loading what="directions" /> : null}
      {directions.data && items.length === 0 ? (
        <Notice>No directions have been addressed to your academies.</Notice>
      ) : null}
      {items.length > 0 ? (
        <TableWrap label="Directions">
          <table class="govuk-table">
            <caption class="govuk-table__caption govuk-table__caption--m">
              {plural(items.length, 'direction')}, {open.length} to answer
            </caption>
            <thead class="govuk-table__head">
              <tr class="govuk-table__row">
                <th class="govuk-table__header" scope="col">
                  Case reference
                </th>
                <th class="govuk-table__header" scope="col">
                  Academy
                </th>
                <th class="govuk-table__header" scope="col">
                  Band
                </th>
                <th class="govuk-table__header" scope="col">
                  Needs
                </th>
                <th class="govuk-table__header govuk-table__header--numeric" scope="col">
                  Days since the direction
                </th>
                <th class="govuk-table__header" scope="col">
                  State
                </th>
              </tr>
            </thead>
            <tbody class="govuk-table__body">
              {items.map((d) => (
                <tr class="govuk-table__row" key={d.id}>
                  <th class="govuk-table__header" scope="row">
                    {d.case.ref}
                  </th>
                  <td class="govuk-table__cell">{d.settingName}</td>
                  <td class="govuk-table__cell">{d.case.band}</td>
                  <td class="govuk-table__cell">{d.case.needs.join(', ')}</td>
                  <td class="govuk-table__cell govuk-table__cell--numeric">{d.daysSinceDirection}</td>
                  <td class="govuk-table__cell">
                    <DirectionTag state={d.state} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      ) : null}
      {items.map((d) => (
        <DirectionCard key={`${d.id}-${d.state}`} d={d} onChanged={directions.reload} />
      ))}
    </>
  );
}

function DirectionCard({ d, onChanged }: { d: DirectionView; onChanged: () => void }) {
  const [grounds, setGrounds] = useState('');
  const [error, setError] = useState<Error | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const title = `Case ${d.case.ref} at ${d.settingName}`;
  async function act(run: () => Promise<unknown>) {
    setBusy(true);
    setError(undefined);
    try {
      await run();
      onChanged();
    } catch (e) {
      setError(e as Error);
    } finally {
      setBusy(false);
    }
  }
  return (
    <section class="card" aria-label={title}>
      <h2 class="govuk-heading-m">{title}</h2>
      <SummaryList
        rows={[
          ['State', <DirectionTag state={d.state} />],
          ['Directed on', `${longDate(d.issuedAt.slice(0, 10))} (${plural(d.daysSinceDirection, 'day')} ago)`],
          ['Band and needs', `${d.case.band}: ${d.case.needs.join(', ')}`],
          ...(d.appealGrounds ? ([['Your grounds of appeal', d.appealGrounds]] as const) : []),
          ...(d.determinedAt ? ([['Determined on', longDate(d.determinedAt.slice(0, 10))]] as const) : []),
          ...(d.determinationReasons ? ([['The Adjudicator’s reasons', d.determinationReasons]] as const) : []),
        ]}
      />
      <ErrorSummary error={error} />
      {d.state === 'issued' || d.state === 'upheld' ? (
        <div class="govuk-button-group">
          <button
            type="button"
            class="govuk-button"
            disabled={busy}
            onClick={() => act(() => post('/directions/{id}/admission', { path: { id: d.id }, body: {} }))}
          >
            Admit the child
          </button>
        </div>
      ) : null}
      {d.state === 'issued' ? (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void act(() => post('/directions/{id}/appeal', { path: { id: d.id }, body: { grounds: grounds.trim() } }));
          }}
        >
          <TextAreaField
            label="Grounds of appeal to the Schools Adjudicator"
            name={`grounds-${d.id}`}
            hint="Why admitting this child would be wrong for the academy, with the evidence."
            error={problemFor(error, 'grounds')}
            value={grounds}
            onInput={setGrounds}
          />
          <button type="submit" class="govuk-button govuk-button--secondary" disabled={busy}>
            Appeal to the Schools Adjudicator
          </button>
        </form>
      ) : null}
    </section>
  );
}
