/**
 * plan-ip-lookup.ts — the plan node of `evaluate ipv4_lookup()` / `ipv6_lookup()`
 * (ipv4-lookup-plugin.md, ipv6-lookup-plugin.md): a lookup whose key matches by IP prefix.
 * emit/ip-lookup.ts writes its SQL.
 */
import type { BoundExpr } from './bound.js';
import type { JoinKey } from './plan-operators.js';
import type { PlanNode } from './planner.js';
import type { ColumnSchema } from './types.js';

export interface IpLookupPlan {
  kind: 'ipLookup';
  schema: ColumnSchema[];
  serialized?: boolean;
  asName?: string;
  left: PlanNode;
  /** The LookupTable (a table, let-bound table or subquery, authorized as any other). */
  right: PlanNode;
  /** ipv4_is_match / ipv6_is_match over (left row ++ right row): left columns first, then the right's. */
  match: BoundExpr;
  /** ExtraKey columns: equal values match (nulls match nulls, as lookup). */
  keys: JoinKey[];
  /** Right columns in the output (all but the extra keys). */
  rightColumns: number[];
  /** return_unmatched: keep input rows without a match (right columns null). */
  unmatched: boolean;
}
