/**
 * England's calendar: "today", due dates and statutory deadlines are days in Europe/London, not
 * in UTC. Between midnight and 1 am in summer (BST) the UTC date is still yesterday's, so a date
 * taken from toISOString() would be a day early for an hour every night from March to October.
 */
const LONDON = new Intl.DateTimeFormat('en-CA', {
  timeZone: 'Europe/London',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
});

/** The date in England at this instant, as YYYY-MM-DD. */
export function londonDate(at: Date | string | number = new Date()): string {
  // en-CA formats as YYYY-MM-DD; formatToParts keeps it independent of that convention.
  const parts = LONDON.formatToParts(at instanceof Date ? at : new Date(at));
  const part = (type: string) => parts.find((p) => p.type === type)!.value;
  return `${part('year')}-${part('month')}-${part('day')}`;
}
