/**
 * plan-match-lookup.ts — the plan node of the lookups that match by a predicate rather than by
 * equality: `evaluate ipv4_lookup()` / `ipv6_lookup()` (IP prefix match) and `geo_polygon_lookup()` /
 * `geo_line_lookup()` (point in polygon, distance to a line). emit/match-lookup.ts writes its SQL.
 */
import type { BoundExpr } from './bound.js';
import type { JoinKey } from './plan-operators.js';
import type { PlanNode } from './planner.js';
import type { ColumnSchema } from './types.js';

export interface MatchLookupPlan {
  kind: 'matchLookup';
  schema: ColumnSchema[];
  serialized?: boolean;
  asName?: string;
  left: PlanNode;
  /** The LookupTable (a table, let-bound table or subquery, authorized as any other). */
  right: PlanNode;
  /** The match predicate over (left row ++ right row): left columns first, then the right's. */
  match: BoundExpr;
  /** ExtraKey columns: equal values match (nulls match nulls, as lookup). */
  keys: JoinKey[];
  /** Right columns in the output (all but the extra keys). */
  rightColumns: number[];
  /** return_unmatched: keep input rows without a match (right columns null). */
  unmatched: boolean;
}
