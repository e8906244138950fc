/**
 * Compaction planning: small segments of the same table and the same time partition are merged into
 * one, so a steady trickle of seals (one small segment per seal per hour) becomes one segment per
 * partition without widening any segment's time range beyond its partition.
 */
import type { SegmentEntry } from './manifest.js';
import { OPEN_MAX, OPEN_MIN } from './sealer.js';

export interface CompactionPolicy {
  partitionMicros: number;
  /** Segments with fewer rows than this are "small". */
  smallRows: number;
  /** A merged segment holds at most this many rows. */
  maxRows: number;
}

/** Groups of at least two small segments to merge, per table and partition. */
export function planCompaction(segments: readonly SegmentEntry[], policy: CompactionPolicy): SegmentEntry[][] {
  const groups = new Map<string, SegmentEntry[]>();
  for (const s of segments) {
    if (s.rows >= policy.smallRows || s.minTime === OPEN_MIN || s.maxTime === OPEN_MAX) continue;
    const p = Math.floor(s.minTime / policy.partitionMicros);
    if (Math.floor(s.maxTime / policy.partitionMicros) !== p) continue;
    const key = `${s.table}\u0000${p}`;
    groups.set(key, [...(groups.get(key) ?? []), s]);
  }
  const plans: SegmentEntry[][] = [];
  for (const g of groups.values()) {
    let current: SegmentEntry[] = [];
    let rows = 0;
    for (const s of g) {
      if (rows + s.rows > policy.maxRows && current.length > 0) {
        if (current.length > 1) plans.push(current);
        current = [];
        rows = 0;
      }
      current.push(s);
      rows += s.rows;
    }
    if (current.length > 1) plans.push(current);
  }
  return plans;
}
