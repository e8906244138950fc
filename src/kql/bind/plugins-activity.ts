/**
 * bind/plugins-activity.ts — binds the activity evaluate plugins (plan-activity.ts):
 * sliding_window_counts, activity_counts_metrics and dcount_intersect. Arguments are checked here
 * (types, columns, counts) so bad input is a SemanticError (HTTP 400); the per-query limits that
 * depend on values known only when running (the number of periods) are enforced by the SQL.
 */
import type * as A from '../ast.js';
import type { BoundExpr } from '../bound.js';
import type { Span } from '../errors.js';
import type { ActivityPluginPlan, TimelinePeriods } from '../plan-activity.js';
import type { PlanNode } from '../planner.js';
import { isNumeric, type ColumnSchema, type KqlType } from '../types.js';

/** What the plugins need from the binder: expressions over the input row or constants, and errors. */
export interface ActivityBindTools {
  /** An expression over the input row. */
  row(e: A.Expr): BoundExpr;
  /** An expression that reads no row (Start, End, Step, …). */
  constant(e: A.Expr): BoundExpr;
  error(span: Span, message: string): Error;
}

export const ACTIVITY_PLUGINS = new Set(['sliding_window_counts', 'activity_counts_metrics', 'activity_metrics', 'new_activity_metrics', 'active_users_count', 'rolling_percentile', 'dcount_intersect', 'funnel_sequence_completion', 'session_count']);

/** Steps and windows funnel_sequence_completion accepts (each step is one join over the input). */
export const FUNNEL_MAX_STEPS = 32;
export const FUNNEL_MAX_WINDOWS = 64;

/** The largest BinsPerWindow of rolling_percentile (each row is counted in that many windows). */
export const ROLLING_MAX_BINS_PER_WINDOW = 10_000;

/** The kind of axis a timeline argument lives on. */
function axisOf(t: KqlType): 'datetime' | 'timespan' | 'number' | undefined {
  return t === 'datetime' ? 'datetime' : t === 'timespan' ? 'timespan' : isNumeric(t) && t !== 'decimal' ? 'number' : undefined;
}

/** The elements of a constant dynamic array, or undefined. */
function constJsonArray(e: BoundExpr): unknown[] | undefined {
  if (e.k !== 'lit' || e.type !== 'dynamic' || typeof e.value !== 'string') return undefined;
  try {
    const v = JSON.parse(e.value) as unknown;
    return Array.isArray(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

function columnName(e: BoundExpr, fallback: string): string {
  return e.k === 'col' ? e.name : fallback;
}

/** IdColumn, TimelineColumn, Start, End, then the step argument at `stepAt`; dimensions from `dimsFrom`. */
function bindPeriods(name: string, op: A.EvaluateOp, t: ActivityBindTools, step: [number, string], extra: [number, string][], dimsFrom: number): TimelinePeriods & { extras: BoundExpr[] } {
  const args = op.args;
  if (args.length < dimsFrom) throw t.error(op.pluginSpan, `${name}(): expects at least ${dimsFrom} arguments, got ${args.length}`);
  const id = t.row(args[0]!);
  const timeline = t.row(args[1]!);
  if (timeline.k !== 'col') throw t.error(args[1]!.span, `${name}(): TimelineColumn must be a column of the input`);
  const axis = axisOf(timeline.type);
  if (!axis) throw t.error(args[1]!.span, `${name}(): TimelineColumn must be a datetime, timespan or numeric column, got '${timeline.type}'`);
  const sameAxis = (a: A.Expr, what: string): BoundExpr => {
    const v = t.constant(a);
    if (axisOf(v.type) !== axis) throw t.error(a.span, `${name}(): ${what} must be of the TimelineColumn's type (${timeline.type}), got '${v.type}'`);
    return v;
  };
  const stepOf = (a: A.Expr, what: string): BoundExpr => {
    const v = t.constant(a);
    if (v.type === 'string') throw t.error(a.span, `${name}(): ${what} as 'week', 'month' or 'year' is not supported by Vigil; give a ${axis === 'number' ? 'number' : 'timespan'}`);
    const want = axis === 'number' ? 'number' : 'timespan';
    if (axisOf(v.type) !== want) throw t.error(a.span, `${name}(): ${what} must be a ${want}, got '${v.type}'`);
    if (v.k === 'lit' && v.value !== null && !(Number(v.value) > 0)) throw t.error(a.span, `${name}(): ${what} must be greater than zero`);
    return v;
  };
  const start = sameAxis(args[2]!, 'Start');
  const end = sameAxis(args[3]!, 'End');
  const stepArg = stepOf(args[step[0]]!, step[1]);
  const extras = extra.map(([i, what]) => stepOf(args[i]!, what));
  const dimensions = args.slice(dimsFrom).map((a) => {
    const d = t.row(a);
    if (d.k !== 'col') throw t.error(a.span, `${name}(): dimensions must be columns of the input`);
    return d;
  });
  return { id, timeline, start, end, step: stepArg, dimensions, extras };
}

function periodSchema(p: TimelinePeriods, counts: string[], after: ColumnSchema[] = [], dimsLast = false): ColumnSchema[] {
  const names = new Set<string>();
  const out: ColumnSchema[] = [];
  const dims = p.dimensions.map((d): ColumnSchema => ({ name: columnName(d, 'Column1'), type: d.type }));
  const values = [...counts.map((n): ColumnSchema => ({ name: n, type: 'long' })), ...after];
  for (const c of [{ name: columnName(p.timeline, 'Timestamp'), type: p.timeline.type }, ...(dimsLast ? [...values, ...dims] : [...dims, ...values])]) {
    if (names.has(c.name)) throw new Error(`duplicate column '${c.name}'`);
    names.add(c.name);
    out.push(c);
  }
  return out;
}

export function bindActivityPlugin(input: PlanNode, op: A.EvaluateOp, t: ActivityBindTools): ActivityPluginPlan {
  const dup = (f: () => ColumnSchema[]): ColumnSchema[] => {
    try {
      return f();
    } catch (e) {
      throw t.error(op.pluginSpan, `${op.plugin}(): ${(e as Error).message} in the output`);
    }
  };
  switch (op.plugin) {
    case 'sliding_window_counts': {
      // (IdColumn, TimelineColumn, Start, End, LookbackWindow, Bin, dim…)
      const p = bindPeriods(op.plugin, op, t, [5, 'Bin'], [[4, 'LookbackWindow']], 6);
      const { extras, ...periods } = p;
      const schema = dup(() => periodSchema(periods, ['Count', 'dcount']));
      return { kind: 'slidingWindowCounts', input, ...periods, lookback: extras[0]!, schema, serialized: true };
    }
    case 'activity_counts_metrics': {
      // (IdColumn, TimelineColumn, Start, End, Step, dim…)
      const { extras: _e, ...periods } = bindPeriods(op.plugin, op, t, [4, 'Step'], [], 5);
      const schema = dup(() => periodSchema(periods, ['count', 'dcount', 'new_dcount', 'aggregated_dcount']));
      return { kind: 'activityCountsMetrics', input, ...periods, schema, serialized: true };
    }
    case 'activity_metrics': {
      // (IdColumn, TimelineColumn, Start, End, Window, dim…); the dimensions come last in the output
      if (op.args.length >= 3 && op.args.length < 5) throw t.error(op.pluginSpan, 'activity_metrics(): Vigil needs Start and End: activity_metrics(IdColumn, TimelineColumn, Start, End, Window [, dim…])');
      const { extras: _e, ...periods } = bindPeriods(op.plugin, op, t, [4, 'Window'], [], 5);
      const rates: ColumnSchema[] = [{ name: 'retention_rate', type: 'real' }, { name: 'churn_rate', type: 'real' }];
      const schema = dup(() => periodSchema(periods, ['dcount_values', 'dcount_newvalues'], rates, true));
      return { kind: 'activityMetrics', input, ...periods, schema, serialized: true };
    }
    case 'new_activity_metrics': {
      // (IdColumn, TimelineColumn, Start, End, Window [, Cohort] [, dim…] [, Lookback])
      const rest = op.args.slice(5);
      const isColumn = (a: A.Expr) => a.kind === 'name' && input.schema.some((c) => c.name === a.name);
      let cohortArg: A.Expr | undefined;
      // the Cohort is a constant: a literal or a let-bound scalar (the docs pass `_start`), not a column
      if (rest.length && !isColumn(rest[0]!) && rest[0]!.kind !== 'subquery') cohortArg = rest.shift();
      const last = rest[rest.length - 1];
      if (last && (last.kind === 'subquery' || !isColumn(last))) throw t.error(last.span, 'new_activity_metrics(): the Lookback table is not supported by Vigil');
      const { extras: _e, ...periods } = bindPeriods(op.plugin, { ...op, args: [...op.args.slice(0, 5), ...rest] }, t, [4, 'Window'], [], 5);
      const cohort = cohortArg ? t.constant(cohortArg) : undefined;
      if (cohort && axisOf(cohort.type) !== axisOf(periods.timeline.type)) throw t.error(cohortArg!.span, `new_activity_metrics(): Cohort must be of the TimelineColumn's type (${periods.timeline.type}), got '${cohort.type}'`);
      const tl = columnName(periods.timeline, 'Timestamp');
      const rates: ColumnSchema[] = [{ name: 'retention_rate', type: 'real' }, { name: 'churn_rate', type: 'real' }];
      const base = { ...periods, timeline: periods.timeline };
      const schema = dup(() => {
        const s = periodSchema(base, ['dcount_new_values', 'dcount_retained_values', 'dcount_churn_values'], rates, true);
        // the timeline column is twice: from_ and to_
        return [{ name: `from_${tl}`, type: periods.timeline.type }, { name: `to_${tl}`, type: periods.timeline.type }, ...s.slice(1)];
      });
      return { kind: 'newActivityMetrics', input, ...periods, ...(cohort ? { cohort } : {}), schema, serialized: true };
    }
    case 'active_users_count': {
      // (IdColumn, TimelineColumn, Start, End, LookbackWindow, Period, ActivePeriodsCount, Bin, dim…)
      const { extras, ...periods } = bindPeriods(op.plugin, op, t, [7, 'Bin'], [[4, 'LookbackWindow'], [5, 'Period']], 8);
      const activePeriods = t.constant(op.args[6]!);
      if (!isNumeric(activePeriods.type) || activePeriods.type === 'decimal') throw t.error(op.args[6]!.span, `active_users_count(): ActivePeriodsCount must be a number, got '${activePeriods.type}'`);
      const schema = dup(() => periodSchema(periods, ['dcount']));
      return { kind: 'activeUsersCount', input, ...periods, lookback: extras[0]!, period: extras[1]!, activePeriods, schema, serialized: true };
    }
    case 'rolling_percentile': {
      // (ValueColumn, Percentile, IndexColumn, BinSize, BinsPerWindow, dim…)
      const name = op.plugin;
      if (op.args.length < 5) throw t.error(op.pluginSpan, `${name}(): expects at least 5 arguments, got ${op.args.length}`);
      const value = t.row(op.args[0]!);
      if (value.k !== 'col' || !(isNumeric(value.type) || value.type === 'datetime' || value.type === 'timespan')) throw t.error(op.args[0]!.span, `${name}(): ValueColumn must be a numeric, datetime or timespan column of the input`);
      const pct = t.constant(op.args[1]!);
      const percentile = pct.k === 'lit' && isNumeric(pct.type) ? Number(pct.value) : NaN;
      if (!(percentile >= 0 && percentile <= 100)) throw t.error(op.args[1]!.span, `${name}(): Percentile must be a number between 0 and 100`);
      const index = t.row(op.args[2]!);
      const axis = axisOf(index.type);
      if (index.k !== 'col' || !axis) throw t.error(op.args[2]!.span, `${name}(): IndexColumn must be a datetime, timespan or numeric column of the input`);
      const binSize = t.constant(op.args[3]!);
      const want = axis === 'number' ? 'number' : 'timespan';
      if (axisOf(binSize.type) !== want) throw t.error(op.args[3]!.span, `${name}(): BinSize must be a ${want}, got '${binSize.type}'`);
      if (binSize.k !== 'lit' || !(Number(binSize.value) > 0)) throw t.error(op.args[3]!.span, `${name}(): BinSize must be a constant greater than zero`);
      const w = t.constant(op.args[4]!);
      const binsPerWindow = w.k === 'lit' && (w.type === 'int' || w.type === 'long') ? Number(w.value) : NaN;
      if (!(Number.isInteger(binsPerWindow) && binsPerWindow >= 1 && binsPerWindow <= ROLLING_MAX_BINS_PER_WINDOW)) throw t.error(op.args[4]!.span, `${name}(): BinsPerWindow must be an integer from 1 to ${ROLLING_MAX_BINS_PER_WINDOW}`);
      const dimensions = op.args.slice(5).map((a) => {
        const d = t.row(a);
        if (d.k !== 'col') throw t.error(a.span, `${name}(): dimensions must be columns of the input`);
        return d;
      });
      const out = `rolling_${binsPerWindow}_percentile_${columnName(value, '')}_${String(percentile)}`; // the percentile as written (99.5 → rolling_…_99.5), as Kusto.Language names it
      const periods = { timeline: index, dimensions } as unknown as TimelinePeriods;
      const schema = dup(() => periodSchema(periods, [], [{ name: out, type: value.type === 'int' ? 'long' : value.type }]));
      return { kind: 'rollingPercentile', input, value, percentile, index, binSize, binsPerWindow, dimensions, schema, serialized: true };
    }
    case 'dcount_intersect': {
      if (op.args.length < 2) throw t.error(op.pluginSpan, 'dcount_intersect(): expects at least two hll() values');
      if (op.args.length > 16) throw t.error(op.pluginSpan, 'dcount_intersect(): expects at most 16 hll() values');
      const sketches = op.args.map((a) => {
        const v = t.row(a);
        if (v.type !== 'dynamic') throw t.error(a.span, `dcount_intersect(): the arguments must be hll() values (dynamic), got '${v.type}'`);
        return v;
      });
      // the input's rows, each extended with s0 … sN-1 (Kusto.Language's schema of the plugin; the docs' "N dcount values (per column)")
      const names = new Set(input.schema.map((c) => c.name));
      const unique = (base: string) => { let n = base; for (let k = 1; names.has(n); k++) n = `${base}${k}`; names.add(n); return n; };
      const schema = [...input.schema, ...sketches.map((_, i): ColumnSchema => ({ name: unique(`s${i}`), type: 'long' }))];
      return { kind: 'dcountIntersect', input, sketches, schema, serialized: false };
    }
    case 'session_count': {
      // (IdColumn, TimelineColumn, Start, End, Bin, LookBackWindow, dim…)
      const { extras, ...periods } = bindPeriods(op.plugin, op, t, [4, 'Bin'], [[5, 'LookBackWindow']], 6);
      const schema = dup(() => periodSchema(periods, ['count_sessions']));
      return { kind: 'sessionCount', input, ...periods, lookback: extras[0]!, schema, serialized: true };
    }
    case 'funnel_sequence_completion': {
      // (IdColumn, TimelineColumn, Start, End, BinSize, StateColumn, Sequence, MaxSequenceStepWindows)
      const name = op.plugin;
      if (op.args.length !== 8) throw t.error(op.pluginSpan, `${name}(): expects 8 arguments (IdColumn, TimelineColumn, Start, End, BinSize, StateColumn, Sequence, MaxSequenceStepWindows), got ${op.args.length}`);
      const { extras: _e, ...periods } = bindPeriods(name, { ...op, args: op.args.slice(0, 5) }, t, [4, 'BinSize'], [], 5);
      const state = t.row(op.args[5]!);
      if (state.k !== 'col' || state.type !== 'string') throw t.error(op.args[5]!.span, `${name}(): StateColumn must be a string column of the input`);
      const seq = t.constant(op.args[6]!);
      const sequence = constJsonArray(seq);
      if (!sequence || sequence.length === 0 || sequence.length > FUNNEL_MAX_STEPS || !sequence.every((v) => typeof v === 'string')) {
        throw t.error(op.args[6]!.span, `${name}(): Sequence must be a constant dynamic array of 1 to ${FUNNEL_MAX_STEPS} strings`);
      }
      const windows = t.constant(op.args[7]!);
      const w = constJsonArray(windows);
      if (!w || w.length === 0 || w.length > FUNNEL_MAX_WINDOWS) throw t.error(op.args[7]!.span, `${name}(): MaxSequenceStepWindows must be a constant dynamic array of 1 to ${FUNNEL_MAX_WINDOWS} values`);
      const axis = axisOf(periods.timeline.type);
      const windowType = axis === 'number' ? (periods.timeline.type === 'real' ? 'real' : 'long') : 'timespan';
      const schema = dup(() => periodSchema(periods, [], [{ name: columnName(state, 'State'), type: 'string' }, { name: 'Period', type: windowType }, { name: 'dcount', type: 'long' }]));
      return { kind: 'funnelSequenceCompletion', input, ...periods, state, sequence: sequence as string[], windows, windowCount: w.length, windowType, schema, serialized: true };
    }
    default:
      throw t.error(op.pluginSpan, `The plugin '${op.plugin}' is not supported`);
  }
}
