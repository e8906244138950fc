/** operators.ts — `+`, `==`, `has`, `in`, `between`, … keyed by their KQL spelling. */
import { type ArgInfo, type ScalarFunction, type SqlArg } from '../bound.js';
import { regexEscape, sqlString } from '../sql.js';
import { datetimePlusSql, wrappingLongSql } from '../sqlexpr.js';
import { comparable, isIntegral, isNumeric, numericPromote, type KqlType } from '../types.js';
import { fail, as, str, isNullLit, isNonNullLit, regexArg } from './define.js';

// ───────────── operators ─────────────

/** Converts a dynamic operand to the type of the other operand (Kusto's implicit conversion). */
export function unifyForCompare(a: SqlArg, b: SqlArg): [string, string] {
  if (a.type === 'dynamic' && b.type !== 'dynamic') return [as(a, b.type), b.sql];
  if (b.type === 'dynamic' && a.type !== 'dynamic') return [a.sql, as(b, a.type)];
  if (a.type === 'dynamic' && b.type === 'dynamic') return [`CAST(${a.sql} AS VARCHAR)`, `CAST(${b.sql} AS VARCHAR)`];
  return [a.sql, b.sql];
}

export function checkComparable(op: string, args: ArgInfo[]): void {
  const [a, b] = args as [ArgInfo, ArgInfo];
  if (!comparable(a.type, b.type)) fail(`Cannot compare values of types ${a.type} and ${b.type} with '${op}'`);
}

/**
 * `ResultType == 0` (a string column against a number): Kusto accepts == and != between a string
 * and a number — Microsoft's published Sentinel analytics rules over SigninLogs rely on it — and
 * compares numerically: the string converts as the to*() function of the number's type would
 * (unparsable → null, so == is false and != is true). Ordering (<, >, …) stays an error.
 */
function isStringNumberPair(a: { type: KqlType }, b: { type: KqlType }): boolean {
  return (a.type === 'string' && isNumeric(b.type)) || (isNumeric(a.type) && b.type === 'string');
}

/**
 * == and != with Kusto null semantics: null == value → false, null != value → true,
 * null == null → null.  Strings are never null, so they compare directly.
 */
export function equality(op: '==' | '!='): ScalarFunction {
  return {
    name: op,
    minArgs: 2,
    maxArgs: 2,
    bind(args) {
      if (!isStringNumberPair(args[0]!, args[1]!)) checkComparable(op, args);
      return 'bool';
    },
    emit(args) {
      let [a, b] = args as [SqlArg, SqlArg];
      if (isStringNumberPair(a, b)) {
        // the string side, converted, is neither a literal nor dynamic text any more
        if (a.type === 'string') a = { sql: as(a, b.type), type: b.type };
        else b = { sql: as(b, a.type), type: a.type };
      }
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

export function ordering(op: '<' | '<=' | '>' | '>='): ScalarFunction {
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

export function logical(op: 'and' | 'or'): ScalarFunction {
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
export function arithmeticType(op: string, a: KqlType, b: KqlType): KqlType | undefined {
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
export function modSql(a: string, b: string): string {
  return `(((${a} % ${b}) + abs(${b})) % abs(${b}))`;
}

export function arithmetic(op: '+' | '-' | '*' | '/' | '%'): ScalarFunction {
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
      // datetimes are ticks (types.ts): a result outside 0001-01-01 … 9999-12-31 is null
      if (op === '+' && ta === 'datetime') return datetimePlusSql(a.sql, b.sql);
      if (op === '+' && tb === 'datetime') return datetimePlusSql(b.sql, a.sql);
      if (op === '-' && ta === 'datetime' && tb === 'timespan') return datetimePlusSql(a.sql, b.sql, '-');
      if (op === '-' && ta === 'datetime' && tb === 'datetime') return `(${a.sql} - ${b.sql})`;
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

export const negate: ScalarFunction = {
  name: 'unary -',
  minArgs: 1,
  maxArgs: 1,
  bind(args) {
    const t = args[0]!.type;
    // -int stays an int (Kusto.Language's operator table), wrapping at -2^31 as Kusto's integers do
    if (t === 'int' || t === 'long' || t === 'real' || t === 'decimal' || t === 'timespan') return t;
    if (t === 'dynamic') return 'real';
    return fail(`Unary '-' is not defined for ${t}`);
  },
  emit(args) {
    const a = args[0]!;
    if (a.type === 'int') return `(CASE WHEN ${a.sql} = -2147483648 THEN CAST(-2147483648 AS INTEGER) ELSE CAST(-(${a.sql}) AS INTEGER) END)`;
    if (a.type === 'long') return wrappingLongSql('0', '-', a.sql, !a.notRowwise);
    if (a.type === 'dynamic') return `(-${as(a, 'real')})`;
    return `(-${a.sql})`;
  },
};

/** Non-alphanumeric boundary used by the term operators (has, hasprefix, hassuffix). */
export const TERM_BOUNDARY_START = '(?:^|[^\\pL\\pN])';
export const TERM_BOUNDARY_END = '(?:$|[^\\pL\\pN])';

type StringMatch = 'contains' | 'startswith' | 'endswith' | 'has' | 'hasprefix' | 'hassuffix';

/**
 * SQL for one string predicate.  Case-insensitive matching compares lower() of both sides (what
 * DuckDB's ILIKE does), through contains/starts_with/suffix, which DuckDB runs much faster than
 * LIKE patterns.  The term operators (has, hasprefix, hassuffix) with a constant needle check the
 * substring first and run the term-boundary regex only on the rows that contain it (inside CASE,
 * so DuckDB cannot reorder the two); that form is FALSE, never NULL, for a NULL haystack.
 */
export function stringMatchSql(kind: StringMatch, cs: boolean, hay: string, needle: SqlArg): string {
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

export function stringOperator(name: string): ScalarFunction {
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

export const STRING_OPERATOR_NAMES = [
  'contains', 'contains_cs', 'has', 'has_cs', 'hasprefix', 'hasprefix_cs', 'hassuffix', 'hassuffix_cs',
  'startswith', 'startswith_cs', 'endswith', 'endswith_cs',
];

export function caseInsensitiveEquality(op: '=~' | '!~'): ScalarFunction {
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

export const matchesRegex: ScalarFunction = {
  name: 'matches regex',
  minArgs: 2,
  maxArgs: 2,
  bind: () => 'bool',
  emit: (args) => `regexp_matches(${str(args[0]!)}, ${regexArg(args[1]!)})`,
};

/** x in (a, b, …) — args[0] is x.  Null x is never "in" anything. */
export function inOperator(op: 'in' | '!in' | 'in~' | '!in~'): ScalarFunction {
  const ci = op.endsWith('~');
  const negated = op.startsWith('!');
  return {
    name: op,
    minArgs: 2,
    maxArgs: 100000,
    bind(args) {
      // a string against numbers (or a number against strings) as == compares them: `ResultType in (50126, 50053)`
      if (!ci) args.slice(1).forEach((a, i) => {
        if (!comparable(args[0]!.type, a.type) && !isStringNumberPair(args[0]!, a)) fail(`Cannot compare values of types ${args[0]!.type} and ${a.type} with '${op}'`, i + 1);
      });
      return 'bool';
    },
    emit(args) {
      const [x, ...list] = args as [SqlArg, ...SqlArg[]];
      let inSql: string;
      if (ci) {
        inSql = `(lower(${str(x)}) IN (${list.map((a) => `lower(${str(a)})`).join(', ')}))`;
      } else {
        // a string against numbers converts to the numbers' type (as == does); numbers against strings: the strings convert
        const numbers = x.type === 'string' && list.length > 0 && list.every((a) => isNumeric(a.type)) ? list.map((a) => a.type).reduce((p, c) => numericPromote(p, c)) : undefined;
        const t = numbers ?? (x.type === 'dynamic' ? (list.find((a) => a.type !== 'dynamic')?.type ?? 'dynamic') : x.type);
        const lhs = x.type === 'dynamic' && t === 'dynamic' ? `CAST(${x.sql} AS VARCHAR)` : as(x, t);
        const items = list.map((a) => (t === 'dynamic' ? `CAST(${a.sql} AS VARCHAR)` : isNumeric(t) && isNumeric(a.type) ? a.sql : as(a, t)));
        inSql = `coalesce(${lhs} IN (${items.join(', ')}), FALSE)`;
      }
      return negated ? `(NOT ${inSql})` : inSql;
    },
  };
}

/** x between (lo .. hi); for datetime x a timespan hi means lo + hi. */
export function betweenOperator(negated: boolean): ScalarFunction {
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
      const hiSql = x.type === 'datetime' && hi.type === 'timespan' ? datetimePlusSql(lo.sql, hi.sql) : as(hi, isNumeric(t) && isNumeric(hi.type) ? hi.type : t);
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

