/** define.ts — what every family of the function catalogue builds on: argument casts, type predicates,
 * the `fn`/`strFn` entry builders and the SQL building blocks for dynamic values and regexes. */
import { BindFailure, type ArgInfo, type ScalarFunction, type SqlArg } from '../bound.js';
import { sqlString } from '../sql.js';
import { convertSql, toDynamicSql, toStringSql } from '../sqlexpr.js';
import { isIntegral, isNumeric, type KqlType } from '../types.js';

// ───────────── helpers ─────────────

export function fail(message: string, argIndex?: number): never {
  throw new BindFailure(message, argIndex);
}

/** Casts an argument to a target type (no-op when it already has it). */
export function as(a: SqlArg, t: KqlType): string {
  return convertSql(a.sql, a.type, t, a.jsonText);
}
export function str(a: SqlArg): string {
  return toStringSql(a.sql, a.type, a.jsonText);
}
export function isNullLit(a: SqlArg | ArgInfo): boolean {
  return a.literal !== undefined && a.literal.value === null;
}
export function isNonNullLit(a: SqlArg | ArgInfo): boolean {
  return a.literal !== undefined && a.literal.value !== null;
}
export function requireType(args: ArgInfo[], i: number, pred: (t: KqlType) => boolean, what: string, fn: string): void {
  const a = args[i];
  if (a && !pred(a.type)) fail(`${fn}(): argument #${i + 1} must be ${what}, got '${a.type}'`, i);
}
export const numericOrDyn = (t: KqlType) => isNumeric(t) || t === 'dynamic';
export const anyScalar = (_t: KqlType) => true;
export const notDynamic = (t: KqlType) => t !== 'dynamic';

/** A scalar function with fixed parameter predicates and a result type. */
export function fn(
  name: string,
  params: ((t: KqlType) => boolean)[],
  optional: number,
  ret: KqlType | ((args: ArgInfo[]) => KqlType),
  emit: ScalarFunction['emit'],
  what = 'of a supported type',
): ScalarFunction {
  return {
    name,
    minArgs: params.length - optional,
    maxArgs: params.length,
    bind(args) {
      args.forEach((_, i) => requireType(args, i, params[i]!, what, name));
      return typeof ret === 'function' ? ret(args) : ret;
    },
    emit,
  };
}

export function strFn(name: string, arity: number, optional: number, ret: KqlType, emit: (s: string[], args: SqlArg[]) => string): ScalarFunction {
  return fn(name, Array(arity).fill(notDynamicOrString), optional, ret, (args) => emit(args.map(str), args));
}
export const notDynamicOrString = (_t: KqlType) => true;

// ───────────── SQL building blocks ─────────────
//
//  - `elems(d)`   JSON array → VARCHAR[] of the elements' JSON texts (NULL unless d is an array);
//  - `fromElems`  VARCHAR[] of JSON texts → JSON array;
//  - `letSql`     binds a value once (list_transform over a one-element list) so that a complex
//                 expression is not repeated in the SQL text.
// Lambda parameters start with '_' — emitted columns are always qualified (t."cN"), so they
// cannot be captured by a lambda parameter.

export const isDynamic = (t: KqlType) => t === 'dynamic';
export const dateLike = (t: KqlType) => t === 'datetime' || t === 'dynamic' || t === 'string';
export const tsLike = (t: KqlType) => t === 'timespan' || t === 'dynamic' || t === 'string';
export const intLike = (t: KqlType) => isIntegral(t) || t === 'dynamic' || t === 'real' || t === 'decimal';

/** Constant string value of an argument (part names, formats, kinds), or undefined. */
export function constString(a: ArgInfo | SqlArg | undefined): string | undefined {
  return a && a.literal && a.literal.value !== null && a.literal.type === 'string' ? String(a.literal.value) : undefined;
}
export function requireConst(args: ArgInfo[], i: number, fnName: string, what: string): string {
  const v = constString(args[i]);
  if (v === undefined) fail(`${fnName}(): ${what} must be a constant string`, i);
  return v;
}
/** Constant dynamic array literal of an argument, parsed, or undefined. */
export function constArray(a: ArgInfo | SqlArg | undefined): unknown[] | undefined {
  if (!a || !a.literal || a.literal.type !== 'dynamic' || typeof a.literal.value !== 'string') return undefined;
  try {
    const v = JSON.parse(a.literal.value) as unknown;
    return Array.isArray(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

export function elems(d: string): string {
  return `(CASE WHEN json_type(${d}) = 'ARRAY' THEN list_transform(CAST(${d} AS JSON[]), _e -> coalesce(CAST(_e AS VARCHAR), 'null')) END)`;
}
export function fromElems(l: string): string {
  return `CAST('[' || array_to_string(${l}, ',') || ']' AS JSON)`;
}
export function letSql(value: string, param: string, body: string): string {
  return `(list_transform([${value}], ${param} -> ${body})[1])`;
}
/** Any argument as a dynamic value (strings are NOT parsed: they become JSON strings). */
export function asJson(a: SqlArg): string {
  return a.type === 'dynamic' ? a.sql : toDynamicSql(a.sql, a.type, false);
}
/** JSON text of a scalar argument, as it appears among elements(). */
export function jsonText(a: SqlArg): string {
  return `coalesce(CAST(${asJson(a)} AS VARCHAR), 'null')`;
}
/** A double as JSON number text (Kusto writes reals in dynamic values with a fraction: 2.0); `asInt` writes it as an integer. */
export function numText(v: string, asInt = 'FALSE'): string {
  return `(CASE WHEN ${v} IS NULL THEN 'null' WHEN isnan(${v}) THEN '"NaN"' WHEN isinf(${v}) THEN (CASE WHEN ${v} > 0 THEN '"Infinity"' ELSE '"-Infinity"' END) WHEN ${asInt} AND ${v} = trunc(${v}) AND abs(${v}) < 9.2e18 THEN CAST(CAST(${v} AS BIGINT) AS VARCHAR) ELSE CAST(to_json(${v}) AS VARCHAR) END)`;
}
/** Whether a JSON element text is an integer. */
export function elemIsInt(e: string): string {
  return `(json_type(${e}) IN ('BIGINT', 'UBIGINT', 'HUGEINT'))`;
}
/** JSON element text → DOUBLE (NULL when not a number). */
export function elemNum(e: string): string {
  return `(CASE WHEN json_type(${e}) IN ('BIGINT', 'UBIGINT', 'DOUBLE', 'HUGEINT') THEN TRY_CAST(${e} AS DOUBLE) END)`;
}
/** JSON element text → its scalar text (strings unquoted). */
export function elemStr(e: string): string {
  return `coalesce(json_extract_string(${e}, '$'), '')`;
}
/** A constant regex from a query: .NET-style (?<name>…) groups become RE2 (?P<name>…). */
export function regexArg(a: SqlArg): string {
  const c = constString(a);
  if (c !== undefined) return sqlString(c.replace(/\(\?<(?=[A-Za-z_])/g, '(?P<'));
  return str(a);
}
/** Number of capture groups of a regex and their names ('' for unnamed), ignoring escapes and classes. */
export function regexGroups(re: string): string[] {
  const names: string[] = [];
  for (let i = 0; i < re.length; i++) {
    const c = re[i];
    if (c === '\\') { i++; continue; }
    if (c === '[') {
      i++;
      if (re[i] === '^') i++;
      if (re[i] === ']') i++;
      while (i < re.length && re[i] !== ']') { if (re[i] === '\\') i++; i++; }
      continue;
    }
    if (c !== '(') continue;
    if (re[i + 1] !== '?') names.push('');
    else {
      const m = /^\(\?P?<([A-Za-z_][A-Za-z0-9_]*)>/.exec(re.slice(i));
      if (m) names.push(m[1]!);
    }
  }
  return names;
}

export const NAN = `CAST('NaN' AS DOUBLE)`;
export const POS_INF = `CAST('Infinity' AS DOUBLE)`;
export const NEG_INF = `CAST('-Infinity' AS DOUBLE)`;

/** A real function with a domain guard: outside the domain Kusto (.NET Math) yields NaN/±∞ where DuckDB throws. */
export function guardedMath(name: string, body: (x: string) => string): ScalarFunction {
  return fn(name, [numericOrDyn], 0, 'real', (a) => letSql(as(a[0]!, 'real'), '_x', body('_x')), 'numeric');
}
/** log of x; of a negative: `negative` (log(), log10(), log2(): null — log-function.md "null if the argument is negative"). */
export function logSql(f: string, negative = NAN) {
  return (x: string) => `(CASE WHEN ${x} IS NULL THEN NULL WHEN isnan(${x}) THEN ${x} WHEN ${x} > 0 THEN ${f}(${x}) WHEN ${x} = 0 THEN ${NEG_INF} ELSE ${negative} END)`;
}
