/**
 * window.ts — the window functions (row_number, prev, next, row_cumsum, row_rank_dense,
 * row_rank_min) over a serialized row set, in DuckDB's row order (`OVER ()` keeps the input order).
 *
 * Each entry of WINDOW_FUNCTIONS declares its signature and result type (`bind`), its SQL (`emit`)
 * and the bound call it makes (`call`); the binder only checks that the row set is serialized.  SQL
 * cannot nest window functions, so the `restart` forms and the ranks run in stages: a first step
 * computes a hidden column (an extend beneath), the next one reads it — see `stagedWindow`.
 */
import type { BoundExpr, ScalarFunction, SqlArg } from '../bound.js';
import { isIntegral, isNumeric, sqlType, type KqlType } from '../types.js';
import type { PlanNode } from '../planner.js';
import { extend } from '../planner.js';
import { scanPlan } from '../scan.js';
import { fail } from './define.js';

/** The frame of a running window: from the first row to the current one. */
const RUNNING = 'ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW';

function windowFn(name: string, emit: (a: SqlArg[], resultType: KqlType) => string): ScalarFunction {
  return { name, minArgs: 0, maxArgs: 3, bind: () => 'dynamic', emit: (args, _ctx, resultType) => emit(args, resultType ?? 'dynamic'), window: true };
}

/** row_number([start]) */
const ROW_NUMBER = windowFn('row_number', (a) => `(row_number() OVER () ${a[0] ? `+ CAST(${a[0].sql} AS BIGINT) - 1` : ''})`);
/** row_number(start, restart), stage 1: the row number of each row that starts a numbering (restart, or the first row). */
const ROW_NUMBER_RESTART_ROWS = windowFn('row_number', (a) => `(CASE WHEN coalesce(${a[0]!.sql}, FALSE) OR row_number() OVER () = 1 THEN row_number() OVER () END)`);
/** row_number(start, restart), stage 2 (restart rows, start): counted from the latest restart row. */
const ROW_NUMBER_RESTARTED = windowFn('row_number', (a) => `(row_number() OVER () - max(${a[0]!.sql}) OVER (${RUNNING}) + CAST(${a[1]!.sql} AS BIGINT))`);

/** prev(x, offset[, default]) / next(…): lag / lead; the default cast to x's type. */
function shifted(name: 'prev' | 'next'): ScalarFunction {
  const f = name === 'prev' ? 'lag' : 'lead';
  return windowFn(name, (a) => {
    const off = a[1] ? a[1].sql : '1';
    const d = a[2] ? `, CAST(${a[2].sql} AS ${sqlType(a[0]!.type)})` : '';
    return `${f}(${a[0]!.sql}, ${off}${d}) OVER ()`;
  });
}
const PREV = shifted('prev');
const NEXT = shifted('next');

/** row_cumsum(x): the running sum, of the call's type. */
const ROW_CUMSUM = windowFn('row_cumsum', (a, t) => `CAST(sum(${a[0]!.sql}) OVER (ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS ${sqlType(t)})`);
/** row_cumsum(x, restart), stage 1: the running sum (c), at restart rows the sum before them (b) and their row number (n). */
const ROW_CUMSUM_RESTART_STATE = windowFn('row_cumsum', (a) =>
  `struct_pack(c := sum(${a[0]!.sql}) OVER (${RUNNING}), b := (CASE WHEN coalesce(${a[1]!.sql}, FALSE) THEN sum(${a[0]!.sql}) OVER (${RUNNING}) - coalesce(${a[0]!.sql}, 0) END), n := (CASE WHEN coalesce(${a[1]!.sql}, FALSE) THEN row_number() OVER () END))`);
/** row_cumsum(x, restart), stage 2: the running sum less the running sum just before the last restart row. */
const ROW_CUMSUM_RESTARTED = windowFn('row_cumsum', (a, t) =>
  `CAST((${a[0]!.sql}).c - coalesce(arg_max((${a[0]!.sql}).b, (${a[0]!.sql}).n) OVER (${RUNNING}), 0) AS ${sqlType(t)})`);

/**
 * row_rank_dense / row_rank_min (term, restart).  A new rank starts where the term differs from the
 * previous row's; `restart` starts the ranking over (at 1) where it is true, as on the first row.
 */
function ranks(name: 'row_rank_dense' | 'row_rank_min') {
  return {
    /** stage 1 (term, restart): the row number where a run starts (f) and where a ranking starts (r) */
    starts: windowFn(name, (a) => {
      const v = a[0]!.type === 'string' ? `coalesce(${a[0]!.sql}, '')` : a[0]!.sql;
      const starts = `(row_number() OVER () = 1 OR coalesce(${a[1]!.sql}, FALSE))`;
      return `struct_pack(f := (CASE WHEN ${starts} OR ${v} IS DISTINCT FROM lag(${v}) OVER () THEN row_number() OVER () END), r := (CASE WHEN ${starts} THEN row_number() OVER () END))`;
    }),
    /** row_rank_min, stage 2: the run's first row, counted from the ranking's first row */
    min: windowFn(name, (a) => `(max((${a[0]!.sql}).f) OVER (${RUNNING}) - max((${a[0]!.sql}).r) OVER (${RUNNING}) + 1)`),
    /**
     * row_rank_dense, stage 2: runs started so far (c), and those started before the ranking began (b).
     * The latest non-null value of an increasing column is its running max(): two
     * last_value(… IGNORE NULLS) windows in one SELECT give wrong answers in DuckDB 1.5.
     */
    counts: windowFn(name, (a) =>
      `struct_pack(c := count((${a[0]!.sql}).f) OVER (${RUNNING}), b := (CASE WHEN (${a[0]!.sql}).r IS NOT NULL THEN count((${a[0]!.sql}).f) OVER (${RUNNING}) - 1 END))`),
    /** row_rank_dense, stage 3 */
    dense: windowFn(name, (a) => `((${a[0]!.sql}).c - max((${a[0]!.sql}).b) OVER (${RUNNING}))`),
  };
}
const ROW_RANK_DENSE = ranks('row_rank_dense');
const ROW_RANK_MIN = ranks('row_rank_min');

/**
 * A window function computed in stages: `pre` goes into a hidden column of an extend beneath, and
 * the call is replaced by `after` over that column (the binder's hoistStagedWindows).  It never
 * reaches SQL emission itself.
 */
export interface StagedWindow {
  /** The first stage, computed by an extend beneath… */
  pre?: BoundExpr;
  /** …or by an operator over the input that appends one column (a sequential fold: row_window_session). */
  stage?: (input: PlanNode, id: number) => PlanNode;
  after: (hidden: BoundExpr) => BoundExpr;
}
export const STAGED_WINDOWS = new WeakMap<ScalarFunction, StagedWindow>();

export function stagedWindow(name: string, staged: StagedWindow): ScalarFunction {
  const f = windowFn(name, () => {
    throw new Error(`${name}(): a staged window function reached SQL emission without its stage`);
  });
  STAGED_WINDOWS.set(f, staged);
  return f;
}

/** A window function as the binder sees it: its signature and type (`bind`), and the bound call over checked arguments. */
export interface WindowFunction extends ScalarFunction {
  call(args: BoundExpr[], type: KqlType): BoundExpr;
}

const ONE: BoundExpr = { k: 'lit', type: 'long', value: 1n };
const FALSE: BoundExpr = { k: 'lit', type: 'bool', value: false };
const callOf = (fn: ScalarFunction, type: KqlType, args: BoundExpr[]): BoundExpr => ({ k: 'call', fn, args, type });

function windowEntry(step: ScalarFunction, minArgs: number, maxArgs: number, bind: WindowFunction['bind'], call: WindowFunction['call']): WindowFunction {
  return { ...step, minArgs, maxArgs, bind, call };
}

function requireRestart(args: { type: KqlType }[], name: string): void {
  if (args[1] && args[1].type !== 'bool') fail(`${name}(): the 'restart' argument must be bool`, 1);
}

/** row_number([start [, restart]]): numbering restarts at `start` on every row where restart is true. */
const rowNumber = windowEntry(ROW_NUMBER, 0, 2, (args) => {
  if (args[0] && !isIntegral(args[0].type)) fail('row_number(): the starting index must be an integer', 0);
  requireRestart(args, 'row_number');
  return 'long';
}, (args, type) => {
  if (!args[1]) return callOf(rowNumber, type, args.slice(0, 1));
  const start = args[0] ?? ONE;
  return callOf(stagedWindow('row_number', { pre: callOf(ROW_NUMBER_RESTART_ROWS, 'long', [args[1]]), after: (h) => callOf(ROW_NUMBER_RESTARTED, 'long', [h, start]) }), type, []);
});

/** prev(x [, offset [, default]]) / next(…): offset an integer constant, default of x's type. */
function shiftedEntry(name: 'prev' | 'next'): WindowFunction {
  const entry: WindowFunction = windowEntry(name === 'prev' ? PREV : NEXT, 1, 3, (args) => {
    const x = args[0]!;
    if (args[1] && !(args[1].literal && isIntegral(args[1].type))) fail(`${name}(): the offset must be an integer constant`, 1);
    const def = args[2];
    if (def && def.type !== x.type && !(def.literal && def.literal.value === null) && !(isNumeric(def.type) && isNumeric(x.type))) {
      fail(`${name}(): the default value must be of type '${x.type}'`, 2);
    }
    return x.type;
  }, (args, type) => {
    const x = args[0]!;
    let def = args[2];
    if (def && def.type !== x.type && def.k === 'lit' && def.value === null) def = { k: 'lit', type: x.type, value: null };
    return callOf(entry, type, [x, args[1] ?? ONE, ...(def ? [def] : [])]);
  });
  return entry;
}

/** row_cumsum(x [, restart]): the running sum, less the running sum just before the last restart row. */
const rowCumsum = windowEntry(ROW_CUMSUM, 1, 2, (args) => {
  const x = args[0]!;
  if (!isNumeric(x.type) && x.type !== 'timespan') fail(`row_cumsum(): expects a numeric value, got '${x.type}'`, 0);
  requireRestart(args, 'row_cumsum');
  return x.type === 'int' ? 'long' : x.type;
}, (args, type) => {
  if (!args[1]) return callOf(rowCumsum, type, [args[0]!]);
  const pre = callOf(ROW_CUMSUM_RESTART_STATE, 'dynamic', [args[0]!, args[1]]);
  return callOf(stagedWindow('row_cumsum', { pre, after: (h) => callOf(ROW_CUMSUM_RESTARTED, type, [h]) }), type, []);
});

/** row_rank_dense / row_rank_min (term [, restart]): always staged. */
function rankEntry(name: 'row_rank_dense' | 'row_rank_min'): WindowFunction {
  const rank = name === 'row_rank_dense' ? ROW_RANK_DENSE : ROW_RANK_MIN;
  return windowEntry(rank.starts, 1, 2, (args) => {
    if (args[0]!.type === 'dynamic') fail(`${name}(): the term cannot be dynamic`, 0);
    requireRestart(args, name);
    return 'long';
  }, (args, type) => {
    // stage 1: the row number where a run starts and where a ranking starts
    const stage1 = callOf(rank.starts, 'dynamic', [args[0]!, args[1] ?? FALSE]);
    if (name === 'row_rank_min') return callOf(stagedWindow(name, { pre: stage1, after: (h) => callOf(rank.min, 'long', [h]) }), type, []);
    // row_rank_dense: runs started so far, less those started before the ranking began
    const after = (h1: BoundExpr): BoundExpr =>
      callOf(stagedWindow(name, { pre: callOf(rank.counts, 'dynamic', [h1]), after: (h2) => callOf(rank.dense, 'long', [h2]) }), 'long', []);
    return callOf(stagedWindow(name, { pre: stage1, after }), type, []);
  });
}

/**
 * row_window_session(x, maxFromFirst, maxBetweenNeighbors [, restart]), one step of the fold over
 * (x, session start so far, previous x, maxFromFirst, maxBetweenNeighbors, restart): a new session
 * starts at x when there is no session (or x is null), when x is at or past the session's start plus
 * maxFromFirst or the previous x plus maxBetweenNeighbors, or when restart is true.
 */
const WINDOW_SESSION_STEP: ScalarFunction = {
  name: 'row_window_session', minArgs: 6, maxArgs: 6, bind: () => 'datetime',
  emit: ([x, start, prev, fromFirst, neighbors, restart]) =>
    `(CASE WHEN ${start!.sql} IS NULL OR ${x!.sql} IS NULL OR ${x!.sql} - ${start!.sql} >= ${fromFirst!.sql} OR ${x!.sql} - ${prev!.sql} >= ${neighbors!.sql} OR coalesce(${restart!.sql}, FALSE) THEN ${x!.sql} ELSE ${start!.sql} END)`,
};

/**
 * row_window_session is a fold (each session start depends on the previous one), so it runs as a
 * one-step scan (scan.ts) that matches every row: its arguments go into hidden columns of an extend
 * beneath, the scan declares the session start and assigns it from the state of the previous row.
 */
const rowWindowSession: WindowFunction = windowEntry(WINDOW_SESSION_STEP, 3, 4, (args) => {
  if (args[0]!.type !== 'datetime') fail(`row_window_session(): the first argument must be a datetime, got '${args[0]!.type}'`, 0);
  if (args[1]!.type !== 'timespan') fail(`row_window_session(): MaxDistanceFromFirst must be a timespan, got '${args[1]!.type}'`, 1);
  if (args[2]!.type !== 'timespan') fail(`row_window_session(): MaxDistanceBetweenNeighbors must be a timespan, got '${args[2]!.type}'`, 2);
  if (args[3] && args[3].type !== 'bool') fail(`row_window_session(): the 'restart' argument must be bool`, 3);
  return 'datetime';
}, (args) => {
  const stage = (input: PlanNode, id: number): PlanNode => {
    const w0 = input.schema.length;
    const argCols = [...args.slice(0, 3), args[3] ?? FALSE].map((expr, i) => ({ name: `\u0000s${w0 + i}`, expr }));
    const ext = extend(input, argCols);
    const w = ext.schema.length + 1;
    const col = (index: number): BoundExpr => ({ k: 'col', index, name: (index < w ? ext.schema[index]?.name : undefined) ?? `\u0000s${index}`, type: index % w < w - 1 ? ext.schema[index % w]!.type : 'datetime' });
    // the record: the extended input, then the session start; slot s1 (positions w…2w-1) is the previous row
    const step = callOf(WINDOW_SESSION_STEP, 'datetime', [col(w0), col(2 * w - 1), col(w + w0), col(w0 + 1), col(w0 + 2), col(w0 + 3)]);
    return scanPlan(ext, {
      record: [...ext.schema, { name: `\u0000s${w - 1}`, type: 'datetime' }],
      inputWidth: w - 1,
      defaults: [{ k: 'lit', type: 'datetime', value: null }],
      steps: [{ output: 'all', condition: { k: 'lit', type: 'bool', value: true }, assignments: new Map([[w - 1, step]]) }],
    }, id);
  };
  return callOf(stagedWindow('row_window_session', { stage, after: (h) => h }), 'datetime', []);
});

/** The window functions by name. */
export const WINDOW_FUNCTIONS: ReadonlyMap<string, WindowFunction> = new Map(
  [rowNumber, shiftedEntry('prev'), shiftedEntry('next'), rowCumsum, rankEntry('row_rank_dense'), rankEntry('row_rank_min'), rowWindowSession].map((f) => [f.name, f]),
);
