/**
 * bind/plugins-ip-lookup.ts — binds `evaluate ipv4_lookup(LookupTable, SourceKey, LookupKey
 * [, ExtraKey…] [, return_unmatched])` and ipv6_lookup. The LookupTable is bound by the binder's own
 * table resolution (tools.table), so it is authorized as any other table reference.
 */
import type * as A from '../ast.js';
import type { BoundExpr } from '../bound.js';
import type { Span } from '../errors.js';
import { SCALAR_FUNCTIONS } from '../functions/index.js';
import type { MatchLookupPlan } from '../plan-match-lookup.js';
import type { JoinKey } from '../plan-operators.js';
import { project, type PlanNode } from '../planner.js';
import type { ColumnSchema } from '../types.js';

export interface IpLookupBindTools {
  /** A tabular argument: a table or let-bound name, or a (subquery). */
  table(e: A.Expr): PlanNode;
  /** A constant (return_unmatched). */
  constant(e: A.Expr): BoundExpr;
  error(span: Span, message: string): Error;
}

export const IP_LOOKUP_PLUGINS = new Set(['ipv4_lookup', 'ipv6_lookup']);

function columnIndex(plan: PlanNode, a: A.Expr, what: string, name: string, t: IpLookupBindTools): number {
  const i = a.kind === 'name' ? plan.schema.findIndex((c) => c.name === a.name) : -1;
  if (i < 0) throw t.error(a.span, `${name}(): ${what} must be a column name${a.kind === 'name' ? `; '${a.name}' is not a column` : ''}`);
  return i;
}

export function bindIpLookup(left: PlanNode, op: A.EvaluateOp, t: IpLookupBindTools): PlanNode {
  const name = op.plugin;
  const args = [...op.args];
  if (args.length < 3) throw t.error(op.pluginSpan, `${name}(): expects LookupTable, SourceKey and LookupKey`);
  let unmatched = false;
  const last = args[args.length - 1]!;
  const flag = last.kind === 'binary' && last.op === '=' && last.left.kind === 'name' && last.left.name === 'return_unmatched' ? last.right : args.length > 3 && last.kind !== 'name' ? last : undefined;
  if (flag) {
    const v = t.constant(flag);
    if (v.type !== 'bool' || v.k !== 'lit') throw t.error(flag.span, `${name}(): return_unmatched must be a bool constant`);
    unmatched = v.value === true;
    args.pop();
  }
  const right = t.table(args[0]!);
  const source = columnIndex(left, args[1]!, 'SourceKey', name, t);
  const lookupKey = columnIndex(right, args[2]!, 'LookupKey', name, t);
  const keys: JoinKey[] = args.slice(3).map((a) => ({ l: columnIndex(left, a, 'an ExtraKey of the input', name, t), r: columnIndex(right, a, 'an ExtraKey of the LookupTable', name, t) }));
  for (const [side, plan, i] of [['SourceKey', left, source], ['LookupKey', right, lookupKey]] as const) {
    if (plan.schema[i]!.type !== 'string') throw t.error(op.pluginSpan, `${name}(): the ${side} column must be a string, got '${plan.schema[i]!.type}'`);
  }
  const fn = SCALAR_FUNCTIONS.get(name === 'ipv4_lookup' ? 'ipv4_is_match' : 'ipv6_is_match')!;
  const n = left.schema.length;
  const match: BoundExpr = {
    k: 'call',
    fn,
    args: [
      { k: 'col', index: source, name: left.schema[source]!.name, type: 'string' },
      { k: 'col', index: n + lookupKey, name: right.schema[lookupKey]!.name, type: 'string' },
    ],
    type: 'bool',
  };
  const extra = new Set(keys.map((k) => k.r));
  const rightColumns = right.schema.map((_, i) => i).filter((i) => !extra.has(i));
  const names = new Set(left.schema.map((c) => c.name));
  const schema: ColumnSchema[] = [...left.schema];
  for (const i of rightColumns) {
    const c = right.schema[i]!;
    if (names.has(c.name)) throw t.error(op.pluginSpan, `${name}(): the LookupTable's column '${c.name}' is also a column of the input; rename it or name it as an ExtraKey`);
    names.add(c.name);
    schema.push(c);
  }
  const plan: MatchLookupPlan = { kind: 'matchLookup', schema, left, right, match, keys, rightColumns, unmatched, serialized: false };
  if (name === 'ipv4_lookup') return plan;
  // ipv6_lookup lists the LookupTable's columns first, then the input's (ipv6-lookup-plugin.md: both examples)
  const order = [...schema.keys()].slice(n).concat([...schema.keys()].slice(0, n));
  return project(plan, order.map((i) => ({ name: schema[i]!.name, expr: { k: 'col', index: i, name: schema[i]!.name, type: schema[i]!.type } })));
}
