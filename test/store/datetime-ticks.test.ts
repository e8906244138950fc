/**
 * Datetimes stored as 100-ns ticks (issue #12, src/kql/types.ts) in the storage engine:
 *
 * - A data folder written before issue #12 (`fixtures/legacy-micros`, made with that version's
 *   engine: segments with µs TIMESTAMP columns, manifest entries without `datetimes`, log records
 *   holding µs) reads back row for row, from Parquet and from the memory tier, is pruned by its
 *   manifest bounds, takes new 7-digit rows next to the old ones, is merged by compaction into
 *   segments in ticks, survives purge, restarts and `verify`.
 * - Retention and purge cut at a single tick, hot and sealed.
 */
import assert from 'node:assert/strict';
import { chmodSync, cpSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { compile, type ColumnSchema } from '../../src/kql/index.js';
import { StorageEngine, type EngineOptions } from '../../src/store/engine.js';
import { verifyDataDir } from '../../src/store/verify.js';
import { toWireRow, wrapForWire } from '../../src/query/wire-format.js';
import { tempDirs, ticksOfMs, UNIX_EPOCH_TICKS } from './fixtures.js';

// The fixture folder is next to the sources (tests run from dist/test/store).
const FIXTURE = fileURLToPath(new URL('../../../test/store/fixtures/legacy-micros', import.meta.url));
const LEGACY_WS = '0f1e2d3c-4b5a-4978-8796-a5b4c3d2e1f0';
const LEGACY_COLS: ColumnSchema[] = [
  { name: 'TimeGenerated', type: 'datetime' },
  { name: 'Msg', type: 'string' },
  { name: 'N', type: 'long' },
  { name: 'Other', type: 'datetime' },
];
const tempDir = tempDirs('vigil-ticks7-');

/** The ticks of a µs value the previous version stored (`iso` plus `us` µs). */
const legacy = (iso: string, us = 0n): bigint => (BigInt(Date.parse(iso)) * 1000n + us) * 10n + UNIX_EPOCH_TICKS;

/** What the fixture's generator wrote, in ticks: [Msg, TimeGenerated, Other] by N. */
const LEGACY_ROWS: [string, bigint, bigint | null][] = [
  ['sealed-0a', legacy('2024-01-01T00:10:00Z', 123456n), legacy('2023-06-01T00:00:00Z', 1n)],
  ['sealed-0b', legacy('2024-01-01T00:50:00Z', 654321n), null],
  ['sealed-1a', legacy('2024-01-01T01:10:00Z', 999999n), legacy('1900-01-01T00:00:00Z', 1n)],
  ['sealed-1b', legacy('2024-01-01T01:59:59Z', 999999n), legacy('2262-04-11T00:00:00Z')],
  ['sealed-2a', legacy('2024-01-01T02:00:00Z'), legacy('1970-01-01T00:00:00Z', -1n)],
  ['sealed-2b', legacy('2024-01-01T02:30:00Z', 1n), legacy('2024-01-01T02:30:00Z')],
  ['sealed-0c', legacy('2024-01-01T00:20:00Z', 5n), legacy('2000-02-29T12:00:00Z', 500n)],
  ['hot-3a', legacy('2024-01-01T03:00:00Z', 42n), legacy('1601-01-01T00:00:00Z', 7n)],
  ['hot-3b', legacy('2024-01-01T03:15:00Z', 100000n), null],
];

function legacyFolder(): string {
  const dir = join(tempDir(), 'data');
  cpSync(FIXTURE, dir, { recursive: true });
  // git keeps no file modes; the engine refuses a master key others can read
  const tighten = (p: string): void => {
    if (statSync(p).isDirectory()) {
      chmodSync(p, 0o700);
      for (const n of readdirSync(p)) tighten(join(p, n));
    } else chmodSync(p, 0o600);
  };
  tighten(dir);
  return dir;
}

async function openLegacy(dataDir: string, extra: Partial<EngineOptions> = {}): Promise<StorageEngine> {
  const e = await StorageEngine.open({ dataDir, sealAgeMs: 3_600_000, compactionIntervalMs: 3_600_000, log: () => undefined, ...extra });
  await e.attachWorkspaces([{ workspaceId: LEGACY_WS, tables: [{ name: 'Legacy_CL', columns: LEGACY_COLS }] }]);
  return e;
}

async function rows(e: StorageEngine, ws: string, table: string, sql: string): Promise<unknown[][]> {
  const out = await e.query(sql.replaceAll('$T', e.tableSource(ws, table)), { timeoutMs: 60_000, tables: [{ workspaceId: ws, table }] });
  return out.rows;
}

const everyLegacyRow = (e: StorageEngine) => rows(e, LEGACY_WS, 'Legacy_CL', 'SELECT "Msg", "TimeGenerated", "Other" FROM $T ORDER BY "N"');

async function kql(e: StorageEngine, ws: string, table: string, columns: ColumnSchema[], query: string) {
  const compiled = compile(query, { resolveTable: (n) => (n === table ? { sql: e.tableSource(ws, table), columns } : undefined) }, { now: new Date('2024-01-10T00:00:00Z') });
  const out = await e.query(wrapForWire(compiled.sql, compiled.columns), { timeoutMs: 60_000, exactScan: true, tables: [{ workspaceId: ws, table }] });
  return { rows: out.rows.map((r) => toWireRow(r, compiled.columns)), stats: out.statistics! };
}

describe('a data folder written with µs datetimes (before issue #12)', { timeout: 300_000 }, () => {
  for (const tier of ['the memory tier', 'Parquet'] as const) {
    it(`reads every row back exactly, from ${tier}, and prunes old segments by their bounds`, async () => {
      const e = await openLegacy(legacyFolder(), tier === 'Parquet' ? { memoryTierBytes: 0 } : {});
      try {
        const segs = await e.segmentsOf(LEGACY_WS);
        assert.equal(segs.length, 4);
        assert.ok(segs.every((s) => s.datetimes === undefined), 'the fixture is in the old format');
        assert.deepEqual(await everyLegacyRow(e), LEGACY_ROWS);
        const hour = await kql(e, LEGACY_WS, 'Legacy_CL', LEGACY_COLS, "Legacy_CL | where TimeGenerated >= datetime(2024-01-01 01:00) and TimeGenerated < datetime(2024-01-01 02:00) | order by N asc | project Msg, TimeGenerated, Other");
        assert.deepEqual(hour.rows, [
          ['sealed-1a', '2024-01-01T01:10:00.9999990Z', '1900-01-01T00:00:00.0000010Z'],
          ['sealed-1b', '2024-01-01T01:59:59.9999990Z', '2262-04-11T00:00:00.0000000Z'],
        ]);
        assert.equal(hour.stats.segmentsOpened, 1);
        const tick = await kql(e, LEGACY_WS, 'Legacy_CL', LEGACY_COLS, 'Legacy_CL | where TimeGenerated > datetime(2024-01-01 02:30:00.0000009) and TimeGenerated < datetime(2024-01-01 02:30:00.0000011) | project Msg');
        assert.deepEqual(tick.rows, [['sealed-2b']]);
      } finally {
        await e.close();
      }
    });
  }

  it('takes 7-digit rows next to the old ones; compaction, purge, restarts and verify keep every row', async () => {
    const dir = legacyFolder();
    let e = await openLegacy(dir);
    const fresh: [string, bigint, bigint | null][] = [
      ['new-0', ticksOfMs(Date.UTC(2024, 0, 1, 0, 40)) + 1234567n, 1n], // 0001-01-01T00:00:00.0000001
      ['new-1', ticksOfMs(Date.UTC(2024, 0, 1, 1, 40)) + 7n, 3155378975999999999n], // 9999-12-31T23:59:59.9999999
    ];
    try {
      await e.append(LEGACY_WS, 'Legacy_CL', LEGACY_COLS, fresh.map(([m, t, o], i) => [t, m, BigInt(100 + i), o]));
      await e.sealDue(true); // new segments in ticks, next to the old ones
      const expected = [...LEGACY_ROWS, ...fresh];
      assert.deepEqual(await everyLegacyRow(e), expected);
      assert.ok((await e.segmentsOf(LEGACY_WS)).some((s) => s.datetimes === 'ticks'));
      // Compaction merges old and new segments into segments in ticks.
      assert.ok((await e.runCompaction()) >= 2);
      assert.ok((await e.segmentsOf(LEGACY_WS)).every((s) => s.datetimes === 'ticks'));
      assert.deepEqual(await everyLegacyRow(e), expected);
      const kept = await kql(e, LEGACY_WS, 'Legacy_CL', LEGACY_COLS, "Legacy_CL | where N >= 100 | order by N asc | project TimeGenerated, Other");
      assert.deepEqual(kept.rows, [
        ['2024-01-01T00:40:00.1234567Z', '0001-01-01T00:00:00.0000001Z'],
        ['2024-01-01T01:40:00.0000007Z', '9999-12-31T23:59:59.9999999Z'],
      ]);
      await e.close();
      e = await openLegacy(dir);
      assert.deepEqual(await everyLegacyRow(e), expected, 'after a restart (old and new log records replayed)');
      // Purge one old sealed row and one old hot row (its log record is rewritten in ticks).
      assert.equal(await e.purge(LEGACY_WS, 'Legacy_CL', `"TimeGenerated" IN (${LEGACY_ROWS[2]![1]}, ${LEGACY_ROWS[7]![1]})`), 2);
      const left = expected.filter((_, i) => i !== 2 && i !== 7);
      assert.deepEqual(await everyLegacyRow(e), left);
      await e.close();
      assert.deepEqual((await verifyDataDir(dir)).findings.filter((f) => f.severity === 'error'), []);
      e = await openLegacy(dir);
      assert.deepEqual(await everyLegacyRow(e), left, 'after the purge and a restart');
    } finally {
      await e.close();
    }
  });
});

describe('retention and purge at one tick', { timeout: 300_000 }, () => {
  const WS = '5b1e2d3c-4b5a-4978-8796-a5b4c3d2e1f0';
  const COLS: ColumnSchema[] = [
    { name: 'TimeGenerated', type: 'datetime' },
    { name: 'Msg', type: 'string' },
  ];
  // With `retention`, a day's, run when the test calls it (its background interval is an hour).
  const open = async (dataDir: string, retention = false) => {
    const e = await StorageEngine.open({ dataDir, sealAgeMs: 3_600_000, compactionIntervalMs: 3_600_000, retentionIntervalMs: 3_600_000, ...(retention ? { retentionDays: () => 1 } : {}), log: () => undefined });
    await e.attachWorkspaces([{ workspaceId: WS, tables: [{ name: 'T_CL', columns: COLS }] }]);
    return e;
  };
  const msgs = async (e: StorageEngine) => (await rows(e, WS, 'T_CL', 'SELECT "Msg" FROM $T ORDER BY "TimeGenerated", "Msg"')).map((r) => r[0]);

  it('drops a row one tick older than the cutoff and keeps the row at it, hot and sealed', async () => {
    const now = Date.UTC(2024, 0, 10);
    const cutoff = ticksOfMs(now - 86_400_000);
    const dir = tempDir();
    const e = await open(dir, true);
    try {
      // Sealed: each row alone in its hour's segment (the cutoff is on an hour).
      await e.append(WS, 'T_CL', COLS, [[cutoff - 1n, 'sealed-before'], [cutoff, 'sealed-at']]);
      await e.sealDue(true);
      assert.equal((await e.segmentsOf(WS)).length, 2);
      await e.append(WS, 'T_CL', COLS, [[cutoff - 1n, 'hot-before'], [cutoff, 'hot-at'], [cutoff + 1n, 'hot-after']]);
      assert.equal(await e.runRetention(now), 2);
      assert.deepEqual(await msgs(e), ['hot-at', 'sealed-at', 'hot-after']);
      assert.equal((await e.segmentsOf(WS)).length, 1);
    } finally {
      await e.close();
    }
  });

  it('purges by a bound between two ticks, hot and sealed', async () => {
    const t = ticksOfMs(Date.UTC(2024, 0, 1, 12)) + 1234567n;
    const dir = tempDir();
    let e = await open(dir);
    try {
      await e.append(WS, 'T_CL', COLS, [[t - 1n, 'sealed-1'], [t, 'sealed-2'], [t + 1n, 'sealed-3']]);
      await e.sealDue(true);
      await e.append(WS, 'T_CL', COLS, [[t - 1n, 'hot-1'], [t, 'hot-2'], [t + 1n, 'hot-3']]);
      assert.equal(await e.purge(WS, 'T_CL', `"TimeGenerated" >= ${t}::BIGINT AND "TimeGenerated" < ${t + 1n}::BIGINT`), 2);
      assert.deepEqual(await msgs(e), ['hot-1', 'sealed-1', 'hot-3', 'sealed-3']);
      await e.close();
      e = await open(dir);
      assert.deepEqual(await msgs(e), ['hot-1', 'sealed-1', 'hot-3', 'sealed-3'], 'after a restart');
    } finally {
      await e.close();
    }
  });
});
