import { useState } from 'preact/hooks';
import { getAll, post } from '../lib/api.ts';
import { longDate, plural } from '../lib/format.ts';
import type { Session } from '../lib/session.ts';
import { useLoad } from '../lib/use-load.ts';
import { ROLE_NAMES } from '../lib/words.ts';
import {
  ErrorSummary,
  Field,
  Loading,
  Notice,
  PageHeading,
  problemFor,
  Radios,
  SummaryList,
  TableWrap,
} from '../ui/common.tsx';
import { DirectionTag } from './directions.tsx';
import type { Appeal } from '../lib/types.ts';

const ACTION_NAMES: Record<string, string> = {
  'case.opened': 'The LA opened the case',
  'case.allocated': 'A place was allocated',
  'placement.accepted': 'The academy accepted on consultation',
  'placement.declined': 'The academy declined on consultation',
  'placement.named': 'The LA named the academy in the EHCP',
  'placement.refused': 'The academy refused to admit',
  'direction.trust_backstop': 'The LA directed the trust to admit',
  'direction.la_direction': 'The LA directed admission',
  'direction.appealed': 'The trust appealed',
  'direction.upheld': 'The direction was upheld',
  'direction.overturned': 'The direction was overturned',
  'direction.complied': 'The academy admitted the child',
};

/** The Schools Adjudicator: appeals lodged, each with its direction, the trust's grounds and the case's history. */
export function Appeals({ session }: { session: Session }) {
  const appeals = useLoad(() => getAll('/appeals'), []);
  const items = appeals.data ?? [];
  const waiting = items.filter((a) => a.state === 'appealed');
  return (
    <>
      <PageHeading caption={session.label}>Appeals</PageHeading>
      <ErrorSummary error={appeals.error} />
      {appeals.loading && !appeals.data ? <Loading what="appeals" /> : null}
      {appeals.data ? (
        <p class="govuk-body">
          {plural(waiting.length, 'appeal')} to determine, {items.length - waiting.length} determined.
        </p>
      ) : null}
      {appeals.data && items.length === 0 ? <Notice>No appeals have been lodged.</Notice> : null}
      {items.map((a) => (
        <AppealCard key={`${a.id}-${a.state}`} a={a} onChanged={appeals.reload} />
      ))}
    </>
  );
}

function AppealCard({ a, onChanged }: { a: Appeal; onChanged: () => void }) {
  const [outcome, setOutcome] = useState('');
  const [reasons, setReasons] = useState('');
  const [error, setError] = useState<Error | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const title = `Case ${a.case.ref}: ${a.settingName}`;
  async function determine(e: Event) {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await post('/directions/{id}/determination', {
        path: { id: a.id },
        body: { outcome: (outcome || undefined) as 'upheld' | 'overturned', reasons: reasons.trim() },
      });
      onChanged();
    } catch (err) {
      setError(err as Error);
    } finally {
      setBusy(false);
    }
  }
  return (
    <section class="card" aria-label={title}>
      <h2 class="govuk-heading-m">{title}</h2>
      <SummaryList
        rows={[
          ['State', <DirectionTag state={a.state} />],
          [
            'Direction',
            `Issued by ${a.laCode} on ${longDate(a.issuedAt.slice(0, 10))}, ${plural(a.daysSinceDirection, 'day')} ago`,
          ],
          ['Band and needs', `${a.case.band}: ${a.case.needs.join(', ')}`],
          ['The trust’s grounds', a.appealGrounds ?? ''],
          ...(a.determinationReasons ? ([['Your reasons', a.determinationReasons]] as const) : []),
        ]}
      />
      <TableWrap label={`The case’s history, ${a.case.ref}`}>
        <table class="govuk-table">
          <caption class="govuk-table__caption govuk-table__caption--s">
            The LA’s case history relevant to the appeal
          </caption>
          <thead class="govuk-table__head">
            <tr class="govuk-table__row">
              <th class="govuk-table__header" scope="col">
                When
              </th>
              <th class="govuk-table__header" scope="col">
                What
              </th>
              <th class="govuk-table__header" scope="col">
                By
              </th>
            </tr>
          </thead>
          <tbody class="govuk-table__body">
            {a.history.map((h, i) => (
              <tr class="govuk-table__row" key={i}>
                <td class="govuk-table__cell app-nowrap">
                  {new Date(h.at).toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'short' })}
                </td>
                <td class="govuk-table__cell">{ACTION_NAMES[h.action] ?? h.action.replace(/[._]/g, ' ')}</td>
                <td class="govuk-table__cell">
                  {ROLE_NAMES[h.by.role] ?? h.by.role} ({h.by.org})
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableWrap>
      {a.state === 'appealed' ? (
        <form onSubmit={determine}>
          <ErrorSummary error={error} />
          <Radios
            legend="Your determination"
            name={`outcome-${a.id}`}
            value={outcome}
            onChange={setOutcome}
            options={[
              ['upheld', 'Uphold the direction: the academy must admit'],
              ['overturned', 'Overturn the direction: the LA must find another place'],
            ]}
            error={problemFor(error, 'outcome')}
          />
          <Field label="Reasons" name={`reasons-${a.id}`} error={problemFor(error, 'reasons')}>
            {(attrs) => (
              <textarea
                {...attrs}
                class="govuk-textarea"
                rows={4}
                value={reasons}
                onInput={(e) => setReasons(e.currentTarget.value)}
              />
            )}
          </Field>
          <button type="submit" class="govuk-button" disabled={busy}>
            Record the determination
          </button>
        </form>
      ) : null}
    </section>
  );
}
