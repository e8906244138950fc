/**
 * storage.ts — Kusto functions about its storage internals that Vigil refuses on purpose, with a
 * 400 that names the function and says why (README "KQL functions Vigil refuses"):
 *  - cursor_after(), cursor_before_or_at(), cursor_current(): database cursors are an Azure Data
 *    Explorer feature (exactly-once processing via ingestion cursors); Azure Monitor Logs has none,
 *    and Vigil keeps no per-row ingestion cursor. Export rules and `_TimeReceived` serve that need.
 *  - extent_id(), extent_tags(): Kusto's extents (data shards) and their tags; Vigil's segments are
 *    not addressable from queries, so any id or tag answered would be invented.
 */
import { type ScalarFunction } from '../bound.js';
import { fail } from './define.js';

const REASONS: Record<string, string> = {
  cursor_after: 'database cursors are an Azure Data Explorer feature that Azure Monitor Logs (and so Vigil) does not have; filter on _TimeReceived instead',
  cursor_before_or_at: 'database cursors are an Azure Data Explorer feature that Azure Monitor Logs (and so Vigil) does not have; filter on _TimeReceived instead',
  cursor_current: 'database cursors are an Azure Data Explorer feature that Azure Monitor Logs (and so Vigil) does not have',
  extent_id: "Vigil's storage segments are not Kusto extents and are not addressable from queries",
  extent_tags: "Vigil's storage segments are not Kusto extents and carry no extent tags",
};

export const REFUSED_FUNCTIONS: ScalarFunction[] = Object.entries(REASONS).map(([name, why]) => ({
  name, minArgs: 0, maxArgs: 64,
  bind: () => fail(`${name}() is not supported: ${why}`),
  emit: () => fail(`${name}() is not supported: ${why}`),
}));
