/**
 * emit/scan-operator.ts — the scan operator (scan-operator.md) as one SQL statement:
 *
 *   - the serialized input is numbered and collected, in order, into one list of records;
 *   - `list_reduce` folds the records into the state (a STRUCT: per step an active flag, a match id
 *     and the slots s_1…s_K) and collects the output records;
 *   - within a record, steps are applied from the last to the first, each one a nested lambda whose
 *     parameter is the state left by the step before it (so no expression is duplicated).
 *
 * Outputs collect in blocks of BLOCK records (appending copies a list, so one flat list would cost
 * quadratic time).  DuckDB runs the fold on one thread: a scan costs time linear in its input.
 */
import type { EmitContext } from '../bound.js';
import { emitExpr, emitPlan } from '../emitter.js';
import type { ScanOperatorPlan } from '../plan-operators.js';
import { sqlIdent } from '../sql.js';
import { sqlType } from '../types.js';

/** Rows folded per recursion step. */
const BLOCK = 256;

export function emitScanOperator(plan: ScanOperatorPlan, ctx: EmitContext): string {
  return scanSql(emitPlan(plan.input, ctx), plan, ctx, plan.id);
}

const c = (i: number) => sqlIdent(`c${i}`);

function scanSql(inputSql: string, spec: ScanOperatorPlan, ctx: EmitContext, id: number): string {
  const IN = `sc${id}_in`, ST = `sc${id}_st`;
  const W = spec.record.length;
  const K = spec.steps.length;
  const recType = `STRUCT(${spec.record.map((col, i) => `${c(i)} ${sqlType(col.type)}`).join(', ')})`;
  const stepType = `STRUCT(a BOOLEAN, m BIGINT, ${Array.from({ length: K }, (_, j) => `s${j + 1} ${recType}`).join(', ')})`;
  const outType = `STRUCT(v ${recType}, m BIGINT)`;
  const lastSteps = spec.steps.map((s, k) => (s.output === 'last' ? k + 1 : 0)).filter((k) => k > 0);
  const accFields: [string, string][] = [
    ['r', recType],
    ['n', 'BIGINT'],
    ...Array.from({ length: K }, (_, j): [string, string] => [`st${j + 1}`, stepType]),
    ...lastSteps.map((k): [string, string] => [`p${k}`, outType]),
    ['o', `${outType}[]`],
    ['d', `${outType}[][]`],
  ];
  const cast = (sql: string, type: string) => `CAST(${sql} AS ${type})`;
  const struct = (values: Map<string, string>) => `{${accFields.map(([f, t]) => `'${f}': ${cast(values.get(f) ?? 'NULL', t)}`).join(', ')}}`;
  const defaults = spec.defaults.map((d) => emitExpr(d, () => 'NULL', ctx));
  const emptyRec = `{${spec.record.map((col, i) => `'c${i}': ${cast(i < spec.inputWidth ? 'NULL' : defaults[i - spec.inputWidth]!, sqlType(col.type))}`).join(', ')}}`;
  const emptyStep = `{'a': FALSE, 'm': CAST(NULL AS BIGINT), ${Array.from({ length: K }, (_, j) => `'s${j + 1}': ${emptyRec}`).join(', ')}}`;
  const same = (acc: string, except: Map<string, string>) => {
    const m = new Map<string, string>();
    for (const [f] of accFields) m.set(f, except.get(f) ?? `${acc}.${f}`);
    return struct(m);
  };

  // the state a step's expressions see: the record (x.r) and the slots of `state`
  const ref = (state: string) => (p: number) => (p < W ? `sc_x.r.${c(p)}` : `${state}.s${Math.floor(p / W)}.${c(p % W)}`);
  const extended = (k: number, state: string) => {
    const step = spec.steps[k - 1]!;
    return `{${spec.record.map((col, i) => {
      const a = step.assignments.get(i);
      return `'c${i}': ${cast(a ? emitExpr(a, ref(state), ctx) : `sc_x.r.${c(i)}`, sqlType(col.type))}`;
    }).join(', ')}}`;
  };

  // one step applied to the state `acc` (a lambda parameter): Check 1 then Check 2 of the docs
  const stage = (k: number, acc: string, depth: number): string => {
    const step = spec.steps[k - 1]!;
    const cond = (state: string) => `coalesce(CAST(${emitExpr(step.condition, ref(state), ctx)} AS BOOLEAN), FALSE)`;
    const prev = `${acc}.st${k - 1}`, cur = `${acc}.st${k}`;
    const f = `sc_f${depth}`;
    const check1 = k > 1 ? `(${prev}.a AND ${cond(prev)})` : 'FALSE';
    const check2 = `(${k === 1 ? 'TRUE' : `${cur}.a`} AND ${cond(cur)})`;
    const e1 = k > 1 ? extended(k, prev) : 'NULL';
    const e2 = extended(k, cur);
    // f.c1 / f.c2: which check matched; f.e: the extended record; f.m: its match id
    const newSeq = k === 1 ? `NOT ${cur}.a` : 'FALSE';
    const letSql = `{'c1': ${check1}, 'c2': ${check2}, 'e1': ${e1}, 'e2': ${e2}}`;
    const isC1 = `${f}.c1`, isC2 = `(NOT ${f}.c1 AND ${f}.c2)`;
    const ext = `(CASE WHEN ${isC1} THEN ${f}.e1 ELSE ${f}.e2 END)`;
    const mid = k > 1
      ? `(CASE WHEN ${isC1} THEN ${prev}.m ELSE ${cur}.m END)`
      : `(CASE WHEN ${newSeq} THEN ${acc}.n ELSE ${cur}.m END)`;
    const slots = (from: string) => Array.from({ length: K }, (_, j) => `'s${j + 1}': ${j + 1 === k ? ext : `${from}.s${j + 1}`}`).join(', ');
    const changed = new Map<string, string>();
    changed.set(`st${k}`, `(CASE ${k > 1 ? `WHEN ${isC1} THEN {'a': TRUE, 'm': ${mid}, ${slots(prev)}} ` : ''}WHEN ${isC2} THEN {'a': TRUE, 'm': ${mid}, ${slots(cur)}} ELSE ${cur} END)`);
    if (k > 1) changed.set(`st${k - 1}`, `(CASE WHEN ${isC1} THEN ${emptyStep} ELSE ${prev} END)`);
    if (k === 1) changed.set('n', `(CASE WHEN ${isC2} AND ${newSeq} THEN ${acc}.n + 1 ELSE ${acc}.n END)`);
    const matched = `(${isC1} OR ${isC2})`;
    const outRow = `{'v': ${ext}, 'm': ${mid}}`;
    // outputs, in time order: a promoted `last` step's pending record, a replaced pending record of
    // this step (a new sequence took its place), then this match's record
    const outs: string[] = [];
    if (k > 1 && spec.steps[k - 2]!.output === 'last') outs.push(`CASE WHEN ${isC1} AND ${acc}.p${k - 1} IS NOT NULL THEN [${acc}.p${k - 1}] ELSE [] END`);
    if (step.output === 'last') {
      outs.push(`CASE WHEN ${isC1} AND ${acc}.p${k} IS NOT NULL THEN [${acc}.p${k}] ELSE [] END`);
      changed.set(`p${k}`, `(CASE WHEN ${matched} THEN ${outRow} ELSE ${acc}.p${k} END)`);
    }
    if (k > 1 && spec.steps[k - 2]!.output === 'last') changed.set(`p${k - 1}`, `(CASE WHEN ${isC1} THEN NULL ELSE ${acc}.p${k - 1} END)`);
    if (step.output === 'all') outs.push(`CASE WHEN ${matched} THEN [${outRow}] ELSE [] END`);
    // outputs collect in blocks of BLOCK (appending copies a list: one flat list would cost
    // quadratic time); the last stage applied to a row (step 1) moves a full block to `d`
    const full = `len(${acc}.o) >= ${BLOCK}`;
    const o = k === 1 ? `(CASE WHEN ${full} THEN [] ELSE ${acc}.o END)` : `${acc}.o`;
    if (k === 1) changed.set('d', `(CASE WHEN ${full} THEN list_append(${acc}.d, ${acc}.o) ELSE ${acc}.d END)`);
    if (outs.length || k === 1) changed.set('o', outs.length ? `list_concat(${o}, ${outs.join(', ')})` : o);
    return `list_transform([${letSql}], lambda ${f}: ${same(acc, changed)})[1]`;
  };

  // steps from the last to the first, each a lambda over the state the previous one left
  let body = '';
  for (let k = K, depth = 0; k >= 1; k--, depth++) {
    const param = `sc_a${depth}`;
    body = depth === 0 ? stage(k, 'sc_acc', depth) : `list_transform([${body}], lambda ${param}: ${stage(k, param, depth)})[1]`;
  }
  const rowElem = (() => {
    const m = new Map<string, string>();
    m.set('r', `{${spec.record.map((col, i) => `'c${i}': ${cast(i < spec.inputWidth ? `t.${c(i)}` : defaults[i - spec.inputWidth]!, sqlType(col.type))}`).join(', ')}}`);
    return struct(m);
  })();
  const init = (() => {
    const m = new Map<string, string>();
    m.set('n', '0');
    for (let j = 1; j <= K; j++) m.set(`st${j}`, emptyStep);
    m.set('o', '[]');
    m.set('d', '[]');
    return struct(m);
  })();
  const outCols = [...spec.record.map((_, i) => `u.o.v.${c(i)}`), ...(spec.matchId !== undefined ? ['u.o.m'] : [])];
  const pending = lastSteps.map((k) => `f.acc.p${k}`);
  const all = `flatten(list_append(f.acc.d, list_concat(f.acc.o, list_filter([${pending.join(', ')}], lambda z: z IS NOT NULL))))`;
  return (
    `WITH ${IN} AS (SELECT row_number() OVER () AS sc_rn, t.* FROM (${inputSql}) AS t), ` +
    `${ST} AS MATERIALIZED (SELECT list_reduce(coalesce(list(${rowElem} ORDER BY t.sc_rn), []), lambda sc_acc, sc_x: ${body}, ${init}) AS acc FROM ${IN} AS t) ` +
    `SELECT ${outCols.map((x, i) => `${x} AS ${c(i)}`).join(', ')} FROM (` +
    `SELECT unnest(l.o) AS o, unnest(range(len(l.o))) AS j FROM (SELECT ${all} AS o FROM ${ST} AS f) AS l) AS u ORDER BY u.j`
  );
}
