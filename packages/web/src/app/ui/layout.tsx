import type { ComponentChildren } from 'preact';
import type { AppConfig } from '../lib/config.ts';
import type { Session } from '../lib/session.ts';
import { ROLE_NAMES } from '../lib/words.ts';

/**
 * The page around every screen, in GOV.UK Frontend's components with the brand off: the generic
 * header (no crown: this service is not on GOV.UK), service navigation with who is signed in at
 * its end, a phase banner locally, the width container and main wrapper, and the footer.
 */
export function Layout(props: {
  config: AppConfig;
  session: Session | undefined;
  nav: [string, string][];
  here: string;
  onSignOut: () => void;
  /** The header's count of the work inbox's unread items (ui/inbox.tsx), when signed in. */
  unread?: ComponentChildren;
  children: ComponentChildren;
}) {
  const { session, nav, here } = props;
  const current = (href: string) => here === href || (href !== '/provider' && here.startsWith(`${href}/`));
  return (
    <>
      <header class="govuk-generic-header">
        <div class="govuk-generic-header__container govuk-width-container">
          <div class="govuk-generic-header__logo">
            <a href="#/" class="govuk-generic-header__homepage-link">
              SEND placements
            </a>
          </div>
        </div>
      </header>
      {session ? (
        <section aria-label="Service information" class="govuk-service-navigation">
          <div class="govuk-width-container govuk-service-navigation__inlining-container">
            <div class="govuk-service-navigation__container">
              {nav.length > 0 ? (
                <nav aria-label="Main" class="govuk-service-navigation__wrapper">
                  <ul class="govuk-service-navigation__list">
                    {nav.map(([href, label]) => (
                      <li
                        key={href}
                        class={`govuk-service-navigation__item${current(href) ? ' govuk-service-navigation__item--active' : ''}`}
                      >
                        <a
                          class="govuk-service-navigation__link"
                          href={`#${href}`}
                          aria-current={current(href) ? 'page' : undefined}
                        >
                          {current(href) ? (
                            <strong class="govuk-service-navigation__active-fallback">{label}</strong>
                          ) : (
                            label
                          )}
                        </a>
                      </li>
                    ))}
                  </ul>
                </nav>
              ) : null}
            </div>
            <div class="app-service-end app-who">
              {props.unread}
              <span>
                {session.label} ({ROLE_NAMES[session.principal.role]})
              </span>
              <button type="button" class="app-link-button" onClick={props.onSignOut}>
                Sign out
              </button>
            </div>
          </div>
        </section>
      ) : null}
      <div class="govuk-width-container">
        {props.config.mode === 'local' ? (
          <div class="govuk-phase-banner">
            <p class="govuk-phase-banner__content">
              <strong class="govuk-tag govuk-phase-banner__content__tag">Local</strong>
              <span class="govuk-phase-banner__text">
                Demo data on this computer; nothing here is a real child or a real place.
              </span>
            </p>
          </div>
        ) : null}
        <main id="main" tabIndex={-1} class="govuk-main-wrapper">
          {props.children}
        </main>
      </div>
      <footer class="govuk-footer">
        <div class="govuk-width-container">
          <div class="govuk-footer__meta">
            <div class="govuk-footer__meta-item govuk-footer__meta-item--grow">
              <p class="govuk-body-s">
                SEND placement marketplace. Money is shown in pounds a year; the API works in pence.{' '}
                <a class="govuk-footer__link" href={`${props.config.apiUrl}/openapi.json`}>
                  API reference
                </a>
              </p>
            </div>
          </div>
        </div>
      </footer>
    </>
  );
}
