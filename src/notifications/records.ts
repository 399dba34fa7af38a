import type { mongo } from 'mongoose';
import { isDuplicateKey } from '../db/collections';
import type { Store } from '../db/store';
import type { NotificationRecord } from './model';
import { Versions, type VersionDoc } from './versions';

/** What a check last saw (a cohort's red set, a group's schedule), packed as JSON text: no nested arrays on FerretDB. */
export interface SeenVersion extends VersionDoc {
  seen: string;
  at: Date;
}

interface Marker {
  _id: string;
  at: Date;
}

/**
 * The notifications' own records, all insert-only with deterministic `_id`s, so a second
 * instance doing the same work meets a duplicate key instead of doing it twice:
 * `ecf_notifications` (one per occasion and recipient), `ecf_notification_state` (what the
 * checks last saw, as versions, and markers such as "today's daily check is done").
 */
export class NotificationRecords {
  readonly seen: Versions<SeenVersion>;

  constructor(private readonly store: Store) {
    this.seen = new Versions(store.collection<SeenVersion>('notification_state'));
  }

  private get records() {
    return this.store.collection<NotificationRecord>('notifications');
  }

  private get markers() {
    return this.store.collection<Marker>('notification_state');
  }

  /** @returns true when this call recorded it, false when it was recorded already (by this or another instance). */
  async record(record: NotificationRecord): Promise<boolean> {
    try {
      await this.records.insertOne(record);
      return true;
    } catch (error) {
      if (isDuplicateKey(error)) return false;
      throw error;
    }
  }

  get(id: string): Promise<NotificationRecord | null> {
    return this.records.findOne({ _id: id });
  }

  /** Everything the digest of `week` carries (a scan of the week's records: once a week). */
  forDigest(week: string): Promise<NotificationRecord[]> {
    return this.records.find({ digestWeek: week, mode: 'digest' } as mongo.Filter<NotificationRecord>).toArray();
  }

  /** A school's recent notifications, newest first, for the tests and the dashboard. */
  async ofSchool(urn: string, limit = 100): Promise<NotificationRecord[]> {
    return this.records.find({ schoolUrn: urn }).sort({ recordedAt: -1 }).limit(limit).toArray();
  }

  async marked(id: string): Promise<boolean> {
    return (await this.markers.findOne({ _id: id })) !== null;
  }

  async mark(id: string, at: Date): Promise<void> {
    try {
      await this.markers.insertOne({ _id: id, at });
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
    }
  }
}
