/** emit/partition.ts — partition by key: the input as a CTE, its distinct keys, the body LATERAL per key. */
import type { EmitContext } from '../bound.js';
import { emitPlan } from '../emitter.js';
import type { PartitionPlan, PartitionSourcePlan } from '../plan-operators.js';
import { C, selectList } from './common.js';

/** The CTE of a partition's input and the alias of its keys (an integer id: plain identifiers). */
const names = (id: number) => ({ cte: `pin${Math.trunc(id)}`, keys: `pkey${Math.trunc(id)}` });

/** The rows of the current partition: the enclosing partition's input rows with the current key. */
export function emitPartitionSource(plan: PartitionSourcePlan): string {
  const { cte, keys } = names(plan.id);
  return `SELECT * FROM ${cte} AS p WHERE p.${C(plan.key)} IS NOT DISTINCT FROM ${keys}.pk`;
}

export function emitPartition(plan: PartitionPlan, ctx: EmitContext): string {
  const { cte, keys } = names(plan.id);
  const inSql = emitPlan(plan.input, ctx), bodySql = emitPlan(plan.body, ctx);
  return `WITH ${cte} AS (${inSql}) SELECT ${selectList(plan.body.schema.map((_, i) => `s.${C(i)}`))} FROM (SELECT DISTINCT ${C(plan.key)} AS pk FROM ${cte}) AS ${keys}, LATERAL (${bodySql}) AS s`;
}
