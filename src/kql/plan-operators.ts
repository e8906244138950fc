/**
 * plan-operators.ts — the plan node kinds of KQL's operators beyond the relational core of
 * planner.ts (union, join, mv-expand, parse, make-series, evaluate plugins, …).
 *
 * Each node carries bound expressions and plain data only: what the operator means, never how
 * it is written in SQL.  The emitter (emitter.ts, one module per operator under emit/) turns
 * them into SQL.  Column references in a node's expressions are positions in its input row.
 */
import type { BoundAggregate, BoundExpr } from './bound.js';
import type { ActivityPluginPlan } from './plan-activity.js';
import type { GraphOperatorPlan } from './plan-graph.js';
import type { MatchLookupPlan } from './plan-match-lookup.js';
import type { PlanNode } from './planner.js';
import type { ColumnSchema, KqlType } from './types.js';

interface OperatorBase {
  schema: ColumnSchema[];
  serialized?: boolean;
  asName?: string;
}

/** union: each leg's columns placed into the union schema; `sources` is the withsource column's values. */
export interface UnionPlan extends OperatorBase {
  kind: 'union';
  inputs: PlanNode[];
  /** Per leg, per union column (withsource excluded): the leg's column index, or -1 (null of the column's type). */
  columnMaps: number[][];
  /** Present with withsource=: the value of that (first) column for each leg. */
  sources?: string[];
}

export type JoinKind = 'innerunique' | 'inner' | 'leftouter' | 'rightouter' | 'fullouter' | 'leftanti' | 'rightanti' | 'leftsemi' | 'rightsemi';

/** Equality keys of a join or lookup: left column index = right column index (nulls match nulls). */
export interface JoinKey {
  l: number;
  r: number;
}

export interface JoinPlan extends OperatorBase {
  kind: 'join';
  left: PlanNode;
  right: PlanNode;
  joinKind: JoinKind;
  keys: JoinKey[];
}

/** lookup: left columns, then the right columns that are not keys (`rightColumns`). */
export interface LookupPlan extends OperatorBase {
  kind: 'lookup';
  left: PlanNode;
  right: PlanNode;
  lookupKind: 'leftouter' | 'inner';
  keys: JoinKey[];
  rightColumns: number[];
}

export interface MvItem {
  expr: BoundExpr;
  /** output column index (replacing or appended) */
  index: number;
  type: KqlType;
}

/** mv-expand: one row per element of the items' arrays (bags expand to entries). */
export interface MvExpandPlan extends OperatorBase {
  kind: 'mvExpand';
  input: PlanNode;
  items: MvItem[];
  bagKind: 'bag' | 'array';
  /** with_itemindex: the output column holding the element's index. */
  itemIndex?: number;
  /** limit: at most this many elements per row. */
  limit?: BoundExpr;
}

/**
 * The source of an mv-apply subquery: the expansion of the current outer row's arrays.  Its
 * items are bound against the outer row (the input of the enclosing mvApply with the same
 * `correlation`); output: one column per item, then the element index when `withIndex`.
 */
/** Names the outer row of an mv-apply (nesting depth, input width): unique among nested mv-applies. */
export interface MvApplyCorrelation {
  depth: number;
  width: number;
}

export interface MvApplySourcePlan extends OperatorBase {
  kind: 'mvApplySource';
  correlation: MvApplyCorrelation;
  items: MvItem[];
  limit?: BoundExpr;
  withIndex: boolean;
  /** Input columns the subquery sees besides the expanded ones (after the items and the index). */
  passthrough: number[];
}

/** An output column of mv-apply: a column of the outer row, or one of the subquery's. */
export type MvApplyColumn = { outer: number } | { body: number };

/** mv-apply: the body runs once per input row (laterally); `columns` lists the output's sources. */
export interface MvApplyPlan extends OperatorBase {
  kind: 'mvApply';
  input: PlanNode;
  body: PlanNode;
  correlation: MvApplyCorrelation;
  columns: MvApplyColumn[];
}

/** The rows of one partition (partition by key): the input of the enclosing partition with the same `id`. */
export interface PartitionSourcePlan extends OperatorBase {
  kind: 'partitionSource';
  id: number;
  key: number;
}

/** partition by key (body): the body once per distinct key value, over that partition's rows; results unioned. */
export interface PartitionPlan extends OperatorBase {
  kind: 'partition';
  input: PlanNode;
  body: PlanNode;
  id: number;
  key: number;
}

/** A column produced by parse: its type, its capture group and its output position. */
export interface ParseColumn {
  type: KqlType;
  group: number;
  index: number;
}

/** parse / parse-where: a regular expression (RE2) matched against `source`; each column a capture group. */
export interface ParsePlan extends OperatorBase {
  kind: 'parse';
  input: PlanNode;
  source: BoundExpr;
  pattern: string;
  parseKind: 'simple' | 'regex' | 'relaxed';
  columns: ParseColumn[];
  /** parse-where: rows that don't match are dropped. */
  dropUnmatched: boolean;
  /** The match must be tested apart from the conversions (see binder). */
  needMatched: boolean;
}

/** A column produced by parse-kv: its key (the column's name), type and output position. */
export interface ParseKvColumn {
  key: string;
  type: KqlType;
  index: number;
}

/**
 * parse-kv: each column the value of its key; either a regex with groups (key, value), or the
 * delimiter modes run by runtime/parse-kv.ts (pair/kv delimiters both absent: nonspecified mode).
 */
export interface ParseKvPlan extends OperatorBase {
  kind: 'parseKv';
  input: PlanNode;
  source: BoundExpr;
  columns: ParseKvColumn[];
  pairDelimiter?: string;
  kvDelimiter?: string;
  /** Opening and closing quote of each quote= option. */
  quotes: [string, string][];
  escapes: string[];
  greedy: boolean;
  regex?: string;
}

/** make-series: per group, each aggregate as an array over the bins of the axis. */
export interface MakeSeriesPlan extends OperatorBase {
  kind: 'makeSeries';
  input: PlanNode;
  keys: BoundExpr[];
  axis: BoundExpr;
  step: BoundExpr;
  from?: BoundExpr;
  to?: BoundExpr;
  aggregates: { expr: BoundAggregate; default: BoundExpr }[];
  /** kind=nonempty: an empty input without group keys still gives one series. */
  nonEmpty: boolean;
}

export interface TopNestedLevel {
  of: BoundExpr;
  agg: BoundAggregate;
  count?: BoundExpr;
  descending: boolean;
  /** `with others = C`: one more row per group of the level above, C and the aggregate over the rows not in the top. */
  others?: BoundExpr;
}

/** top-nested: per level, the top values of `of` by the aggregate, within the level above. */
export interface TopNestedPlan extends OperatorBase {
  kind: 'topNested';
  input: PlanNode;
  levels: TopNestedLevel[];
}

/** An output column of bag_unpack: an input column, or a key of the bag read as a type. */
export type BagUnpackColumn = { input: number } | { key: string; type: KqlType };

export interface BagUnpackPlan extends OperatorBase {
  kind: 'bagUnpack';
  input: PlanNode;
  bag: BoundExpr;
  columns: BagUnpackColumn[];
}

/** pivot: group columns, then the aggregate over the rows of each value of `column`. */
export interface PivotPlan extends OperatorBase {
  kind: 'pivot';
  input: PlanNode;
  column: BoundExpr;
  values: string[];
  aggregate: BoundAggregate;
  groups: BoundExpr[];
}

/** narrow: one row per cell (row number, column name, value as a string). */
export interface NarrowPlan extends OperatorBase {
  kind: 'narrow';
  input: PlanNode;
}

/** rows_near: the rows within `before` rows before or `after` rows after a row whose condition is true, in input order. */
export interface RowsNearPlan extends OperatorBase {
  kind: 'rowsNear';
  input: PlanNode;
  condition: BoundExpr;
  before: number;
  after: number;
}

export type PatternPlugin = 'basket' | 'autocluster' | 'diffpatterns';

/** basket / autocluster / diffpatterns: frequent patterns of the input's dimension columns. */
export interface PatternPluginPlan extends OperatorBase {
  kind: 'patternPlugin';
  input: PlanNode;
  plugin: PatternPlugin;
  /** basket/diffpatterns: Threshold; autocluster: SizeWeight. */
  ratio: number;
  /** basket/diffpatterns: MaxDimensions (0 = unlimited); autocluster: NumSeeds. */
  count: number;
  /** The dimension columns' indexes, in output order. */
  dimensions: number[];
  /** The weight column's index, if any. */
  weight?: number;
  /** diffpatterns: the split (tostring of the split column) and its two values. */
  split?: { a: string; b: string; asString: BoundExpr };
  /** CustomWildcard literals, by type. */
  wildcards: Map<KqlType, BoundExpr>;
}

export interface ScanStepSpec {
  output: 'all' | 'last' | 'none';
  condition: BoundExpr;
  /** Assignments to declared columns: record position → value (already of the column's type). */
  assignments: Map<number, BoundExpr>;
}

/** The scan operator (scan-operator.md); expressions are bound against the scan row (scan.ts). */
export interface ScanOperatorPlan extends OperatorBase {
  kind: 'scanOperator';
  input: PlanNode;
  id: number;
  /** The record: input columns then declared columns. */
  record: ColumnSchema[];
  /** Number of input columns (the rest of `record` is declared). */
  inputWidth: number;
  /** Default value of each declared column (constant expressions). */
  defaults: BoundExpr[];
  steps: ScanStepSpec[];
  /** Append the match id column (with_match_id). */
  matchId?: string;
}

/** reduce: SLCT clusters of a string (runtime/reduce.ts); kind=source appends each row's Pattern. */
export interface ReducePlan extends OperatorBase {
  kind: 'reduce';
  input: PlanNode;
  value: BoundExpr;
  threshold: number;
  /** The term separators; '' for the default (every character not a letter or digit). */
  characters: string;
  source: boolean;
}

/** consume: reads its input, returns its columns and no rows. */
export interface ConsumePlan extends OperatorBase {
  kind: 'consume';
  input: PlanNode;
}

/** sample N: N random rows. */
export interface SamplePlan extends OperatorBase {
  kind: 'sample';
  input: PlanNode;
  count: BoundExpr;
}

/** sample-distinct N of column: up to N distinct values (the input is the column's projection). */
export interface SampleDistinctPlan extends OperatorBase {
  kind: 'sampleDistinct';
  input: PlanNode;
  count: BoundExpr;
}

export type OperatorPlan =
  | UnionPlan | JoinPlan | LookupPlan | MvExpandPlan | MvApplySourcePlan | MvApplyPlan | PartitionSourcePlan | PartitionPlan
  | ParsePlan | ParseKvPlan | MakeSeriesPlan | TopNestedPlan | BagUnpackPlan | PivotPlan | NarrowPlan | RowsNearPlan | PatternPluginPlan
  | ScanOperatorPlan | ConsumePlan | SamplePlan | SampleDistinctPlan | ReducePlan
  | ActivityPluginPlan | MatchLookupPlan | GraphOperatorPlan;
