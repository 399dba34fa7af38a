import { isDuplicateKey } from '../db/collections';
import type { Store } from '../db/store';
import { EVENT_ID, eventId, type EventDetails, type EventFields, type TrainingEvent } from './model';

/** Date, then start time: the order every list of events is in. */
export const byDateAndStart = (a: Pick<TrainingEvent, 'date' | 'start' | '_id'>, b: Pick<TrainingEvent, 'date' | 'start' | '_id'>) =>
  a.date.localeCompare(b.date) || a.start.localeCompare(b.start) || a._id.localeCompare(b._id);

/**
 * The training events, one document each in `ecf_training_events`, `_id` from `eventId`.
 * A few thousand nationally (a few dozen per group a year), so a group's events are listed by
 * a filter on cohort and group: on FerretDB that decodes the whole collection, which at this
 * size is a fraction of a second; every other read is by `_id`. Writes are single documents:
 * an insert (a duplicate key means the event exists), a replace of the details (two people
 * editing one event's details at once: the last save wins, as with any form), a delete.
 */
export class TrainingEvents {
  constructor(private readonly store: Store) {}

  get collection() {
    return this.store.collection<TrainingEvent>('training_events');
  }

  async get(id: string): Promise<TrainingEvent | null> {
    if (!EVENT_ID.test(id)) return null;
    return this.collection.findOne({ _id: id });
  }

  /** A cohort's events (or one group's), in date and start order. */
  async list(cohort: string, group?: string): Promise<TrainingEvent[]> {
    const found = await this.collection.find(group === undefined ? { cohort } : { cohort, group }).toArray();
    return found.sort(byDateAndStart);
  }

  /** Every event: for an import, which compares each row with what is stored. */
  async all(): Promise<TrainingEvent[]> {
    return this.collection.find({}).toArray();
  }

  /** @returns the stored event, or null when one with the same identity exists already. */
  async insert(fields: EventFields, now: Date): Promise<TrainingEvent | null> {
    const event: TrainingEvent = { _id: eventId(fields), ...fields, updatedAt: now };
    try {
      await this.collection.insertOne(event);
      return event;
    } catch (error) {
      if (isDuplicateKey(error)) return null;
      throw error;
    }
  }

  /** @returns the event as changed, or null when it is gone. */
  async replaceDetails(event: TrainingEvent, details: EventDetails, now: Date): Promise<TrainingEvent | null> {
    const changed: TrainingEvent = { ...event, ...details, updatedAt: now };
    const result = await this.collection.replaceOne({ _id: event._id }, changed);
    return result.matchedCount === 1 ? changed : null;
  }

  async delete(id: string): Promise<boolean> {
    return (await this.collection.deleteOne({ _id: id })).deletedCount === 1;
  }

  /** Puts back an event a cancel removed (a register was saved for it meanwhile); someone else may have already. */
  async restore(event: TrainingEvent): Promise<void> {
    try {
      await this.collection.insertOne(event);
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
    }
  }
}
