/**
 * The columnar append path (issue 20): a batch held by columns goes into the log as a 'cols' record
 * and into the memory tier through DuckDB data chunks. Every stored type keeps its exact value — hot,
 * after a restart (log replay) and once sealed — including longs beyond 2^53, nulls, text with quotes
 * and non-ASCII characters, and batches larger than one data chunk. Logs written before (the 'rows'
 * layout) are still read.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ColumnSchema } from '../../src/kql/index.js';
import { ColumnBatch } from '../../src/store/column-batch.js';
import type { StoredValue } from '../../src/store/column-types.js';
import { StorageEngine } from '../../src/store/engine.js';
import { decodeRecord, encodeColumnsRecord, encodeRecord, recordTable } from '../../src/store/record-codec.js';
import { encodeBinaryRecord } from '../../src/store/record-binary.js';
import { BASE_TICKS, tempDirs } from './fixtures.js';

const WS = '1a2b3c4d-5e6f-4a0b-9c8d-7e6f5a4b3c2d';
const COLS: ColumnSchema[] = [
  { name: 'TimeGenerated', type: 'datetime' },
  { name: 'Msg', type: 'string' },
  { name: 'Big', type: 'long' },
  { name: 'Small', type: 'int' },
  { name: 'Ratio', type: 'real' },
  { name: 'Flag', type: 'bool' },
  { name: 'Span', type: 'timespan' },
  { name: 'Props', type: 'dynamic' },
  { name: 'Id', type: 'guid' },
];

const tempDir = tempDirs('vigil-columnar-');

/** Row i of the test data: every type, with nulls, extreme longs and awkward text at some rows. */
function row(i: number): StoredValue[] {
  return [
    BASE_TICKS + BigInt(i) * 1_000_000n + BigInt(i % 10), // sub-µs digits kept
    i % 7 === 0 ? null : `m-${i} "quoted" ünïcødé \\ ${'x'.repeat(i % 50)}`,
    i % 5 === 0 ? 9_223_372_036_854_775_807n - BigInt(i) : i % 5 === 1 ? -9_223_372_036_854_775_808n + BigInt(i) : BigInt(i * 1_000_003),
    i % 11 === 0 ? null : (i % 2 === 0 ? 1 : -1) * (2_147_483_000 + (i % 600)),
    i % 13 === 0 ? null : i / 7,
    i % 3 === 0 ? null : i % 2 === 0,
    BigInt(i) * 10_000_000n,
    i % 4 === 0 ? null : JSON.stringify({ i, tags: ['a', 'b'], nested: { s: `v${i}` } }),
    `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
  ];
}

const norm = (v: unknown): unknown => (typeof v === 'bigint' ? v.toString() : v instanceof Date ? v.toISOString() : v === undefined ? null : v);

/** Every row as stored, ordered by time, each value in the form the comparison uses. */
async function stored(e: StorageEngine): Promise<unknown[][]> {
  const sql = `SELECT "TimeGenerated", "Msg", "Big", "Small", "Ratio", "Flag", "Span", CAST("Props" AS VARCHAR), CAST("Id" AS VARCHAR) FROM ${e.tableSource(WS, 'C_CL')} ORDER BY "TimeGenerated"`;
  const out = await e.query(sql, { timeoutMs: 60_000, tables: [{ workspaceId: WS, table: 'C_CL' }] });
  return out.rows.map((r) => r.map(norm));
}

const expected = (rows: StoredValue[][]) => rows.map((r) => r.map(norm));

async function open(dataDir: string): Promise<StorageEngine> {
  const e = await StorageEngine.open({ dataDir, sealAgeMs: 3_600_000, compactionIntervalMs: 3_600_000, log: () => undefined });
  await e.attachWorkspaces([{ workspaceId: WS, tables: [{ name: 'C_CL', columns: COLS }] }]);
  return e;
}

describe('columnar append', () => {
  it('a log record by columns decodes to the same rows; records in the older row layout still decode', () => {
    const rows = Array.from({ length: 40 }, (_, i) => row(i));
    const columns = COLS.map((c) => ({ name: c.name, type: c.type }));
    const byColumns = decodeRecord(encodeColumnsRecord('C_CL', columns, ColumnBatch.fromRows(rows, columns.length)));
    const byRows = decodeRecord(encodeRecord({ table: 'C_CL', columns, rows }));
    for (const rec of [byColumns, byRows]) {
      assert.equal(rec.table, 'C_CL');
      assert.deepEqual(rec.columns, columns);
      assert.deepEqual(rec.rows, rows);
    }
    assert.equal(JSON.parse(encodeColumnsRecord('C_CL', columns, ColumnBatch.fromRows(rows, columns.length)).toString()).k, 'cols');
  });

  it("a record's bytes are the UTF-8 of its JSON, multi-byte text and lone surrogates included", () => {
    const columns = [{ name: 'S', type: 'string' as const }];
    for (const text of ['plain ascii', 'ünïcødé', '日本語', '😀 emoji', 'lone \ud800 surrogate', 'lone \udfff too', '']) {
      const payload = encodeColumnsRecord('C_CL', columns, new ColumnBatch(2, [[text, 'x']]));
      const json = JSON.stringify({ k: 'cols', d: 'ticks', t: 'C_CL', c: [['S', 'string']], n: 2, v: [[text, 'x']] });
      assert.deepEqual(payload, Buffer.from(json), text);
    }
  });

  it('columns with one value in every row are written once and read back in every row', () => {
    const columns = COLS.map((c) => ({ name: c.name, type: c.type }));
    for (const same of [row(5), row(0), COLS.map(() => null)]) {
      const rows = Array.from({ length: 30 }, () => [...same]);
      const payload = encodeColumnsRecord('C_CL', columns, ColumnBatch.fromRows(rows, columns.length));
      assert.ok((JSON.parse(payload.toString()) as { v: unknown[] }).v.every((col) => !Array.isArray(col)), 'every column is written as one value');
      assert.deepEqual(decodeRecord(payload).rows, rows);
    }
    // One row: written as an array (nothing to gain).
    assert.deepEqual(decodeRecord(encodeColumnsRecord('C_CL', columns, ColumnBatch.fromRows([row(5)], columns.length))).rows, [row(5)]);
  });

  it("a record's table is read from its first bytes as decoding the whole record reads it, whatever the layout", () => {
    const columns = COLS.map((c) => ({ name: c.name, type: c.type }));
    const rows = Array.from({ length: 5 }, (_, i) => row(i));
    const payloads: Buffer[] = [];
    for (const table of ['C_CL', 'Heartbeat', 'a"quote_CL', 'back\\slash_CL', 'ünï_CL', 'x'.repeat(300)]) {
      payloads.push(encodeColumnsRecord(table, columns, ColumnBatch.fromRows(rows, columns.length)), encodeRecord({ table, columns, rows }));
      payloads.push(encodeBinaryRecord(table, columns, ColumnBatch.fromRows(rows, columns.length)));
      // Older layouts: no datetime marker, other key orders (decoded whole).
      payloads.push(Buffer.from(JSON.stringify({ k: 'rows', t: table, c: [], r: [] })), Buffer.from(JSON.stringify({ t: table, k: 'rows', c: [], r: [] })));
    }
    for (const p of payloads) assert.equal(recordTable(p), decodeRecord(p).table);
    // A name past the first 1,024 bytes is found by decoding the whole record.
    const long = 'y'.repeat(2000);
    assert.equal(recordTable(encodeRecord({ table: long, columns, rows })), long);
  });

  it('a record whose columns do not match its row count is refused, not read short', () => {
    const payload = Buffer.from(JSON.stringify({ k: 'cols', t: 'C_CL', c: [['A', 'string'], ['B', 'string']], n: 2, v: [['x', 'y'], ['z']] }));
    assert.throws(() => decodeRecord(payload), /wrong length/);
  });

  it('stores every type exactly through a ColumnBatch and through rows, hot, after a restart and sealed', async () => {
    const dataDir = tempDir();
    // 5,000 rows: more than two DuckDB data chunks of 2,048 rows in one append.
    const first = Array.from({ length: 5_000 }, (_, i) => row(i));
    const second = Array.from({ length: 300 }, (_, i) => row(5_000 + i));
    let e = await open(dataDir);
    try {
      await e.append(WS, 'C_CL', COLS, ColumnBatch.fromRows(first, COLS.length));
      await e.append(WS, 'C_CL', COLS, second);
      // A batch that lacks columns of the table: they are null.
      await e.append(WS, 'C_CL', COLS.slice(0, 2), new ColumnBatch(1, [[BASE_TICKS + 10_000n * 1_000_000n], ['only two columns']]));
      const all = [...first, ...second, [BASE_TICKS + 10_000n * 1_000_000n, 'only two columns', null, null, null, null, null, null, null]];
      assert.deepEqual(await stored(e), expected(all));
      await e.close();
      e = await open(dataDir);
      assert.deepEqual(await stored(e), expected(all), 'after the log replay');
      await e.sealDue(true);
      assert.deepEqual(await stored(e), expected(all), 'once sealed');
    } finally {
      await e.close();
    }
  });

  it('text every row of a batch shares (written once, as a constant) reads back in every row, next to rows that differ', async () => {
    const e = await open(tempDir());
    try {
      // 3,000 rows: the second chunk (rows 2,048–2,999) has one value per text column, the first does not.
      const rows = Array.from({ length: 3_000 }, (_, i) => {
        const r = row(i);
        if (i >= 100) {
          r[1] = 'the same message in every row, long enough not to be inlined';
          r[7] = '{"same":true}';
          r[8] = '00000000-0000-4000-8000-000000000042';
        }
        return r;
      });
      await e.append(WS, 'C_CL', COLS, ColumnBatch.fromRows(rows, COLS.length));
      // A whole batch alike, short and non-ASCII values (non-ASCII text is written row by row).
      const alike = Array.from({ length: 50 }, (_, i) => [...row(3_000 + i).slice(0, 1), i % 2 ? 'short' : 'ünï', ...row(3_000 + i).slice(2)]);
      const short = Array.from({ length: 50 }, (_, i) => [...row(4_000 + i).slice(0, 1), 'short', ...row(4_000 + i).slice(2)]);
      await e.append(WS, 'C_CL', COLS, ColumnBatch.fromRows(alike, COLS.length));
      await e.append(WS, 'C_CL', COLS, ColumnBatch.fromRows(short, COLS.length));
      assert.deepEqual(await stored(e), expected([...rows, ...alike, ...short]));
    } finally {
      await e.close();
    }
  });

  it('a batch DuckDB refuses stores nothing of it', async () => {
    const e = await open(tempDir());
    try {
      await e.append(WS, 'C_CL', COLS, [row(1)]);
      const bad = [row(2), [...row(3).slice(0, 8), 'not-a-guid']];
      await assert.rejects(e.append(WS, 'C_CL', COLS, ColumnBatch.fromRows(bad, COLS.length)));
      // Three data chunks in one appender flush (no explicit transaction): the bad value in the last refuses them all.
      const big = Array.from({ length: 5_000 }, (_, i) => (i === 4_500 ? [...row(10 + i).slice(0, 8), 'not-a-guid'] : row(10 + i)));
      await assert.rejects(e.append(WS, 'C_CL', COLS, ColumnBatch.fromRows(big, COLS.length)));
      assert.deepEqual(await stored(e), expected([row(1)]));
    } finally {
      await e.close();
    }
  });

  it('appends of one group commit go into the hot rows together; one DuckDB refuses fails alone, and every other is stored', async () => {
    const dataDir = tempDir();
    let e = await open(dataDir);
    try {
      const syncs = e.status().walSyncs;
      // Sent at once: all but the first queue up while the first is written, and are written as one group.
      const batches = Array.from({ length: 8 }, (_, b) => Array.from({ length: 1_500 }, (_, i) => row(b * 1_500 + i)));
      const bad = [...batches[5]!];
      bad[1_200] = [...bad[1_200]!.slice(0, 8), 'not-a-guid'];
      const twoColumns = new ColumnBatch(1, [[BASE_TICKS + 99_999n * 1_000_000n], ['only two columns']]);
      const outcomes = await Promise.allSettled([
        ...batches.map((rows, b) => e.append(WS, 'C_CL', COLS, ColumnBatch.fromRows(b === 5 ? bad : rows, COLS.length))),
        e.append(WS, 'C_CL', COLS.slice(0, 2), twoColumns),
      ]);
      assert.deepEqual(outcomes.map((o) => o.status), [...batches.map((_, b) => (b === 5 ? 'rejected' : 'fulfilled')), 'fulfilled']);
      assert.ok(e.status().walSyncs - syncs < outcomes.length, 'some records were written (and applied) as one group');
      const good = [...batches.filter((_, b) => b !== 5).flat(), [BASE_TICKS + 99_999n * 1_000_000n, 'only two columns', null, null, null, null, null, null, null]];
      assert.deepEqual(await stored(e), expected(good));
      await e.close();
      // The refused batch is in the log (durable before DuckDB refused it): the replay refuses it again, the rest is there.
      e = await open(dataDir);
      assert.deepEqual(await stored(e), expected(good), 'after the log replay');
    } finally {
      await e.close();
    }
  });
});
