/**
 * Sealing: a table's hot rows, once a threshold is reached, become encrypted Parquet segments
 * committed to the manifest with the log position they cover; the sealed log files then go.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { createHotTable, hotSelect } from '../hot-tables.js';
import { exportSegments } from '../sealer.js';
import { monotonicMs, type EngineContext, type TableRt, type Ws } from './context.js';
import { backgroundFailed, backgroundOk } from './health.js';
import { dropIfUnread } from './segments.js';

/** Seals a table's hot rows into segments now (whatever the thresholds). */
export function sealTable(ctx: EngineContext, ws: Ws, t: TableRt): Promise<number> {
return ctx.maintLock.run(() => sealTableLocked(ctx, ws, t));
}

async function sealTableLocked(ctx: EngineContext, ws: Ws, t: TableRt): Promise<number> {
  // One seal per table at a time; a second caller waits for the running one, then seals what is left.
  while (t.sealingNow) await new Promise((r) => setTimeout(r, 10));
  t.sealingNow = true;
  let sealed = 0;
  try {
    if (t.hot.rows > 0) {
      await ctx.writeLock.run(async () => {
        const fresh = await createHotTable(ctx.memory, t.tierKey, t.columns, t.schemaVersion);
        // The swap is one synchronous step: a query sees the old table either as hot or as sealing, never both.
        const old = t.hot;
        old.watermark = ws.lastApplied.get(t.name) ?? 0;
        t.sealing.push(old);
        t.hot = fresh;
      });
    }
    while (t.sealing.length > 0) {
      const h = t.sealing[0]!;
      const exported = await exportSegments(ctx.sealConn, hotSelect(h), {
        workspaceId: ws.id,
        table: t.name,
        schemaVersion: h.schemaVersion,
        wrapKey: ws.keys.wrapKey,
        segmentsDir: join(ws.dir, 'segments'),
        scratchDir: ctx.scratch.dir,
        partitionMicros: ctx.opts.partitionMs * 1000,
        io: ctx.io,
      });
      if (ws.tables.get(t.name) !== t || t.dropped || ctx.workspaces.get(ws.id) !== ws) {
        for (const e of exported) rmSync(join(ws.dir, 'segments', e.entry.file), { force: true });
        return sealed;
      }
      // Commit: segments into the manifest together with the log position they cover.
      try {
        const state = ws.manifest.table(t.name)!;
        ws.manifest.replaceSegments(new Set(), exported.map((e) => e.entry));
        state.sealedThroughSeq = Math.max(state.sealedThroughSeq, h.watermark);
        ws.manifest.save();
      } catch (err) {
        // Not committed (the manifest is as it was): the rows stay hot and in the log, the next attempt seals them again.
        for (const e of exported) rmSync(join(ws.dir, 'segments', e.entry.file), { force: true });
        throw err;
      }
      t.sealing.shift();
      h.retired = true;
      // In the same synchronous step: the hot generation's rows stay in the memory tier as the new
      // segments' copy (no load of what is already there), else their plaintext goes to the cache.
      const adopted = ctx.memory.adopt(
        h.gen.id,
        exported.map((e) => e.entry.id),
        Math.round(1.5 * exported.reduce((n, e) => n + e.parquet.length, 0)),
      );
      if (!adopted) for (const e of exported) ctx.cache.put(e.entry.id, e.parquet);
      // Adopted rows are still uncompressed (hot rows are): compress them, as a loaded segment is.
      else await ctx.memory.compress();
      sealed += exported.reduce((n, e) => n + e.entry.rows, 0);
      // Short of space: close the current log file too, so that it can go once its records are sealed
      // (the log otherwise keeps a copy of sealed rows until its file reaches 64 MiB).
      if (ctx.space.refusing) await ws.wal.exclusive(true, async () => undefined).catch(() => undefined);
      try {
        ws.wal.deleteSealedFiles((tag, seq) => {
          const st = ws.manifest.table(tag);
          return st === undefined || seq <= st.sealedThroughSeq;
        });
      } catch (err) {
        // Committed already: the sealed log files are removed by the next seal (or replayed as sealed, i.e. skipped).
        ctx.log('warn', `removing sealed log files of workspace ${ws.id} failed (${(err as Error).message}); retried with the next seal`);
      }
      await dropIfUnread(ctx, h);
    }
    return sealed;
  } finally {
    t.sealingNow = false;
  }
}

/**
 * The tables to seal because all tables' unsealed rows together exceed `hotMaxBytes`: the largest
 * first, until what stays unsealed is at most half of it (so that the next few appends do not make
 * every tick seal again). Rows already being sealed do not count: their seal is under way, and a
 * second caller (the background and sealDue() at once) then picks nothing more for them.
 */
function overHotBudget(ctx: EngineContext): Set<TableRt> {
  const chosen = new Set<TableRt>();
  const budget = ctx.opts.hotMaxBytes;
  if (!(budget > 0)) return chosen;
  const tables = [...ctx.workspaces.values()].flatMap((ws) => [...ws.tables.values()]);
  let total = tables.reduce((n, t) => n + t.hot.bytes, 0);
  if (total <= budget) return chosen;
  for (const t of tables.filter((x) => x.hot.rows > 0).sort((a, b) => b.hot.bytes - a.hot.bytes)) {
    if (total <= budget / 2) break;
    chosen.add(t);
    total -= t.hot.bytes;
  }
  return chosen;
}

/** Seals every table whose hot rows reached a threshold, or that the engine-wide hot budget picks (or all, with `force`). */
export async function sealDue(ctx: EngineContext, force = false): Promise<number> {
  let n = 0;
  const overBudget = overHotBudget(ctx);
  for (const ws of [...ctx.workspaces.values()]) {
    for (const t of [...ws.tables.values()]) {
      const h = t.hot;
      const due =
        t.sealing.length > 0 ||
        (h.rows > 0 &&
          (force || overBudget.has(t) || h.rows >= ctx.opts.sealRows || h.bytes >= ctx.opts.sealBytes || (h.firstAppendMs !== undefined && monotonicMs() - h.firstAppendMs >= ctx.opts.sealAgeMs)));
      if (!due) continue;
      try {
        n += await sealTable(ctx, ws, t);
        backgroundOk(ctx, 'sealing');
      } catch (err) {
        backgroundFailed(ctx, 'sealing', err, `sealing table ${t.name} of workspace ${ws.id} failed (${(err as Error).message}); its rows stay hot and in the log, and are sealed on the next attempt`);
      }
    }
  }
  return n;
}
