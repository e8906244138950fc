/** Compaction planning: runs of small, time-adjacent segments of one table and schema version merge across hours, within bounds. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DAY_MICROS, planCompaction, type CompactionPolicy } from '../../src/store/compaction.js';
import type { SegmentEntry } from '../../src/store/manifest.js';
import { OPEN_MAX, OPEN_MIN } from '../../src/store/sealer.js';

const HOUR = 3_600_000_000;
let n = 0;
function seg(hour: number, rows = 10, extra: Partial<SegmentEntry> = {}): SegmentEntry {
  const id = `s${String(n++).padStart(4, '0')}`;
  return { id, table: 'T', file: `${id}.seg`, schemaVersion: 1, rows, minTime: hour * HOUR, maxTime: hour * HOUR + HOUR - 1, size: 1000, sha256: '', createdAt: '', prev: '', hash: '', ...extra };
}
const policy: CompactionPolicy = { smallRows: 100, maxRows: 400, maxBytes: 1_000_000, maxSpanMicros: DAY_MICROS };
const ids = (plans: SegmentEntry[][]) => plans.map((g) => g.map((s) => s.id));

describe('compaction planning', () => {
  it('merges small segments of consecutive hours, in time order, up to one day of TimeGenerated', () => {
    const segs = Array.from({ length: 48 }, (_, h) => seg(h)).reverse();
    const plans = planCompaction(segs, policy);
    assert.equal(plans.length, 2);
    for (const g of plans) {
      const lo = Math.min(...g.map((s) => s.minTime));
      const hi = Math.max(...g.map((s) => s.maxTime));
      assert.ok(hi - lo <= DAY_MICROS);
      // Consecutive hours, no gaps.
      assert.deepEqual(g.map((s) => s.minTime / HOUR), g.map((_, i) => g[0]!.minTime / HOUR + i));
    }
    assert.equal(plans.reduce((k, g) => k + g.length, 0), 48);
  });

  it('never merges across a large segment, another schema version, another table or an open range', () => {
    const a = [seg(0), seg(1)];
    const big = seg(2, 100);
    const b = [seg(3), seg(4)];
    const v2 = seg(5, 10, { schemaVersion: 2 });
    const c = [seg(6), seg(7)];
    const open = seg(8, 10, { minTime: OPEN_MIN, maxTime: OPEN_MAX });
    const other = seg(9, 10, { table: 'U' });
    const plans = planCompaction([...a, big, ...b, v2, ...c, open, other], policy);
    assert.deepEqual(ids(plans), [a.map((s) => s.id), b.map((s) => s.id), c.map((s) => s.id)]);
  });

  it('cuts groups at the row and byte targets and leaves already-merged segments alone', () => {
    const rows = Array.from({ length: 10 }, (_, h) => seg(h, 90));
    assert.deepEqual(planCompaction(rows, policy).map((g) => g.length), [4, 4, 2]);
    const bytes = Array.from({ length: 6 }, (_, h) => seg(h, 1, { size: 400_000 }));
    assert.deepEqual(planCompaction(bytes, policy).map((g) => g.length), [2, 2, 2]);
    // Two merged day-long segments: together they would span two days.
    const days = [seg(0, 50, { maxTime: 24 * HOUR - 1 }), seg(24, 50, { maxTime: 48 * HOUR - 1 })];
    assert.deepEqual(planCompaction(days, policy), []);
  });
});
