/**
 * binder.ts — gives the AST meaning: resolves table names (through the ONE
 * table resolver callback), column and let names, function names (through the
 * catalog), computes types, and builds the logical plan (planner.ts,
 * plan-operators.ts): bound expressions and plain data, never SQL — the
 * emitter (emitter.ts, emit/) writes the SQL from that tree.
 *
 * The binder is one class in layers, one module per job under bind/:
 * expressions → tabular (let, functions, tables, sources) → joins (union,
 * search, join, lookup) → evaluate → summarize (extend, summarize) →
 * operators; the statements of a query are bound here.
 *
 * Every table reference of every construct must go through `resolveTable`
 * (bind/tabular.ts) — that is where authorization is enforced by the caller's resolver.
 */
import type * as A from './ast.js';
import type { SourceText, Span } from './errors.js';
import * as P from './planner.js';
import { BIN_AUTO_OPTIONS } from './functions/bin-auto.js';
import { EMPTY_ROW, KNOWN_OPTIONS, Scope, type BindOptions, type BoundQuery, type TableResolver } from './bind/context.js';
import { GraphBinder, isGraph, NOT_A_TABLE } from './bind/graph.js';

export { commonType } from './types.js';
export { ResolverError, type BindOptions, type BoundQuery, type ResolvedTable, type TableResolver } from './bind/context.js';

export function bindQuery(ast: A.QueryAst, src: SourceText, resolver: TableResolver, options: BindOptions): BoundQuery {
  return new Binder(src, resolver, options).bindQuery(ast);
}

/** The binder: one layer per job (bind/expressions → tabular → joins → evaluate → summarize → operators → graph), and the query's statements here. */
class Binder extends GraphBinder {
  bindQuery(ast: A.QueryAst): BoundQuery {
    const scope = new Scope();
    let result: P.PlanNode | undefined;
    let results: BoundQuery['results'];
    let resultSpan: Span | undefined;
    for (const st of ast.statements) {
      if (st.kind === 'set') {
        if (BIN_AUTO_OPTIONS.has(st.name) && st.value) { this.binAutoOptions.set(st.name, this.bindExpr(st.value, EMPTY_ROW, scope)); continue; } // bin_auto()
        if (!KNOWN_OPTIONS.has(st.name)) throw this.error(st.span, `Unknown or unsupported query option '${st.name}' in set statement`);
        continue;
      }
      if (st.kind === 'let') {
        scope.define(st.name, this.bindLetValue(st.value, scope, st.name));
        continue;
      }
      if (result !== undefined) {
        throw this.error(st.span, 'Queries with more than one tabular expression statement (multiple result sets) are not supported');
      }
      this.render = undefined;
      resultSpan = st.span;
      if (st.expr.kind === 'pipe' && (st.expr.op.kind === 'fork' || st.expr.op.kind === 'facet')) {
        results = this.bindResultTables(this.bindTabular(st.expr.source, scope), st.expr.op, scope);
        result = results[0]!.plan;
        continue;
      }
      result = this.bindTabular(st.expr, scope);
    }
    if (result === undefined) {
      throw this.error(resultSpan ?? ast.span, 'The query has no tabular expression statement to produce a result');
    }
    if (isGraph(result)) throw this.error(resultSpan ?? ast.span, `The query's result is a graph: ${NOT_A_TABLE}`);
    const out: BoundQuery = { plan: result, tables: this.tables };
    if (results) out.results = results;
    if (this.render) out.render = this.render;
    return out;
  }

}
