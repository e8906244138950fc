/**
 * emitter.ts — logical plan → DuckDB SQL.
 *
 * Every plan node becomes one SELECT whose output columns are named
 * positionally ("c0", "c1", …); the node's input is aliased "t".  KQL column
 * names only appear in the outermost SELECT (through sqlIdent), so names that
 * differ only in case, or contain any characters, are harmless.  DuckDB's
 * optimizer flattens the nested subqueries.
 */
import type { BoundAggregate, BoundExpr, EmitContext, SqlArg } from './bound.js';
import { OPERATORS, pathScalarText, pathSql, SCALAR_FUNCTIONS } from './functions/index.js';
import type { OperatorPlan, PlanNode, PlanSortKey } from './planner.js';
import { sqlIdent } from './sql.js';
import { datetimePlusSql, literalSql } from './sqlexpr.js';
import { ticksFromUnixMicros } from './literals.js';
import { sqlType } from './types.js';
import { emitActivityPlugin } from './emit/activity.js';
import { emitMatchLookup } from './emit/match-lookup.js';
import { emitBagUnpack, emitNarrow, emitPivot, emitRowsNear } from './emit/evaluate.js';
import { emitJoin, emitLookup } from './emit/join.js';
import { emitMakeSeries } from './emit/make-series.js';
import { emitMvApply, emitMvApplySource, emitMvExpand } from './emit/mv-expand.js';
import { emitParse, emitParseKv } from './emit/parse.js';
import { emitPartition, emitPartitionSource } from './emit/partition.js';
import { emitPatternPlugin } from './emit/patterns.js';
import { emitReduce } from './emit/reduce.js';
import { emitConsume, emitSample, emitSampleDistinct } from './emit/sample.js';
import { emitScanOperator } from './emit/scan-operator.js';
import { emitGraphMatch, emitGraphToTable, refuseGraph } from './emit/graph.js';
import { emitTopNested } from './emit/top-nested.js';
import { emitUnion } from './emit/union.js';

/** Generated SQL larger than this is rejected (guards against pathological expansion). */
export const MAX_SQL_LENGTH = 8_000_000;

export class SqlTooLargeError extends Error {}

const col = (i: number) => sqlIdent(`c${i}`);
const inputCol = (i: number) => `t.${col(i)}`;
/** The SQL of an input's column i, as it is stored (before a raw string is coalesced). */
type ColOf = (i: number) => string;

export function emitQuery(plan: PlanNode, ctx: EmitContext): string {
  const inner = emitNode(plan, ctx);
  const from = over(inner);
  // Kusto strings are never null: string columns still read raw from a table are coalesced here, once.
  const select = plan.schema.map((c, i) => `CAST(${refFor(inner.raw, from.colOf)(i)} AS ${sqlType(c.type)}) AS ${sqlIdent(c.name)}`).join(', ');
  const sql = from.select(select);
  if (sql.length > MAX_SQL_LENGTH) throw new SqlTooLargeError();
  return sql;
}

export function emitExpr(e: BoundExpr, ref: (i: number) => string, ctx: EmitContext): string {
  switch (e.k) {
    case 'lit':
      return literalSql(e.type, e.value);
    case 'col':
      return ref(e.index);
    case 'call':
    case 'agg': {
      // A pivot's row filter belongs to this aggregate call alone, not to anything in its arguments.
      const argCtx = ctx.aggregateFilter === undefined ? ctx : { ...ctx, aggregateFilter: undefined };
      const args: SqlArg[] = e.args.map((a) => {
        const arg: SqlArg = a.k === 'path' ? emitPathArg(a, ref, argCtx) : a.k === 'lit' ? { sql: emitExpr(a, ref, argCtx), type: a.type, literal: a } : { sql: emitExpr(a, ref, argCtx), type: a.type };
        if (!rowwise(a)) arg.notRowwise = true;
        return arg;
      });
      // a tabular argument (toscalar, in (subquery)) is passed last, as its SELECT
      if (e.k === 'call' && e.subquery) args.push({ sql: emitPlan(e.subquery, ctx), type: e.subquery.schema[0]!.type });
      const sql = e.fn.emit(args, ctx, e.type);
      if (sql.length > MAX_SQL_LENGTH) throw new SqlTooLargeError();
      return sql;
    }
    case 'path':
      return emitPathArg(e, ref, ctx).sql;
  }
}

/** Is the expression evaluated row by row, with no window function or aggregate in it? */
function rowwise(e: BoundExpr): boolean {
  switch (e.k) {
    case 'lit':
    case 'col':
      return true;
    case 'agg':
      return false;
    case 'call':
      return !e.fn.window && e.args.every(rowwise);
    case 'path':
      return rowwise(e.target) && e.steps.every((s) => typeof s !== 'object' || rowwise(s));
  }
}

function emitPathArg(e: Extract<BoundExpr, { k: 'path' }>, ref: (i: number) => string, ctx: EmitContext): SqlArg {
  const steps = e.steps.map((s) => (typeof s === 'object' ? { sql: emitExpr(s, ref, ctx), type: s.type } : s));
  const target = emitExpr(e.target, ref, ctx);
  const arg: SqlArg = { sql: pathSql(target, steps), type: e.type };
  const text = pathScalarText(target, steps);
  if (text !== undefined) arg.jsonText = text;
  return arg;
}

function selectList(exprs: string[]): string {
  return exprs.map((e, i) => `${e} AS ${col(i)}`).join(', ');
}

/**
 * ORDER BY for sort keys.  A real key sorts NaN with the nulls, between them and the numbers
 * (sort-operator.md: nulls first gives null, NaN, -inf … +inf ascending; nulls last gives
 * … NaN, null), where DuckDB puts NaN above +inf. That is already Kusto's order when DuckDB's
 * NaN end is the nulls' end (ascending with nulls last, descending with nulls first); otherwise the
 * key is negated and its direction flipped (-NaN is NaN, still the top): `x DESC NULLS LAST` sorts
 * as `-x ASC NULLS LAST` — numbers descending, then NaN, then null. One plain key, not a rank
 * expression before it: DuckDB's top-N then filters the scan by the key (×3–×10 faster over 1M rows).
 */
function orderBy(keys: PlanSortKey[], raw: Raw[], ctx: EmitContext, colOf: ColOf = inputCol): string {
  return keys
    .map((k) => {
      const e = emitExpr(k.expr, refFor(raw, colOf), ctx);
      const nulls = `NULLS ${k.nullsFirst ? 'FIRST' : 'LAST'}`;
      if (k.expr.type === 'real' && k.descending !== k.nullsFirst) return `(- ${e}) ${k.descending ? 'ASC' : 'DESC'} ${nulls}`;
      return `${e} ${k.descending ? 'DESC' : 'ASC'} ${nulls}`;
    })
    .join(', ');
}

function limitSql(count: BoundExpr, ctx: EmitContext): string {
  return `greatest(${emitExpr(count, () => 'NULL', ctx)}, 0)`;
}

/**
 * A plan node's SELECT, and which of its output columns are "raw": strings read from a table as
 * they are stored, where SQL NULL stands for Kusto's '' (Kusto strings are never null).
 *
 * Scans read string columns raw so that filters reach DuckDB's scan as plain comparisons on the
 * stored column (pushed into the scan, zone maps / Parquet statistics usable) and unused or
 * pass-through columns cost nothing.  A raw column keeps its rawness through filter, project,
 * extend (when passed through unchanged), sort, take and top; every other use of it reads
 * `coalesce(col, '')` (expressions, group keys, sort keys, aggregate arguments), as do distinct,
 * every operator of emit/ (`emitPlan`) and the outermost SELECT (`emitQuery`).  Filters
 * compare raw columns directly where NULL and '' give the same verdict (`emitPredicate`).
 */
/** How a column is still read as stored: a 'string' may be NULL for Kusto's ''. (Stored datetimes are the compiler's ticks already: types.ts.) */
type Raw = false | 'string';

interface Emitted {
  sql: string;
  raw: Raw[];
  /** Set when the relation is a table's rows as they are: see Flat. */
  flat?: Flat;
}

/**
 * A relation that is a table read as it is — column i is `cols[i]`, a column of `from` (aliased t),
 * its rows those where every condition of `where` holds: a scan, with the filters and plain column
 * projections over it. The operator that reads it writes its own clause into that same SELECT
 * (`SELECT count(*) FROM src AS t WHERE p`) instead of selecting from a nested one, which DuckDB
 * binds and plans for ~0.1 ms per level and runs as extra projections (bench/README.md, "The
 * compiler's SQL for common shapes"). Only filters and bare column references are merged, so no
 * expression is ever evaluated twice or moved past a window function.
 */
interface Flat {
  from: string;
  where: string[];
  cols: string[];
}

function flatEmitted(f: Flat, raw: Raw[]): Emitted {
  return { sql: flatSelect(f, selectList(f.cols)), raw, flat: f };
}

function flatSelect(f: Flat, select: string, tail = ''): string {
  return `SELECT ${select} FROM ${f.from} AS t${f.where.length ? ` WHERE ${f.where.join(' AND ')}` : ''}${tail}`;
}

/** How an operator reads its input: the input's columns, and its SELECT over them (in the same SELECT when the input is flat). */
function over(input: Emitted): { colOf: ColOf; select: (select: string, tail?: string) => string } {
  const f = input.flat;
  if (f) return { colOf: (i) => f.cols[i]!, select: (select, tail) => flatSelect(f, select, tail) };
  return { colOf: inputCol, select: (select, tail = '') => `SELECT ${select} FROM (${input.sql}) AS t${tail}` };
}

const notRaw = (plan: PlanNode): Raw[] => plan.schema.map(() => false);

/** Column i of the input `t`, read as Kusto reads it ('' for a NULL raw string). */
function refFor(raw: Raw[], colOf: ColOf = inputCol): (i: number) => string {
  return (i) => (raw[i] === 'string' ? `coalesce(${colOf(i)}, '')` : colOf(i));
}

/** A plan's SELECT with every column in Kusto form (strings never NULL): what the operator modules of emit/ read their inputs as. */
export function emitPlan(plan: PlanNode, ctx: EmitContext): string {
  return normalized(emitNode(plan, ctx));
}

function normalized(e: Emitted): string {
  if (!e.raw.some(Boolean)) return e.sql;
  return `SELECT ${selectList(e.raw.map((_, i) => refFor(e.raw)(i)))} FROM (${e.sql}) AS t`;
}

function emitNode(plan: PlanNode, ctx: EmitContext): Emitted {
  switch (plan.kind) {
    case 'scan': {
      const raw = plan.schema.map((c): Raw => (c.type === 'string' ? c.type : false));
      const where: string[] = [];
      const tf = plan.timeFilter;
      if (tf) {
        const time = `t.${sqlIdent(tf.column)}`;
        if (tf.startUs !== undefined) where.push(`${time} >= ${literalSql('datetime', ticksFromUnixMicros(tf.startUs))}`);
        if (tf.endUs !== undefined) where.push(`${time} < ${literalSql('datetime', ticksFromUnixMicros(tf.endUs))}`);
      }
      if (plan.schema.length === 0) return { sql: flatSelect({ from: plan.source, where, cols: [] }, 'NULL AS c0'), raw };
      return flatEmitted({ from: plan.source, where, cols: plan.schema.map((c) => `t.${sqlIdent(c.name)}`) }, raw);
    }
    case 'datatable': {
      if (plan.rows.length === 0) {
        return { sql: `SELECT ${selectList(plan.schema.map((c) => `CAST(NULL AS ${sqlType(c.type)})`))} WHERE FALSE`, raw: notRaw(plan) };
      }
      const rows = plan.rows.map((r) => `(${r.map((v, i) => `CAST(${emitExpr(v, () => 'NULL', ctx)} AS ${sqlType(plan.schema[i]!.type)})`).join(', ')})`);
      return { sql: `SELECT * FROM (VALUES ${rows.join(', ')}) AS v(${plan.schema.map((_, i) => col(i)).join(', ')})`, raw: notRaw(plan) };
    }
    case 'print':
      return {
        sql: plan.exprs.length ? `SELECT ${selectList(plan.exprs.map((e) => emitExpr(e, () => 'NULL', ctx)))}` : 'SELECT 1 AS c0 WHERE FALSE',
        raw: notRaw(plan),
      };
    case 'range':
      return { sql: emitRange(plan, ctx), raw: notRaw(plan) };
    case 'filter': {
      const input = emitNode(plan.input, ctx);
      const f = input.flat;
      if (f) return flatEmitted({ ...f, where: [...f.where, `(${emitPredicate(plan.predicate, input.raw, ctx, (i) => f.cols[i]!)})`] }, input.raw);
      return { sql: `SELECT * FROM (${input.sql}) AS t WHERE ${emitPredicate(plan.predicate, input.raw, ctx)}`, raw: input.raw };
    }
    case 'project': {
      const input = emitNode(plan.input, ctx);
      if (!plan.exprs.length) return { sql: `SELECT NULL AS c0 FROM (${input.sql}) AS t WHERE FALSE`, raw: [] };
      const f = input.flat;
      // project-away, -keep, -rename, -reorder: the same table, other columns
      if (f && plan.exprs.every((e) => e.k === 'col')) {
        const refs = plan.exprs as Extract<BoundExpr, { k: 'col' }>[];
        return flatEmitted({ ...f, cols: refs.map((e) => f.cols[e.index]!) }, refs.map((e) => input.raw[e.index] ?? false));
      }
      const from = over(input);
      const out = plan.exprs.map((e) => passThrough(e, input.raw, from.colOf) ?? { sql: emitExpr(e, refFor(input.raw, from.colOf), ctx), raw: false as Raw });
      return { sql: from.select(selectList(out.map((o) => o.sql))), raw: out.map((o) => o.raw) };
    }
    case 'extend': {
      const input = emitNode(plan.input, ctx);
      const from = over(input);
      // (columns past the input's are all assigned below)
      const out = plan.schema.map((_, i) => ({ sql: i < input.raw.length ? from.colOf(i) : '', raw: input.raw[i] ?? (false as Raw) }));
      for (const a of plan.assignments) out[a.index] = passThrough(a.expr, input.raw, from.colOf) ?? { sql: emitExpr(a.expr, refFor(input.raw, from.colOf), ctx), raw: false as Raw };
      return { sql: from.select(selectList(out.map((o) => o.sql))), raw: out.map((o) => o.raw) };
    }
    case 'aggregate': {
      const input = emitNode(plan.input, ctx);
      const ref = refFor(input.raw);
      const only = plan.aggregates.length === 1 ? plan.aggregates[0]! : undefined;
      if (only?.fn.pickRow && plan.keys.length > 0) {
        // summarize arg_max(key, …) by k: the row with the greatest key of each group
        // (the group keys and the ordering key are computed a level below, so that DuckDB sees plain
        // columns in the window and runs it as a top-1 per group)
        const k = (i: number) => sqlIdent(`__k${i}`);
        const o = sqlIdent('__o');
        const pick = only.fn.pickRow(aggregateArgs(only, input.raw, ctx));
        const keyed = `SELECT t.*, ${[...plan.keys.map((e, i) => `${emitExpr(e, ref, ctx)} AS ${k(i)}`), `${pick.key} AS ${o}`].join(', ')} FROM (${input.sql}) AS t`;
        const keys = plan.keys.map((_, i) => `t.${k(i)}`);
        // a group whose keys are all null still gives one of its rows (arg-max-aggregation-function.md, "null handling")
        const value = pick.row;
        const window = `row_number() OVER (PARTITION BY ${keys.join(', ')} ORDER BY t.${o} ${pick.descending ? 'DESC' : 'ASC'} NULLS LAST)`;
        return { sql: `SELECT ${selectList([...keys, value])} FROM (${keyed}) AS t QUALIFY ${window} = 1`, raw: notRaw(plan) };
      }
      const from = over(input);
      const exprs = [...plan.keys.map((e) => emitExpr(e, refFor(input.raw, from.colOf), ctx)), ...plan.aggregates.map((a) => emitAggregate(a, input.raw, ctx, from.colOf))];
      const groupBy = plan.keys.length ? ` GROUP BY ${plan.keys.map((_, i) => i + 1).join(', ')}` : '';
      return { sql: from.select(selectList(exprs), groupBy), raw: notRaw(plan) };
    }
    case 'sort': {
      const input = emitNode(plan.input, ctx);
      const f = input.flat;
      if (f) return { sql: flatSelect(f, selectList(f.cols), ` ORDER BY ${orderBy(plan.keys, input.raw, ctx, (i) => f.cols[i]!)}`), raw: input.raw };
      return { sql: `SELECT * FROM (${input.sql}) AS t ORDER BY ${orderBy(plan.keys, input.raw, ctx)}`, raw: input.raw };
    }
    case 'limit': {
      const input = emitNode(plan.input, ctx);
      const f = input.flat;
      if (f) return { sql: flatSelect(f, selectList(f.cols), ` LIMIT ${limitSql(plan.count, ctx)}`), raw: input.raw };
      return { sql: `SELECT * FROM (${input.sql}) AS t LIMIT ${limitSql(plan.count, ctx)}`, raw: input.raw };
    }
    case 'top': {
      const input = emitNode(plan.input, ctx);
      const f = input.flat;
      if (f) return { sql: flatSelect(f, selectList(f.cols), ` ORDER BY ${orderBy(plan.keys, input.raw, ctx, (i) => f.cols[i]!)} LIMIT ${limitSql(plan.count, ctx)}`), raw: input.raw };
      return { sql: `SELECT * FROM (${input.sql}) AS t ORDER BY ${orderBy(plan.keys, input.raw, ctx)} LIMIT ${limitSql(plan.count, ctx)}`, raw: input.raw };
    }
    case 'distinct':
      return { sql: `SELECT DISTINCT * FROM (${emitPlan(plan.input, ctx)}) AS t`, raw: notRaw(plan) };
    case 'count':
      return { sql: over(emitNode(plan.input, ctx)).select(`count(*) AS ${col(0)}`), raw: [false] as Raw[] };
    default:
      return { sql: emitOperator(plan, ctx), raw: notRaw(plan) };
  }
}

/** The operators beyond the relational core (plan-operators.ts): one emit module each, over normalized inputs. */
function emitOperator(plan: OperatorPlan, ctx: EmitContext): string {
  switch (plan.kind) {
    case 'union': return emitUnion(plan, ctx);
    case 'join': return emitJoin(plan, ctx);
    case 'lookup': return emitLookup(plan, ctx);
    case 'mvExpand': return emitMvExpand(plan, ctx);
    case 'mvApplySource': return emitMvApplySource(plan, ctx);
    case 'mvApply': return emitMvApply(plan, ctx);
    case 'partitionSource': return emitPartitionSource(plan);
    case 'partition': return emitPartition(plan, ctx);
    case 'parse': return emitParse(plan, ctx);
    case 'parseKv': return emitParseKv(plan, ctx);
    case 'makeSeries': return emitMakeSeries(plan, ctx);
    case 'topNested': return emitTopNested(plan, ctx);
    case 'bagUnpack': return emitBagUnpack(plan, ctx);
    case 'pivot': return emitPivot(plan, ctx);
    case 'narrow': return emitNarrow(plan, ctx);
    case 'rowsNear': return emitRowsNear(plan, ctx);
    case 'patternPlugin': return emitPatternPlugin(plan, ctx);
    case 'scanOperator': return emitScanOperator(plan, ctx);
    case 'consume': return emitConsume(plan, ctx);
    case 'sample': return emitSample(plan, ctx);
    case 'sampleDistinct': return emitSampleDistinct(plan, ctx);
    case 'reduce': return emitReduce(plan, ctx);
    case 'slidingWindowCounts':
    case 'activityCountsMetrics':
    case 'activeUsersCount':
    case 'activityMetrics':
    case 'rollingPercentile':
    case 'newActivityMetrics':
    case 'dcountIntersect':
    case 'funnelSequenceCompletion':
    case 'sessionCount': return emitActivityPlugin(plan, ctx);
    case 'matchLookup': return emitMatchLookup(plan, ctx);
    case 'graphToTable': return emitGraphToTable(plan, ctx);
    case 'graphMatch': return emitGraphMatch(plan, ctx);
    case 'graph': return refuseGraph();
  }
}

const POSITIVE_STRING_OPERATORS = new Set(
  ['contains', 'startswith', 'endswith', 'has', 'hasprefix', 'hassuffix'].flatMap((n) => [n, `${n}_cs`]).map((n) => OPERATORS.get(n)!),
);
const OP = {
  and: OPERATORS.get('and')!, or: OPERATORS.get('or')!, eq: OPERATORS.get('==')!, ne: OPERATORS.get('!=')!, in: OPERATORS.get('in')!,
  eqCi: OPERATORS.get('=~')!, isnotempty: SCALAR_FUNCTIONS.get('isnotempty')!,
};

/**
 * A where predicate.  Only its truth matters (NULL filters the row out like FALSE), so in the
 * positive positions of an and/or tree a raw string column may be compared as stored wherever
 * NULL gives the verdict that '' would: `col == 'x'` (x non-empty) is `col = 'x'`, `col has 'x'`
 * reads col raw, and so on.  Everything else is emitted as a value, with raw columns coalesced.
 */
function emitPredicate(e: BoundExpr, raw: Raw[], ctx: EmitContext, colOf: ColOf = inputCol): string {
  const asValue = () => emitExpr(e, refFor(raw, colOf), ctx);
  if (e.k !== 'call') return asValue();
  const [a, b] = e.args;
  if ((e.fn === OP.and || e.fn === OP.or) && a?.type === 'bool' && b?.type === 'bool') {
    return `(${emitPredicate(a, raw, ctx, colOf)} ${e.fn === OP.and ? 'AND' : 'OR'} ${emitPredicate(b, raw, ctx, colOf)})`;
  }
  const rawCol = (x: BoundExpr | undefined) => (x && x.k === 'col' && x.type === 'string' && raw[x.index] === 'string' ? colOf(x.index) : undefined);
  const strLit = (x: BoundExpr | undefined) => (x && x.k === 'lit' && x.type === 'string' && x.value !== null ? String(x.value) : undefined);
  if (e.fn === OP.eq || e.fn === OP.ne) {
    const c = rawCol(a) ?? rawCol(b);
    const v = rawCol(a) !== undefined ? strLit(b) : strLit(a);
    if (c === undefined || v === undefined) return asValue();
    const lit = literalSql('string', v);
    if (e.fn === OP.eq) return v === '' ? `(${c} IS NULL OR ${c} = '')` : `(${c} = ${lit})`;
    return v === '' ? `(${c} <> '')` : `(${c} IS NULL OR ${c} <> ${lit})`;
  }
  if (e.fn === OP.in) {
    const c = rawCol(a);
    const values = e.args.slice(1).map(strLit);
    if (c === undefined || values.length === 0 || values.some((v) => v === undefined)) return asValue();
    const inList = `${c} IN (${values.map((v) => literalSql('string', v!)).join(', ')})`;
    return values.includes('') ? `(${inList} OR ${c} IS NULL)` : `(${inList})`;
  }
  if (e.fn === OP.isnotempty) {
    const c = rawCol(a);
    return c === undefined ? asValue() : `(${c} <> '')`;
  }
  if (POSITIVE_STRING_OPERATORS.has(e.fn) || e.fn === OP.eqCi) {
    // '' never contains, starts or ends with, has, or equals (case-insensitively) a non-empty constant
    const c = rawCol(a);
    const v = strLit(b);
    if (c === undefined || v === undefined || v === '') return asValue();
    return e.fn.emit([{ sql: c, type: 'string' }, { sql: literalSql('string', v), type: 'string', literal: b as Extract<BoundExpr, { k: 'lit' }> }], ctx);
  }
  return asValue();
}

/** An aggregate call; arguments it takes as stored (rawStringArgsFrom) may be raw columns. */
function emitAggregate(a: BoundAggregate, raw: Raw[], ctx: EmitContext, colOf: ColOf = inputCol): string {
  if (a.fn.rawStringArgsFrom === undefined) return emitExpr(a, refFor(raw, colOf), ctx);
  const sql = a.fn.emit(aggregateArgs(a, raw, ctx, colOf), ctx);
  if (sql.length > MAX_SQL_LENGTH) throw new SqlTooLargeError();
  return sql;
}

function aggregateArgs(a: BoundAggregate, raw: Raw[], ctx: EmitContext, colOf: ColOf = inputCol): SqlArg[] {
  const from = a.fn.rawStringArgsFrom ?? a.args.length;
  return a.args.map((x, i) => {
    const sql = (i >= from && x.type === 'string' ? passThrough(x, raw, colOf)?.sql : undefined) ?? emitExpr(x, refFor(raw, colOf), ctx);
    return x.k === 'lit' ? { sql, type: x.type, literal: x } : { sql, type: x.type };
  });
}

/** A bare reference to a raw column passes through unchanged (and stays raw). */
function passThrough(e: BoundExpr, raw: Raw[], colOf: ColOf = inputCol): { sql: string; raw: Raw } | undefined {
  const r = e.k === 'col' ? raw[e.index] : false;
  return e.k === 'col' && r ? { sql: colOf(e.index), raw: r } : undefined;
}

/** range x from a to b step s (inclusive), via generate_series over the step index. */
function emitRange(plan: Extract<PlanNode, { kind: 'range' }>, ctx: EmitContext): string {
  const type = plan.schema[0]!.type;
  const lit = (e: BoundExpr) => emitExpr(e, () => 'NULL', ctx);
  const from = lit(plan.from), to = lit(plan.to), step = lit(plan.step);
  let count: string;
  let value: string;
  if (type === 'datetime') {
    count = `((${to} - ${from}) // ${step})`;
    value = datetimePlusSql(from, `(g.i * ${step})`);
  } else if (type === 'real') {
    count = `CAST(floor((CAST(${to} AS DOUBLE) - ${from}) / ${step}) AS BIGINT)`;
    value = `(CAST(${from} AS DOUBLE) + g.i * ${step})`;
  } else {
    count = `((CAST(${to} AS BIGINT) - ${from}) // ${step})`;
    value = `(CAST(${from} AS BIGINT) + g.i * ${step})`;
  }
  const n = `coalesce(CASE WHEN ${step} = 0 THEN -1 WHEN (${to} < ${from}) <> (${step} < 0) AND ${to} <> ${from} THEN -1 ELSE ${count} END, -1)`;
  return `SELECT ${value} AS ${col(0)} FROM generate_series(0, ${n}) AS g(i)`;
}
