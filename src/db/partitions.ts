import crypto from 'node:crypto';

/**
 * What people write in the tool (audits, meeting records) is kept in collections split by
 * owner into RECORD_PARTITIONS parts, and read only by `_id`. On FerretDB every lookup reads its
 * whole collection (even by `_id`: ../shared/FERRETDB.md, bench/README.md), so a person's page
 * costs what one part holds, not what the whole country wrote; on MongoDB the parts are simply
 * small indexed collections. The number is part of the stored layout: never change it on a
 * database that has records.
 */
export const RECORD_PARTITIONS = 16;

export const PARTITIONED_COLLECTIONS = ['audit_records', 'audit_submissions', 'audit_comments', 'meeting_records', 'meeting_reflections', 'attendance_registers'] as const;
export type PartitionedCollection = (typeof PARTITIONED_COLLECTIONS)[number];

/** The part an owner's records live in: stable, and spread evenly by a hash. */
export function partitionOf(ownerId: string): number {
  return crypto.createHash('sha256').update(ownerId).digest().readUInt32BE(0) % RECORD_PARTITIONS;
}

export function partitionName(kind: PartitionedCollection, part: number): string {
  return `${kind}_p${String(part).padStart(2, '0')}`;
}

/** Every part of every partitioned collection: created up front with the others. */
export function partitionNames(): string[] {
  return PARTITIONED_COLLECTIONS.flatMap((kind) => Array.from({ length: RECORD_PARTITIONS }, (_, part) => partitionName(kind, part)));
}
