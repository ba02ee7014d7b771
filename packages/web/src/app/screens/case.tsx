import { useEffect, useState } from 'preact/hooks';
import { ApiError, get, post, put } from '../lib/api.ts';
import { longDate, plural, pounds } from '../lib/format.ts';
import type { Allocation, CaseView, Direction, Placement, Setting } from '../lib/types.ts';
import { useLoad } from '../lib/use-load.ts';
import { CASE_STATE_NAMES, DECLINE_REASON_NAMES, PLACEMENT_STATE_NAMES, SETTING_TYPE_NAMES } from '../lib/words.ts';
import { AuditTable } from '../ui/audit.tsx';
import {
  MainstreamRefusalFields,
  MainstreamRefusals,
  REFUSAL_GROUND,
  type RefusalChoice,
} from '../ui/mainstream-refusal.tsx';
import { ErrorSummary, Field, Loading, Notice, PageHeading, Tag, Checkbox } from '../ui/common.tsx';
import { DaysWithoutPlace } from './cases.tsx';
import { Deadline } from './consultations.tsx';

const newKey = () => crypto.randomUUID().replace(/-/g, '');

/**
 * One case from opening to a place: its tailored list with reasons, the ranked preferences,
 * allocation, and the placement through consultation, naming, admission and any direction.
 */
export function CasePage({ id }: { id: string }) {
  const kase = useLoad(() => get('/cases/{id}', { path: { id } }), [id]);
  const tailored = useLoad(() => get('/cases/{id}/tailored-list', { path: { id } }), [id]);
  const history = useLoad(
    () => get('/audit', { query: { entity: `case:${id}`, limit: 200 } }),
    [id, kase.data?.version],
  );
  const [ranked, setRanked] = useState<string[]>([]);
  const [mainstreamRequested, setMainstreamRequested] = useState(false);
  const [dirty, setDirty] = useState(false);
  const [error, setError] = useState<Error | undefined>(undefined);
  const [allocation, setAllocation] = useState<Allocation | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  // One key per intended allocation, so a retried click never allocates twice.
  const [allocationKey, setAllocationKey] = useState(newKey);
  const [showAll, setShowAll] = useState(false);
  const [freeOnly, setFreeOnly] = useState(false);

  useEffect(() => {
    if (kase.data && !dirty) {
      setRanked(kase.data.preferences?.ranked ?? []);
      setMainstreamRequested(kase.data.preferences?.mainstreamRequested ?? false);
    }
  }, [kase.data]);

  if (kase.error) return <ErrorSummary error={kase.error} title="This case could not be opened" />;
  const c = kase.data;
  if (c === undefined) return <Loading what="the case" />;
  const entries = tailored.data?.included ?? [];
  const shown = entries.filter((e) => !freeOnly || e.placeNow || ranked.includes(e.setting.urn));
  const FIRST = 12;
  const byUrn = new Map(entries.map((e) => [e.setting.urn, e]));
  const holder = c.age >= 16 ? 'young_person' : 'parent';
  const open = c.state === 'open';

  async function act(run: () => Promise<unknown>) {
    setBusy(true);
    setError(undefined);
    try {
      await run();
      kase.reload();
    } catch (e) {
      setError(e as Error);
    } finally {
      setBusy(false);
    }
  }
  const savePreferences = () =>
    act(async () => {
      await put('/cases/{id}/preferences', { path: { id }, body: { holder, ranked, mainstreamRequested } });
      setDirty(false);
    });
  const allocate = () =>
    act(async () => {
      setAllocation(undefined);
      const res = await post('/cases/{id}/allocate', {
        path: { id },
        headers: { 'idempotency-key': allocationKey },
      });
      setAllocation(res.body);
      setAllocationKey(newKey());
    });
  const move = (urn: string, by: number) => {
    const i = ranked.indexOf(urn);
    const j = i + by;
    if (j < 0 || j >= ranked.length) return;
    const next = [...ranked];
    [next[i], next[j]] = [next[j]!, next[i]!];
    setRanked(next);
    setDirty(true);
  };
  const toggle = (urn: string) => {
    setRanked(ranked.includes(urn) ? ranked.filter((u) => u !== urn) : [...ranked, urn]);
    setDirty(true);
  };
  const noPlace = error instanceof ApiError && error.code === 'no_available_place';

  return (
    <>
      <section class="case-bar" aria-label="Case status">
        <span>
          Case <strong>{c.ref ?? c.reference}</strong>
        </span>
        <span>{CASE_STATE_NAMES[c.state] ?? c.state}</span>
        <DaysWithoutPlace c={c} />
      </section>
      <PageHeading caption="Case">{c.ref ?? c.reference}</PageHeading>
      <p class="govuk-body">
        <a class="govuk-link" href="#/cases">
          All cases
        </a>
      </p>
      <dl class="summary">
        <div>
          <dt>Needs</dt>
          <dd>{c.needs.join(', ')} (primary first)</dd>
        </div>
        <div>
          <dt>Band</dt>
          <dd>{c.band}</dd>
        </div>
        <div>
          <dt>Age</dt>
          <dd>{c.age}</dd>
        </div>
        <div>
          <dt>Home district</dt>
          <dd>{c.homeDistrict}</dd>
        </div>
        <div>
          <dt>Preferences held by</dt>
          <dd>{holder === 'parent' ? 'The parent' : 'The young person'}</dd>
        </div>
        {c.phaseTransferDeadline ? (
          <div>
            <dt>Phase-transfer deadline</dt>
            <dd>{longDate(c.phaseTransferDeadline)}</dd>
          </div>
        ) : null}
        <div>
          <dt>Opened</dt>
          <dd>{longDate(c.openedAt)}</dd>
        </div>
      </dl>
      {(c.escalations ?? []).length > 0 ? (
        <Notice kind="warning">
          <p class="govuk-body">
            <strong>Escalated:</strong>
          </p>
          <ul class="govuk-list govuk-list--bullet">
            {c.escalations!.map((e) => (
              <li key={e.key}>
                {e.message} ({longDate(e.raisedAt)})
              </li>
            ))}
          </ul>
        </Notice>
      ) : null}
      {(c.waiting ?? []).length > 0 ? (
        <Notice>
          <p class="govuk-body">On the waiting list for:</p>
          <ul class="govuk-list govuk-list--bullet">
            {c.waiting!.map((w) => (
              <li key={`${w.urn}:${w.listingId}`}>
                {byUrn.get(w.urn)?.setting.name ?? `URN ${w.urn}`}, listing {w.listingId}: position {w.position}
                {w.position === 1 ? ' (offered the next place freed)' : ''}
              </li>
            ))}
          </ul>
        </Notice>
      ) : null}
      <ErrorSummary error={noPlace ? undefined : error} />

      {c.placement ? (
        <PlacementPanel
          placement={c.placement}
          setting={byUrn.get(c.placement.urn)?.setting}
          kase={c}
          onChange={kase.reload}
        />
      ) : null}

      <section aria-labelledby="prefs-title">
        <h2 class="govuk-heading-m" id="prefs-title">
          Preferences, in order
        </h2>
        {ranked.length === 0 ? (
          <p class="govuk-body">
            None yet. Add settings from the tailored list below in the order the{' '}
            {holder === 'parent' ? 'parent' : 'young person'} prefers them.
          </p>
        ) : null}
        <ol class="preferences">
          {ranked.map((urn, i) => (
            <li key={urn}>
              <span class="pref-name">{byUrn.get(urn)?.setting.name ?? `URN ${urn}`}</span>
              {open ? (
                <span class="govuk-button-group app-button-group--compact">
                  <button
                    type="button"
                    class="govuk-button govuk-button--secondary app-button--small"
                    disabled={i === 0}
                    onClick={() => move(urn, -1)}
                    aria-label={`Move ${byUrn.get(urn)?.setting.name ?? urn} up`}
                  >
                    Up
                  </button>
                  <button
                    type="button"
                    class="govuk-button govuk-button--secondary app-button--small"
                    disabled={i === ranked.length - 1}
                    onClick={() => move(urn, 1)}
                    aria-label={`Move ${byUrn.get(urn)?.setting.name ?? urn} down`}
                  >
                    Down
                  </button>
                  <button
                    type="button"
                    class="govuk-button govuk-button--secondary app-button--small"
                    onClick={() => toggle(urn)}
                    aria-label={`Remove ${byUrn.get(urn)?.setting.name ?? urn}`}
                  >
                    Remove
                  </button>
                </span>
              ) : null}
            </li>
          ))}
        </ol>
        {open ? (
          <>
            <div class="govuk-form-group govuk-checkboxes govuk-checkboxes--small">
              <Checkbox
                checked={mainstreamRequested}
                onChange={(e) => {
                  setMainstreamRequested(e.currentTarget.checked);
                  setDirty(true);
                }}
              >
                The {holder === 'parent' ? 'parent' : 'young person'} asks for a mainstream setting
              </Checkbox>
            </div>
            <div class="govuk-button-group">
              <button
                type="button"
                class="govuk-button govuk-button--secondary"
                disabled={busy || ranked.length === 0 || !dirty}
                onClick={() => void savePreferences()}
              >
                Record preferences
              </button>
              <button
                type="button"
                class="govuk-button"
                disabled={busy || dirty || !c.preferences}
                onClick={() => void allocate()}
              >
                Allocate the first available place
              </button>
            </div>
            {dirty ? <p class="govuk-hint">Record the preferences before allocating.</p> : null}
            <p class="govuk-hint">
              This allocates this case now. To allocate many cases at once, run an allocation round: rounds run in the
              background, and their progress and outcomes can be followed while they run.
            </p>
          </>
        ) : null}
        {noPlace ? (
          <Notice kind="warning">
            <p class="govuk-body">
              <strong>No place was allocated.</strong> {error.message}
            </p>
            <ul class="govuk-list govuk-list--bullet">
              {(error.details as unknown as { urn: string; rank: number; reason: string }[]).map((d) => (
                <li key={d.urn}>
                  {d.rank}. {byUrn.get(d.urn)?.setting.name ?? d.urn}: {d.reason}
                </li>
              ))}
            </ul>
          </Notice>
        ) : null}
        {allocation ? (
          <Notice kind="success">
            <p class="govuk-body">
              A place is held at{' '}
              <strong>{byUrn.get(allocation.placement.urn)?.setting.name ?? allocation.placement.urn}</strong>{' '}
              (preference {allocation.placement.rank}). The setting is being consulted and must answer by{' '}
              {longDate(allocation.placement.respondBy)}.
            </p>
            {allocation.skipped.length > 0 ? (
              <>
                <p class="govuk-body">Higher preferences passed over:</p>
                <ul class="govuk-list govuk-list--bullet">
                  {allocation.skipped.map((s) => (
                    <li key={s.urn}>
                      {s.rank}. {byUrn.get(s.urn)?.setting.name ?? s.urn}: {s.reason}
                    </li>
                  ))}
                </ul>
              </>
            ) : null}
          </Notice>
        ) : null}
      </section>

      <section aria-labelledby="tailored-title">
        <h2 class="govuk-heading-m" id="tailored-title">
          Tailored list
        </h2>
        <p class="govuk-body">
          Settings appropriate to meet this child’s needs, inside and outside your LA, and why each is on the list.
        </p>
        <ErrorSummary error={tailored.error} />
        {tailored.loading && !tailored.data ? <Loading what="the tailored list" /> : null}
        {entries.length > 0 ? (
          <div class="govuk-form-group govuk-checkboxes govuk-checkboxes--small">
            <Checkbox checked={freeOnly} onChange={(e) => setFreeOnly(e.currentTarget.checked)}>
              Only settings with a place free now
            </Checkbox>
          </div>
        ) : null}
        <p class="govuk-body meta" aria-live="polite">
          Showing {Math.min(shown.length, showAll ? shown.length : FIRST)} of {plural(shown.length, 'setting')}, nearest
          first.
        </p>
        <ul class="tailored">
          {(showAll ? shown : shown.slice(0, FIRST)).map((e) => (
            <li key={e.setting.urn} class="card">
              <h3 class="govuk-heading-s">{e.setting.name}</h3>
              <p class="govuk-body meta">
                {SETTING_TYPE_NAMES[e.setting.type]} · {e.setting.district}
                {e.distanceKm !== null ? ` · ${e.distanceKm.toFixed(1)} km` : ''}{' '}
                {e.outOfArea ? <Tag kind="yellow">Across the boundary</Tag> : null}
              </p>
              <p class="govuk-body">
                {e.placeNow ? (
                  <Tag kind="green">Place free now</Tag>
                ) : e.placeFrom ? (
                  <Tag kind="blue">Place from {longDate(e.placeFrom)}</Tag>
                ) : (
                  <Tag>Full</Tag>
                )}{' '}
                Band {e.listing.band} · {pounds(e.listing.price)} a year
              </p>
              <p class="govuk-body reasons-title">Why it is on the list:</p>
              <ul class="reasons">
                {e.reasons.map((r) => (
                  <li key={r}>{r}</li>
                ))}
              </ul>
              {open ? (
                <button
                  type="button"
                  class="govuk-button govuk-button--secondary app-button--small"
                  aria-pressed={ranked.includes(e.setting.urn)}
                  onClick={() => toggle(e.setting.urn)}
                >
                  {ranked.includes(e.setting.urn)
                    ? `Preference ${ranked.indexOf(e.setting.urn) + 1}: remove`
                    : 'Add to preferences'}
                  <span class="govuk-visually-hidden"> {e.setting.name}</span>
                </button>
              ) : null}
            </li>
          ))}
        </ul>
        {!showAll && shown.length > FIRST ? (
          <button type="button" class="govuk-button govuk-button--secondary" onClick={() => setShowAll(true)}>
            Show all {plural(shown.length, 'setting')}
          </button>
        ) : null}
        {tailored.data && tailored.data.nearMisses.length > 0 ? (
          <details class="govuk-details">
            <summary class="govuk-details__summary">
              <span class="govuk-details__summary-text">
                Near misses: {plural(tailored.data.nearMisses.length, 'setting')} just outside the criteria
              </span>
            </summary>
            <ul class="govuk-list govuk-list--bullet">
              {tailored.data.nearMisses.map((m) => (
                <li key={m.setting.urn}>
                  {m.setting.name}: {m.whyNot.join('; ')}
                </li>
              ))}
            </ul>
          </details>
        ) : null}
      </section>

      <MainstreamRefusals refusals={c.mainstreamRefusals} />

      <section aria-labelledby="history-title">
        <h2 class="govuk-heading-m" id="history-title">
          History
        </h2>
        {history.data ? (
          <AuditTable events={history.data.items} label="What happened to this case" />
        ) : (
          <Loading what="the history" />
        )}
      </section>
    </>
  );
}

/** Where the placement is in the legal process, and the LA's next step: name, or direct. */
function PlacementPanel({
  placement: p,
  setting,
  kase,
  onChange,
}: {
  placement: Placement;
  setting: Pick<Setting, 'name' | 'governance'> | undefined;
  kase: Pick<CaseView, 'preferences' | 'mainstreamRefusals'>;
  onChange: () => void;
}) {
  const [refusal, setRefusal] = useState<RefusalChoice | undefined>(undefined);
  const full = useLoad(
    () => (setting ? Promise.resolve(setting) : get('/settings/{urn}', { path: { urn: p.urn } })),
    [p.urn],
  );
  const [note, setNote] = useState('');
  const [error, setError] = useState<Error | undefined>(undefined);
  const [direction, setDirection] = useState<Direction | undefined>(undefined);
  const name = full.data?.name ?? `URN ${p.urn}`;
  const governance = full.data?.governance ?? p.governance;
  const directable = governance === 'maintained' || governance === 'academy';
  async function act(run: () => Promise<unknown>) {
    setError(undefined);
    try {
      await run();
      onChange();
    } catch (e) {
      setError(e as Error);
    }
  }
  return (
    <section aria-labelledby="placement-title" class="card placement">
      <h2 class="govuk-heading-m" id="placement-title">
        Placement at {name}
      </h2>
      <ol class="steps" aria-label="Steps of the placement">
        {(['consulting', 'accepted', 'named', 'admitted'] as const).map((s) => (
          <li
            key={s}
            class={stepClass(p.state, s)}
            aria-current={stepClass(p.state, s) === 'current' ? 'step' : undefined}
          >
            {PLACEMENT_STATE_NAMES[s]}
          </li>
        ))}
      </ol>
      <p class="govuk-body">
        Now:{' '}
        <Tag kind={p.state === 'admitted' ? 'green' : p.state === 'declined' || p.state === 'refused' ? 'red' : 'blue'}>
          {PLACEMENT_STATE_NAMES[p.state]}
        </Tag>
      </p>
      <ErrorSummary error={error} />
      {p.state === 'consulting' ? (
        <p class="govuk-body">
          {name} is being consulted. <Deadline respondBy={p.respondBy} />
        </p>
      ) : null}
      {p.state === 'declined' ? (
        <Notice kind="warning">
          <p class="govuk-body">
            {name} declined: {(p.declineReasons ?? []).map((r) => DECLINE_REASON_NAMES[r]).join('; ')}
            {p.declineDetail ? `. “${p.declineDetail}”` : ''}. The held place was released and the case is open again.
          </p>
        </Notice>
      ) : null}
      {p.state === 'accepted' || (p.state === 'declined' && directable) ? (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void act(() =>
              post('/placements/{id}/naming', {
                path: { id: p.id },
                body: {
                  ...(note.trim() ? { note: note.trim() } : {}),
                  ...(refusal ? { mainstreamRefusal: { ...refusal, ground: REFUSAL_GROUND } } : {}),
                },
              }),
            );
          }}
        >
          {p.state === 'declined' ? (
            <Field
              label="Why you are naming it despite the decline"
              name="note"
              hint="Required: it is recorded with the naming."
            >
              {(a) => (
                <textarea
                  class="govuk-textarea"
                  {...a}
                  rows={2}
                  value={note}
                  onInput={(e) => setNote(e.currentTarget.value)}
                  required
                />
              )}
            </Field>
          ) : null}
          <MainstreamRefusalFields kase={kase} namedUrn={p.urn} onChange={setRefusal} />
          <button type="submit" class="govuk-button">
            Name {name} in the EHCP
          </button>
        </form>
      ) : null}
      {p.state === 'named' ? (
        <p class="govuk-body">{name} is named and has a duty to admit; waiting for it to record admission.</p>
      ) : null}
      {p.state === 'refused' ? (
        <>
          <Notice kind="warning">
            {name} refused admission{p.refusalReason ? `: “${p.refusalReason}”` : ''}.
          </Notice>
          {directable ? (
            <button
              type="button"
              class="govuk-button govuk-button--warning"
              onClick={() =>
                void act(async () =>
                  setDirection(
                    (await post('/placements/{id}/directions', { path: { id: p.id }, body: {} })).body.direction,
                  ),
                )
              }
            >
              {governance === 'maintained' ? 'Direct the school to admit' : 'Direct the academy’s trust to admit'}
            </button>
          ) : (
            <p class="govuk-body">
              Independent and non-maintained settings cannot be directed: look for another setting on the tailored list.
            </p>
          )}
        </>
      ) : null}
      {p.state === 'directed' || direction ? (
        <p class="govuk-body">
          A{' '}
          {direction?.kind === 'trust_backstop' || governance === 'academy'
            ? 'trust backstop direction'
            : 'direction to admit'}{' '}
          has been issued
          {governance === 'academy' ? '; the trust may appeal to the Schools Adjudicator' : ''}.
        </p>
      ) : null}
      {p.state === 'admitted' ? <Notice kind="success">The child has a place at {name}.</Notice> : null}
    </section>
  );
}

const ORDER = ['consulting', 'accepted', 'named', 'admitted'];
function stepClass(now: string, step: string): string {
  const effective = now === 'declined' ? 'consulting' : now === 'refused' || now === 'directed' ? 'named' : now;
  const a = ORDER.indexOf(effective);
  const b = ORDER.indexOf(step);
  return b < a ? 'done' : b === a ? 'current' : '';
}
