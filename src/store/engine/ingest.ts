/**
 * Ingestion into the storage engine: tables created or widened, and rows appended — durable in
 * the workspace's write-ahead log, then visible in the table's hot rows.
 */
import type { ColumnSchema } from '../../kql/index.js';
import { asColumnBatch, concatBatches, type ColumnBatch } from '../column-batch.js';
import type { StoredValue } from '../column-types.js';
import { addHotColumns, appendHot, createHotTable } from '../hot-tables.js';
import type { StoredColumn } from '../manifest.js';
import { encodeBinaryRecord } from '../record-binary.js';
import { concatEncodedText, type EncodedText } from '../text-vector.js';
import type { Applier, DurableRecord } from '../wal.js';
import { monotonicMs, RESERVE_TABLES, tierKeyOf, type EngineContext, type TableRt, type Ws } from './context.js';
import { workspace } from './workspaces.js';

/** Creates the table, or adds the columns it lacks (a new schema version). */
export async function ensureTable(ctx: EngineContext, workspaceId: string, table: string, columns: ColumnSchema[]): Promise<void> {
  const ws = await workspace(ctx, workspaceId);
  await ctx.writeLock.run(async () => {
    const t = ws.tables.get(table);
    if (!t) {
      const previous = ws.manifest.table(table);
      const version = previous ? Math.max(0, ...previous.schemas.map((s) => s.version)) + 1 : 1;
      const cols = columns.map((c) => ({ name: c.name, type: c.type }));
      const tierKey = tierKeyOf(ws.hex, table, version);
      const hot = await createHotTable(ctx.memory, tierKey, cols, version);
      ws.manifest.setTable(table, { sealedThroughSeq: previous?.sealedThroughSeq ?? 0, schemas: [{ version, columns: cols }] });
      ws.manifest.save();
      ws.tables.set(table, { name: table, tierKey, columns: [...cols], schemaVersion: version, hot, sealing: [], dropped: false, sealingNow: false });
      return;
    }
    const have = new Set(t.columns.map((c) => c.name.toLowerCase()));
    const missing = columns.filter((c) => !have.has(c.name.toLowerCase())).map((c) => ({ name: c.name, type: c.type }));
    if (missing.length === 0) return;
    const state = ws.manifest.table(table)!;
    const version = t.schemaVersion + 1;
    const next = [...t.columns, ...missing];
    state.schemas.push({ version, columns: next });
    ws.manifest.save();
    await addHotColumns(ctx.memory, t.hot, missing);
    t.hot.schemaVersion = version;
    t.columns = next;
    t.schemaVersion = version;
  });
}

/**
 * Appends rows: durable in the log before it resolves. Refused with a StorageError (→ 503) when the
 * free-space threshold would be crossed or a write fails; nothing of a refused append is kept.
 */
export async function append(ctx: EngineContext, workspaceId: string, table: string, columns: ColumnSchema[], rows: StoredValue[][] | ColumnBatch): Promise<void> {
  const batch = asColumnBatch(rows, columns.length);
  if (batch.rowCount === 0) return;
  const ws = await workspace(ctx, workspaceId);
  const cols = columns.map((c) => ({ name: c.name, type: c.type }));
  // The record's text columns in UTF-8, which the hot append reuses instead of encoding them again.
  const texts: (EncodedText | undefined)[] = [];
  const payload = encodeBinaryRecord(table, cols, batch, texts);
  const reserve = (ctx.opts.reserveTables ?? RESERVE_TABLES).includes(table);
  await ctx.space.check(payload.length + 4096, reserve);
  try {
    let t = ws.tables.get(table);
    if (!t || columns.some((c) => !t!.columns.some((x) => x.name.toLowerCase() === c.name.toLowerCase()))) {
      await ensureTable(ctx, workspaceId, table, columns);
      t = ws.tables.get(table)!;
    }
    await appendLogged(ctx, ws, table, cols, batch, payload, texts);
  } catch (err) {
    throw ctx.space.fail(err);
  }
  ctx.space.wrote(payload.length + 28);
  // Only an append held to the threshold ends an episode (the audit may still write into the reserve).
  if (!reserve) ctx.space.ok();
}

/** What an append's log record carries to the hot rows once it is durable. */
interface HotRecord {
  table: string;
  cols: StoredColumn[];
  batch: ColumnBatch;
  /** Per column, its UTF-8 as the log record holds it (text columns only). */
  texts: (EncodedText | undefined)[];
  /** Its log payload's size. */
  bytes: number;
}

/** The rows into the log, then (once their record has its sequence number) into the hot table. */
async function appendLogged(ctx: EngineContext, ws: Ws, table: string, cols: StoredColumn[], batch: ColumnBatch, payload: Buffer, texts: (EncodedText | undefined)[]): Promise<void> {
  await ws.wal.appendTo(payload, table, { table, cols, batch, texts, bytes: payload.length }, hotApplier(ctx, ws));
}

/** Each workspace's applier, one function per log: the log hands it every durable record of a group at once. */
const appliers = new WeakMap<Ws, Applier<HotRecord>>();

function hotApplier(ctx: EngineContext, ws: Ws): Applier<HotRecord> {
  let a = appliers.get(ws);
  if (!a) appliers.set(ws, (a = (records) => applyHot(ctx, ws, records)));
  return a;
}

/**
 * Rows of a group commit's records into the hot tables, under one hold of the write lock: the
 * records of one table with the same columns, next to each other in the log, in ONE append (the
 * memory tier's cost per append — appender, transaction, commit — is paid once per group rather
 * than once per request). All or nothing per append; when a merged append is refused, each of its
 * records is tried alone, so each request gets its own outcome as before.
 */
function applyHot(ctx: EngineContext, ws: Ws, records: readonly DurableRecord<HotRecord>[]): Promise<(Error | undefined)[]> {
  return ctx.writeLock.run(async () => {
    const outcomes: (Error | undefined)[] = new Array(records.length).fill(undefined);
    for (const run of runsOf(records)) {
      const cur = ws.tables.get(run[0]!.record.item.table);
      if (!cur || cur.dropped) {
        const e = new Error(`Table '${run[0]!.record.item.table}' was deleted while the rows were being stored.`);
        for (const r of run) outcomes[r.index] = e;
        continue;
      }
      try {
        await applyRun(ctx, ws, cur, run.map((r) => r.record));
      } catch (err) {
        if (run.length === 1) outcomes[run[0]!.index] = err instanceof Error ? err : new Error(String(err));
        else {
          for (const r of run) {
            try {
              await applyRun(ctx, ws, cur, [r.record]);
            } catch (e) {
              outcomes[r.index] = e instanceof Error ? e : new Error(String(e));
            }
          }
        }
      }
    }
    return outcomes;
  });
}

/** Rows of one merged append at most: bounds the copy that joins the records' batches. */
const MERGED_ROWS = 200_000;

/**
 * The records grouped for merged appends: per table, in log order, runs of records with the same
 * columns (names and types, in order) of at most MERGED_ROWS rows together (one INSERT statement).
 */
function runsOf(records: readonly DurableRecord<HotRecord>[]): { record: DurableRecord<HotRecord>; index: number }[][] {
  type Run = { items: { record: DurableRecord<HotRecord>; index: number }[]; rows: number };
  const byTable = new Map<string, Run[]>();
  records.forEach((record, index) => {
    const runs = byTable.get(record.item.table) ?? [];
    if (runs.length === 0) byTable.set(record.item.table, runs);
    const last = runs[runs.length - 1];
    const n = record.item.batch.rowCount;
    if (last && sameColumns(last.items[0]!.record.item.cols, record.item.cols) && last.rows + n <= MERGED_ROWS) {
      last.items.push({ record, index });
      last.rows += n;
    } else runs.push({ items: [{ record, index }], rows: n });
  });
  return [...byTable.values()].flat().map((r) => r.items);
}

function sameColumns(a: readonly StoredColumn[], b: readonly StoredColumn[]): boolean {
  return a === b || (a.length === b.length && a.every((c, j) => c.name === b[j]!.name && c.type === b[j]!.type));
}

/** One append of the records' rows (all with the same columns) to the table's current hot generation. */
async function applyRun(ctx: EngineContext, ws: Ws, cur: TableRt, run: readonly DurableRecord<HotRecord>[]): Promise<void> {
  const first = run[0]!.item;
  const batch = run.length === 1 ? first.batch : concatBatches(run.map((r) => r.item.batch), first.cols.length);
  const texts = run.length === 1 ? first.texts : first.cols.map((_, j) => (run.every((r) => r.item.texts[j]) ? concatEncodedText(run.map((r) => r.item.texts[j]!)) : undefined));
  await appendHot(ctx.writer, ctx.memory, cur.hot, first.cols, batch, texts);
  const bytes = run.reduce((n, r) => n + r.item.bytes, 0);
  cur.hot.rows += batch.rowCount;
  cur.hot.bytes += bytes;
  ctx.memory.appendedHot(bytes);
  cur.hot.firstAppendMs ??= monotonicMs();
  ws.lastApplied.set(first.table, Math.max(ws.lastApplied.get(first.table) ?? 0, run[run.length - 1]!.seq));
}
