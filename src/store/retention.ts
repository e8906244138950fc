/** Retention: which whole segments are past a table's retention, and the cutoff for hot rows. */
import type { SegmentEntry } from './manifest.js';

const DAY_MICROS = 86_400_000_000;

/** The oldest TimeGenerated (µs) a table keeps, or undefined when it keeps everything. */
export function retentionCutoff(nowMs: number, retentionDays: number | undefined): number | undefined {
  if (retentionDays === undefined || !Number.isFinite(retentionDays) || retentionDays <= 0) return undefined;
  return nowMs * 1000 - retentionDays * DAY_MICROS;
}

/** Segments of `table` whose newest row is older than the cutoff: dropped whole. */
export function expiredSegments(segments: readonly SegmentEntry[], table: string, cutoffMicros: number): SegmentEntry[] {
  return segments.filter((s) => s.table === table && s.maxTime < cutoffMicros);
}
