/**
 * Start-up warm-up (issue #20, the cold query): the first query in a fresh process paid ~6 ms (of
 * ~10) for code run for the first time — DuckDB's parser and serializer in the statement guard, its
 * planner in the plan probe and on the query connections, V8 compiling the query path's JavaScript —
 * on top of what any later query pays. Attaching the workspaces ends with one query through the
 * whole path instead (~10–20 ms), before the server reports ready, so that the first user query pays
 * only its own work.
 *
 * The warm-up is an ordinary query: the guard checks it, the probe plans it, it runs over a granted
 * view. It reads no data: its timespan ends before the table's first sealed row (and before 1900),
 * so no segment is chosen (nothing is decrypted) and the view filters the hot rows out. Its
 * statement carries its own alias, so it is no text the KQL compiler emits: the guard and the probe
 * still parse and plan a user's first statement (their caches are keyed by the text).
 */
import { OPEN_MIN } from '../sealer.js';
import { query } from './query.js';
import { tableSource, type EngineContext, type TableRt, type Ws } from './context.js';

const EARLY_MS = Date.UTC(1900, 0, 1);

/** The table to warm up on: one with a datetime TimeGenerated and every segment's rows dated (a timespan can then exclude them all). */
function warmUpTable(ctx: EngineContext): { ws: Ws; t: TableRt; endMs: number } | undefined {
  for (const ws of ctx.workspaces.values()) {
    for (const t of ws.tables.values()) {
      if (t.dropped || !t.columns.some((c) => c.name === 'TimeGenerated' && c.type === 'datetime')) continue;
      const segs = ws.manifest.segments.filter((s) => s.table === t.name);
      if (segs.some((s) => s.minTime <= OPEN_MIN)) continue;
      // Before the first sealed row (µs → ms, one ms earlier) and before any hot row one can expect,
      // so the view's timespan filter leaves nothing to count.
      const endMs = Math.min(EARLY_MS, ...segs.map((s) => Math.floor(s.minTime / 1000) - 1));
      if (Number.isFinite(new Date(endMs).getTime())) return { ws, t, endMs };
    }
  }
  return undefined;
}

/** Runs the warm-up query; a failure is logged and leaves the engine as it was (it only costs the first query its warm-up). */
export async function warmUp(ctx: EngineContext): Promise<void> {
  const target = warmUpTable(ctx);
  if (!target) return;
  const source = tableSource(target.ws.id, target.t.name);
  try {
    await query(ctx, `SELECT count(*) AS vigil_warm_up FROM ${source}`, {
      timeoutMs: 30_000,
      timespan: { end: new Date(target.endMs) },
      tables: [{ workspaceId: target.ws.id, table: target.t.name }],
      exactScan: true,
    });
  } catch (err) {
    ctx.log('warn', `the start-up warm-up query failed (${(err as Error).message}); the first query pays its start-up costs`);
  }
}
