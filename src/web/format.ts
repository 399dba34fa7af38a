/**
 * Dates and times as people in England write them, in UK time whatever the server's zone:
 * "Monday 7 December 2026", "7 December 2026 at 5:30pm".
 */
const UK = 'Europe/London';

const dayFormat = new Intl.DateTimeFormat('en-GB', { timeZone: 'UTC', weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' });
const dateFormat = new Intl.DateTimeFormat('en-GB', { timeZone: UK, day: 'numeric', month: 'long', year: 'numeric' });
const timeFormat = new Intl.DateTimeFormat('en-GB', { timeZone: UK, hour: 'numeric', minute: '2-digit', hour12: true });

const shortDateFormat = new Intl.DateTimeFormat('en-GB', { timeZone: UK, day: 'numeric', month: 'short', year: 'numeric' });

/** A moment's day, short, in UK time: "7 Dec 2026" (where a table has little room). */
export function formatShortDate(value: unknown): string {
  const date = value instanceof Date ? value : typeof value === 'string' ? new Date(value) : null;
  if (!date || Number.isNaN(date.getTime())) return '';
  return shortDateFormat.format(date);
}

/** A calendar date (YYYY-MM-DD, no time of day): "Monday 7 December 2026". */
export function formatDay(value: unknown): string {
  if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(value)) return '';
  return dayFormat.format(new Date(`${value}T00:00:00Z`)).replace(',', '');
}

/** A moment (ISO 8601 or Date): "7 December 2026 at 5:30pm", in UK time. */
export function formatMoment(value: unknown): string {
  const date = value instanceof Date ? value : typeof value === 'string' ? new Date(value) : null;
  if (!date || Number.isNaN(date.getTime())) return '';
  return `${dateFormat.format(date)} at ${timeFormat.format(date).replace(' ', '').toLowerCase()}`;
}
