/**
 * The engine-wide bound on unsealed rows (`hotMaxBytes`, `vigil serve --hot-max-mb`): hot rows are
 * outside the memory tier's budget, so when many tables are written at once the background seals
 * the tables holding the most until half the bound is left; no row is lost or duplicated.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ColumnSchema } from '../../src/kql/index.js';
import { StorageEngine } from '../../src/store/engine.js';
import { BASE_TICKS, tempDirs } from './fixtures.js';

const WS = '5d1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0';
const COLS: ColumnSchema[] = [
  { name: 'TimeGenerated', type: 'datetime' },
  { name: 'Msg', type: 'string' },
  { name: 'N', type: 'long' },
];
const BIG = ['A_CL', 'B_CL', 'C_CL'];
const SMALL = 'D_CL';
const ROWS = 3000;
const tempDir = tempDirs('vigil-hot-budget-');

const rows = (count: number, from: number) => Array.from({ length: count }, (_, k) => [BASE_TICKS + BigInt(from + k), `row ${from + k} ${'x'.repeat(200)}`, BigInt(from + k)]);

/** An engine whose background would seal nothing by itself (no table reaches its own thresholds). */
async function open(hotMaxBytes: number): Promise<StorageEngine> {
  const e = await StorageEngine.open({ dataDir: tempDir(), sealAgeMs: 3_600_000, compactionIntervalMs: 3_600_000, hotMaxBytes, log: () => undefined });
  await e.attachWorkspaces([{ workspaceId: WS, tables: [...BIG, SMALL].map((name) => ({ name, columns: COLS })) }]);
  return e;
}

/** The small table first, then the three big ones, one append each. */
async function fill(e: StorageEngine): Promise<void> {
  await e.append(WS, SMALL, COLS, rows(ROWS / 20, 0));
  for (const t of BIG) await e.append(WS, t, COLS, rows(ROWS, 0));
}

async function counts(e: StorageEngine): Promise<number[][]> {
  const out: number[][] = [];
  for (const t of [...BIG, SMALL]) {
    const r = await e.query(`SELECT count(*), count(DISTINCT "N"), sum("N") FROM ${e.tableSource(WS, t)}`, { timeoutMs: 60_000, tables: [{ workspaceId: WS, table: t }] });
    out.push(r.rows[0]!.map(Number));
  }
  return out;
}

const expected = [...BIG.map(() => ROWS), ROWS / 20].map((n) => [n, n, (n * (n - 1)) / 2]);

describe('engine-wide bound on unsealed rows', { timeout: 180_000 }, () => {
  it('seals the largest tables first, down to half the bound, and keeps every row', async () => {
    // One big table's log bytes, to set the bound between two and three of them.
    const probe = await open(0);
    await probe.append(WS, BIG[0]!, COLS, rows(ROWS, 0));
    const big = probe.status().hotBytes;
    await probe.close();
    assert.ok(big > 0);

    const budget = Math.floor(big * 2.5);
    const e = await open(budget);
    try {
      await fill(e);
      // The background seals (every second); sealDue() here too, as a tick would.
      await e.sealDue();
      const sealedTables = async () => new Set((await e.segmentsOf(WS)).map((s) => s.table));
      const deadline = Date.now() + 120_000;
      while (e.status().hotRows > ROWS + ROWS / 20 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      const sealed = await sealedTables();
      // 3.05 big tables' worth > 2.5: the largest go until at most 1.25 is left — two of the three.
      assert.equal(BIG.filter((t) => sealed.has(t)).length, 2, `sealed: ${[...sealed].join(', ')}`);
      assert.ok(!sealed.has(SMALL), 'the smallest table stays hot');
      const s = e.status();
      assert.ok(s.hotBytes <= budget / 2, `unsealed ${s.hotBytes} bytes of a bound of ${budget}`);
      assert.equal(s.hotRows, ROWS + ROWS / 20);
      assert.deepEqual(await counts(e), expected);
      // Another tick changes nothing: what is left is under the bound.
      await e.sealDue();
      assert.equal(e.status().hotRows, ROWS + ROWS / 20);
      assert.deepEqual(await sealedTables(), sealed);
    } finally {
      await e.close();
    }
  });

  it('with the bound off (0), only each table\'s own thresholds seal', async () => {
    const e = await open(0);
    try {
      await fill(e);
      await e.sealDue();
      assert.equal((await e.segmentsOf(WS)).length, 0);
      assert.equal(e.status().hotRows, 3 * ROWS + ROWS / 20);
      assert.deepEqual(await counts(e), expected);
    } finally {
      await e.close();
    }
  });
});
