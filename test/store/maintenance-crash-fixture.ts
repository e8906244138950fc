/**
 * What the step-by-step crash suites (purge, compaction) share: a folder of small workspaces with one
 * T_CL table, opened with every background job parked, and a maintenance job run in its own process
 * (test/support/maintenance-child.ts) that kills itself where VIGIL_CRASH_AT says
 * (src/store/crash-points.ts).
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ColumnSchema } from '../../src/kql/index.js';
import { StorageEngine } from '../../src/store/engine.js';

export const COLS: ColumnSchema[] = [
  { name: 'TenantId', type: 'string' },
  { name: 'TimeGenerated', type: 'datetime' },
  { name: 'Msg', type: 'string' },
];
const CHILD = fileURLToPath(new URL('../support/maintenance-child.js', import.meta.url));

export const wsId = (i: number) => `00000000-0000-4000-8000-${i.toString(16).padStart(12, '0')}`;

/** The folder's engine with sealing, compaction and retention parked (the test runs each itself). */
export async function openFolder(dataDir: string, workspaces: number): Promise<StorageEngine> {
  const e = await StorageEngine.open({ dataDir, queryConnections: 1, sealAgeMs: 3_600_000, compactionIntervalMs: 3_600_000, retentionIntervalMs: 3_600_000, log: () => undefined });
  await e.attachWorkspaces(Array.from({ length: workspaces }, (_, w) => ({ workspaceId: wsId(w), tables: [{ name: 'T_CL', columns: COLS }] })));
  return e;
}

/** Runs `job` over the folder's workspaces in its own process; resolves with the signal that ended it, or 'exit 0'. */
export function runMaintenanceJob(job: 'purge' | 'compact', dataDir: string, workspaces: number, crashAt?: string): Promise<string> {
  const env = { ...process.env };
  delete env.VIGIL_CRASH_AT;
  if (crashAt) env.VIGIL_CRASH_AT = crashAt;
  const child = spawn(process.execPath, [CHILD, job, dataDir, String(workspaces)], { stdio: ['ignore', 'pipe', 'pipe'], env });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  return new Promise((resolve, reject) =>
    child.once('exit', (code, signal) => {
      if (signal) resolve(signal);
      else if (code === 0) resolve('exit 0');
      else reject(new Error(`${job} exited ${code}: ${out}`));
    }),
  );
}
