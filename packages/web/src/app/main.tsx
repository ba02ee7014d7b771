import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { configureApi } from './lib/api.ts';
import { loadConfig, type AppConfig } from './lib/config.ts';
import { match, navigate, useHashPath } from './lib/router.ts';
import {
  clearSession,
  completeHostedSignIn,
  hostedSignOutUrl,
  readSession,
  type Role,
  type Session,
} from './lib/session.ts';
import { ROLE_NAMES } from './lib/words.ts';
import { Notice, PageHeading } from './ui/common.tsx';
import { Layout } from './ui/layout.tsx';
import { CasePage } from './screens/case.tsx';
import { Cases, OpenCase } from './screens/cases.tsx';
import { CasesUpload } from './screens/cases-upload.tsx';
import { Consultations } from './screens/consultations.tsx';
import { ListingEdit, ListingHistory } from './screens/listing-edit.tsx';
import { ProviderSettings } from './screens/provider-settings.tsx';
import { Search } from './screens/search.tsx';
import { SignIn } from './screens/sign-in.tsx';
import { Sufficiency } from './screens/sufficiency.tsx';
import { LaSufficiency } from './screens/forecast.tsx';
import { Upload } from './screens/upload.tsx';
import { PartnershipReservations, ProviderReservations } from './screens/reservations.tsx';
import { Inbox, UnreadCount } from './ui/inbox.tsx';
import { Appeals } from './screens/appeals.tsx';
import { Directions } from './screens/directions.tsx';
import { FrameworkVersions } from './screens/framework.tsx';
import { RoundPage, Rounds } from './screens/rounds.tsx';

const SIGNED_OUT = 'placements:signed-out';

/** What each role finds in the navigation, first item being its home. */
const NAV: Record<Role, [string, string][]> = {
  provider: [
    ['/provider', 'Settings and listings'],
    ['/provider/upload', 'Upload a sheet'],
    ['/provider/consultations', 'Consultations'],
    ['/provider/reservations', 'Block places'],
  ],
  la: [
    ['/cases', 'Cases'],
    ['/cases/upload', 'Upload cases'],
    ['/search', 'Search places'],
    ['/sufficiency', 'Sufficiency'],
    ['/rounds', 'Allocation rounds'],
  ],
  partnership: [
    ['/sufficiency', 'Sufficiency'],
    ['/search', 'Search places'],
    ['/rounds', 'Allocation rounds'],
    ['/reservations', 'Block places'],
  ],
  national: [
    ['/sufficiency', 'Sufficiency'],
    ['/search', 'Search places'],
    ['/framework', 'Framework'],
  ],
  trust: [['/directions', 'Directions to admit']],
  adjudicator: [['/appeals', 'Appeals']],
};

function Screen({ path, session }: { path: string; session: Session }) {
  const role = session.principal.role;
  let m: Record<string, string> | undefined;
  if (path === '/' || path === '') {
    const home = NAV[role][0]?.[0];
    if (home) navigate(home);
    return (
      <>
        <PageHeading>{ROLE_NAMES[role] ?? role}</PageHeading>
        <Notice>The web app has no screens for this role yet; its routes are in the API.</Notice>
      </>
    );
  }
  if (role === 'provider') {
    if (path === '/provider') return <ProviderSettings session={session} />;
    if (path === '/provider/upload') return <Upload session={session} />;
    if (path === '/provider/consultations') return <Consultations session={session} />;
    if (path === '/provider/reservations') return <ProviderReservations session={session} />;
    m = match('/provider/settings/:urn/listings/:listingId', path);
    if (m) return <ListingEdit key={path} urn={m.urn!} listingId={m.listingId!} />;
    m = match('/provider/settings/:urn/listings/:listingId/history', path);
    if (m) return <ListingHistory urn={m.urn!} listingId={m.listingId!} />;
  }
  if (role === 'la') {
    if (path === '/cases') return <Cases session={session} />;
    if (path === '/cases/new') return <OpenCase session={session} />;
    if (path === '/cases/upload') return <CasesUpload session={session} />;
    m = match('/cases/:id', path);
    if (m) return <CasePage key={m.id} id={m.id!} />;
  }
  if (['la', 'partnership', 'national'].includes(role) && path.split('?')[0] === '/search')
    return <Search session={session} path={path} />;
  if ((role === 'partnership' || role === 'national') && path === '/sufficiency')
    return <Sufficiency session={session} />;
  if (role === 'la' && path === '/sufficiency') return <LaSufficiency session={session} />;
  if (role === 'partnership' && path === '/reservations') return <PartnershipReservations session={session} />;
  if (role === 'trust' && path === '/directions') return <Directions session={session} />;
  if (role === 'adjudicator' && path === '/appeals') return <Appeals session={session} />;
  if (role === 'national' && path === '/framework') return <FrameworkVersions session={session} />;
  if ((role === 'la' || role === 'partnership') && path.split('?')[0] === '/rounds')
    return <Rounds session={session} />;
  m = match('/rounds/:id', path);
  if ((role === 'la' || role === 'partnership') && m) return <RoundPage key={m.id} id={m.id!} session={session} />;
  return (
    <>
      <PageHeading>Page not found</PageHeading>
      <p class="govuk-body">
        There is no page here for a {ROLE_NAMES[role]?.toLowerCase() ?? role}.{' '}
        <a class="govuk-link" href="#/">
          Go to your start page
        </a>
        .
      </p>
    </>
  );
}

function App({ config }: { config: AppConfig }) {
  const [session, setSession] = useState<Session | undefined>(readSession);
  const [message, setMessage] = useState<string | undefined>(undefined);
  const path = useHashPath();
  useEffect(() => {
    const onSignedOut = (e: Event) => {
      setSession(undefined);
      setMessage(`You have been signed out: ${(e as CustomEvent<string>).detail}`);
    };
    addEventListener(SIGNED_OUT, onSignedOut);
    return () => removeEventListener(SIGNED_OUT, onSignedOut);
  }, []);
  useEffect(() => {
    completeHostedSignIn(config)
      .then((s) => s && setSession(s))
      .catch((e: Error) => setMessage(e.message));
  }, []);

  function signOut() {
    clearSession();
    setSession(undefined);
    const url = hostedSignOutUrl(config);
    if (url) location.assign(url);
    else navigate('/');
  }
  const nav = session ? NAV[session.principal.role] : [];
  const here = path.split('?')[0] ?? '/';
  return (
    <>
      {/* biome-ignore lint/a11y/useValidAnchor: GOV.UK's skip link; its click moves focus itself because the hash router would read #main as a route */}
      <a
        href="#main"
        class="govuk-skip-link"
        onClick={(e) => {
          e.preventDefault();
          document.getElementById('main')?.focus();
        }}
      >
        Skip to main content
      </a>
      <Layout
        config={config}
        session={session}
        nav={nav}
        here={here}
        onSignOut={signOut}
        unread={session ? <UnreadCount home={NAV[session.principal.role][0]?.[0] ?? '/'} /> : null}
      >
        {session ? (
          <>
            {/* Every role's home screen opens with its work inbox. */}
            {here === (NAV[session.principal.role][0]?.[0] ?? '/') ? <Inbox /> : null}
            <Screen path={here === '/' ? '/' : path} session={session} />
          </>
        ) : (
          <SignIn
            config={config}
            message={message}
            onSignedIn={(s) => {
              setMessage(undefined);
              setSession(s);
              navigate(NAV[s.principal.role][0]?.[0] ?? '/');
            }}
          />
        )}
      </Layout>
    </>
  );
}

const root = document.getElementById('root')!;
loadConfig()
  .then((config) => {
    // Configured before the first render: screens start reading as soon as they mount.
    configureApi({
      baseUrl: config.apiUrl,
      token: () => readSession()?.token,
      onSignedOut: (why) => {
        clearSession();
        dispatchEvent(new CustomEvent(SIGNED_OUT, { detail: why }));
      },
    });
    root.textContent = '';
    render(<App config={config} />, root);
  })
  .catch((e: Error) => {
    root.innerHTML = '';
    const p = document.createElement('p');
    p.className = 'govuk-error-message';
    p.textContent = `The service could not start: ${e.message}`;
    root.append(p);
  });
