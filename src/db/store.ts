import type { mongo } from 'mongoose';
import { RECORD_PARTITIONS, partitionName, partitionOf, type PartitionedCollection } from './partitions';

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

  /** The part of a partitioned collection that holds one owner's records (see partitions.ts). */
  ownedBy<T extends mongo.Document>(kind: PartitionedCollection, ownerId: string): Collection<T> {
    return this.collection<T>(partitionName(kind, partitionOf(ownerId)));
  }

  /** Every part of a partitioned collection: for what must look at all owners (a platform's removal). */
  allParts<T extends mongo.Document>(kind: PartitionedCollection): Collection<T>[] {
    return Array.from({ length: RECORD_PARTITIONS }, (_, part) => this.collection<T>(partitionName(kind, part)));
  }

  /** A collection by its exact name: ltijs's own (idtokens, nonces, …), which we only clean up. */
  raw(name: string): Collection<mongo.Document> {
    return this.db.collection(name);
  }

  async ping(): Promise<void> {
    await this.db.command({ ping: 1 });
  }
}
