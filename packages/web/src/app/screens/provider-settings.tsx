import { getAll } from '../lib/api.ts';
import { longDate, plural, pounds } from '../lib/format.ts';
import { laName, localAuthorities } from '../lib/reference.ts';
import type { Session } from '../lib/session.ts';
import { useLoad } from '../lib/use-load.ts';
import { ATTENDANCE_NAMES, SETTING_TYPE_NAMES } from '../lib/words.ts';
import { ErrorSummary, Loading, Notice, PageHeading, TableWrap, Tag } from '../ui/common.tsx';

/** The settings a provider (or trust) runs, read with GET /settings?provider=. */
export const ownSettings = (session: Session) => getAll('/settings', { query: { provider: session.principal.org } });

/** Provider home: each setting with its listings, and a way to change each. */
export function ProviderSettings({ session }: { session: Session }) {
  const settings = useLoad(() => ownSettings(session), [session.principal.org]);
  const las = useLoad(localAuthorities, []);
  return (
    <>
      <PageHeading caption={session.label}>Your settings and listings</PageHeading>
      <p class="govuk-body">
        Keep your places current: commissioners search them across LA boundaries. Available places are commissioned
        minus filled minus held (held are places allocated to a child while you are consulted).
      </p>
      <p class="govuk-body">
        <a class="govuk-link" href="#/provider/upload">
          Upload a sheet of listings (CSV)
        </a>{' '}
        ·{' '}
        <a class="govuk-link" href="#/provider/consultations">
          Consultations and admissions
        </a>
      </p>
      <ErrorSummary error={settings.error} />
      {settings.loading && !settings.data ? <Loading what="your settings" /> : null}
      {settings.data?.length === 0 ? <Notice>Your organisation has no settings in the marketplace yet.</Notice> : null}
      {(settings.data ?? []).map((s) => (
        <section class="card" key={s.urn} aria-labelledby={`setting-${s.urn}`}>
          <h2 class="govuk-heading-m" id={`setting-${s.urn}`}>
            {s.name}
          </h2>
          <p class="govuk-body meta">
            URN {s.urn} · {SETTING_TYPE_NAMES[s.type]} · {laName(las.data, s.laCode)} ({s.district}) · ages {s.ageMin}{' '}
            to {s.ageMax} · needs {s.needs.join(', ')}
          </p>
          {s.listings.length === 0 ? (
            <p class="govuk-body">No listings yet.</p>
          ) : (
            <TableWrap label={`Listings of ${s.name}`}>
              <table class="govuk-table">
                <caption class="govuk-table__caption govuk-table__caption--s govuk-visually-hidden">
                  Listings of {s.name}
                </caption>
                <thead class="govuk-table__head">
                  <tr class="govuk-table__row">
                    <th class="govuk-table__header" scope="col">
                      Listing
                    </th>
                    <th class="govuk-table__header" scope="col">
                      Band
                    </th>
                    <th class="govuk-table__header" scope="col">
                      Needs
                    </th>
                    <th class="govuk-table__header" scope="col">
                      Ages
                    </th>
                    <th class="govuk-table__header" scope="col">
                      Attendance
                    </th>
                    <th scope="col" class="govuk-table__header govuk-table__header--numeric">
                      Commissioned
                    </th>
                    <th scope="col" class="govuk-table__header govuk-table__header--numeric">
                      Filled
                    </th>
                    <th scope="col" class="govuk-table__header govuk-table__header--numeric">
                      Held
                    </th>
                    <th scope="col" class="govuk-table__header govuk-table__header--numeric">
                      Available
                    </th>
                    <th class="govuk-table__header" scope="col">
                      From
                    </th>
                    <th scope="col" class="govuk-table__header govuk-table__header--numeric">
                      Price a year
                    </th>
                    <th class="govuk-table__header" scope="col">
                      <span class="govuk-visually-hidden">Action</span>
                    </th>
                  </tr>
                </thead>
                <tbody class="govuk-table__body">
                  {s.listings.map((l) => (
                    <tr class="govuk-table__row" key={l.listingId}>
                      <th class="govuk-table__header" scope="row">
                        {l.listingId}
                      </th>
                      <td class="govuk-table__cell">{l.band}</td>
                      <td class="govuk-table__cell">{l.needs.join(', ')}</td>
                      <td class="govuk-table__cell">
                        {l.ageMin}–{l.ageMax}
                      </td>
                      <td class="govuk-table__cell">{ATTENDANCE_NAMES[l.attendance]}</td>
                      <td class="govuk-table__cell govuk-table__cell--numeric">{l.commissioned}</td>
                      <td class="govuk-table__cell govuk-table__cell--numeric">{l.filled}</td>
                      <td class="govuk-table__cell govuk-table__cell--numeric">{l.held}</td>
                      <td class="govuk-table__cell govuk-table__cell--numeric">
                        {l.available > 0 ? <Tag kind="green">{l.available}</Tag> : <Tag>0</Tag>}
                      </td>
                      <td class="govuk-table__cell">{longDate(l.availableFrom)}</td>
                      <td class="govuk-table__cell govuk-table__cell--numeric">{pounds(l.price)}</td>
                      <td class="govuk-table__cell">
                        <a class="govuk-link" href={`#/provider/settings/${s.urn}/listings/${l.listingId}`}>
                          Change<span class="govuk-visually-hidden"> listing {l.listingId}</span>
                        </a>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </TableWrap>
          )}
          <p class="govuk-body">
            <a class="govuk-link" href={`#/provider/settings/${s.urn}/listings/new`}>
              Add a listing to {s.name}
            </a>
          </p>
          <p class="govuk-body meta">
            {plural(
              s.listings.reduce((n, l) => n + l.available, 0),
              'place',
            )}{' '}
            available now or from a date across its listings.
          </p>
        </section>
      ))}
    </>
  );
}
