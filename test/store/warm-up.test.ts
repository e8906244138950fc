/**
 * The start-up warm-up (src/store/engine/warm-up.ts) runs one query through the query path when the
 * engine attaches its workspaces. It must read no data — no segment decrypted into the scratch cache,
 * none loaded into the memory tier — leave every answer as it was, and leave the statement guard
 * checking every statement a user sends.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ColumnSchema } from '../../src/kql/index.js';
import { StorageEngine } from '../../src/store/engine.js';
import { StatementRefusedError } from '../../src/store/statement-guard.js';
import { BASE_TICKS, HOUR_TICKS, tempDirs } from './fixtures.js';

const WS = '3a4b5c6d-7e8f-4a0b-9c1d-2e3f4a5b6c7d';
const COLS: ColumnSchema[] = [
  { name: 'TimeGenerated', type: 'datetime' },
  { name: 'N', type: 'long' },
];
const tempDir = tempDirs('vigil-warm-up-');

async function open(dataDir: string, logs: string[]) {
  const e = await StorageEngine.open({ dataDir, sealAgeMs: 3_600_000, compactionIntervalMs: 3_600_000, retentionIntervalMs: 3_600_000, log: (level, m) => logs.push(`${level}: ${m}`) });
  await e.attachWorkspaces([{ workspaceId: WS, tables: [{ name: 'T_CL', columns: COLS }] }]);
  return e;
}

describe('the start-up warm-up', { timeout: 120_000 }, () => {
  it('reads no data, changes no answer, and leaves the guard checking every statement', async () => {
    const dataDir = tempDir();
    const logs: string[] = [];
    let e = await open(dataDir, logs);
    // 24 sealed rows (one segment per hour), then 5 hot ones in the log, one dated 1899.
    await e.append(WS, 'T_CL', COLS, Array.from({ length: 24 }, (_, k) => [BASE_TICKS + BigInt(k) * HOUR_TICKS, BigInt(k)]));
    await e.sealDue(true);
    const old = BigInt(Date.UTC(1899, 5, 1)) * 10_000n + 621355968000000000n;
    await e.append(WS, 'T_CL', COLS, [[old, 100n], ...Array.from({ length: 4 }, (_, k) => [BASE_TICKS + 30n * HOUR_TICKS + BigInt(k), BigInt(101 + k)])]);
    await e.close();

    e = await open(dataDir, logs);
    try {
      const st = e.status();
      assert.equal(st.segments, 24);
      assert.equal(st.cachedSegments, 0, 'no segment decrypted at start-up');
      assert.equal(st.memoryTierSegments, 0, 'no segment loaded into the memory tier at start-up');
      assert.equal(st.hotRows, 5);
      assert.deepEqual(logs.filter((l) => l.includes('warm-up')), [], 'the warm-up ran without failing');

      const src = e.tableSource(WS, 'T_CL');
      const grant = { timeoutMs: 60_000, tables: [{ workspaceId: WS, table: 'T_CL' }] };
      const count = await e.query(`SELECT count(*) AS n FROM ${src}`, grant);
      assert.deepEqual(count.rows, [[29n]]);
      assert.equal(count.statistics!.segmentsCounted, 24);
      assert.equal(count.statistics!.segmentsDecrypted + count.statistics!.segmentCacheHits, 0);
      const sum = await e.query(`SELECT sum("N") AS s FROM ${src}`, grant);
      assert.deepEqual(sum.rows, [[BigInt((23 * 24) / 2 + 100 + 101 + 102 + 103 + 104)]]);
      assert.equal(sum.statistics!.segmentsDecrypted + sum.statistics!.segmentCacheHits, 24);

      // The warm-up's own statement, aimed at another workspace's table, is refused like any other.
      const other = e.tableSource('00000000-0000-4000-8000-000000000001', 'T_CL');
      await assert.rejects(e.query(`SELECT count(*) AS vigil_warm_up FROM ${other}`, grant), StatementRefusedError);
      await assert.rejects(e.query(`SELECT count(*) AS vigil_warm_up FROM ${src}, duckdb_tables()`, grant), StatementRefusedError);
    } finally {
      await e.close();
    }
  });
});
