/**
 * scan.ts — the scan operator (scan-operator.md): binding helpers and its plan node.  The SQL,
 * one statement, is written by emit/scan-operator.ts.
 *
 * The binder binds every step's condition and assignments against a "scan row": the record's
 * columns (input columns, then declared columns holding their defaults), followed by one copy of
 * those columns per step (`s_j.col`, the values the state holds for step j).  This module turns
 * the bound steps into SQL that runs the documented matching logic:
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
import type { BoundExpr } from './bound.js';
import type * as A from './ast.js';
import * as P from './planner.js';
import type { ColumnSchema, KqlType } from './types.js';

/** Name of the scan-row column for `step.column` (never a valid KQL identifier). */
export function stepColumnName(step: number, column: string): string {
  return `\u0000scan${step}\u0000${column}`;
}

/** `s1.x` (a member access on a step name) → a name of the scan row; everything else unchanged. */
export function rewriteStepRefs(e: A.Expr, steps: Map<string, number>): A.Expr {
  const r = (x: A.Expr): A.Expr => rewriteStepRefs(x, steps);
  switch (e.kind) {
    case 'member':
      if (e.target.kind === 'name' && steps.has(e.target.name)) return { kind: 'name', name: stepColumnName(steps.get(e.target.name)!, e.name), span: e.span };
      return { ...e, target: r(e.target) };
    case 'index':
      return { ...e, target: r(e.target), index: r(e.index) };
    case 'call':
      return { ...e, args: e.args.map(r) };
    case 'binary':
      return { ...e, left: r(e.left), right: r(e.right) };
    case 'unary':
      return { ...e, operand: r(e.operand) };
    case 'in':
      return { ...e, left: r(e.left), list: e.list.map(r) };
    case 'between':
      return { ...e, left: r(e.left), low: r(e.low), high: r(e.high) };
    default:
      return e;
  }
}

/** The schema expressions of a scan are bound against: the record, then one copy per step. */
export function scanRowSchema(record: ColumnSchema[], steps: number): ColumnSchema[] {
  const out = record.slice();
  for (let j = 1; j <= steps; j++) for (const c of record) out.push({ name: stepColumnName(j, c.name), type: c.type });
  return out;
}

export type { ScanStepSpec } from './plan-operators.js';

export interface ScanSpec {
  /** The record: input columns then declared columns. */
  record: ColumnSchema[];
  /** Number of input columns (the rest of `record` is declared). */
  inputWidth: number;
  /** Default value of each declared column (constant expressions). */
  defaults: BoundExpr[];
  steps: P.ScanStepSpec[];
  /** Append the match id column (with_match_id). */
  matchId?: string;
}

export function scanPlan(input: P.PlanNode, spec: ScanSpec, id: number): P.ScanOperatorPlan {
  const schema: ColumnSchema[] = [...spec.record, ...(spec.matchId !== undefined ? [{ name: spec.matchId, type: 'long' as KqlType }] : [])];
  return { kind: 'scanOperator', input, id, ...spec, schema, serialized: true };
}
