import crypto from 'node:crypto';
import { isDuplicateKey } from './collections';
import type { Store } from './store';

/**
 * A change mark says "this set of records changed" to every instance and the CLI: a writer
 * stores a fresh random value under the topic, and a reader compares it with the value it
 * last saw, with one read by `_id`. Two writers at once may lose one write on FerretDB; either
 * value differs from the old one, which is all a reader needs.
 */
interface ChangeMark {
  _id: string;
  value: string;
  changedAt: Date;
}

export type ChangeTopic = 'platforms' | `read-model:${string}` | `board:${string}` | `boards:${string}`;

export class ChangeMarks {
  constructor(private readonly store: Store) {}

  private get marks() {
    return this.store.collection<ChangeMark>('change_marks');
  }

  async markChanged(topic: ChangeTopic): Promise<void> {
    const write = () => this.marks.replaceOne({ _id: topic }, { value: crypto.randomUUID(), changedAt: new Date() }, { upsert: true });
    try {
      await write();
    } catch (error) {
      // Two first marks of a topic at once: FerretDB lets one upsert fail on the other's insert.
      if (!isDuplicateKey(error)) throw error;
      await write();
    }
  }

  /** The topic's current mark, or null before its first change. */
  async currentMark(topic: ChangeTopic): Promise<string | null> {
    return (await this.marks.findOne({ _id: topic }))?.value ?? null;
  }
}
