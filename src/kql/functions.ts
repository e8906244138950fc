/**
 * functions.ts — the catalog of scalar functions, operators and aggregates.
 *
 * Each entry is self-contained: arity, type rule (`bind`) and SQL emission
 * (`emit`).  The binder only looks names up here, so new functions are added
 * as new entries without touching the binder.  Operators (`+`, `==`, `has`,
 * `in`, `between`, …) are entries in OPERATORS, keyed by their KQL spelling.
 *
 * Conventions:
 *  - emitted SQL must have the DuckDB type that types.ts maps the result to;
 *  - string results are never SQL NULL (Kusto strings have no null — '' instead);
 *  - constants embedded in SQL go through sql.ts / sqlexpr.ts.
 */
import { BindFailure, type AggregateFunction, type ArgInfo, type BoundExpr, type EmitContext, type ScalarFunction, type SqlArg } from './bound.js';
import { formatDatetimeUs } from './literals.js';
import { jsonPointer, regexEscape, sqlString } from './sql.js';
import {
  convertSql, EPOCH_TICKS, literalSql, ticksToInterval, toBoolSql, toDatetimeSql, toDecimalSql, toDynamicSql, toGuidSql,
  toIntSql, toLongSql, toRealSql, toStringSql, toTimespanSql, wrappingLongSql, wrapToLongSql,
} from './sqlexpr.js';
import { commonType, comparable, isIntegral, isNumeric, numericPromote, sqlType, type KqlType } from './types.js';

// ───────────── helpers ─────────────

function fail(message: string, argIndex?: number): never {
  throw new BindFailure(message, argIndex);
}

/** Casts an argument to a target type (no-op when it already has it). */
function as(a: SqlArg, t: KqlType): string {
  return convertSql(a.sql, a.type, t, a.jsonText);
}
function str(a: SqlArg): string {
  return toStringSql(a.sql, a.type, a.jsonText);
}
function isNullLit(a: SqlArg | ArgInfo): boolean {
  return a.literal !== undefined && a.literal.value === null;
}
function isNonNullLit(a: SqlArg | ArgInfo): boolean {
  return a.literal !== undefined && a.literal.value !== null;
}
function requireType(args: ArgInfo[], i: number, pred: (t: KqlType) => boolean, what: string, fn: string): void {
  const a = args[i];
  if (a && !pred(a.type)) fail(`${fn}(): argument #${i + 1} must be ${what}, got '${a.type}'`, i);
}
const numericOrDyn = (t: KqlType) => isNumeric(t) || t === 'dynamic';
const anyScalar = (_t: KqlType) => true;
const notDynamic = (t: KqlType) => t !== 'dynamic';

/** A scalar function with fixed parameter predicates and a result type. */
function fn(
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

// ───────────── operators ─────────────

/** Converts a dynamic operand to the type of the other operand (Kusto's implicit conversion). */
function unifyForCompare(a: SqlArg, b: SqlArg): [string, string] {
  if (a.type === 'dynamic' && b.type !== 'dynamic') return [as(a, b.type), b.sql];
  if (b.type === 'dynamic' && a.type !== 'dynamic') return [a.sql, as(b, a.type)];
  if (a.type === 'dynamic' && b.type === 'dynamic') return [`CAST(${a.sql} AS VARCHAR)`, `CAST(${b.sql} AS VARCHAR)`];
  return [a.sql, b.sql];
}

function checkComparable(op: string, args: ArgInfo[]): void {
  const [a, b] = args as [ArgInfo, ArgInfo];
  if (!comparable(a.type, b.type)) fail(`Cannot compare values of types ${a.type} and ${b.type} with '${op}'`);
}

/**
 * == and != with Kusto null semantics: null == value → false, null != value → true,
 * null == null → null.  Strings are never null, so they compare directly.
 */
function equality(op: '==' | '!='): ScalarFunction {
  return {
    name: op,
    minArgs: 2,
    maxArgs: 2,
    bind(args) {
      checkComparable(op, args);
      return 'bool';
    },
    emit(args) {
      const [a, b] = args as [SqlArg, SqlArg];
      const [x, y] = unifyForCompare(a, b);
      const sqlOp = op === '==' ? '=' : '<>';
      if (a.type === 'string' && b.type === 'string') return `(${x} ${sqlOp} ${y})`;
      const nullLit = isNullLit(a) ? x : isNullLit(b) ? y : undefined;
      if (nullLit !== undefined) {
        const other = isNullLit(a) ? y : x;
        if (isNullLit(a) && isNullLit(b)) return 'CAST(NULL AS BOOLEAN)';
        return `(CASE WHEN ${other} IS NULL THEN CAST(NULL AS BOOLEAN) ELSE ${op === '==' ? 'FALSE' : 'TRUE'} END)`;
      }
      if (isNonNullLit(a) || isNonNullLit(b)) return `coalesce(${x} ${sqlOp} ${y}, ${op === '==' ? 'FALSE' : 'TRUE'})`;
      const distinct = op === '==' ? 'IS NOT DISTINCT FROM' : 'IS DISTINCT FROM';
      return `(CASE WHEN ${x} IS NULL AND ${y} IS NULL THEN CAST(NULL AS BOOLEAN) ELSE (${x} ${distinct} ${y}) END)`;
    },
  };
}

function ordering(op: '<' | '<=' | '>' | '>='): ScalarFunction {
  return {
    name: op,
    minArgs: 2,
    maxArgs: 2,
    bind(args) {
      checkComparable(op, args);
      if (args.some((a) => a.type === 'bool' || a.type === 'guid')) fail(`Operator '${op}' is not defined for ${args[0]!.type} and ${args[1]!.type}`);
      return 'bool';
    },
    emit(args) {
      const [x, y] = unifyForCompare(args[0]!, args[1]!);
      return `(${x} ${op} ${y})`;
    },
  };
}

function logical(op: 'and' | 'or'): ScalarFunction {
  return {
    name: op,
    minArgs: 2,
    maxArgs: 2,
    bind(args) {
      args.forEach((a, i) => {
        if (a.type !== 'bool' && a.type !== 'dynamic') fail(`Operator '${op}' expects bool operands, got '${a.type}'`, i);
      });
      return 'bool';
    },
    emit(args) {
      return `(${as(args[0]!, 'bool')} ${op.toUpperCase()} ${as(args[1]!, 'bool')})`;
    },
  };
}

/** Type of an arithmetic result, or undefined if the operator doesn't apply. */
function arithmeticType(op: string, a: KqlType, b: KqlType): KqlType | undefined {
  // dynamic operands take the other operand's numeric type (or real)
  if (a === 'dynamic' && b === 'dynamic') return 'real';
  if (a === 'dynamic') a = isNumeric(b) ? b : b === 'timespan' ? 'timespan' : 'real';
  if (b === 'dynamic') b = isNumeric(a) ? a : a === 'timespan' ? 'timespan' : 'real';
  if (isNumeric(a) && isNumeric(b)) return numericPromote(a, b);
  switch (op) {
    case '+':
      if ((a === 'datetime' && b === 'timespan') || (a === 'timespan' && b === 'datetime')) return 'datetime';
      if (a === 'timespan' && b === 'timespan') return 'timespan';
      return undefined;
    case '-':
      if (a === 'datetime' && b === 'timespan') return 'datetime';
      if (a === 'datetime' && b === 'datetime') return 'timespan';
      if (a === 'timespan' && b === 'timespan') return 'timespan';
      return undefined;
    case '*':
      if ((a === 'timespan' && isNumeric(b)) || (isNumeric(a) && b === 'timespan')) return 'timespan';
      return undefined;
    case '/':
      if (a === 'timespan' && b === 'timespan') return 'real';
      if (a === 'timespan' && isNumeric(b)) return 'timespan';
      return undefined;
    case '%':
      if (a === 'timespan' && b === 'timespan') return 'timespan';
      if (a === 'timespan' && isIntegral(b)) return 'timespan';
      return undefined;
  }
  return undefined;
}

/** Kusto modulo is always non-negative: 0 <= n % d < abs(d). */
function modSql(a: string, b: string): string {
  return `(((${a} % ${b}) + abs(${b})) % abs(${b}))`;
}

function arithmetic(op: '+' | '-' | '*' | '/' | '%'): ScalarFunction {
  return {
    name: op,
    minArgs: 2,
    maxArgs: 2,
    bind(args) {
      const t = arithmeticType(op, args[0]!.type, args[1]!.type);
      if (!t) fail(`Operator '${op}' is not defined for ${args[0]!.type} and ${args[1]!.type}`);
      return t;
    },
    emit(args) {
      let [a, b] = args as [SqlArg, SqlArg];
      // resolve dynamic operands to the other side's type first
      if (a.type === 'dynamic') a = { sql: as(a, b.type === 'dynamic' ? 'real' : isNumeric(b.type) || b.type === 'timespan' ? b.type : 'real'), type: b.type === 'dynamic' ? 'real' : isNumeric(b.type) || b.type === 'timespan' ? b.type : 'real' };
      if (b.type === 'dynamic') b = { sql: as(b, isNumeric(a.type) || a.type === 'timespan' ? a.type : 'real'), type: isNumeric(a.type) || a.type === 'timespan' ? a.type : 'real' };
      const ta = a.type, tb = b.type;
      if (isNumeric(ta) && isNumeric(tb)) {
        const t = numericPromote(ta, tb);
        const x = as(a, t), y = as(b, t);
        const rowwise = !a.notRowwise && !b.notRowwise;
        if (t === 'decimal') return `CAST((${x} ${op === '/' ? '/' : op} ${y}) AS DECIMAL(38,18))`;
        // long arithmetic wraps (two's complement) instead of failing (issue #12)
        // (the one long division that overflows, min / -1, wraps to min)
        if (op === '/') return t === 'long' ? `(CASE WHEN ${y} = -1 THEN ${wrappingLongSql('0', '-', x, rowwise)} ELSE ${x} // ${y} END)` : `(${x} / ${y})`;
        if (op === '%') return modSql(x, y);
        if (t === 'long') return wrappingLongSql(x, op, y, rowwise);
        return `(${x} ${op} ${y})`;
      }
      if (op === '+' && ta === 'datetime') return `(${a.sql} + ${ticksToInterval(b.sql)})`;
      if (op === '+' && tb === 'datetime') return `(${b.sql} + ${ticksToInterval(a.sql)})`;
      if (op === '-' && ta === 'datetime' && tb === 'timespan') return `(${a.sql} - ${ticksToInterval(b.sql)})`;
      if (op === '-' && ta === 'datetime' && tb === 'datetime') return `((epoch_us(${a.sql}) - epoch_us(${b.sql})) * 10)`;
      if (ta === 'timespan' && tb === 'timespan') {
        if (op === '/') return `(CAST(${a.sql} AS DOUBLE) / CAST(${b.sql} AS DOUBLE))`;
        if (op === '%') return modSql(a.sql, b.sql);
        return `(${a.sql} ${op} ${b.sql})`;
      }
      if (op === '*') {
        const [t, n] = ta === 'timespan' ? [a, b] : [b, a];
        return isIntegral(n.type) ? `(${t.sql} * ${as(n, 'long')})` : `CAST(round(${t.sql} * ${as(n, 'real')}) AS BIGINT)`;
      }
      if (op === '/') return isIntegral(tb) ? `(${a.sql} // ${as(b, 'long')})` : `TRY_CAST(trunc(${a.sql} / ${as(b, 'real')}) AS BIGINT)`;
      if (op === '%') return modSql(a.sql, as(b, 'long'));
      return fail(`Operator '${op}' is not defined for ${ta} and ${tb}`);
    },
  };
}

const negate: ScalarFunction = {
  name: 'unary -',
  minArgs: 1,
  maxArgs: 1,
  bind(args) {
    const t = args[0]!.type;
    if (t === 'int' || t === 'long') return 'long';
    if (t === 'real' || t === 'decimal' || t === 'timespan') return t;
    if (t === 'dynamic') return 'real';
    return fail(`Unary '-' is not defined for ${t}`);
  },
  emit(args) {
    const a = args[0]!;
    if (a.type === 'int') return `(-CAST(${a.sql} AS BIGINT))`;
    if (a.type === 'long') return wrappingLongSql('0', '-', a.sql, !a.notRowwise);
    if (a.type === 'dynamic') return `(-${as(a, 'real')})`;
    return `(-${a.sql})`;
  },
};

/** Non-alphanumeric boundary used by the term operators (has, hasprefix, hassuffix). */
const TERM_BOUNDARY_START = '(?:^|[^\\pL\\pN])';
const TERM_BOUNDARY_END = '(?:$|[^\\pL\\pN])';

type StringMatch = 'contains' | 'startswith' | 'endswith' | 'has' | 'hasprefix' | 'hassuffix';

/**
 * SQL for one string predicate.  Case-insensitive matching compares lower() of both sides (what
 * DuckDB's ILIKE does), through contains/starts_with/suffix, which DuckDB runs much faster than
 * LIKE patterns.  The term operators (has, hasprefix, hassuffix) with a constant needle check the
 * substring first and run the term-boundary regex only on the rows that contain it (inside CASE,
 * so DuckDB cannot reorder the two); that form is FALSE, never NULL, for a NULL haystack.
 */
function stringMatchSql(kind: StringMatch, cs: boolean, hay: string, needle: SqlArg): string {
  const lit = needle.literal && needle.literal.value !== null ? String(needle.literal.value) : undefined;
  const pre = kind === 'has' || kind === 'hasprefix' ? TERM_BOUNDARY_START : '';
  const post = kind === 'has' || kind === 'hassuffix' ? TERM_BOUNDARY_END : '';
  const flags = cs ? '' : '(?i)';
  if (lit === '') return 'TRUE';
  const n = lit !== undefined ? sqlString(lit) : str(needle);
  const h = cs ? hay : `lower(${hay})`;
  const m = cs ? n : `lower(${n})`;
  switch (kind) {
    case 'contains':
      return `contains(${h}, ${m})`;
    case 'startswith':
      return `starts_with(${h}, ${m})`;
    case 'endswith':
      return `suffix(${h}, ${m})`;
    default:
      if (lit !== undefined) return `(CASE WHEN contains(${h}, ${m}) THEN regexp_matches(${hay}, ${sqlString(flags + pre + regexEscape(lit) + post)}) ELSE FALSE END)`;
      return `(${n} = '' OR regexp_matches(${hay}, ${sqlString(flags + pre)} || regexp_escape(${n}) || ${sqlString(post)}))`;
  }
}

function stringOperator(name: string): ScalarFunction {
  const negated = name.startsWith('!');
  const base = negated ? name.slice(1) : name;
  const cs = base.endsWith('_cs');
  const kind = (cs ? base.slice(0, -3) : base) as StringMatch;
  return {
    name,
    minArgs: 2,
    maxArgs: 2,
    bind: () => 'bool',
    emit(args) {
      const sql = stringMatchSql(kind, cs, str(args[0]!), args[1]!);
      return negated ? `(NOT ${sql})` : sql;
    },
  };
}

const STRING_OPERATOR_NAMES = [
  'contains', 'contains_cs', 'has', 'has_cs', 'hasprefix', 'hasprefix_cs', 'hassuffix', 'hassuffix_cs',
  'startswith', 'startswith_cs', 'endswith', 'endswith_cs',
];

function caseInsensitiveEquality(op: '=~' | '!~'): ScalarFunction {
  return {
    name: op,
    minArgs: 2,
    maxArgs: 2,
    bind: () => 'bool',
    emit(args) {
      return `(lower(${str(args[0]!)}) ${op === '=~' ? '=' : '<>'} lower(${str(args[1]!)}))`;
    },
  };
}

const matchesRegex: ScalarFunction = {
  name: 'matches regex',
  minArgs: 2,
  maxArgs: 2,
  bind: () => 'bool',
  emit: (args) => `regexp_matches(${str(args[0]!)}, ${str(args[1]!)})`,
};

/** x in (a, b, …) — args[0] is x.  Null x is never "in" anything. */
function inOperator(op: 'in' | '!in' | 'in~' | '!in~'): ScalarFunction {
  const ci = op.endsWith('~');
  const negated = op.startsWith('!');
  return {
    name: op,
    minArgs: 2,
    maxArgs: 100000,
    bind(args) {
      if (!ci) args.slice(1).forEach((a, i) => {
        if (!comparable(args[0]!.type, a.type)) fail(`Cannot compare values of types ${args[0]!.type} and ${a.type} with '${op}'`, i + 1);
      });
      return 'bool';
    },
    emit(args) {
      const [x, ...list] = args as [SqlArg, ...SqlArg[]];
      let inSql: string;
      if (ci) {
        inSql = `(lower(${str(x)}) IN (${list.map((a) => `lower(${str(a)})`).join(', ')}))`;
      } else {
        const t = x.type === 'dynamic' ? (list.find((a) => a.type !== 'dynamic')?.type ?? 'dynamic') : x.type;
        const lhs = x.type === 'dynamic' && t === 'dynamic' ? `CAST(${x.sql} AS VARCHAR)` : as(x, t);
        const items = list.map((a) => (t === 'dynamic' ? `CAST(${a.sql} AS VARCHAR)` : isNumeric(t) && isNumeric(a.type) ? a.sql : as(a, t)));
        inSql = `coalesce(${lhs} IN (${items.join(', ')}), FALSE)`;
      }
      return negated ? `(NOT ${inSql})` : inSql;
    },
  };
}

/** x between (lo .. hi); for datetime x a timespan hi means lo + hi. */
function betweenOperator(negated: boolean): ScalarFunction {
  return {
    name: negated ? '!between' : 'between',
    minArgs: 3,
    maxArgs: 3,
    bind(args) {
      const [x, lo, hi] = args as [ArgInfo, ArgInfo, ArgInfo];
      const hiOk = comparable(x.type, hi.type) || (x.type === 'datetime' && hi.type === 'timespan');
      if (!comparable(x.type, lo.type) || !hiOk) fail(`between: incompatible types ${x.type}, ${lo.type}, ${hi.type}`);
      return 'bool';
    },
    emit(args) {
      const [x, lo, hi] = args as [SqlArg, SqlArg, SqlArg];
      const t = x.type === 'dynamic' ? (lo.type === 'dynamic' ? 'real' : lo.type) : x.type;
      const hiSql = x.type === 'datetime' && hi.type === 'timespan' ? `(${lo.sql} + ${ticksToInterval(hi.sql)})` : as(hi, isNumeric(t) && isNumeric(hi.type) ? hi.type : t);
      const sql = `(${as(x, t)} BETWEEN ${as(lo, isNumeric(t) && isNumeric(lo.type) ? lo.type : t)} AND ${hiSql})`;
      return negated ? `(NOT ${sql})` : sql;
    },
  };
}

export const OPERATORS: ReadonlyMap<string, ScalarFunction> = new Map<string, ScalarFunction>([
  ['==', equality('==')],
  ['!=', equality('!=')],
  ['<', ordering('<')],
  ['<=', ordering('<=')],
  ['>', ordering('>')],
  ['>=', ordering('>=')],
  ['=~', caseInsensitiveEquality('=~')],
  ['!~', caseInsensitiveEquality('!~')],
  ['and', logical('and')],
  ['or', logical('or')],
  ['+', arithmetic('+')],
  ['-', arithmetic('-')],
  ['*', arithmetic('*')],
  ['/', arithmetic('/')],
  ['%', arithmetic('%')],
  ['unary -', negate],
  ['matches regex', matchesRegex],
  ['in', inOperator('in')],
  ['!in', inOperator('!in')],
  ['in~', inOperator('in~')],
  ['!in~', inOperator('!in~')],
  ['between', betweenOperator(false)],
  ['!between', betweenOperator(true)],
  ...STRING_OPERATOR_NAMES.flatMap((n): [string, ScalarFunction][] => [[n, stringOperator(n)], ['!' + n, stringOperator('!' + n)]]),
]);

// ───────────── scalar functions ─────────────

function conversion(name: string, to: KqlType): ScalarFunction {
  return fn(name, [anyScalar], 0, to, (args) => as(args[0]!, to));
}

/** bin(value, size): rounds down to a multiple of size (datetimes aligned to 0001-01-01 like Kusto). */
const bin: ScalarFunction = {
  name: 'bin',
  minArgs: 2,
  maxArgs: 2,
  bind(args) {
    const [v, s] = args as [ArgInfo, ArgInfo];
    if (v.type === 'datetime') {
      if (s.type !== 'timespan') fail(`bin(): the bin size for a datetime must be a timespan`, 1);
      return 'datetime';
    }
    if (v.type === 'timespan') {
      if (s.type !== 'timespan' && !isNumeric(s.type)) fail(`bin(): the bin size for a timespan must be a timespan`, 1);
      return 'timespan';
    }
    if (isNumeric(v.type) || v.type === 'dynamic') {
      if (!isNumeric(s.type)) fail(`bin(): the bin size must be numeric`, 1);
      if (isIntegral(v.type) && isIntegral(s.type)) return 'long';
      if (v.type === 'decimal' && s.type !== 'real') return 'decimal';
      return 'real';
    }
    return fail(`bin(): cannot bin values of type ${v.type}`, 0);
  },
  emit(args) {
    const [v, s] = args as [SqlArg, SqlArg];
    const positiveLit = s.literal !== undefined && s.literal.value !== null && Number(s.literal.value) > 0;
    const guard = (size: string, body: string) => (positiveLit ? body : `(CASE WHEN ${size} > 0 THEN ${body} END)`);
    if (v.type === 'datetime') {
      const ticks = `(epoch_us(${v.sql}) * 10 + ${EPOCH_TICKS})`;
      return guard(s.sql, `make_timestamp(((${ticks} // ${s.sql}) * ${s.sql} - ${EPOCH_TICKS}) // 10)`);
    }
    if (v.type === 'timespan' || (isIntegral(v.type) && isIntegral(s.type))) {
      const x = as(v, 'long');
      const size = v.type === 'timespan' && !isIntegral(s.type) && s.type !== 'timespan' ? `TRY_CAST(${s.sql} AS BIGINT)` : as(s, s.type === 'timespan' ? 'timespan' : 'long');
      return guard(size, `(${x} - (((${x} % ${size}) + ${size}) % ${size}))`);
    }
    if (v.type === 'decimal' && s.type !== 'real') {
      const size = as(s, 'decimal');
      return guard(size, `CAST(floor(${v.sql} / ${size}) * ${size} AS DECIMAL(38,18))`);
    }
    const x = as(v, 'real'), size = as(s, 'real');
    return guard(size, `(floor(${x} / ${size}) * ${size})`);
  },
};

const iff: ScalarFunction = {
  name: 'iff',
  minArgs: 3,
  maxArgs: 3,
  bind(args) {
    if (args[0]!.type !== 'bool' && args[0]!.type !== 'dynamic') fail(`iff(): the condition must be bool, got '${args[0]!.type}'`, 0);
    const t = commonType([args[1]!.type, args[2]!.type]);
    if (!t) fail(`iff(): both branches must have the same type (got ${args[1]!.type} and ${args[2]!.type})`, 2);
    return t;
  },
  emit(args) {
    const t = resultTypeOf(args.slice(1));
    return `(CASE WHEN ${as(args[0]!, 'bool')} THEN ${as(args[1]!, t)} ELSE ${as(args[2]!, t)} END)`;
  },
};

/** The common type of emitted args (bind already validated it exists). */
function resultTypeOf(args: SqlArg[]): KqlType {
  return commonType(args.map((a) => a.type)) ?? 'dynamic';
}

const caseFn: ScalarFunction = {
  name: 'case',
  minArgs: 3,
  maxArgs: 1001,
  bind(args) {
    if (args.length % 2 !== 1) fail('case(): expects pairs of predicate and value followed by an else value');
    const values: KqlType[] = [];
    for (let i = 0; i < args.length - 1; i += 2) {
      if (args[i]!.type !== 'bool' && args[i]!.type !== 'dynamic') fail(`case(): predicate #${i / 2 + 1} must be bool`, i);
      values.push(args[i + 1]!.type);
    }
    values.push(args[args.length - 1]!.type);
    const t = commonType(values);
    if (!t) fail('case(): all values must have the same type');
    return t;
  },
  emit(args) {
    const values = args.filter((_, i) => i % 2 === 1 || i === args.length - 1);
    const t = resultTypeOf(values);
    let sql = '(CASE';
    for (let i = 0; i < args.length - 1; i += 2) sql += ` WHEN ${as(args[i]!, 'bool')} THEN ${as(args[i + 1]!, t)}`;
    return sql + ` ELSE ${as(args[args.length - 1]!, t)} END)`;
  },
};

/** coalesce: first non-null value; for strings the first non-empty one. */
const coalesce: ScalarFunction = {
  name: 'coalesce',
  minArgs: 1,
  maxArgs: 64,
  bind(args) {
    const t = commonType(args.map((a) => a.type));
    if (!t) fail('coalesce(): all arguments must have the same type');
    return t;
  },
  emit(args) {
    const t = resultTypeOf(args);
    if (t === 'string') return `coalesce(${args.map((a) => `nullif(${a.sql}, '')`).join(', ')}, '')`;
    if (t === 'dynamic') return `coalesce(${args.map((a) => `(CASE WHEN json_type(${a.sql}) = 'NULL' THEN NULL ELSE ${a.sql} END)`).join(', ')})`;
    return `coalesce(${args.map((a) => as(a, t)).join(', ')})`;
  },
};

function isNullSql(a: SqlArg): string {
  if (a.type === 'string') return 'FALSE';
  if (a.type === 'dynamic') return `(${a.sql} IS NULL OR json_type(${a.sql}) = 'NULL')`;
  return `(${a.sql} IS NULL)`;
}
function isEmptySql(a: SqlArg): string {
  if (a.type === 'string') return `(${a.sql} IS NULL OR ${a.sql} = '')`;
  if (a.type === 'dynamic') return `(${a.sql} IS NULL OR json_type(${a.sql}) = 'NULL' OR CAST(${a.sql} AS VARCHAR) = '""')`;
  return `(${a.sql} IS NULL)`;
}

/** substring(s, start[, length]) — 0-based; a negative start counts from the end. */
const substring: ScalarFunction = fn('substring', [anyScalar, numericOrDyn, numericOrDyn], 1, 'string', (args) => {
  const s = str(args[0]!);
  const st = as(args[1]!, 'long');
  const start = `((CASE WHEN ${st} < 0 THEN greatest(length(${s}) + ${st}, 0) ELSE ${st} END) + 1)`;
  if (args.length === 2) return `coalesce(substring(${s}, ${start}), '')`;
  return `coalesce(substring(${s}, ${start}, greatest(${as(args[2]!, 'long')}, 0)), '')`;
});

function nowSql(nowUs: bigint): string {
  return literalSql('datetime', nowUs);
}

const ago: ScalarFunction = fn('ago', [(t) => t === 'timespan'], 0, 'datetime', (args, ctx) => {
  const a = args[0]!;
  if (a.literal && typeof a.literal.value === 'bigint') return literalSql('datetime', ctx.nowUs - a.literal.value / 10n);
  return `(${nowSql(ctx.nowUs)} - ${ticksToInterval(a.sql)})`;
}, 'a timespan');

const now: ScalarFunction = fn('now', [(t) => t === 'timespan'], 1, 'datetime', (args, ctx) => {
  if (args.length === 0) return nowSql(ctx.nowUs);
  const a = args[0]!;
  if (a.literal && typeof a.literal.value === 'bigint') return literalSql('datetime', ctx.nowUs + a.literal.value / 10n);
  return `(${nowSql(ctx.nowUs)} + ${ticksToInterval(a.sql)})`;
}, 'a timespan');

function strFn(name: string, arity: number, optional: number, ret: KqlType, emit: (s: string[], args: SqlArg[]) => string): ScalarFunction {
  return fn(name, Array(arity).fill(notDynamicOrString), optional, ret, (args) => emit(args.map(str), args));
}
const notDynamicOrString = (_t: KqlType) => true;

function numFn(name: string, sqlName: string): ScalarFunction {
  return fn(name, [numericOrDyn], 0, 'real', (args) => `${sqlName}(${as(args[0]!, 'real')})`, 'numeric');
}

/** startof*/ /* helpers produce TIMESTAMP */
function dateTrunc(name: string, part: string): ScalarFunction {
  return fn(name, [(t) => t === 'datetime' || t === 'dynamic' || t === 'string'], 0, 'datetime', (args) => `CAST(date_trunc('${part}', ${as(args[0]!, 'datetime')}) AS TIMESTAMP)`, 'a datetime');
}
function datePart(name: string, expr: (d: string) => string): ScalarFunction {
  return fn(name, [(t) => t === 'datetime' || t === 'dynamic' || t === 'string'], 0, 'int', (args) => `CAST(${expr(as(args[0]!, 'datetime'))} AS INTEGER)`, 'a datetime');
}

const SCALAR_LIST: ScalarFunction[] = [
  bin,
  { ...bin, name: 'floor', minArgs: 1, bind: (args) => (args.length === 1 ? floorOne.bind(args) : bin.bind(args)), emit: (args, ctx) => (args.length === 1 ? floorOne.emit(args, ctx) : bin.emit(args, ctx)) },
  conversion('tostring', 'string'),
  conversion('toint', 'int'),
  conversion('tolong', 'long'),
  conversion('todouble', 'real'),
  conversion('toreal', 'real'),
  conversion('tobool', 'bool'),
  conversion('toboolean', 'bool'),
  conversion('todatetime', 'datetime'),
  conversion('totimespan', 'timespan'),
  conversion('totime', 'timespan'),
  conversion('toguid', 'guid'),
  conversion('todecimal', 'decimal'),
  fn('todynamic', [anyScalar], 0, 'dynamic', (a) => toDynamicSql(a[0]!.sql, a[0]!.type, true)),
  fn('parse_json', [anyScalar], 0, 'dynamic', (a) => toDynamicSql(a[0]!.sql, a[0]!.type, true)),
  fn('parsejson', [anyScalar], 0, 'dynamic', (a) => toDynamicSql(a[0]!.sql, a[0]!.type, true)),
  iff,
  { ...iff, name: 'iif' },
  caseFn,
  coalesce,
  fn('isnull', [anyScalar], 0, 'bool', (a) => isNullSql(a[0]!)),
  fn('isnotnull', [anyScalar], 0, 'bool', (a) => `(NOT ${isNullSql(a[0]!)})`),
  fn('isempty', [anyScalar], 0, 'bool', (a) => isEmptySql(a[0]!)),
  fn('isnotempty', [anyScalar], 0, 'bool', (a) => `(NOT ${isEmptySql(a[0]!)})`),
  fn('not', [(t) => t === 'bool' || t === 'dynamic'], 0, 'bool', (a) => `(NOT ${as(a[0]!, 'bool')})`, 'bool'),
  strFn('strlen', 1, 0, 'long', ([s]) => `length(${s})`),
  strFn('tolower', 1, 0, 'string', ([s]) => `lower(${s})`),
  strFn('toupper', 1, 0, 'string', ([s]) => `upper(${s})`),
  strFn('reverse', 1, 0, 'string', ([s]) => `reverse(${s})`),
  { ...strFn('strcat', 64, 63, 'string', (s) => `concat(${s.join(', ')})`), minArgs: 1 },
  { ...strFn('strcat_delim', 65, 63, 'string', ([d, ...s]) => `concat_ws(${d}, ${s.join(', ')})`), minArgs: 2 },
  substring,
  strFn('replace_string', 3, 0, 'string', ([s, l, r]) => `(CASE WHEN ${l} = '' THEN ${s} ELSE replace(${s}, ${l}, ${r}) END)`),
  strFn('indexof', 2, 0, 'long', ([s, l]) => `(strpos(${s}, ${l}) - 1)`),
  strFn('trim_start', 2, 0, 'string', ([r, s]) => `regexp_replace(${s}, '^(?:' || ${r} || ')+', '')`),
  strFn('trim_end', 2, 0, 'string', ([r, s]) => `regexp_replace(${s}, '(?:' || ${r} || ')+$', '')`),
  strFn('trim', 2, 0, 'string', ([r, s]) => `regexp_replace(regexp_replace(${s}, '^(?:' || ${r} || ')+', ''), '(?:' || ${r} || ')+$', '')`),
  // countof counts overlapping occurrences: countof("aaaa", "aa") == 3
  strFn('countof', 2, 0, 'long', ([s, n]) => `(CASE WHEN length(${n}) = 0 THEN 0 ELSE CAST(len(list_filter(range(greatest(length(${s}) - length(${n}) + 1, 0)), i -> substring(${s}, i + 1, length(${n})) = ${n})) AS BIGINT) END)`),
  strFn('split', 2, 0, 'dynamic', ([s, d]) => `to_json(string_split(${s}, ${d}))`),
  strFn('strrep', 3, 1, 'string', ([s, n, d]) => (d === undefined ? `repeat(${s}, CAST(${n} AS BIGINT))` : `array_to_string(list_transform(range(CAST(${n} AS BIGINT)), x -> ${s}), ${d})`)),
  fn('extract', [anyScalar, numericOrDyn, anyScalar], 0, 'string', (a) => `coalesce(regexp_extract(${str(a[2]!)}, ${str(a[0]!)}, ${as(a[1]!, 'int')}), '')`),
  ago,
  now,
  fn('abs', [(t) => isNumeric(t) || t === 'timespan'], 0, (a) => (a[0]!.type === 'int' ? 'int' : a[0]!.type), (a) => (a[0]!.type === 'long' ? `(CASE WHEN ${a[0]!.sql} = -9223372036854775808 THEN ${a[0]!.sql} ELSE abs(${a[0]!.sql}) END)` : `abs(${a[0]!.sql})`), 'numeric'),
  numFn('sqrt', 'sqrt'),
  numFn('exp', 'exp'),
  numFn('log', 'ln'),
  numFn('log10', 'log10'),
  numFn('log2', 'log2'),
  fn('pow', [numericOrDyn, numericOrDyn], 0, 'real', (a) => `pow(${as(a[0]!, 'real')}, ${as(a[1]!, 'real')})`, 'numeric'),
  fn('round', [numericOrDyn, numericOrDyn], 1, 'real', (a) => `round(${as(a[0]!, 'real')}, ${a[1] ? as(a[1], 'int') : '0'})`, 'numeric'),
  fn('ceiling', [numericOrDyn], 0, (a) => (isIntegral(a[0]!.type) ? 'long' : 'real'), (a) => (isIntegral(a[0]!.type) ? as(a[0]!, 'long') : `ceil(${as(a[0]!, 'real')})`), 'numeric'),
  fn('sign', [numericOrDyn], 0, 'real', (a) => `CAST(sign(${as(a[0]!, 'real')}) AS DOUBLE)`, 'numeric'),
  fn('pi', [], 0, 'real', () => 'pi()'),
  fn('isnan', [numericOrDyn], 0, 'bool', (a) => `isnan(${as(a[0]!, 'real')})`, 'numeric'),
  fn('isinf', [numericOrDyn], 0, 'bool', (a) => `isinf(${as(a[0]!, 'real')})`, 'numeric'),
  fn('isfinite', [numericOrDyn], 0, 'bool', (a) => `isfinite(${as(a[0]!, 'real')})`, 'numeric'),
  fn('rand', [numericOrDyn], 1, 'real', () => 'random()', 'numeric'),
  fn('new_guid', [], 0, 'guid', () => 'uuid()'),
  dateTrunc('startofday', 'day'),
  dateTrunc('startofmonth', 'month'),
  dateTrunc('startofyear', 'year'),
  fn('startofweek', [(t) => t === 'datetime'], 0, 'datetime', (a) => `CAST(date_trunc('day', ${a[0]!.sql}) - to_days(CAST(dayofweek(${a[0]!.sql}) AS INTEGER)) AS TIMESTAMP)`, 'a datetime'),
  fn('endofday', [(t) => t === 'datetime'], 0, 'datetime', (a) => `(CAST(date_trunc('day', ${a[0]!.sql}) AS TIMESTAMP) + INTERVAL 1 DAY - INTERVAL 1 MICROSECOND)`, 'a datetime'),
  datePart('getyear', (d) => `year(${d})`),
  datePart('getmonth', (d) => `month(${d})`),
  datePart('monthofyear', (d) => `month(${d})`),
  datePart('dayofmonth', (d) => `day(${d})`),
  datePart('dayofyear', (d) => `dayofyear(${d})`),
  datePart('hourofday', (d) => `hour(${d})`),
  fn('dayofweek', [(t) => t === 'datetime'], 0, 'timespan', (a) => `(CAST(dayofweek(${a[0]!.sql}) AS BIGINT) * 864000000000)`, 'a datetime'),
  fn('unixtime_seconds_todatetime', [numericOrDyn], 0, 'datetime', (a) => `make_timestamp(TRY_CAST(${as(a[0]!, 'real')} * 1000000 AS BIGINT))`, 'numeric'),
  fn('unixtime_milliseconds_todatetime', [numericOrDyn], 0, 'datetime', (a) => `make_timestamp(TRY_CAST(${as(a[0]!, 'real')} * 1000 AS BIGINT))`, 'numeric'),
  fn('unixtime_microseconds_todatetime', [numericOrDyn], 0, 'datetime', (a) => `make_timestamp(${as(a[0]!, 'long')})`, 'numeric'),
  fn('array_length', [(t) => t === 'dynamic'], 0, 'long', (a) => `(CASE WHEN json_type(${a[0]!.sql}) = 'ARRAY' THEN CAST(json_array_length(${a[0]!.sql}) AS BIGINT) END)`, 'dynamic'),
  fn('bag_keys', [(t) => t === 'dynamic'], 0, 'dynamic', (a) => `(CASE WHEN json_type(${a[0]!.sql}) = 'OBJECT' THEN to_json(json_keys(${a[0]!.sql})) END)`, 'dynamic'),
  { ...fn('pack_array', [], 0, 'dynamic', () => ''), minArgs: 1, maxArgs: 64, bind: () => 'dynamic', emit: (a) => `CAST(json_array(${a.map((x) => toDynamicSql(x.sql, x.type, false)).join(', ')}) AS JSON)` },
  {
    name: 'min_of', minArgs: 1, maxArgs: 64,
    bind: (a) => commonType(a.map((x) => x.type)) ?? fail('min_of(): all arguments must have the same type'),
    emit: (a) => `least(${a.map((x) => as(x, resultTypeOf(a))).join(', ')})`,
  },
  {
    name: 'max_of', minArgs: 1, maxArgs: 64,
    bind: (a) => commonType(a.map((x) => x.type)) ?? fail('max_of(): all arguments must have the same type'),
    emit: (a) => `greatest(${a.map((x) => as(x, resultTypeOf(a))).join(', ')})`,
  },
  hasListFn('has_any', 'OR'),
  hasListFn('has_all', 'AND'),
];

const floorOne: ScalarFunction = fn('floor', [numericOrDyn], 0, (a) => (isIntegral(a[0]!.type) ? 'long' : 'real'), (a) => (isIntegral(a[0]!.type) ? as(a[0]!, 'long') : `floor(${as(a[0]!, 'real')})`), 'numeric');

/** has_any(x, a, b, …) / has_all(...) — the list is expanded from dynamic arrays by the binder. */
function hasListFn(name: string, joiner: 'OR' | 'AND'): ScalarFunction {
  return {
    name,
    minArgs: 1,
    maxArgs: 100000,
    bind: () => 'bool',
    emit(args) {
      const [x, ...list] = args as [SqlArg, ...SqlArg[]];
      if (list.length === 0) return joiner === 'OR' ? 'FALSE' : 'TRUE';
      const hay = str(x);
      return '(' + list.map((n) => stringMatchSql('has', false, hay, n)).join(` ${joiner} `) + ')';
    },
  };
}

// ═════════════ extended catalog: strings, regex, encodings, datetime, math, dynamic, IP, series ═════════════
//
// SQL building blocks used below:
//  - `elems(d)`   JSON array → VARCHAR[] of the elements' JSON texts (NULL unless d is an array);
//  - `fromElems`  VARCHAR[] of JSON texts → JSON array;
//  - `letSql`     binds a value once (list_transform over a one-element list) so that a complex
//                 expression is not repeated in the SQL text.
// Lambda parameters start with '_' — emitted columns are always qualified (t."cN"), so they
// cannot be captured by a lambda parameter.

const isDynamic = (t: KqlType) => t === 'dynamic';
const dateLike = (t: KqlType) => t === 'datetime' || t === 'dynamic' || t === 'string';
const tsLike = (t: KqlType) => t === 'timespan' || t === 'dynamic' || t === 'string';
const intLike = (t: KqlType) => isIntegral(t) || t === 'dynamic' || t === 'real' || t === 'decimal';

/** Constant string value of an argument (part names, formats, kinds), or undefined. */
function constString(a: ArgInfo | SqlArg | undefined): string | undefined {
  return a && a.literal && a.literal.value !== null && a.literal.type === 'string' ? String(a.literal.value) : undefined;
}
function requireConst(args: ArgInfo[], i: number, fnName: string, what: string): string {
  const v = constString(args[i]);
  if (v === undefined) fail(`${fnName}(): ${what} must be a constant string`, i);
  return v;
}
/** Constant dynamic array literal of an argument, parsed, or undefined. */
function constArray(a: ArgInfo | SqlArg | undefined): unknown[] | undefined {
  if (!a || !a.literal || a.literal.type !== 'dynamic' || typeof a.literal.value !== 'string') return undefined;
  try {
    const v = JSON.parse(a.literal.value) as unknown;
    return Array.isArray(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

function elems(d: string): string {
  return `(CASE WHEN json_type(${d}) = 'ARRAY' THEN list_transform(CAST(${d} AS JSON[]), _e -> coalesce(CAST(_e AS VARCHAR), 'null')) END)`;
}
function fromElems(l: string): string {
  return `CAST('[' || array_to_string(${l}, ',') || ']' AS JSON)`;
}
function letSql(value: string, param: string, body: string): string {
  return `(list_transform([${value}], ${param} -> ${body})[1])`;
}
/** Any argument as a dynamic value (strings are NOT parsed: they become JSON strings). */
function asJson(a: SqlArg): string {
  return a.type === 'dynamic' ? a.sql : toDynamicSql(a.sql, a.type, false);
}
/** JSON text of a scalar argument, as it appears among elements(). */
function jsonText(a: SqlArg): string {
  return `coalesce(CAST(${asJson(a)} AS VARCHAR), 'null')`;
}
/** A double as JSON number text (Kusto writes reals in dynamic values with a fraction: 2.0); `asInt` writes it as an integer. */
function numText(v: string, asInt = 'FALSE'): string {
  return `(CASE WHEN ${v} IS NULL THEN 'null' WHEN isnan(${v}) THEN '"NaN"' WHEN isinf(${v}) THEN (CASE WHEN ${v} > 0 THEN '"Infinity"' ELSE '"-Infinity"' END) WHEN ${asInt} AND ${v} = trunc(${v}) AND abs(${v}) < 9.2e18 THEN CAST(CAST(${v} AS BIGINT) AS VARCHAR) ELSE CAST(to_json(${v}) AS VARCHAR) END)`;
}
/** Whether a JSON element text is an integer. */
function elemIsInt(e: string): string {
  return `(json_type(${e}) IN ('BIGINT', 'UBIGINT', 'HUGEINT'))`;
}
/** JSON element text → DOUBLE (NULL when not a number). */
function elemNum(e: string): string {
  return `(CASE WHEN json_type(${e}) IN ('BIGINT', 'UBIGINT', 'DOUBLE', 'HUGEINT') THEN TRY_CAST(${e} AS DOUBLE) END)`;
}
/** JSON element text → its scalar text (strings unquoted). */
function elemStr(e: string): string {
  return `coalesce(json_extract_string(${e}, '$'), '')`;
}
/** A constant regex from a query: .NET-style (?<name>…) groups become RE2 (?P<name>…). */
function regexArg(a: SqlArg): string {
  const c = constString(a);
  if (c !== undefined) return sqlString(c.replace(/\(\?<(?=[A-Za-z_])/g, '(?P<'));
  return str(a);
}
/** Number of capture groups of a regex and their names ('' for unnamed), ignoring escapes and classes. */
function regexGroups(re: string): string[] {
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

const NAN = `CAST('NaN' AS DOUBLE)`;
const POS_INF = `CAST('Infinity' AS DOUBLE)`;
const NEG_INF = `CAST('-Infinity' AS DOUBLE)`;

/** A real function with a domain guard: outside the domain Kusto (.NET Math) yields NaN/±∞ where DuckDB throws. */
function guardedMath(name: string, body: (x: string) => string): ScalarFunction {
  return fn(name, [numericOrDyn], 0, 'real', (a) => letSql(as(a[0]!, 'real'), '_x', body('_x')), 'numeric');
}
/** log of x; of a negative: `negative` (log(), log10(), log2(): null — log-function.md "null if the argument is negative"). */
function logSql(f: string, negative = NAN) {
  return (x: string) => `(CASE WHEN ${x} IS NULL THEN NULL WHEN isnan(${x}) THEN ${x} WHEN ${x} > 0 THEN ${f}(${x}) WHEN ${x} = 0 THEN ${NEG_INF} ELSE ${negative} END)`;
}

// ───────────── strings ─────────────

/** indexof(s, match[, start[, length[, occurrence]]]) — see indexof-function.md for the search-window rules. */
const indexofFn: ScalarFunction = fn('indexof', [anyScalar, anyScalar, intLike, intLike, intLike], 3, 'long', (a) => {
  const s = str(a[0]!), m = str(a[1]!);
  if (a.length === 2) return `CAST(strpos(${s}, ${m}) - 1 AS BIGINT)`;
  const st = as(a[2]!, 'long');
  const len = a[3] ? as(a[3], 'long') : 'CAST(-1 AS BIGINT)';
  const occ = a[4] ? as(a[4], 'long') : 'CAST(1 AS BIGINT)';
  const start = `(CASE WHEN ${st} < 0 THEN greatest(length(${s}) + ${st}, 0) ELSE ${st} END)`;
  const positions = `list_filter(range(greatest(length(${s}) - length(${m}) + 1, 0)), _q -> substring(${s}, _q + 1, length(${m})) = ${m})`;
  // accumulator = (next search start + 1); 0 = not found
  const step = `(CASE WHEN _acc = 0 THEN 0 ELSE coalesce(list_min(list_filter(${positions}, _q -> _q >= _acc - 1 AND (${len} = -1 OR _q + length(${m}) <= _acc - 1 + ${len}))) + 2, 0) END)`;
  const reduced = `list_reduce(list_concat([${start} + 1], range(${occ})), (_acc, _k) -> ${step})`;
  return `(CASE WHEN ${len} < -1 OR ${occ} <= 0 THEN NULL ELSE CAST(greatest(${reduced} - 2, -1) AS BIGINT) END)`;
});

/** replace_strings(text, lookups, rewrites): earlier lookups win; matches don't overlap (placeholders in U+F0000+). */
const replaceStrings: ScalarFunction = fn('replace_strings', [anyScalar, isDynamic, isDynamic], 0, 'string', (a) => {
  const text = str(a[0]!);
  const L = `list_transform(CAST(${a[1]!.sql} AS JSON[]), _e -> CASE WHEN json_type(_e) = 'VARCHAR' THEN json_extract_string(_e, '$') ELSE '' END)`;
  const R = `CAST(${a[2]!.sql} AS JSON[])`;
  const rewrites = `list_transform(range(len(${L})), _k -> CASE WHEN json_type((${R})[_k + 1]) = 'VARCHAR' THEN json_extract_string((${R})[_k + 1], '$') ELSE (${L})[_k + 1] END)`;
  const marked = `list_reduce(list_concat([${text}], ${L}), (_acc, _x, _i) -> CASE WHEN _x = '' THEN _acc ELSE replace(_acc, _x, chr(CAST(983040 + _i AS INTEGER))) END)`;
  const body = `list_reduce(list_concat([${marked}], ${rewrites}), (_acc, _x, _i) -> replace(_acc, chr(CAST(983040 + _i AS INTEGER)), _x))`;
  return `(CASE WHEN json_type(${a[1]!.sql}) = 'ARRAY' AND json_type(${a[2]!.sql}) = 'ARRAY' THEN ${body} ELSE ${text} END)`;
});

const splitFn: ScalarFunction = fn('split', [anyScalar, anyScalar, intLike], 1, 'dynamic', (a) => {
  const parts = `string_split(${str(a[0]!)}, ${str(a[1]!)})`;
  if (a.length === 2) return `CAST(to_json(${parts}) AS JSON)`;
  const i = as(a[2]!, 'long');
  // an index past the end gives null (issue #12); a negative one an empty array
  return letSql(parts, '_p', `CASE WHEN ${i} >= 0 AND ${i} < len(_p) THEN CAST(to_json([_p[${i} + 1]]) AS JSON) WHEN ${i} >= len(_p) THEN CAST(NULL AS JSON) ELSE CAST('[]' AS JSON) END`);
});

/** parse_csv: the first record only; quoted fields may contain commas, newlines and doubled quotes. */
const parseCsv: ScalarFunction = strFn('parse_csv', 1, 0, 'dynamic', ([s]) => {
  const record = `regexp_extract(${s}, '^((?:"(?:[^"]|"")*"|[^"\\r\\n])*)')`;
  const fields = `regexp_extract_all(${record} || ',', '("(?:[^"]|"")*"|[^,"]*),', 1)`;
  return `CAST(to_json(list_transform(${fields}, _f -> CASE WHEN starts_with(_f, '"') THEN replace(substring(_f, 2, length(_f) - 2), '""', '"') ELSE _f END)) AS JSON)`;
});

const countofFn: ScalarFunction = {
  name: 'countof',
  minArgs: 2,
  maxArgs: 3,
  bind(args) {
    if (args[2]) {
      const k = requireConst(args, 2, 'countof', 'kind');
      if (k !== 'normal' && k !== 'regex') fail(`countof(): kind must be 'normal' or 'regex', got '${k}'`, 2);
    }
    return 'long';
  },
  emit(a) {
    const s = str(a[0]!), n = str(a[1]!);
    if (constString(a[2]) === 'regex') return `CAST(len(list_filter(regexp_extract_all(${s}, ${regexArg(a[1]!)}), _m -> _m <> '')) AS BIGINT)`;
    return `(CASE WHEN length(${n}) = 0 THEN 0 ELSE CAST(len(list_filter(range(greatest(length(${s}) - length(${n}) + 1, 0)), _i -> substring(${s}, _i + 1, length(${n})) = ${n})) AS BIGINT) END)`;
  },
};

/** extract(regex, group, text [, typeof(T)]): the group's text ('' when no match), or it converted to T (null when no match/invalid). */
const extractFn: ScalarFunction = {
  name: 'extract',
  minArgs: 3,
  maxArgs: 4,
  typeLiteralArg: 3,
  bind(args) {
    const base = fn('extract', [anyScalar, intLike, anyScalar], 0, 'string', () => '');
    base.bind(args.slice(0, 3));
    if (args.length < 4) return 'string';
    const t = args[3]!.literal?.typeOf;
    if (!t) fail('extract(): the 4th argument must be a type literal such as typeof(long)', 3);
    return t;
  },
  emit(a) {
    const s = `coalesce(regexp_extract(${str(a[2]!)}, ${regexArg(a[0]!)}, ${as(a[1]!, 'int')}), '')`;
    const t = a[3]?.literal?.typeOf;
    if (!t || t === 'string') return s;
    return convertSql(s, 'string', t);
  },
};

/** extract_all(regex, [groups,] source): one group → flat array; several → array of arrays; no match → null. */
const extractAll: ScalarFunction = {
  name: 'extract_all',
  minArgs: 2,
  maxArgs: 3,
  bind(args) {
    if (args.length === 3 && args[1]!.type !== 'dynamic') fail('extract_all(): captureGroups must be a dynamic array', 1);
    return 'dynamic';
  },
  emit(a) {
    const source = str(a[a.length - 1]!);
    const re = regexArg(a[0]!);
    const reText = constString(a[0]!);
    const names = reText !== undefined ? regexGroups(reText) : [''];
    let groups: number[] = names.length === 0 ? [0] : names.map((_, i) => i + 1);
    if (a.length === 3) {
      const sel = constArray(a[1]!);
      if (!sel) fail('extract_all(): captureGroups must be a constant array', 1);
      groups = sel.map((g) => (typeof g === 'number' ? g : names.indexOf(String(g)) + 1));
      if (groups.some((g) => !(g >= 0 && g <= Math.max(names.length, 1)))) fail('extract_all(): invalid capture group', 1);
    }
    const lists = groups.map((g) => `regexp_extract_all(${source}, ${re}, ${g})`);
    if (lists.length === 1) return letSql(lists[0]!, '_l', `CASE WHEN len(_l) = 0 THEN NULL ELSE CAST(to_json(_l) AS JSON) END`);
    const zipped = `list_transform(range(len(${lists[0]})), _i -> [${lists.map((l) => `(${l})[_i + 1]`).join(', ')}])`;
    return letSql(zipped, '_l', `CASE WHEN len(_l) = 0 THEN NULL ELSE CAST(to_json(_l) AS JSON) END`);
  },
};

const replaceRegex = (name: string) => fn(name, [anyScalar, anyScalar, anyScalar], 0, 'string', (a) =>
  `regexp_replace(${str(a[0]!)}, ${regexArg(a[1]!)}, ${str(a[2]!)}, 'g')`);

/** translate(searchList, replacementList, source): a shorter replacement list repeats its last character. */
const translateFn: ScalarFunction = strFn('translate', 3, 0, 'string', ([from, to, s]) =>
  `translate(${s}, ${from}, (CASE WHEN length(${to}) = 0 THEN '' ELSE ${to} || repeat(right(${to}, 1), greatest(length(${from}) - length(${to}), 0)) END))`);

/** HttpUtility.UrlEncode: unreserved [A-Za-z0-9-_.!*()], space → '+' (or %20), others %xx (lower-case hex). */
function urlEncodeSql(s: string, space: string): string {
  return `array_to_string(list_transform(string_split(${s}, ''), _c -> CASE WHEN regexp_full_match(_c, '[A-Za-z0-9_.!*()\\-]') THEN _c WHEN _c = ' ' THEN ${sqlString(space)} ELSE regexp_replace(lower(hex(encode(_c))), '(..)', '%\\1', 'g') END), '')`;
}

/** .NET Guid byte order: the first three groups are little-endian. */
function guidBytesHex(g: string): string {
  const h = `replace(CAST(${g} AS VARCHAR), '-', '')`;
  const pair = (i: number) => `substring(${h}, ${i * 2 + 1}, 2)`;
  return [3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15].map(pair).join(' || ');
}
function hexToGuid(hex: string): string {
  const pair = (i: number) => `substring(${hex}, ${i * 2 + 1}, 2)`;
  const order = [3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15];
  const s = order.map(pair);
  return `TRY_CAST(${s.slice(0, 4).join(' || ')} || '-' || ${s.slice(4, 6).join(' || ')} || '-' || ${s.slice(6, 8).join(' || ')} || '-' || ${s.slice(8, 10).join(' || ')} || '-' || ${s.slice(10).join(' || ')} AS UUID)`;
}
function bytesArraySql(blob: string): string {
  return letSql(`hex(${blob})`, '_h', `CAST(to_json(list_transform(range(length(_h) // 2), _i -> CAST(('0x' || substring(_h, _i * 2 + 1, 2)) AS INTEGER))) AS JSON)`);
}

/** parse_url: RFC 3986-ish split into Kusto's bag (Scheme, Host, Port, Path, Username, Password, Query Parameters, Fragment). */
const URL_RE = '^([A-Za-z][A-Za-z0-9+.\\-]*)://(?:([^:@/?#]*)(?::([^@/?#]*))?@)?(\\[[^\\]]*\\]|[^:/?#]*)(?::([0-9]*))?([^?#]*)(?:\\?([^#]*))?(?:#(.*))?$';
function queryBagSql(q: string): string {
  const pairs = `list_filter(string_split(${q}, '&'), _kv -> _kv <> '')`;
  const item = `CAST(to_json(url_decode(replace(split_part(_kv, '=', 1), '+', ' '))) AS VARCHAR) || ':' || CAST(to_json(url_decode(replace(CASE WHEN strpos(_kv, '=') > 0 THEN substring(_kv, strpos(_kv, '=') + 1) ELSE '' END, '+', ' '))) AS VARCHAR)`;
  return `CAST('{' || array_to_string(list_transform(${pairs}, _kv -> ${item}), ',') || '}' AS JSON)`;
}
const parseUrl: ScalarFunction = strFn('parse_url', 1, 0, 'dynamic', ([s]) => {
  const g = ['scheme', 'user', 'pass', 'host', 'port', 'path', 'query', 'frag'];
  const r = `regexp_extract(${s}, ${sqlString(URL_RE)}, [${g.map((x) => sqlString(x)).join(', ')}])`;
  const body = `CASE WHEN _u.scheme = '' THEN CAST('{}' AS JSON) ELSE CAST(json_object('Scheme', _u.scheme, 'Host', _u.host, 'Port', _u.port, 'Path', _u.path, 'Username', _u.user, 'Password', _u.pass, 'Query Parameters', ${queryBagSql('_u.query')}, 'Fragment', _u.frag) AS JSON) END`;
  return letSql(r, '_u', body);
});
const parseUrlQuery: ScalarFunction = strFn('parse_urlquery', 1, 0, 'dynamic', ([s]) =>
  `CAST(json_object('Query Parameters', ${queryBagSql(`regexp_replace(${s}, '^\\?', '')`)}) AS JSON)`);

/** format_bytes(size[, precision[, units[, base]]]). */
const formatBytes: ScalarFunction = fn('format_bytes', [numericOrDyn, intLike, anyScalar, intLike], 3, 'string', (a) => {
  const size = as(a[0]!, 'real');
  const prec = a[1] ? as(a[1], 'int') : '0';
  const base = a[3] ? as(a[3], 'real') : '1024.0';
  const units = `['Bytes', 'KB', 'MB', 'GB', 'TB', 'PB', 'EB']`;
  const unitConst = constString(a[2]);
  const idx = unitConst !== undefined && unitConst !== ''
    ? String(Math.max(0, ['bytes', 'kb', 'mb', 'gb', 'tb', 'pb', 'eb'].indexOf(unitConst.toLowerCase())))
    : `CAST(CASE WHEN abs(_v) < ${base} THEN 0 ELSE least(floor(ln(abs(_v)) / ln(${base})), 6) END AS INTEGER)`;
  const body = letSql(idx, '_k', `${toStringSql(`round(_v / pow(${base}, _k), ${prec})`, 'real')} || ' ' || (${units})[_k + 1]`);
  return `(CASE WHEN ${size} IS NULL THEN '' ELSE ${letSql(size, '_v', body)} END)`;
});

const hashFn = (name: string) => fn(name, [anyScalar, intLike], 1, 'long', (a) => {
  const h = `CAST(hash(${str(a[0]!)}) >> 1 AS BIGINT)`;
  return a[1] ? `(${h} % ${as(a[1], 'long')})` : h;
});

const STRING_EXTRAS: ScalarFunction[] = [
  strFn('strcmp', 2, 0, 'int', ([x, y]) => `CAST(CASE WHEN ${x} < ${y} THEN -1 WHEN ${x} > ${y} THEN 1 ELSE 0 END AS INTEGER)`),
  strFn('string_size', 1, 0, 'long', ([s]) => `CAST(octet_length(encode(${s})) AS BIGINT)`),
  strFn('strlen', 1, 0, 'long', ([s]) => `CAST(length(${s}) AS BIGINT)`),
  indexofFn,
  fn('indexof_regex', [anyScalar, anyScalar], 0, 'long', (a) =>
    `coalesce(CAST(list_position(list_transform(range(length(${str(a[0]!)}) + 1), _i -> regexp_matches(substring(${str(a[0]!)}, _i + 1), '^(?:' || ${regexArg(a[1]!)} || ')')), TRUE) - 1 AS BIGINT), -1)`),
  replaceStrings,
  splitFn,
  parseCsv,
  countofFn,
  extractFn,
  extractAll,
  replaceRegex('replace_regex'),
  replaceRegex('replace'),
  translateFn,
  fn('regex_quote', [anyScalar], 0, 'string', (a) => `regexp_escape(${str(a[0]!)})`),
  { ...strFn('strcat_delim', 65, 63, 'string', ([d, ...s]) => `array_to_string([${s.join(', ')}], ${d})`), minArgs: 2 },
  fn('strcat_array', [isDynamic, anyScalar], 0, 'string', (a) =>
    `coalesce(array_to_string(list_transform(${elems(a[0]!.sql)}, _e -> ${elemStr('_e')}), ${str(a[1]!)}), '')`, 'dynamic'),
  strFn('strrep', 3, 1, 'string', ([s, n, d]) =>
    `coalesce(array_to_string(list_transform(range(least(greatest(TRY_CAST(${n} AS BIGINT), 0), 1024)), _x -> ${s}), ${d ?? "''"}), '')`),
  strFn('base64_encode_tostring', 1, 0, 'string', ([s]) => `to_base64(encode(${s}))`),
  strFn('base64encodestring', 1, 0, 'string', ([s]) => `to_base64(encode(${s}))`),
  strFn('base64_decode_tostring', 1, 0, 'string', ([s]) => `coalesce(try(decode(from_base64(${s}))), '')`),
  strFn('base64decodestring', 1, 0, 'string', ([s]) => `coalesce(try(decode(from_base64(${s}))), '')`),
  strFn('base64_decode_toarray', 1, 0, 'dynamic', ([s]) => `(CASE WHEN ${s} = '' THEN CAST('[]' AS JSON) ELSE ${bytesArraySql(`try(from_base64(${s}))`)} END)`),
  fn('base64_encode_fromarray', [isDynamic], 0, 'string', (a) =>
    `coalesce(to_base64(unhex(array_to_string(list_transform(${elems(a[0]!.sql)}, _e -> lpad(hex(CAST(TRY_CAST(_e AS BIGINT) & 255 AS INTEGER)), 2, '0')), ''))), '')`, 'dynamic'),
  fn('base64_encode_fromguid', [(t) => t === 'guid' || t === 'dynamic' || t === 'string'], 0, 'string', (a) =>
    `coalesce(to_base64(unhex(${guidBytesHex(as(a[0]!, 'guid'))})), '')`, 'a guid'),
  strFn('base64_decode_toguid', 1, 0, 'guid', ([s]) => letSql(`hex(try(from_base64(${s})))`, '_h', `CASE WHEN length(_h) = 32 THEN ${hexToGuid('_h')} END`)),
  strFn('url_encode', 1, 0, 'string', ([s]) => urlEncodeSql(s, '+')),
  strFn('url_encode_component', 1, 0, 'string', ([s]) => urlEncodeSql(s, '%20')),
  strFn('url_decode', 1, 0, 'string', ([s]) => `coalesce(try(url_decode(replace(${s}, '+', ' '))), '')`),
  parseUrl,
  parseUrlQuery,
  hashFn('hash'),
  hashFn('hash_xxhash64'),
  fn('hash_many', [anyScalar], 0, 'long', () => ''),
  strFn('hash_sha256', 1, 0, 'string', ([s]) => `sha256(${s})`),
  strFn('hash_sha1', 1, 0, 'string', ([s]) => `sha1(${s})`),
  strFn('hash_md5', 1, 0, 'string', ([s]) => `md5(${s})`),
  formatBytes,
  strFn('unicode_codepoints_from_string', 1, 0, 'dynamic', ([s]) =>
    `(CASE WHEN ${s} = '' THEN CAST('[]' AS JSON) ELSE CAST(to_json(list_transform(string_split(${s}, ''), _c -> unicode(_c))) AS JSON) END)`),
  fn('unicode_codepoints_to_string', [isDynamic], 0, 'string', (a) =>
    `coalesce(array_to_string(list_transform(${elems(a[0]!.sql)}, _e -> coalesce(try(chr(CAST(TRY_CAST(_e AS BIGINT) AS INTEGER))), '')), ''), '')`, 'dynamic'),
  strFn('to_utf8', 1, 0, 'dynamic', ([s]) => `(CASE WHEN ${s} = '' THEN CAST('[]' AS JSON) ELSE ${bytesArraySql(`encode(${s})`)} END)`),
  strFn('isascii', 1, 0, 'bool', ([s]) => `(NOT regexp_matches(${s}, '[^\\x00-\\x7F]'))`),
  strFn('isutf8', 1, 0, 'bool', () => 'TRUE'),
  fn('tohex', [intLike, intLike], 1, 'string', (a) => {
    const h = `lower(hex(${as(a[0]!, 'long')}))`;
    return `coalesce(${a[1] ? `lpad(${h}, CAST(greatest(${as(a[1], 'long')}, length(${h})) AS INTEGER), '0')` : h}, '')`;
  }),
  fn('extract_json', [anyScalar, anyScalar], 0, 'string', (a) => `coalesce(json_extract_string(TRY_CAST(${str(a[1]!)} AS JSON), ${str(a[0]!)}), '')`),
  fn('extractjson', [anyScalar, anyScalar], 0, 'string', (a) => `coalesce(json_extract_string(TRY_CAST(${str(a[1]!)} AS JSON), ${str(a[0]!)}), '')`),
  fn('has_ipv4', [anyScalar, anyScalar], 0, 'bool', (a) =>
    `regexp_matches(${str(a[0]!)}, '(?:^|[^0-9.])' || regexp_escape(${str(a[1]!)}) || '(?:$|[^0-9.])')`),
  fn('has_ipv4_prefix', [anyScalar, anyScalar], 0, 'bool', (a) =>
    `regexp_matches(${str(a[0]!)}, '(?:^|[^0-9.])' || regexp_escape(${str(a[1]!)}) || (CASE WHEN suffix(${str(a[1]!)}, '.') THEN '' ELSE '\\.' END) || '[0-9]')`),
  {
    // has_any_ipv4(source, ip, …) / (source, dynamic([ip, …])): one of the valid IPv4 addresses appears delimited in source (has-any-ipv4-function.md)
    name: 'has_any_ipv4', minArgs: 2, maxArgs: 64,
    bind: (args) => {
      args.slice(1).forEach((a, i) => { if (a.type !== 'string' && a.type !== 'dynamic') fail(`has_any_ipv4(): an IP address must be a string or a dynamic array, got '${a.type}'`, i + 1); });
      return 'bool';
    },
    emit: (a) => {
      const lists = a.slice(1).map((x) => (x.type === 'dynamic'
        ? `list_transform(${elems(x.sql)}, _e -> json_extract_string(_e, '$'))`
        : `[${str(x)}]`));
      const octet = '(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])';
      const valid = sqlString(`${octet}(\\.${octet}){3}`);
      const src = str(a[0]!);
      return `coalesce(len(list_filter(flatten([${lists.join(', ')}]), _ip -> regexp_full_match(_ip, ${valid}) AND regexp_matches(${src}, '(?:^|[^0-9.])' || regexp_escape(_ip) || '(?:$|[^0-9.])'))) > 0, FALSE)`;
    },
  },
];
// hash_many: hash of all arguments together
STRING_EXTRAS.splice(STRING_EXTRAS.findIndex((f) => f.name === 'hash_many'), 1, {
  name: 'hash_many', minArgs: 1, maxArgs: 64, bind: () => 'long',
  emit: (a) => `CAST(hash(${a.map((x) => str(x)).join(', ')}) >> 1 AS BIGINT)`,
});

// ───────────── datetime / timespan ─────────────

const TICKS_DAY = 864000000000;
/** floor(x / n) * n for BIGINT x and positive n (exact, also for negative x). */
function floorMul(x: string, n: string): string {
  return `(${x} - (((${x} % ${n}) + ${n}) % ${n}))`;
}
/** floor(x / n) for BIGINT x and positive n. */
function floorDiv(x: string, n: string): string {
  return `(${floorMul(x, n)} // ${n})`;
}
const dt = (a: SqlArg) => as(a, 'datetime');
const offsetArg = (a: SqlArg | undefined) => (a ? `CAST(${as(a, 'long')} AS INTEGER)` : '0');

/** startof*(date[, offset]) and endof*(date[, offset]) — week starts on Sunday; endof* is the last tick (µs here). */
function periodStart(unit: 'day' | 'week' | 'month' | 'year', d: string, off: string): string {
  switch (unit) {
    case 'day': return `CAST(date_trunc('day', ${d}) + to_days(${off}) AS TIMESTAMP)`;
    case 'week': return `CAST(date_trunc('day', ${d}) - to_days(CAST(dayofweek(${d}) AS INTEGER)) + to_days(7 * ${off}) AS TIMESTAMP)`;
    case 'month': return `CAST(date_trunc('month', ${d}) + to_months(${off}) AS TIMESTAMP)`;
    case 'year': return `CAST(date_trunc('year', ${d}) + to_years(${off}) AS TIMESTAMP)`;
  }
}
function startOf(unit: 'day' | 'week' | 'month' | 'year'): ScalarFunction {
  return fn(`startof${unit}`, [dateLike, intLike], 1, 'datetime', (a) => periodStart(unit, dt(a[0]!), offsetArg(a[1])), 'a datetime');
}
function endOf(unit: 'day' | 'week' | 'month' | 'year'): ScalarFunction {
  return fn(`endof${unit}`, [dateLike, intLike], 1, 'datetime', (a) => `(${periodStart(unit, dt(a[0]!), `(${offsetArg(a[1])} + 1)`)} - INTERVAL 1 MICROSECOND)`, 'a datetime');
}

const PARTS = ['year', 'quarter', 'month', 'week_of_year', 'week', 'day', 'dayofyear', 'hour', 'minute', 'second', 'millisecond', 'microsecond', 'nanosecond'];
function partName(args: ArgInfo[], fnName: string, allowed: string[]): string {
  const p = requireConst(args, 0, fnName, 'the part').toLowerCase();
  if (!allowed.includes(p)) fail(`${fnName}(): unknown part '${p}'`, 0);
  return p;
}
function datetimePartSql(p: string, d: string): string {
  switch (p) {
    case 'year': return `year(${d})`;
    case 'quarter': return `quarter(${d})`;
    case 'month': return `month(${d})`;
    case 'week_of_year': case 'week': return `weekofyear(${d})`;
    case 'day': return `day(${d})`;
    case 'dayofyear': return `dayofyear(${d})`;
    case 'hour': return `hour(${d})`;
    case 'minute': return `minute(${d})`;
    case 'second': return `second(${d})`;
    case 'millisecond': return `((microsecond(${d}) % 1000000) // 1000)`;
    case 'microsecond': return `(microsecond(${d}) % 1000000)`;
    default: return `((microsecond(${d}) % 1000000) * 1000)`;
  }
}
const datetimePart: ScalarFunction = {
  name: 'datetime_part', minArgs: 2, maxArgs: 2,
  bind(args) {
    partName(args, 'datetime_part', PARTS);
    requireType(args, 1, dateLike, 'a datetime', 'datetime_part');
    return 'int';
  },
  emit: (a) => `CAST(${datetimePartSql(constString(a[0])!.toLowerCase(), dt(a[1]!))} AS INTEGER)`,
};
const ADD_PARTS = ['year', 'quarter', 'month', 'week', 'day', 'hour', 'minute', 'second', 'millisecond', 'microsecond', 'nanosecond'];
const datetimeAdd: ScalarFunction = {
  name: 'datetime_add', minArgs: 3, maxArgs: 3,
  bind(args) {
    partName(args, 'datetime_add', ADD_PARTS);
    requireType(args, 1, intLike, 'an integer', 'datetime_add');
    requireType(args, 2, dateLike, 'a datetime', 'datetime_add');
    return 'datetime';
  },
  emit(a) {
    const p = constString(a[0])!.toLowerCase();
    const n = as(a[1]!, 'long');
    const d = dt(a[2]!);
    const iv: Record<string, string> = {
      year: `to_years(CAST(${n} AS INTEGER))`, quarter: `to_months(CAST(3 * ${n} AS INTEGER))`, month: `to_months(CAST(${n} AS INTEGER))`,
      week: `to_days(CAST(7 * ${n} AS INTEGER))`, day: `to_days(CAST(${n} AS INTEGER))`, hour: `to_hours(${n})`, minute: `to_minutes(${n})`,
      second: `to_seconds(CAST(${n} AS DOUBLE))`, millisecond: `to_milliseconds(CAST(${n} AS DOUBLE))`, microsecond: `to_microseconds(${n})`, nanosecond: `to_microseconds(${n} // 1000)`,
    };
    return `try(CAST(${d} + ${iv[p]} AS TIMESTAMP))`;
  },
};
/** datetime_diff(part, d1, d2): number of period boundaries between d2 and d1 (weeks start on Sunday). */
const datetimeDiff: ScalarFunction = {
  name: 'datetime_diff', minArgs: 3, maxArgs: 3,
  bind(args) {
    partName(args, 'datetime_diff', ADD_PARTS);
    requireType(args, 1, dateLike, 'a datetime', 'datetime_diff');
    requireType(args, 2, dateLike, 'a datetime', 'datetime_diff');
    return 'long';
  },
  emit(a) {
    const p = constString(a[0])!.toLowerCase();
    const d1 = dt(a[1]!), d2 = dt(a[2]!);
    const us = (d: string) => `epoch_us(${d})`;
    const per = (n: number) => `(${floorDiv(us(d1), String(n))} - ${floorDiv(us(d2), String(n))})`;
    switch (p) {
      case 'year': return `CAST(year(${d1}) - year(${d2}) AS BIGINT)`;
      case 'quarter': return `CAST((year(${d1}) * 4 + quarter(${d1})) - (year(${d2}) * 4 + quarter(${d2})) AS BIGINT)`;
      case 'month': return `CAST((year(${d1}) * 12 + month(${d1})) - (year(${d2}) * 12 + month(${d2})) AS BIGINT)`;
      // 1970-01-04 was a Sunday: shift by 3 days so that week boundaries fall on Sundays
      case 'week': return `(${floorDiv(`(${us(d1)} - 259200000000)`, '604800000000')} - ${floorDiv(`(${us(d2)} - 259200000000)`, '604800000000')})`;
      case 'day': return per(86400000000);
      case 'hour': return per(3600000000);
      case 'minute': return per(60000000);
      case 'second': return per(1000000);
      case 'millisecond': return per(1000);
      case 'microsecond': return `(${us(d1)} - ${us(d2)})`;
      default: return `((${us(d1)} - ${us(d2)}) * 1000)`;
    }
  },
};

interface FmtPart { sql: string; lit?: string }
/** Splits a .NET custom format into runs of one pattern letter and literal text ('…', "…", \x escapes). */
function tokenizeFormat(fmt: string, letters: string): { letter?: string; n: number; text: string }[] {
  const out: { letter?: string; n: number; text: string }[] = [];
  const pushLit = (t: string) => {
    const last = out[out.length - 1];
    if (last && last.letter === undefined) last.text += t;
    else out.push({ n: 0, text: t });
  };
  for (let i = 0; i < fmt.length;) {
    const c = fmt[i]!;
    if (letters.includes(c)) {
      let j = i;
      while (j < fmt.length && fmt[j] === c) j++;
      out.push({ letter: c, n: j - i, text: '' });
      i = j;
    } else if (c === '\\' && i + 1 < fmt.length) {
      pushLit(fmt[i + 1]!);
      i += 2;
    } else if (c === "'" || c === '"') {
      const j = fmt.indexOf(c, i + 1);
      pushLit(fmt.slice(i + 1, j < 0 ? fmt.length : j));
      i = j < 0 ? fmt.length : j + 1;
    } else {
      pushLit(c);
      i++;
    }
  }
  return out;
}
/** Joins format parts; an empty F… fraction also drops a '.' right before it (as .NET does). */
function joinFormat(parts: FmtPart[]): string {
  return parts.length ? `concat(${parts.map((p) => p.sql).join(', ')})` : "''";
}
function fractionPart(frac7: string, letter: string, n: number, parts: FmtPart[]): FmtPart {
  const digits = `left(${frac7}, ${Math.min(n, 7)})`;
  if (letter === 'f') return { sql: digits };
  const trimmed = `rtrim(${digits}, '0')`;
  const prev = parts[parts.length - 1];
  if (prev?.lit !== undefined && prev.lit.endsWith('.')) {
    const keep = prev.lit.slice(0, -1);
    parts[parts.length - 1] = { sql: sqlString(keep), lit: keep };
    return { sql: `(CASE WHEN ${trimmed} = '' THEN '' ELSE '.' || ${trimmed} END)` };
  }
  return { sql: trimmed };
}
const vc = (x: string) => `CAST(${x} AS VARCHAR)`;
const pad = (x: string, n: number) => `lpad(CAST(${x} AS VARCHAR), ${n}, '0')`;

function formatDatetimeSql(d: string, fmt: string): string {
  const parts: FmtPart[] = [];
  const frac7 = `(lpad(CAST(microsecond(${d}) % 1000000 AS VARCHAR), 6, '0') || '0')`;
  for (const t of tokenizeFormat(fmt, 'dfFhHmMsyt')) {
    const n = t.n;
    switch (t.letter) {
      case undefined: parts.push({ sql: sqlString(t.text), lit: t.text }); break;
      case 'd': parts.push({ sql: n === 1 ? vc(`day(${d})`) : n === 2 ? pad(`day(${d})`, 2) : n === 3 ? `strftime(${d}, '%a')` : `strftime(${d}, '%A')` }); break;
      case 'f': case 'F': parts.push(fractionPart(frac7, t.letter, n, parts)); break;
      case 'h': parts.push({ sql: n === 1 ? vc(`((hour(${d}) + 11) % 12 + 1)`) : pad(`((hour(${d}) + 11) % 12 + 1)`, 2) }); break;
      case 'H': parts.push({ sql: n === 1 ? vc(`hour(${d})`) : pad(`hour(${d})`, 2) }); break;
      case 'm': parts.push({ sql: n === 1 ? vc(`minute(${d})`) : pad(`minute(${d})`, 2) }); break;
      case 'M': parts.push({ sql: n === 1 ? vc(`month(${d})`) : n === 2 ? pad(`month(${d})`, 2) : n === 3 ? `strftime(${d}, '%b')` : `strftime(${d}, '%B')` }); break;
      case 's': parts.push({ sql: n === 1 ? vc(`second(${d})`) : pad(`second(${d})`, 2) }); break;
      case 'y': parts.push({ sql: n === 1 ? vc(`(year(${d}) % 100)`) : n === 2 ? pad(`(year(${d}) % 100)`, 2) : pad(`year(${d})`, n) }); break;
      case 't': parts.push({ sql: n === 1 ? `(CASE WHEN hour(${d}) < 12 THEN 'A' ELSE 'P' END)` : `(CASE WHEN hour(${d}) < 12 THEN 'AM' ELSE 'PM' END)` }); break;
    }
  }
  return `(CASE WHEN ${d} IS NULL THEN '' ELSE ${joinFormat(parts)} END)`;
}
function formatTimespanSql(ts: string, fmt: string): string {
  const parts: FmtPart[] = [];
  const T = `abs(${ts})`;
  const frac7 = `lpad(CAST(${T} % 10000000 AS VARCHAR), 7, '0')`;
  for (const t of tokenizeFormat(fmt, 'dfFhHms')) {
    const n = t.n;
    switch (t.letter) {
      case undefined: parts.push({ sql: sqlString(t.text), lit: t.text }); break;
      case 'd': parts.push({ sql: pad(`(${T} // ${TICKS_DAY})`, n) }); break;
      case 'f': case 'F': parts.push(fractionPart(frac7, t.letter, n, parts)); break;
      case 'h': case 'H': parts.push({ sql: n === 1 ? vc(`((${T} // 36000000000) % 24)`) : pad(`((${T} // 36000000000) % 24)`, 2) }); break;
      case 'm': parts.push({ sql: n === 1 ? vc(`((${T} // 600000000) % 60)`) : pad(`((${T} // 600000000) % 60)`, 2) }); break;
      case 's': parts.push({ sql: n === 1 ? vc(`((${T} // 10000000) % 60)`) : pad(`((${T} // 10000000) % 60)`, 2) }); break;
    }
  }
  return `(CASE WHEN ${ts} IS NULL THEN '' ELSE ${joinFormat(parts)} END)`;
}
const formatDatetime: ScalarFunction = {
  name: 'format_datetime', minArgs: 2, maxArgs: 2,
  bind(args) {
    requireType(args, 0, dateLike, 'a datetime', 'format_datetime');
    requireConst(args, 1, 'format_datetime', 'the format');
    return 'string';
  },
  emit: (a) => letSql(dt(a[0]!), '_d', formatDatetimeSql('_d', constString(a[1])!)),
};
const formatTimespan: ScalarFunction = {
  name: 'format_timespan', minArgs: 2, maxArgs: 2,
  bind(args) {
    requireType(args, 0, tsLike, 'a timespan', 'format_timespan');
    requireConst(args, 1, 'format_timespan', 'the format');
    return 'string';
  },
  emit: (a) => letSql(as(a[0]!, 'timespan'), '_t', formatTimespanSql('_t', constString(a[1])!)),
};

const makeDatetime: ScalarFunction = fn('make_datetime', [intLike, intLike, intLike, intLike, intLike, numericOrDyn], 3, 'datetime', (a) => {
  const i = (k: number) => (a[k] ? as(a[k]!, 'long') : 'CAST(0 AS BIGINT)');
  const s = a[5] ? as(a[5], 'real') : 'CAST(0 AS DOUBLE)';
  // whole microseconds of the seconds argument (truncated, like the 100-ns ticks are truncated elsewhere)
  return `(CASE WHEN ${i(0)} BETWEEN 1 AND 9999 AND ${s} >= 0 AND ${s} < 60 THEN try(make_timestamp(${i(0)}, ${i(1)}, ${i(2)}, ${i(3)}, ${i(4)}, 0) + to_microseconds(CAST(floor(${s} * 1000000 + 0.0000001) AS BIGINT))) END)`;
}, 'numeric');
const makeTimespan: ScalarFunction = fn('make_timespan', [numericOrDyn, numericOrDyn, numericOrDyn, numericOrDyn], 2, 'timespan', (a) => {
  const l = (k: number) => as(a[k]!, 'long');
  const sec = (x: SqlArg) => `CAST(round(${as(x, 'real')} * 10000000) AS BIGINT)`;
  if (a.length === 2) return `(${l(0)} * 36000000000 + ${l(1)} * 600000000)`;
  if (a.length === 3) return `(${l(0)} * 36000000000 + ${l(1)} * 600000000 + ${sec(a[2]!)})`;
  return `(${l(0)} * ${TICKS_DAY} + ${l(1)} * 36000000000 + ${l(2)} * 600000000 + ${sec(a[3]!)})`;
}, 'numeric');

/** bin_at(value, size, fixed_point) — bins aligned to fixed_point. */
const binAt: ScalarFunction = {
  name: 'bin_at', minArgs: 3, maxArgs: 3,
  bind(args) {
    const [v, s, f] = args as [ArgInfo, ArgInfo, ArgInfo];
    if (v.type === 'datetime') {
      if (s.type !== 'timespan' || f.type !== 'datetime') fail('bin_at(): a datetime is binned by a timespan at a datetime fixed point');
      return 'datetime';
    }
    if (v.type === 'timespan') {
      if (s.type !== 'timespan' || f.type !== 'timespan') fail('bin_at(): a timespan is binned by a timespan at a timespan fixed point');
      return 'timespan';
    }
    if (!isNumeric(v.type) || !isNumeric(s.type) || !isNumeric(f.type)) fail('bin_at(): expects numeric, datetime or timespan arguments');
    return isIntegral(v.type) && isIntegral(s.type) && isIntegral(f.type) ? 'long' : 'real';
  },
  emit(a) {
    const [v, s, f] = a as [SqlArg, SqlArg, SqlArg];
    if (v.type === 'datetime') {
      const diff = `((epoch_us(${v.sql}) - epoch_us(${f.sql})) * 10)`;
      return `(CASE WHEN ${s.sql} > 0 THEN CAST(${f.sql} + to_microseconds(${floorMul(diff, s.sql)} // 10) AS TIMESTAMP) END)`;
    }
    if (v.type === 'timespan' || (isIntegral(v.type) && isIntegral(s.type) && isIntegral(f.type))) {
      const x = as(v, 'long'), n = as(s, 'long'), fx = as(f, 'long');
      return `(CASE WHEN ${n} > 0 THEN ${fx} + ${floorMul(`(${x} - ${fx})`, n)} END)`;
    }
    const x = as(v, 'real'), n = as(s, 'real'), fx = as(f, 'real');
    return `(CASE WHEN ${n} > 0 THEN ${fx} + floor((${x} - ${fx}) / ${n}) * ${n} END)`;
  },
};

/** ICU time-zone conversions; an unknown zone gives null. */
const tzCheck = (tz: string) => `(${tz} IN (SELECT name FROM pg_timezone_names()))`;
const safeTz = (tz: string) => `(CASE WHEN ${tzCheck(tz)} THEN ${tz} ELSE 'UTC' END)`;
const utcToLocal: ScalarFunction = fn('datetime_utc_to_local', [dateLike, anyScalar], 0, 'datetime', (a) =>
  `(CASE WHEN ${tzCheck(str(a[1]!))} THEN CAST(timezone(${safeTz(str(a[1]!))}, timezone('UTC', ${dt(a[0]!)})) AS TIMESTAMP) END)`, 'a datetime');
const localToUtc: ScalarFunction = fn('datetime_local_to_utc', [dateLike, anyScalar], 0, 'datetime', (a) =>
  `(CASE WHEN ${tzCheck(str(a[1]!))} THEN CAST(timezone('UTC', timezone(${safeTz(str(a[1]!))}, ${dt(a[0]!)})) AS TIMESTAMP) END)`, 'a datetime');

const DATETIME_EXTRAS: ScalarFunction[] = [
  startOf('day'), startOf('week'), startOf('month'), startOf('year'),
  endOf('day'), endOf('week'), endOf('month'), endOf('year'),
  datetimePart, datetimeAdd, datetimeDiff, formatDatetime, formatTimespan, makeDatetime, makeTimespan, binAt,
  utcToLocal, localToUtc,
  fn('datetime_list_timezones', [], 0, 'dynamic', () => `(SELECT CAST(to_json(list(name ORDER BY name)) AS JSON) FROM pg_timezone_names())`),
  fn('week_of_year', [dateLike], 0, 'int', (a) => `CAST(weekofyear(${dt(a[0]!)}) AS INTEGER)`, 'a datetime'),
  fn('weekofyear', [dateLike], 0, 'int', (a) => `CAST(weekofyear(${dt(a[0]!)}) AS INTEGER)`, 'a datetime'),
  fn('dayofweek', [dateLike], 0, 'timespan', (a) => `(CAST(dayofweek(${dt(a[0]!)}) AS BIGINT) * ${TICKS_DAY})`, 'a datetime'),
  fn('unixtime_nanoseconds_todatetime', [numericOrDyn], 0, 'datetime', (a) => `try(make_timestamp(TRY_CAST(floor(${as(a[0]!, 'real')} / 1000) AS BIGINT)))`, 'numeric'),
  fn('unixtime_microseconds_todatetime', [numericOrDyn], 0, 'datetime', (a) => `try(make_timestamp(TRY_CAST(floor(${as(a[0]!, 'real')}) AS BIGINT)))`, 'numeric'),
  fn('unixtime_milliseconds_todatetime', [numericOrDyn], 0, 'datetime', (a) => `try(make_timestamp(TRY_CAST(floor(${as(a[0]!, 'real')} * 1000) AS BIGINT)))`, 'numeric'),
  fn('unixtime_seconds_todatetime', [numericOrDyn], 0, 'datetime', (a) => `try(make_timestamp(TRY_CAST(floor(${as(a[0]!, 'real')} * 1000000) AS BIGINT)))`, 'numeric'),
];

// ───────────── math ─────────────

const bitwise = (name: string, arity: number, body: (x: string[]) => string) =>
  fn(name, Array(arity).fill(intLike), 0, 'long', (a) => body(a.map((x) => as(x, 'long'))), 'an integer');

const MATH_EXTRAS: ScalarFunction[] = [
  guardedMath('log', logSql('ln', 'CAST(NULL AS DOUBLE)')),
  guardedMath('log10', logSql('log10', 'CAST(NULL AS DOUBLE)')),
  guardedMath('log2', logSql('log2', 'CAST(NULL AS DOUBLE)')),
  // sqrt of a negative is NaN in Kusto (issue #12), though sqrt-function.md says null
  guardedMath('sqrt', (x) => `(CASE WHEN ${x} < 0 THEN ${NAN} ELSE sqrt(${x}) END)`),
  guardedMath('exp', (x) => `exp(${x})`),
  guardedMath('exp2', (x) => `pow(2.0, ${x})`),
  guardedMath('exp10', (x) => `pow(10.0, ${x})`),
  guardedMath('sin', (x) => `(CASE WHEN isinf(${x}) THEN ${NAN} ELSE sin(${x}) END)`),
  guardedMath('cos', (x) => `(CASE WHEN isinf(${x}) THEN ${NAN} ELSE cos(${x}) END)`),
  guardedMath('tan', (x) => `(CASE WHEN isinf(${x}) THEN ${NAN} ELSE tan(${x}) END)`),
  guardedMath('cot', (x) => `(CASE WHEN ${x} = 0 THEN ${POS_INF} WHEN isinf(${x}) THEN ${NAN} ELSE cot(${x}) END)`),
  guardedMath('asin', (x) => `(CASE WHEN ${x} BETWEEN -1 AND 1 THEN asin(${x}) ELSE ${NAN} END)`),
  guardedMath('acos', (x) => `(CASE WHEN ${x} BETWEEN -1 AND 1 THEN acos(${x}) ELSE ${NAN} END)`),
  guardedMath('atan', (x) => `atan(${x})`),
  guardedMath('degrees', (x) => `degrees(${x})`),
  guardedMath('radians', (x) => `radians(${x})`),
  guardedMath('gamma', (x) => `(CASE WHEN ${x} = 0 THEN ${POS_INF} WHEN ${x} < 0 AND ${x} = floor(${x}) THEN ${NAN} WHEN ${x} > 171.7 THEN ${POS_INF} ELSE gamma(${x}) END)`),
  guardedMath('loggamma', (x) => `(CASE WHEN ${x} <= 0 AND ${x} = floor(${x}) THEN ${POS_INF} ELSE lgamma(${x}) END)`),
  fn('atan2', [numericOrDyn, numericOrDyn], 0, 'real', (a) => `atan2(${as(a[0]!, 'real')}, ${as(a[1]!, 'real')})`, 'numeric'),
  fn('pow', [numericOrDyn, numericOrDyn], 0, 'real', (a) => `try(pow(${as(a[0]!, 'real')}, ${as(a[1]!, 'real')}))`, 'numeric'),
  fn('round', [numericOrDyn, intLike], 1, (a) => (a[0]!.type === 'decimal' ? 'decimal' : isIntegral(a[0]!.type) ? 'long' : 'real'), (a) => {
    const p = a[1] ? as(a[1], 'int') : '0';
    if (a[0]!.type === 'decimal') return `CAST(round(${a[0]!.sql}, ${p}) AS DECIMAL(38,18))`;
    if (isIntegral(a[0]!.type)) return `CAST(round(${as(a[0]!, 'long')}, ${p}) AS BIGINT)`;
    return `round(${as(a[0]!, 'real')}, ${p})`;
  }, 'numeric'),
  fn('sign', [numericOrDyn], 0, (a) => (isIntegral(a[0]!.type) ? 'long' : a[0]!.type === 'decimal' ? 'decimal' : 'real'), (a) => {
    if (isIntegral(a[0]!.type)) return `CAST(sign(${as(a[0]!, 'long')}) AS BIGINT)`;
    if (a[0]!.type === 'decimal') return `CAST(sign(${a[0]!.sql}) AS DECIMAL(38,18))`;
    return `CAST(sign(${as(a[0]!, 'real')}) AS DOUBLE)`;
  }, 'numeric'),
  fn('rand', [numericOrDyn], 1, (a) => (a.length ? 'long' : 'real'), (a) => (a.length ? `CAST(floor(random() * ${as(a[0]!, 'long')}) AS BIGINT)` : 'random()'), 'numeric'),
  bitwise('binary_and', 2, ([x, y]) => `(${x} & ${y})`),
  bitwise('binary_or', 2, ([x, y]) => `(${x} | ${y})`),
  bitwise('binary_xor', 2, ([x, y]) => `xor(${x}, ${y})`),
  bitwise('binary_not', 1, ([x]) => `(~${x})`),
  // 64-bit wrap-around like .NET: shift in HUGEINT, keep the low 64 bits, reinterpret as signed
  bitwise('binary_shift_left', 2, ([x, n]) => `(CASE WHEN ${n} < 0 OR ${n} >= 64 THEN NULL ELSE ${letSql(`((CAST(${x} AS HUGEINT) & 18446744073709551615) << CAST(${n} AS HUGEINT)) & 18446744073709551615`, '_h', 'CAST(CASE WHEN _h >= 9223372036854775808 THEN _h - 18446744073709551616 ELSE _h END AS BIGINT)')} END)`),
  bitwise('binary_shift_right', 2, ([x, n]) => `(CASE WHEN ${n} < 0 OR ${n} >= 64 THEN NULL ELSE (${x} >> CAST(${n} AS INTEGER)) END)`),
  bitwise('bitset_count_ones', 1, ([x]) => `CAST(bit_count(${x}) AS BIGINT)`),
];

// ───────────── conversion / type ─────────────

const gettypeFn: ScalarFunction = fn('gettype', [anyScalar], 0, 'string', (a) => {
  const x = a[0]!;
  if (x.type !== 'dynamic') return sqlString(x.type);
  return `(CASE json_type(${x.sql}) WHEN 'ARRAY' THEN 'array' WHEN 'OBJECT' THEN 'dictionary' WHEN 'VARCHAR' THEN 'string' WHEN 'BOOLEAN' THEN 'bool'` +
    ` WHEN 'DOUBLE' THEN 'real' WHEN 'BIGINT' THEN (CASE WHEN TRY_CAST(CAST(${x.sql} AS VARCHAR) AS INTEGER) IS NULL THEN 'long' ELSE 'int' END)` +
    ` WHEN 'UBIGINT' THEN (CASE WHEN TRY_CAST(CAST(${x.sql} AS VARCHAR) AS INTEGER) IS NULL THEN 'long' ELSE 'int' END) WHEN 'HUGEINT' THEN 'long' ELSE 'null' END)`;
});

const CONVERSION_EXTRAS: ScalarFunction[] = [
  gettypeFn,
  fn('bag_has_key', [isDynamic, anyScalar], 0, 'bool', (a) => {
    const k = constString(a[1]);
    if (k !== undefined && k.startsWith('$')) return `coalesce(json_type(${a[0]!.sql}) = 'OBJECT' AND json_exists(${a[0]!.sql}, ${sqlString(k)}), FALSE)`;
    return `coalesce(json_type(${a[0]!.sql}) = 'OBJECT' AND list_contains(json_keys(${a[0]!.sql}), ${str(a[1]!)}), FALSE)`;
  }, 'dynamic'),
  fn('toreal', [anyScalar], 0, 'real', (a) => convertSql(a[0]!.sql, a[0]!.type, 'real')),
  fn('dcount_hll', [isDynamic], 0, 'long', (a) => dcountHllSql(a[0]!.sql), 'dynamic'),
];

// ───────────── dynamic: bags and arrays ─────────────

const asMap = (d: string) => `(CASE WHEN json_type(${d}) = 'OBJECT' THEN CAST(${d} AS MAP(VARCHAR, JSON)) END)`;
const mapToJson = (m: string) => `CAST(to_json(${m}) AS JSON)`;

const bagPack = (name: string): ScalarFunction => ({
  name, minArgs: 0, maxArgs: 128,
  bind(args) {
    if (args.length % 2 !== 0) fail(`${name}(): expects key/value pairs`);
    return 'dynamic';
  },
  emit(a) {
    if (a.length === 0) return `CAST('{}' AS JSON)`;
    const items: string[] = [];
    for (let i = 0; i < a.length; i += 2) items.push(str(a[i]!), asJson(a[i + 1]!));
    return `CAST(json_object(${items.join(', ')}) AS JSON)`;
  },
});

/** array_slice(arr, start, end): end inclusive, negative indexes count from the end. */
function sliceSql(l: string, s: string, e: string): string {
  const n = `len(${l})`;
  const ns = `greatest(CASE WHEN ${s} < 0 THEN ${n} + ${s} ELSE ${s} END, 0)`;
  const ne = `least(CASE WHEN ${e} < 0 THEN ${n} + ${e} ELSE ${e} END, ${n} - 1)`;
  return `list_slice(${l}, ${ns} + 1, ${ne} + 1)`;
}
function arraySort(name: string, desc: boolean): ScalarFunction {
  return {
    name, minArgs: 1, maxArgs: 2,
    bind(args) {
      if (args[0]!.type !== 'dynamic') fail(`${name}(): expects a dynamic array`, 0);
      if (args[1] && args[1].type !== 'bool') fail(`${name}(): sorting several arrays (multiple output columns) is not supported`, 1);
      return 'dynamic';
    },
    emit(a) {
      const nullsLast = a[1] ? as(a[1], 'bool') : 'TRUE';
      // ascending on z (false first): nulls-last ⇒ z = is null; for desc the order of z flips
      const zExpr = (e: string) => `(CASE WHEN ${nullsLast} THEN ${desc ? `(${e} <> 'null')` : `(${e} = 'null')`} ELSE ${desc ? `(${e} = 'null')` : `(${e} <> 'null')`} END)`;
      const key = (e: string) => `{'z': ${zExpr(e)}, 'c': ${desc ? '-' : ''}(CASE WHEN json_type(${e}) IN ('BIGINT','UBIGINT','DOUBLE','HUGEINT') THEN 0 WHEN json_type(${e}) = 'VARCHAR' THEN 1 ELSE 2 END), 'n': TRY_CAST(${e} AS DOUBLE), 's': ${elemStr(e)}, 'e': ${e}}`;
      const sorted = `list_transform(list_sort(list_transform(${elems(a[0]!.sql)}, _e -> ${key('_e')}), '${desc ? 'DESC' : 'ASC'}', 'NULLS LAST'), _k -> _k.e)`;
      return fromElems(sorted);
    },
  };
}

/** Distinct preserving first occurrence. */
const distinctSql = (l: string) => letSql(l, '_dl', `list_filter(_dl, (_x, _i) -> list_position(_dl, _x) = _i)`);

function setFn(name: string, body: (lists: string[]) => string): ScalarFunction {
  return {
    name, minArgs: 2, maxArgs: 64,
    bind(args) {
      args.forEach((x, i) => { if (x.type !== 'dynamic') fail(`${name}(): expects dynamic arrays`, i); });
      return 'dynamic';
    },
    emit: (a) => {
      const lists = a.map((x) => elems(x.sql));
      return `(CASE WHEN ${a.map((x) => `json_type(${x.sql}) = 'ARRAY'`).join(' AND ')} THEN ${fromElems(body(lists))} END)`;
    },
  };
}

/** array_index_of(arr, value[, start[, length[, occurrence]]]). */
const arrayIndexOf: ScalarFunction = fn('array_index_of', [isDynamic, anyScalar, intLike, intLike, intLike], 3, 'long', (a) => {
  const l = elems(a[0]!.sql);
  const v = jsonText(a[1]!);
  if (a.length === 2) return `(CASE WHEN json_type(${a[0]!.sql}) = 'ARRAY' THEN coalesce(CAST(list_position(${l}, ${v}) - 1 AS BIGINT), -1) END)`;
  const st = as(a[2]!, 'long');
  const len = a[3] ? as(a[3], 'long') : 'CAST(-1 AS BIGINT)';
  const occ = a[4] ? as(a[4], 'long') : 'CAST(1 AS BIGINT)';
  const start = `(CASE WHEN ${st} < 0 THEN greatest(len(${l}) + ${st}, 0) ELSE ${st} END)`;
  const positions = `list_filter(range(len(${l})), _q -> (${l})[_q + 1] = ${v})`;
  const step = `(CASE WHEN _acc = 0 THEN 0 ELSE coalesce(list_min(list_filter(${positions}, _q -> _q >= _acc - 1 AND (${len} = -1 OR _q < _acc - 1 + ${len}))) + 2, 0) END)`;
  return `(CASE WHEN json_type(${a[0]!.sql}) <> 'ARRAY' OR ${len} < -1 OR ${occ} <= 0 THEN NULL ELSE CAST(greatest(list_reduce(list_concat([${start} + 1], range(${occ})), (_acc, _k) -> ${step}) - 2, -1) AS BIGINT) END)`;
}, 'dynamic');

function rotate(l: string, k: string): string {
  // left rotation by k (mod length)
  return letSql(l, '_rl', `(CASE WHEN len(_rl) = 0 THEN _rl ELSE list_concat(list_slice(_rl, ((${k}) % len(_rl) + len(_rl)) % len(_rl) + 1, len(_rl)), list_slice(_rl, 1, ((${k}) % len(_rl) + len(_rl)) % len(_rl))) END)`);
}
function shift(l: string, k: string, fill: string): string {
  // shift left by k (negative: right), filling with `fill`
  return letSql(l, '_sl', `list_transform(range(len(_sl)), _i -> CASE WHEN _i + (${k}) >= 0 AND _i + (${k}) < len(_sl) THEN _sl[_i + (${k}) + 1] ELSE ${fill} END)`);
}

/** range(start, stop[, step]) as an array (numbers, or datetimes/timespans with a timespan step). */
const rangeFn: ScalarFunction = {
  name: 'range', minArgs: 2, maxArgs: 3,
  bind(args) {
    const t = args[0]!.type;
    if (!isNumeric(t) && t !== 'datetime' && t !== 'timespan') fail('range(): start must be numeric, datetime or timespan', 0);
    return 'dynamic';
  },
  emit(a) {
    const t = a[0]!.type;
    const count = (span: string, step: string) => `least(greatest(CAST(floor((${span}) / (${step})) AS BIGINT) + 1, 0), 1048576)`;
    if (t === 'datetime') {
      const step = a[2] ? as(a[2], 'timespan') : `CAST(${TICKS_DAY} AS BIGINT)`;
      const span = `((epoch_us(${as(a[1]!, 'datetime')}) - epoch_us(${a[0]!.sql})) * 10.0)`;
      const item = `CAST(to_json(${toStringSql(`CAST(${a[0]!.sql} + to_microseconds((_i * ${step}) // 10) AS TIMESTAMP)`, 'datetime')}) AS VARCHAR)`;
      return `(CASE WHEN ${step} <> 0 THEN ${fromElems(`list_transform(range(${count(span, step)}), _i -> ${item})`)} END)`;
    }
    if (t === 'timespan') {
      const step = a[2] ? as(a[2], 'timespan') : `CAST(${TICKS_DAY} AS BIGINT)`;
      const span = `(CAST(${as(a[1]!, 'timespan')} AS DOUBLE) - ${a[0]!.sql})`;
      const item = `CAST(to_json(${toStringSql(`(${a[0]!.sql} + _i * ${step})`, 'timespan')}) AS VARCHAR)`;
      return `(CASE WHEN ${step} <> 0 THEN ${fromElems(`list_transform(range(${count(span, step)}), _i -> ${item})`)} END)`;
    }
    const integral = isIntegral(t) && isIntegral(a[1]!.type) && (!a[2] || isIntegral(a[2].type));
    const step = a[2] ? as(a[2], 'real') : '1.0';
    const span = `(${as(a[1]!, 'real')} - ${as(a[0]!, 'real')})`;
    const item = integral ? `CAST(${as(a[0]!, 'long')} + _i * ${as(a[2] ?? { sql: '1', type: 'long' }, 'long')} AS VARCHAR)` : `CAST(to_json(${as(a[0]!, 'real')} + _i * ${step}) AS VARCHAR)`;
    return `(CASE WHEN ${step} <> 0 THEN ${fromElems(`list_transform(range(${count(span, step)}), _i -> ${item})`)} END)`;
  },
};

/** treepath(bag): ["['a']", "['a']['b']", "['arr'][0]", …] — arrays contribute their first element's shape. */
const treepath: ScalarFunction = fn('treepath', [isDynamic], 0, 'dynamic', (a) =>
  `(SELECT CAST(to_json(coalesce(list(DISTINCT p ORDER BY p), [])) AS JSON) FROM (SELECT regexp_replace(regexp_replace(regexp_replace(fullkey, '\\[[0-9]+\\]', '[0]', 'g'), '\\.([^.\\[]+)', '[''\\1'']', 'g'), '^\\$', '') AS p FROM json_tree(${a[0]!.sql}) WHERE fullkey <> '$' AND json_type(${a[0]!.sql}) = 'OBJECT' AND (regexp_matches(fullkey, '\\[0\\]$') OR NOT regexp_matches(fullkey, '\\[[0-9]+\\]$'))) AS tp)`, 'dynamic');

const DYNAMIC_EXTRAS: ScalarFunction[] = [
  bagPack('bag_pack'),
  bagPack('pack'),
  bagPack('pack_dictionary'),
  fn('bag_merge', [isDynamic, isDynamic], 0, 'dynamic', () => ''),
  fn('bag_remove_keys', [isDynamic, isDynamic], 0, 'dynamic', (a) =>
    letSql(asMap(a[0]!.sql), '_m', `CASE WHEN _m IS NULL THEN NULL ELSE ${mapToJson(`map_from_entries(list_filter(map_entries(_m), _kv -> NOT coalesce(list_contains(list_transform(${elems(a[1]!.sql)}, _e -> ${elemStr('_e')}), _kv.key), FALSE)))`)} END`), 'dynamic'),
  fn('bag_set_key', [isDynamic, anyScalar, anyScalar], 0, 'dynamic', (a) =>
    letSql(asMap(a[0]!.sql), '_m', `CASE WHEN _m IS NULL THEN NULL ELSE ${mapToJson(`map_concat(_m, MAP([${str(a[1]!)}], [${asJson(a[2]!)}]))`)} END`), 'dynamic'),
  fn('bag_zip', [isDynamic, isDynamic], 0, 'dynamic', (a) =>
    `CAST('{' || array_to_string(list_transform(list_filter(range(len(${elems(a[0]!.sql)})), _i -> json_type((${elems(a[0]!.sql)})[_i + 1]) = 'VARCHAR'), _i -> (${elems(a[0]!.sql)})[_i + 1] || ':' || coalesce((${elems(a[1]!.sql)})[_i + 1], 'null')), ',') || '}' AS JSON)`, 'dynamic'),
  fn('array_concat', [isDynamic], 0, 'dynamic', () => ''),
  fn('array_slice', [isDynamic, intLike, intLike], 0, 'dynamic', (a) =>
    `(CASE WHEN json_type(${a[0]!.sql}) = 'ARRAY' THEN ${fromElems(sliceSql(elems(a[0]!.sql), as(a[1]!, 'long'), as(a[2]!, 'long')))} END)`, 'dynamic'),
  arrayIndexOf,
  fn('array_reverse', [isDynamic], 0, 'dynamic', (a) => fromElems(`list_reverse(${elems(a[0]!.sql)})`), 'dynamic'),
  arraySort('array_sort_asc', false),
  arraySort('array_sort_desc', true),
  fn('array_sum', [isDynamic], 0, 'real', (a) => `CAST(list_sum(list_transform(${elems(a[0]!.sql)}, _e -> ${elemNum('_e')})) AS DOUBLE)`, 'dynamic'),
  fn('array_iff', [isDynamic, anyScalar, anyScalar], 0, 'dynamic', (a) => {
    const c = elems(a[0]!.sql);
    const pick = (x: SqlArg) => (x.type === 'dynamic' ? `CASE WHEN json_type(${x.sql}) = 'ARRAY' THEN coalesce((${elems(x.sql)})[_i + 1], 'null') ELSE ${jsonText(x)} END` : jsonText(x));
    return `(CASE WHEN json_type(${a[0]!.sql}) = 'ARRAY' THEN ${fromElems(`list_transform(range(len(${c})), _i -> CASE (${c})[_i + 1] WHEN 'true' THEN ${pick(a[1]!)} WHEN 'false' THEN ${pick(a[2]!)} ELSE (CASE WHEN TRY_CAST((${c})[_i + 1] AS DOUBLE) IS NULL THEN 'null' WHEN TRY_CAST((${c})[_i + 1] AS DOUBLE) <> 0 THEN ${pick(a[1]!)} ELSE ${pick(a[2]!)} END) END)`)} END)`;
  }, 'dynamic'),
  fn('array_rotate_left', [isDynamic, intLike], 0, 'dynamic', (a) => fromElems(rotate(elems(a[0]!.sql), as(a[1]!, 'long'))), 'dynamic'),
  fn('array_rotate_right', [isDynamic, intLike], 0, 'dynamic', (a) => fromElems(rotate(elems(a[0]!.sql), `-(${as(a[1]!, 'long')})`)), 'dynamic'),
  fn('array_shift_left', [isDynamic, intLike, anyScalar], 1, 'dynamic', (a) => fromElems(shift(elems(a[0]!.sql), as(a[1]!, 'long'), a[2] ? jsonText(a[2]) : "'null'")), 'dynamic'),
  fn('array_shift_right', [isDynamic, intLike, anyScalar], 1, 'dynamic', (a) => fromElems(shift(elems(a[0]!.sql), `-(${as(a[1]!, 'long')})`, a[2] ? jsonText(a[2]) : "'null'")), 'dynamic'),
  fn('array_split', [isDynamic, anyScalar], 0, 'dynamic', (a) => {
    const l = elems(a[0]!.sql);
    const idx = a[1]!.type === 'dynamic' ? `list_transform(${elems(a[1]!.sql)}, _e -> TRY_CAST(_e AS BIGINT))` : `[${as(a[1]!, 'long')}]`;
    const norm = `list_sort(list_transform(${idx}, _j -> least(greatest(CASE WHEN _j < 0 THEN len(_l) + _j ELSE _j END, 0), len(_l))))`;
    const body = letSql(`list_concat([0], ${norm}, [len(_l)])`, '_b', `list_transform(range(len(_b) - 1), _k -> '[' || array_to_string(list_slice(_l, _b[_k + 1] + 1, _b[_k + 2]), ',') || ']')`);
    return `(CASE WHEN json_type(${a[0]!.sql}) = 'ARRAY' THEN ${fromElems(letSql(l, '_l', body))} END)`;
  }, 'dynamic'),
  setFn('set_union', (ls) => distinctSql(`list_concat(${ls.join(', ')})`)),
  setFn('set_intersect', (ls) => distinctSql(`list_filter(${ls[0]}, _x -> ${ls.slice(1).map((l) => `list_contains(${l}, _x)`).join(' AND ')})`)),
  setFn('set_difference', (ls) => distinctSql(`list_filter(${ls[0]}, _x -> NOT (${ls.slice(1).map((l) => `list_contains(${l}, _x)`).join(' OR ')}))`)),
  fn('set_has_element', [isDynamic, anyScalar], 0, 'bool', (a) => `(CASE WHEN json_type(${a[0]!.sql}) = 'ARRAY' THEN list_contains(${elems(a[0]!.sql)}, ${jsonText(a[1]!)}) END)`, 'dynamic'),
  fn('jaccard_index', [isDynamic, isDynamic], 0, 'real', (a) => {
    const x = distinctSql(elems(a[0]!.sql)), y = distinctSql(elems(a[1]!.sql));
    return letSql(x, '_jx', letSql(y, '_jy', `CAST(len(list_filter(_jx, _v -> list_contains(_jy, _v))) AS DOUBLE) / len(list_distinct(list_concat(_jx, _jy)))`));
  }, 'dynamic'),
  fn('repeat', [anyScalar, intLike], 0, 'dynamic', (a) =>
    `(CASE WHEN ${as(a[1]!, 'long')} IS NULL THEN NULL ELSE ${fromElems(`list_transform(range(least(greatest(${as(a[1]!, 'long')}, 0), 1048576)), _x -> ${jsonText(a[0]!)})`)} END)`),
  rangeFn,
  treepath,
];
// variadic ones
function replaceEntry(list: ScalarFunction[], f: ScalarFunction): void {
  list.splice(list.findIndex((x) => x.name === f.name), 1, f);
}
replaceEntry(DYNAMIC_EXTRAS, {
  name: 'bag_merge', minArgs: 2, maxArgs: 64,
  bind(args) {
    args.forEach((x, i) => { if (x.type !== 'dynamic') fail('bag_merge(): expects dynamic property bags', i); });
    return 'dynamic';
  },
  // the leftmost bag wins (and keys keep their first position): add only keys not seen yet
  emit: (a) => mapToJson(`list_reduce([${a.map((x) => `coalesce(${asMap(x.sql)}, CAST(MAP() AS MAP(VARCHAR, JSON)))`).join(', ')}], (_acc, _m) -> map_concat(_acc, map_from_entries(list_filter(map_entries(_m), _kv -> NOT list_contains(map_keys(_acc), _kv.key)))))`),
});
replaceEntry(DYNAMIC_EXTRAS, {
  name: 'array_concat', minArgs: 1, maxArgs: 64,
  bind(args) {
    args.forEach((x, i) => { if (x.type !== 'dynamic') fail('array_concat(): expects dynamic arrays', i); });
    return 'dynamic';
  },
  emit: (a) => `(CASE WHEN ${a.map((x) => `json_type(${x.sql}) = 'ARRAY'`).join(' AND ')} THEN ${fromElems(`list_concat(${a.map((x) => elems(x.sql)).join(', ')})`)} END)`,
});
DYNAMIC_EXTRAS.push({
  name: 'zip', minArgs: 2, maxArgs: 64,
  bind(args) {
    args.forEach((x, i) => { if (x.type !== 'dynamic') fail('zip(): expects dynamic arrays', i); });
    return 'dynamic';
  },
  emit(a) {
    const ls = a.map((x) => elems(x.sql));
    const n = `greatest(${ls.map((l) => `coalesce(len(${l}), 0)`).join(', ')})`;
    return fromElems(`list_transform(range(${n}), _i -> '[' || ${ls.map((l) => `coalesce((${l})[_i + 1], 'null')`).join(` || ',' || `)} || ']')`);
  },
});

// ───────────── IPv4 ─────────────

const IPV4_RE = sqlString('^\\s*([0-9]{1,3})\\.([0-9]{1,3})\\.([0-9]{1,3})\\.([0-9]{1,3})\\s*(?:/\\s*([0-9]{1,2})\\s*)?$');
/** STRUCT(addr BIGINT, pfx INTEGER) for an IPv4 text with optional /prefix, or NULL. */
function ipv4Struct(s: string): string {
  const r = `regexp_extract(${s}, ${IPV4_RE}, ['a', 'b', 'c', 'd', 'p'])`;
  const ok = `_r.a <> '' AND CAST(_r.a AS INTEGER) <= 255 AND CAST(_r.b AS INTEGER) <= 255 AND CAST(_r.c AS INTEGER) <= 255 AND CAST(_r.d AS INTEGER) <= 255 AND (_r.p = '' OR CAST(_r.p AS INTEGER) <= 32)`;
  return letSql(r, '_r', `CASE WHEN ${ok} THEN {'addr': CAST(_r.a AS BIGINT) * 16777216 + CAST(_r.b AS BIGINT) * 65536 + CAST(_r.c AS BIGINT) * 256 + CAST(_r.d AS BIGINT), 'pfx': CASE WHEN _r.p = '' THEN 32 ELSE CAST(_r.p AS INTEGER) END} END`);
}
const maskSql = (p: string) => `(4294967295 - ((CAST(1 AS BIGINT) << (32 - least(greatest(${p}, 0), 32))) - 1))`;
const ipText = (x: string) => `(CAST((${x} >> 24) & 255 AS VARCHAR) || '.' || CAST((${x} >> 16) & 255 AS VARCHAR) || '.' || CAST((${x} >> 8) & 255 AS VARCHAR) || '.' || CAST(${x} & 255 AS VARCHAR))`;
/** An IP argument (string, or long for format_*) as a struct. */
function ipArg(a: SqlArg): string {
  if (isIntegral(a.type) || a.type === 'real') {
    const v = as(a, 'long');
    return `(CASE WHEN ${v} BETWEEN 0 AND 4294967295 THEN {'addr': ${v}, 'pfx': 32} END)`;
  }
  return ipv4Struct(str(a));
}
const ip = (a: SqlArg, p: string, body: string) => letSql(ipArg(a), p, body);

function ipCompareSql(a: SqlArg, b: SqlArg, prefix: SqlArg | undefined, body: (cmp: string) => string): string {
  const p = prefix ? `least(_ia.pfx, _ib.pfx, ${as(prefix, 'int')})` : 'least(_ia.pfx, _ib.pfx)';
  const cmp = `sign((_ia.addr & ${maskSql(p)}) - (_ib.addr & ${maskSql(p)}))`;
  return ip(a, '_ia', ip(b, '_ib', `CASE WHEN _ia IS NULL OR _ib IS NULL ${prefix ? `OR ${as(prefix, 'int')} NOT BETWEEN 0 AND 32 ` : ''}THEN NULL ELSE ${body(cmp)} END`));
}
/** Whether the address bound as `_ia` (by the caller's `ip(…, '_ia', …)`) lies in `range`. */
function inRangeSql(range: string): string {
  return letSql(ipv4Struct(range), '_ir', `CASE WHEN _ir IS NULL OR _ia IS NULL THEN NULL ELSE (_ia.addr & ${maskSql('_ir.pfx')}) = (_ir.addr & ${maskSql('_ir.pfx')}) END`);
}

const IP_EXTRAS: ScalarFunction[] = [
  fn('parse_ipv4', [anyScalar], 0, 'long', (a) => ip(a[0]!, '_ia', `_ia.addr & ${maskSql('_ia.pfx')}`)),
  fn('parse_ipv4_mask', [anyScalar, intLike], 0, 'long', (a) => ip(a[0]!, '_ia', `CASE WHEN ${as(a[1]!, 'int')} BETWEEN 0 AND 32 THEN _ia.addr & ${maskSql(`least(_ia.pfx, ${as(a[1]!, 'int')})`)} END`)),
  fn('ipv4_is_private', [anyScalar], 0, 'bool', (a) => ip(a[0]!, '_ia', `CASE WHEN _ia IS NULL THEN NULL ELSE ((_ia.addr & 4278190080) = 167772160 OR (_ia.addr & 4293918720) = 2886729728 OR (_ia.addr & 4294901760) = 3232235520) END`)),
  fn('ipv4_compare', [anyScalar, anyScalar, intLike], 1, 'int', (a) => ipCompareSql(a[0]!, a[1]!, a[2], (c) => `CAST(${c} AS INTEGER)`)),
  fn('ipv4_is_match', [anyScalar, anyScalar, intLike], 1, 'bool', (a) => ipCompareSql(a[0]!, a[1]!, a[2], (c) => `(${c} = 0)`)),
  fn('ipv4_is_in_range', [anyScalar, anyScalar], 0, 'bool', (a) => ip(a[0]!, '_ia', inRangeSql(str(a[1]!)))),
  {
    name: 'ipv4_is_in_any_range', minArgs: 2, maxArgs: 128, bind: () => 'bool',
    emit(a) {
      const checks = a.slice(1).map((r) => (r.type === 'dynamic'
        ? `coalesce(list_bool_or(list_transform(${elems(r.sql)}, _re -> ${letSql(ipv4Struct(elemStr('_re')), '_ir', `CASE WHEN _ir IS NULL THEN FALSE ELSE (_ia.addr & ${maskSql('_ir.pfx')}) = (_ir.addr & ${maskSql('_ir.pfx')}) END`)})), FALSE)`
        : `coalesce(${inRangeSql(str(r))}, FALSE)`));
      return ip(a[0]!, '_ia', `CASE WHEN _ia IS NULL THEN NULL ELSE (${checks.join(' OR ')}) END`);
    },
  },
  fn('format_ipv4', [anyScalar, intLike], 1, 'string', (a) => ip(a[0]!, '_ia', `CASE WHEN _ia IS NULL ${a[1] ? `OR ${as(a[1], 'int')} NOT BETWEEN 0 AND 32 ` : ''}THEN '' ELSE ${ipText(`(_ia.addr & ${maskSql(a[1] ? `least(_ia.pfx, ${as(a[1], 'int')})` : '_ia.pfx')})`)} END`)),
  fn('format_ipv4_mask', [anyScalar, intLike], 1, 'string', (a) => {
    const p = a[1] ? `least(_ia.pfx, ${as(a[1], 'int')})` : '_ia.pfx';
    return ip(a[0]!, '_ia', `CASE WHEN _ia IS NULL ${a[1] ? `OR ${as(a[1], 'int')} NOT BETWEEN 0 AND 32 ` : ''}THEN '' ELSE ${ipText(`(_ia.addr & ${maskSql(p)})`)} || '/' || CAST(${p} AS VARCHAR) END`);
  }),
  fn('ipv4_netmask_suffix', [anyScalar], 0, 'int', (a) => ip(a[0]!, '_ia', `_ia.pfx`)),
];

// ───────────── series ─────────────

const numList = (d: string) => `list_transform(${elems(d)}, _e -> ${elemNum('_e')})`;
const numArray = (l: string) => fromElems(`list_transform(${l}, _v -> ${numText('_v')})`);

function seriesBinary(name: string, op: (x: string, y: string) => string, kind: 'int' | 'real' | 'bool'): ScalarFunction {
  return fn(name, [anyScalar, anyScalar], 0, 'dynamic', (a) => {
    const side = (x: SqlArg) => (x.type === 'dynamic'
      ? { list: `list_transform(${elems(x.sql)}, _e -> {'v': ${elemNum('_e')}, 'i': ${elemIsInt('_e')}})`, at: (l: string) => `${l}[_i + 1].v`, isInt: (l: string) => `coalesce(${l}[_i + 1].i, FALSE)`, len: (l: string) => `len(${l})` }
      : { list: `{'v': ${as(x, 'real')}, 'i': ${isIntegral(x.type) ? 'TRUE' : 'FALSE'}}`, at: (l: string) => `${l}.v`, isInt: (l: string) => `${l}.i`, len: () => '0' });
    const x = side(a[0]!), y = side(a[1]!);
    const range = `range(greatest(${x.len('_sx')}, ${y.len('_sy')}))`;
    const body = kind === 'bool'
      ? `list_transform(${range}, _i -> coalesce(CAST(${op(x.at('_sx'), y.at('_sy'))} AS VARCHAR), 'null'))`
      : `list_transform(${range}, _i -> ${numText(op(x.at('_sx'), y.at('_sy')), kind === 'int' ? `(${x.isInt('_sx')} AND ${y.isInt('_sy')})` : 'FALSE')})`;
    return letSql(x.list, '_sx', letSql(y.list, '_sy', fromElems(body)));
  });
}
function seriesUnary(name: string, f: (x: string) => string): ScalarFunction {
  return fn(name, [isDynamic], 0, 'dynamic', (a) => numArray(`list_transform(${numList(a[0]!.sql)}, _x -> ${f('_x')})`), 'dynamic');
}
/** series_fill_*: missing = JSON null (or the given placeholder). */
function fillSql(d: string, missing: SqlArg | undefined, kind: 'forward' | 'backward'): string {
  const miss = missing && !isNullLit(missing) ? `(_e = ${jsonText(missing)})` : `(_e = 'null')`;
  const l = `list_transform(${elems(d)}, _e -> CASE WHEN ${miss} THEN NULL ELSE _e END)`;
  const body = kind === 'forward'
    ? `list_transform(range(len(_fl)), _i -> coalesce(list_last(list_filter(list_slice(_fl, 1, _i + 1), _z -> _z IS NOT NULL)), 'null'))`
    : `list_transform(range(len(_fl)), _i -> coalesce(list_first(list_filter(list_slice(_fl, _i + 1, len(_fl)), _z -> _z IS NOT NULL)), 'null'))`;
  return `(CASE WHEN json_type(${d}) = 'ARRAY' THEN ${fromElems(letSql(l, '_fl', body))} END)`;
}

const statsBag = (d: string) => letSql(`list_filter(${numList(d)}, _z -> _z IS NOT NULL)`, '_sv', `CAST(json_object(` +
  `'min', list_min(_sv), 'min_idx', list_position(${numList(d)}, list_min(_sv)) - 1, 'max', list_max(_sv), 'max_idx', list_position(${numList(d)}, list_max(_sv)) - 1, ` +
  `'avg', list_avg(_sv), 'stdev', list_stddev_samp(_sv), 'variance', list_var_samp(_sv), 'sum', list_sum(_sv), 'len', len(${elems(d)})) AS JSON)`);

const SERIES_EXTRAS: ScalarFunction[] = [
  seriesBinary('series_add', (x, y) => `${x} + ${y}`, 'int'),
  seriesBinary('series_subtract', (x, y) => `${x} - ${y}`, 'int'),
  seriesBinary('series_multiply', (x, y) => `${x} * ${y}`, 'int'),
  seriesBinary('series_divide', (x, y) => `${x} / ${y}`, 'real'),
  seriesBinary('series_pow', (x, y) => `try(pow(${x}, ${y}))`, 'real'),
  seriesBinary('series_greater', (x, y) => `${x} > ${y}`, 'bool'),
  seriesBinary('series_greater_equals', (x, y) => `${x} >= ${y}`, 'bool'),
  seriesBinary('series_less', (x, y) => `${x} < ${y}`, 'bool'),
  seriesBinary('series_less_equals', (x, y) => `${x} <= ${y}`, 'bool'),
  seriesBinary('series_equals', (x, y) => `${x} = ${y}`, 'bool'),
  seriesBinary('series_not_equals', (x, y) => `${x} <> ${y}`, 'bool'),
  seriesUnary('series_abs', (x) => `abs(${x})`),
  seriesUnary('series_ceiling', (x) => `ceil(${x})`),
  seriesUnary('series_floor', (x) => `floor(${x})`),
  seriesUnary('series_sign', (x) => `CAST(sign(${x}) AS DOUBLE)`),
  seriesUnary('series_exp', (x) => `exp(${x})`),
  seriesUnary('series_log', logSql('ln')),
  seriesUnary('series_sin', (x) => `sin(${x})`),
  seriesUnary('series_cos', (x) => `cos(${x})`),
  seriesUnary('series_tan', (x) => `tan(${x})`),
  fn('series_sum', [isDynamic], 0, 'real', (a) => `CAST(coalesce(list_sum(${numList(a[0]!.sql)}), 0) AS DOUBLE)`, 'dynamic'),
  fn('series_stats_dynamic', [isDynamic, anyScalar], 1, 'dynamic', (a) => statsBag(a[0]!.sql), 'dynamic'),
  fn('series_stats', [isDynamic, anyScalar], 1, 'dynamic', (a) => statsBag(a[0]!.sql), 'dynamic'),
  fn('series_fill_forward', [isDynamic, anyScalar], 1, 'dynamic', (a) => fillSql(a[0]!.sql, a[1], 'forward'), 'dynamic'),
  fn('series_fill_backward', [isDynamic, anyScalar], 1, 'dynamic', (a) => fillSql(a[0]!.sql, a[1], 'backward'), 'dynamic'),
  fn('series_fill_const', [isDynamic, anyScalar, anyScalar], 1, 'dynamic', (a) => {
    const miss = a[2] && !isNullLit(a[2]) ? `(_e = ${jsonText(a[2])})` : `(_e = 'null')`;
    return `(CASE WHEN json_type(${a[0]!.sql}) = 'ARRAY' THEN ${fromElems(`list_transform(${elems(a[0]!.sql)}, _e -> CASE WHEN ${miss} THEN ${jsonText(a[1]!)} ELSE _e END)`)} END)`;
  }, 'dynamic'),
  fn('series_fill_linear', [isDynamic, anyScalar, anyScalar], 2, 'dynamic', (a) => {
    const miss = a[1] && !isNullLit(a[1]) ? `(_e = ${jsonText(a[1])})` : `(_e = 'null')`;
    const vals = `list_transform(${elems(a[0]!.sql)}, _e -> CASE WHEN ${miss} THEN NULL ELSE ${elemNum('_e')} END)`;
    // index of previous / next known value; interpolate between them, else keep the edges as they are
    const prev = `list_last(list_filter(range(_i + 1), _j -> _lv[_j + 1] IS NOT NULL))`;
    const next = `list_first(list_filter(range(_i, len(_lv)), _j -> _lv[_j + 1] IS NOT NULL))`;
    const interp = letSql(prev, '_p', letSql(next, '_n', `CASE WHEN _p IS NULL OR _n IS NULL THEN NULL WHEN _p = _n THEN _lv[_p + 1] ELSE _lv[_p + 1] + (_lv[_n + 1] - _lv[_p + 1]) * (_i - _p) / (_n - _p) END`));
    const body = `list_transform(range(len(_lv)), _i -> CASE WHEN _lv[_i + 1] IS NOT NULL THEN _lv[_i + 1] ELSE ${interp} END)`;
    return `(CASE WHEN json_type(${a[0]!.sql}) = 'ARRAY' THEN ${numArray(letSql(vals, '_lv', body))} END)`;
  }, 'dynamic'),
];

/** Later entries replace earlier ones with the same name (the extended catalog refines the first slice). */
export const SCALAR_FUNCTIONS: ReadonlyMap<string, ScalarFunction> = new Map(
  [...SCALAR_LIST, ...STRING_EXTRAS, ...DATETIME_EXTRAS, ...MATH_EXTRAS, ...CONVERSION_EXTRAS, ...DYNAMIC_EXTRAS, ...IP_EXTRAS, ...SERIES_EXTRAS].map((f) => [f.name, f]),
);

// ───────────── aggregates ─────────────

/** Name of the column an aggregate argument refers to, for automatic names (sum(x) → sum_x). */
export function columnNameOf(e: BoundExpr | undefined): string | undefined {
  if (!e) return undefined;
  if (e.k === 'col') return e.name;
  if (e.k === 'path') {
    const base = columnNameOf(e.target);
    const parts = e.steps.map((s) => (typeof s === 'object' ? undefined : String(s)));
    if (base === undefined || parts.some((p) => p === undefined)) return undefined;
    return [base, ...parts].join('_');
  }
  if (e.k === 'call' && e.args.length >= 1) {
    for (const a of e.args) {
      const n = columnNameOf(a);
      if (n !== undefined) return n;
    }
  }
  return undefined;
}

interface AggSpec {
  name: string;
  minArgs: number;
  maxArgs: number;
  /** prefix of the automatic column name (defaults to the function name) */
  prefix?: string;
  /** Output named after the column it reads (take_any(State) → State), as Kusto does; the prefix only for expressions. */
  keepsName?: boolean;
  /** whether the automatic name includes the argument's column name */
  named?: boolean;
  bind(args: ArgInfo[]): KqlType;
  /** `f` is the aggregate's FILTER clause (`''` or ` FILTER (WHERE …)`), placed after every aggregate call it makes. */
  emit(args: SqlArg[], f: string): string;
  /** index of a predicate argument (…if aggregates) — emitted as FILTER (WHERE …) */
  predicateArg?: number;
}

/**
 * The FILTER clause of an aggregate call: its own predicate (…if variants) and the row filter its
 * context asks for (pivot: the rows of one pivot value), both SQL built from bound expressions.
 */
export function filterClause(predicates: string[], ctx: EmitContext): string {
  const all = ctx.aggregateFilter === undefined ? predicates : [...predicates, ctx.aggregateFilter];
  return all.length === 0 ? '' : ` FILTER (WHERE ${all.map((p) => `(${p})`).join(' AND ')})`;
}

function aggregate(spec: AggSpec): AggregateFunction {
  return {
    name: spec.name,
    minArgs: spec.minArgs,
    maxArgs: spec.maxArgs,
    honorsFilter: true,
    bind(args) {
      if (spec.predicateArg !== undefined) {
        const p = args[spec.predicateArg];
        if (p && p.type !== 'bool' && p.type !== 'dynamic') fail(`${spec.name}(): the predicate must be bool, got '${p.type}'`, spec.predicateArg);
      }
      return spec.bind(args);
    },
    emit(args, ctx) {
      if (spec.predicateArg === undefined) return spec.emit(args, filterClause([], ctx));
      const pred = as(args[spec.predicateArg]!, 'bool');
      const rest = args.filter((_, i) => i !== spec.predicateArg);
      return spec.emit(rest, filterClause([pred], ctx));
    },
    defaultName(args) {
      const prefix = spec.prefix ?? spec.name;
      if (spec.named === false) return prefix + '_';
      const col = columnNameOf(args[0]);
      if (spec.keepsName && col) return col;
      return prefix + '_' + (col ?? '');
    },
  };
}

const sumType = (t: KqlType): KqlType => (t === 'int' || t === 'long' ? 'long' : t === 'timespan' ? 'timespan' : t === 'decimal' ? 'decimal' : 'real');
/**
 * sum()/sumif(): 0 over no rows or only nulls — "Default values of aggregations" in
 * summarize-operator.md (sum, sumif, variance, stdev… default to 0).
 */
function sumSql(a: SqlArg, f: string): string {
  const t = sumType(a.type);
  const x = a.type === 'dynamic' ? as(a, 'real') : a.sql;
  if (t === 'long' || t === 'timespan') return `coalesce(CAST(sum(${x})${f} AS BIGINT), 0)`;
  if (t === 'decimal') return `coalesce(CAST(sum(${x})${f} AS DECIMAL(38,18)), CAST(0 AS DECIMAL(38,18)))`;
  return `coalesce(CAST(sum(${x})${f} AS DOUBLE), CAST(0 AS DOUBLE))`;
}
/** avg()/avgif() of reals: NaN over no rows or only nulls ("The result of avg_x(x) is NaN due to dividing by 0", summarize-operator.md). */
function avgSql(a: SqlArg, f: string): string {
  if (a.type === 'timespan') return `CAST(avg(${a.sql})${f} AS BIGINT)`;
  return `coalesce(avg(${as(a, 'real')})${f}, CAST('NaN' AS DOUBLE))`;
}
/** variance()/stdev() (and their -if forms): 0 over fewer than two values (summarize-operator.md's defaults). */
const zeroIfNull = (sql: string) => `coalesce(${sql}, CAST(0 AS DOUBLE))`;
function minMaxSql(fn: 'min' | 'max', a: SqlArg, f: string): string {
  const sql = `${fn}(${a.sql})${f}`;
  return a.type === 'string' ? `coalesce(${sql}, '')` : sql;
}
const summable = (t: KqlType) => isNumeric(t) || t === 'timespan' || t === 'dynamic';
function requireArg(name: string, pred: (t: KqlType) => boolean, what: string) {
  return (args: ArgInfo[]) => {
    if (!pred(args[0]!.type)) fail(`${name}(): expects ${what}, got '${args[0]!.type}'`, 0);
  };
}

const AGG_SPECS: AggSpec[] = [
  // count(x) counts every record, nulls included ("The standard count function includes null values in its count", summarize-operator.md).
  { name: 'count', minArgs: 0, maxArgs: 1, bind: () => 'long', emit: (_a, f) => `count(*)${f}` },
  { name: 'countif', minArgs: 1, maxArgs: 1, named: false, predicateArg: 0, bind: () => 'long', emit: (_a, f) => `count(*)${f}` },
  { name: 'sum', minArgs: 1, maxArgs: 1, bind: (a) => (requireArg('sum', summable, 'a numeric or timespan value')(a), sumType(a[0]!.type)), emit: (a, f) => sumSql(a[0]!, f) },
  { name: 'sumif', minArgs: 2, maxArgs: 2, predicateArg: 1, bind: (a) => (requireArg('sumif', summable, 'a numeric or timespan value')(a), sumType(a[0]!.type)), emit: (a, f) => sumSql(a[0]!, f) },
  { name: 'avg', minArgs: 1, maxArgs: 1, bind: (a) => (requireArg('avg', summable, 'a numeric or timespan value')(a), a[0]!.type === 'timespan' ? 'timespan' : 'real'), emit: (a, f) => avgSql(a[0]!, f) },
  { name: 'avgif', minArgs: 2, maxArgs: 2, predicateArg: 1, bind: (a) => (requireArg('avgif', summable, 'a numeric or timespan value')(a), a[0]!.type === 'timespan' ? 'timespan' : 'real'), emit: (a, f) => avgSql(a[0]!, f) },
  { name: 'min', minArgs: 1, maxArgs: 1, bind: (a) => (requireArg('min', notDynamic, 'a scalar value')(a), a[0]!.type), emit: (a, f) => minMaxSql('min', a[0]!, f) },
  { name: 'max', minArgs: 1, maxArgs: 1, bind: (a) => (requireArg('max', notDynamic, 'a scalar value')(a), a[0]!.type), emit: (a, f) => minMaxSql('max', a[0]!, f) },
  { name: 'minif', minArgs: 2, maxArgs: 2, predicateArg: 1, bind: (a) => (requireArg('minif', notDynamic, 'a scalar value')(a), a[0]!.type), emit: (a, f) => minMaxSql('min', a[0]!, f) },
  { name: 'maxif', minArgs: 2, maxArgs: 2, predicateArg: 1, bind: (a) => (requireArg('maxif', notDynamic, 'a scalar value')(a), a[0]!.type), emit: (a, f) => minMaxSql('max', a[0]!, f) },
  // dcount is exact here (Kusto's is an estimate; exact is within its error bounds)
  { name: 'dcount', minArgs: 1, maxArgs: 2, bind: () => 'long', emit: (a, f) => `count(DISTINCT ${a[0]!.type === 'dynamic' ? `CAST(${a[0]!.sql} AS VARCHAR)` : a[0]!.sql})${f}` },
  { name: 'dcountif', minArgs: 2, maxArgs: 3, predicateArg: 1, bind: () => 'long', emit: (a, f) => `count(DISTINCT ${a[0]!.type === 'dynamic' ? `CAST(${a[0]!.sql} AS VARCHAR)` : a[0]!.sql})${f}` },
  { name: 'take_any', minArgs: 1, maxArgs: 1, prefix: 'any', keepsName: true, bind: (a) => a[0]!.type, emit: (a, f) => (a[0]!.type === 'string' ? `coalesce(any_value(${a[0]!.sql})${f}, '')` : `any_value(${a[0]!.sql})${f}`) },
  { name: 'any', minArgs: 1, maxArgs: 1, prefix: 'any', bind: (a) => a[0]!.type, emit: (a, f) => (a[0]!.type === 'string' ? `coalesce(any_value(${a[0]!.sql})${f}, '')` : `any_value(${a[0]!.sql})${f}`) },
  { name: 'take_anyif', minArgs: 2, maxArgs: 2, prefix: 'any', keepsName: true, predicateArg: 1, bind: (a) => a[0]!.type, emit: (a, f) => (a[0]!.type === 'string' ? `coalesce(any_value(${a[0]!.sql})${f}, '')` : `any_value(${a[0]!.sql})${f}`) },
  { name: 'make_list', minArgs: 1, maxArgs: 2, prefix: 'list', bind: () => 'dynamic', emit: (a, f) => `coalesce(CAST(to_json(list_filter(list(${toDynamicSql(a[0]!.sql, a[0]!.type, false)})${f}, v -> v IS NOT NULL AND CAST(v AS VARCHAR) <> 'null')) AS JSON), CAST('[]' AS JSON))` },
  { name: 'make_set', minArgs: 1, maxArgs: 2, prefix: 'set', bind: () => 'dynamic', emit: (a, f) => `coalesce(CAST(to_json(list_filter(list(DISTINCT ${toDynamicSql(a[0]!.sql, a[0]!.type, false)})${f}, v -> v IS NOT NULL AND CAST(v AS VARCHAR) <> 'null')) AS JSON), CAST('[]' AS JSON))` },
  { name: 'stdev', minArgs: 1, maxArgs: 1, bind: () => 'real', emit: (a, f) => zeroIfNull(`stddev_samp(${as(a[0]!, 'real')})${f}`) },
  { name: 'stdevp', minArgs: 1, maxArgs: 1, bind: () => 'real', emit: (a, f) => `stddev_pop(${as(a[0]!, 'real')})${f}` },
  { name: 'variance', minArgs: 1, maxArgs: 1, bind: () => 'real', emit: (a, f) => zeroIfNull(`var_samp(${as(a[0]!, 'real')})${f}`) },
  { name: 'variancep', minArgs: 1, maxArgs: 1, bind: () => 'real', emit: (a, f) => `var_pop(${as(a[0]!, 'real')})${f}` },
];

// ───────────── more aggregates ─────────────

/** make_list / make_set family: JSON array of the (non-null) values, optionally capped at max_size. */
function listAggSql(a: SqlArg[], f: string, distinct: boolean, keepNulls: boolean): string {
  const v = toDynamicSql(a[0]!.sql, a[0]!.type, false);
  let l = `list(${distinct ? 'DISTINCT ' : ''}${keepNulls ? `coalesce(${v}, CAST('null' AS JSON))` : v})${f}`;
  // A dynamic array adds its elements, not itself ("Set from array column", make-set-aggregation-function.md).
  if (a[0]!.type === 'dynamic' && !keepNulls) {
    l = `flatten(list_transform(${l}, _a -> CASE WHEN json_type(_a) = 'ARRAY' THEN CAST(_a AS JSON[]) ELSE [_a] END))`;
    if (distinct) l = `list_distinct(${l})`;
  }
  if (!keepNulls) l = `list_filter(${l}, _v -> _v IS NOT NULL AND CAST(_v AS VARCHAR) <> 'null')`;
  if (a[1]) l = `list_slice(${l}, 1, ${as(a[1], 'long')})`;
  return `coalesce(CAST(to_json(${l}) AS JSON), CAST('[]' AS JSON))`;
}
function bagAggSql(a: SqlArg[], f: string): string {
  const maps = `list_filter(list(${asMap(a[0]!.sql)})${f}, _m -> _m IS NOT NULL)`;
  // A key keeps the value of the first bag that has it.
  let entries = `map_entries(list_reduce(list_concat([CAST(MAP() AS MAP(VARCHAR, JSON))], ${maps}), (_x, _y) -> map_concat(_x, map_from_entries(list_filter(map_entries(_y), _e -> NOT list_contains(map_keys(_x), _e.key))))))`;
  if (a[1]) entries = `list_slice(${entries}, 1, ${as(a[1], 'long')})`;
  return `CAST(to_json(map_from_entries(${entries})) AS JSON)`;
}
/** Values of a list of x's type rendered as a JSON array (datetimes/timespans as their Kusto text). */
function typedListJson(l: string, t: KqlType): string {
  if (t === 'datetime' || t === 'timespan') return fromElems(`list_transform(${l}, _v -> CAST(to_json(${toStringSql('_v', t)}) AS VARCHAR))`);
  if (t === 'real') return fromElems(`list_transform(${l}, _v -> ${numText('_v')})`);
  return `CAST(to_json(${l}) AS JSON)`;
}
/** Constant percentiles of percentiles()/percentiles_array(): numbers, or one dynamic array of numbers. */
function percentileList(args: ArgInfo[] | SqlArg[], from: number, fnName: string): number[] {
  const ps: number[] = [];
  for (let i = from; i < args.length; i++) {
    const a = args[i]!;
    const arr = constArray(a);
    if (arr) { arr.forEach((v) => ps.push(Number(v))); continue; }
    if (!a.literal || a.literal.value === null || !isNumeric(a.type)) fail(`${fnName}(): the percentiles must be numeric constants`, i);
    ps.push(Number(a.literal.value));
  }
  ps.forEach((p) => { if (!(p >= 0 && p <= 100)) fail(`${fnName}(): the percentile must be between 0 and 100`); });
  return ps;
}
/** One [x, p] argument list per constant percentile (p keeps its literal when given as a number). */
function percentileSplit(args: ArgInfo[], fnName: string, from = 1): BoundExpr[][] {
  const ps = percentileList(args, from, fnName);
  const lits: BoundExpr[] = [];
  for (let i = from; i < args.length; i++) {
    const a = args[i]!;
    const arr = constArray(a);
    if (arr) arr.forEach((v) => lits.push({ k: 'lit', type: 'real', value: Number(v) }));
    else lits.push(a.literal!);
  }
  if (lits.length !== ps.length) fail(`${fnName}(): the percentiles must be numeric constants`);
  return lits.map((l) => [...args.slice(0, from).map((a) => a.expr), l]);
}
const percentileValueType = (t: KqlType): KqlType => (t === 'int' ? 'long' : t);
function requirePercentileInput(args: ArgInfo[], fnName: string): void {
  const t = args[0]!.type;
  if (!isNumeric(t) && t !== 'timespan' && t !== 'datetime') fail(`${fnName}(): expects a numeric, datetime or timespan value`, 0);
}

/** HLL state: a k-minimum-values sketch — the K smallest distinct 52-bit hashes, as a JSON array. */
const KMV_K = 4096;
const hash52 = (a: SqlArg) => `(CASE WHEN ${a.sql} IS NOT NULL THEN (hash(${a.type === 'dynamic' ? `CAST(${a.sql} AS VARCHAR)` : a.sql}) >> 12) END)`;
const kmvJson = (l: string) => `CAST(to_json(list_slice(list_sort(list_filter(${l}, _h -> _h IS NOT NULL)), 1, ${KMV_K})) AS JSON)`;
function dcountHllSql(h: string): string {
  return letSql(`TRY_CAST(${h} AS UBIGINT[])`, '_k', `CASE WHEN _k IS NULL THEN NULL WHEN len(_k) < ${KMV_K} THEN CAST(len(_k) AS BIGINT) ELSE CAST(round((${KMV_K} - 1) / (CAST(_k[${KMV_K}] AS DOUBLE) / 4503599627370496.0)) AS BIGINT) END`);
}

const AGG_EXTRAS: AggSpec[] = [
  { name: 'make_list', minArgs: 1, maxArgs: 2, prefix: 'list', bind: () => 'dynamic', emit: (a, f) => listAggSql(a, f, false, false) },
  { name: 'makelist', minArgs: 1, maxArgs: 2, prefix: 'list', bind: () => 'dynamic', emit: (a, f) => listAggSql(a, f, false, false) },
  { name: 'make_list_if', minArgs: 2, maxArgs: 3, prefix: 'list', predicateArg: 1, bind: () => 'dynamic', emit: (a, f) => listAggSql(a, f, false, false) },
  { name: 'make_list_with_nulls', minArgs: 1, maxArgs: 2, prefix: 'list', bind: () => 'dynamic', emit: (a, f) => listAggSql(a, f, false, true) },
  { name: 'make_set', minArgs: 1, maxArgs: 2, prefix: 'set', bind: () => 'dynamic', emit: (a, f) => listAggSql(a, f, true, false) },
  { name: 'makeset', minArgs: 1, maxArgs: 2, prefix: 'set', bind: () => 'dynamic', emit: (a, f) => listAggSql(a, f, true, false) },
  { name: 'make_set_if', minArgs: 2, maxArgs: 3, prefix: 'set', predicateArg: 1, bind: () => 'dynamic', emit: (a, f) => listAggSql(a, f, true, false) },
  { name: 'make_bag', minArgs: 1, maxArgs: 2, prefix: 'bag', bind: (a) => (requireArg('make_bag', isDynamic, 'a dynamic property bag')(a), 'dynamic'), emit: bagAggSql },
  { name: 'make_bag_if', minArgs: 2, maxArgs: 3, prefix: 'bag', predicateArg: 1, bind: (a) => (requireArg('make_bag_if', isDynamic, 'a dynamic property bag')(a), 'dynamic'), emit: bagAggSql },
  { name: 'stdevif', minArgs: 2, maxArgs: 2, predicateArg: 1, bind: () => 'real', emit: (a, f) => zeroIfNull(`stddev_samp(${as(a[0]!, 'real')})${f}`) },
  { name: 'stdevpif', minArgs: 2, maxArgs: 2, predicateArg: 1, bind: () => 'real', emit: (a, f) => `stddev_pop(${as(a[0]!, 'real')})${f}` },
  { name: 'varianceif', minArgs: 2, maxArgs: 2, predicateArg: 1, bind: () => 'real', emit: (a, f) => zeroIfNull(`var_samp(${as(a[0]!, 'real')})${f}`) },
  { name: 'variancepif', minArgs: 2, maxArgs: 2, predicateArg: 1, bind: () => 'real', emit: (a, f) => `var_pop(${as(a[0]!, 'real')})${f}` },
  { name: 'covariance', minArgs: 2, maxArgs: 2, bind: () => 'real', emit: (a, f) => `covar_samp(${as(a[0]!, 'real')}, ${as(a[1]!, 'real')})${f}` },
  { name: 'covariancep', minArgs: 2, maxArgs: 2, bind: () => 'real', emit: (a, f) => `covar_pop(${as(a[0]!, 'real')}, ${as(a[1]!, 'real')})${f}` },
  { name: 'covarianceif', minArgs: 3, maxArgs: 3, predicateArg: 2, bind: () => 'real', emit: (a, f) => `covar_samp(${as(a[0]!, 'real')}, ${as(a[1]!, 'real')})${f}` },
  { name: 'covariancepif', minArgs: 3, maxArgs: 3, predicateArg: 2, bind: () => 'real', emit: (a, f) => `covar_pop(${as(a[0]!, 'real')}, ${as(a[1]!, 'real')})${f}` },
  { name: 'count_distinct', minArgs: 1, maxArgs: 1, bind: () => 'long', emit: (a, f) => `count(DISTINCT ${a[0]!.type === 'dynamic' ? `CAST(${a[0]!.sql} AS VARCHAR)` : a[0]!.sql})${f}` },
  { name: 'count_distinctif', minArgs: 2, maxArgs: 2, predicateArg: 1, bind: () => 'long', emit: (a, f) => `count(DISTINCT ${a[0]!.type === 'dynamic' ? `CAST(${a[0]!.sql} AS VARCHAR)` : a[0]!.sql})${f}` },
  { name: 'binary_all_and', minArgs: 1, maxArgs: 1, bind: (a) => (requireArg('binary_all_and', intLike, 'an integer')(a), 'long'), emit: (a, f) => `bit_and(${as(a[0]!, 'long')})${f}` },
  { name: 'binary_all_or', minArgs: 1, maxArgs: 1, bind: (a) => (requireArg('binary_all_or', intLike, 'an integer')(a), 'long'), emit: (a, f) => `bit_or(${as(a[0]!, 'long')})${f}` },
  { name: 'binary_all_xor', minArgs: 1, maxArgs: 1, bind: (a) => (requireArg('binary_all_xor', intLike, 'an integer')(a), 'long'), emit: (a, f) => `bit_xor(${as(a[0]!, 'long')})${f}` },
  { name: 'hll', minArgs: 1, maxArgs: 2, bind: () => 'dynamic', emit: (a, f) => kmvJson(`list(DISTINCT ${hash52(a[0]!)})${f}`) },
  { name: 'hll_if', minArgs: 2, maxArgs: 3, prefix: 'hll', predicateArg: 1, bind: () => 'dynamic', emit: (a, f) => kmvJson(`list(DISTINCT ${hash52(a[0]!)})${f}`) },
  { name: 'hll_merge', minArgs: 1, maxArgs: 1, bind: (a) => (requireArg('hll_merge', isDynamic, 'an hll() value')(a), 'dynamic'), emit: (a, f) => kmvJson(`list_distinct(flatten(list(TRY_CAST(${a[0]!.sql} AS UBIGINT[]))${f}))`) },
  {
    name: 'percentiles_array', minArgs: 2, maxArgs: 64, prefix: 'percentiles',
    bind(a) { requirePercentileInput(a, 'percentiles_array'); percentileList(a, 1, 'percentiles_array'); return 'dynamic'; },
    emit(a, f) {
      const ps = percentileList(a, 1, 'percentiles_array').map((p) => literalSql('real', p / 100));
      const t = percentileValueType(a[0]!.type);
      return `coalesce(${typedListJson(`quantile_disc(${as(a[0]!, t)}, [${ps.join(', ')}])${f}`, t)}, CAST('[]' AS JSON))`;
    },
  },
];

/** percentiles(x, p): a single percentile here; several need one output column each (binder support). */
const percentilesAgg: AggregateFunction = {
  name: 'percentiles',
  minArgs: 2,
  maxArgs: 64,
  bind(args) {
    requirePercentileInput(args, 'percentiles');
    const ps = percentileList(args, 1, 'percentiles');
    if (ps.length !== 1) fail('percentiles(): several percentiles (one output column each) are supported only as a whole summarize item, e.g. summarize percentiles(x, 50, 95)');
    return percentileValueType(args[0]!.type);
  },
  honorsFilter: true,
  emit(args, ctx) {
    const p = percentileList(args, 1, 'percentiles')[0]!;
    return `quantile_disc(${as(args[0]!, percentileValueType(args[0]!.type))}, ${literalSql('real', p / 100)})${filterClause([], ctx)}`;
  },
  expand(args) {
    requirePercentileInput(args, 'percentiles');
    return percentileSplit(args, 'percentiles');
  },
  defaultName(args) {
    const a = args[1];
    let p = '';
    if (a?.k === 'lit') p = a.type === 'dynamic' ? String((JSON.parse(String(a.value)) as unknown[])[0]) : String(a.value);
    return `percentile_${columnNameOf(args[0]) ?? ''}_${p.replace('.', '_')}`;
  },
};

const percentile: AggregateFunction = {
  name: 'percentile',
  minArgs: 2,
  maxArgs: 2,
  bind(args) {
    if (!args[1]!.literal || !isNumeric(args[1]!.type)) fail('percentile(): the percentile must be a numeric constant', 1);
    const p = Number(args[1]!.literal!.value);
    if (!(p >= 0 && p <= 100)) fail('percentile(): the percentile must be between 0 and 100', 1);
    if (!isNumeric(args[0]!.type) && args[0]!.type !== 'timespan' && args[0]!.type !== 'datetime') fail('percentile(): expects a numeric, datetime or timespan value', 0);
    return args[0]!.type === 'int' ? 'long' : args[0]!.type;
  },
  honorsFilter: true,
  emit(args, ctx) {
    const p = Number(args[1]!.literal!.value) / 100;
    const x = args[0]!.type === 'int' ? as(args[0]!, 'long') : args[0]!.sql;
    return `quantile_disc(${x}, ${literalSql('real', p)})${filterClause([], ctx)}`;
  },
  defaultName(args) {
    const p = args[1]?.k === 'lit' ? String(args[1].value).replace('.', '_') : '';
    return `percentile_${columnNameOf(args[0]) ?? ''}_${p}`;
  },
};

export const AGGREGATE_FUNCTIONS: ReadonlyMap<string, AggregateFunction> = new Map<string, AggregateFunction>([
  ...[...AGG_SPECS, ...AGG_EXTRAS].map((s): [string, AggregateFunction] => [s.name, aggregate(s)]),
  ['percentile', percentile],
  ['percentiles', percentilesAgg],
]);

// ───────────── dynamic access ─────────────

/**
 * SQL for target.a.b[0]["c"]: constant steps are grouped into one JSON pointer;
 * computed keys/indexes are applied one at a time.  Negative indexes count from the end.
 */
export function pathSql(target: string, steps: (string | number | SqlArg)[]): string {
  let sql = target;
  let group: (string | number)[] = [];
  const flush = () => {
    if (group.length) sql = `json_extract(${sql}, ${jsonPointer(group)})`;
    group = [];
  };
  for (const s of steps) {
    if (typeof s === 'string' || (typeof s === 'number' && s >= 0)) {
      group.push(s);
      continue;
    }
    flush();
    if (typeof s === 'number') {
      sql = `json_extract(${sql}, ${sqlString(`$[#${s}]`)})`;
    } else if (s.type === 'string') {
      sql = `json_extract(${sql}, '/' || replace(replace(${s.sql}, '~', '~0'), '/', '~1'))`;
    } else {
      const i = as(s, 'long');
      sql = `json_extract(${sql}, CASE WHEN ${i} < 0 THEN '$[#' || CAST(${i} AS VARCHAR) || ']' ELSE '$[' || CAST(${i} AS VARCHAR) || ']' END)`;
    }
  }
  flush();
  return sql;
}

/**
 * json_extract_string(target, pointer) for target.a.b[0] when every step is a constant key or a
 * non-negative index: the scalar text of the property in one call (the same value as
 * json_extract_string(pathSql(…), '$'), without materializing the intermediate JSON).
 */
export function pathScalarText(target: string, steps: (string | number | SqlArg)[]): string | undefined {
  if (steps.length === 0 || !steps.every((s) => typeof s === 'string' || (typeof s === 'number' && s >= 0))) return undefined;
  return `json_extract_string(${target}, ${jsonPointer(steps as (string | number)[])})`;
}

// re-exported for the emitter (keeps conversions in one module)
export { toBoolSql, toDatetimeSql, toDecimalSql, toGuidSql, toIntSql, toLongSql, toRealSql, toStringSql, toTimespanSql, formatDatetimeUs, sqlType };
