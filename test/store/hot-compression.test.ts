/**
 * Hot rows are appended uncompressed (no DuckDB checkpoint in an append's commit) and compressed in
 * the background: when a table is sealed (its rows stay in the memory tier as the segments' copy),
 * and when the hot rows appended since the last compression reach `hotUncompressedBytes`, which
 * bounds their memory between seals. Rows read the same before and after each compression.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ColumnSchema } from '../../src/kql/index.js';
import { StorageEngine } from '../../src/store/engine.js';
import { BASE_TICKS, tempDirs } from './fixtures.js';

const WS = '4d1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0';
const COLS: ColumnSchema[] = [
  { name: 'TimeGenerated', type: 'datetime' },
  { name: 'Level', type: 'string' },
  { name: 'Tenant', type: 'string' },
  { name: 'Msg', type: 'string' },
  { name: 'N', type: 'long' },
];
const tempDir = tempDirs('vigil-hotcompress-');
const TENANT = '0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0';

async function open(hotUncompressedBytes: number): Promise<StorageEngine> {
  const e = await StorageEngine.open({ dataDir: tempDir(), sealAgeMs: 3_600_000, compactionIntervalMs: 3_600_000, hotUncompressedBytes, log: () => undefined });
  await e.attachWorkspaces([{ workspaceId: WS, tables: [{ name: 'H_CL', columns: COLS }] }]);
  return e;
}

async function appendBatches(e: StorageEngine, from: number, batches: number): Promise<void> {
  for (let b = from; b < from + batches; b++) {
    await e.append(WS, 'H_CL', COLS, Array.from({ length: 1000 }, (_, k) => {
      const n = b * 1000 + k;
      return [BASE_TICKS + BigInt(n) * 10_000_000n, ['Information', 'Warning', 'Error'][n % 3]!, TENANT, `message ${n} ${'y'.repeat(n % 30)}`, BigInt(n)];
    }));
  }
}

async function answers(e: StorageEngine): Promise<unknown[]> {
  const src = e.tableSource(WS, 'H_CL');
  const out: unknown[] = [];
  for (const sql of [
    `SELECT count(*), sum("N"), count(DISTINCT "Msg"), count(DISTINCT "Tenant") FROM ${src}`,
    `SELECT "Level", count(*) FROM ${src} GROUP BY 1 ORDER BY 1`,
    `SELECT count(*) FROM ${src} WHERE "Tenant" = '${TENANT}' AND "Level" = 'Error'`,
    `SELECT "N", "Msg" FROM ${src} ORDER BY "N" DESC LIMIT 3`,
  ]) {
    out.push((await e.query(sql, { timeoutMs: 60_000, tables: [{ workspaceId: WS, table: 'H_CL' }] })).rows.map((r) => r.map((v) => (typeof v === 'bigint' ? Number(v) : v))));
  }
  return out;
}

/** Polls `check` until it holds (the background work runs on its own schedule). */
async function until(what: string, check: () => boolean, deadlineMs = 90_000): Promise<void> {
  const end = Date.now() + deadlineMs;
  while (!check()) {
    if (Date.now() > end) assert.fail(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('hot rows compressed in the background', { timeout: 300_000 }, () => {
  it('appends leave hot rows uncompressed below the bound; sealing compresses them; answers never change', async () => {
    const e = await open(1024 * 1024 * 1024);
    try {
      await appendBatches(e, 0, 20);
      const s = e.status();
      assert.equal(s.hotRows, 20_000);
      // Every appended payload is counted as uncompressed: no append compressed anything.
      assert.ok(s.hotUncompressedBytes > 20_000 * 20, `uncompressed bytes counted: ${s.hotUncompressedBytes}`);
      const hot = await answers(e);
      assert.deepEqual(hot[0], [[20_000, (20_000 * 19_999) / 2, 20_000, 1]]);
      // Past a background tick or two: still uncompressed (the bound is far away).
      await new Promise((r) => setTimeout(r, 2500));
      assert.equal(e.status().hotUncompressedBytes, s.hotUncompressedBytes);
      await e.sealDue(true);
      const sealed = e.status();
      assert.equal(sealed.hotRows, 0);
      assert.ok(sealed.memoryTierSegments > 0, 'the sealed rows stayed in the memory tier');
      assert.equal(sealed.hotUncompressedBytes, 0, 'sealing compressed them');
      assert.deepEqual(await answers(e), hot);
      // New hot rows after the seal are counted again, and read with the sealed ones.
      await appendBatches(e, 20, 2);
      assert.ok(e.status().hotUncompressedBytes > 0);
      assert.deepEqual((await answers(e))[0], [[22_000, (22_000 * 21_999) / 2, 22_000, 1]]);
    } finally {
      await e.close();
    }
  });

  it('compresses in the background once the bound is reached, without sealing', async () => {
    const e = await open(64 * 1024);
    try {
      await appendBatches(e, 0, 5);
      const before = await answers(e);
      await until('the background work compressed the hot rows', () => e.status().hotUncompressedBytes < 64 * 1024);
      const s = e.status();
      assert.equal(s.hotRows, 5000, 'still hot: nothing was sealed');
      assert.equal(s.segments, 0);
      assert.deepEqual(await answers(e), before);
      // More appends after a compression land in the same table and read with the rest.
      await appendBatches(e, 5, 3);
      await until('compressed again', () => e.status().hotUncompressedBytes < 64 * 1024);
      assert.deepEqual((await answers(e))[0], [[8000, (8000 * 7999) / 2, 8000, 1]]);
    } finally {
      await e.close();
    }
  });
});
