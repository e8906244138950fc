/**
 * SIGKILL in the middle of master-key rotation, retention, purge and compaction (each run by its own
 * process over many workspaces, killed at random moments, then run to completion). After every kill
 * the data folder opens, `verify` finds nothing wrong, every row that the job must keep is there
 * exactly once, and a row the job removes is either still there or gone — never half of a segment.
 * Once completed, purged and expired rows are gone and compaction has merged segments.
 * (Deterministic kills at each step of a purge: storage-purge-crash.test.ts. Sealing and compaction
 * while ingesting under SIGKILL: test/e2e/storage-crash.test.ts.)
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import type { ColumnSchema } from '../../src/kql/index.js';
import { StorageEngine } from '../../src/store/engine.js';
import { verifyDataDir } from '../../src/store/verify.js';
import { DAY_TICKS, HOUR_TICKS, tempDirs, ticksOfMs } from './fixtures.js';

const WORKSPACES = Number(process.env.VIGIL_KILL_WORKSPACES ?? 12);
const KILLS = Number(process.env.VIGIL_KILL_ROUNDS ?? 3);
const COLS: ColumnSchema[] = [
  { name: 'TenantId', type: 'string' },
  { name: 'TimeGenerated', type: 'datetime' },
  { name: 'Msg', type: 'string' },
];
const CHILD = fileURLToPath(new URL('../support/maintenance-child.js', import.meta.url));
const tempDir = tempDirs('vigil-kill-');
const wsId = (i: number) => `00000000-0000-4000-8000-${i.toString(16).padStart(12, '0')}`;
const layout = () => Array.from({ length: WORKSPACES }, (_, w) => ({ workspaceId: wsId(w), tables: [{ name: 'T_CL', columns: COLS }] }));
const open = async (dataDir: string) => {
  const e = await StorageEngine.open({ dataDir, sealAgeMs: 3_600_000, compactionIntervalMs: 3_600_000, retentionIntervalMs: 3_600_000, log: () => undefined });
  await e.attachWorkspaces(layout());
  return e;
};

/**
 * Per workspace: 3 sealed rows to keep, 2 sealed rows 40 days old (retention removes), 2 'victim' rows
 * (purge removes), 2 more rows to keep sealed on their own (small segments compaction merges), 1 hot row to keep.
 */
async function makeData(dataDir: string): Promise<void> {
  const e = await open(dataDir);
  const now = ticksOfMs(Date.now());
  for (let w = 0; w < WORKSPACES; w++) {
    await e.append(wsId(w), 'T_CL', COLS, [
      ['t', now - 1000n, 'keep-1'], ['t', now - 2000n, 'keep-2'], ['t', now - DAY_TICKS, 'keep-3'],
      ['t', now - 40n * DAY_TICKS, 'old-1'], ['t', now - 40n * DAY_TICKS + 1n, 'old-2'],
      ['t', now - 3000n, 'victim-1'], ['t', now - 4000n, 'victim-2'],
    ]);
  }
  await e.sealDue(true);
  for (const [m, hoursAgo] of [['keep-c1', 2n], ['keep-c2', 3n]] as const) {
    for (let w = 0; w < WORKSPACES; w++) await e.append(wsId(w), 'T_CL', COLS, [['t', now - hoursAgo * HOUR_TICKS, m]]);
    await e.sealDue(true);
  }
  for (let w = 0; w < WORKSPACES; w++) await e.append(wsId(w), 'T_CL', COLS, [['t', now, 'keep-hot']]);
  await e.close();
}

/** Runs the job in its own process; with `killAfterMs`, SIGKILLs it that long after the job started (if still running). Resolves whether it finished. */
function runJob(job: string, dataDir: string, killAfterMs?: number): Promise<boolean> {
  const child = spawn(process.execPath, [CHILD, job, dataDir, String(WORKSPACES)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  let timer: NodeJS.Timeout | undefined;
  child.stderr!.on('data', (d: Buffer) => {
    out += d.toString();
    if (killAfterMs !== undefined && !timer && out.includes('started')) timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
  });
  return new Promise((resolve, reject) =>
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (signal === 'SIGKILL') resolve(false);
      else if (code === 0) resolve(true);
      else reject(new Error(`${job} exited ${code}: ${out}`));
    }),
  );
}

/** Every workspace's messages, with counts; asserts the invariants. */
async function check(dataDir: string, removable: RegExp, round: string): Promise<void> {
  const report = await verifyDataDir(dataDir);
  assert.deepEqual(report.findings.filter((f) => f.severity === 'error'), [], `${round}: verify`);
  const e = await open(dataDir);
  try {
    for (let w = 0; w < WORKSPACES; w++) {
      const ws = wsId(w);
      const out = await e.query(`SELECT "Msg", count(*) FROM ${e.tableSource(ws, 'T_CL')} GROUP BY 1`, { timeoutMs: 30_000, tables: [{ workspaceId: ws, table: 'T_CL' }] });
      const got = new Map(out.rows.map((r) => [String(r[0]), Number(r[1])]));
      for (const m of ['keep-1', 'keep-2', 'keep-3', 'keep-c1', 'keep-c2', 'keep-hot']) assert.equal(got.get(m), 1, `${round}: workspace ${w} row ${m}: ${JSON.stringify([...got])}`);
      for (const [m, n] of got) {
        assert.equal(n, 1, `${round}: workspace ${w} row ${m} is there ${n} times`);
        if (!m.startsWith('keep')) assert.match(m, /^(old|victim)-/);
      }
      // Removed rows go with their job only: 'old' rows by retention, 'victim' rows by purge.
      for (const m of ['old-1', 'old-2', 'victim-1', 'victim-2']) if (!removable.test(m)) assert.equal(got.get(m), 1, `${round}: workspace ${w} lost ${m}`);
    }
  } finally {
    await e.close();
  }
}

/** VIGIL_KILL_JOBS runs some of the jobs only (default: all). */
const JOBS = (process.env.VIGIL_KILL_JOBS ?? 'rotate,retention,purge,compact').split(',');
const ALL = [['rotate', /^$/], ['retention', /^old-/], ['purge', /^victim-/], ['compact', /^$/]] as const;

async function segmentCount(dataDir: string): Promise<number> {
  const e = await open(dataDir);
  try {
    let n = 0;
    for (let w = 0; w < WORKSPACES; w++) n += (await e.segmentsOf(wsId(w))).length;
    return n;
  } finally {
    await e.close();
  }
}

describe('SIGKILL during maintenance', { timeout: 600_000 }, () => {
  for (const [job, removes] of ALL.filter(([j]) => JOBS.includes(j))) {
    it(`${job}: killed ${KILLS} times at random moments, the folder stays consistent; then it completes`, async () => {
      const dir = tempDir();
      await makeData(dir);
      const segmentsBefore = job === 'compact' ? await segmentCount(dir) : 0;
      let finished = 0;
      for (let k = 0; k < KILLS; k++) {
        // Counted from the moment the job starts its work (after module loading and opening).
        if (await runJob(job, dir, Math.floor(Math.random() * 60))) finished++;
        await check(dir, removes, `${job} kill ${k + 1}`);
      }
      assert.equal(await runJob(job, dir), true);
      await check(dir, removes, `${job} completed`);
      if (job === 'compact') assert.ok((await segmentCount(dir)) < segmentsBefore, 'compaction merged segments');
      // Once completed, the job's rows are gone everywhere.
      if (job === 'retention' || job === 'purge') {
        const e = await open(dir);
        try {
          for (let w = 0; w < WORKSPACES; w++) {
            const ws = wsId(w);
            const out = await e.query(`SELECT "Msg" FROM ${e.tableSource(ws, 'T_CL')} WHERE NOT starts_with("Msg", 'keep') ORDER BY 1`, { timeoutMs: 30_000, tables: [{ workspaceId: ws, table: 'T_CL' }] });
            const left = out.rows.map((r) => String(r[0]));
            const other: string[] = job === 'purge' ? ['old-1', 'old-2'] : ['victim-1', 'victim-2'];
            // On failure: where the rows are (segments with their row counts and times; the log is replayed into the hot rows) and how the kills went.
            const where = async () =>
              `segments ${JSON.stringify((await e.segmentsOf(ws)).map((s) => [s.id, s.rows, s.minTime, s.maxTime]))}, ` +
              `hot rows ${e.status().hotRows} in all workspaces, ${KILLS - finished} of ${KILLS} runs killed, log files ${readdirSync(join(dir, 'storage', ws, 'wal')).join(' ')}`;
            if (JSON.stringify(left) !== JSON.stringify(other)) assert.deepEqual(left, other, `${job}: workspace ${w} keeps the other job's rows only; ${await where()}`);
          }
        } finally {
          await e.close();
        }
      }
      process.stderr.write(`# ${job}: ${KILLS - finished} of ${KILLS} runs killed mid-way\n`);
    });
  }
});
