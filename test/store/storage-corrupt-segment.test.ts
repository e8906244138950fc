/**
 * A corrupt (or altered) sealed segment: a query that needs it fails with a clear error naming the
 * segment file and its table; the same workspace's other tables and other workspaces keep serving;
 * `vigil verify` (verifyDataDir) names it too.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { ColumnSchema } from '../../src/kql/index.js';
import { StorageEngine } from '../../src/store/engine.js';
import { verifyDataDir } from '../../src/store/verify.js';
import { BASE_TICKS, HOUR_TICKS, tempDirs } from './fixtures.js';

const WS = '0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0';
const WS2 = '1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d';
const COLS: ColumnSchema[] = [
  { name: 'TenantId', type: 'string' },
  { name: 'TimeGenerated', type: 'datetime' },
  { name: 'Msg', type: 'string' },
];
const tempDir = tempDirs('vigil-corrupt-');
const rows = (n: number) => Array.from({ length: n }, (_, k) => ['t', BASE_TICKS + BigInt(k) * HOUR_TICKS, `m${k}`]);

async function open(dataDir: string): Promise<StorageEngine> {
  const e = await StorageEngine.open({ dataDir, sealAgeMs: 3_600_000, compactionIntervalMs: 3_600_000, memoryTierBytes: 0, log: () => undefined });
  await e.attachWorkspaces([
    { workspaceId: WS, tables: [{ name: 'T_CL', columns: COLS }, { name: 'U_CL', columns: COLS }] },
    { workspaceId: WS2, tables: [{ name: 'T_CL', columns: COLS }] },
  ]);
  return e;
}

/**
 * Counts the rows by reading every column of them: not a pure count, which the manifest would answer
 * without opening a segment, and not a query of some columns, which decrypts only their parts of a
 * segment (segment-parts.ts) and would not read a byte altered in another column's.
 */
const count = async (e: StorageEngine, ws: string, table: string) =>
  (await e.query(`SELECT * FROM ${e.tableSource(ws, table)}`, { timeoutMs: 30_000, tables: [{ workspaceId: ws, table }] })).rows.length;
const pureCount = async (e: StorageEngine, ws: string, table: string) =>
  Number((await e.query(`SELECT count(*) FROM ${e.tableSource(ws, table)}`, { timeoutMs: 30_000, tables: [{ workspaceId: ws, table }] })).rows[0]![0]);

describe('a corrupt segment', { timeout: 120_000 }, () => {
  it('fails the queries that need it with an error naming it; the rest keeps serving; verify finds it', async () => {
    const dir = tempDir();
    let e = await open(dir);
    for (const [ws, t] of [[WS, 'T_CL'], [WS, 'U_CL'], [WS2, 'T_CL']] as const) await e.append(ws, t, COLS, rows(3));
    await e.sealDue(true);
    await e.close();
    // Alter one byte in the middle of one of T_CL's segments in the first workspace.
    const segDir = join(dir, 'storage', WS, 'segments');
    const manifest = JSON.parse(readFileSync(join(dir, 'storage', WS, 'manifest.json'), 'utf8')) as { body?: { segments: { file: string; table: string }[] }; segments?: { file: string; table: string }[] };
    const segs = (manifest.body?.segments ?? manifest.segments)!;
    const victim = segs.find((s) => s.table === 'T_CL')!.file;
    assert.ok(readdirSync(segDir).includes(victim));
    const b = readFileSync(join(segDir, victim));
    b[Math.floor(b.length / 2)]! ^= 0x01;
    writeFileSync(join(segDir, victim), b);

    e = await open(dir);
    try {
      await assert.rejects(count(e, WS, 'T_CL'), (err: Error) => {
        assert.ok(err.message.includes(victim), `the error names the segment file: ${err.message}`);
        assert.match(err.message, /T_CL/);
        return true;
      });
      // Other tables of the workspace and other workspaces keep serving; so does new ingestion.
      assert.equal(await count(e, WS, 'U_CL'), 3);
      assert.equal(await count(e, WS2, 'T_CL'), 3);
      await e.append(WS, 'U_CL', COLS, rows(2));
      assert.equal(await count(e, WS, 'U_CL'), 5);
      // Asked again, the damaged table still answers the same clear error (nothing half-loaded stays behind).
      await assert.rejects(count(e, WS, 'T_CL'), (err: Error) => err.message.includes(victim));
      // A pure count reads no segment: the authenticated manifest's row counts answer it (manifest-count.ts).
      assert.equal(await pureCount(e, WS, 'T_CL'), 3);
    } finally {
      await e.close();
    }
    const report = await verifyDataDir(dir);
    const errors = report.findings.filter((f) => f.severity === 'error');
    assert.equal(errors.length, 1, JSON.stringify(errors));
    assert.ok(errors[0]!.file.endsWith(victim) && errors[0]!.table === 'T_CL', JSON.stringify(errors));
  });
});
