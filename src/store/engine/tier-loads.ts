/**
 * Loading into the memory tier the segments a query read from Parquet, after the query: a cold query
 * answers from the decrypted Parquet in the scratch folder and does not wait for the load (INSERT
 * and compression into the tier's in-memory table), which runs here in the background, one at a time
 * under the tier's lock. A segment is pinned while it loads, so one that compaction, retention or
 * purge removes meanwhile leaves the tier again as soon as its load is done (unpinSegments). The same
 * loads bring back segments that left the tier with a generation compaction, retention or purge
 * removed (forgetSegments, reloadIntoTier).
 */
import type { SegmentEntry } from '../manifest.js';
import type { CachedSegment } from '../segment-cache.js';
import type { EngineContext, TableRt, Ws } from './context.js';
import { segmentLoad, legacyDatetimeColumns, pinSegments, unpinSegments } from './segments.js';

/** How long a load waits for a leaving copy of its segment before giving up (a query then loads it again). */
const LEAVING_WAIT_MS = 60_000;

export function loadLater(ctx: EngineContext, ws: Ws, t: TableRt, seg: SegmentEntry): void {
  if (ctx.closed || ctx.tierLoads.has(seg.id) || ctx.memory.has(seg.id)) return;
  // Not for a tier that would not take it: loading decrypts the whole segment (its file's size is
  // about its plaintext's), where the query may have decrypted a few columns.
  if (!ctx.memory.mayHold(seg.size)) return;
  if (ws.tables.get(t.name) !== t || !ws.manifest.segments.some((s) => s.id === seg.id)) return;
  pinSegments(ctx, [seg.id]);
  const load = (async () => {
    let r: CachedSegment | undefined;
    try {
      // After the query that asked for it has its answer: a segment it decrypted in part (the columns
      // it read, segment-parts.ts) is decrypted whole here, synchronously, which must not delay it.
      await new Promise((res) => setImmediate(res));
      // Its old copy is leaving (its generation went with other segments, see forgetSegments): the
      // tier lists a segment once, so the new copy is loaded once the old one's last reader is done.
      const listed = () => ws.manifest.segments.some((s) => s.id === seg.id);
      for (let waited = 0; ctx.memory.leaving(seg.id) && listed() && !ctx.closed && waited < LEAVING_WAIT_MS; waited += 20) await new Promise((res) => setTimeout(res, 20));
      if (ctx.closed || ctx.memory.leaving(seg.id) || !listed()) return;
      r = await ctx.cache.acquire(seg.id, undefined, segmentLoad(ctx, ws, seg));
      if (ctx.closed || (await ctx.memory.load(seg.id, t.tierKey, t.columns, r.path, r.bytes, legacyDatetimeColumns(ws, t, seg))) === undefined) return;
      ctx.memory.release(seg.id);
      // Its plaintext now lives in DuckDB's memory: the Parquet copy leaves the scratch folder.
      ctx.cache.release(r);
      r = undefined;
      ctx.cache.drop(seg.id);
    } catch (err) {
      if (!ctx.closed) ctx.log('warn', `loading segment ${seg.id} into the memory tier failed (${(err as Error).message}); it is read from Parquet`);
    } finally {
      if (r) ctx.cache.release(r);
      unpinSegments(ctx, [seg.id]);
      ctx.tierLoads.delete(seg.id);
    }
  })();
  ctx.tierLoads.set(seg.id, load);
}

/** Resolves once the loads started so far (and any they led to) are done. */
export async function tierLoadsSettled(ctx: EngineContext): Promise<void> {
  while (ctx.tierLoads.size > 0) await Promise.all([...ctx.tierLoads.values()]);
}
