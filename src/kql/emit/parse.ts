/** emit/parse.ts — parse / parse-where (one regular expression, a capture group per column) and parse-kv. */
import type { EmitContext } from '../bound.js';
import { ticksOfTs } from '../datetime-sql.js';
import { emitPlan } from '../emitter.js';
import type { ParseKvPlan, ParsePlan } from '../plan-operators.js';
import type { ParseKvOptions } from '../runtime/parse-kv.js';
import { sqlIdent, sqlString } from '../sql.js';
import { convertSql } from '../sqlexpr.js';
import { sqlType, type KqlType } from '../types.js';
import { C, exprSql, nullOf, selectList } from './common.js';

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

export function emitParse(plan: ParsePlan, ctx: EmitContext): string {
  const { input, schema, columns: cols, parseKind, needMatched } = plan;
  const g = (k: number) => sqlString(`g${k}`);
  const P_ = sqlIdent('__p'), M_ = sqlIdent('__m'), V = (k: number) => sqlIdent(`__v${k}`);
  const strict = parseKind !== 'relaxed';
  const maxGroup = Math.max(...cols.map((c) => c.group));
  const s = `(${exprSql(plan.source, 't', ctx)})`;
  const pat = sqlString(plan.pattern);
  // simple/relaxed: one regex evaluation extracts every group (a struct g1…gN); DuckDB checks that
  // form's pattern while binding, so a user's regex (kind=regex, only checked by RE2 at run time)
  // keeps one regexp_extract per column.  The conversions are computed once, a level up.
  const names = Array.from({ length: maxGroup }, (_, k) => g(k + 1));
  const group = (n: number) => (parseKind === 'regex' ? `regexp_extract(t.${P_}, ${pat}, ${n})` : `struct_extract(t.${P_}, ${g(n)})`);
  const source = parseKind === 'regex' ? s : `regexp_extract(${s}, ${pat}, [${names.join(', ')}])`;
  const extracted = `SELECT t.*, ${source} AS ${P_}${needMatched ? `, regexp_matches(${s}, ${pat}) AS ${M_}` : ''} FROM (${emitPlan(input, ctx)}) AS t`;
  // simple/relaxed int/long groups match '' or -?[0-9]+, which a plain cast converts exactly as tolong() would
  const convert = (c: (typeof cols)[number]) =>
    parseKind !== 'regex' && (c.type === 'long' || c.type === 'int') ? `TRY_CAST(${group(c.group)} AS ${sqlType(c.type)})` : parseConvert(group(c.group), c.type);
  const converted = `SELECT t.*, ${cols.map((c, k) => `${convert(c)} AS ${V(k)}`).join(', ')} FROM (${extracted}) AS t`;
  // strict kinds: a value that doesn't convert makes the whole match fail
  const conds = [...(needMatched ? [`t.${M_}`] : []), ...(strict ? cols.flatMap((c, k) => (c.type === 'string' ? [] : [`t.${V(k)} IS NOT NULL`])) : [])];
  const ok = conds.join(' AND ');
  const exprs = schema.map((_, i) => (i < input.schema.length ? `t.${C(i)}` : 'NULL'));
  cols.forEach((c, k) => {
    exprs[c.index] = `(CASE WHEN ${ok} THEN t.${V(k)} ELSE ${nullOf(c.type)} END)`;
  });
  const where = plan.dropUnmatched ? ` WHERE ${ok}` : '';
  return `SELECT ${selectList(exprs)} FROM (${converted}) AS t${where}`;
}

export function emitParseKv(plan: ParseKvPlan, ctx: EmitContext): string {
  const { input, schema } = plan;
  const s = `(${exprSql(plan.source, 't', ctx)})`;
  const exprs = schema.map((_, i) => (i < input.schema.length ? `t.${C(i)}` : 'NULL'));
  if (plan.regex !== undefined) {
    for (const c of plan.columns) {
      // regex mode: the regex has two groups (key, value); the first pair whose key is this column
      const re = sqlString(plan.regex);
      const v = `list_extract(list_filter(regexp_extract_all(${s}, ${re}, 0), m -> regexp_extract(m, ${re}, 1) = ${sqlString(c.key)}), 1)`;
      exprs[c.index] = `(CASE WHEN ${v} IS NULL THEN ${nullOf(c.type)} ELSE ${parseConvert(`trim(regexp_extract(${v}, ${re}, 2))`, c.type)} END)`;
    }
    return `SELECT ${selectList(exprs)} FROM (${emitPlan(input, ctx)}) AS t`;
  }
  // delimiter modes: one runtime call per row gives every key's value (a JSON array in key order)
  const options: ParseKvOptions = { keys: plan.columns.map((c) => c.key), quotes: plan.quotes, escapes: plan.escapes };
  if (plan.pairDelimiter !== undefined && plan.kvDelimiter !== undefined) Object.assign(options, { pd: plan.pairDelimiter, kd: plan.kvDelimiter, greedy: plan.greedy });
  const KV = sqlIdent('__kv');
  const extracted = `SELECT t.*, kql_parse_kv(${s}, ${sqlString(JSON.stringify(options))}) AS ${KV} FROM (${emitPlan(input, ctx)}) AS t`;
  plan.columns.forEach((c, k) => {
    const v = `json_extract_string(t.${KV}, ${sqlString(`$[${k}]`)})`;
    exprs[c.index] = `(CASE WHEN ${v} IS NULL THEN ${nullOf(c.type)} ELSE ${parseConvert(v, c.type)} END)`;
  });
  return `SELECT ${selectList(exprs)} FROM (${extracted}) AS t`;
}
