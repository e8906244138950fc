/**
 * Datetimes as stored before issue #12. Vigil stores datetime columns as BIGINT 100-ns ticks since
 * 0001-01-01 UTC (kql/types.ts); data folders written earlier hold them as µs since the Unix epoch —
 * DuckDB TIMESTAMP columns in segments, and bigint µs in log records. Nothing is rewritten at open:
 * a segment's manifest entry says how it stores datetimes (`datetimes: 'ticks'`, absent on older
 * entries), and its rows are converted as they are read (a query's view, the memory tier's load,
 * compaction and purge, which re-seal them in ticks). A log record says so too (record-codec.ts), and
 * older records' values are converted as they are replayed.
 */
import { sqlIdent } from '../kql/sql.js';
import { UNIX_EPOCH_TICKS } from '../kql/literals.js';
import type { SegmentEntry, StoredColumn } from './manifest.js';

/** How a segment stores its datetime columns: 'ticks' (BIGINT), or 'micros' (µs TIMESTAMP, written before issue #12). */
export type DatetimeForm = 'ticks' | 'micros';

export const segmentDatetimes = (s: Pick<SegmentEntry, 'datetimes'>): DatetimeForm => s.datetimes ?? 'micros';

/** SQL: a µs TIMESTAMP column as ticks (exact: every µs is a whole number of ticks). */
export const ticksOfLegacyTimestamp = (column: string): string => `(epoch_us(${column}) * 10 + ${UNIX_EPOCH_TICKS})`;

/** A stored µs-since-the-epoch value (a log record written before issue #12) as ticks. */
export const ticksOfLegacyMicros = (us: bigint): bigint => us * 10n + UNIX_EPOCH_TICKS;

/**
 * The select-list item reading `column` of a segment file in the stored form (ticks for datetimes),
 * whatever form the segment has.
 */
export function segmentColumnSql(column: StoredColumn, form: DatetimeForm): string {
  const name = sqlIdent(column.name);
  return form === 'micros' && column.type === 'datetime' ? `${ticksOfLegacyTimestamp(name)} AS ${name}` : name;
}
