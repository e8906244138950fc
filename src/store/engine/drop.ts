/** Deleting a table or a whole workspace from the storage engine. */
import { rmSync } from 'node:fs';
import type { EngineContext } from './context.js';
import { dropIfUnread, forgetSegments } from './segments.js';
import { workspace } from './workspaces.js';

/** Deletes a table: its segments and hot rows go (once no query reads them); its log records are skipped from now on. */
export async function dropTable(ctx: EngineContext, workspaceId: string, table: string): Promise<void> {
  const ws = await workspace(ctx, workspaceId);
  const t = ws.tables.get(table);
  if (t) t.dropped = true;
  await ws.wal.drain();
  await ctx.writeLock.run(async () => {
    const state = ws.manifest.table(table);
    if (!state && !t) return;
    const segs = ws.manifest.segments.filter((s) => s.table === table);
    ws.manifest.setTable(table, { sealedThroughSeq: ws.wal.lastAssignedSeq, dropped: true, schemas: state?.schemas ?? [] });
    ws.manifest.replaceSegments(new Set(segs.map((s) => s.id)), []);
    ws.manifest.save();
    ws.tables.delete(table);
    if (t) for (const h of [t.hot, ...t.sealing]) h.retired = true;
    forgetSegments(ctx, ws, segs);
  });
  if (t) for (const h of [t.hot, ...t.sealing]) await dropIfUnread(ctx, h);
}

/** Deletes a workspace and its folder. */
export async function dropWorkspace(ctx: EngineContext, workspaceId: string): Promise<void> {
  const id = workspaceId.toLowerCase();
  const ws = await workspace(ctx, id);
  for (const t of ws.tables.values()) t.dropped = true;
  await ws.wal.close();
  ctx.workspaces.delete(id);
  for (const t of ws.tables.values()) {
    for (const h of [t.hot, ...t.sealing]) {
      h.retired = true;
      await dropIfUnread(ctx, h);
    }
  }
  for (const s of ws.manifest.segments) ctx.cache.drop(s.id);
  rmSync(ws.dir, { recursive: true, force: true });
}
