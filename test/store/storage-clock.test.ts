/**
 * The wall clock jumping back and forward (an NTP step, a VM restored from a snapshot):
 * - sealing by age, retention and compaction are scheduled on the monotonic clock, so a clock set
 *   back a year does not stall them (before: "now − last run" stayed negative for a year);
 * - retention's cutoff is wall-clock time, because the rows' TimeGenerated is: set back, it drops
 *   nothing it would not have dropped before; set forward past a table's retention, it drops those
 *   rows as if that time had passed (expected, and documented in README "Faults");
 * - rows ingested while the clock is off are stored and sealed under their own TimeGenerated.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import type { ColumnSchema } from '../../src/kql/index.js';
import { StorageEngine } from '../../src/store/engine.js';
import { verifyDataDir } from '../../src/store/verify.js';
import { tempDirs, ticksOfMs } from './fixtures.js';

const WS = '0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0';
const COLS: ColumnSchema[] = [
  { name: 'TenantId', type: 'string' },
  { name: 'TimeGenerated', type: 'datetime' },
  { name: 'Msg', type: 'string' },
];
const DAY_MS = 86_400_000;
const tempDir = tempDirs('vigil-clock-');
const realNow = Date.now;
/** Sets the wall clock `offsetMs` away from the real one (Date.now only; timers and the monotonic clock run on). */
const shiftClock = (offsetMs: number) => {
  Date.now = () => realNow() + offsetMs;
};
afterEach(() => {
  Date.now = realNow;
});

const count = async (e: StorageEngine) =>
  Number((await e.query(`SELECT count(*) FROM ${e.tableSource(WS, 'T_CL')}`, { timeoutMs: 30_000, tables: [{ workspaceId: WS, table: 'T_CL' }] })).rows[0]![0]);

async function waitFor(what: string, check: () => Promise<boolean>, ms = 60_000): Promise<void> {
  const deadline = performance.now() + ms;
  while (!(await check())) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('the wall clock jumping', { timeout: 180_000 }, () => {
  it('set back a year after rows arrive: age-based sealing still happens; rows keep their TimeGenerated', async () => {
    const dir = tempDir();
    const e = await StorageEngine.open({ dataDir: dir, sealAgeMs: 400, compactionIntervalMs: 3_600_000, log: () => undefined });
    try {
      await e.attachWorkspaces([{ workspaceId: WS, tables: [{ name: 'T_CL', columns: COLS }] }]);
      const nowMs = realNow();
      const nowTicks = ticksOfMs(nowMs);
      await e.append(WS, 'T_CL', COLS, [['t', nowTicks, 'before the jump']]);
      shiftClock(-365 * DAY_MS);
      await e.append(WS, 'T_CL', COLS, [['t', nowTicks + 1n, 'during the jump']]);
      await waitFor('the age-based seal', async () => (await e.segmentsOf(WS)).length > 0);
      const segs = await e.segmentsOf(WS);
      assert.equal(segs.reduce((n, s) => n + s.rows, 0), 2);
      // Sealed under the rows' own hour, not the shifted clock's.
      // (the manifest keeps µs since the epoch)
      assert.ok(segs.every((s) => s.minTime >= (nowMs - 3_600_000) * 1000), JSON.stringify(segs.map((s) => s.minTime)));
      assert.equal(await count(e), 2);
    } finally {
      await e.close();
    }
    assert.deepEqual((await verifyDataDir(dir)).findings.filter((f) => f.severity === 'error'), []);
  });

  it('retention follows the wall clock: set back it keeps everything, set forward past retention it drops the old rows only', async () => {
    const dir = tempDir();
    const e = await StorageEngine.open({ dataDir: dir, sealAgeMs: 3_600_000, compactionIntervalMs: 3_600_000, retentionDays: () => 30, log: () => undefined });
    try {
      await e.attachWorkspaces([{ workspaceId: WS, tables: [{ name: 'T_CL', columns: COLS }] }]);
      const nowMs = realNow();
      const at = (ageDays: number) => ticksOfMs(nowMs - ageDays * DAY_MS);
      await e.append(WS, 'T_CL', COLS, [['t', at(20), 'twenty days old'], ['t', at(1), 'one day old']]);
      await e.sealDue(true);
      await e.append(WS, 'T_CL', COLS, [['t', at(25), 'hot, 25 days old']]);
      // Back a year: the cutoff moves a year earlier, nothing is dropped.
      assert.equal(await e.runRetention(nowMs - 365 * DAY_MS), 0);
      assert.equal(await count(e), 3);
      // Forward 15 days: the 20- and 25-day-old rows are now past 30 days and go; the 1-day-old row stays.
      assert.equal(await e.runRetention(nowMs + 15 * DAY_MS), 2);
      assert.equal(await count(e), 1);
    } finally {
      await e.close();
    }
    assert.deepEqual((await verifyDataDir(dir)).findings.filter((f) => f.severity === 'error'), []);
  });
});
