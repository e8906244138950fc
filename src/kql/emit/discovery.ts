/** emit/discovery.ts — the SQL of a discovery step (src/kql/discovery.ts): the distinct names an operator's input holds. */
import type { EmitContext } from '../bound.js';
import { MAX_DISCOVERED_COLUMNS, type DiscoveryNeeded, type DiscoveryStep } from '../discovery.js';
import { emitQuery } from '../emitter.js';

export function discoveryStep(d: DiscoveryNeeded, ctx: EmitContext): DiscoveryStep {
  const inner = emitQuery(d.plan, ctx);
  const limit = MAX_DISCOVERED_COLUMNS + 1;
  // bag_unpack: the keys of the rows whose bag is an object; pivot: the values as text (as emitPivot compares them), null as ''.
  const sql =
    d.plugin === 'bag_unpack'
      ? `SELECT DISTINCT k AS v FROM (SELECT unnest(json_keys(d."v")) AS k FROM (${inner}) AS d WHERE json_type(d."v") = 'OBJECT') AS x ORDER BY v LIMIT ${limit}`
      : `SELECT DISTINCT coalesce(CAST(d."v" AS VARCHAR), '') AS v FROM (${inner}) AS d ORDER BY v LIMIT ${limit}`;
  return { key: d.key, plugin: d.plugin, sql, line: d.refusal.line, column: d.refusal.column };
}
