/**
 * discovery.ts — the first phase of a two-phase compile.
 *
 * `evaluate bag_unpack(col)` and `evaluate pivot(col)` name their output columns after the data
 * (the bag's keys, the column's distinct values).  Over a stored table the binder cannot see them,
 * so it asks for a *discovery*: a statement over the operator's own input (the same bound plan,
 * so it reads only tables the query itself reads, already authorized by the resolver) that
 * returns the distinct names.  The caller runs it under its usual statement guard and limits,
 * and compiles again with the names in CompileOptions.discovered (compileDiscovering in index.ts).
 */
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

/** One discovery to run (its SQL written by emit/discovery.ts): `sql` returns one string column `v`, the distinct names sorted, at most MAX+1 rows. */
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

/** The names a discovery returned, checked against the cap and sorted as the constant-input path sorts them. */
export function discoveredNames(step: DiscoveryStep, names: string[]): string[] {
  if (names.length > MAX_DISCOVERED_COLUMNS) {
    const what = step.plugin === 'bag_unpack' ? 'the bag has more than' : 'the pivot column has more than';
    const hint = step.plugin === 'bag_unpack' ? 'use the output-schema form: evaluate bag_unpack(col) : (Key1:string, …)' : 'filter the input or use summarize with countif() per value';
    throw new KqlError('SemanticError', `${step.plugin}(): ${what} ${MAX_DISCOVERED_COLUMNS} distinct ${step.plugin === 'bag_unpack' ? 'keys' : 'values'}, each of which would be a column; ${hint} (line ${step.line}, column ${step.column})`, step.line, step.column);
  }
  return [...new Set(names)].sort();
}
