/**
 * Trends: a weekly snapshot of every participant's figures per cohort (taken by the
 * `snapshots` job, idempotent per ISO week in UK time) and the sums the trend charts read.
 */
export { TREND_FRESH_MS, WeeklySnapshots, aggregateRows, summariseParticipants, weekOf, type Snapshot, type SnapshotRow, type TakeResult, type TrendAggregate, type TrendPoint, type WeeklySnapshotsDeps } from './snapshots';
