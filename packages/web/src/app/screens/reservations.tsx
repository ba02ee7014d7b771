import { useState } from 'preact/hooks';
import { getAll, post } from '../lib/api.ts';
import { longDate, plural } from '../lib/format.ts';
import type { Session } from '../lib/session.ts';
import type { Reservation, Setting } from '../lib/types.ts';
import { useLoad } from '../lib/use-load.ts';
import {
  ErrorSummary,
  Loading,
  Notice,
  PageHeading,
  problemFor,
  SelectField,
  SummaryList,
  TableWrap,
  Tag,
  TextAreaField,
  TextField,
} from '../ui/common.tsx';

const STATE_NAMES: Record<Reservation['state'], string> = {
  offered: 'Awaiting the partnership’s answer',
  accepted: 'Block in force',
  declined: 'Declined',
  withdrawn: 'Withdrawn',
  superseded: 'Replaced by a newer block',
};

function StateTag({ r }: { r: Reservation }) {
  const kind = r.state === 'accepted' ? 'green' : r.state === 'offered' ? 'blue' : 'grey';
  return <Tag kind={kind}>{STATE_NAMES[r.state]}</Tag>;
}

const where = (r: Reservation) =>
  `${r.settingName ?? `URN ${r.urn}`}, listing ${r.listingId}${r.band ? ` (${r.band})` : ''}`;
const use = (r: Reservation) => (r.used === undefined ? '' : `${r.used} of ${r.places} in use, ${r.left} left`);

/** Posts an action, then reloads; its error (a 400 naming fields, a 409) stays on the screen. */
function useAction(onDone: () => void) {
  const [error, setError] = useState<Error | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  async function act(run: () => Promise<unknown>): Promise<boolean> {
    setBusy(true);
    setError(undefined);
    try {
      await run();
      onDone();
      return true;
    } catch (e) {
      setError(e as Error);
      return false;
    } finally {
      setBusy(false);
    }
  }
  return { error, busy, act };
}

function ReservationsTable({
  items,
  caption,
  who,
}: {
  items: Reservation[];
  caption: string;
  who: 'provider' | 'partnership';
}) {
  return (
    <TableWrap label={caption}>
      <table class="govuk-table">
        <caption class="govuk-table__caption govuk-table__caption--m">{caption}</caption>
        <thead class="govuk-table__head">
          <tr class="govuk-table__row">
            <th class="govuk-table__header" scope="col">
              Setting and listing
            </th>
            <th class="govuk-table__header" scope="col">
              {who === 'provider' ? 'Partnership' : 'Provider'}
            </th>
            <th class="govuk-table__header govuk-table__header--numeric" scope="col">
              Block places
            </th>
            <th class="govuk-table__header" scope="col">
              Use
            </th>
            <th class="govuk-table__header" scope="col">
              State
            </th>
          </tr>
        </thead>
        <tbody class="govuk-table__body">
          {items.map((r) => (
            <tr class="govuk-table__row" key={r.id}>
              <th class="govuk-table__header" scope="row">
                {where(r)}
              </th>
              <td class="govuk-table__cell">{who === 'provider' ? r.partnershipId : r.providerId}</td>
              <td class="govuk-table__cell govuk-table__cell--numeric">{r.places}</td>
              <td class="govuk-table__cell">{use(r)}</td>
              <td class="govuk-table__cell">
                <StateTag r={r} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableWrap>
  );
}

/** The provider: offer block places of a listing to a partnership; see each offer's answer and the block's use. */
export function ProviderReservations({ session }: { session: Session }) {
  const reservations = useLoad(() => getAll('/reservations'), []);
  const settings = useLoad(
    () => getAll('/settings', { query: { provider: session.principal.org } }),
    [session.principal.org],
  );
  const partnerships = useLoad(() => getAll('/partnerships'), []);
  const items = reservations.data ?? [];
  const live = items.filter((r) => r.state === 'offered' || r.state === 'accepted');
  return (
    <>
      <PageHeading caption={session.label}>Block places</PageHeading>
      <p class="govuk-body">
        Offer places of a listing to a regional partnership as a block for its member LAs. The places become a block
        only when the partnership accepts; until then, and after a decline, the listing is as it was.
      </p>
      <ErrorSummary error={reservations.error ?? settings.error ?? partnerships.error} />
      {reservations.loading && !reservations.data ? <Loading what="block places" /> : null}
      {settings.data && partnerships.data ? (
        <OfferForm settings={settings.data} partnerships={partnerships.data} onOffered={reservations.reload} />
      ) : null}
      {reservations.data && items.length === 0 ? <Notice>You have not offered any block places yet.</Notice> : null}
      {items.length > 0 ? (
        <ReservationsTable
          items={items}
          who="provider"
          caption={`${plural(items.length, 'offer')}, ${live.length} open or in force`}
        />
      ) : null}
      {live.map((r) => (
        <ProviderCard key={`${r.id}-${r.state}`} r={r} onChanged={reservations.reload} />
      ))}
    </>
  );
}

function OfferForm({
  settings,
  partnerships,
  onOffered,
}: {
  settings: Setting[];
  partnerships: { id: string; name: string }[];
  onOffered: () => void;
}) {
  const listings = settings.flatMap((s) =>
    s.listings.map(
      (l) =>
        [`${s.urn}/${l.listingId}`, `${s.name}: ${l.listingId} (${l.band}, ${l.commissioned} commissioned)`] as const,
    ),
  );
  const [listing, setListing] = useState('');
  const [partnershipId, setPartnershipId] = useState('');
  const [places, setPlaces] = useState('');
  const [done, setDone] = useState<string | undefined>(undefined);
  const { error, busy, act } = useAction(onOffered);
  return (
    <form
      novalidate
      onSubmit={(e) => {
        e.preventDefault();
        setDone(undefined);
        const [urn, listingId] = listing.split('/');
        if (!urn || !listingId) return;
        void act(() =>
          post('/settings/{urn}/listings/{listingId}/reservations', {
            path: { urn, listingId },
            // An empty box is sent as no places, so the API's 400 names the field.
            body: { partnershipId, places: (places.trim() === '' ? undefined : Number(places)) as number },
          }),
        ).then((ok) => ok && setDone(`Offered ${places} block places to ${partnershipId}: the partnership is told.`));
      }}
    >
      <h2 class="govuk-heading-m">Offer block places</h2>
      <ErrorSummary error={error} />
      {done ? <Notice kind="success">{done}</Notice> : null}
      <SelectField
        label="Listing"
        name="listing"
        value={listing}
        onChange={setListing}
        options={listings}
        empty="Choose a listing"
      />
      <SelectField
        label="Partnership"
        name="partnershipId"
        value={partnershipId}
        onChange={setPartnershipId}
        options={partnerships.map((p) => [p.id, p.name] as const)}
        empty="Choose a partnership"
        error={problemFor(error, 'partnershipId')}
      />
      <TextField
        label="Block places"
        name="places"
        hint="At most the listing’s commissioned places."
        error={problemFor(error, 'places')}
        width={3}
        inputMode="numeric"
        value={places}
        onInput={setPlaces}
      />
      <button type="submit" class="govuk-button" disabled={busy || listing === ''}>
        Offer the block
      </button>
    </form>
  );
}

function ProviderCard({ r, onChanged }: { r: Reservation; onChanged: () => void }) {
  const { error, busy, act } = useAction(onChanged);
  const title = `${plural(r.places, 'block place')} for ${r.partnershipId} at ${where(r)}`;
  return (
    <section class="card" aria-label={title}>
      <h2 class="govuk-heading-m">{title}</h2>
      <SummaryList
        rows={[
          ['State', <StateTag r={r} />],
          ['Offered on', longDate(r.offeredAt.slice(0, 10))],
          ...(r.answeredAt ? ([['Answered on', longDate(r.answeredAt.slice(0, 10))]] as const) : []),
          ...(r.used !== undefined ? ([['Use', use(r)]] as const) : []),
        ]}
      />
      <ErrorSummary error={error} />
      <button
        type="button"
        class="govuk-button govuk-button--secondary"
        disabled={busy}
        onClick={() => void act(() => post('/reservations/{id}/withdrawal', { path: { id: r.id } }))}
      >
        {r.state === 'offered' ? 'Withdraw the offer' : 'End the block'}
      </button>
    </section>
  );
}

/** The partnership: offers of block places awaiting its answer (accept or decline), and its blocks in force. */
export function PartnershipReservations({ session }: { session: Session }) {
  const reservations = useLoad(() => getAll('/reservations'), []);
  const items = reservations.data ?? [];
  const offers = items.filter((r) => r.state === 'offered');
  const blocks = items.filter((r) => r.state === 'accepted');
  const past = items.filter((r) => r.state !== 'offered' && r.state !== 'accepted');
  return (
    <>
      <PageHeading caption={session.label}>Block places</PageHeading>
      <p class="govuk-body">
        Providers offer places as blocks for your member LAs. A block takes effect when you accept it: members’
        allocations then take its places first.
      </p>
      <ErrorSummary error={reservations.error} />
      {reservations.loading && !reservations.data ? <Loading what="block places" /> : null}
      {reservations.data && offers.length === 0 ? <Notice>No offers are awaiting your answer.</Notice> : null}
      {offers.map((r) => (
        <OfferCard key={`${r.id}-${r.state}`} r={r} onChanged={reservations.reload} />
      ))}
      {blocks.length > 0 ? (
        <ReservationsTable
          items={blocks}
          who="partnership"
          caption={`Blocks in force: ${plural(blocks.length, 'block')}`}
        />
      ) : null}
      {past.length > 0 ? (
        <ReservationsTable items={past} who="partnership" caption={`Earlier offers: ${past.length}`} />
      ) : null}
    </>
  );
}

function OfferCard({ r, onChanged }: { r: Reservation; onChanged: () => void }) {
  const { error, busy, act } = useAction(onChanged);
  const [reason, setReason] = useState('');
  const title = `${plural(r.places, 'block place')} offered at ${where(r)}`;
  return (
    <section class="card" aria-label={title}>
      <h2 class="govuk-heading-m">{title}</h2>
      <SummaryList
        rows={[
          ['State', <StateTag r={r} />],
          ['Provider', r.providerId],
          ['Offered on', longDate(r.offeredAt.slice(0, 10))],
        ]}
      />
      <ErrorSummary error={error} />
      <div class="govuk-button-group">
        <button
          type="button"
          class="govuk-button"
          disabled={busy}
          onClick={() =>
            void act(() => post('/reservations/{id}/response', { path: { id: r.id }, body: { decision: 'accept' } }))
          }
        >
          Accept the block
        </button>
      </div>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void act(() =>
            post('/reservations/{id}/response', {
              path: { id: r.id },
              body: { decision: 'decline', ...(reason.trim() ? { reason: reason.trim() } : {}) },
            }),
          );
        }}
      >
        <TextAreaField
          label="Reason for declining (optional)"
          name={`reason-${r.id}`}
          hint="Shown to the provider. Do not name a child."
          error={problemFor(error, 'reason')}
          rows={2}
          value={reason}
          onInput={setReason}
        />
        <button type="submit" class="govuk-button govuk-button--secondary" disabled={busy}>
          Decline
        </button>
      </form>
    </section>
  );
}
