import ical, { ICalEventStatus } from 'ical-generator';
import { tzlib_get_ical_block } from 'timezones-ical-library';
import { EVENT_TYPE_LABELS, type TrainingEvent } from '../attendance';
import { writeCsv } from '../files/csv-export';

export const EVENT_CSV_COLUMNS = ['date', 'start', 'end', 'type', 'title', 'cohort', 'group', 'module', 'location'] as const;

/** The ICS UID domain: a UID is the event's own stable id at it, so a re-import updates rather than duplicates. */
const UID_DOMAIN = 'ecf-progress';
const UK = 'Europe/London';

/** What an event is called in a calendar and a list: its title, or its type and module. */
export function eventTitle(event: Pick<TrainingEvent, 'title' | 'type' | 'module'>): string {
  if (event.title) return event.title;
  const type = EVENT_TYPE_LABELS[event.type];
  return event.module ? `${type}: Module ${event.module}` : type;
}

/** The events as CSV, every text cell through neutraliseFormula (writeCsv does it). */
export function eventsCsv(events: readonly TrainingEvent[]): string {
  return writeCsv(
    events.map((e) => ({
      date: e.date,
      start: e.start,
      end: e.end,
      type: EVENT_TYPE_LABELS[e.type],
      title: eventTitle(e),
      cohort: e.cohort,
      group: e.group,
      module: e.module,
      location: e.location,
    })),
    EVENT_CSV_COLUMNS,
  );
}

/** An hour when no end time was given: a calendar needs one to show the event as a block. */
function endOf(event: TrainingEvent): string {
  if (event.end) return event.end;
  const [h, m] = event.start.split(':').map(Number);
  return `${String(Math.min(h + 1, 23)).padStart(2, '0')}:${String(h + 1 > 23 ? 59 : m).padStart(2, '0')}`;
}

/**
 * The events as an iCalendar file. Times are UK wall-clock times (`TZID=Europe/London`), written
 * from the stored date and time as text so the server's own time zone never shifts them. A
 * cancelled event is deleted from the store, so it is simply absent here: a calendar that
 * imported an earlier file keeps it until the school deletes it (the dashboard says so).
 * UIDs are the events' own ids, so importing a newer file updates events rather than adding copies.
 */
export function eventsIcs(events: readonly TrainingEvent[], name: string, now = new Date()): string {
  // RFC 5545 wants a VTIMEZONE for every TZID used; Outlook refuses or shifts events without one.
  const calendar = ical({ name, prodId: { company: 'ECF Progress', product: 'school-events', language: 'EN' }, timezone: { name: UK, generator: (tz) => tzlib_get_ical_block(tz)[0] } });
  for (const event of events) {
    calendar.createEvent({
      id: `${event._id}@${UID_DOMAIN}`,
      start: `${event.date}T${event.start}:00`,
      end: `${event.date}T${endOf(event)}:00`,
      timezone: UK,
      stamp: now,
      lastModified: event.updatedAt,
      summary: eventTitle(event),
      description: `${EVENT_TYPE_LABELS[event.type]} for ${event.group} (${event.cohort})${event.module ? `, Module ${event.module}` : ''}`,
      location: event.location,
      status: ICalEventStatus.CONFIRMED,
    });
  }
  return calendar.toString();
}
