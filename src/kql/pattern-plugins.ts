/**
 * pattern-plugins.ts — the plans of `evaluate basket()`, `autocluster()` and `diffpatterns()`.
 *
 * SQL cannot mine patterns, so the input is collected once by one aggregate: the rows as a list of
 * structs (to read the patterns' values back with their exact types) and, as JSON, each row's weight
 * and dimension values, handed to a pure runtime function (runtime/patterns.ts). Its result — one
 * entry per pattern naming a matching row and which dimensions the pattern sets — is unnested into
 * rows (emit/patterns.ts writes that SQL). The output schema is known when compiling: the documented
 * leading columns, then the input's dimension columns. Past PATTERN_PLUGIN_ROW_LIMIT input rows, or past MAX_ITEMSETS frequent
 * patterns, the query fails with a clear error.
 */
import type { BoundExpr } from './bound.js';
import * as P from './planner.js';
import type { ColumnSchema, KqlType } from './types.js';
import { MAX_ITEMSETS } from './runtime/patterns.js';

/** Rows one pattern plugin may read (the whole input is held in memory while mining). */
export const PATTERN_PLUGIN_ROW_LIMIT = 200_000;

/** The engine's error text when the limit is passed; query-service.ts passes it through to the user. */
export const PATTERN_PLUGIN_LIMIT_MESSAGE = `Vigil limit: the pattern plugins (basket, autocluster, diffpatterns) read at most ${PATTERN_PLUGIN_ROW_LIMIT} rows; filter or summarize the input first`;

/** The error when the input has more frequent patterns than runtime/patterns.ts MAX_ITEMSETS. */
export const PATTERN_PLUGIN_PATTERNS_MESSAGE = `Vigil limit: the input has more than ${MAX_ITEMSETS} frequent patterns; raise the threshold, lower MaxDimensions, or project fewer columns`;

export type { PatternPlugin } from './plan-operators.js';
type PatternPlugin = P.PatternPlugin;

export interface PatternPluginArgs {
  plugin: PatternPlugin;
  /** basket/diffpatterns: Threshold; autocluster: SizeWeight. */
  ratio: number;
  /** basket/diffpatterns: MaxDimensions (0 = unlimited); autocluster: NumSeeds. */
  count: number;
  /** The weight column's index, if any. */
  weight?: number;
  /** diffpatterns: the split column's index and the two values (compared with tostring(column)). */
  split?: { index: number; a: string; b: string; asString: BoundExpr };
  /** CustomWildcard literals, by type. */
  wildcards: Map<KqlType, BoundExpr>;
}

const LEADING: Record<PatternPlugin, ColumnSchema[]> = {
  basket: [
    { name: 'SegmentId', type: 'long' },
    { name: 'Count', type: 'long' },
    { name: 'Percent', type: 'real' },
  ],
  autocluster: [
    { name: 'SegmentId', type: 'long' },
    { name: 'Count', type: 'long' },
    { name: 'Percent', type: 'real' },
  ],
  diffpatterns: [
    { name: 'SegmentId', type: 'long' },
    { name: 'CountA', type: 'long' },
    { name: 'CountB', type: 'long' },
    { name: 'PercentA', type: 'real' },
    { name: 'PercentB', type: 'real' },
    { name: 'PercentDiffAB', type: 'real' },
  ],
};

export function patternPluginPlan(input: P.PlanNode, args: PatternPluginArgs): P.PatternPluginPlan {
  const dims = input.schema.map((_, i) => i).filter((i) => i !== args.weight && i !== args.split?.index);
  const schema: ColumnSchema[] = [...LEADING[args.plugin], ...dims.map((i) => input.schema[i]!)];
  const node: P.PatternPluginPlan = { kind: 'patternPlugin', input, plugin: args.plugin, ratio: args.ratio, count: args.count, dimensions: dims, wildcards: args.wildcards, schema, serialized: true };
  if (args.weight !== undefined) node.weight = args.weight;
  if (args.split) node.split = { a: args.split.a, b: args.split.b, asString: args.split.asString };
  return node;
}
