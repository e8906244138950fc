/**
 * A purge killed (SIGKILL) at each of its steps, deterministically: the purge runs in its own process
 * (test/support/maintenance-child.ts) with VIGIL_CRASH_AT naming the point where it kills itself
 * (src/store/crash-points.ts). After the kill the folder verifies, every kept row is there exactly
 * once and each purged row is either still there or gone; after the purge is run again to the end,
 * no purged row is in a query of the folder opened again (segments, and the hot rows its log replays).
 * The purged rows are in sealed segments (and in the log file that still holds their sealed record)
 * and in the log only (hot rows). Random kill moments: storage-kill-maintenance.test.ts.
 */
import assert from 'node:assert/strict';
import { cpSync } from 'node:fs';
import { before, describe, it } from 'node:test';
import { verifyDataDir } from '../../src/store/verify.js';
import { DAY_TICKS, tempDirs, ticksOfMs } from './fixtures.js';
import { COLS, openFolder, runMaintenanceJob, wsId } from './maintenance-crash-fixture.js';

const WORKSPACES = 2;
const tempDir = tempDirs('vigil-purge-crash-');
const KEEP = ['keep-sealed-1', 'keep-sealed-2', 'keep-hot-1', 'keep-hot-2'];
const VICTIMS = ['victim-sealed-1', 'victim-sealed-2', 'victim-hot'];

const open = (dataDir: string) => openFolder(dataDir, WORKSPACES);

/** Per workspace: sealed rows (kept and purged), then hot rows, only in the log (kept and purged). */
async function makeData(dataDir: string): Promise<void> {
  const e = await open(dataDir);
  const now = ticksOfMs(Date.now());
  for (let w = 0; w < WORKSPACES; w++) {
    await e.append(wsId(w), 'T_CL', COLS, [['t', now - 1000n, 'keep-sealed-1'], ['t', now - 2000n, 'victim-sealed-1'], ['t', now - DAY_TICKS, 'keep-sealed-2'], ['t', now - DAY_TICKS, 'victim-sealed-2']]);
  }
  assert.equal(await e.sealDue(true), 4 * WORKSPACES);
  for (let w = 0; w < WORKSPACES; w++) await e.append(wsId(w), 'T_CL', COLS, [['t', now, 'keep-hot-1'], ['t', now, 'victim-hot'], ['t', now, 'keep-hot-2']]);
  await e.close();
}

const runPurge = (dataDir: string, crashAt?: string) => runMaintenanceJob('purge', dataDir, WORKSPACES, crashAt);

/** Each workspace's rows by message (count), after `verify` finds no error. */
async function rowsOf(dataDir: string, round: string): Promise<Map<string, number>[]> {
  const report = await verifyDataDir(dataDir);
  assert.deepEqual(report.findings.filter((f) => f.severity === 'error'), [], `${round}: verify`);
  const e = await open(dataDir);
  try {
    const out: Map<string, number>[] = [];
    for (let w = 0; w < WORKSPACES; w++) {
      const ws = wsId(w);
      const r = await e.query(`SELECT "Msg", count(*) FROM ${e.tableSource(ws, 'T_CL')} GROUP BY 1`, { timeoutMs: 30_000, tables: [{ workspaceId: ws, table: 'T_CL' }] });
      out.push(new Map(r.rows.map((x) => [String(x[0]), Number(x[1])])));
    }
    return out;
  } finally {
    await e.close();
  }
}

async function assertConsistent(dataDir: string, round: string): Promise<void> {
  const all = await rowsOf(dataDir, round);
  all.forEach((got, w) => {
    for (const m of KEEP) assert.equal(got.get(m), 1, `${round}: workspace ${w} row ${m}: ${JSON.stringify([...got])}`);
    for (const [m, n] of got) {
      assert.ok(KEEP.includes(m) || VICTIMS.includes(m), `${round}: workspace ${w} has an unknown row ${m}`);
      assert.equal(n, 1, `${round}: workspace ${w} row ${m} is there ${n} times`);
    }
  });
}

async function assertPurged(dataDir: string, round: string): Promise<void> {
  const all = await rowsOf(dataDir, round);
  all.forEach((got, w) => assert.deepEqual([...got.keys()].sort(), [...KEEP].sort(), `${round}: workspace ${w}: ${JSON.stringify([...got])}`));
}

/** The purge's crash points in the order it reaches them (the first workspace's occurrence). */
const POINTS = [
  'purge:hot-deleted', // hot rows deleted in memory only: the log replays them
  'wal-rewrite:new-written', // the log file's purged copy complete beside the original
  'wal-rewrite:old-shredded', // the original destroyed, its purged copy not yet renamed
  'purge:segments-written', // the purged copies of the segments written, not yet in the manifest
  'purge:manifest-saved', // the manifest lists the copies; the originals not yet destroyed
];

describe('SIGKILL at each step of a purge', { timeout: 600_000 }, () => {
  let template: string;
  before(async () => {
    template = tempDir();
    await makeData(template);
  });

  for (const point of POINTS) {
    it(`killed at ${point}: consistent, and once run again no purged row is anywhere`, async () => {
      const dir = tempDir();
      cpSync(template, dir, { recursive: true });
      assert.equal(await runPurge(dir, point), 'SIGKILL', `the purge reaches ${point}`);
      await assertConsistent(dir, `killed at ${point}`);
      assert.equal(await runPurge(dir), 'exit 0');
      // Opened again: what the log replays is the purged state.
      await assertPurged(dir, `completed after a kill at ${point}`);
    });
  }
});
