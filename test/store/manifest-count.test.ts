/**
 * A pure `count()` takes the rows of sealed segments wholly inside its TimeGenerated bounds from the
 * manifest instead of decrypting them (src/store/manifest-count.ts) — and every case where that would
 * not be the exact answer runs the query as before: other filters, row-level scope, bounds cutting a
 * segment, rows without TimeGenerated, unsealed rows, segments already in the memory tier, purged
 * rows, retention. Each answer is checked against the rows the test wrote, and against the same
 * count computed by a query that cannot take the shortcut (it decrypts).
 */
import assert from 'node:assert/strict';
import { rmSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { compile, type ColumnSchema } from '../../src/kql/index.js';
import { StorageEngine } from '../../src/store/engine.js';
import type { TableGrant } from '../../src/store/store.js';
import { DEFAULT_QUERY_LIMITS } from '../../src/query/query-service.js';
import { toWireRow, wireStatement, wrapForWire } from '../../src/query/wire-format.js';
import { BASE_TICKS, DAY_TICKS, HOUR_TICKS, tempDirs } from './fixtures.js';

const WS = '7c1d2e3f-4a5b-4c6d-8e7f-a0b1c2d3e4f5';
const COLS: ColumnSchema[] = [
  { name: 'TimeGenerated', type: 'datetime' },
  { name: '_ResourceId', type: 'string' },
  { name: 'N', type: 'long' },
];
const R1 = '/subscriptions/s/resourcegroups/g/providers/microsoft.compute/virtualmachines/vm1';
const R2 = '/subscriptions/s/resourcegroups/g/providers/microsoft.compute/virtualmachines/vm2';
const tempDir = tempDirs('vigil-manifest-count-');
const NOW = new Date('2024-01-03T00:00:00Z');

/** 48 rows, one per hour from 2024-01-01 (0.1234567 s past it), alternating vm1 / vm2: one segment per hour. */
const ROWS = Array.from({ length: 48 }, (_, k) => [BASE_TICKS + BigInt(k) * HOUR_TICKS + 1234567n, k % 2 === 0 ? R1 : R2, BigInt(k)]);

const dirOf = new WeakMap<StorageEngine, string>();
const e2Dir = (e: StorageEngine) => dirOf.get(e)!;

async function openEngine(opts: { memoryTierBytes?: number; retention?: boolean } = {}) {
  const dataDir = tempDir();
  const e = await StorageEngine.open({
    dataDir,
    sealAgeMs: 3_600_000,
    compactionIntervalMs: 3_600_000,
    retentionIntervalMs: 3_600_000,
    ...(opts.retention ? { retentionDays: () => 1 } : {}),
    ...(opts.memoryTierBytes !== undefined ? { memoryTierBytes: opts.memoryTierBytes } : {}),
    log: () => undefined,
  });
  dirOf.set(e, dataDir);
  await e.attachWorkspaces([{ workspaceId: WS, tables: [{ name: 'T_CL', columns: COLS }] }]);
  await e.append(WS, 'T_CL', COLS, ROWS);
  await e.sealDue(true);
  return e;
}

/** A KQL query as the query service runs it: its wire statement, under the service's row cap. */
function kql(e: StorageEngine, query: string, grant: TableGrant = { workspaceId: WS, table: 'T_CL' }, wire: 'service' | 'bare' = 'service') {
  return async () => {
    const compiled = compile(query, { resolveTable: (n) => (n === 'T_CL' ? { sql: e.tableSource(WS, 'T_CL', grant.resourceScope), columns: COLS } : undefined) }, { now: NOW });
    const sql = wire === 'service' ? wireStatement(compiled.sql, compiled.columns, DEFAULT_QUERY_LIMITS.maxRows) : wrapForWire(compiled.sql, compiled.columns);
    const out = await e.query(sql, { timeoutMs: 60_000, tables: [grant] });
    return { rows: out.rows.map((r) => toWireRow(r, compiled.columns)), stats: out.statistics! };
  };
}

/** The same count by a query that is not a pure count (the grouping key is a constant), so it decrypts what it reads. */
async function slowCount(e: StorageEngine, where: string, grant?: TableGrant): Promise<number> {
  const r = await kql(e, `T_CL ${where} | summarize c = count() by k = 1 | project c`, grant)();
  return r.rows.length === 0 ? 0 : Number(r.rows[0]![0]);
}

describe('count() from the manifest', { timeout: 300_000 }, () => {
  let e: StorageEngine;
  before(async () => {
    e = await openEngine({ memoryTierBytes: 0 });
    assert.equal((await e.segmentsOf(WS)).length, 48, 'one segment per hour partition');
  });
  after(async () => {
    await e.close();
  });

  it('counts every sealed segment without decrypting one', async () => {
    const r = await kql(e, 'T_CL | count')();
    assert.deepEqual(r.rows, [[48]]);
    assert.equal(r.stats.segmentsCounted, 48);
    assert.equal(r.stats.segmentsDecrypted + r.stats.segmentCacheHits, 0, 'no segment read');
    assert.equal(await slowCount(e, ''), 48);
    const s = await kql(e, 'T_CL | summarize count()')();
    assert.deepEqual(s.rows, [[48]]);
    assert.equal(s.stats.segmentsCounted, 48);
    // Without the service's row cap on top (the statement as compiled and cast), the same.
    const bare = await kql(e, 'T_CL | count', undefined, 'bare')();
    assert.deepEqual(bare.rows, [[48]]);
    assert.equal(bare.stats.segmentsCounted, 48);
  });

  it('keeps the count to what a LIMIT after it lets through', async () => {
    // take 0 after the count: no row, and no manifest count added to a row that does not exist.
    const none = await kql(e, 'T_CL | count | take 0')();
    assert.deepEqual(none.rows, []);
    assert.equal(none.stats.segmentsCounted, 0);
    const one = await kql(e, 'T_CL | count | take 1')();
    assert.deepEqual(one.rows, [[48]]);
  });

  it('counts whole segments inside time bounds and decrypts only those the bounds cut', async () => {
    // From one tick after the 05:00 row: that segment's only row is out, the rest of the day in.
    const from = BASE_TICKS + 5n * HOUR_TICKS + 1234568n;
    const q = `T_CL | where TimeGenerated >= datetime(2024-01-01 05:00:00.1234568) and TimeGenerated < datetime(2024-01-02 00:00) | count`;
    const r = await kql(e, q)();
    assert.deepEqual(r.rows, [[ROWS.filter((x) => (x[0] as bigint) >= from && (x[0] as bigint) < BASE_TICKS + DAY_TICKS).length]]);
    assert.deepEqual(r.rows, [[18]]);
    assert.equal(r.stats.segmentsCounted, 18);
    // (Just sealed, the segments' Parquet is still in the scratch cache: a read is a decryption or a hit.)
    assert.equal(r.stats.segmentsDecrypted + r.stats.segmentCacheHits, 1, 'only the 05:00 segment, which the bound cuts at its row');
    // A bound exactly at a row: that row is in, and its segment (whose bounds touch the bound) is decrypted.
    const at = await kql(e, `T_CL | where TimeGenerated >= datetime(2024-01-01 05:00:00.1234567) and TimeGenerated < datetime(2024-01-02 00:00) | count`)();
    assert.deepEqual(at.rows, [[19]]);
    assert.equal(at.stats.segmentsCounted, 18);
    const recent = await kql(e, 'T_CL | where TimeGenerated > ago(3h) | count')();
    assert.deepEqual(recent.rows, [[3]]);
    assert.equal(recent.stats.segmentsCounted, 3);
  });

  const notPure: [string, string, number][] = [
    ['a filter on another column', 'T_CL | where N >= 10 | count', 38],
    ['a filter on another column next to a time bound', 'T_CL | where TimeGenerated > ago(1d) and N % 2 == 0 | count', 12],
    ['an OR of time bounds (not one interval)', 'T_CL | where TimeGenerated < datetime(2024-01-01 02:00) or TimeGenerated > datetime(2024-01-02 21:00) | count', 5],
    ['a time bound that is not a constant comparison', 'T_CL | where datetime_part("hour", TimeGenerated) == 3 | count', 2],
    ['take before count', 'T_CL | take 5 | count', 5],
    ['distinct before count', 'T_CL | distinct _ResourceId | count', 2],
    ['a grouped count', 'T_CL | summarize count() by _ResourceId | count', 2],
    ['count() with another aggregate', 'T_CL | summarize count(), max(N)', 48],
    ['countif', 'T_CL | summarize countif(N > 40)', 7],
    ['count() of a subquery filtered by the table itself', 'T_CL | where N in ((T_CL | where N < 5 | project N)) | count', 5],
    ['dcount', 'T_CL | summarize dcount(N)', 48],
    ['a union of the table with itself', 'union T_CL, T_CL | count', 96],
    ['a join', 'T_CL | join kind=inner (T_CL | where N < 3) on N | count', 3],
  ];
  for (const [what, q, expected] of notPure) {
    it(`does not use the manifest for ${what}`, async () => {
      const r = await kql(e, q)();
      assert.equal(Number(r.rows[0]![0]), expected);
      assert.equal(r.stats.segmentsCounted, 0);
    });
  }

  it('uses it where the optimizer reduces a query to a pure count (unused aggregates, KQL count(x))', async () => {
    for (const q of ['T_CL | summarize count(), max(N) | project count_', 'T_CL | summarize count(N)', 'T_CL | project N | count']) {
      const r = await kql(e, q)();
      assert.deepEqual(r.rows, [[48]], q);
      assert.equal(r.stats.segmentsCounted, 48, q);
    }
  });

  it('does not use the manifest for a resource-scoped grant (its view holds only the scope)', async () => {
    const scoped: TableGrant = { workspaceId: WS, table: 'T_CL', resourceScope: R1 };
    const r = await kql(e, 'T_CL | count', scoped)();
    assert.deepEqual(r.rows, [[24]]);
    assert.equal(r.stats.segmentsCounted, 0);
    assert.equal(await slowCount(e, '', scoped), 24);
  });

  it('adds unsealed rows, counted by DuckDB, to the sealed ones', async () => {
    const e2 = await openEngine({ memoryTierBytes: 0 });
    try {
      await e2.append(WS, 'T_CL', COLS, [[BASE_TICKS + 3n * DAY_TICKS, R1, 100n], [BASE_TICKS + 3n * DAY_TICKS + 1n, R2, 101n]]);
      const r = await kql(e2, 'T_CL | count')();
      assert.deepEqual(r.rows, [[50]]);
      assert.equal(r.stats.segmentsCounted, 48);
      assert.equal(r.stats.hotRows, 2);
    } finally {
      await e2.close();
    }
  });

  it('never counts a segment with rows lacking TimeGenerated inside time bounds', async () => {
    const e2 = await openEngine({ memoryTierBytes: 0 });
    try {
      await e2.append(WS, 'T_CL', COLS, [[null, R1, 200n], [BASE_TICKS + 12n * HOUR_TICKS + 5n, R1, 201n]]);
      await e2.sealDue(true);
      const all = await kql(e2, 'T_CL | count')();
      assert.deepEqual(all.rows, [[50]]);
      const bounded = await kql(e2, 'T_CL | where TimeGenerated >= datetime(2024-01-01) | count')();
      assert.deepEqual(bounded.rows, [[49]]);
      assert.equal(await slowCount(e2, '| where TimeGenerated >= datetime(2024-01-01)'), 49);
    } finally {
      await e2.close();
    }
  });

  it('counts what a purge left: the rewritten segments carry their new row counts', async () => {
    const e2 = await openEngine({ memoryTierBytes: 0 });
    try {
      assert.equal(await e2.purge(WS, 'T_CL', `"N" % 3 = 0`), 16);
      const r = await kql(e2, 'T_CL | count')();
      assert.deepEqual(r.rows, [[32]]);
      assert.ok(r.stats.segmentsCounted > 0);
      assert.equal(await slowCount(e2, ''), 32);
      const day = await kql(e2, 'T_CL | where TimeGenerated >= datetime(2024-01-02) | count')();
      assert.equal(Number(day.rows[0]![0]), await slowCount(e2, '| where TimeGenerated >= datetime(2024-01-02)'));
    } finally {
      await e2.close();
    }
  });

  it('counts what retention left, the same as a query that reads the rows', async () => {
    const e2 = await openEngine({ memoryTierBytes: 0, retention: true });
    try {
      // One day of retention at 2024-01-02 12:30: the segments before 11:30 of the first day... go whole.
      await e2.runRetention(Date.UTC(2024, 0, 2, 12, 30));
      const r = await kql(e2, 'T_CL | count')();
      assert.equal(Number(r.rows[0]![0]), await slowCount(e2, ''));
      assert.equal(Number(r.rows[0]![0]), (await e2.segmentsOf(WS)).reduce((n, s) => n + s.rows, 0));
      assert.ok(Number(r.rows[0]![0]) < 48);
    } finally {
      await e2.close();
    }
  });

  it('reads a segment whose file is missing or cut, and reports the damage, instead of counting it', async () => {
    const sealed = await openEngine({ memoryTierBytes: 0 });
    const [seg] = await sealed.segmentsOf(WS);
    const dataDir = e2Dir(sealed);
    await sealed.close();
    // Opened again: nothing decrypted yet (just sealed, the plaintext would still be in the scratch cache).
    const e2 = await StorageEngine.open({ dataDir, sealAgeMs: 3_600_000, compactionIntervalMs: 3_600_000, memoryTierBytes: 0, log: () => undefined });
    await e2.attachWorkspaces([{ workspaceId: WS, tables: [{ name: 'T_CL', columns: COLS }] }]);
    try {
      const path = join(dataDir, 'storage', WS, 'segments', seg!.file);
      truncateSync(path, seg!.size - 1);
      await assert.rejects(kql(e2, 'T_CL | count')(), (err: Error) => err.message.includes(seg!.file));
      rmSync(path);
      await assert.rejects(kql(e2, 'T_CL | count')(), (err: Error) => err.message.includes(seg!.file));
      // The other segments still count from the manifest when the damaged one is outside the bounds.
      const r = await kql(e2, 'T_CL | where TimeGenerated >= datetime(2024-01-02) | count')();
      assert.deepEqual(r.rows, [[24]]);
      assert.equal(r.stats.segmentsCounted, 24);
    } finally {
      await e2.close();
    }
  });

  it('counts segments already in the memory tier there, once', async () => {
    const e2 = await openEngine();
    try {
      // A query that reads every segment loads them into the tier after it answers.
      assert.equal(await slowCount(e2, ''), 48);
      await e2.tierLoadsSettled();
      const r = await kql(e2, 'T_CL | count')();
      assert.deepEqual(r.rows, [[48]]);
      assert.equal(r.stats.segmentsCounted, 0);
      assert.equal(r.stats.segmentsDecrypted, 0);
    } finally {
      await e2.close();
    }
  });
});
