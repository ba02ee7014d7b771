import { useState } from 'preact/hooks';
import type { AppConfig } from '../lib/config.ts';
import { request } from '../lib/api.ts';
import { saveSession, startHostedSignIn, type Principal, type Session } from '../lib/session.ts';
import { useLoad } from '../lib/use-load.ts';
import { SelectField, ErrorSummary, Field, Loading, Notice, PageHeading } from '../ui/common.tsx';
import { ROLE_NAMES } from '../lib/words.ts';

interface DemoIdentity {
  label: string;
  principal: Principal;
}

/**
 * Locally: pick a demo identity (or type a role and organisation) and get a dev token from
 * POST /dev/token. In AWS: one button to the Cognito hosted sign-in.
 */
export function SignIn({
  config,
  onSignedIn,
  message,
}: {
  config: AppConfig;
  onSignedIn: (s: Session) => void;
  message?: string | undefined;
}) {
  const [error, setError] = useState<Error | undefined>(undefined);
  const [role, setRole] = useState('la');
  const [org, setOrg] = useState('');
  const identities = useLoad(
    async () =>
      config.mode === 'local' ? (await request<{ items: DemoIdentity[] }>('/dev/identities')).body.items : [],
    [config.mode],
  );

  async function signInAs(principal: Omit<Principal, 'sub'> & { sub?: string }, label: string) {
    setError(undefined);
    try {
      const { body } = await request<{ token: string; expiresAt: string; principal: Principal }>('/dev/token', {
        method: 'POST',
        body: principal,
      });
      const session: Session = { token: body.token, principal: body.principal, label, expiresAt: body.expiresAt };
      saveSession(session);
      onSignedIn(session);
    } catch (e) {
      setError(e as Error);
    }
  }

  return (
    <>
      <PageHeading>Sign in</PageHeading>
      {message ? <Notice kind="warning">{message}</Notice> : null}
      <ErrorSummary error={error} />
      {config.mode === 'aws' && config.cognito === undefined ? (
        <Notice kind="warning">Sign-in is not set up for this deployment yet: ask the team that runs it.</Notice>
      ) : config.mode === 'aws' ? (
        <>
          <p class="govuk-body">Sign in with the account your organisation gave you.</p>
          <button type="button" class="govuk-button" onClick={() => void startHostedSignIn(config).catch(setError)}>
            Sign in
          </button>
        </>
      ) : (
        <>
          <p class="govuk-body">
            This is the marketplace running on your computer with demo data. Choose who to be; each choice gets a token
            from this server’s local key.
          </p>
          {identities.loading ? <Loading what="the demo identities" /> : null}
          <ErrorSummary error={identities.error} />
          <ul class="identity-list">
            {(identities.data ?? []).map((id) => (
              <li key={`${id.principal.role}:${id.principal.org}`}>
                <button
                  type="button"
                  class="govuk-button govuk-button--secondary identity"
                  onClick={() => void signInAs(id.principal, id.label)}
                >
                  <span class="identity-label">{id.label}</span>
                  <span class="identity-meta">
                    {ROLE_NAMES[id.principal.role]} · {id.principal.org}
                  </span>
                </button>
              </li>
            ))}
          </ul>
          <details class="govuk-details">
            <summary class="govuk-details__summary">
              <span class="govuk-details__summary-text">Sign in as another organisation</span>
            </summary>
            <form
              onSubmit={(e) => {
                e.preventDefault();
                void signInAs(
                  { role: role as Principal['role'], org: org.trim() },
                  `${ROLE_NAMES[role]} (${org.trim()})`,
                );
              }}
            >
              <SelectField
                label="Role"
                name="role"
                value={role}
                onChange={setRole}
                options={Object.entries(ROLE_NAMES)}
              />
              <Field
                label="Organisation"
                name="org"
                hint="An LA’s GSS code (E10000016 is Kent), a partnership id (se19), or a provider’s id (PRV900001 or a trust id)."
              >
                {(a) => (
                  <input
                    {...a}
                    class="govuk-input govuk-input--width-20"
                    value={org}
                    onInput={(e) => setOrg(e.currentTarget.value)}
                    required
                    autoComplete="off"
                    spellcheck={false}
                  />
                )}
              </Field>
              <button type="submit" class="govuk-button">
                Sign in
              </button>
            </form>
          </details>
        </>
      )}
    </>
  );
}
