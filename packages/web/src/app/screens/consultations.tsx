import { useState } from 'preact/hooks';
import { DECLINE_REASONS } from '@placements/domain/placement.ts';
import { getAll, post } from '../lib/api.ts';
import { daysUntil, longDate } from '../lib/format.ts';
import { laName, localAuthorities } from '../lib/reference.ts';
import type { Session } from '../lib/session.ts';
import type { DeclineReason, Placement, Setting } from '../lib/types.ts';
import { useLoad } from '../lib/use-load.ts';
import { DECLINE_REASON_NAMES, PLACEMENT_STATE_NAMES } from '../lib/words.ts';
import { ErrorSummary, Field, Loading, Notice, PageHeading, Tag, Checkbox } from '../ui/common.tsx';
import { ownSettings } from './provider-settings.tsx';

/** A placement addressed to one of the provider's settings; the API says of the child only the band and primary need. */
type Addressed = Placement & { setting: Setting };

async function addressedPlacements(session: Session): Promise<Addressed[]> {
  const settings = await ownSettings(session);
  const lists = await Promise.all(
    settings.map(async (s) =>
      (await getAll('/settings/{urn}/placements', { path: { urn: s.urn } })).map((p) => ({ ...p, setting: s })),
    ),
  );
  return lists.flat().sort((a, b) => a.respondBy.localeCompare(b.respondBy));
}

export function Deadline({ respondBy }: { respondBy: string }) {
  const days = daysUntil(respondBy);
  if (days < 0)
    return (
      <Tag kind="red">
        Answer overdue by {-days} {days === -1 ? 'day' : 'days'} (was due {longDate(respondBy)})
      </Tag>
    );
  return (
    <Tag kind={days <= 3 ? 'yellow' : 'blue'}>
      Answer by {longDate(respondBy)}: {days === 0 ? 'today' : `${days} ${days === 1 ? 'day' : 'days'} left`}
    </Tag>
  );
}

/** Consultations and admissions for the provider's settings: answer each within its 15 days. */
export function Consultations({ session }: { session: Session }) {
  const placements = useLoad(() => addressedPlacements(session), [session.principal.org]);
  const las = useLoad(localAuthorities, []);
  const waiting = (placements.data ?? []).filter((p) => p.state === 'consulting');
  const admissions = (placements.data ?? []).filter((p) => p.state === 'named' || p.state === 'directed');
  const others = (placements.data ?? []).filter((p) => !waiting.includes(p) && !admissions.includes(p));
  return (
    <>
      <PageHeading caption={session.label}>Consultations and admissions</PageHeading>
      <p class="govuk-body">
        An LA that allocates a place at your setting consults you. Answer within 15 calendar days: accept, or decline
        with the legal grounds. A setting named in a child’s EHCP has a duty to admit.
      </p>
      <ErrorSummary error={placements.error} />
      {placements.loading && !placements.data ? <Loading what="consultations" /> : null}
      <h2 class="govuk-heading-m">Waiting for your answer ({waiting.length})</h2>
      {placements.data && waiting.length === 0 ? (
        <p class="govuk-body">No consultation is waiting for an answer.</p>
      ) : null}
      {waiting.map((p) => (
        <ConsultationCard key={p.id} p={p} laLabel={laName(las.data, p.laCode)} onDone={placements.reload} />
      ))}
      <h2 class="govuk-heading-m">Named: record admission ({admissions.length})</h2>
      {placements.data && admissions.length === 0 ? (
        <p class="govuk-body">No named placement is waiting for admission.</p>
      ) : null}
      {admissions.map((p) => (
        <AdmissionCard key={p.id} p={p} laLabel={laName(las.data, p.laCode)} onDone={placements.reload} />
      ))}
      {others.length > 0 ? (
        <>
          <h2 class="govuk-heading-m">Earlier answers ({others.length})</h2>
          <ul class="govuk-list govuk-list--bullet">
            {others.map((p) => (
              <li key={p.id}>
                {p.setting.name}, listing {p.listingId}, for {laName(las.data, p.laCode)}:{' '}
                <Tag>{PLACEMENT_STATE_NAMES[p.state]}</Tag>
              </li>
            ))}
          </ul>
        </>
      ) : null}
    </>
  );
}

function Who({ p, laLabel }: { p: Addressed; laLabel: string }) {
  return (
    <p class="govuk-body meta">
      From {laLabel} for listing {p.listingId}
      {p.need ? ` · primary need ${p.need}` : ''}
      {p.band ? ` · band ${p.band}` : ''}
    </p>
  );
}

function ConsultationCard({ p, laLabel, onDone }: { p: Addressed; laLabel: string; onDone: () => void }) {
  const [reasons, setReasons] = useState<DeclineReason[]>([]);
  const [detail, setDetail] = useState('');
  const [error, setError] = useState<Error | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const [declining, setDeclining] = useState(false);
  async function answer(decision: 'accept' | 'decline') {
    setBusy(true);
    setError(undefined);
    try {
      await post('/placements/{id}/response', {
        path: { id: p.id },
        body:
          decision === 'accept'
            ? { decision }
            : { decision, reasons, ...(detail.trim() ? { detail: detail.trim() } : {}) },
      });
      onDone();
    } catch (e) {
      setError(e as Error);
    } finally {
      setBusy(false);
    }
  }
  const id = `consultation-${p.id}`;
  return (
    <section class="card" aria-labelledby={id}>
      <h3 class="govuk-heading-s" id={id}>
        {p.setting.name}
      </h3>
      <Who p={p} laLabel={laLabel} />
      <p class="govuk-body">
        <Deadline respondBy={p.respondBy} />
      </p>
      <ErrorSummary error={error} />
      <div class="govuk-button-group">
        <button type="button" class="govuk-button" disabled={busy} onClick={() => void answer('accept')}>
          Accept the place
          <span class="govuk-visually-hidden">
            {' '}
            at {p.setting.name} for {laLabel}
          </span>
        </button>
        <button
          type="button"
          class="govuk-button govuk-button--secondary"
          aria-expanded={declining}
          onClick={() => setDeclining(!declining)}
        >
          Decline…
        </button>
      </div>
      {declining ? (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void answer('decline');
          }}
        >
          <fieldset class="govuk-fieldset govuk-form-group">
            <legend class="govuk-fieldset__legend govuk-fieldset__legend--s">
              Why you are declining (the legal tests)
            </legend>
            <div class="govuk-checkboxes govuk-checkboxes--small">
              {DECLINE_REASONS.map((r) => (
                <Checkbox
                  key={r}
                  checked={reasons.includes(r)}
                  onChange={(e) =>
                    setReasons(e.currentTarget.checked ? [...reasons, r] : reasons.filter((x) => x !== r))
                  }
                >
                  {DECLINE_REASON_NAMES[r]}
                </Checkbox>
              ))}
            </div>
          </fieldset>
          <Field label="What the LA should know (optional)" name={`detail-${p.id}`}>
            {(a) => (
              <textarea
                class="govuk-textarea"
                {...a}
                rows={3}
                value={detail}
                onInput={(e) => setDetail(e.currentTarget.value)}
              />
            )}
          </Field>
          <button type="submit" class="govuk-button govuk-button--warning" disabled={busy || reasons.length === 0}>
            Decline the place
          </button>
        </form>
      ) : null}
    </section>
  );
}

function AdmissionCard({ p, laLabel, onDone }: { p: Addressed; laLabel: string; onDone: () => void }) {
  const [reason, setReason] = useState('');
  const [error, setError] = useState<Error | undefined>(undefined);
  async function record(decision: 'admitted' | 'refused') {
    setError(undefined);
    try {
      await post('/placements/{id}/admission', {
        path: { id: p.id },
        body: decision === 'admitted' ? { decision } : { decision, reason: reason.trim() },
      });
      onDone();
    } catch (e) {
      setError(e as Error);
    }
  }
  const id = `admission-${p.id}`;
  return (
    <section class="card" aria-labelledby={id}>
      <h3 class="govuk-heading-s" id={id}>
        {p.setting.name}
      </h3>
      <Who p={p} laLabel={laLabel} />
      <p class="govuk-body">
        <Tag kind="blue">{PLACEMENT_STATE_NAMES[p.state]}</Tag>
      </p>
      {p.state === 'directed' ? <Notice kind="warning">You have been directed to admit this child.</Notice> : null}
      <ErrorSummary error={error} />
      <div class="govuk-button-group">
        <button type="button" class="govuk-button" onClick={() => void record('admitted')}>
          Record admission
        </button>
      </div>
      {p.state === 'named' ? (
        <details class="govuk-details">
          <summary class="govuk-details__summary">
            <span class="govuk-details__summary-text">Refuse admission</span>
          </summary>
          <Field
            label="Reason for refusing"
            name={`reason-${p.id}`}
            hint="The LA may direct a maintained school or an academy to admit."
          >
            {(a) => (
              <textarea
                class="govuk-textarea"
                {...a}
                rows={3}
                value={reason}
                onInput={(e) => setReason(e.currentTarget.value)}
              />
            )}
          </Field>
          <button
            type="button"
            class="govuk-button govuk-button--warning"
            disabled={reason.trim() === ''}
            onClick={() => void record('refused')}
          >
            Refuse admission
          </button>
        </details>
      ) : null}
    </section>
  );
}
