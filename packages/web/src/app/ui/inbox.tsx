import { useEffect, useState } from 'preact/hooks';
import { get, post } from '../lib/api.ts';
import type { Notification, NotificationPage } from '../lib/types.ts';
import { longDate } from '../lib/format.ts';
import { navigate } from '../lib/router.ts';

/** One item of the work inbox, as GET /notifications returns it. */
export type InboxItem = Notification;
type InboxPage = NotificationPage;

/** Tells the header's count and every inbox on the page to read again (after an item is marked read). */
const CHANGED = 'placements:inbox-changed';
const POLL_MS = 30_000;

/** The caller's inbox, read now and every 30 seconds while the page is open. */
export function useInbox(limit = 20): { page: InboxPage | undefined; error: Error | undefined } {
  const [page, setPage] = useState<InboxPage | undefined>(undefined);
  const [error, setError] = useState<Error | undefined>(undefined);
  useEffect(() => {
    let live = true;
    const load = () =>
      get('/notifications', { query: { limit } })
        .then((body) => {
          if (!live) return;
          setPage(body);
          setError(undefined);
        })
        .catch((e: Error) => live && setError(e));
    void load();
    const timer = setInterval(load, POLL_MS);
    addEventListener(CHANGED, load);
    return () => {
      live = false;
      clearInterval(timer);
      removeEventListener(CHANGED, load);
    };
  }, [limit]);
  return { page, error };
}

/** The header's link to the inbox with the number of unread items. */
export function UnreadCount({ home }: { home: string }) {
  const { page } = useInbox(1);
  const n = page?.unread ?? 0;
  return (
    <a
      href={`#${home}`}
      class="app-inbox-count"
      onClick={(e) => {
        e.preventDefault();
        navigate(home);
        focusInbox();
      }}
    >
      Needs your attention{' '}
      <strong class={`govuk-tag ${n > 0 ? 'govuk-tag--red' : 'govuk-tag--grey'}`}>
        {n}
        <span class="govuk-visually-hidden"> unread</span>
      </strong>
    </a>
  );
}

function focusInbox() {
  setTimeout(() => document.getElementById('inbox')?.focus(), 50);
}

async function open(item: InboxItem) {
  if (!item.read) {
    await post('/notifications/{id}/read', { path: { id: item.id } }).catch(() => undefined);
    dispatchEvent(new Event(CHANGED));
  }
  navigate(item.link);
}

/** "Needs your attention": the work inbox on every role's home screen, unread first. */
export function Inbox() {
  const { page, error } = useInbox();
  const unread = page?.items.filter((i) => !i.read) ?? [];
  const read = page?.items.filter((i) => i.read) ?? [];
  return (
    <section
      id="inbox"
      tabIndex={-1}
      class="govuk-notification-banner app-inbox"
      aria-labelledby="inbox-title"
      data-module="govuk-notification-banner"
    >
      <div class="govuk-notification-banner__header">
        <h2 class="govuk-notification-banner__title" id="inbox-title">
          Needs your attention ({page?.unread ?? 0})
        </h2>
      </div>
      <div class="govuk-notification-banner__content">
        {error ? <p class="govuk-error-message">The inbox could not be read: {error.message}</p> : null}
        {page === undefined && !error ? <p>Reading your inbox…</p> : null}
        {page !== undefined && page.items.length === 0 ? <p>Nothing needs your attention.</p> : null}
        {unread.length > 0 ? <InboxList items={unread} /> : null}
        {read.length > 0 ? (
          <details class="govuk-details">
            <summary class="govuk-details__summary">
              <span class="govuk-details__summary-text">Already seen ({read.length})</span>
            </summary>
            <div class="govuk-details__text">
              <InboxList items={read} />
            </div>
          </details>
        ) : null}
      </div>
    </section>
  );
}

function InboxList({ items }: { items: InboxItem[] }) {
  return (
    <ul class="govuk-list app-inbox-list">
      {items.map((i) => (
        <li key={i.id} class={i.read ? 'app-inbox-item app-inbox-item--read' : 'app-inbox-item'}>
          <a
            href={`#${i.link}`}
            class="govuk-notification-banner__link"
            onClick={(e) => {
              e.preventDefault();
              void open(i);
            }}
          >
            {i.title}
          </a>
          <span class="app-inbox-when">
            {' '}
            ({i.read ? '' : 'new, '}
            {longDate(i.at.slice(0, 10))})
          </span>
        </li>
      ))}
    </ul>
  );
}
