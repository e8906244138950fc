/**
 * window.ts — the window functions (row_number, prev, next, row_cumsum, row_rank_dense,
 * row_rank_min) over a serialized row set, in DuckDB's row order (`OVER ()` keeps the input order).
 *
 * The binder checks arguments (they need the row's serialization, which a plain entry's `bind`
 * cannot see) and builds calls to the entries here.  SQL cannot nest window functions, so the
 * `restart` forms and the ranks run in stages: a first entry computes a hidden column (an extend
 * beneath), the next one reads it — see `stagedWindow`.
 */
import type { BoundExpr, ScalarFunction, SqlArg } from '../bound.js';
import { sqlType, type KqlType } from '../types.js';

/** The frame of a running window: from the first row to the current one. */
const RUNNING = 'ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW';

function windowFn(name: string, emit: (a: SqlArg[], resultType: KqlType) => string): ScalarFunction {
  return { name, minArgs: 0, maxArgs: 3, bind: () => 'dynamic', emit: (args, _ctx, resultType) => emit(args, resultType ?? 'dynamic'), window: true };
}

/** row_number([start]) */
export const ROW_NUMBER = windowFn('row_number', (a) => `(row_number() OVER () ${a[0] ? `+ CAST(${a[0].sql} AS BIGINT) - 1` : ''})`);
/** row_number(start, restart), stage 1: the row number of each row that starts a numbering (restart, or the first row). */
export const ROW_NUMBER_RESTART_ROWS = windowFn('row_number', (a) => `(CASE WHEN coalesce(${a[0]!.sql}, FALSE) OR row_number() OVER () = 1 THEN row_number() OVER () END)`);
/** row_number(start, restart), stage 2 (restart rows, start): counted from the latest restart row. */
export const ROW_NUMBER_RESTARTED = windowFn('row_number', (a) => `(row_number() OVER () - max(${a[0]!.sql}) OVER (${RUNNING}) + CAST(${a[1]!.sql} AS BIGINT))`);

/** prev(x, offset[, default]) / next(…): lag / lead; the default cast to x's type. */
function shifted(name: 'prev' | 'next'): ScalarFunction {
  const f = name === 'prev' ? 'lag' : 'lead';
  return windowFn(name, (a) => {
    const off = a[1] ? a[1].sql : '1';
    const d = a[2] ? `, CAST(${a[2].sql} AS ${sqlType(a[0]!.type)})` : '';
    return `${f}(${a[0]!.sql}, ${off}${d}) OVER ()`;
  });
}
export const PREV = shifted('prev');
export const NEXT = shifted('next');

/** row_cumsum(x): the running sum, of the call's type. */
export const ROW_CUMSUM = windowFn('row_cumsum', (a, t) => `CAST(sum(${a[0]!.sql}) OVER (ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS ${sqlType(t)})`);
/** row_cumsum(x, restart), stage 1: the running sum (c), at restart rows the sum before them (b) and their row number (n). */
export const ROW_CUMSUM_RESTART_STATE = windowFn('row_cumsum', (a) =>
  `struct_pack(c := sum(${a[0]!.sql}) OVER (${RUNNING}), b := (CASE WHEN coalesce(${a[1]!.sql}, FALSE) THEN sum(${a[0]!.sql}) OVER (${RUNNING}) - coalesce(${a[0]!.sql}, 0) END), n := (CASE WHEN coalesce(${a[1]!.sql}, FALSE) THEN row_number() OVER () END))`);
/** row_cumsum(x, restart), stage 2: the running sum less the running sum just before the last restart row. */
export const ROW_CUMSUM_RESTARTED = windowFn('row_cumsum', (a, t) =>
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
export const ROW_RANK_DENSE = ranks('row_rank_dense');
export const ROW_RANK_MIN = ranks('row_rank_min');

/**
 * A window function computed in stages: `pre` goes into a hidden column of an extend beneath, and
 * the call is replaced by `after` over that column (the binder's hoistStagedWindows).  It never
 * reaches SQL emission itself.
 */
export interface StagedWindow {
  pre: BoundExpr;
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
