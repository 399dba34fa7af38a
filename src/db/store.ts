import type { mongo } from 'mongoose';

export type Collection<T extends mongo.Document> = mongo.Collection<T>;

/**
 * The database as our code reaches it: a thin typed handle made once by the composition root
 * (src/service.ts) from the connection, and handed to every store class in its constructor.
 * No module reaches the database through a global.
 */
export class Store {
  constructor(readonly db: mongo.Db) {}

  /**
   * One of our own collections. Names are prefixed so none can collide with ltijs's models
   * (platform, nonce, state, …).
   */
  collection<T extends mongo.Document>(name: string): Collection<T> {
    return this.db.collection<T>(`ecf_${name}`);
  }

  /** A collection by its exact name: ltijs's own (idtokens, nonces, …), which we only clean up. */
  raw(name: string): Collection<mongo.Document> {
    return this.db.collection(name);
  }

  async ping(): Promise<void> {
    await this.db.command({ ping: 1 });
  }
}
