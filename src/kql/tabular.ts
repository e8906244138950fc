/**
 * tabular.ts — SQL builders for the tabular operators that don't map onto the
 * relational core of planner.ts: union, join, lookup, mv-expand, parse,
 * parse-kv, make-series, top-nested, sample, window functions, subqueries.
 *
 * Every builder returns a GenericPlan (planner.ts) whose `build` receives the
 * SQL of its inputs (SELECTs with positional columns c0, c1, …) and produces
 * a SELECT with positional columns matching the plan schema.  As everywhere
 * else, identifiers go through sqlIdent and constants through sql.ts /
 * sqlexpr.ts (literalSql); nothing from the query text is spliced in raw.
 *
 * Row order: serialized row sets (after sort/top/range/serialize) are kept in
 * order by DuckDB through projections, and window functions use `OVER ()`
 * over that order (DuckDB's window operator with an empty OVER clause keeps
 * the input order — checked on 200k-row inputs with several threads).
 */
import { ticksOfTs } from './datetime-sql.js';
import type { BoundExpr, EmitContext, ScalarFunction } from './bound.js';
import { emitExpr, emitPlan } from './emitter.js';
import * as P from './planner.js';
import { sqlIdent, sqlString } from './sql.js';
import { convertSql } from './sqlexpr.js';
import { sqlType, type ColumnSchema, type KqlType } from './types.js';

export const C = (i: number): string => sqlIdent(`c${i}`);
const selectList = (exprs: string[]): string => exprs.map((e, i) => `${e} AS ${C(i)}`).join(', ');

/** A typed NULL — or '' for strings (Kusto strings are never null). */
export function nullOf(t: KqlType): string {
  return t === 'string' ? "''" : `CAST(NULL AS ${sqlType(t)})`;
}

function exprSql(e: BoundExpr, alias: string, ctx: EmitContext): string {
  return emitExpr(e, (i) => `${alias}.${C(i)}`, ctx);
}

// ───────────── union ─────────────

export interface UnionLegPlan {
  plan: P.PlanNode;
  /** value of the withsource column */
  source: string;
}

/**
 * Output schema of a union: kind=outer keeps every column (a name seen with several types
 * becomes name_type for each type, de-duplicated against real names); kind=inner keeps the
 * columns (name and type) common to all legs.
 */
export function unionSchema(legs: P.PlanNode[], kind: 'inner' | 'outer'): { schema: ColumnSchema[]; keys: string[] } {
  const entries: { name: string; type: KqlType }[] = [];
  const key = (n: string, t: KqlType) => `${t}\u0000${n}`;
  const seen = new Set<string>();
  for (const l of legs) {
    for (const c of l.schema) {
      const k = key(c.name, c.type);
      if (!seen.has(k)) {
        seen.add(k);
        entries.push({ name: c.name, type: c.type });
      }
    }
  }
  let kept = entries;
  if (kind === 'inner') kept = entries.filter((e) => legs.every((l) => l.schema.some((c) => c.name === e.name && c.type === e.type)));
  const typesByName = new Map<string, number>();
  for (const e of kept) typesByName.set(e.name, (typesByName.get(e.name) ?? 0) + 1);
  const used = new Set<string>(kept.filter((e) => typesByName.get(e.name) === 1).map((e) => e.name));
  const schema = kept.map((e) => {
    if (typesByName.get(e.name) === 1) return { name: e.name, type: e.type };
    const base = `${e.name}_${e.type}`;
    let n = base;
    for (let i = 1; used.has(n); i++) n = `${base}${i}`;
    used.add(n);
    return { name: n, type: e.type };
  });
  return { schema, keys: kept.map((e) => key(e.name, e.type)) };
}

export function unionPlan(legs: UnionLegPlan[], kind: 'inner' | 'outer', withsource: string | undefined): P.PlanNode {
  const { schema, keys } = unionSchema(legs.map((l) => l.plan), kind);
  const out: ColumnSchema[] = withsource !== undefined ? [{ name: withsource, type: 'string' }, ...schema] : schema;
  // make the withsource column name unique against the others
  if (withsource !== undefined && schema.some((c) => c.name === withsource)) {
    let n = withsource;
    for (let i = 1; schema.some((c) => c.name === n); i++) n = `${withsource}${i}`;
    out[0] = { name: n, type: 'string' };
  }
  const maps = legs.map((l) => keys.map((k) => l.plan.schema.findIndex((c) => `${c.type}\u0000${c.name}` === k)));
  return P.generic('union', legs.map((l) => l.plan), out, (inputs) =>
    inputs
      .map((sql, li) => {
        const exprs = schema.map((c, i) => (maps[li]![i]! >= 0 ? `t.${C(maps[li]![i]!)}` : nullOf(c.type)));
        if (withsource !== undefined) exprs.unshift(sqlString(legs[li]!.source));
        return `SELECT ${exprs.length ? selectList(exprs) : 'NULL AS c0'} FROM (${sql}) AS t`;
      })
      .map((s) => `(${s})`)
      .join(' UNION ALL '),
  );
}

// ───────────── join / lookup ─────────────

export type JoinKind = 'innerunique' | 'inner' | 'leftouter' | 'rightouter' | 'fullouter' | 'leftanti' | 'rightanti' | 'leftsemi' | 'rightsemi';

/** `base`, `base1`, `base2`, … — the first not in `used`. */
export function uniqueName(base: string, used: Set<string>): string {
  let n = base;
  for (let i = 1; used.has(n); i++) n = `${base}${i}`;
  used.add(n);
  return n;
}

/**
 * Equality of a join key: null matches null, in every join kind and in lookup (issue #12); a string
 * is never null in Kusto (a missing one is ""), so a stored NULL and "" are the same key.
 */
function keyCompare(l: number, r: number, lt: KqlType, rt: KqlType): string {
  const a = `l.${C(l)}`, b = `r.${C(r)}`;
  if (lt === rt && lt === 'string') return `coalesce(${a}, '') = coalesce(${b}, '')`;
  if (lt === rt) return `${a} IS NOT DISTINCT FROM ${b}`;
  return `CAST(${a} AS ${sqlType(lt === 'real' || rt === 'real' ? 'real' : 'long')}) IS NOT DISTINCT FROM CAST(${b} AS ${sqlType(lt === 'real' || rt === 'real' ? 'real' : 'long')})`;
}

/** Deduplicates rows on the given columns, keeping the first row of each key (innerunique). */
function dedupFirst(sql: string, keyCols: number[]): string {
  const part = keyCols.map((k) => C(k)).join(', ');
  return `SELECT * EXCLUDE (__rn) FROM (SELECT *, row_number() OVER () AS __rn FROM (${sql}) AS d0) AS d1 QUALIFY row_number() OVER (PARTITION BY ${part} ORDER BY __rn) = 1`;
}

export function joinPlan(left: P.PlanNode, right: P.PlanNode, kind: JoinKind, keys: { l: number; r: number }[]): P.PlanNode {
  const used = new Set<string>();
  const leftCols = left.schema.map((c) => ({ name: uniqueName(c.name, used), type: c.type }));
  let schema: ColumnSchema[];
  let rightCols: ColumnSchema[] = [];
  if (kind === 'leftsemi' || kind === 'leftanti') schema = left.schema.slice();
  else if (kind === 'rightsemi' || kind === 'rightanti') schema = right.schema.slice();
  else {
    rightCols = right.schema.map((c) => ({ name: uniqueName(c.name, used), type: c.type }));
    schema = [...leftCols, ...rightCols];
  }
  return P.generic('join', [left, right], schema, ([l, r]) => {
    const on = keys.map((k) => keyCompare(k.l, k.r, left.schema[k.l]!.type, right.schema[k.r]!.type)).join(' AND ') || 'TRUE';
    const lsql = kind === 'innerunique' ? dedupFirst(l!, keys.map((k) => k.l)) : l!;
    switch (kind) {
      case 'leftsemi':
        return `SELECT l.* FROM (${lsql}) AS l SEMI JOIN (${r}) AS r ON ${on}`;
      case 'leftanti':
        return `SELECT l.* FROM (${lsql}) AS l ANTI JOIN (${r}) AS r ON ${on}`;
      case 'rightsemi':
        return `SELECT r.* FROM (${r}) AS r SEMI JOIN (${lsql}) AS l ON ${on}`;
      case 'rightanti':
        return `SELECT r.* FROM (${r}) AS r ANTI JOIN (${lsql}) AS l ON ${on}`;
      default: {
        const jt = kind === 'leftouter' ? 'LEFT JOIN' : kind === 'rightouter' ? 'RIGHT JOIN' : kind === 'fullouter' ? 'FULL JOIN' : 'JOIN';
        const lNullable = kind === 'rightouter' || kind === 'fullouter';
        const rNullable = kind === 'leftouter' || kind === 'fullouter';
        const pick = (alias: string, i: number, t: KqlType, nullable: boolean) => (nullable && t === 'string' ? `coalesce(${alias}.${C(i)}, '')` : `${alias}.${C(i)}`);
        const exprs = [
          ...left.schema.map((c, i) => pick('l', i, c.type, lNullable)),
          ...right.schema.map((c, i) => pick('r', i, c.type, rNullable)),
        ];
        return `SELECT ${selectList(exprs)} FROM (${lsql}) AS l ${jt} (${r}) AS r ON ${on}`;
      }
    }
  }, false);
}

/** lookup: left columns, then right columns except the right keys; leftouter or inner. */
export function lookupPlan(left: P.PlanNode, right: P.PlanNode, kind: 'leftouter' | 'inner', keys: { l: number; r: number }[]): P.PlanNode {
  const used = new Set<string>(left.schema.map((c) => c.name));
  const rightIdx = right.schema.map((_, i) => i).filter((i) => !keys.some((k) => k.r === i));
  const schema = [...left.schema, ...rightIdx.map((i) => ({ name: uniqueName(right.schema[i]!.name, used), type: right.schema[i]!.type }))];
  return P.generic('lookup', [left, right], schema, ([l, r]) => {
    const on = keys.map((k) => keyCompare(k.l, k.r, left.schema[k.l]!.type, right.schema[k.r]!.type)).join(' AND ');
    const exprs = [
      ...left.schema.map((_, i) => `l.${C(i)}`),
      ...rightIdx.map((i) => (kind === 'leftouter' && right.schema[i]!.type === 'string' ? `coalesce(r.${C(i)}, '')` : `r.${C(i)}`)),
    ];
    return `SELECT ${selectList(exprs)} FROM (${l}) AS l ${kind === 'inner' ? 'JOIN' : 'LEFT JOIN'} (${r}) AS r ON ${on}`;
  }, P.isSerialized(left));
}

// ───────────── mv-expand ─────────────

export interface MvItem {
  expr: BoundExpr;
  /** output column index (replacing or appended) */
  index: number;
  type: KqlType;
}

/** The JSON list an mv-expand item expands into (null → [null], array → elements, bag → entries, scalar → [value]). */
export function expandList(x: string, bagKind: 'bag' | 'array'): string {
  const ptr = `'/' || replace(replace(k, '~', '~0'), '/', '~1')`;
  const entry = bagKind === 'bag' ? `json_object(k, json_extract(${x}, ${ptr}))` : `json_array(k, json_extract(${x}, ${ptr}))`;
  return (
    `(CASE WHEN ${x} IS NULL OR json_type(${x}) = 'NULL' THEN [CAST(NULL AS JSON)]` +
    ` WHEN json_type(${x}) = 'ARRAY' THEN CAST(json_extract(${x}, '$[*]') AS JSON[])` +
    ` WHEN json_type(${x}) = 'OBJECT' THEN CAST(list_transform(json_keys(${x}), k -> ${entry}) AS JSON[])` +
    ` ELSE [${x}] END)`
  );
}

export function mvExpandPlan(
  input: P.PlanNode, items: MvItem[], schema: ColumnSchema[], bagKind: 'bag' | 'array',
  itemIndex: number | undefined, limit: BoundExpr | undefined, op = 'mv-expand',
): P.PlanNode {
  return P.generic(op, [input], schema, ([sql], ctx) => {
    const lists = items.map((it) => expandList(`(${exprSql(it.expr, 't', ctx)})`, bagKind));
    const unnests = lists.map((l, i) => `unnest(${l}) AS ${sqlIdent(`u${i}`)}`);
    const n = lists.length === 1 ? `len(${lists[0]})` : `greatest(${lists.map((l) => `len(${l})`).join(', ')})`;
    unnests.push(`unnest(range(${n})) AS ui`);
    const inner = `SELECT t.*, ${unnests.join(', ')} FROM (${sql}) AS t`;
    const exprs = schema.map((_, i) => (i < input.schema.length ? `x.${C(i)}` : 'NULL'));
    items.forEach((it, k) => {
      const u = `x.${sqlIdent(`u${k}`)}`;
      exprs[it.index] = it.type === 'dynamic' ? u : mvCast(u, it.type);
    });
    if (itemIndex !== undefined) exprs[itemIndex] = 'x.ui';
    const where = limit ? ` WHERE x.ui < ${emitExpr(limit, () => 'NULL', ctx)}` : '';
    return `SELECT ${selectList(exprs)} FROM (${inner}) AS x${where}`;
  }, false);
}

/** `to typeof(T)`: cast-only conversion of a JSON element (non-conforming values become null). */
export function mvCast(u: string, t: KqlType): string {
  switch (t) {
    case 'string':
      return `(CASE WHEN json_type(${u}) = 'VARCHAR' THEN json_extract_string(${u}, '$') ELSE coalesce(CAST(${u} AS VARCHAR), '') END)`;
    case 'long':
    case 'int':
      return `(CASE WHEN json_type(${u}) IN ('BIGINT', 'UBIGINT') THEN TRY_CAST(CAST(${u} AS VARCHAR) AS ${sqlType(t)}) END)`;
    case 'real':
      return `(CASE WHEN json_type(${u}) IN ('BIGINT', 'UBIGINT', 'DOUBLE') THEN TRY_CAST(CAST(${u} AS VARCHAR) AS DOUBLE) END)`;
    case 'bool':
      return `(CASE WHEN json_type(${u}) = 'BOOLEAN' THEN CAST(CAST(${u} AS VARCHAR) AS BOOLEAN) END)`;
    default:
      return convertSql(u, 'dynamic', t);
  }
}

// ───────────── scalar helpers with closures ─────────────

/** A scalar "function" whose SQL is fixed by the binder (subqueries, window functions, struct fields). */
export function customFn(name: string, emit: ScalarFunction['emit']): ScalarFunction {
  return { name, minArgs: 0, maxArgs: 1000, bind: () => 'dynamic', emit };
}

export const WINDOW_FUNCTIONS = new WeakSet<ScalarFunction>();

export function windowFn(name: string, emit: ScalarFunction['emit']): ScalarFunction {
  const f = customFn(name, emit);
  WINDOW_FUNCTIONS.add(f);
  return f;
}

/**
 * A window function that needs another window's result first (row_rank_dense, row_rank_min, the
 * `restart` forms of row_number and row_cumsum): SQL cannot nest window functions, so `pre` is
 * computed into a hidden column by an extend beneath, and the call is replaced by `after` over it.
 */
export interface StagedWindow {
  pre: BoundExpr;
  after: (hidden: BoundExpr) => BoundExpr;
}
export const STAGED_WINDOWS = new WeakMap<ScalarFunction, StagedWindow>();

export function stagedWindowFn(name: string, staged: StagedWindow): ScalarFunction {
  const f = windowFn(name, () => {
    throw new Error(`${name}(): a staged window function reached SQL emission without its stage`);
  });
  STAGED_WINDOWS.set(f, staged);
  return f;
}

/** The scalar functions that run a subquery (toscalar, in/!in over a table). */
export const SUBQUERY_FUNCTIONS = new WeakSet<ScalarFunction>();

/** `(SELECT first column FROM (plan) LIMIT 1)` — toscalar(). */
export function scalarSubquery(plan: P.PlanNode): ScalarFunction {
  const f = customFn('toscalar', (_args, ctx) => `(SELECT s.${C(0)} FROM (${emitPlan(plan, ctx)}) AS s LIMIT 1)`);
  SUBQUERY_FUNCTIONS.add(f);
  return f;
}

/** `x in (subquery)` / `x !in (subquery)` on the first column of the subquery. */
export function inSubquery(plan: P.PlanNode, negated: boolean, caseInsensitive: boolean): ScalarFunction {
  const f = customFn(negated ? '!in' : 'in', (args, ctx) => {
    const a = args[0]!;
    const st = plan.schema[0]!.type;
    let lhs = a.type === st ? a.sql : convertSql(a.sql, a.type, st);
    let rhs = `s.${C(0)}`;
    if (caseInsensitive) {
      lhs = `lower(${lhs})`;
      rhs = `lower(${rhs})`;
    }
    const sub = `(SELECT ${rhs} FROM (${emitPlan(plan, ctx)}) AS s WHERE s.${C(0)} IS NOT NULL)`;
    return negated ? `coalesce(NOT (${lhs} IN ${sub}), TRUE)` : `coalesce(${lhs} IN ${sub}, FALSE)`;
  });
  SUBQUERY_FUNCTIONS.add(f);
  return f;
}

// ───────────── parse ─────────────

/** Number of capturing groups in an RE2 pattern (used to skip groups of user regexes in parse kind=regex). */
export function countGroups(re: string): number {
  let n = 0;
  let inClass = false;
  for (let i = 0; i < re.length; i++) {
    const c = re[i];
    if (c === '\\') {
      i++;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      continue;
    }
    if (c === '[') {
      inClass = true;
      if (re[i + 1] === ']') i++;
      continue;
    }
    if (c === '(') {
      if (re[i + 1] !== '?') n++;
      else if (re[i + 2] === 'P' && re[i + 3] === '<') n++;
      else if (re[i + 2] === '<' && re[i + 3] !== '=' && re[i + 3] !== '!') n++;
    }
  }
  return n;
}

/** Text → value of a parse column type; NULL when not convertible. */
export function parseConvert(s: string, t: KqlType): string {
  switch (t) {
    case 'string':
      return s;
    case 'datetime':
      return `coalesce(${convertSql(s, 'string', 'datetime')}, ${ticksOfTs(`coalesce(try_strptime(${s}, '%m/%d/%Y %H:%M:%S'), try_strptime(${s}, '%m/%d/%Y %H:%M'), try_strptime(${s}, '%m/%d/%Y'))`)})`;
    case 'dynamic':
      return convertSql(s, 'string', 'dynamic');
    default:
      return convertSql(s, 'string', t);
  }
}

export { exprSql, selectList };
