/** conditional.ts — iff/case/coalesce, null and emptiness tests, min_of/max_of. */
import { type ArgInfo, type BoundExpr, type ScalarFunction, type SqlArg } from '../bound.js';
import { sqlString } from '../sql.js';
import { commonType, type KqlType } from '../types.js';
import { fail, as, anyScalar, fn, constString } from './define.js';
import { constantValue } from './constant-value.js';

/**
 * The type of iff()/case() branches. A dynamic branch takes the type of the others — Kusto accepts a
 * dynamic value where a scalar is expected, as it does for the predicates here; Sentinel's published
 * rules mix them, e.g. case(…, OfficeObjectId, …, ParsedParameters.Name, "Unknown") — and converts.
 */
function branchType(types: KqlType[]): KqlType | undefined {
  const typed = types.filter((t) => t !== 'dynamic');
  return typed.length === 0 ? 'dynamic' : commonType(typed);
}

const iff: ScalarFunction = {
  name: 'iff',
  minArgs: 3,
  maxArgs: 3,
  bind(args) {
    if (args[0]!.type !== 'bool' && args[0]!.type !== 'dynamic') fail(`iff(): the condition must be bool, got '${args[0]!.type}'`, 0);
    const t = branchType([args[1]!.type, args[2]!.type]);
    if (!t) fail(`iff(): both branches must have the same type (got ${args[1]!.type} and ${args[2]!.type})`, 2);
    return t;
  },
  emit(args) {
    const t = branchType(args.slice(1).map((a) => a.type)) ?? 'dynamic';
    return `(CASE WHEN ${as(args[0]!, 'bool')} THEN ${as(args[1]!, t)} ELSE ${as(args[2]!, t)} END)`;
  },
};

/** The common type of emitted args (bind already validated it exists). */
export function resultTypeOf(args: SqlArg[]): KqlType {
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
    const t = branchType(values);
    if (!t) fail('case(): all values must have the same type');
    return t;
  },
  emit(args) {
    const values = args.filter((_, i) => i % 2 === 1 || i === args.length - 1);
    const t = branchType(values.map((a) => a.type)) ?? 'dynamic';
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

export function isNullSql(a: SqlArg): string {
  if (a.type === 'string') return 'FALSE';
  if (a.type === 'dynamic') return `(${a.sql} IS NULL OR json_type(${a.sql}) = 'NULL')`;
  return `(${a.sql} IS NULL)`;
}
export function isEmptySql(a: SqlArg): string {
  if (a.type === 'string') return `(${a.sql} IS NULL OR ${a.sql} = '')`;
  if (a.type === 'dynamic') return `(${a.sql} IS NULL OR json_type(${a.sql}) = 'NULL' OR CAST(${a.sql} AS VARCHAR) = '""')`;
  return `(${a.sql} IS NULL)`;
}

export const CONDITIONAL_FUNCTIONS: ScalarFunction[] = [
  iff,
  { ...iff, name: 'iif' },
  caseFn,
  coalesce,
  fn('isnull', [anyScalar], 0, 'bool', (a) => isNullSql(a[0]!)),
  fn('isnotnull', [anyScalar], 0, 'bool', (a) => `(NOT ${isNullSql(a[0]!)})`),
  fn('isempty', [anyScalar], 0, 'bool', (a) => isEmptySql(a[0]!)),
  fn('isnotempty', [anyScalar], 0, 'bool', (a) => `(NOT ${isEmptySql(a[0]!)})`),
  fn('not', [(t) => t === 'bool' || t === 'dynamic'], 0, 'bool', (a) => `(NOT ${as(a[0]!, 'bool')})`, 'bool'),
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
];

/** Whether a bound expression reads a column of the row. */
function readsColumns(e: BoundExpr): boolean {
  if (e.k === 'col' || e.k === 'agg') return true;
  if (e.k === 'call') return e.args.some(readsColumns);
  if (e.k === 'path') return readsColumns(e.target) || e.steps.some((s) => typeof s === 'object' && readsColumns(s));
  return false;
}

/** The text of a failed assert() — the Query API passes it to the caller (query-service.ts describeEngineError). */
export const ASSERT_FAILED = 'assert() has failed with message: ';

/**
 * assert(condition, message) (assert-function.md): both arguments must be constants, decided while
 * binding as Kusto decides them during query analysis (constant-value.ts) — a false condition refuses
 * the query with the message even where no row would reach it. A constant the binder cannot compute
 * (e.g. toscalar()) is checked when the statement evaluates it, failing with the same message.
 */
CONDITIONAL_FUNCTIONS.push({
  name: 'assert', minArgs: 2, maxArgs: 2,
  bind(args) {
    const [c, m] = args as [ArgInfo, ArgInfo];
    if (c.type !== 'bool') fail(`assert(): the condition must be bool, got '${c.type}'`, 0);
    const message = assertMessage(m);
    if (message === undefined) fail('assert(): the message must be a constant string (a string literal or constants)', 1);
    if (readsColumns(c.expr)) fail('assert(): the condition must be a constant bool: it cannot read columns of the rows', 0);
    if (constantValue(c.expr) === false) fail(`${ASSERT_FAILED}'${message}'`);
    return 'bool';
  },
  emit(args) {
    const [c, m] = args as [SqlArg, SqlArg];
    if (c.literal) return 'TRUE';
    return `(CASE WHEN ${c.sql} THEN TRUE ELSE error(concat(${sqlString(`${ASSERT_FAILED}'`)}, ${m.sql}, '''')) END)`;
  },
});

function assertMessage(m: ArgInfo): string | undefined {
  const v = constString(m) ?? constantValue(m.expr);
  return typeof v === 'string' ? v : undefined;
}
