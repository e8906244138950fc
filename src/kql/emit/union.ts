/** emit/union.ts — union: each leg's columns placed into the union schema, then UNION ALL. */
import type { EmitContext } from '../bound.js';
import { emitPlan } from '../emitter.js';
import type { UnionPlan } from '../plan-operators.js';
import { sqlString } from '../sql.js';
import { C, nullOf, selectList } from './common.js';

export function emitUnion(plan: UnionPlan, ctx: EmitContext): string {
  const columns = plan.sources ? plan.schema.slice(1) : plan.schema;
  return plan.inputs
    .map((leg, li) => {
      const map = plan.columnMaps[li]!;
      const exprs = columns.map((c, i) => (map[i]! >= 0 ? `t.${C(map[i]!)}` : nullOf(c.type)));
      if (plan.sources) exprs.unshift(sqlString(plan.sources[li]!));
      return `SELECT ${exprs.length ? selectList(exprs) : 'NULL AS c0'} FROM (${emitPlan(leg, ctx)}) AS t`;
    })
    .map((s) => `(${s})`)
    .join(' UNION ALL ');
}
