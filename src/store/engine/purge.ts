/** GDPR purge: rows matching a predicate removed from the hot rows, the log and the segments. */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { crashPoint } from '../crash-points.js';
import { appendScratch, createScratchTable, dropScratchTable, hotRows, scratchSource } from '../hot-tables.js';
import type { SegmentEntry } from '../manifest.js';
import { decodeRecord, encodeRecord } from '../record-codec.js';
import type { CachedSegment } from '../segment-cache.js';
import { exportSegments, type ExportedSegment } from '../sealer.js';
import { readWalFile, replaceWalFile } from '../wal.js';
import { monotonicMs, tableSource, viewName, type EngineContext, type TableRt, type Ws } from './context.js';
import { segmentLoad, exportTarget, forgetSegments, pinSegments, reloadIntoTier, segmentSelect, unpinSegments } from './segments.js';
import { workspace } from './workspaces.js';

/**
 * GDPR purge (DESIGN §6): physically removes the rows of `table` for which `whereSql` is TRUE
 * from every place they are stored, and returns how many rows were removed (hot and sealed;
 * a row still unsealed counts once even though its log record is rewritten too).
 *
 * 1. Hot rows: with the log paused (appends queue, unacknowledged) and its current file rotated,
 *    the matching rows are deleted from the table's hot tables. Every row acknowledged so far is
 *    now in a closed log file; rows acknowledged later are after the purge.
 * 2. Log: every closed log file holding records of the table is rewritten with the same sequence
 *    numbers, the matching rows taken out of those records, under a fresh data key; the old file
 *    is shredded (zeroed, fsynced, unlinked). Replay after a restart therefore rebuilds exactly
 *    the purged hot state — nothing is lost, nothing comes back, nothing is duplicated.
 * 3. Segments: each segment of the table that holds matching rows (pruned by the predicate's
 *    TimeGenerated range) is rewritten without them into new segments with new data keys; the
 *    manifest swaps them in one atomic, re-chained update, and the old files are shredded once no
 *    running query reads them (purge waits for that), their plaintext dropped from the caches.
 *
 * Interrupted at any point, a retry (the purge service retries; pending purges resume after a
 * restart) finishes the job: each step is idempotent and crash-safe on its own.
 */
export async function purge(ctx: EngineContext, workspaceId: string, table: string, whereSql: string): Promise<number> {
  const ws = await workspace(ctx, workspaceId);
  return ctx.maintLock.run(async () => {
    const t = ws.tables.get(table);
    if (!t || t.dropped) return 0;
    let removed = 0;
    // 1. hot rows, at a cut in the log
    await ws.wal.exclusive(true, () =>
      ctx.writeLock.run(async () => {
        for (const h of [t.hot, ...t.sealing]) {
          if (h.droppedFromDb) continue;
          // The tier table has every column of the table (older generations read NULL in newer ones).
          const r = await ctx.writer.runAndReadAll(`DELETE FROM ${h.gen.sql} WHERE ${hotRows(h)} AND (${whereSql})`);
          const n = Number(r.getRowsJS()[0]?.[0] ?? 0);
          h.rows -= n;
          removed += n;
        }
      }),
    );
    crashPoint('purge:hot-deleted');
    // 2. the log files
    await purgeLog(ctx, ws, t, whereSql);
    crashPoint('purge:log-rewritten');
    // 3. sealed segments
    removed += await purgeSegments(ctx, ws, t, whereSql);
    crashPoint('purge:segments-replaced');
    ws.wal.deleteSealedFiles((tag, seq) => {
      const st = ws.manifest.table(tag);
      return st === undefined || seq <= st.sealedThroughSeq;
    });
    return removed;
  });
}

/** Rewrites every closed log file holding records of `t` without the rows matching `whereSql`. */
async function purgeLog(ctx: EngineContext, ws: Ws, t: TableRt, whereSql: string): Promise<number> {
  let rewritten = 0;
  for (const f of ws.wal.closedFiles()) {
    if (!f.tags.has(t.name)) continue;
    const { firstSeq, records } = readWalFile(f.path, ws.id, ws.keys.wrapKey);
    const decoded = records.map((r) => {
      const rec = decodeRecord(r.payload);
      return rec.table === t.name ? rec : undefined;
    });
    // Which rows of the table's records match: evaluated by DuckDB, over the table's current columns.
    const scratch = await ctx.writeLock.run(() => createScratchTable(ctx.writer, `purge_${ws.hex}`, [...t.columns, { name: '__vigil_i', type: 'long' }]));
    let matches: Set<number>;
    try {
      let i = 0;
      for (const rec of decoded) {
        if (!rec) continue;
        const cols = [...rec.columns, { name: '__vigil_i', type: 'long' as const }];
        const rows = rec.rows.map((row) => [...row, BigInt(i++)]);
        if (rows.length > 0) await ctx.writeLock.run(() => appendScratch(ctx.writer, scratch, cols, rows));
      }
      const r = await ctx.writeLock.run(() => ctx.writer.runAndReadAll(`SELECT "__vigil_i" FROM ${scratchSource(scratch)} WHERE ${whereSql}`));
      matches = new Set(r.getRowsJS().map((row) => Number(row[0])));
    } finally {
      await ctx.writeLock.run(() => dropScratchTable(ctx.writer, scratch));
    }
    if (matches.size === 0) continue;
    let i = 0;
    const out = records.map((r, k) => {
      const rec = decoded[k];
      if (!rec) return r;
      const rows = rec.rows.filter(() => !matches.has(i++));
      return rows.length === rec.rows.length ? r : { seq: r.seq, payload: encodeRecord({ table: rec.table, columns: rec.columns, rows }) };
    });
    replaceWalFile(f.path, ws.id, ws.keys.wrapKey, firstSeq, out, ctx.io);
    rewritten++;
  }
  return rewritten;
}

/** Rewrites the segments of `t` holding rows that match `whereSql`; returns the rows removed. */
async function purgeSegments(ctx: EngineContext, ws: Ws, t: TableRt, whereSql: string): Promise<number> {
  const view = viewName(ws.hex, t.name);
  const range = (await ctx.probe.ranges(`SELECT 1 FROM ${tableSource(ws.id, t.name)} WHERE ${whereSql}`, [{ view, columns: t.columns }])).get(view) ?? {};
  const segs = ws.manifest.segments.filter((s) => s.table === t.name && (range.lo === undefined || s.maxTime >= range.lo) && (range.hi === undefined || s.minTime <= range.hi));
  const ids = segs.map((s) => s.id);
  pinSegments(ctx, ids);
  const acquired: CachedSegment[] = [];
  const added: ExportedSegment[] = [];
  const replaced: SegmentEntry[] = [];
  let removed = 0;
  try {
    for (const seg of segs) {
      const r = await ctx.cache.acquire(seg.id, undefined, segmentLoad(ctx, ws, seg));
      acquired.push(r);
      const select = segmentSelect(ws, t, [{ seg, path: r.path }]);
      const n = Number((await ctx.sealConn.runAndReadAll(`SELECT count(*) FROM (${select}) WHERE ${whereSql}`)).getRowsJS()[0]?.[0] ?? 0);
      if (n === 0) continue;
      added.push(...(await exportSegments(ctx.sealConn, `SELECT * FROM (${select}) WHERE NOT coalesce((${whereSql}), false)`, exportTarget(ctx, ws, t, t.schemaVersion))));
      replaced.push(seg);
      removed += n;
    }
    if (replaced.length === 0) return 0;
    crashPoint('purge:segments-written');
    if (ws.tables.get(t.name) !== t || ctx.workspaces.get(ws.id) !== ws) {
      for (const e of added) rmSync(join(ws.dir, 'segments', e.entry.file), { force: true });
      return 0;
    }
    ws.manifest.replaceSegments(new Set(replaced.map((s) => s.id)), added.map((e) => e.entry));
    ws.manifest.save();
    added.length = 0;
    crashPoint('purge:manifest-saved');
  } catch (err) {
    for (const e of added) rmSync(join(ws.dir, 'segments', e.entry.file), { force: true });
    throw err;
  } finally {
    for (const r of acquired) ctx.cache.release(r);
    unpinSegments(ctx, ids);
  }
  // The old segments: plaintext out of the caches, encrypted files (with their wrapped data keys) shredded.
  reloadIntoTier(ctx, ws, new Set(forgetSegments(ctx, ws, replaced, true).map((s) => s.id)));
  await awaitShredded(ctx, replaced.map((s) => s.id));
  return removed;
}

/** Waits until the files of these forgotten segments are destroyed (a running query may still read them). */
async function awaitShredded(ctx: EngineContext, ids: string[]): Promise<void> {
  const deadline = monotonicMs() + 15 * 60_000;
  while (ids.some((id) => ctx.pendingDelete.has(id))) {
    if (monotonicMs() > deadline) throw new Error('purge: queries kept reading the old segments for 15 minutes; the purge will be retried');
    await new Promise((r) => setTimeout(r, 20));
  }
}
