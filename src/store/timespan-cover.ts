/**
 * The request's timespan in the storage engine. The engine, not the compiled SQL, keeps a table to
 * the rows with `start <= TimeGenerated < end` (the Query API's timespan; rows without a
 * TimeGenerated are outside it): each granted view filters by it — unless every row of the query's
 * snapshot provably lies inside, which is the usual case (a timespan that covers all the data), and
 * then the view has no filter at all (avg by Service over 1M rows: 7.0 → 4.0 ms). This module decides
 * it from the bounds of what the snapshot reads: a sealed segment's manifest bounds (floored µs of its
 * first and last row, open when some row lacks TimeGenerated), a hot generation's bounds (hot-tables.ts,
 * widened before its rows commit). query.ts asks once the snapshot is fixed, so a row that arrives
 * later is either not in the snapshot or was counted in the bounds already.
 *
 * The compiled SQL no longer depends on the timespan, so the statement guard's and the plan probe's
 * caches hit when it moves (`duration: PT1H` starts at now − 1h on every request).
 */
import { sqlIdent } from '../kql/sql.js';
import { ticksFromUnixMicros } from '../kql/literals.js';
import type { HotTable, TimeBounds } from './hot-tables.js';
import type { SegmentEntry } from './manifest.js';
import { seesGeneration, type PresentGeneration } from './memory-tier.js';

/**
 * A timespan: the rows kept are `startTicks <= TimeGenerated < endTicks` (exact), the same ends as µs
 * since the epoch for comparing with the manifest's bounds (exact only up to 2^53, see segmentInside).
 */
export interface Timespan {
  startUs?: number;
  endUs?: number;
  startTicks?: bigint;
  endTicks?: bigint;
}

/** The timespan of a query's limits, or undefined when it has neither end (nothing to filter). */
export function timespanOf(ts: { start?: Date; end?: Date } | undefined): Timespan | undefined {
  const ms = (d: Date | undefined) => {
    if (!d) return undefined;
    if (!Number.isFinite(d.getTime())) throw new TypeError('query: limits.timespan holds an invalid Date');
    return d.getTime();
  };
  const start = ms(ts?.start);
  const end = ms(ts?.end);
  if (start === undefined && end === undefined) return undefined;
  return {
    ...(start !== undefined ? { startUs: start * 1000, startTicks: ticksFromUnixMicros(BigInt(start) * 1000n) } : {}),
    ...(end !== undefined ? { endUs: end * 1000, endTicks: ticksFromUnixMicros(BigInt(end) * 1000n) } : {}),
  };
}

/**
 * Whether every row of a sealed segment lies inside. Its bounds are floored µs of whole ticks and the
 * timespan's ends are whole µs, so `min >= start` and `max < end` hold exactly when they hold for the
 * ticks. A µs count past 2^53 is not exact as a number, so such an end proves nothing.
 */
export function segmentInside(seg: SegmentEntry, span: Timespan): boolean {
  return insideUs(seg.minTime, seg.maxTime, span);
}

function insideUs(min: number, max: number, span: Timespan): boolean {
  if (span.startUs !== undefined && !(Number.isSafeInteger(span.startUs) && Number.isSafeInteger(min) && min >= span.startUs)) return false;
  if (span.endUs !== undefined && !(Number.isSafeInteger(span.endUs) && Number.isSafeInteger(max) && max < span.endUs)) return false;
  return true;
}

/** Whether every row of a hot generation lies inside (compared as ticks, exactly). */
export function hotInside(times: TimeBounds, span: Timespan): boolean {
  if (times.min === undefined || times.max === undefined) return !times.nulls; // no rows, or only rows without a time
  if (times.nulls) return false;
  if (span.startTicks !== undefined && times.min < span.startTicks) return false;
  if (span.endTicks !== undefined && times.max >= span.endTicks) return false;
  return true;
}

/** The filter a view applies when some of its rows may lie outside: `column` holds ticks (BIGINT). */
export function timespanFilter(column: string, span: Timespan): string {
  const conds: string[] = [];
  if (span.startTicks !== undefined) conds.push(`${sqlIdent(column)} >= CAST(${span.startTicks} AS BIGINT)`);
  if (span.endTicks !== undefined) conds.push(`${sqlIdent(column)} < CAST(${span.endTicks} AS BIGINT)`);
  return conds.join(' AND ');
}

/** What one view of a query's snapshot reads (query.ts): the memory tier's generations it sees, and segments read as Parquet. */
export interface SnapshotRead {
  present: ReadonlyMap<number, PresentGeneration>;
  wanted: ReadonlySet<string>;
  /** The table's hot generations the query holds (their `times`). */
  hots: readonly HotTable[];
  /** Segment entries by id: the query's manifest snapshot and the manifest now (merged ids). */
  segments: ReadonlyMap<string, SegmentEntry>;
  files: readonly { seg: SegmentEntry }[];
}

/**
 * Whether every row the view reads lies inside the timespan: every generation of the memory tier it
 * sees (a hot one by its bounds, others by their segments' manifest bounds) and every segment it
 * reads as Parquet. Anything it cannot find bounds for proves nothing.
 */
export function snapshotInside(span: Timespan, read: SnapshotRead): boolean {
  const seen = seesGeneration(read.wanted);
  for (const g of read.present.values()) {
    if (!seen(g)) continue;
    if (g.hotId !== undefined && read.wanted.has(g.hotId)) {
      const h = read.hots.find((x) => x.gen.id === g.hotId);
      if (!h || !hotInside(h.times, span)) return false;
      continue;
    }
    for (const id of g.segments) {
      const s = read.segments.get(id);
      if (!s || !segmentInside(s, span)) return false;
    }
  }
  return read.files.every((f) => segmentInside(f.seg, span));
}
