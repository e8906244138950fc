/** How background storage work (sealing, retention, compaction) reports failing and recovering. */
import { storageErrorKind } from '../../util/storage-io.js';
import type { EngineContext } from './context.js';

/** Background work failing on storage: logged once until it succeeds again (not on every retry). */
export function backgroundFailed(ctx: EngineContext, what: string, err: unknown, message: string): void {
  if (!storageErrorKind(err)) {
    ctx.log('error', message);
    return;
  }
  if (ctx.backgroundFailing.has(what)) return;
  ctx.backgroundFailing.add(what);
  ctx.log('error', `${message}. Storage is full or failing (${ctx.space.dir}); ${what} is retried every few seconds and this is not logged again until it succeeds`);
}

/** Background work succeeded: a storage failure it reported is over. */
export function backgroundOk(ctx: EngineContext, what: string): void {
  if (ctx.backgroundFailing.delete(what)) ctx.log('warn', `${what} works again: storage recovered`);
}
