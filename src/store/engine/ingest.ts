/**
 * Ingestion into the storage engine: tables created or widened, and rows appended — durable in
 * the workspace's write-ahead log, then visible in the table's hot rows.
 */
import type { ColumnSchema } from '../../kql/index.js';
import { asColumnBatch, type ColumnBatch } from '../column-batch.js';
import type { StoredValue } from '../column-types.js';
import { addHotColumns, appendHot, createHotTable } from '../hot-tables.js';
import type { StoredColumn } from '../manifest.js';
import { encodeColumnsRecord } from '../record-codec.js';
import { monotonicMs, RESERVE_TABLES, tierKeyOf, type EngineContext, type Ws } from './context.js';
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
  const payload = encodeColumnsRecord(table, cols, batch);
  const reserve = (ctx.opts.reserveTables ?? RESERVE_TABLES).includes(table);
  await ctx.space.check(payload.length + 4096, reserve);
  try {
    let t = ws.tables.get(table);
    if (!t || columns.some((c) => !t!.columns.some((x) => x.name.toLowerCase() === c.name.toLowerCase()))) {
      await ensureTable(ctx, workspaceId, table, columns);
      t = ws.tables.get(table)!;
    }
    await appendLogged(ctx, ws, table, cols, batch, payload);
  } catch (err) {
    throw ctx.space.fail(err);
  }
  ctx.space.wrote(payload.length + 28);
  // Only an append held to the threshold ends an episode (the audit may still write into the reserve).
  if (!reserve) ctx.space.ok();
}

/** The rows into the log, then (once their record has its sequence number) into the hot table. */
async function appendLogged(ctx: EngineContext, ws: Ws, table: string, cols: StoredColumn[], batch: ColumnBatch, payload: Buffer): Promise<void> {
  await ws.wal.append(payload, table, (seq) =>
    ctx.writeLock.run(async () => {
      const cur = ws.tables.get(table);
      if (!cur || cur.dropped) throw new Error(`Table '${table}' was deleted while the rows were being stored.`);
      await appendHot(ctx.writer, ctx.memory, cur.hot, cols, batch);
      cur.hot.rows += batch.rowCount;
      cur.hot.bytes += payload.length;
      ctx.memory.appendedHot(payload.length);
      cur.hot.firstAppendMs ??= monotonicMs();
      ws.lastApplied.set(table, seq);
    }),
  );
}
