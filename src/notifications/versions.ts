import type { mongo } from 'mongoose';
import { isDuplicateKey } from '../db/collections';
import type { Collection } from '../db/store';

/** One version of something kept as insert-only versions: `_id` is `<key>#<version>`, versions 1, 2, 3, … with no gaps. */
export interface VersionDoc extends mongo.Document {
  _id: string;
  key: string;
  version: number;
}

const idOf = (key: string, version: number) => `${key}#${version}`;

/**
 * Insert-only versions of one thing per key (a contact's choices, a group's schedule as last
 * seen): FerretDB loses concurrent updates of one document, so nothing is ever updated; a new
 * version is inserted with the next number, and two writers of the same number meet as a
 * duplicate key. The newest is found by `_id` reads only (the one fast lookup on FerretDB):
 * from the version this instance saw last, one read finds that nothing newer exists.
 */
export class Versions<T extends VersionDoc> {
  private readonly seen = new Map<string, T>();

  constructor(private readonly collection: Collection<T>) {}

  private async read(key: string, version: number): Promise<T | null> {
    return (await this.collection.findOne({ _id: idOf(key, version) } as mongo.Filter<T>)) as T | null;
  }

  /** The newest version; null when there is none. */
  async latest(key: string): Promise<T | null> {
    let known = this.seen.get(key) ?? null;
    if (!known) {
      const first = await this.read(key, 1);
      if (!first) return null;
      known = first;
    }
    // Double the step while versions exist, then halve it back down: a few reads for any number of versions.
    let step = 1;
    for (;;) {
      const next = await this.read(key, known.version + step);
      if (next) {
        known = next;
        step *= 2;
      } else if (step === 1) {
        break;
      } else {
        step = Math.max(1, Math.floor(step / 2));
      }
    }
    this.seen.set(key, known);
    return known;
  }

  /**
   * Inserts the version after `basedOn` (0: the first).
   * @returns the stored version, or null when another writer stored that number first.
   */
  async append(key: string, basedOn: number, fields: Omit<T, '_id' | 'key' | 'version'>): Promise<T | null> {
    const doc = { ...fields, _id: idOf(key, basedOn + 1), key, version: basedOn + 1 } as T;
    try {
      await this.collection.insertOne(doc as mongo.OptionalUnlessRequiredId<T>);
    } catch (error) {
      if (isDuplicateKey(error)) return null;
      throw error;
    }
    this.seen.set(key, doc);
    return doc;
  }
}
