/**
 * Compaction killed (SIGKILL) at each of its steps, deterministically: compaction runs in its own
 * process (test/support/maintenance-child.ts) with VIGIL_CRASH_AT naming the point where it kills
 * itself (src/store/crash-points.ts) — the merged segment written but not in the manifest; the
 * manifest listing it while the originals still exist; the originals removed. After the kill the folder
 * verifies and every row is there exactly once; run again to the end, compaction merges the segments
 * and every row is still there exactly once. Random kill moments: storage-kill-maintenance.test.ts.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { before, describe, it } from 'node:test';
import type { ColumnSchema } from '../../src/kql/index.js';
import { StorageEngine } from '../../src/store/engine.js';
import { verifyDataDir } from '../../src/store/verify.js';
import { tempDirs } from './fixtures.js';

const WORKSPACES = 2;
const COLS: ColumnSchema[] = [
  { name: 'TenantId', type: 'string' },
  { name: 'TimeGenerated', type: 'datetime' },
  { name: 'Msg', type: 'string' },
];
const CHILD = fileURLToPath(new URL('../support/maintenance-child.js', import.meta.url));
const tempDir = tempDirs('vigil-compaction-crash-');
const wsId = (i: number) => `00000000-0000-4000-8000-${i.toString(16).padStart(12, '0')}`;
const SEALED = ['sealed-1', 'sealed-2', 'sealed-3'];
const ROWS = [...SEALED, 'hot'];

const open = async (dataDir: string) => {
  const e = await StorageEngine.open({ dataDir, queryConnections: 1, sealAgeMs: 3_600_000, compactionIntervalMs: 3_600_000, retentionIntervalMs: 3_600_000, log: () => undefined });
  await e.attachWorkspaces(Array.from({ length: WORKSPACES }, (_, w) => ({ workspaceId: wsId(w), tables: [{ name: 'T_CL', columns: COLS }] })));
  return e;
};

/** Per workspace: three small segments of the same day (sealed one by one, what compaction merges), and a hot row. */
async function makeData(dataDir: string): Promise<void> {
  const e = await open(dataDir);
  const now = BigInt(Date.now()) * 1000n;
  for (const [i, m] of SEALED.entries()) {
    for (let w = 0; w < WORKSPACES; w++) await e.append(wsId(w), 'T_CL', COLS, [['t', now - BigInt(i + 1) * 1_000_000n, m]]);
    await e.sealDue(true);
  }
  for (let w = 0; w < WORKSPACES; w++) await e.append(wsId(w), 'T_CL', COLS, [['t', now, 'hot']]);
  await e.close();
}

/** Runs compaction in its own process; resolves with the signal that ended it, or 'exit 0'. */
function runCompaction(dataDir: string, crashAt?: string): Promise<string> {
  const env = { ...process.env };
  delete env.VIGIL_CRASH_AT;
  if (crashAt) env.VIGIL_CRASH_AT = crashAt;
  const child = spawn(process.execPath, [CHILD, 'compact', dataDir, String(WORKSPACES)], { stdio: ['ignore', 'pipe', 'pipe'], env });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  return new Promise((resolve, reject) =>
    child.once('exit', (code, signal) => {
      if (signal) resolve(signal);
      else if (code === 0) resolve('exit 0');
      else reject(new Error(`compaction exited ${code}: ${out}`));
    }),
  );
}

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
