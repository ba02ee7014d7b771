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
import { Inbox, UnreadCount } from './ui/inbox.tsx';

const SIGNED_OUT = 'placements:signed-out';

/** What each role finds in the navigation, first item being its home. */
const NAV: Record<Role, [string, string][]> = {
  provider: [
    ['/provider', 'Settings and listings'],
    ['/provider/upload', 'Upload a sheet'],
    ['/provider/consultations', 'Consultations'],
  ],
  la: [
    ['/cases', 'Cases'],
    ['/cases/upload', 'Upload cases'],
    ['/search', 'Search places'],
    ['/sufficiency', 'Sufficiency'],
  ],
  partnership: [
    ['/sufficiency', 'Sufficiency'],
    ['/search', 'Search places'],
  ],
  national: [
    ['/sufficiency', 'Sufficiency'],
    ['/search', 'Search places'],
  ],
  trust: [],
  adjudicator: [],
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
    if ((m = match('/provider/settings/:urn/listings/:listingId', path)))
      return <ListingEdit key={path} urn={m.urn!} listingId={m.listingId!} />;
    if ((m = match('/provider/settings/:urn/listings/:listingId/history', path)))
      return <ListingHistory urn={m.urn!} listingId={m.listingId!} />;
  }
  if (role === 'la') {
    if (path === '/cases') return <Cases session={session} />;
    if (path === '/cases/new') return <OpenCase session={session} />;
    if (path === '/cases/upload') return <CasesUpload session={session} />;
    if ((m = match('/cases/:id', path))) return <CasePage key={m.id} id={m.id!} />;
  }
  if (['la', 'partnership', 'national'].includes(role) && path.split('?')[0] === '/search')
    return <Search session={session} path={path} />;
  if ((role === 'partnership' || role === 'national') && path === '/sufficiency')
    return <Sufficiency session={session} />;
  if (role === 'la' && path === '/sufficiency') return <LaSufficiency session={session} />;
  return (
    <>
      <PageHeading>Page not found</PageHeading>
      <p>
        There is no page here for a {ROLE_NAMES[role]?.toLowerCase() ?? role}. <a href="#/">Go to your start page</a>.
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
      <a href="#main" class="skip-link" onClick={(e) => (e.preventDefault(), document.getElementById('main')?.focus())}>
        Skip to main content
      </a>
      <header class="header">
        <div class="header-inner">
          <a href="#/" class="service-name">
            SEND placements
          </a>
          {session ? (
            <div class="who">
              <span>
                {session.label} <span class="who-role">({ROLE_NAMES[session.principal.role]})</span>
              </span>
              <UnreadCount home={NAV[session.principal.role][0]?.[0] ?? '/'} />
              <button class="link-button" onClick={signOut}>
                Sign out
              </button>
            </div>
          ) : null}
        </div>
        {nav.length > 0 ? (
          <nav aria-label="Main" class="nav">
            <ul>
              {nav.map(([href, label]) => (
                <li key={href}>
                  <a
                    href={`#${href}`}
                    aria-current={
                      here === href ||
                      (!nav.some(([h]) => h === here) && href !== '/provider' && here.startsWith(`${href}/`))
                        ? 'page'
                        : undefined
                    }
                  >
                    {label}
                  </a>
                </li>
              ))}
            </ul>
          </nav>
        ) : null}
      </header>
      <main id="main" tabIndex={-1} class="main">
        {config.mode === 'local' ? (
          <p class="phase-banner">
            <strong class="tag tag-blue">Local</strong> Demo data on this computer; nothing here is a real child or a
            real place.
          </p>
        ) : null}
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
      </main>
      <footer class="footer">
        <p>
          SEND placement marketplace. Money is shown in pounds a year; the API works in pence.{' '}
          <a href={`${config.apiUrl}/openapi.json`}>API reference</a>
        </p>
      </footer>
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
    p.className = 'error-summary';
    p.textContent = `The service could not start: ${e.message}`;
    root.append(p);
  });
