/** Retention: segments and hot rows older than each table's retention are dropped. */
import { hotRows } from '../hot-tables.js';
import { ticksFromUnixMicros } from '../../kql/literals.js';
import { expiredSegments, retentionCutoff } from '../retention.js';
import type { EngineContext, TableRt, Ws } from './context.js';
import { forgetSegments, reloadIntoTier } from './segments.js';

/** Drops segments (and hot rows) past each table's retention. */
export async function runRetention(ctx: EngineContext, nowMs = Date.now()): Promise<number> {
  if (!ctx.opts.retentionDays) return 0;
  let dropped = 0;
  for (const ws of [...ctx.workspaces.values()]) {
    for (const t of [...ws.tables.values()]) {
      const cutoff = retentionCutoff(nowMs, ctx.opts.retentionDays(ws.id, t.name));
      if (cutoff === undefined) continue;
      dropped += await ctx.maintLock.run(() => retainTable(ctx, ws, t, cutoff));
    }
  }
  return dropped;
}

async function retainTable(ctx: EngineContext, ws: Ws, t: TableRt, cutoff: number): Promise<number> {
  if (ws.tables.get(t.name) !== t) return 0;
  let dropped = 0;
  const expired = expiredSegments(ws.manifest.segments, t.name, cutoff);
  if (expired.length > 0) {
    ws.manifest.replaceSegments(new Set(expired.map((s) => s.id)), []);
    ws.manifest.save();
    reloadIntoTier(ctx, ws, new Set(forgetSegments(ctx, ws, expired).map((s) => s.id)));
    dropped += expired.reduce((n, s) => n + s.rows, 0);
  }
  await ctx.writeLock.run(async () => {
    for (const h of [t.hot, ...t.sealing]) {
      if (h.droppedFromDb) continue;
      const r = await ctx.writer.runAndReadAll(`DELETE FROM ${h.gen.sql} WHERE ${hotRows(h)} AND "TimeGenerated" < ${ticksFromUnixMicros(BigInt(Math.floor(cutoff)))}::BIGINT`);
      const n = Number(r.getRowsJS()[0]?.[0] ?? 0);
      h.rows -= n;
      dropped += n;
    }
  });
  return dropped;
}
