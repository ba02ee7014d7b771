/** Money in the API is pence per year; people read pounds. */
export function pounds(pence: number): string {
  return `£${Math.round(pence / 100).toLocaleString('en-GB')}`;
}

/** Pounds typed by a person, as whole pence for the API; undefined when empty or not a number. */
export function penceFromPounds(text: string): number | undefined {
  const cleaned = text.replace(/[£,\s]/g, '');
  if (cleaned === '' || !/^\d+(\.\d{1,2})?$/.test(cleaned)) return undefined;
  return Math.round(Number(cleaned) * 100);
}

/** 2026-09-01 → 1 September 2026. */
export function longDate(iso: string): string {
  const d = new Date(iso.length === 10 ? `${iso}T00:00:00Z` : iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleDateString('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' });
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString('en-GB')} ${n === 1 ? one : many}`;
}

/** Whole days from today until a YYYY-MM-DD date (negative when it has passed). */
export function daysUntil(date: string, today: Date = new Date()): number {
  const start = Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate());
  return Math.round((Date.parse(`${date}T00:00:00Z`) - start) / 86_400_000);
}

export function todayIso(today: Date = new Date()): string {
  return today.toISOString().slice(0, 10);
}
