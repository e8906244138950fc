/** emit/mv-expand.ts — mv-expand, and mv-apply (a LATERAL subquery over each row's expansion). */
import type { EmitContext } from '../bound.js';
import { emitPlan } from '../emitter.js';
import type { MvApplyCorrelation, MvApplyPlan, MvApplySourcePlan, MvExpandPlan } from '../plan-operators.js';
import { sqlIdent } from '../sql.js';
import { convertSql } from '../sqlexpr.js';
import { sqlType, type KqlType } from '../types.js';
import { C, constSql, exprSql, selectList } from './common.js';

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

export function emitMvExpand(plan: MvExpandPlan, ctx: EmitContext): string {
  const { input, items, schema } = plan;
  const lists = items.map((it) => expandList(`(${exprSql(it.expr, 't', ctx)})`, plan.bagKind));
  const unnests = lists.map((l, i) => `unnest(${l}) AS ${sqlIdent(`u${i}`)}`);
  const n = lists.length === 1 ? `len(${lists[0]})` : `greatest(${lists.map((l) => `len(${l})`).join(', ')})`;
  unnests.push(`unnest(range(${n})) AS ui`);
  const inner = `SELECT t.*, ${unnests.join(', ')} FROM (${emitPlan(input, ctx)}) AS t`;
  const exprs = schema.map((_, i) => (i < input.schema.length ? `x.${C(i)}` : 'NULL'));
  items.forEach((it, k) => {
    const u = `x.${sqlIdent(`u${k}`)}`;
    exprs[it.index] = it.type === 'dynamic' ? u : mvCast(u, it.type);
  });
  if (plan.itemIndex !== undefined) exprs[plan.itemIndex] = 'x.ui';
  const where = plan.limit ? ` WHERE x.ui < ${constSql(plan.limit, ctx)}` : '';
  return `SELECT ${selectList(exprs)} FROM (${inner}) AS x${where}`;
}

/** The alias of the outer row an mv-apply body is correlated on (two integers: a plain identifier). */
const outerAlias = (c: MvApplyCorrelation): string => `mva${Math.trunc(c.depth)}_${Math.trunc(c.width)}`;

export function emitMvApplySource(plan: MvApplySourcePlan, ctx: EmitContext): string {
  const { items } = plan;
  const lists = items.map((it) => `(${exprSql(it.expr, outerAlias(plan.correlation), ctx)})`);
  const x = lists.map((l) => expandList(l, 'bag'));
  const exprs = items.map((it, k) => (it.type === 'dynamic' ? `unnest(${x[k]})` : mvCast(`unnest(${x[k]})`, it.type)));
  const n = x.length === 1 ? `len(${x[0]})` : `greatest(${x.map((l) => `len(${l})`).join(', ')})`;
  const outer = outerAlias(plan.correlation);
  const passFrom = items.length + 1;
  const sel = [...exprs.map((e, i) => `${e} AS ${C(i)}`), `unnest(range(${n})) AS ${C(items.length)}`, ...plan.passthrough.map((c, k) => `${outer}.${C(c)} AS ${C(passFrom + k)}`)];
  let sql = `SELECT ${sel.join(', ')}`;
  if (plan.limit) sql = `SELECT * FROM (${sql}) AS lim WHERE lim.${C(items.length)} < ${constSql(plan.limit, ctx)}`;
  const cols = [...items.map((_, i) => i), ...(plan.withIndex ? [items.length] : []), ...plan.passthrough.map((_, k) => passFrom + k)];
  // renumbered in the order of the source's schema: items, [index], passthrough
  return `SELECT ${cols.map((c, k) => `q.${C(c)} AS ${C(k)}`).join(', ')} FROM (${sql}) AS q`;
}

export function emitMvApply(plan: MvApplyPlan, ctx: EmitContext): string {
  const outer = outerAlias(plan.correlation);
  const exprs = plan.columns.map((c) => ('outer' in c ? `${outer}.${C(c.outer)}` : `s.${C(c.body)}`));
  return `SELECT ${selectList(exprs)} FROM (${emitPlan(plan.input, ctx)}) AS ${outer}, LATERAL (${emitPlan(plan.body, ctx)}) AS s`;
}
