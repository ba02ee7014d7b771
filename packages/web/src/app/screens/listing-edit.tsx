import { useEffect, useState } from 'preact/hooks';
import { ATTENDANCE } from '@placements/domain/setting.ts';
import { ApiError, get, put, type RequestBody } from '../lib/api.ts';
import { longDate, penceFromPounds, plural, pounds, todayIso } from '../lib/format.ts';
import { bands, laName, localAuthorities } from '../lib/reference.ts';
import type { Listing, Setting } from '../lib/types.ts';
import { AuditTable } from '../ui/audit.tsx';
import { useLoad } from '../lib/use-load.ts';
import { ATTENDANCE_NAMES } from '../lib/words.ts';
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
  Checkbox,
} from '../ui/common.tsx';

interface Form {
  listingId: string;
  band: string;
  needs: string[];
  ageMin: string;
  ageMax: string;
  attendance: string;
  commissioned: string;
  filled: string;
  availableFrom: string;
  price: string;
  variationReason: string;
}

const formOf = (l: Listing): Form => ({
  listingId: l.listingId,
  band: l.band,
  needs: [...l.needs],
  ageMin: String(l.ageMin),
  ageMax: String(l.ageMax),
  attendance: l.attendance,
  commissioned: String(l.commissioned),
  filled: String(l.filled),
  availableFrom: l.availableFrom,
  // A listing at the tariff shows no price: leaving it empty keeps it at the tariff.
  price: l.variationReason ? String(l.price / 100) : '',
  variationReason: l.variationReason ?? '',
});

const emptyForm = (s: Setting): Form => ({
  listingId: '',
  band: '',
  needs: [],
  ageMin: String(s.ageMin),
  ageMax: String(s.ageMax),
  attendance: 'day',
  commissioned: '',
  filled: '0',
  availableFrom: todayIso(),
  price: '',
  variationReason: '',
});

type ListingBody = RequestBody<'put', '/settings/{urn}/listings/{listingId}'>;

/**
 * The request body: numbers as numbers, an empty price left out so the tariff applies. The form's
 * choices are sent as chosen and an empty number as none: the API checks them and names each field it refuses.
 */
function bodyOf(f: Form): ListingBody {
  const price = penceFromPounds(f.price);
  return {
    band: f.band,
    needs: f.needs as ListingBody['needs'],
    ageMin: Number(f.ageMin),
    ageMax: Number(f.ageMax),
    attendance: f.attendance as ListingBody['attendance'],
    commissioned: (f.commissioned === '' ? undefined : Number(f.commissioned)) as number,
    filled: (f.filled === '' ? undefined : Number(f.filled)) as number,
    availableFrom: f.availableFrom,
    ...(price !== undefined ? { price } : {}),
    ...(f.variationReason.trim() !== '' ? { variationReason: f.variationReason.trim() } : {}),
  };
}

const COMPARED: [keyof Listing, string, (l: Listing) => string][] = [
  ['band', 'Band', (l) => l.band],
  ['needs', 'Needs', (l) => l.needs.join(', ')],
  ['ageMin', 'Ages', (l) => `${l.ageMin}–${l.ageMax}`],
  ['attendance', 'Attendance', (l) => ATTENDANCE_NAMES[l.attendance]],
  ['commissioned', 'Commissioned', (l) => String(l.commissioned)],
  ['filled', 'Filled', (l) => String(l.filled)],
  ['held', 'Held', (l) => String(l.held)],
  ['available', 'Available', (l) => String(l.available)],
  ['availableFrom', 'Available from', (l) => longDate(l.availableFrom)],
  ['price', 'Price a year', (l) => pounds(l.price)],
];

/** Create or change one listing. A stale version (412) shows both versions side by side. */
export function ListingEdit({ urn, listingId }: { urn: string; listingId: string }) {
  const creating = listingId === 'new';
  const setting = useLoad(() => get('/settings/{urn}', { path: { urn } }), [urn]);
  const framework = useLoad(bands, []);
  const [form, setForm] = useState<Form | undefined>(undefined);
  const [version, setVersion] = useState<number | undefined>(undefined);
  const [error, setError] = useState<Error | undefined>(undefined);
  const [conflict, setConflict] = useState<Listing | undefined>(undefined);
  const [saving, setSaving] = useState(false);
  const [saved, setSaved] = useState<Listing | undefined>(undefined);

  useEffect(() => {
    const s = setting.data;
    if (s === undefined || form !== undefined) return;
    const l = s.listings.find((x) => x.listingId === listingId);
    setForm(l ? formOf(l) : emptyForm(s));
    setVersion(l?.version);
  }, [setting.data]);

  if (setting.error) return <ErrorSummary error={setting.error} />;
  if (setting.data === undefined || form === undefined) return <Loading what="the listing" />;
  const s = setting.data;
  const original = s.listings.find((x) => x.listingId === listingId);
  if (!creating && original === undefined) {
    return (
      <>
        <PageHeading caption={s.name}>Listing not found</PageHeading>
        <Notice kind="warning">
          {s.name} has no listing {listingId}.
        </Notice>
        <a class="govuk-link" href="#/provider">
          Back to your settings
        </a>
      </>
    );
  }
  const set = (patch: Partial<Form>) => setForm({ ...form, ...patch });
  const id = creating ? form.listingId.trim() : listingId;

  async function save(ifMatch: number | undefined) {
    setSaving(true);
    setError(undefined);
    try {
      const res = await put('/settings/{urn}/listings/{listingId}', {
        path: { urn, listingId: id },
        body: bodyOf(form!),
        headers: ifMatch !== undefined ? { 'if-match': String(ifMatch) } : {},
      });
      setSaved(res.body);
      setVersion(res.body.version);
      setConflict(undefined);
    } catch (e) {
      // 412: someone saved a newer version; 428: a listing with this id already exists.
      if (e instanceof ApiError && (e.status === 412 || e.status === 428) && e.details[0]?.current)
        setConflict(e.details[0].current as Listing);
      else setError(e as Error);
    } finally {
      setSaving(false);
    }
  }

  if (saved) {
    return (
      <>
        <PageHeading caption={s.name}>{`Listing ${saved.listingId} saved`}</PageHeading>
        <Notice kind="success">
          <p class="govuk-body">
            Version {saved.version} is published: {saved.available} of {saved.commissioned} places available from{' '}
            {longDate(saved.availableFrom)} at {pounds(saved.price)} a year.
          </p>
        </Notice>
        <p class="govuk-body">
          <a class="govuk-link" href="#/provider">
            Back to your settings
          </a>
        </p>
      </>
    );
  }

  const problem = (f: string) => problemFor(error, f);
  return (
    <>
      <PageHeading caption={`${s.name}, URN ${s.urn}`}>
        {creating ? 'Add a listing' : `Change listing ${listingId}`}
      </PageHeading>
      <p class="govuk-body">
        <a class="govuk-link" href="#/provider">
          Back to your settings
        </a>
      </p>
      {conflict ? (
        <section class="conflict" role="alert" aria-labelledby="conflict-title">
          <h2 class="govuk-heading-m" id="conflict-title">
            {creating ? 'This listing already exists' : 'Someone else changed this listing while you were editing it'}
          </h2>
          <p class="govuk-body">
            {creating
              ? `A listing called ${conflict.listingId} was saved on ${longDate(conflict.updatedAt)} (version ${conflict.version}).`
              : `You started from version ${version}. Version ${conflict.version} was saved on ${longDate(conflict.updatedAt)} at ${new Date(conflict.updatedAt).toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit' })}.`}{' '}
            Your change has not been saved. Compare them and choose.
          </p>
          <TableWrap label="Your change compared with the saved listing">
            <table class="govuk-table">
              <thead class="govuk-table__head">
                <tr class="govuk-table__row">
                  <th class="govuk-table__header" scope="col">
                    Field
                  </th>
                  <th class="govuk-table__header" scope="col">
                    Saved now (version {conflict.version})
                  </th>
                  <th class="govuk-table__header" scope="col">
                    Your change
                  </th>
                </tr>
              </thead>
              <tbody class="govuk-table__body">
                {COMPARED.map(([key, label, show]) => {
                  const mine = {
                    ...conflict,
                    ...bodyOf(form),
                    price: penceFromPounds(form.price) ?? conflict.price,
                  } as Listing;
                  const differs = key !== 'held' && key !== 'available' && show(mine) !== show(conflict);
                  return (
                    <tr key={key} class={`govuk-table__row${differs ? ' differs' : ''}`}>
                      <th class="govuk-table__header" scope="row">
                        {label}
                        {differs ? <span class="govuk-visually-hidden"> (different)</span> : null}
                      </th>
                      <td class="govuk-table__cell">{show(conflict)}</td>
                      <td class="govuk-table__cell">{key === 'held' || key === 'available' ? '—' : show(mine)}</td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </TableWrap>
          <div class="govuk-button-group">
            <button
              type="button"
              class="govuk-button"
              onClick={() => {
                setForm(formOf(conflict));
                setVersion(conflict.version);
                setConflict(undefined);
              }}
            >
              Use the saved version and edit again
            </button>
            <button
              type="button"
              class="govuk-button govuk-button--warning"
              disabled={saving}
              onClick={() => void save(conflict.version)}
            >
              Replace it with my change
            </button>
          </div>
        </section>
      ) : null}
      <ErrorSummary error={error} />
      <form
        class="form"
        onSubmit={(e) => {
          e.preventDefault();
          void save(version);
        }}
      >
        {creating ? (
          <Field
            label="Listing name"
            name="listingId"
            hint="Lower-case letters, digits and hyphens, for example s3-day."
            error={problem('listingId')}
          >
            {(a) => (
              <input
                {...a}
                class="govuk-input govuk-input--width-20"
                value={form.listingId}
                onInput={(e) => set({ listingId: e.currentTarget.value })}
                required
                pattern="[a-z0-9][a-z0-9-]*"
              />
            )}
          </Field>
        ) : null}
        <SelectField
          label="Band"
          name="band"
          hint="The national band these places are for."
          value={form.band}
          onChange={(band) => set({ band })}
          options={bandOptions(framework.data)}
          empty="Choose a band"
          error={problem('band')}
          required
        />
        <fieldset class="govuk-fieldset govuk-form-group" aria-describedby="field-needs-hint">
          <legend class="govuk-fieldset__legend govuk-fieldset__legend--s">Needs these places meet</legend>
          <p class="govuk-hint" id="field-needs-hint">
            From the setting’s specialisms.
          </p>
          {problem('needs') ? <p class="govuk-error-message">{problem('needs')}</p> : null}
          <div class="govuk-checkboxes govuk-checkboxes--small" id="field-needs">
            {s.needs.map((n) => (
              <Checkbox
                key={n}
                checked={form.needs.includes(n)}
                onChange={(e) =>
                  set({ needs: e.currentTarget.checked ? [...form.needs, n] : form.needs.filter((x) => x !== n) })
                }
              >
                {n}
              </Checkbox>
            ))}
          </div>
        </fieldset>
        <div class="field-row">
          <Field label="Youngest age" name="ageMin" error={problem('ageMin')}>
            {(a) => (
              <input
                {...a}
                class="govuk-input govuk-input--width-5"
                type="number"
                min={0}
                max={25}
                value={form.ageMin}
                onInput={(e) => set({ ageMin: e.currentTarget.value })}
                required
              />
            )}
          </Field>
          <Field label="Oldest age" name="ageMax" error={problem('ageMax')}>
            {(a) => (
              <input
                {...a}
                class="govuk-input govuk-input--width-5"
                type="number"
                min={0}
                max={25}
                value={form.ageMax}
                onInput={(e) => set({ ageMax: e.currentTarget.value })}
                required
              />
            )}
          </Field>
        </div>
        <Field label="Attendance" name="attendance" error={problem('attendance')}>
          {(a) => (
            <select
              class="govuk-select"
              {...a}
              value={form.attendance}
              onChange={(e) => set({ attendance: e.currentTarget.value })}
            >
              {ATTENDANCE.map((x) => (
                <option key={x} value={x}>
                  {ATTENDANCE_NAMES[x]}
                </option>
              ))}
            </select>
          )}
        </Field>
        <div class="field-row">
          <Field label="Places commissioned" name="commissioned" error={problem('commissioned')}>
            {(a) => (
              <input
                {...a}
                class="govuk-input govuk-input--width-5"
                type="number"
                min={0}
                inputMode="numeric"
                value={form.commissioned}
                onInput={(e) => set({ commissioned: e.currentTarget.value })}
                required
              />
            )}
          </Field>
          <Field label="Places filled" name="filled" error={problem('filled')}>
            {(a) => (
              <input
                {...a}
                class="govuk-input govuk-input--width-5"
                type="number"
                min={0}
                inputMode="numeric"
                value={form.filled}
                onInput={(e) => set({ filled: e.currentTarget.value })}
                required
              />
            )}
          </Field>
        </div>
        {original?.held ? (
          <Notice>
            {original.held} {original.held === 1 ? 'place is' : 'places are'} held for children being allocated; they
            are not available.
          </Notice>
        ) : null}
        <Field label="Available from" name="availableFrom" error={problem('availableFrom')}>
          {(a) => (
            <input
              {...a}
              class="govuk-input govuk-input--width-20"
              type="date"
              value={form.availableFrom}
              onInput={(e) => set({ availableFrom: e.currentTarget.value })}
              required
            />
          )}
        </Field>
        <Field
          label="Price a year, in pounds (optional)"
          name="price"
          hint="Leave empty to charge the band’s tariff. Another price needs a reason and must stay inside the framework’s allowed range."
          error={problem('price')}
        >
          {(a) => (
            <input
              {...a}
              class="govuk-input govuk-input--width-20"
              inputMode="decimal"
              value={form.price}
              onInput={(e) => set({ price: e.currentTarget.value })}
            />
          )}
        </Field>
        <Field
          label="Reason for a price other than the tariff"
          name="variationReason"
          error={problem('variationReason')}
        >
          {(a) => (
            <textarea
              class="govuk-textarea"
              {...a}
              rows={2}
              value={form.variationReason}
              onInput={(e) => set({ variationReason: e.currentTarget.value })}
            />
          )}
        </Field>
        {version !== undefined ? <p class="govuk-body meta">You are changing version {version}.</p> : null}
        <button type="submit" class="govuk-button" disabled={saving}>
          {saving ? 'Saving…' : 'Save listing'}
        </button>
      </form>
      {original ? (
        <>
          <WaitingList urn={urn} listingId={listingId} />
          <p class="govuk-body">
            <a class="govuk-link" href={`#/provider/settings/${urn}/listings/${listingId}/history`}>
              See who changed this listing and when
            </a>
          </p>
        </>
      ) : null}
    </>
  );
}

/** Children waiting for a place in this listing: a place you free is offered to the first. */
function WaitingList({ urn, listingId }: { urn: string; listingId: string }) {
  const queue = useLoad(
    () => get('/settings/{urn}/listings/{listingId}/waiting-list', { path: { urn, listingId }, query: { limit: 200 } }),
    [urn, listingId],
  );
  const las = useLoad(localAuthorities, []);
  if (queue.data === undefined) return null;
  return (
    <section aria-labelledby="waiting-title">
      <h2 class="govuk-heading-m" id="waiting-title">
        Waiting list ({queue.data.items.length})
      </h2>
      {queue.data.items.length === 0 ? (
        <p class="govuk-body">No child is waiting for a place in this listing.</p>
      ) : (
        <>
          <p class="govuk-body">
            A place you free (more commissioned, or fewer filled) is offered to the first child in the queue.
          </p>
          <ol class="govuk-list govuk-list--number">
            {queue.data.items.map((w) => (
              <li key={w.position}>
                A child from {laName(las.data, w.laCode)}, waiting {plural(w.daysWaiting, 'day')}
              </li>
            ))}
          </ol>
        </>
      )}
    </section>
  );
}

/** A listing's audit trail: every change, who made it and when. */
export function ListingHistory({ urn, listingId }: { urn: string; listingId: string }) {
  const events = useLoad(
    () => get('/audit', { query: { entity: `listing:${urn}:${listingId}`, limit: 200 } }),
    [urn, listingId],
  );
  return (
    <>
      <PageHeading caption={`URN ${urn}`}>{`History of listing ${listingId}`}</PageHeading>
      <p class="govuk-body">
        <a class="govuk-link" href={`#/provider/settings/${urn}/listings/${listingId}`}>
          Back to the listing
        </a>
      </p>
      <ErrorSummary error={events.error} />
      {events.data ? (
        <AuditTable events={events.data.items} label={`Changes to listing ${listingId}`} />
      ) : (
        <Loading what="the history" />
      )}
    </>
  );
}
