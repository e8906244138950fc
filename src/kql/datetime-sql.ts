/**
 * datetime-sql.ts — SQL building blocks for datetimes held as BIGINT 100-ns ticks since
 * 0001-01-01 UTC (the compiler's representation, see types.ts): the bridge to DuckDB's µs
 * TIMESTAMP for calendar functions, and range-checked arithmetic (outside Kusto's range → null).
 */

/** Ticks of 1970-01-01 (the Unix epoch) since 0001-01-01. */
export const EPOCH_TICKS = 621355968000000000n;
/** The last tick Kusto's datetime holds: 9999-12-31 23:59:59.9999999. */
export const MAX_DATETIME_TICKS = 3155378975999999999n;
/** µs between 0001-01-01 and 1970-01-01. */
const EPOCH_US = 62135596800000000n;

/** Past this length an operand is bound once (letSql-style) instead of repeated in the SQL text. */
const INLINE_LIMIT = 2000;

/** ticks → µs TIMESTAMP (the 100-ns digit dropped) for DuckDB's calendar functions. */
export function tsOfTicks(t: string): string {
  return `make_timestamp((${t}) // 10 - ${EPOCH_US})`;
}

/** µs TIMESTAMP (e.g. a calendar function's result) → ticks. */
export function ticksOfTs(ts: string): string {
  return `(epoch_us(${ts}) * 10 + ${EPOCH_TICKS})`;
}

/** The 100-ns digit below the µs (0 … 9) of a ticks value. */
export function subMicroTick(t: string): string {
  return `((${t}) % 10)`;
}

/** Binds `value` once and evaluates `body(ref)` over it (a one-element list_transform). */
function bindOnce(value: string, body: (ref: string) => string): string {
  return `(list_transform([${value}], _dt -> ${body('_dt')})[1])`;
}

/** `t`, or NULL when outside 0001-01-01 … 9999-12-31 23:59:59.9999999. */
export function inDatetimeRange(t: string): string {
  const check = (x: string) => `(CASE WHEN ${x} BETWEEN 0 AND ${MAX_DATETIME_TICKS} THEN ${x} END)`;
  return t.length > INLINE_LIMIT ? bindOnce(t, check) : check(t);
}

/**
 * datetime + ticks (a timespan, or a signed count of ticks): null when the result leaves Kusto's
 * range. A span beyond the whole range makes the result null before the addition can overflow.
 */
export function addTicks(d: string, span: string, op: '+' | '-' = '+'): string {
  const guarded = (s: string) => `(CASE WHEN ${s} BETWEEN -${MAX_DATETIME_TICKS} AND ${MAX_DATETIME_TICKS} THEN ${d} ${op} ${s} END)`;
  return inDatetimeRange(span.length > INLINE_LIMIT ? bindOnce(span, guarded) : guarded(span));
}

/** A TIMESTAMP computed by a calendar function → ticks, null outside Kusto's range. */
export function ticksOfCalendar(ts: string): string {
  return inDatetimeRange(ticksOfTs(ts));
}
