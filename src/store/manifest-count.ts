/**
 * Exact row counts from the authenticated manifest (issue #20, the cold `count()`): when a query is
 * nothing but `count(*)` over ONE table's view — optionally with a TimeGenerated filter DuckDB pushed
 * into the scan as exact constant bounds — the rows of a sealed segment that lies wholly inside those
 * bounds need not be decrypted: they all count, and the manifest (MACed and chained, manifest.ts)
 * holds each segment's row count. This module is the one place that decides it:
 *
 * - `countShape` reads DuckDB's optimized plan (planned by the plan probe against stand-in tables)
 *   and accepts only: a constant LIMIT of at least one row without an offset on top (the query
 *   service's row cap: the aggregate's one row passes it), projections of column references (and
 *   constants below the aggregate), one ungrouped aggregate with exactly one plain `count_star()`,
 *   and one scan of a granted view whose only pushed filters are constant comparisons on
 *   TimeGenerated (AND-ed). Anything else — another filter, a LIMIT/sample below the aggregate or one
 *   that could drop its row, a join or union, DISTINCT, a grouped or second aggregate, a filter DuckDB
 *   could not push as exact bounds — is not a pure count, and the query runs as it is.
 * - `wholeInRange` says whether every row of a segment satisfies those bounds (its manifest bounds
 *   strictly inside them; a segment with rows lacking TimeGenerated has open bounds and never is).
 *
 * The query still runs over everything else (hot rows, the memory tier, segments cut by the bounds),
 * and the counted segments' rows are added to its single answer: what is not in a sealed segment
 * (unsealed rows, the log) is counted by DuckDB as always. Rows removed by purge are gone from the
 * rewritten segments and their manifest counts; retention drops whole segments; a resource-scoped
 * grant filters rows, so its view is never counted from the manifest (query.ts checks the grant).
 */
import type { SegmentEntry } from './manifest.js';
import { exactRangeOfFilter, intersectRange, type MicrosRange } from './time-pruning.js';

type Json = Record<string, unknown>;

/** A pure count over one view: the rows of that view within `range` (exact bounds, µs floored). */
export interface CountShape {
  view: string;
  range: MicrosRange;
}

const isRef = (e: Json) => e.expression_class === 'BOUND_REF' || e.expression_class === 'BOUND_COLUMN_REF';
const isConstant = (e: Json) => e.expression_class === 'BOUND_CONSTANT';

/** Keys a plain `count(*)` aggregate expression has in the serialized plan; any other (a FILTER clause, ORDER BY, children) disqualifies it. */
const COUNT_STAR_KEYS = new Set(['expression_class', 'type', 'alias', 'query_location', 'return_type', 'name', 'catalog_name', 'schema_name', 'has_serialize', 'aggregate_type', 'function_data']);

function isPlainCountStar(e: Json): boolean {
  if (e.expression_class !== 'BOUND_AGGREGATE' || e.name !== 'count_star' || e.aggregate_type !== 'NON_DISTINCT') return false;
  return Object.keys(e).every((k) => COUNT_STAR_KEYS.has(k));
}

const emptyOrAbsent = (v: unknown) => v === undefined || (Array.isArray(v) && v.length === 0);

/**
 * The count shape of an optimized plan (`json_serialize_plan`), or undefined when the plan is not a
 * pure count over one of `timeColumn`'s views. `timeColumn`: view → column index of TimeGenerated
 * (a view without one may still be counted, without filters).
 */
export function countShape(plan: Json, views: ReadonlySet<string>, timeColumn: ReadonlyMap<string, number>): CountShape | undefined {
  const plans = plan.plans as Json[] | undefined;
  if (plan.error || !plans || plans.length !== 1) return undefined;
  let n: Json | undefined = plans[0];
  // On top: a LIMIT that keeps the aggregate's one row (the query service caps every answer's rows so).
  if (n?.type === 'LOGICAL_LIMIT') {
    if (!keepsFirstRow(n)) return undefined;
    n = single(n);
  }
  // Above the aggregate: projections that only pass its value on.
  while (n?.type === 'LOGICAL_PROJECTION') {
    const exprs = (n.expressions as Json[] | undefined) ?? [];
    if (exprs.length !== 1 || !isRef(exprs[0]!)) return undefined;
    n = single(n);
  }
  if (n?.type !== 'LOGICAL_AGGREGATE_AND_GROUP_BY') return undefined;
  const aggs = (n.expressions as Json[] | undefined) ?? [];
  if (aggs.length !== 1 || !isPlainCountStar(aggs[0]!) || !emptyOrAbsent(n.groups) || !emptyOrAbsent(n.grouping_sets) || !emptyOrAbsent(n.grouping_functions)) return undefined;
  n = single(n);
  // Below it: projections cannot change how many rows there are, but one computing something could
  // fail at run time; DuckDB reduces the unused columns of a count to constants.
  while (n?.type === 'LOGICAL_PROJECTION') {
    if (!((n.expressions as Json[] | undefined) ?? []).every((e) => isRef(e) || isConstant(e))) return undefined;
    n = single(n);
  }
  if (n?.type !== 'LOGICAL_GET' || n.name !== 'seq_scan' || !emptyOrAbsent(n.children)) return undefined;
  const view = (n.function_data as { table?: unknown } | undefined)?.table;
  if (typeof view !== 'string' || !views.has(view)) return undefined;
  const time = timeColumn.get(view);
  let range: MicrosRange = {};
  for (const f of (n.table_filters as { filters?: { key: number; value: Json }[] } | undefined)?.filters ?? []) {
    if (time === undefined || f.key !== time) return undefined;
    const r = exactRangeOfFilter(f.value);
    if (!r) return undefined;
    range = intersectRange(range, r);
  }
  return { view, range };
}

/** A LIMIT of a constant number of rows (at least one) without an offset: the first row always passes. */
function keepsFirstRow(n: Json): boolean {
  const limit = n.limit_val as Json | undefined;
  const offset = n.offset_val as Json | undefined;
  const count = limit?.constant_integer;
  if (limit?.type !== 'CONSTANT_VALUE' || typeof count !== 'number' || !(count >= 1)) return false;
  return offset === undefined || offset.type === 'UNSET' || (offset.type === 'CONSTANT_VALUE' && offset.constant_integer === 0);
}

function single(n: Json): Json | undefined {
  const kids = (n.children as Json[] | undefined) ?? [];
  return kids.length === 1 ? kids[0] : undefined;
}

/**
 * Whether every row of `seg` lies within `range`. The manifest's bounds are floored µs of the first
 * and last row, the range's floored µs of the first and last tick allowed, so only bounds strictly
 * inside prove it to the tick.
 */
export function wholeInRange(seg: SegmentEntry, range: MicrosRange): boolean {
  return (range.lo === undefined || seg.minTime > range.lo) && (range.hi === undefined || seg.maxTime < range.hi);
}
