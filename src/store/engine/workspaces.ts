/**
 * Opening a workspace: its keys and manifest, its tables in the memory tier, leftover segment files
 * shredded, and every log record not yet sealed replayed into the hot tables.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { loadOrCreateWorkspaceKeys } from '../../keys/workspace-keys.js';
import type { StoredValue } from '../column-types.js';
import { appendHot, createHotTable } from '../hot-tables.js';
import { Manifest, type StoredColumn } from '../manifest.js';
import { decodeRecord, recordTable, type RowsRecord } from '../record-codec.js';
import { ensureDir } from '../sealer.js';
import { readWal, shredFile, WalWriter } from '../wal.js';
import { hexOf, monotonicMs, tierKeyOf, type EngineContext, type TableRt, type Ws } from './context.js';

/** The folder of a workspace under the data folder. */
export function workspaceDir(ctx: EngineContext, id: string): string {
  return join(ctx.opts.dataDir, 'storage', id.toLowerCase());
}

/** An open workspace, opened (its log replayed) on first use. */
export function workspace(ctx: EngineContext, workspaceId: string): Promise<Ws> {
  const id = workspaceId.toLowerCase();
  const ws = ctx.workspaces.get(id);
  if (ws) return Promise.resolve(ws);
  let p = ctx.opening.get(id);
  if (!p) {
    p = openWorkspace(ctx, id).finally(() => ctx.opening.delete(id));
    ctx.opening.set(id, p);
  }
  return p;
}

async function openWorkspace(ctx: EngineContext, id: string): Promise<Ws> {
  if (ctx.closed) throw new Error('The storage engine is closed.');
  const dir = workspaceDir(ctx, id);
  ensureDir(join(dir, 'wal'));
  ensureDir(join(dir, 'segments'));
  const keys = loadOrCreateWorkspaceKeys(dir, id, ctx.master);
  const manifest = Manifest.load(join(dir, 'manifest.json'), id, keys.macKey, undefined, ctx.io);
  const hex = hexOf(id);
  const tables = new Map<string, TableRt>();
  for (const [name, state] of Object.entries(manifest.tables)) {
    if (state.dropped) continue;
    const schema = state.schemas[state.schemas.length - 1]!;
    const tierKey = tierKeyOf(hex, name, schema.version);
    const hot = await ctx.writeLock.run(() => createHotTable(ctx.memory, tierKey, schema.columns, schema.version));
    tables.set(name, { name, tierKey, columns: [...schema.columns], schemaVersion: schema.version, hot, sealing: [], dropped: false, sealingNow: false });
  }
  // Segment files not in the manifest were written by a seal or compaction that crashed before committing.
  const listed = new Set(manifest.segments.map((s) => s.file));
  // Or old segments a purge had replaced in the manifest but not yet destroyed: shred them all.
  for (const f of readdirSync(join(dir, 'segments'))) {
    if (!listed.has(f)) shredFile(join(dir, 'segments', f));
  }
  // Replay the log: every record not yet sealed goes back into the hot tables.
  const records: { seq: number; rec: RowsRecord; bytes: number }[] = [];
  const read = readWal(
    join(dir, 'wal'),
    id,
    keys.wrapKey,
    (seq, payload) => {
      // Sealed records are not decoded: their rows are in segments (see recordTable).
      const table = recordTable(payload);
      const state = manifest.table(table);
      if (state && !state.dropped && seq > state.sealedThroughSeq) records.push({ seq, rec: decodeRecord(payload), bytes: payload.length });
      return table;
    },
    true,
  );
  const corrupt = read.problems.filter((p) => p.kind === 'corrupt');
  if (corrupt.length > 0) {
    throw new Error(
      `The write-ahead log of workspace ${id} is damaged or was altered: ${corrupt.map((p) => `${p.file} ${p.message}`).join('; ')}. ` +
        `Vigil will not start on it, because acknowledged rows could be lost. Run 'vigil verify --data-dir ${ctx.opts.dataDir}' and restore the workspace folder from your backup.`,
    );
  }
  for (const p of read.problems) ctx.log('warn', `${p.file}: ${p.message} — dropped (a write interrupted by a crash; it was never acknowledged)`);
  const lastApplied = new Map<string, number>();
  let replayed = 0;
  await ctx.writeLock.run(async () => {
    // Consecutive records of one table go in one transaction.
    for (let i = 0; i < records.length; ) {
      const t = tables.get(records[i]!.rec.table);
      let j = i;
      const rows: StoredValue[][] = [];
      const cols = records[i]!.rec.columns;
      const same = (a: StoredColumn[], b: StoredColumn[]) => a.length === b.length && a.every((c, k) => c.name === b[k]!.name && c.type === b[k]!.type);
      while (j < records.length && records[j]!.rec.table === records[i]!.rec.table && same(records[j]!.rec.columns, cols) && rows.length < 200_000) {
        for (const r of records[j]!.rec.rows) rows.push(r);
        j++;
      }
      if (t) {
        const replay = async (from: number, to: number, rows: StoredValue[][]) => {
          await appendHot(ctx.writer, ctx.memory, t.hot, cols, rows);
          t.hot.rows += rows.length;
          t.hot.firstAppendMs ??= monotonicMs();
          for (let k = from; k < to; k++) t.hot.bytes += records[k]!.bytes;
          for (let k = from; k < to; k++) ctx.memory.appendedHot(records[k]!.bytes);
          replayed += rows.length;
        };
        try {
          await replay(i, j, rows);
        } catch (err) {
          // One record DuckDB refuses (as it did when it was first written) must not take the
          // acknowledged records next to it along: each is replayed alone.
          for (let k = i; k < j; k++) {
            try {
              if (j - i > 1) await replay(k, k + 1, records[k]!.rec.rows);
              else throw err;
            } catch (e) {
              ctx.log('warn', `workspace ${id}: log record ${records[k]!.seq} of table ${t.name} could not be replayed (${(e as Error).message}); it was rejected when first written, so nothing acknowledged is lost`);
            }
          }
        }
        lastApplied.set(t.name, records[j - 1]!.seq);
      }
      i = j;
    }
  });
  if (replayed > 0) ctx.log('info', `workspace ${id}: replayed ${replayed} rows from the write-ahead log`);
  // With no log file left (a seal under space pressure closes the current file and removes it once
  // its records are sealed), the log alone would number new records from 1 again — at or below the
  // tables' sealedThroughSeq, so the next replay would skip them as sealed: acknowledged rows lost.
  // Numbering continues after every sequence number the manifest has seen sealed (dropped tables
  // included: a table created again keeps its predecessor's). When files are left, their last
  // record is already past every sealed one, and the files must stay contiguous.
  const sealedThrough = Math.max(0, ...Object.values(manifest.tables).map((s) => s.sealedThroughSeq));
  const lastSeq = read.files.length === 0 ? Math.max(read.lastSeq, sealedThrough) : read.lastSeq;
  const wal = new WalWriter(join(dir, 'wal'), id, keys.wrapKey, lastSeq, read.files, ctx.opts.walFileBytes, ctx.io);
  const ws: Ws = { id, hex, dir, keys, manifest, wal, tables, lastApplied };
  ctx.workspaces.set(id, ws);
  return ws;
}
