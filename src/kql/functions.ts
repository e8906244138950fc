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
import { BindFailure, type AggregateFunction, type ArgInfo, type BoundExpr, type ScalarFunction, type SqlArg } from './bound.js';
import { formatDatetimeUs } from './literals.js';
import { jsonPointer, regexEscape, sqlLikePattern, sqlString } from './sql.js';
import {
  convertSql, EPOCH_TICKS, literalSql, ticksToInterval, toBoolSql, toDatetimeSql, toDecimalSql, toDynamicSql, toGuidSql,
  toIntSql, toLongSql, toRealSql, toStringSql, toTimespanSql,
} from './sqlexpr.js';
import { commonType, comparable, isIntegral, isNumeric, numericPromote, sqlType, type KqlType } from './types.js';

// ───────────── helpers ─────────────

function fail(message: string, argIndex?: number): never {
  throw new BindFailure(message, argIndex);
}

/** Casts an argument to a target type (no-op when it already has it). */
function as(a: SqlArg, t: KqlType): string {
  return convertSql(a.sql, a.type, t);
}
function str(a: SqlArg): string {
  return toStringSql(a.sql, a.type);
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
        if (t === 'decimal') return `CAST((${x} ${op === '/' ? '/' : op} ${y}) AS DECIMAL(38,18))`;
        if (op === '/') return t === 'long' ? `(${x} // ${y})` : `(${x} / ${y})`;
        if (op === '%') return modSql(x, y);
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
    if (a.type === 'dynamic') return `(-${as(a, 'real')})`;
    return `(-${a.sql})`;
  },
};

/** Non-alphanumeric boundary used by the term operators (has, hasprefix, hassuffix). */
const TERM_BOUNDARY_START = '(?:^|[^\\pL\\pN])';
const TERM_BOUNDARY_END = '(?:$|[^\\pL\\pN])';

type StringMatch = 'contains' | 'startswith' | 'endswith' | 'has' | 'hasprefix' | 'hassuffix';

/** SQL for one string predicate; literal needles use LIKE patterns / constant regexes (built via sql.ts). */
function stringMatchSql(kind: StringMatch, cs: boolean, hay: string, needle: SqlArg): string {
  const lit = needle.literal && needle.literal.value !== null ? String(needle.literal.value) : undefined;
  const like = cs ? 'LIKE' : 'ILIKE';
  const pre = kind === 'has' || kind === 'hasprefix' ? TERM_BOUNDARY_START : '';
  const post = kind === 'has' || kind === 'hassuffix' ? TERM_BOUNDARY_END : '';
  const flags = cs ? '' : '(?i)';
  if (lit !== undefined) {
    if (lit === '') return 'TRUE';
    switch (kind) {
      case 'contains':
        return `(${hay} ${like} ${sqlLikePattern('%', lit, '%')} ESCAPE '\\')`;
      case 'startswith':
        return `(${hay} ${like} ${sqlLikePattern('', lit, '%')} ESCAPE '\\')`;
      case 'endswith':
        return `(${hay} ${like} ${sqlLikePattern('%', lit, '')} ESCAPE '\\')`;
      default:
        // the LIKE is a cheap pre-filter; the regex enforces term boundaries
        return `(${hay} ${like} ${sqlLikePattern('%', lit, '%')} ESCAPE '\\' AND regexp_matches(${hay}, ${sqlString(flags + pre + regexEscape(lit) + post)}))`;
    }
  }
  const n = str(needle);
  switch (kind) {
    case 'contains':
      return cs ? `contains(${hay}, ${n})` : `contains(lower(${hay}), lower(${n}))`;
    case 'startswith':
      return cs ? `starts_with(${hay}, ${n})` : `starts_with(lower(${hay}), lower(${n}))`;
    case 'endswith':
      return cs ? `suffix(${hay}, ${n})` : `suffix(lower(${hay}), lower(${n}))`;
    default:
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
  return fn(name, [anyScalar], 0, to, (args) => convertSql(args[0]!.sql, args[0]!.type, to));
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
  fn('abs', [(t) => isNumeric(t) || t === 'timespan'], 0, (a) => (a[0]!.type === 'int' ? 'int' : a[0]!.type), (a) => `abs(${a[0]!.sql})`, 'numeric'),
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

export const SCALAR_FUNCTIONS: ReadonlyMap<string, ScalarFunction> = new Map(SCALAR_LIST.map((f) => [f.name, f]));

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
  /** whether the automatic name includes the argument's column name */
  named?: boolean;
  bind(args: ArgInfo[]): KqlType;
  emit(args: SqlArg[]): string;
  /** index of a predicate argument (…if aggregates) — emitted as FILTER (WHERE …) */
  predicateArg?: number;
}

function aggregate(spec: AggSpec): AggregateFunction {
  return {
    name: spec.name,
    minArgs: spec.minArgs,
    maxArgs: spec.maxArgs,
    bind(args) {
      if (spec.predicateArg !== undefined) {
        const p = args[spec.predicateArg];
        if (p && p.type !== 'bool' && p.type !== 'dynamic') fail(`${spec.name}(): the predicate must be bool, got '${p.type}'`, spec.predicateArg);
      }
      return spec.bind(args);
    },
    emit(args) {
      if (spec.predicateArg === undefined) return spec.emit(args);
      const pred = as(args[spec.predicateArg]!, 'bool');
      const rest = args.filter((_, i) => i !== spec.predicateArg);
      return spec.emit(rest).replace('\u0000FILTER', ` FILTER (WHERE ${pred})`);
    },
    defaultName(args) {
      const prefix = spec.prefix ?? spec.name;
      if (spec.named === false) return prefix + '_';
      const col = columnNameOf(args[0]);
      return prefix + '_' + (col ?? '');
    },
  };
}

/** Marker replaced by `FILTER (WHERE pred)` for the …if variants (or by '' otherwise). */
const F = '\u0000FILTER';
function noFilter(sql: string): string {
  return sql.split(F).join('');
}

const sumType = (t: KqlType): KqlType => (t === 'int' || t === 'long' ? 'long' : t === 'timespan' ? 'timespan' : t === 'decimal' ? 'decimal' : 'real');
function sumSql(a: SqlArg): string {
  const t = sumType(a.type);
  const x = a.type === 'dynamic' ? as(a, 'real') : a.sql;
  if (t === 'long' || t === 'timespan') return `CAST(sum(${x})${F} AS BIGINT)`;
  if (t === 'decimal') return `CAST(sum(${x})${F} AS DECIMAL(38,18))`;
  return `CAST(sum(${x})${F} AS DOUBLE)`;
}
function avgSql(a: SqlArg): string {
  if (a.type === 'timespan') return `CAST(avg(${a.sql})${F} AS BIGINT)`;
  return `avg(${as(a, 'real')})${F}`;
}
function minMaxSql(f: 'min' | 'max', a: SqlArg): string {
  const sql = `${f}(${a.sql})${F}`;
  return a.type === 'string' ? `coalesce(${sql}, '')` : sql;
}
const summable = (t: KqlType) => isNumeric(t) || t === 'timespan' || t === 'dynamic';
function requireArg(name: string, pred: (t: KqlType) => boolean, what: string) {
  return (args: ArgInfo[]) => {
    if (!pred(args[0]!.type)) fail(`${name}(): expects ${what}, got '${args[0]!.type}'`, 0);
  };
}

const AGG_SPECS: AggSpec[] = [
  { name: 'count', minArgs: 0, maxArgs: 1, named: false, bind: () => 'long', emit: (a) => (a.length ? `count(${a[0]!.sql})${F}` : `count(*)${F}`) },
  { name: 'countif', minArgs: 1, maxArgs: 1, named: false, predicateArg: 0, bind: () => 'long', emit: () => `count(*)${F}` },
  { name: 'sum', minArgs: 1, maxArgs: 1, bind: (a) => (requireArg('sum', summable, 'a numeric or timespan value')(a), sumType(a[0]!.type)), emit: (a) => sumSql(a[0]!) },
  { name: 'sumif', minArgs: 2, maxArgs: 2, predicateArg: 1, bind: (a) => (requireArg('sumif', summable, 'a numeric or timespan value')(a), sumType(a[0]!.type)), emit: (a) => sumSql(a[0]!) },
  { name: 'avg', minArgs: 1, maxArgs: 1, bind: (a) => (requireArg('avg', summable, 'a numeric or timespan value')(a), a[0]!.type === 'timespan' ? 'timespan' : 'real'), emit: (a) => avgSql(a[0]!) },
  { name: 'avgif', minArgs: 2, maxArgs: 2, predicateArg: 1, bind: (a) => (requireArg('avgif', summable, 'a numeric or timespan value')(a), a[0]!.type === 'timespan' ? 'timespan' : 'real'), emit: (a) => avgSql(a[0]!) },
  { name: 'min', minArgs: 1, maxArgs: 1, bind: (a) => (requireArg('min', notDynamic, 'a scalar value')(a), a[0]!.type), emit: (a) => minMaxSql('min', a[0]!) },
  { name: 'max', minArgs: 1, maxArgs: 1, bind: (a) => (requireArg('max', notDynamic, 'a scalar value')(a), a[0]!.type), emit: (a) => minMaxSql('max', a[0]!) },
  { name: 'minif', minArgs: 2, maxArgs: 2, predicateArg: 1, bind: (a) => (requireArg('minif', notDynamic, 'a scalar value')(a), a[0]!.type), emit: (a) => minMaxSql('min', a[0]!) },
  { name: 'maxif', minArgs: 2, maxArgs: 2, predicateArg: 1, bind: (a) => (requireArg('maxif', notDynamic, 'a scalar value')(a), a[0]!.type), emit: (a) => minMaxSql('max', a[0]!) },
  // dcount is exact here (Kusto's is an estimate; exact is within its error bounds)
  { name: 'dcount', minArgs: 1, maxArgs: 2, bind: () => 'long', emit: (a) => `count(DISTINCT ${a[0]!.type === 'dynamic' ? `CAST(${a[0]!.sql} AS VARCHAR)` : a[0]!.sql})${F}` },
  { name: 'dcountif', minArgs: 2, maxArgs: 3, predicateArg: 1, bind: () => 'long', emit: (a) => `count(DISTINCT ${a[0]!.type === 'dynamic' ? `CAST(${a[0]!.sql} AS VARCHAR)` : a[0]!.sql})${F}` },
  { name: 'take_any', minArgs: 1, maxArgs: 1, prefix: 'any', bind: (a) => a[0]!.type, emit: (a) => (a[0]!.type === 'string' ? `coalesce(any_value(${a[0]!.sql})${F}, '')` : `any_value(${a[0]!.sql})${F}`) },
  { name: 'any', minArgs: 1, maxArgs: 1, prefix: 'any', bind: (a) => a[0]!.type, emit: (a) => (a[0]!.type === 'string' ? `coalesce(any_value(${a[0]!.sql})${F}, '')` : `any_value(${a[0]!.sql})${F}`) },
  { name: 'take_anyif', minArgs: 2, maxArgs: 2, prefix: 'any', predicateArg: 1, bind: (a) => a[0]!.type, emit: (a) => (a[0]!.type === 'string' ? `coalesce(any_value(${a[0]!.sql})${F}, '')` : `any_value(${a[0]!.sql})${F}`) },
  { name: 'make_list', minArgs: 1, maxArgs: 2, prefix: 'list', bind: () => 'dynamic', emit: (a) => `coalesce(CAST(to_json(list_filter(list(${toDynamicSql(a[0]!.sql, a[0]!.type, false)})${F}, v -> v IS NOT NULL AND CAST(v AS VARCHAR) <> 'null')) AS JSON), CAST('[]' AS JSON))` },
  { name: 'make_set', minArgs: 1, maxArgs: 2, prefix: 'set', bind: () => 'dynamic', emit: (a) => `coalesce(CAST(to_json(list_filter(list(DISTINCT ${toDynamicSql(a[0]!.sql, a[0]!.type, false)})${F}, v -> v IS NOT NULL AND CAST(v AS VARCHAR) <> 'null')) AS JSON), CAST('[]' AS JSON))` },
  { name: 'stdev', minArgs: 1, maxArgs: 1, bind: () => 'real', emit: (a) => `stddev_samp(${as(a[0]!, 'real')})${F}` },
  { name: 'stdevp', minArgs: 1, maxArgs: 1, bind: () => 'real', emit: (a) => `stddev_pop(${as(a[0]!, 'real')})${F}` },
  { name: 'variance', minArgs: 1, maxArgs: 1, bind: () => 'real', emit: (a) => `var_samp(${as(a[0]!, 'real')})${F}` },
  { name: 'variancep', minArgs: 1, maxArgs: 1, bind: () => 'real', emit: (a) => `var_pop(${as(a[0]!, 'real')})${F}` },
];

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
  emit(args) {
    const p = Number(args[1]!.literal!.value) / 100;
    const x = args[0]!.type === 'int' ? as(args[0]!, 'long') : args[0]!.sql;
    return `quantile_disc(${x}, ${literalSql('real', p)})`;
  },
  defaultName(args) {
    const p = args[1]?.k === 'lit' ? String(args[1].value).replace('.', '_') : '';
    return `percentile_${columnNameOf(args[0]) ?? ''}_${p}`;
  },
};

export const AGGREGATE_FUNCTIONS: ReadonlyMap<string, AggregateFunction> = new Map<string, AggregateFunction>([
  ...AGG_SPECS.map((s): [string, AggregateFunction] => {
    const a = aggregate(s);
    const emit = a.emit;
    return [s.name, { ...a, emit: (args, ctx) => noFilter(emit(args, ctx)) }];
  }),
  ['percentile', percentile],
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

// re-exported for the emitter (keeps conversions in one module)
export { toBoolSql, toDatetimeSql, toDecimalSql, toGuidSql, toIntSql, toLongSql, toRealSql, toStringSql, toTimespanSql, formatDatetimeUs, sqlType };
