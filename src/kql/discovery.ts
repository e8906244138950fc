/**
 * discovery.ts — the first phase of a two-phase compile.
 *
 * `evaluate bag_unpack(col)` and `evaluate pivot(col)` name their output columns after the data
 * (the bag's keys, the column's distinct values).  Over a stored table the binder cannot see them,
 * so it asks for a *discovery*: a statement over the operator's own input (the same bound plan,
 * so it reads only tables the query itself reads, already authorized by the resolver) that
 * returns the distinct names.  The caller runs it under its usual statement guard and limits,
 * and compiles again with the names in CompileOptions.discovered (compileDiscovering below).
 */
import type { EmitContext } from './bound.js';
import { emitQuery } from './emitter.js';
import { KqlError } from './errors.js';
import * as P from './planner.js';
import type { BoundExpr } from './bound.js';

/** At most this many columns come from one discovery (beyond → a 400). */
export const MAX_DISCOVERED_COLUMNS = 1000;

/** Thrown by the binder when it needs the names of a non-constant input (caught by compile()). */
export class DiscoveryNeeded extends Error {
  constructor(
    /** The key of CompileOptions.discovered: the operator's source offset, '#n' for its n-th binding. */
    readonly key: string,
    readonly plugin: 'bag_unpack' | 'pivot',
    /** The operator's input with one column: the bag (bag_unpack) or the pivot column (pivot). */
    readonly plan: P.PlanNode,
    /** What compile() throws when the caller cannot run a discovery (plain compile()). */
    readonly refusal: KqlError,
  ) {
    super(refusal.message);
  }
}

/** One discovery to run: `sql` returns one string column `v`, the distinct names sorted, at most MAX+1 rows. */
export interface DiscoveryStep {
  key: string;
  plugin: 'bag_unpack' | 'pivot';
  sql: string;
  /** Where the operator is, for errors about what was discovered. */
  line: number;
  column: number;
}

/** The input plan of a discovery: the operator's input reduced to the one expression whose names are needed. */
export function discoveryPlan(input: P.PlanNode, expr: BoundExpr): P.PlanNode {
  return P.project(input, [{ name: 'v', expr }]);
}

export function discoveryStep(d: DiscoveryNeeded, ctx: EmitContext): DiscoveryStep {
  const inner = emitQuery(d.plan, ctx);
  const limit = MAX_DISCOVERED_COLUMNS + 1;
  // bag_unpack: the keys of the rows whose bag is an object; pivot: the values as text (as emitPivot compares them), null as ''.
  const sql =
    d.plugin === 'bag_unpack'
      ? `SELECT DISTINCT k AS v FROM (SELECT unnest(json_keys(d."v")) AS k FROM (${inner}) AS d WHERE json_type(d."v") = 'OBJECT') AS x ORDER BY v LIMIT ${limit}`
      : `SELECT DISTINCT coalesce(CAST(d."v" AS VARCHAR), '') AS v FROM (${inner}) AS d ORDER BY v LIMIT ${limit}`;
  return { key: d.key, plugin: d.plugin, sql, line: d.refusal.line, column: d.refusal.column };
}

/** The names a discovery returned, checked against the cap and sorted as the constant-input path sorts them. */
export function discoveredNames(step: DiscoveryStep, names: string[]): string[] {
  if (names.length > MAX_DISCOVERED_COLUMNS) {
    const what = step.plugin === 'bag_unpack' ? 'the bag has more than' : 'the pivot column has more than';
    const hint = step.plugin === 'bag_unpack' ? 'use the output-schema form: evaluate bag_unpack(col) : (Key1:string, …)' : 'filter the input or use summarize with countif() per value';
    throw new KqlError('SemanticError', `${step.plugin}(): ${what} ${MAX_DISCOVERED_COLUMNS} distinct ${step.plugin === 'bag_unpack' ? 'keys' : 'values'}, each of which would be a column; ${hint} (line ${step.line}, column ${step.column})`, step.line, step.column);
  }
  return [...new Set(names)].sort();
}
