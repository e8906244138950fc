/**
 * What the memory tier's append costs, in process (no server): the bench table's rows with the
 * standard columns (15 columns, as Vigil stores them), 1,000 rows per transaction, CPU time of the
 * whole process (DuckDB's threads included) per 1,000 rows, four ways in alternating rounds:
 *   - tier: what Vigil's memory tier does (src/store/hot-tables.ts, text-vector.ts, memory-tier.ts):
 *     a data chunk, text written by fillTextVector, no explicit transaction around the appender's
 *     flush (a transaction of its own), into an `ATTACH ':memory:' (COMPRESS)` table of
 *     a DuckDB instance whose automatic checkpoints are off (rows compressed later, in the background);
 *   - tier, record's text: the same, but as the memory tier appends since 2026-12-07 evening: text
 *     columns from the UTF-8 the log record already holds (fillEncodedText; the record is encoded
 *     before timing, as the log needs it anyway), and `__seg` and text that every row of the chunk
 *     shares (TenantId, Type) as constant vectors;
 *   - chunk → compressed: data chunks filled with setItem into a compressed table with DuckDB's
 *     automatic checkpoints (they compress on the committing append) — the tier before;
 *   - chunk → plain: the same into an uncompressed in-memory table;
 *   - appender → compressed: one appender call per value into the compressed table (Vigil before issue 20).
 * Then what compression buys queries: five scans (bin count, a Level filter, avg by Service, top 10,
 * a Message search) over the tier's rows uncompressed — as hot rows are between compressions —
 * against the same rows compressed, alternating, median of 10 runs each. Then the tier's deferred work, timed once: the CHECKPOINT that compresses all its rows (what sealing
 * or the background bound does), per 1,000 rows.
 * Ratios: tier ÷ chunk → compressed (the append now against before), tier + its deferred compression
 * ÷ chunk → compressed, compressed ÷ plain, appender ÷ chunk.
 */
import { randomUUID } from 'node:crypto';
import {
  BIGINT, DOUBLE, DuckDBDataChunk, DuckDBInstance, INTEGER, VARCHAR,
  type DuckDBConnection, type DuckDBType,
} from '@duckdb/node-api';
import { fillEncodedText, fillTextVector, setConstantInteger, setConstantText, type EncodedText } from '../src/store/text-vector.js';
import { encodeBinaryRecord } from '../src/store/record-binary.js';
import { ColumnBatch } from '../src/store/column-batch.js';
import { benchEndMs, BATCH, emitResult, makeBatch, parseOptions, progress, TABLE } from './support.js';
import { ticksFromUnixMicros } from '../src/kql/literals.js';

const opts = parseOptions();
const total = opts.rows ?? (opts.quick ? 20_000 : 200_000);
const ROUNDS = 5;
const WS = '0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0';

type Kind = 'datetime' | 'string' | 'real' | 'int';
const COLUMNS: [string, Kind][] = [
  ['TenantId', 'string'], ['TimeGenerated', 'datetime'], ['Level', 'string'], ['Service', 'string'], ['DurationMs', 'real'],
  ['Code', 'int'], ['Message', 'string'], ['Props', 'string'], ['Type', 'string'], ['_ResourceId', 'string'],
  ['_ItemId', 'string'], ['_TimeReceived', 'datetime'], ['_BilledSize', 'real'], ['__seg', 'int'],
];
// datetimes as the memory tier stores them: BIGINT 100-ns ticks (src/kql/types.ts)
const SQL: Record<Kind, string> = { datetime: 'BIGINT', string: 'VARCHAR', real: 'DOUBLE', int: 'INTEGER' };
const CHUNK: Record<Kind, DuckDBType> = { datetime: BIGINT, string: VARCHAR, real: DOUBLE, int: INTEGER };

type Cell = string | number | bigint | null;
/** Batches held by columns, shaped as the ingestion path shapes the bench rows. */
const endMs = benchEndMs();
const ticks = (ms: number): bigint => ticksFromUnixMicros(BigInt(ms) * 1000n);
const received = ticks(endMs);
const batches: Cell[][][] = Array.from({ length: Math.ceil(total / BATCH) }, (_, b) => {
  const rows = makeBatch(b * BATCH, Math.min(BATCH, total - b * BATCH), total, endMs);
  const n = rows.length;
  const col = <T extends Cell>(f: (i: number) => T): T[] => Array.from({ length: n }, (_, i) => f(i));
  return [
    col(() => WS), col((i) => ticks(Date.parse(rows[i]!.TimeGenerated))), col((i) => rows[i]!.Level), col((i) => rows[i]!.Service),
    col((i) => rows[i]!.DurationMs), col((i) => rows[i]!.Code), col((i) => rows[i]!.Message), col((i) => JSON.stringify(rows[i]!.Props)),
    col(() => TABLE), col(() => null), col(() => randomUUID()), col(() => received), col(() => 250), col(() => 1),
  ];
});

/** Each batch's text columns as its log record encodes them (TEXT layout; undefined for the others). */
const encodedTexts: (EncodedText | undefined)[][] = batches.map((cols) => {
  const texts: (EncodedText | undefined)[] = [];
  const stored = COLUMNS.map(([name, k]) => ({ name, type: k === 'datetime' ? ('datetime' as const) : k === 'string' ? ('string' as const) : k === 'real' ? ('real' as const) : ('int' as const) }));
  encodeBinaryRecord(TABLE, stored, new ColumnBatch(cols[0]!.length, cols as never), texts);
  return texts;
});

const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

async function viaChunk(conn: DuckDBConnection, catalog: string, cols: Cell[][], tier = false, texts?: (EncodedText | undefined)[]): Promise<void> {
  const n = cols[0]!.length;
  // The tier appends one chunk without an explicit transaction (the appender's flush is one).
  if (!tier) await conn.run('BEGIN TRANSACTION');
  const a = await conn.createAppender('t', 'main', catalog);
  const chunk = DuckDBDataChunk.create(COLUMNS.map(([, k]) => CHUNK[k]), n);
  COLUMNS.forEach(([name, kind], j) => {
    const vec = chunk.getColumnVector(j);
    const values = cols[j]!;
    if (texts) {
      // As hot-tables.ts does: constants once, text from the record's bytes.
      if (name === '__seg' && setConstantInteger(vec, values[0] as number)) return;
      if (kind === 'string' && typeof values[0] === 'string' && values.every((v) => v === values[0]) && setConstantText(vec, values[0])) return;
      if (kind === 'string' && texts[j] && fillEncodedText(vec, n, texts[j], 0)) return vec.flush();
    }
    if (tier && kind === 'string') return fillTextVector(vec, n, (i) => values[i] as string | null);
    for (let i = 0; i < n; i++) {
      const v = values[i]!;
      vec.setItem(i, v);
    }
    vec.flush();
  });
  a.appendDataChunk(chunk);
  a.flushSync();
  a.closeSync();
  if (!tier) await conn.run('COMMIT');
}

async function viaAppender(conn: DuckDBConnection, catalog: string, cols: Cell[][]): Promise<void> {
  const n = cols[0]!.length;
  await conn.run('BEGIN TRANSACTION');
  const a = await conn.createAppender('t', 'main', catalog);
  for (let i = 0; i < n; i++) {
    COLUMNS.forEach(([, kind], j) => {
      const v = cols[j]![i]!;
      if (v === null) a.appendNull();
      else if (kind === 'datetime') a.appendBigInt(v as bigint);
      else if (kind === 'string') a.appendVarchar(v as string);
      else if (kind === 'real') a.appendDouble(v as number);
      else a.appendInteger(v as number);
    });
    a.endRow();
  }
  a.flushSync();
  a.closeSync();
  await conn.run('COMMIT');
}

const instance = await DuckDBInstance.create(':memory:', { threads: '2' });
const conn = await instance.connect();
// The memory tier's instance: no automatic checkpoints (src/store/engine.ts).
const tierInstance = await DuckDBInstance.create(':memory:', { threads: '2', checkpoint_threshold: '1TB' });
const tierConn = await tierInstance.connect();
const ways = {
  tier: { conn: tierConn, catalog: 't1', compress: true, append: (c: DuckDBConnection, cat: string, cols: Cell[][]) => viaChunk(c, cat, cols, true), ms: 0 },
  tierRecordText: { conn: tierConn, catalog: 't3', compress: true, append: (c: DuckDBConnection, cat: string, cols: Cell[][]) => viaChunk(c, cat, cols, true, encodedTexts[batches.indexOf(cols)]), ms: 0 },
  chunkCompressed: { conn, catalog: 'c1', compress: true, append: viaChunk, ms: 0 },
  chunkPlain: { conn, catalog: 'p1', compress: false, append: viaChunk, ms: 0 },
  appenderCompressed: { conn, catalog: 'c2', compress: true, append: viaAppender, ms: 0 },
};
for (const w of Object.values(ways)) {
  const conn = w.conn;
  await conn.run(`ATTACH ':memory:' AS ${w.catalog}${w.compress ? ' (COMPRESS)' : ''}`);
  await conn.run(`CREATE TABLE ${w.catalog}.main.t (${COLUMNS.map(([name, k]) => `"${name}" ${SQL[k]}`).join(', ')})`);
}
process.stderr.write(`tier-append: ${total.toLocaleString('en')} rows per way in ${batches.length} transactions, ${ROUNDS} alternating rounds\n`);
// Warm-up: one batch each, not counted.
for (const w of Object.values(ways)) await w.append(w.conn, w.catalog, batches[0]!);
const perRound = Math.ceil(batches.length / ROUNDS);
for (let r = 0; r * perRound < batches.length; r++) {
  const slice = batches.slice(r * perRound, (r + 1) * perRound);
  for (const w of Object.values(ways)) {
    const before = cpuMs();
    for (const b of slice) await w.append(w.conn, w.catalog, b);
    w.ms += cpuMs() - before;
  }
  progress(`round ${r + 1}: ${Object.entries(ways).map(([k, w]) => `${k} ${((w.ms / Math.min(total, (r + 1) * perRound * BATCH)) * 1000).toFixed(2)} ms`).join(', ')} per 1,000 rows`);
}
// What compression buys queries: the tier's rows uncompressed (as hot rows are between compressions)
// against the same rows compressed (a copy in another catalog, checkpointed), queries alternating.
await tierConn.run(`ATTACH ':memory:' AS t2 (COMPRESS)`);
await tierConn.run(`CREATE TABLE t2.main.t AS SELECT * FROM t1.main.t`);
await tierConn.run('CHECKPOINT t2');
const SCANS: Record<string, string> = {
  // TimeGenerated is stored as BIGINT 100-ns ticks (src/kql/types.ts): 5 minutes = 3,000,000,000 ticks.
  binCount: `SELECT "TimeGenerated" // 3000000000 * 3000000000, count(*) FROM $T GROUP BY 1`,
  levelFilter: `SELECT count(*) FROM $T WHERE "Level" = 'Error'`,
  avgByService: `SELECT "Service", avg("DurationMs") FROM $T GROUP BY 1`,
  top10: `SELECT * FROM $T ORDER BY "DurationMs" DESC LIMIT 10`,
  messageHas: `SELECT count(*) FROM $T WHERE "Message" ILIKE '%timeout%'`,
};
const scanMs: Record<string, { uncompressed: number[]; compressed: number[] }> = {};
for (let run = 0; run < 12; run++) {
  for (const [name, sql] of Object.entries(SCANS)) {
    for (const [side, table] of [['uncompressed', 't1.main.t'], ['compressed', 't2.main.t']] as const) {
      const t0 = performance.now();
      await tierConn.runAndReadAll(sql.replace('$T', table));
      // The first 2 runs warm up.
      if (run >= 2) (scanMs[name] ??= { uncompressed: [], compressed: [] })[side].push(performance.now() - t0);
    }
  }
}
const median = (a: number[]) => [...a].sort((x, y) => x - y)[a.length >> 1]!;
const scans = Object.fromEntries(
  Object.entries(scanMs).map(([name, m]) => [name, { uncompressedMs: Math.round(median(m.uncompressed) * 100) / 100, compressedMs: Math.round(median(m.compressed) * 100) / 100, ratio: Math.round((median(m.uncompressed) / median(m.compressed)) * 100) / 100 }]),
);
await tierConn.run('DROP TABLE t2.main.t');
// The tier's deferred work: compressing every row it holds.
const beforeCompress = cpuMs();
await tierConn.run(`CHECKPOINT ${ways.tier.catalog}`);
const compressMs = cpuMs() - beforeCompress;
const counts = await Promise.all(Object.values(ways).map(async (w) => Number((await w.conn.runAndReadAll(`SELECT count(*) FROM ${w.catalog}.main.t`)).getRowsJS()[0]![0])));
// The tier's text (written by fillTextVector) is the same as the other ways' (by setItem).
const fingerprint = `SUM(hash(${COLUMNS.map(([name]) => `"${name}"`).join(', ')}))::VARCHAR`;
const reference = String((await conn.runAndReadAll(`SELECT ${fingerprint} FROM c1.main.t`)).getRowsJS()[0]![0]);
const sameRows =
  String((await tierConn.runAndReadAll(`SELECT ${fingerprint} FROM t1.main.t`)).getRowsJS()[0]![0]) === reference &&
  String((await tierConn.runAndReadAll(`SELECT ${fingerprint} FROM t3.main.t`)).getRowsJS()[0]![0]) === reference;
conn.closeSync();
instance.closeSync();
tierConn.closeSync();
tierInstance.closeSync();
const per1000 = (ms: number) => Math.round((ms / total) * 1000 * 100) / 100;
const result = {
  suite: 'tier-append',
  rows: total,
  batchRows: BATCH,
  cpuMsPer1000Rows: { ...Object.fromEntries(Object.entries(ways).map(([k, w]) => [k, per1000(w.ms)])), tierDeferredCompression: per1000(compressMs) },
  /** The tier's append with the record's text and constant vectors ÷ with text from strings. */
  recordTextOverTier: Math.round((ways.tierRecordText.ms / ways.tier.ms) * 1000) / 1000,
  /** The memory tier's append now ÷ before (compressed table with automatic checkpoints, setItem text). */
  tierOverBefore: Math.round((ways.tier.ms / ways.chunkCompressed.ms) * 1000) / 1000,
  /** The same with the tier's deferred compression counted in. */
  tierWithCompressionOverBefore: Math.round(((ways.tier.ms + compressMs) / ways.chunkCompressed.ms) * 1000) / 1000,
  /** CPU of appending into the compressed in-memory table ÷ into a plain one (data chunks both). */
  /** Query latency (median of 10) over the tier's rows uncompressed ÷ the same rows compressed. */
  scansUncompressedOverCompressed: scans,
  compressedOverPlain: Math.round((ways.chunkCompressed.ms / ways.chunkPlain.ms) * 1000) / 1000,
  /** CPU of one appender call per value ÷ data chunks (compressed table both). */
  appenderOverChunk: Math.round((ways.appenderCompressed.ms / ways.chunkCompressed.ms) * 1000) / 1000,
  check: { ok: sameRows && counts.every((n) => n === total + batches[0]![0]!.length), counts },
};
emitResult(result);
if (!result.check.ok) process.exitCode = 1;
