import { getAll } from '../lib/api.ts';
import { longDate, plural, pounds } from '../lib/format.ts';
import { laName, localAuthorities } from '../lib/reference.ts';
import type { Session } from '../lib/session.ts';
import type { Setting } from '../lib/types.ts';
import { useLoad } from '../lib/use-load.ts';
import { ATTENDANCE_NAMES, SETTING_TYPE_NAMES } from '../lib/words.ts';
import { ErrorSummary, Loading, Notice, PageHeading, TableWrap, Tag } from '../ui/common.tsx';

/** The settings a provider (or trust) runs, read with GET /settings?provider=. */
export const ownSettings = (session: Session) =>
  getAll<Setting>(`/settings?provider=${encodeURIComponent(session.principal.org)}`);

/** Provider home: each setting with its listings, and a way to change each. */
export function ProviderSettings({ session }: { session: Session }) {
  const settings = useLoad(() => ownSettings(session), [session.principal.org]);
  const las = useLoad(localAuthorities, []);
  return (
    <>
      <PageHeading caption={session.label}>Your settings and listings</PageHeading>
      <p>
        Keep your places current: commissioners search them across LA boundaries. Available places are commissioned
        minus filled minus held (held are places allocated to a child while you are consulted).
      </p>
      <p>
        <a href="#/provider/upload">Upload a sheet of listings (CSV)</a> ·{' '}
        <a href="#/provider/consultations">Consultations and admissions</a>
      </p>
      <ErrorSummary error={settings.error} />
      {settings.loading && !settings.data ? <Loading what="your settings" /> : null}
      {settings.data?.length === 0 ? <Notice>Your organisation has no settings in the marketplace yet.</Notice> : null}
      {(settings.data ?? []).map((s) => (
        <section class="card" key={s.urn} aria-labelledby={`setting-${s.urn}`}>
          <h2 id={`setting-${s.urn}`}>{s.name}</h2>
          <p class="meta">
            URN {s.urn} · {SETTING_TYPE_NAMES[s.type]} · {laName(las.data, s.laCode)} ({s.district}) · ages {s.ageMin}{' '}
            to {s.ageMax} · needs {s.needs.join(', ')}
          </p>
          {s.listings.length === 0 ? (
            <p>No listings yet.</p>
          ) : (
            <TableWrap label={`Listings of ${s.name}`}>
              <table>
                <caption class="visually-hidden">Listings of {s.name}</caption>
                <thead>
                  <tr>
                    <th scope="col">Listing</th>
                    <th scope="col">Band</th>
                    <th scope="col">Needs</th>
                    <th scope="col">Ages</th>
                    <th scope="col">Attendance</th>
                    <th scope="col" class="num">
                      Commissioned
                    </th>
                    <th scope="col" class="num">
                      Filled
                    </th>
                    <th scope="col" class="num">
                      Held
                    </th>
                    <th scope="col" class="num">
                      Available
                    </th>
                    <th scope="col">From</th>
                    <th scope="col" class="num">
                      Price a year
                    </th>
                    <th scope="col">
                      <span class="visually-hidden">Action</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {s.listings.map((l) => (
                    <tr key={l.listingId}>
                      <th scope="row">{l.listingId}</th>
                      <td>{l.band}</td>
                      <td>{l.needs.join(', ')}</td>
                      <td>
                        {l.ageMin}–{l.ageMax}
                      </td>
                      <td>{ATTENDANCE_NAMES[l.attendance]}</td>
                      <td class="num">{l.commissioned}</td>
                      <td class="num">{l.filled}</td>
                      <td class="num">{l.held}</td>
                      <td class="num">{l.available > 0 ? <Tag kind="green">{l.available}</Tag> : <Tag>0</Tag>}</td>
                      <td>{longDate(l.availableFrom)}</td>
                      <td class="num">{pounds(l.price)}</td>
                      <td>
                        <a href={`#/provider/settings/${s.urn}/listings/${l.listingId}`}>
                          Change<span class="visually-hidden"> listing {l.listingId}</span>
                        </a>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </TableWrap>
          )}
          <p>
            <a href={`#/provider/settings/${s.urn}/listings/new`}>Add a listing to {s.name}</a>
          </p>
          <p class="meta">
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
