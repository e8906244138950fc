/**
 * Compaction killed (SIGKILL) at each of its steps, deterministically: compaction runs in its own
 * process (test/support/maintenance-child.ts) with VIGIL_CRASH_AT naming the point where it kills
 * itself (src/store/crash-points.ts) — the merged segment written but not in the manifest; the
 * manifest listing it while the originals still exist; the originals removed. After the kill the folder
 * verifies and every row is there exactly once; run again to the end, compaction merges the segments
 * and every row is still there exactly once. Random kill moments: storage-kill-maintenance.test.ts.
 */
import assert from 'node:assert/strict';
import { cpSync } from 'node:fs';
import { before, describe, it } from 'node:test';
import { verifyDataDir } from '../../src/store/verify.js';
import { tempDirs, ticksOfMs } from './fixtures.js';
import { COLS, openFolder, runMaintenanceJob, wsId } from './maintenance-crash-fixture.js';

const WORKSPACES = 2;
const tempDir = tempDirs('vigil-compaction-crash-');
const SEALED = ['sealed-1', 'sealed-2', 'sealed-3'];
const ROWS = [...SEALED, 'hot'];

const open = (dataDir: string) => openFolder(dataDir, WORKSPACES);

/** Per workspace: three small segments of the same day (sealed one by one, what compaction merges), and a hot row. */
async function makeData(dataDir: string): Promise<void> {
  const e = await open(dataDir);
  const now = ticksOfMs(Date.now());
  for (const [i, m] of SEALED.entries()) {
    for (let w = 0; w < WORKSPACES; w++) await e.append(wsId(w), 'T_CL', COLS, [['t', now - BigInt(i + 1) * 10_000_000n, m]]);
    await e.sealDue(true);
  }
  for (let w = 0; w < WORKSPACES; w++) await e.append(wsId(w), 'T_CL', COLS, [['t', now, 'hot']]);
  await e.close();
}

const runCompaction = (dataDir: string, crashAt?: string) => runMaintenanceJob('compact', dataDir, WORKSPACES, crashAt);

/** After `verify` finds no error: every row of every workspace exactly once; resolves with the number of segments. */
async function assertEveryRowOnce(dataDir: string, round: string): Promise<number> {
  const report = await verifyDataDir(dataDir);
  assert.deepEqual(report.findings.filter((f) => f.severity === 'error'), [], `${round}: verify`);
  const e = await open(dataDir);
  try {
    let segments = 0;
    for (let w = 0; w < WORKSPACES; w++) {
      const ws = wsId(w);
      const r = await e.query(`SELECT "Msg", count(*) FROM ${e.tableSource(ws, 'T_CL')} GROUP BY 1 ORDER BY 1`, { timeoutMs: 30_000, tables: [{ workspaceId: ws, table: 'T_CL' }] });
      assert.deepEqual(r.rows.map((x) => [String(x[0]), Number(x[1])]), [...ROWS].sort().map((m) => [m, 1]), `${round}: workspace ${w}`);
      segments += (await e.segmentsOf(ws)).length;
    }
    return segments;
  } finally {
    await e.close();
  }
}

/** Compaction's crash points in the order it reaches them (the first group's occurrence). */
const POINTS = [
  'compact:segment-written', // the merged segment on disk, not in the manifest: removed at the next start
  'compact:manifest-saved', // the manifest lists the merged segment; the originals still on disk
  'compact:originals-removed', // the first group done, the others not started
];

describe('SIGKILL at each step of a compaction', { timeout: 600_000 }, () => {
  let template: string;
  let before_ = 0;
  before(async () => {
    template = tempDir();
    await makeData(template);
    before_ = await assertEveryRowOnce(template, 'before compaction');
  });

  for (const point of POINTS) {
    it(`killed at ${point}: every row once; once run again, segments merged and every row once`, async () => {
      const dir = tempDir();
      cpSync(template, dir, { recursive: true });
      assert.equal(await runCompaction(dir, point), 'SIGKILL', `compaction reaches ${point}`);
      await assertEveryRowOnce(dir, `killed at ${point}`);
      assert.equal(await runCompaction(dir), 'exit 0');
      const after = await assertEveryRowOnce(dir, `completed after a kill at ${point}`);
      assert.ok(after < before_, `compaction merged segments (${before_} → ${after})`);
    });
  }
});
