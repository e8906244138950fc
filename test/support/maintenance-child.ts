/**
 * A process that runs one storage maintenance job on a data folder and exits, for tests that kill it
 * with SIGKILL at a random moment: `node maintenance-child.js rotate|retention|purge|compact <dataDir> <workspaces>`.
 * (VIGIL_CRASH_AT, see src/store/crash-points.ts, makes it kill itself at a chosen step instead.)
 */
import { rotateMasterKey } from '../../src/keys/rotate.js';
import { StorageEngine } from '../../src/store/engine.js';

const [job, dataDir, count] = process.argv.slice(2) as [string, string, string];
const wsId = (i: number) => `00000000-0000-4000-8000-${i.toString(16).padStart(12, '0')}`;

const COLS = [
  { name: 'TenantId', type: 'string' },
  { name: 'TimeGenerated', type: 'datetime' },
  { name: 'Msg', type: 'string' },
] as const;

if (job === 'rotate') {
  process.stderr.write('started\n');
  await rotateMasterKey(dataDir);
} else {
  const e = await StorageEngine.open({ dataDir, sealAgeMs: 3_600_000, compactionIntervalMs: 3_600_000, retentionIntervalMs: 3_600_000, retentionDays: () => (job === 'retention' ? 30 : undefined), log: () => undefined });
  await e.attachWorkspaces(Array.from({ length: Number(count) }, (_, w) => ({ workspaceId: wsId(w), tables: [{ name: 'T_CL', columns: [...COLS] }] })));
  process.stderr.write('started\n');
  if (job === 'retention') await e.runRetention();
  else if (job === 'compact') await e.runCompaction();
  else if (job === 'purge') for (let w = 0; w < Number(count); w++) await e.purge(wsId(w), 'T_CL', `"Msg" LIKE 'victim%'`);
  else throw new Error(`unknown job ${job}`);
  await e.close();
}
process.stdout.write('done\n');
