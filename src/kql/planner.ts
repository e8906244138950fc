/**
 * planner.ts — the logical plan: a tree of relational operators, each with
 * its output schema.  The binder builds plans through the constructors here;
 * the emitter turns them into SQL.
 *
 * KQL operators map onto a small relational core:
 *   where → Filter; project/project-away/-keep/-rename/-reorder → Project;
 *   extend → Extend; summarize → Aggregate (+ Project for expressions over
 *   aggregates); take → Limit; sort → Sort; top → Top; count → Count;
 *   distinct → Project + Distinct; print/datatable/range → leaf nodes.
 * Every other operator (union, join, mv-expand, parse, make-series, evaluate
 * plugins, …) is a node kind of plan-operators.ts.  Nodes carry bound
 * expressions and plain data only; emitter.ts (and emit/) writes their SQL.
 */
import type { BoundAggregate, BoundExpr } from './bound.js';
import type { ColumnSchema, KqlType } from './types.js';
import type { OperatorPlan } from './plan-operators.js';

export type * from './plan-operators.js';

export interface PlanSortKey {
  expr: BoundExpr;
  descending: boolean;
  nullsFirst: boolean;
}

interface PlanBase {
  /** Output columns, in order. */
  schema: ColumnSchema[];
  /** Overrides the serialization property (window functions need a serialized row set). */
  serialized?: boolean;
  /** Name given by `as` (used for union withsource / search $table). */
  asName?: string;
}

/** A table from the resolver; string columns are read as '' when NULL (Kusto strings are never null). */
export interface ScanPlan extends PlanBase {
  kind: 'scan';
  table: string;
  source: string;
  /** Request timespan restriction on TimeGenerated (µs since epoch), when the table has that column. */
  timeFilter?: { column: string; startUs?: bigint; endUs?: bigint };
}
export interface DatatablePlan extends PlanBase { kind: 'datatable'; rows: BoundExpr[][] }
export interface PrintPlan extends PlanBase { kind: 'print'; exprs: BoundExpr[] }
export interface RangePlan extends PlanBase { kind: 'range'; from: BoundExpr; to: BoundExpr; step: BoundExpr }
export interface FilterPlan extends PlanBase { kind: 'filter'; input: PlanNode; predicate: BoundExpr }
/** Output column i = exprs[i] evaluated over the input row. */
export interface ProjectPlan extends PlanBase { kind: 'project'; input: PlanNode; exprs: BoundExpr[] }
/** Output = input columns, with `assignments` replacing (index < input width) or appending columns. */
export interface ExtendPlan extends PlanBase { kind: 'extend'; input: PlanNode; assignments: { index: number; expr: BoundExpr }[] }
/** Output = keys then aggregates. */
export interface AggregatePlan extends PlanBase { kind: 'aggregate'; input: PlanNode; keys: BoundExpr[]; aggregates: BoundAggregate[] }
export interface SortPlan extends PlanBase { kind: 'sort'; input: PlanNode; keys: PlanSortKey[] }
export interface LimitPlan extends PlanBase { kind: 'limit'; input: PlanNode; count: BoundExpr }
export interface TopPlan extends PlanBase { kind: 'top'; input: PlanNode; count: BoundExpr; keys: PlanSortKey[] }
export interface DistinctPlan extends PlanBase { kind: 'distinct'; input: PlanNode }
export interface CountPlan extends PlanBase { kind: 'count'; input: PlanNode }

export type PlanNode =
  | ScanPlan | DatatablePlan | PrintPlan | RangePlan | FilterPlan | ProjectPlan | ExtendPlan
  | AggregatePlan | SortPlan | LimitPlan | TopPlan | DistinctPlan | CountPlan | OperatorPlan;

/** Sets the serialization property of a new node when the operator decides it (else it is derived). */
export function withSerialized<N extends PlanNode>(node: N, serialized: boolean | undefined): N {
  if (serialized !== undefined) node.serialized = serialized;
  return node;
}

/** Whether window functions (row_number, prev, next, row_cumsum) may be applied to the plan's output. */
export function isSerialized(plan: PlanNode): boolean {
  if (plan.serialized !== undefined) return plan.serialized;
  switch (plan.kind) {
    case 'sort':
    case 'top':
    case 'range':
      return true;
    case 'filter':
    case 'project':
    case 'extend':
    case 'limit':
      return isSerialized(plan.input);
    default:
      return false;
  }
}

// ───────────── constructors ─────────────

export function scan(table: string, source: string, columns: ColumnSchema[], timespan?: { startUs?: bigint; endUs?: bigint }): ScanPlan {
  const node: ScanPlan = { kind: 'scan', table, source, schema: columns.map((c) => ({ name: c.name, type: c.type })) };
  const tg = columns.find((c) => c.name === 'TimeGenerated' && c.type === 'datetime');
  if (tg && timespan && (timespan.startUs !== undefined || timespan.endUs !== undefined)) {
    node.timeFilter = { column: tg.name, ...timespan };
  }
  return node;
}

export function datatable(schema: ColumnSchema[], rows: BoundExpr[][]): DatatablePlan {
  return { kind: 'datatable', schema, rows };
}

export function print(schema: ColumnSchema[], exprs: BoundExpr[]): PrintPlan {
  return { kind: 'print', schema, exprs };
}

export function range(column: string, type: KqlType, from: BoundExpr, to: BoundExpr, step: BoundExpr): RangePlan {
  return { kind: 'range', schema: [{ name: column, type }], from, to, step };
}

export function filter(input: PlanNode, predicate: BoundExpr): FilterPlan {
  return { kind: 'filter', input, predicate, schema: input.schema };
}

export function project(input: PlanNode, columns: { name: string; expr: BoundExpr }[]): ProjectPlan {
  return { kind: 'project', input, exprs: columns.map((c) => c.expr), schema: columns.map((c) => ({ name: c.name, type: c.expr.type })) };
}

export function extend(input: PlanNode, assignments: { name: string; expr: BoundExpr }[]): ExtendPlan {
  const schema = input.schema.slice();
  const out: ExtendPlan['assignments'] = [];
  for (const a of assignments) {
    let index = schema.findIndex((c) => c.name === a.name);
    if (index < 0) index = schema.length;
    schema[index] = { name: a.name, type: a.expr.type };
    out.push({ index, expr: a.expr });
  }
  return { kind: 'extend', input, assignments: out, schema };
}

export function aggregate(input: PlanNode, keys: { name: string; expr: BoundExpr }[], aggregates: { name: string; expr: BoundAggregate }[]): AggregatePlan {
  return {
    kind: 'aggregate',
    input,
    keys: keys.map((k) => k.expr),
    aggregates: aggregates.map((a) => a.expr),
    schema: [...keys.map((k) => ({ name: k.name, type: k.expr.type })), ...aggregates.map((a) => ({ name: a.name, type: a.expr.type }))],
  };
}

export function sort(input: PlanNode, keys: PlanSortKey[]): SortPlan {
  return { kind: 'sort', input, keys, schema: input.schema };
}

export function limit(input: PlanNode, count: BoundExpr): LimitPlan {
  return { kind: 'limit', input, count, schema: input.schema };
}

export function top(input: PlanNode, count: BoundExpr, keys: PlanSortKey[]): TopPlan {
  return { kind: 'top', input, count, keys, schema: input.schema };
}

export function distinct(input: PlanNode): DistinctPlan {
  return { kind: 'distinct', input, schema: input.schema };
}

export function count(input: PlanNode): CountPlan {
  return { kind: 'count', input, schema: [{ name: 'Count', type: 'long' }] };
}

/** A column reference into the output of `node`. */
export function columnRef(node: PlanNode, index: number): BoundExpr {
  const c = node.schema[index]!;
  return { k: 'col', index, name: c.name, type: c.type };
}
