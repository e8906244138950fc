/**
 * Compaction planning: runs of small segments of the same table and schema version that are adjacent
 * in time are merged into one, across partition (hour) boundaries, so a low-volume table sealed as one
 * tiny segment per hour becomes a few segments of a useful size.
 *
 * A merged segment's [minTime, maxTime] is the union of its parts (pruning stays correct, only
 * coarser). Its size is bounded three ways:
 *  - `maxRows` rows (the seal threshold: a merged segment is as big as a full seal);
 *  - `maxBytes` bytes of encrypted segment files (guards very wide rows);
 *  - `maxSpanMicros` of TimeGenerated. Retention drops a segment only when its newest row is past
 *    the cutoff, so a segment's time span is how long its oldest rows can outlive retention; a span
 *    of at most one day keeps that below retention's own one-day granularity. It also keeps pruning
 *    of narrow time ranges from reading more than a day of rows of a small table.
 */
import type { SegmentEntry } from './manifest.js';
import { OPEN_MAX, OPEN_MIN } from './sealer.js';

export interface CompactionPolicy {
  /** Segments with fewer rows than this are "small". */
  smallRows: number;
  /** A merged segment holds at most this many rows… */
  maxRows: number;
  /** …its parts take at most this many bytes… */
  maxBytes: number;
  /** …and its rows' TimeGenerated spans at most this many µs (maxTime − minTime). */
  maxSpanMicros: number;
}

export const DAY_MICROS = 86_400_000_000;

/**
 * Groups of at least two segments to merge. Within each (table, schema version) segments are ordered
 * by time; a group is a run of consecutive small segments in that order (never across a segment that
 * is not small, never across another schema version), cut when a bound would be exceeded.
 */
export function planCompaction(segments: readonly SegmentEntry[], policy: CompactionPolicy): SegmentEntry[][] {
  const byTable = new Map<string, SegmentEntry[]>();
  for (const s of segments) byTable.set(s.table, [...(byTable.get(s.table) ?? []), s]);
  const plans: SegmentEntry[][] = [];
  for (const list of byTable.values()) {
    const ordered = [...list].sort((a, b) => a.minTime - b.minTime || a.maxTime - b.maxTime || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    let current: SegmentEntry[] = [];
    let rows = 0;
    let bytes = 0;
    let lo = 0;
    let hi = 0;
    const flush = () => {
      if (current.length > 1) plans.push(current);
      current = [];
      rows = 0;
      bytes = 0;
    };
    for (const s of ordered) {
      const eligible = s.rows < policy.smallRows && s.minTime !== OPEN_MIN && s.maxTime !== OPEN_MAX && s.maxTime - s.minTime <= policy.maxSpanMicros;
      if (!eligible) {
        flush();
        continue;
      }
      if (current.length > 0) {
        const fits =
          s.schemaVersion === current[0]!.schemaVersion &&
          rows + s.rows <= policy.maxRows &&
          bytes + s.size <= policy.maxBytes &&
          Math.max(hi, s.maxTime) - Math.min(lo, s.minTime) <= policy.maxSpanMicros;
        if (!fits) flush();
      }
      if (current.length === 0) {
        lo = s.minTime;
        hi = s.maxTime;
      } else {
        lo = Math.min(lo, s.minTime);
        hi = Math.max(hi, s.maxTime);
      }
      current.push(s);
      rows += s.rows;
      bytes += s.size;
    }
    flush();
  }
  return plans;
}
