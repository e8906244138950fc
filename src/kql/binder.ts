/**
 * binder.ts — gives the AST meaning: resolves table names (through the ONE
 * table resolver callback), column and let names, function names (through the
 * catalog), computes types, and builds the logical plan (planner.ts).
 *
 * Every table reference of every construct must go through `resolveTable`
 * below — that is where authorization is enforced by the caller's resolver.
 */
import type * as A from './ast.js';
import { BindFailure, type AggregateFunction, type ArgInfo, type BoundAggregate, type BoundCall, type BoundExpr, type BoundLiteral, type EmitContext } from './bound.js';
import { KqlError, SourceText, type Span } from './errors.js';
import { AGGREGATE_FUNCTIONS, columnNameOf, OPERATORS, SCALAR_FUNCTIONS } from './functions/index.js';
import { ALL_COLUMNS, bindRowFunction, ROW_FUNCTION_NAMES } from './functions/row.js';
import { BIN_AUTO_OPTIONS, bindBinAuto } from './functions/bin-auto.js';
import { FORK_SOURCE, MV_APPLY_SOURCE, parse, PARTITION_SOURCE, SEARCH_TERM } from './parser.js';
import { kustoRegexToRe2 } from './regex.js';
import * as P from './planner.js';
import { jsonPointer, regexEscape, regexNegatedClass, sqlIdent, sqlString } from './sql.js';
import { EPOCH_TICKS, toDynamicSql, toStringSql } from './sqlexpr.js';
import * as T from './tabular.js';
import { rewriteStepRefs, scanPlan, scanRowSchema, type ScanStepSpec } from './scan.js';
import { emitExpr } from './emitter.js';
import { wildcardMatcher } from './wildcards.js';
import { patternPluginPlan } from './pattern-plugins.js';
import { commonType, isIntegral, isNumeric, numericPromote, sqlType, type ColumnSchema, type KqlType } from './types.js';

export interface ResolvedTable {
  /** A FROM-clause source, already quoted by the caller (e.g. via sqlIdent). */
  sql: string;
  columns: ColumnSchema[];
}

export interface TableResolver {
  /** Returns undefined for unknown tables; may throw (e.g. authorization errors), which propagates unchanged. */
  resolveTable(name: string): ResolvedTable | undefined;
  /**
   * Optional: the names of the tables the caller may read.  Wildcard table references
   * (`union App*`, `union *`, `search "x"`, `search in (T*) …`) expand to these names only
   * (each is still resolved through resolveTable); without listTables wildcards match nothing.
   */
  listTables?(): string[];
  /**
   * Optional: cross-scope references `workspace('id').Table`, `resource('id').Table`
   * (`app('id').Table` is passed as kind 'resource').  Same contract as resolveTable;
   * when absent such references are a SemanticError.
   */
  resolveQualifiedTable?(kind: 'workspace' | 'resource', id: string, table: string): ResolvedTable | undefined;
}

export interface BindOptions {
  timespan?: { startUs?: bigint; endUs?: bigint };
}

export interface BoundQuery {
  plan: P.PlanNode;
  /** Every result table, when the query has several (fork, facet); `plan` is the first. */
  results?: { name: string; plan: P.PlanNode }[];
  tables: string[];
  render?: { visualization: string; [k: string]: unknown };
}

/** Carries an error thrown by the caller's resolver through the compiler untouched. */
export class ResolverError extends Error {
  constructor(readonly original: unknown) {
    super('table resolver error');
  }
}

type ScopeEntry =
  | { kind: 'scalar'; expr: BoundExpr }
  | { kind: 'tabular'; plan: P.PlanNode }
  | { kind: 'function'; name: string; def: A.FunctionDef; scope: Scope };

/** Query options accepted by `set` (they don't change results here). */
const KNOWN_OPTIONS = new Set([
  'notruncation', 'truncationmaxrecords', 'truncationmaxsize', 'querytrace', 'query_take_max_records', 'servertimeout', 'norequesttimeout',
  'maxmemoryconsumptionperiterator', 'max_memory_consumption_per_query_per_node', 'maxoutputcolumns', 'query_results_cache_max_age',
  'query_results_cache_force_refresh', 'query_datascope', 'best_effort', 'query_fanout_nodes_percent', 'query_fanout_threads_percent',
  'request_app_name', 'request_description', 'request_readonly', 'request_user', 'deferpartialqueryfailures', 'query_language',
  'request_block_row_level_security', 'query_distribution_nodes_span', 'query_weakconsistency_session_id', 'queryconsistency',
]);

/** Whether an expression calls a window function computed in two stages (T.STAGED_WINDOWS). */
function containsStagedWindow(e: BoundExpr): boolean {
  if (e.k === 'call') return T.STAGED_WINDOWS.has(e.fn) || e.args.some(containsStagedWindow);
  if (e.k === 'path') return containsStagedWindow(e.target) || e.steps.some((s) => typeof s === 'object' && containsStagedWindow(s));
  return false;
}
/** A call to a function that returns several columns (ScalarFunction.outputs). */
function severalColumns(e: BoundExpr): e is BoundCall {
  return e.k === 'call' && e.fn.outputs !== undefined;
}
/** The conversion that reads one output of a several-column function as its type. */
const OUTPUT_CONVERSIONS: Record<KqlType, string> = {
  bool: 'tobool', int: 'toint', long: 'tolong', real: 'todouble', decimal: 'todecimal', string: 'tostring',
  datetime: 'todatetime', timespan: 'totimespan', guid: 'toguid', dynamic: 'todynamic',
};

/** The frame of a running window: from the first row to the current one. */
const RUNNING = 'ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW';
const WINDOW_NAMES = new Set(['row_number', 'prev', 'next', 'row_cumsum', 'row_rank_dense', 'row_rank_min']);
const MAX_CALL_DEPTH = 64;

/** Names visible to a statement: let bindings, innermost last. */
class Scope {
  private readonly vars = new Map<string, ScopeEntry>();
  constructor(private readonly parent?: Scope) {}
  lookup(name: string): ScopeEntry | undefined {
    return this.vars.get(name) ?? this.parent?.lookup(name);
  }
  /** All names visible (innermost wins), for wildcard matching of views. */
  entries(): [string, ScopeEntry][] {
    const m = new Map<string, ScopeEntry>(this.parent ? this.parent.entries() : []);
    for (const [k, v] of this.vars) m.set(k, v);
    return [...m];
  }
  define(name: string, entry: ScopeEntry): void {
    this.vars.set(name, entry);
  }
}

/** The row an expression is evaluated against. */
interface RowContext {
  schema: ColumnSchema[];
  /** Aggregates are allowed (summarize aggregate list). */
  aggregates: boolean;
  /** Window functions are allowed (the row set is serialized). */
  serialized?: boolean;
  /** search kind=case_sensitive */
  searchCs?: boolean;
  /** extend: the first columns of `schema` that are the operator's input (pack_all() packs only these). */
  inputColumns?: number;
}

const EMPTY_ROW: RowContext = { schema: [], aggregates: false };

export function bindQuery(ast: A.QueryAst, src: SourceText, resolver: TableResolver, options: BindOptions): BoundQuery {
  return new Binder(src, resolver, options).bindQuery(ast);
}

class Binder {
  private readonly tables: string[] = [];
  private render: BoundQuery['render'];
  /** `set query_bin_auto_size/at = …` values, for bin_auto() (functions/bin-auto.ts). */
  private readonly binAutoOptions = new Map<string, BoundExpr>();
  private callDepth = 0;
  /** Partition operators bound so far (names their SQL CTEs uniquely). */
  private partitions = 0;

  constructor(private readonly src: SourceText, private readonly resolver: TableResolver, private readonly options: BindOptions) {}

  private error(span: Span, message: string): KqlError {
    return this.src.semanticError(span, message);
  }

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
    const out: BoundQuery = { plan: result, tables: this.tables };
    if (results) out.results = results;
    if (this.render) out.render = this.render;
    return out;
  }

  private bindLetValue(value: A.Expr | A.TabularExpr | A.FunctionDef, scope: Scope, name: string): ScopeEntry {
    switch (value.kind) {
      case 'function':
        return { kind: 'function', name, def: value, scope };
      case 'tableRef':
      case 'datatable':
      case 'print':
      case 'range':
      case 'pipe':
      case 'tcall':
      case 'qref':
      case 'unionSource':
      case 'searchSource':
        // A let-bound tabular expression has no name of its own: union/search withsource call it
        // union_arg<i> / search_arg<i>, as Kusto does (a plain table reference keeps the table's name).
        return { kind: 'tabular', plan: this.bindTabular(value, scope) };
      case 'subquery':
        return { kind: 'tabular', plan: this.bindTabular(value.query, scope) };
      case 'name': {
        // `let x = y;` — y may be a let (scalar/tabular) or a table
        const e = scope.lookup(value.name);
        if (e) return e;
        return { kind: 'tabular', plan: this.resolveTable(value.name, value.span, scope) };
      }
      case 'call': {
        const r = this.bindCallOrTabular(value, EMPTY_ROW, scope);
        return r;
      }
      default:
        return { kind: 'scalar', expr: this.bindExpr(value, EMPTY_ROW, scope) };
    }
  }

  private withAsName(plan: P.PlanNode, name: string): P.PlanNode {
    return plan.asName === undefined ? { ...plan, asName: name } : plan;
  }

  /** A call that may be tabular (materialize, table, view/let functions returning tables) or scalar. */
  private bindCallOrTabular(e: A.CallExpr, row: RowContext, scope: Scope): { kind: 'scalar'; expr: BoundExpr } | { kind: 'tabular'; plan: P.PlanNode } {
    const entry = scope.lookup(e.name);
    if (entry?.kind === 'function') return this.invokeFunction(entry, e.args, row, scope, e.nameSpan);
    if (e.name === 'materialize' || e.name === 'table' || e.name === 'view') {
      return { kind: 'tabular', plan: this.bindSource({ kind: 'tcall', name: e.name, nameSpan: e.nameSpan, args: e.args, span: e.span }, scope) };
    }
    return { kind: 'scalar', expr: this.bindExpr(e, row, scope) };
  }

  /**
   * Invokes a let function: binds the arguments in the caller's context, then the body in the
   * function's own (definition) scope with the parameters defined.  `input` is the piped table
   * of `T | invoke f(…)` (bound to the first, tabular, parameter).
   */
  private invokeFunction(
    entry: Extract<ScopeEntry, { kind: 'function' }>, args: A.Expr[], row: RowContext, scope: Scope, span: Span, input?: P.PlanNode,
  ): { kind: 'scalar'; expr: BoundExpr } | { kind: 'tabular'; plan: P.PlanNode } {
    if (this.callDepth >= MAX_CALL_DEPTH) throw this.error(span, `Recursive or too deeply nested calls of function '${entry.name}' are not supported`);
    const def = entry.def;
    const fnScope = new Scope(entry.scope);
    const params = def.params.slice();
    if (input) {
      const first = params.shift();
      if (!first || first.type !== 'tabular') throw this.error(span, `invoke: the function '${entry.name}' must have a tabular first parameter`);
      this.checkTabularParam(entry.name, first, input, span);
      fnScope.define(first.name, { kind: 'tabular', plan: input });
    }
    // positional then named arguments
    const given = new Map<string, A.Expr>();
    let pos = 0;
    for (const a of args) {
      if (a.kind === 'binary' && a.op === '=' && a.left.kind === 'name') {
        if (!params.some((p) => p.name === (a.left as A.NameExpr).name)) throw this.error(a.span, `The function '${entry.name}' has no parameter named '${a.left.name}'`);
        given.set(a.left.name, a.right);
        continue;
      }
      let p = params[pos++];
      while (p && given.has(p.name)) p = params[pos++]; // a positional argument after a named one takes the next free parameter
      if (!p) throw this.error(a.span, `The function '${entry.name}' expects ${params.length} argument${params.length === 1 ? '' : 's'}, got ${args.length}`);
      given.set(p.name, a);
    }
    for (const p of params) {
      const a = given.get(p.name);
      if (p.type === 'tabular') {
        if (!a) throw this.error(span, `The function '${entry.name}' expects a tabular argument for parameter '${p.name}'`);
        const plan = this.bindTabularArg(a, scope);
        this.checkTabularParam(entry.name, p, plan, a.span);
        fnScope.define(p.name, { kind: 'tabular', plan });
        continue;
      }
      let v: BoundExpr;
      if (a) v = this.bindExpr(a, row, scope);
      else if (p.default) v = this.bindExpr(p.default, EMPTY_ROW, entry.scope);
      else throw this.error(span, `The function '${entry.name}' expects a value for parameter '${p.name}'`);
      fnScope.define(p.name, { kind: 'scalar', expr: this.coerceParam(entry.name, p, v, a?.span ?? span) });
    }
    this.callDepth++;
    try {
      for (const l of def.lets) fnScope.define(l.name, this.bindLetValue(l.value, fnScope, l.name));
      const body = def.body;
      if (isTabularAst(body)) return { kind: 'tabular', plan: this.withAsName(this.bindTabular(body, fnScope), entry.name) };
      if (body.kind === 'name') {
        const e = fnScope.lookup(body.name);
        if (e?.kind === 'tabular' || (!e && !row.schema.some((c) => c.name === body.name))) {
          return { kind: 'tabular', plan: this.withAsName(this.resolveTable(body.name, body.span, fnScope), entry.name) };
        }
      }
      if (body.kind === 'call') return this.bindCallOrTabular(body, { schema: [], aggregates: false }, fnScope);
      return { kind: 'scalar', expr: this.bindExpr(body, { schema: [], aggregates: false }, fnScope) };
    } finally {
      this.callDepth--;
    }
  }

  private checkTabularParam(fn: string, p: A.FunctionParam, plan: P.PlanNode, span: Span): void {
    for (const c of p.columns ?? []) {
      if (!plan.schema.some((x) => x.name === c.name && x.type === c.type)) {
        throw this.error(span, `The function '${fn}': the tabular argument for '${p.name}' has no column '${c.name}' of type '${c.type}'`);
      }
    }
  }

  private coerceParam(fn: string, p: A.FunctionParam, v: BoundExpr, span: Span): BoundExpr {
    const want = p.type as KqlType;
    if (v.type === want) return v;
    if (v.k === 'lit' && v.value === null) return { k: 'lit', type: want, value: null };
    const conv: Partial<Record<KqlType, string>> = { long: 'tolong', int: 'toint', real: 'toreal', decimal: 'todecimal', dynamic: 'todynamic', string: 'tostring' };
    if ((isNumeric(v.type) && isNumeric(want)) || want === 'dynamic' || (want === 'string' && v.type === 'dynamic')) {
      const f = SCALAR_FUNCTIONS.get(conv[want] ?? '');
      if (f) return { k: 'call', fn: f, args: [v], type: want };
    }
    throw this.error(span, `The function '${fn}' expects parameter '${p.name}' of type '${want}', got '${v.type}'`);
  }

  /** A tabular argument: a subquery, or a name of a table / tabular let. */
  private bindTabularArg(a: A.Expr, scope: Scope): P.PlanNode {
    if (a.kind === 'subquery') return this.bindTabular(a.query, scope);
    if (a.kind === 'name') return this.resolveTable(a.name, a.span, scope);
    if (a.kind === 'call') {
      const r = this.bindCallOrTabular(a, EMPTY_ROW, scope);
      if (r.kind === 'tabular') return r.plan;
    }
    throw this.error(a.span, 'A tabular expression is expected here');
  }

  // ───────────── tables ─────────────

  /** THE table resolution path: let-bound tabular names first, then the caller's resolver. */
  private resolveTable(name: string, span: Span, scope: Scope): P.PlanNode {
    const entry = scope.lookup(name);
    if (entry?.kind === 'tabular') return entry.plan;
    if (entry?.kind === 'scalar') throw this.error(span, `'${name}' is a scalar value, not a tabular expression`);
    if (entry?.kind === 'function') {
      if (entry.def.params.some((p) => !p.default)) throw this.error(span, `The function '${name}' must be called with arguments: ${name}(…)`);
      const r = this.invokeFunction(entry, [], EMPTY_ROW, scope, span);
      if (r.kind !== 'tabular') throw this.error(span, `'${name}' is a scalar function, not a tabular expression`);
      return r.plan;
    }
    return this.resolveStoredTable(name, span);
  }

  /** Resolves a table through the caller's resolver (the authorization hook). */
  private resolveStoredTable(name: string, span: Span, fuzzy = false): P.PlanNode {
    let resolved: ResolvedTable | undefined;
    try {
      resolved = this.resolver.resolveTable(name);
    } catch (err) {
      throw new ResolverError(err); // e.g. authorization — compile() rethrows the original unchanged
    }
    if (!resolved) {
      if (fuzzy) return undefined as unknown as P.PlanNode;
      throw this.error(span, `Failed to resolve table or column expression named '${name}'`);
    }
    if (!this.tables.includes(name)) this.tables.push(name);
    return { ...P.scan(name, resolved.sql, resolved.columns, this.options.timespan), asName: name };
  }

  /** `workspace('id').T` / `resource('id').T` / `app('id').T` through resolveQualifiedTable. */
  private resolveQualified(t: A.QualifiedRefNode): P.PlanNode {
    const kind = t.qkind === 'workspace' ? 'workspace' : 'resource';
    if (!this.resolver.resolveQualifiedTable) throw this.error(t.span, `Cross-${kind} queries (${t.qkind}('…').${t.table}) are not supported by this service`);
    let resolved: ResolvedTable | undefined;
    try {
      resolved = this.resolver.resolveQualifiedTable(kind, t.id, t.table);
    } catch (err) {
      throw new ResolverError(err);
    }
    if (!resolved) throw this.error(t.span, `Failed to resolve table expression named '${t.qkind}('${t.id}').${t.table}'`);
    const label = `${t.qkind}('${t.id}').${t.table}`;
    if (!this.tables.includes(label)) this.tables.push(label);
    return { ...P.scan(label, resolved.sql, resolved.columns, this.options.timespan), asName: t.table };
  }

  /** Names matching a wildcard pattern: tables from listTables (only), plus views/tabular lets in scope. */
  private expandWildcard(pattern: string, scope: Scope): { name: string; plan: () => P.PlanNode | undefined }[] {
    const matches = wildcardMatcher(pattern);
    const out: { name: string; plan: () => P.PlanNode | undefined }[] = [];
    const seen = new Set<string>();
    for (const [name, e] of scope.entries()) {
      if (!matches(name)) continue;
      if (e.kind === 'function' && e.def.view && e.def.params.length === 0) {
        seen.add(name);
        out.push({ name, plan: () => this.resolveTable(name, { start: 0, end: 0 }, scope) });
      }
    }
    let names: string[] = [];
    if (this.resolver.listTables) {
      try {
        names = this.resolver.listTables();
      } catch (err) {
        throw new ResolverError(err);
      }
    }
    for (const name of [...names].sort()) {
      if (typeof name !== 'string' || seen.has(name) || !matches(name)) continue;
      seen.add(name);
      out.push({ name, plan: () => this.resolveStoredTable(name, { start: 0, end: 0 }, true) });
    }
    return out;
  }

  // ───────────── tabular expressions ─────────────

  private bindTabular(t: A.TabularExpr, scope: Scope): P.PlanNode {
    // Pipelines are left-deep; walk them iteratively (their length is bounded by the parser).
    const ops: A.PipeNode[] = [];
    let cur: A.TabularExpr = t;
    while (cur.kind === 'pipe') {
      ops.push(cur);
      cur = cur.source;
    }
    let plan = this.bindSource(cur, scope);
    for (let i = ops.length - 1; i >= 0; i--) {
      const op = ops[i]!.op;
      if (this.render && op.kind !== 'render') throw this.error(op.span, "The 'render' operator must be the last operator of the query");
      plan = this.bindOperator(plan, op, scope);
      if (plan.schema.length === 0) throw this.error(op.span, 'The operator produces a table without columns');
    }
    return plan;
  }

  private bindSource(t: Exclude<A.TabularExpr, A.PipeNode>, scope: Scope): P.PlanNode {
    switch (t.kind) {
      case 'tableRef':
        if (t.name === MV_APPLY_SOURCE || t.name === PARTITION_SOURCE || t.name === FORK_SOURCE) {
          const e = scope.lookup(t.name);
          if (e?.kind === 'tabular') return e.plan;
        }
        return this.resolveTable(t.name, t.span, scope);
      case 'qref':
        return this.resolveQualified(t);
      case 'unionSource':
        return this.bindUnion(undefined, t.op, scope);
      case 'searchSource':
        return this.bindSearch(undefined, t.op, scope);
      case 'tcall': {
        const entry = scope.lookup(t.name);
        if (entry?.kind === 'function') {
          const r = this.invokeFunction(entry, t.args, EMPTY_ROW, scope, t.nameSpan);
          if (r.kind !== 'tabular') throw this.error(t.nameSpan, `The function '${t.name}' returns a scalar value, not a table`);
          return r.plan;
        }
        if (t.name === 'materialize' || t.name === 'view') {
          if (t.args.length !== 1) throw this.error(t.nameSpan, `${t.name}() expects one tabular argument`);
          return this.bindTabularArg(t.args[0]!, scope);
        }
        if (t.name === '_GetWatchlist') return this.bindGetWatchlist(t, scope);
        if (t.name === 'table') {
          const a = t.args[0];
          if (t.args.length < 1 || t.args.length > 2 || a?.kind !== 'literal' || a.type !== 'string') throw this.error(t.nameSpan, 'table() expects a table name as a string literal');
          return this.resolveTable(String(a.value), a.span, scope);
        }
        throw this.error(t.nameSpan, `Unknown function: '${t.name}'`);
      }
      case 'datatable':
        return this.bindDatatable(t, scope);
      case 'print': {
        const names = new Names();
        const cols = t.items.map((item, i) => {
          const expr = this.bindScalar(item.expr, EMPTY_ROW, scope);
          const name = item.names ? this.singleName(item, names) : names.unique(`print_${i}`);
          return { name, expr };
        });
        return P.print(cols.map((c) => ({ name: c.name, type: c.expr.type })), cols.map((c) => c.expr));
      }
      case 'range': {
        const from = this.bindScalar(t.from, EMPTY_ROW, scope);
        const to = this.bindScalar(t.to, EMPTY_ROW, scope);
        const step = this.bindScalar(t.step, EMPTY_ROW, scope);
        let type: KqlType;
        if (from.type === 'datetime') {
          if (to.type !== 'datetime' || step.type !== 'timespan') throw this.error(t.span, 'range: a datetime range needs a datetime end and a timespan step');
          type = 'datetime';
        } else if (from.type === 'timespan') {
          if (to.type !== 'timespan' || step.type !== 'timespan') throw this.error(t.span, 'range: a timespan range needs a timespan end and step');
          type = 'timespan';
        } else if (isNumeric(from.type) && isNumeric(to.type) && isNumeric(step.type) && from.type !== 'decimal' && to.type !== 'decimal' && step.type !== 'decimal') {
          type = numericPromote(numericPromote(from.type, to.type), step.type);
        } else {
          throw this.error(t.span, `range: unsupported types ${from.type}, ${to.type}, ${step.type}`);
        }
        return P.range(t.column, type, from, to, step);
      }
    }
  }

  private bindDatatable(t: A.DatatableNode, scope: Scope): P.PlanNode {
    if (t.external) {
      throw this.error(
        t.span,
        'externaldata is not supported: Vigil queries never read from outside the workspace (URLs, storage accounts). Ingest the reference data into a custom table (or a watchlist) and query that table instead',
      );
    }
    const schema = t.columns.map((c) => ({ name: c.name, type: c.type }));
    if (schema.length === 0) throw this.error(t.span, 'datatable: at least one column is required');
    const seen = new Set<string>();
    for (const c of t.columns) {
      if (seen.has(c.name)) throw this.error(c.span, `A column named '${c.name}' is declared more than once`);
      seen.add(c.name);
    }
    if (t.values.length % schema.length !== 0) {
      throw this.error(t.span, `datatable: the number of values (${t.values.length}) is not a multiple of the number of columns (${schema.length})`);
    }
    const rows: BoundExpr[][] = [];
    for (let r = 0; r < t.values.length / schema.length; r++) {
      const row: BoundExpr[] = [];
      for (let c = 0; c < schema.length; c++) {
        const ast = t.values[r * schema.length + c]!;
        const v = this.bindScalar(ast, EMPTY_ROW, scope);
        const want = schema[c]!.type;
        if (v.k !== 'lit') throw this.error(ast.span, 'datatable values must be literals');
        row.push(this.coerceLiteral(v, want, ast.span));
      }
      rows.push(row);
    }
    return P.datatable(schema, rows);
  }

  /** Converts a literal to a datatable column type (numeric widening, anything → dynamic). */
  private coerceLiteral(v: BoundLiteral, want: KqlType, span: Span): BoundExpr {
    if (v.type === want) return v;
    if (v.value === null) return { k: 'lit', type: want, value: want === 'string' ? '' : null };
    if (isNumeric(v.type) && isNumeric(want)) {
      if (want === 'real') return { k: 'lit', type: want, value: Number(v.value) };
      if (want === 'decimal') return { k: 'lit', type: want, value: String(v.value) };
      if (isIntegral(want) && typeof v.value === 'bigint') {
        if (want === 'int' && (v.value < -(2n ** 31n) || v.value >= 2n ** 31n)) throw this.error(span, `the value ${v.value} is out of range for int`);
        return { k: 'lit', type: want, value: v.value };
      }
      if (isIntegral(want) && typeof v.value === 'number' && Number.isInteger(v.value)) return { k: 'lit', type: want, value: BigInt(v.value) };
    }
    if (want === 'dynamic') {
      const fn = SCALAR_FUNCTIONS.get('todynamic')!;
      return { k: 'call', fn, args: [v], type: 'dynamic' };
    }
    throw this.error(span, `datatable: a value of type '${v.type}' cannot be stored in a column of type '${want}'`);
  }

  // ───────────── operators ─────────────

  private bindOperator(input: P.PlanNode, op: A.Operator, scope: Scope): P.PlanNode {
    const row: RowContext = { schema: input.schema, aggregates: false, serialized: P.isSerialized(input) };
    switch (op.kind) {
      case 'where': {
        const pred = this.requireBool(this.bindScalar(op.predicate, row, scope), op.predicate.span, 'where');
        if (containsWindow(pred)) {
          // window functions can't be evaluated in WHERE: compute them in a column first
          const ext = P.extend(input, [{ name: '\u0000w', expr: pred }]);
          const f = P.filter(ext, P.columnRef(ext, input.schema.length));
          return P.project(f, input.schema.map((c, i) => ({ name: c.name, expr: P.columnRef(f, i) })));
        }
        return P.filter(input, pred);
      }
      case 'project': {
        const names = new Names();
        // Staged windows and several-column functions are computed in hidden columns beneath the projection.
        let staged = input;
        const bound = op.items.map((item) => {
          const expr = this.bindScalar(item.expr, row, scope);
          if (!containsStagedWindow(expr)) return expr;
          const h = this.hoistStagedWindows(staged, expr);
          staged = h.plan;
          return h.expr;
        });
        const multi = bound.flatMap((expr, i) => (severalColumns(expr) ? [i] : []));
        const base = multi.length ? P.extend(staged, multi.map((i, k) => ({ name: `\u0000m${k}`, expr: bound[i]! }))) : staged;
        const cols = op.items.flatMap((item, i) => {
          const k = multi.indexOf(i);
          if (k < 0) return [{ name: this.columnName(item, bound[i]!, names), expr: bound[i]! }];
          return this.outputColumns(item, bound[i] as BoundCall, P.columnRef(base, staged.schema.length + k), names, true);
        });
        return P.project(base, cols);
      }
      case 'extend':
        return this.bindExtend(input, op, scope);
      case 'summarize':
        return this.bindSummarize(input, op, scope);
      case 'take':
        return P.limit(input, this.bindCount(op.count, scope));
      case 'sort':
        return P.sort(input, op.keys.map((k) => this.bindSortKey(k, row, scope)));
      case 'top':
        return P.top(input, this.bindCount(op.count, scope), [this.bindSortKey(op.key, row, scope)]);
      case 'count':
        return P.count(input);
      case 'distinct': {
        if (op.star) return P.distinct(input);
        const names = new Names();
        const cols = op.items.map((item) => {
          const expr = this.bindScalar(item.expr, row, scope);
          return { name: this.columnName(item, expr, names), expr };
        });
        return P.distinct(P.project(input, cols));
      }
      case 'project-away': {
        const drop = new Set<number>();
        for (const p of op.patterns) for (const i of this.matchPattern(input.schema, p)) drop.add(i);
        const keep = input.schema.map((c, i) => ({ name: c.name, expr: P.columnRef(input, i) })).filter((_, i) => !drop.has(i));
        return P.project(input, keep);
      }
      case 'project-keep': {
        const keepIdx = new Set<number>();
        for (const p of op.patterns) for (const i of this.matchPattern(input.schema, p)) keepIdx.add(i);
        const keep = input.schema.map((c, i) => ({ name: c.name, expr: P.columnRef(input, i) })).filter((_, i) => keepIdx.has(i));
        return P.project(input, keep);
      }
      case 'project-reorder': {
        const order: number[] = [];
        for (const p of op.patterns) {
          let idx = this.matchPattern(input.schema, p.pattern).filter((i) => !order.includes(i));
          if (p.order) {
            idx = idx.sort((a, b) => (input.schema[a]!.name < input.schema[b]!.name ? -1 : 1));
            if (p.order === 'desc') idx.reverse();
          }
          order.push(...idx);
        }
        input.schema.forEach((_, i) => {
          if (!order.includes(i)) order.push(i);
        });
        return P.project(input, order.map((i) => ({ name: input.schema[i]!.name, expr: P.columnRef(input, i) })));
      }
      case 'project-rename': {
        const cols = input.schema.map((c, i) => ({ name: c.name, expr: P.columnRef(input, i) }));
        for (const r of op.renames) {
          const i = input.schema.findIndex((c) => c.name === r.oldName);
          if (i < 0) throw this.error(r.span, `Failed to resolve scalar expression named '${r.oldName}'`);
          cols[i]!.name = r.newName;
        }
        const seen = new Set<string>();
        for (const c of cols) {
          if (seen.has(c.name)) throw this.error(op.span, `project-rename: a column named '${c.name}' already exists`);
          seen.add(c.name);
        }
        return P.project(input, cols);
      }
      case 'union':
        return this.bindUnion(input, op, scope);
      case 'join':
        return this.bindJoin(input, op, scope);
      case 'lookup':
        return this.bindLookup(input, op, scope);
      case 'as':
        scope.define(op.name, { kind: 'tabular', plan: { ...input, asName: op.name } });
        return { ...input, asName: op.name };
      case 'serialize': {
        const ser = { ...input, serialized: true } as P.PlanNode;
        if (op.items.length === 0) return ser;
        const ext = this.bindExtend(ser, { kind: 'extend', items: op.items, span: op.span }, scope);
        return ext;
      }
      case 'mv-expand':
        return this.bindMvExpand(input, op, scope);
      case 'mv-apply':
        return this.bindMvApply(input, op, scope);
      case 'partition':
        return this.bindPartition(input, op, scope);
      case 'top-hitters':
        return this.bindTopHitters(input, op, scope);
      case 'consume':
        // reads its input; returns its columns and no rows
        return P.generic('consume', [input], input.schema, ([sql]) => `SELECT * FROM (${sql}) AS cs WHERE FALSE`, false);
      case 'parse':
      case 'parse-where':
        return this.bindParse(input, op, scope);
      case 'parse-kv':
        return this.bindParseKv(input, op, scope);
      case 'make-series':
        return this.bindMakeSeries(input, op, scope);
      case 'search':
        return this.bindSearch(input, op, scope);
      case 'getschema': {
        const rows = input.schema.map((c, i) => [
          { k: 'lit', type: 'string', value: c.name },
          { k: 'lit', type: 'int', value: BigInt(i) },
          { k: 'lit', type: 'string', value: DOTNET_TYPES[c.type] },
          { k: 'lit', type: 'string', value: c.type },
        ] as BoundExpr[]);
        const gs = P.datatable([{ name: 'ColumnName', type: 'string' }, { name: 'ColumnOrdinal', type: 'int' }, { name: 'DataType', type: 'string' }, { name: 'ColumnType', type: 'string' }], rows);
        gs.serialized = true;
        return gs;
      }
      case 'sample': {
        const n = this.bindCount(op.count, scope);
        return P.generic('sample', [input], input.schema, ([sql], ctx) => `SELECT * FROM (${sql}) AS t ORDER BY random() LIMIT greatest(${emitExprLit(n, ctx)}, 0)`, false);
      }
      case 'sample-distinct': {
        const n = this.bindCount(op.count, scope);
        const col = this.bindScalar(op.column, row, scope);
        const name = col.k === 'col' ? col.name : this.derivedName(col, new Names());
        const proj = P.project(input, [{ name, expr: col }]);
        return P.generic('sample-distinct', [proj], proj.schema, ([sql], ctx) => `SELECT DISTINCT * FROM (${sql}) AS t LIMIT greatest(${emitExprLit(n, ctx)}, 0)`, false);
      }
      case 'top-nested':
        return this.bindTopNested(input, op, scope);
      case 'evaluate':
        return this.bindEvaluate(input, op, scope);
      case 'scan':
        return this.bindScan(input, op, scope);
      case 'fork':
      case 'facet':
        throw this.error(op.span, `${op.kind}: it returns several result tables, so it can only be the last operator of the query's tabular statement`);
      case 'invoke': {
        const entry = scope.lookup(op.call.name);
        if (entry?.kind !== 'function') throw this.error(op.call.nameSpan, `Unknown function: '${op.call.name}'`);
        const r = this.invokeFunction(entry, op.call.args, EMPTY_ROW, scope, op.call.nameSpan, input);
        if (r.kind !== 'tabular') throw this.error(op.call.nameSpan, `invoke: the function '${op.call.name}' must return a table`);
        return r.plan;
      }
      case 'render': {
        const props: Record<string, unknown> = {};
        for (const p of op.properties) {
          const v = this.bindScalar(p.value, EMPTY_ROW, scope);
          if (v.k !== 'lit') throw this.error(p.value.span, `render: the value of '${p.name}' must be a constant`);
          props[p.name] = typeof v.value === 'bigint' ? Number(v.value) : v.value;
        }
        this.render = { visualization: op.visualization, ...props };
        return input;
      }
    }
  }

  // ───────────── union / join / lookup / search ─────────────

  private bindUnion(input: P.PlanNode | undefined, op: A.UnionOp, scope: Scope): P.PlanNode {
    const legs: T.UnionLegPlan[] = [];
    if (input) legs.push({ plan: input, source: input.asName ?? 'union_arg0' });
    for (const leg of op.legs) {
      if (leg.kind === 'pattern') {
        for (const m of this.expandWildcard(leg.pattern, scope)) {
          const plan = m.plan();
          if (plan) legs.push({ plan, source: m.name });
        }
        continue;
      }
      let plan: P.PlanNode;
      try {
        plan = this.bindTabular(leg.expr, scope);
      } catch (err) {
        if (op.isfuzzy && err instanceof KqlError && /Failed to resolve table/.test(err.message)) continue;
        throw err;
      }
      legs.push({ plan, source: plan.asName ?? `union_arg${legs.length}` });
    }
    if (legs.length === 0) {
      const what = op.legs.map((l) => (l.kind === 'pattern' ? l.pattern : this.src.slice(l.span))).join(', ');
      throw this.error(op.span, `Failed to resolve table expression named '${what}'`);
    }
    if (legs.length === 1 && op.withsource === undefined && !input) return legs[0]!.plan;
    return T.unionPlan(legs, op.unionKind, op.withsource);
  }

  private bindSearch(input: P.PlanNode | undefined, op: A.SearchOp, scope: Scope): P.PlanNode {
    let sources: T.UnionLegPlan[];
    if (input) {
      if (op.tables) throw this.error(op.span, "search: 'in (…)' can't be combined with a piped input");
      sources = [{ plan: input, source: input.asName ?? 'search_arg0' }];
    } else {
      const legs: A.UnionLeg[] = op.tables ?? [{ kind: 'pattern', pattern: '*', span: op.span }];
      sources = [];
      for (const leg of legs) {
        if (leg.kind === 'pattern') {
          for (const m of this.expandWildcard(leg.pattern, scope)) {
            const plan = m.plan();
            if (plan) sources.push({ plan, source: m.name });
          }
        } else {
          const plan = this.bindTabular(leg.expr, scope);
          sources.push({ plan, source: plan.asName ?? `search_arg${sources.length}` });
        }
      }
    }
    if (op.find) return this.bindFind(sources, op, op.find, scope);
    // filter each source by the predicate (columns differ per table), then union with $table
    const filtered: T.UnionLegPlan[] = [];
    for (const src of sources) {
      const row: RowContext = { schema: src.plan.schema, aggregates: false, searchCs: op.caseSensitive };
      let pred: BoundExpr;
      try {
        pred = this.requireBool(this.bindScalar(op.predicate, row, scope), op.predicate.span, 'search');
      } catch (err) {
        // a column named in the predicate that this table lacks: the table contributes no rows
        if (sources.length > 1 && err instanceof KqlError && /Failed to resolve scalar expression/.test(err.message)) continue;
        throw err;
      }
      filtered.push({ plan: P.filter(src.plan, pred), source: src.source });
    }
    if (filtered.length === 0) {
      return P.datatable([{ name: '$table', type: 'string' }], []);
    }
    return T.unionPlan(filtered, 'outer', '$table');
  }

  /**
   * `find` (find-operator.md): each source is filtered by the predicate — a source that has none of
   * the columns the predicate names is left out, and the columns it lacks read as null — then
   * shaped to find's output: the source column, then with project-smart the predicate's columns and
   * the columns common to every source, the rest packed into `pack_`; with `project` the listed
   * columns (null where a source lacks one) and, for pack_all(), the others in `pack_`.
   */
  private bindFind(sources: T.UnionLegPlan[], op: A.SearchOp, out: A.FindOutput, scope: Scope): P.PlanNode {
    const typeOf = (name: string): KqlType | undefined => {
      for (const s of sources) {
        const c = s.plan.schema.find((x) => x.name === name);
        if (c) return c.type;
      }
      return undefined;
    };
    const has = (plan: P.PlanNode, name: string) => plan.schema.some((c) => c.name === name);
    const predCols = namesIn(op.predicate).filter((n) => typeOf(n) !== undefined);
    // a term or `* has …` looks at every column: then no source is left out for lacking the named ones
    const everyColumn = searchesEveryColumn(op.predicate);
    const filtered: { plan: P.PlanNode; source: string; own: ColumnSchema[] }[] = [];
    for (const src of sources) {
      let plan = src.plan;
      if (predCols.length > 0 && !everyColumn && !predCols.some((c) => has(plan, c))) continue;
      const missing = predCols.filter((c) => !has(plan, c));
      if (missing.length) plan = P.extend(plan, missing.map((name) => ({ name, expr: { k: 'lit', type: typeOf(name)!, value: null } as BoundLiteral })));
      const row: RowContext = { schema: plan.schema, aggregates: false };
      const pred = this.requireBool(this.bindScalar(op.predicate, row, scope), op.predicate.span, 'find');
      filtered.push({ plan: P.filter(plan, pred), source: src.source, own: src.plan.schema });
    }
    let explicit: ColumnSchema[];
    let pack: boolean;
    if (!out.project) {
      const common = (filtered[0]?.own ?? []).filter((c) => filtered.every((f) => f.own.some((x) => x.name === c.name && x.type === c.type)));
      explicit = [...predCols.map((name) => ({ name, type: typeOf(name)! }))];
      for (const c of common) if (!explicit.some((x) => x.name === c.name)) explicit.push(c);
      pack = true;
    } else {
      explicit = out.project.columns.map((c) => {
        const types = new Set(filtered.flatMap((f) => f.own.filter((x) => x.name === c.name).map((x) => x.type)));
        if (!c.type && types.size > 1) throw this.error(c.span, `find: the column '${c.name}' has several types (${[...types].join(', ')}); name one, as ${c.name}:type`);
        return { name: c.name, type: c.type ?? [...types][0] ?? 'string' };
      });
      pack = out.project.packAll;
    }
    const CONVERT: Record<KqlType, string> = {
      bool: 'tobool', int: 'toint', long: 'tolong', real: 'toreal', decimal: 'todecimal', string: 'tostring',
      datetime: 'todatetime', timespan: 'totimespan', guid: 'toguid', dynamic: 'todynamic',
    };
    const legs: T.UnionLegPlan[] = filtered.map((f) => {
      const cols = explicit.map((c) => {
        const i = f.own.findIndex((x) => x.name === c.name);
        if (i < 0) return { name: c.name, expr: { k: 'lit', type: c.type, value: null } as BoundExpr };
        const ref = P.columnRef(f.plan, f.plan.schema.findIndex((x) => x.name === c.name));
        return { name: c.name, expr: ref.type === c.type ? ref : this.call(SCALAR_FUNCTIONS.get(CONVERT[c.type])!, [ref], op.span) };
      });
      if (pack) {
        const rest = f.own.filter((c) => !explicit.some((x) => x.name === c.name));
        const args: BoundExpr[] = [];
        for (const c of rest) args.push({ k: 'lit', type: 'string', value: c.name }, P.columnRef(f.plan, f.plan.schema.findIndex((x) => x.name === c.name)));
        cols.push({ name: 'pack_', expr: this.call(SCALAR_FUNCTIONS.get('bag_pack')!, args, op.span) });
      }
      return { plan: P.project(f.plan, cols), source: f.source };
    });
    if (legs.length === 0) {
      return P.datatable([{ name: out.withsource, type: 'string' }, ...explicit, ...(pack ? [{ name: 'pack_', type: 'dynamic' as KqlType }] : [])], []);
    }
    return T.unionPlan(legs, 'outer', out.withsource);
  }

  /**
   * Microsoft Sentinel's `_GetWatchlist('alias')`: the current items of a watchlist, from the
   * Watchlist table (read through the resolver like any table): `_DTItemId`, `LastUpdatedTimeUTC`,
   * `SearchKey` and the item as `WatchlistItem`. Sentinel also spreads the item's own columns; their
   * names depend on the data, so here they are read as `WatchlistItem.Column`.
   */
  private bindGetWatchlist(t: A.TabularCallNode, scope: Scope): P.PlanNode {
    if (t.args.length !== 1) throw this.error(t.nameSpan, '_GetWatchlist() expects the watchlist alias');
    const alias = this.bindExpr(t.args[0]!, EMPTY_ROW, scope);
    if (alias.type !== 'string') throw this.error(t.args[0]!.span, `_GetWatchlist(): the alias must be a string, got '${alias.type}'`);
    const inner = new Scope(scope);
    inner.define(WATCHLIST_ALIAS, { kind: 'scalar', expr: alias });
    watchlistQuery ??= (parse(WATCHLIST_KQL).ast.statements[0] as A.TabularStatement).expr;
    return this.bindTabular(watchlistQuery, inner);
  }

  /** Join conditions → pairs of (left column, right column). */
  private joinKeys(left: P.PlanNode, right: P.PlanNode, on: A.Expr[], what: string): { l: number; r: number }[] {
    const conds: A.Expr[] = [];
    const flatten = (e: A.Expr) => {
      if (e.kind === 'binary' && e.op === 'and') {
        flatten(e.left);
        flatten(e.right);
      } else conds.push(e);
    };
    on.forEach(flatten);
    const find = (plan: P.PlanNode, name: string, side: string, span: Span) => {
      const i = plan.schema.findIndex((c) => c.name === name);
      if (i < 0) throw this.error(span, `${what}: Failed to resolve column named '${name}' on the ${side} side`);
      return i;
    };
    const sideOf = (e: A.Expr): { side: '$left' | '$right'; name: string } | undefined => {
      if (e.kind === 'member' && e.target.kind === 'name' && (e.target.name === '$left' || e.target.name === '$right')) return { side: e.target.name, name: e.name };
      return undefined;
    };
    const keys: { l: number; r: number }[] = [];
    for (const c of conds) {
      let l: number, r: number;
      if (c.kind === 'name') {
        l = find(left, c.name, 'left', c.span);
        r = find(right, c.name, 'right', c.span);
      } else if (c.kind === 'binary' && c.op === '==' && sideOf(c.left) && sideOf(c.right) && sideOf(c.left)!.side !== sideOf(c.right)!.side) {
        const a = sideOf(c.left)!, b = sideOf(c.right)!;
        const ln = a.side === '$left' ? a : b, rn = a.side === '$left' ? b : a;
        l = find(left, ln.name, 'left', c.span);
        r = find(right, rn.name, 'right', c.span);
      } else {
        throw this.error(c.span, `${what}: only equality conditions between columns ('Key' or '$left.a == $right.b') are supported`);
      }
      const lt = left.schema[l]!.type, rt = right.schema[r]!.type;
      if (lt !== rt && !((lt === 'int' || lt === 'long' || lt === 'real') && (rt === 'int' || rt === 'long' || rt === 'real'))) {
        throw this.error(c.span, `${what}: the key '${left.schema[l]!.name}' has type '${lt}' on the left side and '${rt}' on the right side`);
      }
      if (lt === 'dynamic') throw this.error(c.span, `${what}: a join key can't be of type dynamic`);
      keys.push({ l, r });
    }
    if (keys.length === 0) throw this.error(on[0]?.span ?? { start: 0, end: 0 }, `${what}: at least one join condition is required`);
    return keys;
  }

  private bindJoin(input: P.PlanNode, op: A.JoinOp, scope: Scope): P.PlanNode {
    const right = this.bindTabular(op.right, scope);
    return T.joinPlan(input, right, op.joinKind, this.joinKeys(input, right, op.on, 'join'));
  }

  private bindLookup(input: P.PlanNode, op: A.LookupOp, scope: Scope): P.PlanNode {
    const right = this.bindTabular(op.right, scope);
    return T.lookupPlan(input, right, op.lookupKind, this.joinKeys(input, right, op.on, 'lookup'));
  }

  // ───────────── mv-expand / mv-apply ─────────────

  private mvItems(input: P.PlanNode, items: A.MvExpandItem[], scope: Scope, what: string): { schema: ColumnSchema[]; items: T.MvItem[] } {
    const row: RowContext = { schema: input.schema, aggregates: false };
    const schema = input.schema.slice();
    const names = new Names(schema.map((c) => c.name));
    const out: T.MvItem[] = [];
    for (const it of items) {
      const expr = this.bindScalar(it.expr, row, scope);
      if (expr.type !== 'dynamic') throw this.error(it.expr.span, `${what}: the expression to expand must be of type dynamic, got '${expr.type}'`);
      const name = it.name ?? (expr.k === 'col' ? expr.name : this.derivedName(expr, names));
      names.add(name);
      let index = schema.findIndex((c) => c.name === name);
      if (index < 0) index = schema.length;
      const type = it.toType ?? 'dynamic';
      schema[index] = { name, type };
      out.push({ expr, index, type });
    }
    return { schema, items: out };
  }

  private bindMvExpand(input: P.PlanNode, op: A.MvExpandOp, scope: Scope): P.PlanNode {
    const { schema, items } = this.mvItems(input, op.items, scope, 'mv-expand');
    let itemIndex: number | undefined;
    if (op.itemIndex !== undefined) {
      itemIndex = schema.length;
      schema.push({ name: op.itemIndex, type: 'long' });
    }
    const limit = op.limit ? this.bindCount(op.limit, scope) : undefined;
    return T.mvExpandPlan(input, items, schema, op.bagKind, itemIndex, limit);
  }

  /**
   * mv-apply: a LATERAL subquery per input row.  The subquery's source is the expansion of the
   * current row's arrays (correlated on the outer alias), so operators like top/summarize apply
   * per row.  Output: input columns not produced by the subquery, then the subquery's columns.
   */
  private bindMvApply(input: P.PlanNode, op: A.MvApplyOp, scope: Scope): P.PlanNode {
    const { schema: expSchema, items } = this.mvItems(input, op.items, scope, 'mv-apply');
    const srcSchema = items.map((it) => expSchema[it.index]!);
    if (op.itemIndex !== undefined) srcSchema.push({ name: op.itemIndex, type: 'long' });
    const limit = op.limit ? this.bindCount(op.limit, scope) : undefined;
    const outer = `mva${this.callDepth}_${input.schema.length}`;
    const source = P.generic('mv-apply-source', [], srcSchema, (_i, ctx) => {
      const lists = items.map((it) => `(${T.exprSql(it.expr, outer, ctx)})`);
      const x = lists.map((l) => expandListSql(l));
      const exprs = items.map((it, k) => (it.type === 'dynamic' ? `unnest(${x[k]})` : mvCastSql(`unnest(${x[k]})`, it.type)));
      const n = x.length === 1 ? `len(${x[0]})` : `greatest(${x.map((l) => `len(${l})`).join(', ')})`;
      const sel = [...exprs.map((e, i) => `${e} AS ${T.C(i)}`), `unnest(range(${n})) AS ${T.C(items.length)}`];
      let sql = `SELECT ${sel.join(', ')}`;
      if (limit) sql = `SELECT * FROM (${sql}) AS lim WHERE lim.${T.C(items.length)} < ${emitExprLit(limit, ctx)}`;
      if (op.itemIndex === undefined) sql = `SELECT ${items.map((_, i) => `q.${T.C(i)}`).join(', ')} FROM (${sql}) AS q`;
      return sql;
    });
    const inner = new Scope(scope);
    inner.define(MV_APPLY_SOURCE, { kind: 'tabular', plan: source });
    const body = this.bindTabular(op.body, inner);
    const keep = input.schema.map((c, i) => ({ c, i })).filter(({ c }) => !body.schema.some((b) => b.name === c.name));
    const schema = [...keep.map(({ c }) => c), ...body.schema];
    return P.generic('mv-apply', [input, body], schema, ([inSql, bodySql]) => {
      const exprs = [...keep.map(({ i }) => `${outer}.${T.C(i)}`), ...body.schema.map((_, i) => `s.${T.C(i)}`)];
      return `SELECT ${T.selectList(exprs)} FROM (${inSql}) AS ${outer}, LATERAL (${bodySql}) AS s`;
    }, false);
  }

  /**
   * partition by Column ( subquery ): the subquery runs once per distinct Column value over the
   * rows with that value (PARTITION_SOURCE), and the results are unioned. In SQL: the input as a
   * CTE, its distinct keys, and the subquery joined LATERAL to each key. The `{ … }` form (a
   * subquery with its own source, the legacy strategy) is refused.
   */
  private bindPartition(input: P.PlanNode, op: A.PartitionOp, scope: Scope): P.PlanNode {
    if (op.withSource) throw this.error(op.span, "partition: a subquery with its own source ({ … }) is not supported; write the subquery as a transformation of the partition: partition by Column ( operators )");
    const k = input.schema.findIndex((c) => c.name === op.column);
    if (k < 0) throw this.error(op.columnSpan, `partition: unknown column '${op.column}'`);
    if (input.schema[k]!.type === 'dynamic') throw this.error(op.columnSpan, 'partition: the partition key cannot be of type dynamic');
    const id = this.partitions++;
    const cte = `pin${id}`, keys = `pkey${id}`;
    const source = P.generic('partition-source', [], input.schema, () => `SELECT * FROM ${cte} AS p WHERE p.${T.C(k)} IS NOT DISTINCT FROM ${keys}.pk`, P.isSerialized(input));
    const inner = new Scope(scope);
    inner.define(PARTITION_SOURCE, { kind: 'tabular', plan: source });
    const body = this.bindTabular(op.body, inner);
    return P.generic('partition', [input, body], body.schema, ([inSql, bodySql]) =>
      `WITH ${cte} AS (${inSql}) SELECT ${T.selectList(body.schema.map((_, i) => `s.${T.C(i)}`))} FROM (SELECT DISTINCT ${T.C(k)} AS pk FROM ${cte}) AS ${keys}, LATERAL (${bodySql}) AS s`, false);
  }

  /** top-hitters N of V [by S] = summarize approximate_count_V = count() (or approximate_sum_S = sum(S)) by V | top N by it desc (exact here). */
  private bindTopHitters(input: P.PlanNode, op: A.TopHittersOp, scope: Scope): P.PlanNode {
    const nameOf = (e: A.Expr) => (e.kind === 'name' ? e.name : undefined);
    const valueName = nameOf(op.value) ?? 'Value';
    const aggName = op.by ? `approximate_sum_${nameOf(op.by) ?? valueName}` : `approximate_count_${valueName}`;
    const span = op.span;
    const agg: A.Expr = { kind: 'call', name: op.by ? 'sum' : 'count', nameSpan: span, args: op.by ? [op.by] : [], span };
    const summarize: A.SummarizeOp = {
      kind: 'summarize',
      aggregates: [{ names: [{ name: aggName, span }], expr: agg, span }],
      by: [nameOf(op.value) ? { expr: op.value, span } : { names: [{ name: valueName, span }], expr: op.value, span }],
      span,
    };
    const summarized = this.bindOperator(input, summarize, scope);
    return this.bindOperator(summarized, { kind: 'top', count: op.count, key: { expr: { kind: 'name', name: aggName, span }, order: 'desc', span }, span }, scope);
  }

  // ───────────── parse / parse-where / parse-kv ─────────────

  private bindParse(input: P.PlanNode, op: A.ParseOp, scope: Scope): P.PlanNode {
    const row: RowContext = { schema: input.schema, aggregates: false };
    let src = this.bindScalar(op.source, row, scope);
    if (src.type !== 'string') src = { k: 'call', fn: SCALAR_FUNCTIONS.get('tostring')!, args: [src], type: 'string' };
    // build the regex and remember the group of each column
    let re = '';
    let groups = 0;
    const cols: { name: string; type: KqlType; group: number; span: Span }[] = [];
    op.parts.forEach((part, i) => {
      const last = i === op.parts.length - 1;
      if (part.kind === 'text') {
        re += op.parseKind === 'regex' ? kustoRegexToRe2(part.value) : regexEscape(part.value);
        if (op.parseKind === 'regex') groups += T.countGroups(part.value);
      } else if (part.kind === 'star') {
        // A trailing * (simple/relaxed) may match nothing, so it never decides a match or a capture:
        // it is left out, which spares the regex engine from scanning the rest of every string.
        if (op.parseKind !== 'regex' && last) return;
        re += op.parseKind === 'regex' ? '.*' : last ? '.*' : '.*?';
      } else {
        groups++;
        cols.push({ name: part.name, type: part.type, group: groups, span: part.span });
        if (op.parseKind === 'relaxed' && (part.type === 'int' || part.type === 'long' || part.type === 'real' || part.type === 'decimal')) {
          // relaxed: a partial (prefix) match of the typed value; anything else up to the next delimiter is skipped
          re += '(' + this.parseColumnRegex(part.type, 'simple', last) + ')?' + (last ? '.*' : '.*?');
        } else re += '(' + this.parseColumnRegex(part.type, op.parseKind, last) + ')';
      }
    });
    if (op.parseKind !== 'regex' && !/\.\*\??$/.test(re) && op.parts[op.parts.length - 1]?.kind === 'text') {
      // simple/relaxed: trailing text must match; anything may follow
    }
    // A simple/relaxed pattern that starts with * or a string column matches, if anywhere, from the
    // start of the string or of a line ('.' stops at newlines), so the unanchored search is the same
    // as an anchored one that may first skip whole lines (shortest first, whatever the flags): RE2
    // runs anchored patterns much faster.
    const first = op.parts[0];
    if (op.parseKind !== 'regex' && (first?.kind === 'star' || (first?.kind === 'column' && first.type === 'string'))) re = '\\A(?s-U:(?:.*?\\n)??)' + re;
    if (op.flags) re = `(?${op.flags})` + re;
    if (groups > 9) throw this.error(op.span, `${op.kind}: the pattern has ${groups} capture groups; at most 9 are supported`);
    if (cols.length === 0) throw this.error(op.span, `${op.kind}: the pattern declares no columns`);
    const schema = input.schema.slice();
    const colIdx = cols.map((c) => {
      let i = schema.findIndex((x) => x.name === c.name);
      if (i < 0) i = schema.length;
      schema[i] = { name: c.name, type: c.type };
      return i;
    });
    const strict = op.parseKind !== 'relaxed';
    // Every typed (non-string) value converts to null from '' (what a failed match yields), so when a
    // strict pattern has one, its conversion succeeding proves the match and regexp_matches is not needed.
    const needMatched = !strict || cols.every((c) => c.type === 'string');
    const maxGroup = Math.max(...cols.map((c) => c.group));
    const g = (k: number) => sqlString(`g${k}`);
    const P_ = sqlIdent('__p'), M_ = sqlIdent('__m'), V = (k: number) => sqlIdent(`__v${k}`);
    return P.generic(op.kind, [input], schema, ([sql], ctx) => {
      const s = `(${T.exprSql(src, 't', ctx)})`;
      const pat = sqlString(re);
      // simple/relaxed: one regex evaluation extracts every group (a struct g1…gN); DuckDB checks that
      // form's pattern while binding, so a user's regex (kind=regex, only checked by RE2 at run time)
      // keeps one regexp_extract per column.  The conversions are computed once, a level up.
      const names = Array.from({ length: maxGroup }, (_, k) => g(k + 1));
      const group = (n: number) => (op.parseKind === 'regex' ? `regexp_extract(t.${P_}, ${pat}, ${n})` : `struct_extract(t.${P_}, ${g(n)})`);
      const source = op.parseKind === 'regex' ? s : `regexp_extract(${s}, ${pat}, [${names.join(', ')}])`;
      const extracted = `SELECT t.*, ${source} AS ${P_}${needMatched ? `, regexp_matches(${s}, ${pat}) AS ${M_}` : ''} FROM (${sql}) AS t`;
      // simple/relaxed int/long groups match '' or -?[0-9]+, which a plain cast converts exactly as tolong() would
      const convert = (c: (typeof cols)[number]) =>
        op.parseKind !== 'regex' && (c.type === 'long' || c.type === 'int') ? `TRY_CAST(${group(c.group)} AS ${sqlType(c.type)})` : T.parseConvert(group(c.group), c.type);
      const converted = `SELECT t.*, ${cols.map((c, k) => `${convert(c)} AS ${V(k)}`).join(', ')} FROM (${extracted}) AS t`;
      // strict kinds: a value that doesn't convert makes the whole match fail
      const conds = [...(needMatched ? [`t.${M_}`] : []), ...(strict ? cols.flatMap((c, k) => (c.type === 'string' ? [] : [`t.${V(k)} IS NOT NULL`])) : [])];
      const ok = conds.join(' AND ');
      const exprs = schema.map((_, i) => (i < input.schema.length ? `t.${T.C(i)}` : 'NULL'));
      cols.forEach((c, k) => {
        exprs[colIdx[k]!] = `(CASE WHEN ${ok} THEN t.${V(k)} ELSE ${T.nullOf(c.type)} END)`;
      });
      const where = op.kind === 'parse-where' ? ` WHERE ${ok}` : '';
      return `SELECT ${T.selectList(exprs)} FROM (${converted}) AS t${where}`;
    }, P.isSerialized(input));
  }

  private parseColumnRegex(t: KqlType, kind: 'simple' | 'regex' | 'relaxed', last: boolean): string {
    if (kind === 'regex') {
      if (t === 'int' || t === 'long') return '\\-?\\d+';
      if (t === 'real' || t === 'decimal') return '\\-?\\d+(?:\\.\\d*)?(?:[eE][+-]?\\d+)?';
      return '.*';
    }
    if (kind === 'simple') {
      if (t === 'int' || t === 'long') return '\\-?\\d+';
      if (t === 'real' || t === 'decimal') return '\\-?\\d+(?:\\.\\d*)?(?:[eE][+-]?\\d+)?';
      if (t === 'bool') return '(?i:true|false|1|0)';
    }
    return last ? '.*' : '.*?';
  }

  private bindParseKv(input: P.PlanNode, op: A.ParseKvOp, scope: Scope): P.PlanNode {
    const row: RowContext = { schema: input.schema, aggregates: false };
    let src = this.bindScalar(op.source, row, scope);
    if (src.type !== 'string') src = { k: 'call', fn: SCALAR_FUNCTIONS.get('tostring')!, args: [src], type: 'string' };
    const opt: Record<string, string | boolean> = { pair_delimiter: ' ', kv_delimiter: '=' };
    for (const o of op.options) {
      const v = this.bindScalar(o.value, EMPTY_ROW, scope);
      if (v.k !== 'lit' || (typeof v.value !== 'string' && typeof v.value !== 'boolean')) throw this.error(o.span, `parse-kv: the option '${o.name}' must be a constant`);
      if (!['pair_delimiter', 'kv_delimiter', 'quote', 'escape', 'greedy', 'regex'].includes(o.name)) throw this.error(o.span, `parse-kv: unknown option '${o.name}'`);
      opt[o.name] = v.value;
    }
    const pd = String(opt.pair_delimiter), kd = String(opt.kv_delimiter);
    const quote = typeof opt.quote === 'string' ? opt.quote : '';
    const schema = input.schema.slice();
    const idx = op.columns.map((c) => {
      let i = schema.findIndex((x) => x.name === c.name);
      if (i < 0) i = schema.length;
      schema[i] = { name: c.name, type: c.type };
      return i;
    });
    const esc = regexEscape;
    const cls = regexNegatedClass;
    return P.generic('parse-kv', [input], schema, ([sql], ctx) => {
      const s = `(${T.exprSql(src, 't', ctx)})`;
      const exprs = schema.map((_, i) => (i < input.schema.length ? `t.${T.C(i)}` : 'NULL'));
      op.columns.forEach((c, k) => {
        let re: string;
        if (typeof opt.regex === 'string') {
          // regex mode: the regex has two groups (key, value); find the pair whose key is this column
          re = '';
        } else {
          const q = quote ? `${esc(quote[0]!)}([^${esc(quote[quote.length - 1]!)}]*)${esc(quote[quote.length - 1]!)}|` : '';
          const valueRe = opt.greedy === true ? `(.*?)(?:${esc(pd)}[^${esc(kd)}${esc(pd)}]+${esc(kd)}|$)` : `(${cls(pd)}*)`;
          re = `(?:^|${esc(pd)})\\s*${esc(c.name)}\\s*${esc(kd)}\\s*(?:${q}${valueRe})`;
        }
        if (!re) {
          const v = `list_extract(list_filter(regexp_extract_all(${s}, ${sqlString(String(opt.regex))}, 0), m -> regexp_extract(m, ${sqlString(String(opt.regex))}, 1) = ${sqlString(c.name)}), 1)`;
          exprs[idx[k]!] = `(CASE WHEN ${v} IS NULL THEN ${T.nullOf(c.type)} ELSE ${T.parseConvert(`regexp_extract(${v}, ${sqlString(String(opt.regex))}, 2)`, c.type)} END)`;
          return;
        }
        const pat = sqlString(re);
        const val = quote ? `(CASE WHEN regexp_extract(${s}, ${pat}, 1) <> '' THEN regexp_extract(${s}, ${pat}, 1) ELSE regexp_extract(${s}, ${pat}, 2) END)` : `regexp_extract(${s}, ${pat}, 1)`;
        exprs[idx[k]!] = `(CASE WHEN regexp_matches(${s}, ${pat}) THEN ${T.parseConvert(c.type === 'string' ? val : `trim(${val})`, c.type)} ELSE ${T.nullOf(c.type)} END)`;
      });
      return `SELECT ${T.selectList(exprs)} FROM (${sql}) AS t`;
    }, P.isSerialized(input));
  }

  // ───────────── make-series ─────────────

  private bindMakeSeries(input: P.PlanNode, op: A.MakeSeriesOp, scope: Scope): P.PlanNode {
    const row: RowContext = { schema: input.schema, aggregates: false };
    const names = new Names();
    const keys = op.by.map((item) => {
      const expr = this.bindScalar(item.expr, row, scope);
      if (expr.type === 'dynamic') throw this.error(item.expr.span, 'make-series: a group key cannot be of type dynamic');
      return { name: item.names ? this.singleName(item, names) : this.derivedName(expr, names), expr };
    });
    const axis = this.bindScalar(op.on, row, scope);
    const axisType = axis.type;
    if (axisType !== 'datetime' && !isNumeric(axisType) && axisType !== 'timespan') throw this.error(op.on.span, `make-series: the axis must be datetime, timespan or numeric, got '${axisType}'`);
    const step = this.bindScalar(op.step, EMPTY_ROW, scope);
    const from = op.from ? this.bindScalar(op.from, EMPTY_ROW, scope) : undefined;
    const to = op.to ? this.bindScalar(op.to, EMPTY_ROW, scope) : undefined;
    if (axisType === 'datetime' && step.type !== 'timespan') throw this.error(op.step.span, 'make-series: the step of a datetime axis must be a timespan');
    for (const [e, a] of [[from, op.from], [to, op.to]] as const) {
      if (e && a && e.type !== axisType && !(isNumeric(e.type) && isNumeric(axisType))) throw this.error(a.span, `make-series: from/to must be of type '${axisType}'`);
    }
    const aggs = op.aggregates.map((a) => {
      const expr = this.bindExpr(a.item.expr, { schema: input.schema, aggregates: true }, scope);
      if (expr.k !== 'agg') throw this.error(a.item.expr.span, 'make-series: each item must be an aggregate function call');
      const name = a.item.names ? this.singleName(a.item, names) : names.unique(expr.fn.defaultName(expr.args));
      let def: BoundExpr = { k: 'lit', type: 'long', value: 0n };
      if (a.default) {
        def = this.bindScalar(a.default, EMPTY_ROW, scope);
        if (def.k !== 'lit') throw this.error(a.default.span, 'make-series: the default value must be a constant');
      }
      return { name, expr, def };
    });
    const axisName = op.onName ?? (axis.k === 'col' ? axis.name : 'Column1');
    const schema: ColumnSchema[] = [
      ...keys.map((k) => ({ name: k.name, type: k.expr.type })),
      ...aggs.map((a) => ({ name: a.name, type: 'dynamic' as KqlType })),
      { name: names.unique(axisName), type: 'dynamic' },
    ];
    return P.generic('make-series', [input], schema, ([sql], ctx) => {
      const ex = (e: BoundExpr) => T.exprSql(e, 't', ctx);
      const lit = (e: BoundExpr) => emitExprLit(e, ctx);
      // the axis as a number: datetime → ticks since 1970 (small enough for a DOUBLE's 53 bits), timespan → ticks, numbers as DOUBLE
      const num = (x: string) => (axisType === 'datetime' ? `CAST(${x} - ${EPOCH_TICKS} AS DOUBLE)` : `CAST(${x} AS DOUBLE)`);
      const stepN = axisType === 'datetime' || axisType === 'timespan' ? `CAST(${lit(step)} AS DOUBLE)` : `CAST(${lit(step)} AS DOUBLE)`;
      const ax = `t.${T.C(input.schema.length)}`;
      const src = `SELECT t.*, ${ex(axis)} AS ${T.C(input.schema.length)} FROM (${sql}) AS t`;
      const fromN = from ? num(lit(from)) : `(SELECT floor(min(${num(ax)}) / ${stepN}) * ${stepN} FROM ms_src AS t)`;
      const toN = to ? num(lit(to)) : `(SELECT floor(max(${num(ax)}) / ${stepN}) * ${stepN} + ${stepN} FROM ms_src AS t)`;
      const nBins = `CAST(greatest(ceil((ms_b.hi - ms_b.lo) / ${stepN}), 0) AS BIGINT)`;
      const idx = `CAST(floor((${num(ax)} - ms_b.lo) / ${stepN}) AS BIGINT)`;
      const keyCols = keys.map((k, i) => `${ex(k.expr)} AS ${sqlIdentK(i)}`);
      const aggCols = aggs.map((a, i) => `${ex(a.expr)} AS ${sqlIdentA(i)}`);
      const agg = `SELECT ${[...keyCols, `${idx} AS ms_i`, ...aggCols].join(', ')} FROM ms_src AS t, ms_b WHERE ${num(ax)} >= ms_b.lo AND ${num(ax)} < ms_b.hi GROUP BY ${[...keys.map((_, i) => i + 1), keys.length + 1].join(', ')}`;
      // no group keys: one series, or none for an empty input unless kind=nonempty (make-series-operator.md)
      const grp = keys.length ? `SELECT DISTINCT ${keys.map((_, i) => sqlIdentK(i)).join(', ')} FROM ms_agg`
        : op.nonEmpty ? 'SELECT 1 AS ms_one' : 'SELECT 1 AS ms_one WHERE EXISTS (SELECT 1 FROM ms_src)';
      const axisVal = axisType === 'datetime'
        ? `CAST(to_json(${toStringSql(`(CAST(round(ms_b.lo + ms_bins.ms_i * ${stepN}) AS BIGINT) + ${EPOCH_TICKS})`, 'datetime')}) AS JSON)`
        : axisType === 'timespan'
          ? `CAST(to_json(${toStringTimespan(`CAST(ms_b.lo + ms_bins.ms_i * ${stepN} AS BIGINT)`)}) AS JSON)`
          : isIntegral(axisType) ? `to_json(CAST(ms_b.lo + ms_bins.ms_i * ${stepN} AS BIGINT))` : `to_json(ms_b.lo + ms_bins.ms_i * ${stepN})`;
      const on = keys.map((_, i) => `g.${sqlIdentK(i)} IS NOT DISTINCT FROM a.${sqlIdentK(i)}`);
      const values = aggs.map((a, i) => {
        const t = a.expr.type;
        const d = a.def.type === t || a.def.value === null ? emitExprLit(a.def, ctx) : `CAST(${emitExprLit(a.def, ctx)} AS ${sqlType(t)})`;
        const v = `coalesce(a.${sqlIdentA(i)}, ${d})`;
        const j = t === 'datetime' || t === 'timespan' || t === 'dynamic' || t === 'guid' || t === 'decimal' ? convertToDynamic(v, t) : `to_json(${v})`;
        return `CAST(to_json(list(${j} ORDER BY ms_bins.ms_i)) AS JSON)`;
      });
      const outCols = [...keys.map((_, i) => `g.${sqlIdentK(i)}`), ...values, `CAST(to_json(list(${axisVal} ORDER BY ms_bins.ms_i)) AS JSON)`];
      const groupBy = keys.length ? ` GROUP BY ${keys.map((_, i) => `g.${sqlIdentK(i)}`).join(', ')}` : '';
      return `WITH ms_src AS (${src}), ms_b AS (SELECT ${fromN} AS lo, ${toN} AS hi), ms_agg AS (${agg}), ms_bins AS (SELECT unnest(range(${nBins})) AS ms_i FROM ms_b) ` +
        `SELECT ${T.selectList(outCols)} FROM (${grp}) AS g CROSS JOIN ms_bins CROSS JOIN ms_b LEFT JOIN ms_agg AS a ON ${[...on, 'a.ms_i = ms_bins.ms_i'].join(' AND ')}${groupBy}` +
        (keys.length ? '' : ' HAVING count(*) > 0');
    }, false);
  }

  // ───────────── top-nested ─────────────

  private bindTopNested(input: P.PlanNode, op: A.TopNestedOp, scope: Scope): P.PlanNode {
    const row: RowContext = { schema: input.schema, aggregates: false };
    const names = new Names();
    const levels = op.levels.map((l) => {
      if (l.others) throw this.error(l.span, "top-nested: 'with others' is not supported");
      const of = this.bindScalar(l.of.expr, row, scope);
      if (of.type === 'dynamic') throw this.error(l.of.expr.span, 'top-nested: the grouping expression cannot be dynamic');
      const ofName = l.of.names ? this.singleName(l.of, names) : this.derivedName(of, names);
      const agg = this.bindExpr(l.by.expr, { schema: input.schema, aggregates: true }, scope);
      if (agg.k !== 'agg') throw this.error(l.by.expr.span, 'top-nested: the by expression must be an aggregate function call');
      const aggName = l.by.names ? this.singleName(l.by, names) : names.unique(`aggregated_${ofName}`);
      const count = l.count ? this.bindCount(l.count, scope) : undefined;
      return { of, ofName, agg, aggName, count, desc: l.order !== 'asc' };
    });
    const schema = levels.flatMap((l) => [{ name: l.ofName, type: l.of.type }, { name: l.aggName, type: l.agg.type }]);
    return P.generic('top-nested', [input], schema, ([sql], ctx) => {
      const ex = (e: BoundExpr) => T.exprSql(e, 't', ctx);
      const kc = (j: number) => sqlIdentK(j);
      const parts = levels.map((l, j) => {
        const ks = levels.slice(0, j + 1).map((x, i) => `${ex(x.of)} AS ${kc(i)}`);
        const part = levels.slice(0, j).map((_, i) => kc(i)).join(', ');
        const order = `${sqlIdentA(j)} ${l.desc ? 'DESC' : 'ASC'} NULLS LAST`;
        const q = l.count ? ` QUALIFY row_number() OVER (${part ? `PARTITION BY ${part} ` : ''}ORDER BY ${order}) <= ${emitExprLit(l.count, ctx)}` : '';
        return `SELECT ${[...ks, `${ex(l.agg)} AS ${sqlIdentA(j)}`].join(', ')} FROM (${sql}) AS t GROUP BY ${ks.map((_, i) => i + 1).join(', ')}${q}`;
      });
      let from = `(${parts[0]}) AS L0`;
      for (let j = 1; j < parts.length; j++) {
        const on = levels.slice(0, j).map((_, i) => `L${j - 1}.${kc(i)} IS NOT DISTINCT FROM L${j}.${kc(i)}`).join(' AND ');
        from += ` JOIN (${parts[j]}) AS L${j} ON ${on}`;
      }
      const last = levels.length - 1;
      const cols = levels.flatMap((_, j) => [`L${last}.${kc(j)}`, `L${j}.${sqlIdentA(j)}`]);
      // Kusto's output order: by the first level's aggregate, then the next level's (each in its level's order)
      const order = levels.map((l, j) => `${2 * j + 2} ${l.desc ? 'DESC' : 'ASC'} NULLS LAST`).join(', ');
      return `SELECT ${T.selectList(cols)} FROM ${from} ORDER BY ${order}`;
    }, true);
  }

  // ───────────── fork / facet ─────────────

  /** The result tables of fork (one per leg) and facet (the `with` pipe, then one count per column). */
  private bindResultTables(input: P.PlanNode, op: A.ForkOp | A.FacetOp, scope: Scope): { name: string; plan: P.PlanNode }[] {
    const inner = new Scope(scope);
    inner.define(FORK_SOURCE, { kind: 'tabular', plan: input });
    if (op.kind === 'fork') {
      return op.legs.map((leg) => {
        const plan = this.bindTabular(leg.body, inner);
        return { name: leg.name ?? plan.asName ?? 'GenericResult', plan };
      });
    }
    const out: { name: string; plan: P.PlanNode }[] = [];
    if (op.body) {
      const plan = this.bindTabular(op.body, inner);
      out.push({ name: plan.asName ?? 'GenericResult', plan });
    }
    for (const c of op.columns) {
      if (!input.schema.some((x) => x.name === c.name)) throw this.error(c.span, `facet: unknown column '${c.name}'`);
      const summarize: A.SummarizeOp = {
        kind: 'summarize',
        aggregates: [{ names: [{ name: `count_${c.name}`, span: c.span }], expr: { kind: 'call', name: 'count', nameSpan: c.span, args: [], span: c.span }, span: c.span }],
        by: [{ expr: { kind: 'name', name: c.name, span: c.span }, span: c.span }],
        span: c.span,
      };
      out.push({ name: c.name, plan: this.bindOperator(input, summarize, scope) });
    }
    return out;
  }

  // ───────────── scan ─────────────

  /** scan-operator.md; the matching logic itself is in scan.ts. */
  private bindScan(input: P.PlanNode, op: A.ScanOp, scope: Scope): P.PlanNode {
    const names = new Set(input.schema.map((c) => c.name));
    for (const d of op.declare) {
      if (names.has(d.name)) throw this.error(d.span, `scan: the declared column '${d.name}' already exists in the input`);
      names.add(d.name);
    }
    if (op.matchId && names.has(op.matchId.name)) throw this.error(op.matchId.span, `scan: the match id column '${op.matchId.name}' already exists`);
    const record: ColumnSchema[] = [...input.schema, ...op.declare.map((d) => ({ name: d.name, type: d.type }))];
    const defaults = op.declare.map((d) => {
      if (!d.default) return { k: 'lit', type: d.type, value: null } as BoundExpr;
      const v = this.bindScalar(d.default, EMPTY_ROW, scope);
      return this.convertTo(v, d.type, d.default.span, `scan: the default of '${d.name}'`);
    });
    const stepIndex = new Map<string, number>();
    op.steps.forEach((s, i) => {
      if (stepIndex.has(s.name)) throw this.error(s.nameSpan, `scan: the step name '${s.name}' is used twice`);
      stepIndex.set(s.name, i + 1);
    });
    const row: RowContext = { schema: scanRowSchema(record, op.steps.length), aggregates: false };
    // the steps run inside DuckDB's list_reduce lambda, which holds neither subqueries nor window functions
    const rowwiseOnly = (e: BoundExpr, span: Span): BoundExpr => {
      const bad = (x: BoundExpr): boolean => (x.k === 'call' ? T.SUBQUERY_FUNCTIONS.has(x.fn) || T.WINDOW_FUNCTIONS.has(x.fn) || x.args.some(bad) : x.k === 'path' ? bad(x.target) || x.steps.some((st) => typeof st === 'object' && bad(st)) : x.k === 'agg');
      if (bad(e)) throw this.error(span, 'scan: step conditions and assignments cannot use subqueries (toscalar, in (T)) or window functions; compute them with extend before the scan');
      return e;
    };
    const steps: ScanStepSpec[] = op.steps.map((s) => {
      const condition = rowwiseOnly(this.requireBool(this.bindScalar(rewriteStepRefs(s.condition, stepIndex), row, scope), s.condition.span, `scan step ${s.name}`), s.condition.span);
      const assignments = new Map<number, BoundExpr>();
      for (const a of s.assignments) {
        const i = record.findIndex((c) => c.name === a.name);
        if (i < input.schema.length) throw this.error(a.nameSpan, `scan: '${a.name}' is not a declared column; only columns of the declare clause can be assigned`);
        const v = this.bindScalar(rewriteStepRefs(a.expr, stepIndex), row, scope);
        assignments.set(i, rowwiseOnly(this.convertTo(v, record[i]!.type, a.expr.span, `scan: the value assigned to '${a.name}'`), a.expr.span));
      }
      return { output: s.output, condition, assignments };
    });
    return scanPlan(input, { record, inputWidth: input.schema.length, defaults, steps, ...(op.matchId ? { matchId: op.matchId.name } : {}) }, this.partitions++);
  }

  /** A value as type `t`: unchanged, or converted with to<t>() between numeric types and from dynamic. */
  private convertTo(v: BoundExpr, t: KqlType, span: Span, what: string): BoundExpr {
    if (v.type === t) return v;
    if (v.k === 'lit' && v.value === null) return { k: 'lit', type: t, value: null };
    if ((isNumeric(v.type) && isNumeric(t)) || v.type === 'dynamic' || t === 'string' || t === 'dynamic') {
      const fn = SCALAR_FUNCTIONS.get(t === 'real' ? 'toreal' : t === 'dynamic' ? 'todynamic' : `to${t}`);
      if (fn) return this.call(fn, [v], span);
    }
    throw this.error(span, `${what} must be of type '${t}', got '${v.type}'`);
  }

  // ───────────── evaluate ─────────────

  private bindEvaluate(input: P.PlanNode, op: A.EvaluateOp, scope: Scope): P.PlanNode {
    const row: RowContext = { schema: input.schema, aggregates: false };
    switch (op.plugin) {
      case 'bag_unpack': {
        if (op.args.length < 1) throw this.error(op.pluginSpan, 'bag_unpack(): expects a dynamic column');
        const bag = this.bindScalar(op.args[0]!, row, scope);
        if (bag.type !== 'dynamic') throw this.error(op.args[0]!.span, `bag_unpack(): the argument must be dynamic, got '${bag.type}'`);
        let prefix = '';
        for (const a of op.args.slice(1)) {
          if (a.kind === 'binary' && a.op === '=') continue; // columnsConflict=…, ignore_columns=… (defaults)
          const v = this.bindScalar(a, EMPTY_ROW, scope);
          if (v.k === 'lit' && typeof v.value === 'string') prefix = v.value;
        }
        // The output schema must be known when compiling (Kusto requires it at compile time too):
        // either the `: (a:string, …)` output-schema form, or a bag whose keys are constants
        // (a dynamic literal, e.g. from datatable/print).  For bags stored in tables, callers can
        // run a pre-query (SELECT DISTINCT unnest(json_keys(col)) …) and pass the keys back through
        // the output-schema form; compile() is synchronous and has no database access.
        let keys: { name: string; type: KqlType }[];
        if (op.schema) {
          keys = op.schema;
        } else {
          const inferred = this.constantBagKeys(input, bag);
          if (!inferred) throw this.error(op.pluginSpan, "bag_unpack(): the output schema of the bag isn't known when compiling; use the output-schema form: evaluate bag_unpack(col) : (Key1:string, Key2:long, …)");
          keys = inferred;
        }
        const baseIdx = input.schema.map((_, i) => i).filter((i) => !(bag.k === 'col' && bag.index === i));
        let keepIdx: number[];
        let outKeys: { name: string; type: KqlType }[];
        if (op.schema && !op.schemaStar) {
          // only the declared columns: input columns by name, the others from the bag
          keepIdx = [];
          outKeys = [];
          const schemaOut: ColumnSchema[] = [];
          for (const k of op.schema) {
            const i = baseIdx.find((j) => input.schema[j]!.name === k.name);
            schemaOut.push({ name: k.name, type: k.type });
            if (i !== undefined && input.schema[i]!.type === k.type) keepIdx.push(i);
            else outKeys.push(k);
          }
          // keep declared order: input-column matches first is acceptable only if order agrees; rebuild explicitly
          const order = op.schema.map((k) => k.name);
          const schema2: ColumnSchema[] = [...keepIdx.map((i) => input.schema[i]!), ...outKeys.map((k) => ({ name: k.name, type: k.type }))];
          schema2.sort((a, b) => order.indexOf(a.name) - order.indexOf(b.name));
          const srcOrder = schema2.map((c) => ({ c, i: keepIdx.find((j) => input.schema[j]!.name === c.name) }));
          return P.generic('bag_unpack', [input], schema2, ([sql], ctx) => {
            const b = `(${T.exprSql(bag, 't', ctx)})`;
            const exprs = srcOrder.map(({ c, i }) => (i !== undefined ? `t.${T.C(i)}` : bagValueSql(b, c.name, c.type)));
            return `SELECT ${T.selectList(exprs)} FROM (${sql}) AS t`;
          }, false);
        }
        const used = new Set(baseIdx.map((i) => input.schema[i]!.name));
        keepIdx = baseIdx;
        outKeys = keys.filter((k) => !used.has(prefix + k.name)).map((k) => ({ name: prefix + k.name, type: k.type }));
        const schema: ColumnSchema[] = [...keepIdx.map((i) => input.schema[i]!), ...outKeys];
        return P.generic('bag_unpack', [input], schema, ([sql], ctx) => {
          const b = `(${T.exprSql(bag, 't', ctx)})`;
          const exprs = [
            ...keepIdx.map((i) => `t.${T.C(i)}`),
            ...outKeys.map((k) => bagValueSql(b, k.name.slice(prefix.length), k.type)),
          ];
          return `SELECT ${T.selectList(exprs)} FROM (${sql}) AS t`;
        }, false);
      }
      case 'pivot': {
        if (op.args.length < 1) throw this.error(op.pluginSpan, 'pivot(): expects a pivot column');
        const col = this.bindScalar(op.args[0]!, row, scope);
        const values = this.constantColumnValues(input, col);
        if (!values) throw this.error(op.pluginSpan, "pivot(): the pivot column's values must be known when compiling (a constant table such as datatable); for stored tables use summarize with countif()/sumif() per value");
        const aggAst = op.args[1] ?? ({ kind: 'call', name: 'count', nameSpan: op.pluginSpan, args: [], span: op.pluginSpan } as A.CallExpr);
        const agg = this.bindExpr(aggAst, { schema: input.schema, aggregates: true }, scope);
        if (agg.k !== 'agg') throw this.error(aggAst.span, 'pivot(): the second argument must be an aggregate function call');
        if (!agg.fn.honorsFilter) throw this.error(aggAst.span, `pivot(): the aggregate '${agg.fn.name}' is not supported here`);
        const groups = op.args.slice(2).map((g) => this.bindScalar(g, row, scope));
        const schema: ColumnSchema[] = [...groups.map((g) => ({ name: g.k === 'col' ? g.name : 'Column1', type: g.type })), ...values.map((v) => ({ name: v, type: agg.type }))];
        return P.generic('pivot', [input], schema, ([sql], ctx) => {
          const ex = (e: BoundExpr) => T.exprSql(e, 't', ctx);
          const key = col.type === 'string' ? ex(col) : `CAST(${ex(col)} AS VARCHAR)`;
          // Each pivot column aggregates the rows of its value: the aggregate is emitted with that
          // row filter in its context (its FILTER clause), the value a literal through sqlString.
          const filtered = values.map((v) => T.exprSql(agg, 't', { ...ctx, aggregateFilter: `${key} = ${sqlString(v)}` }));
          const cols = [...groups.map(ex), ...filtered];
          const gb = groups.length ? ` GROUP BY ${groups.map((_, i) => i + 1).join(', ')}` : '';
          return `SELECT ${T.selectList(cols)} FROM (${sql}) AS t${gb}`;
        }, false);
      }
      case 'narrow': {
        // narrow-plugin.md: one row per cell — the row's 0-based number, the column's name, the value as a string
        if (op.args.length) throw this.error(op.pluginSpan, 'narrow(): takes no arguments');
        const schema: ColumnSchema[] = [{ name: 'Row', type: 'long' }, { name: 'Column', type: 'string' }, { name: 'Value', type: 'string' }];
        return P.generic('narrow', [input], schema, ([sql]) => {
          const cells = input.schema.map((c, i) => `{'k': ${sqlString(c.name)}, 'v': ${toStringSql(`t.${T.C(i)}`, c.type)}}`);
          const numbered = `SELECT row_number() OVER () - 1 AS nr_row, t.* FROM (${sql}) AS t`;
          const exploded = `SELECT t.nr_row, unnest([${cells.join(', ')}]) AS nr_cell, unnest(range(${cells.length})) AS nr_col FROM (${numbered}) AS t`;
          return `SELECT ${T.selectList(['x.nr_row', 'x.nr_cell.k', "coalesce(x.nr_cell.v, '')"])} FROM (${exploded}) AS x ORDER BY x.nr_row, x.nr_col`;
        }, true);
      }
      case 'basket':
      case 'autocluster':
      case 'diffpatterns': {
        // basket-plugin.md, autocluster-plugin.md, diffpatterns-plugin.md; the plan is pattern-plugins.ts
        const plugin = op.plugin;
        const name = `${plugin}()`;
        const isDefault = (a: A.Expr | undefined) => a === undefined || (a.kind === 'literal' && a.value === '~');
        const constant = (a: A.Expr, what: string): BoundExpr => {
          const v = this.bindScalar(a, EMPTY_ROW, scope);
          if (v.k !== 'lit') throw this.error(a.span, `${name}: ${what} must be a constant`);
          return v;
        };
        const numberArg = (a: A.Expr | undefined, what: string, def: number, lo: number, hi: number, integral: boolean): number => {
          if (isDefault(a)) return def;
          const v = constant(a!, what);
          const n = v.k === 'lit' && (typeof v.value === 'number' || typeof v.value === 'bigint') ? Number(v.value) : NaN;
          if (!isNumeric(v.type) || !Number.isFinite(n) || n < lo || n > hi || (integral && !Number.isInteger(n))) {
            throw this.error(a!.span, `${name}: ${what} must be ${integral ? 'an integer' : 'a number'} in the range ${lo} to ${hi}`);
          }
          return n;
        };
        const columnArg = (a: A.Expr, what: string): number => {
          const v = this.bindScalar(a, row, scope);
          if (v.k !== 'col') throw this.error(a.span, `${name}: ${what} must be a column of the input`);
          return v.index;
        };
        let i = 0;
        let split: { index: number; a: string; b: string; asString: BoundExpr } | undefined;
        if (plugin === 'diffpatterns') {
          if (op.args.length < 3) throw this.error(op.pluginSpan, 'diffpatterns(): expects SplitColumn, SplitValueA, SplitValueB');
          const index = columnArg(op.args[0]!, 'SplitColumn');
          const value = (a: A.Expr, what: string) => {
            const v = constant(a, what);
            if (v.k !== 'lit' || typeof v.value !== 'string') throw this.error(a.span, `diffpatterns(): ${what} must be a string`);
            return v.value;
          };
          const col = P.columnRef(input, index);
          split = { index, a: value(op.args[1]!, 'SplitValueA'), b: value(op.args[2]!, 'SplitValueB'), asString: col.type === 'string' ? col : { k: 'call', fn: SCALAR_FUNCTIONS.get('tostring')!, args: [col], type: 'string' } };
          i = 3;
        }
        let ratio: number;
        let weightArg: A.Expr | undefined;
        if (plugin === 'autocluster') {
          ratio = numberArg(op.args[i], 'SizeWeight', 0.5, 0, 1, false);
          weightArg = op.args[i + 1];
        } else if (plugin === 'basket') {
          ratio = numberArg(op.args[i], 'Threshold', 0.05, 0.015, 1, false);
          weightArg = op.args[i + 1];
        } else {
          weightArg = op.args[i];
          ratio = numberArg(op.args[i + 1], 'Threshold', 0.05, 0.015, 1, false);
        }
        let weight: number | undefined;
        if (!isDefault(weightArg)) {
          weight = columnArg(weightArg!, 'WeightColumn');
          if (!isNumeric(input.schema[weight]!.type)) throw this.error(weightArg!.span, `${name}: WeightColumn must be a numeric column, got '${input.schema[weight]!.type}'`);
        }
        const count =
          plugin === 'autocluster'
            ? numberArg(op.args[i + 2], 'NumSeeds', 25, 1, 1000, true)
            : numberArg(op.args[i + 2], 'MaxDimensions', plugin === 'basket' ? 5 : 0, 1, 1000, true);
        const wildcards = new Map<KqlType, BoundExpr>();
        for (const a of op.args.slice(i + 3)) {
          if (isDefault(a)) continue;
          const v = constant(a, 'CustomWildcard');
          if (!wildcards.has(v.type)) wildcards.set(v.type, v);
        }
        return patternPluginPlan(input, { plugin, ratio, count, ...(weight !== undefined ? { weight } : {}), ...(split ? { split } : {}), wildcards });
      }
      default:
        throw this.error(op.pluginSpan, `The plugin '${op.plugin}' is not supported`);
    }
  }

  /** Keys (and inferred types) of a dynamic column whose values are constants in a datatable/print. */
  private constantBagKeys(input: P.PlanNode, bag: BoundExpr): { name: string; type: KqlType }[] | undefined {
    const vals = this.constantValues(input, bag);
    if (!vals) return undefined;
    const types = new Map<string, KqlType | 'mixed'>();
    for (const v of vals) {
      if (v === null) continue;
      let o: unknown;
      try {
        o = JSON.parse(v);
      } catch {
        return undefined;
      }
      if (!o || typeof o !== 'object' || Array.isArray(o)) continue;
      for (const [k, x] of Object.entries(o as Record<string, unknown>)) {
        const t: KqlType = typeof x === 'string' ? 'string' : typeof x === 'boolean' ? 'bool' : typeof x === 'number' ? (Number.isInteger(x) ? 'long' : 'real') : 'dynamic';
        if (x === null) {
          if (!types.has(k)) types.set(k, 'mixed');
          continue;
        }
        const prev = types.get(k);
        if (prev === undefined || prev === 'mixed') types.set(k, t);
        else if (prev !== t) types.set(k, (prev === 'long' && t === 'real') || (prev === 'real' && t === 'long') ? 'real' : 'dynamic');
      }
    }
    return [...types].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map(([name, t]) => ({ name, type: t === 'mixed' ? 'dynamic' : t }));
  }

  /** The constant values (as text) of an expression over a datatable/print input, if statically known. */
  private constantValues(input: P.PlanNode, e: BoundExpr): (string | null)[] | undefined {
    if (e.k !== 'col') return undefined;
    let plan: P.PlanNode = input;
    let index = e.index;
    // follow column-preserving operators down to a datatable
    for (;;) {
      if (plan.kind === 'filter' || plan.kind === 'sort' || plan.kind === 'limit' || plan.kind === 'top' || plan.kind === 'distinct') {
        plan = plan.input;
        continue;
      }
      if (plan.kind === 'extend' && !plan.assignments.some((a) => a.index === index)) {
        plan = plan.input;
        continue;
      }
      if (plan.kind === 'project') {
        const x = plan.exprs[index];
        if (x?.k !== 'col') return undefined;
        index = x.index;
        plan = plan.input;
        continue;
      }
      break;
    }
    const rows = plan.kind === 'datatable' ? plan.rows.map((r) => r[index]) : plan.kind === 'print' ? [plan.exprs[index]] : undefined;
    if (!rows) return undefined;
    const out: (string | null)[] = [];
    for (const v of rows) {
      if (!v) return undefined;
      const lit = v.k === 'lit' ? v : v.k === 'call' && v.args.length === 1 && v.args[0]!.k === 'lit' && v.type === 'dynamic' ? v.args[0] : undefined;
      if (!lit || lit.k !== 'lit') return undefined;
      out.push(lit.value === null ? null : typeof lit.value === 'string' ? lit.value : String(lit.value));
    }
    return out;
  }

  /** Distinct constant values of a pivot column (sorted), if statically known. */
  private constantColumnValues(input: P.PlanNode, col: BoundExpr): string[] | undefined {
    const v = this.constantValues(input, col);
    if (!v) return undefined;
    return [...new Set(v.map((x) => x ?? ''))].sort();
  }

  private bindExtend(input: P.PlanNode, op: A.ExtendOp, scope: Scope): P.PlanNode {
    // Items may refer to columns defined earlier in the same extend; such items start a new Extend node.
    let plan = input;
    let pending: { name: string; expr: BoundExpr }[] = [];
    let schema = input.schema.slice();
    let assignedHere = new Set<number>();
    const names = new Names(schema.map((c) => c.name));
    const serialized = P.isSerialized(input);
    let hidden = 0;
    for (const item of op.items) {
      let expr = this.bindScalar(item.expr, { schema, aggregates: false, serialized, inputColumns: input.schema.length }, scope);
      if (containsStagedWindow(expr)) {
        if (pending.length) plan = P.extend(plan, pending);
        pending = [];
        assignedHere = new Set();
        const h = this.hoistStagedWindows(plan, expr);
        plan = h.plan;
        expr = h.expr;
        schema = plan.schema.slice();
        hidden++;
      }
      if (severalColumns(expr)) {
        // computed once into a hidden column (dropped at the end), then one column per output
        if (pending.length) plan = P.extend(plan, pending);
        plan = P.extend(plan, [{ name: `\u0000m${hidden++}`, expr }]);
        schema = plan.schema.slice();
        pending = [];
        assignedHere = new Set();
        const outs = this.outputColumns(item, expr, P.columnRef(plan, plan.schema.length - 1), names, false);
        for (const o of outs) {
          let index = schema.findIndex((c) => c.name === o.name);
          if (index < 0) index = schema.length;
          schema[index] = { name: o.name, type: o.expr.type };
          names.add(o.name);
          assignedHere.add(index);
        }
        plan = P.extend(plan, outs);
        assignedHere = new Set();
        continue;
      }
      if (pending.length && referencesAny(expr, assignedHere)) {
        plan = P.extend(plan, pending);
        pending = [];
        assignedHere = new Set();
      }
      const name = item.names ? this.singleName(item, undefined) : this.derivedName(expr, names);
      let index = schema.findIndex((c) => c.name === name);
      if (index < 0) index = schema.length;
      schema[index] = { name, type: expr.type };
      names.add(name);
      assignedHere.add(index);
      // a column assigned twice in one node: flush so the later assignment wins
      if (pending.some((p) => p.name === name)) {
        plan = P.extend(plan, pending);
        pending = [];
        assignedHere = new Set([index]);
      }
      pending.push({ name, expr });
    }
    if (pending.length) plan = P.extend(plan, pending);
    if (hidden) {
      const keep = plan.schema.flatMap((c, i) => (/^\u0000[ms]/.test(c.name) ? [] : [{ name: c.name, expr: P.columnRef(plan, i) }]));
      plan = P.project(plan, keep);
    }
    return plan;
  }

  /**
   * The columns of a several-column function's result (ScalarFunction.outputs): the names the
   * caller gave (`(a, b) = f(x)`), and for the rest — when `all` (project) or when no names were
   * given — `<function>_<column>_<key>` as Kusto names them (series_stats(x) → series_stats_x_min …).
   */
  private outputColumns(item: A.NamedExpr, call: BoundCall, result: BoundExpr, names: Names, all: boolean): { name: string; expr: BoundExpr }[] {
    const outputs = call.fn.outputs!;
    const given = item.names ?? [];
    if (given.length > outputs.length) throw this.error(item.span, `${call.fn.name}() returns ${outputs.length} columns; ${given.length} names were given`);
    const arg = call.args[0];
    const argName = arg ? (arg.k === 'col' ? arg.name : arg.k === 'path' ? columnNameOf(arg) : undefined) : undefined;
    const prefix = argName ? `${call.fn.name}_${argName}` : call.fn.name;
    const take = given.length && !all ? given.length : outputs.length;
    return outputs.slice(0, take).map((o, i) => {
      const name = given[i] ? given[i]!.name : names.unique(`${prefix}_${o.key}`);
      if (given[i]) names.add(name);
      const path: BoundExpr = { k: 'path', target: result, steps: [o.key], type: 'dynamic' };
      if (o.type === 'dynamic') return { name, expr: path };
      const conversion = SCALAR_FUNCTIONS.get(OUTPUT_CONVERSIONS[o.type])!;
      return { name, expr: { k: 'call', fn: conversion, args: [path], type: o.type } };
    });
  }

  private bindSummarize(input: P.PlanNode, op: A.SummarizeOp, scope: Scope): P.PlanNode {
    const row: RowContext = { schema: input.schema, aggregates: false };
    const names = new Names();
    const keys = op.by.map((item) => {
      const expr = this.bindScalar(item.expr, row, scope);
      if (expr.type === 'dynamic') throw this.error(item.expr.span, 'Summarize group key cannot be of type dynamic; convert it with tostring() or another to*() function');
      let name: string;
      if (item.names) name = this.singleName(item, names);
      else {
        const binned = item.expr.kind === 'call' && (item.expr.name === 'bin' || item.expr.name === 'floor' || item.expr.name === 'bin_at' || item.expr.name === 'bin_auto') && item.expr.args[0]?.kind === 'name' ? item.expr.args[0].name : undefined;
        name = binned !== undefined ? names.unique(binned) : this.derivedName(expr, names);
      }
      return { name, expr };
    });
    // Aggregate items: bind with aggregates allowed; collect each aggregate call, and project
    // expressions over them afterwards when an item is more than a bare aggregate.
    const aggs: { name: string; expr: BoundAggregate }[] = [];
    const outputs: { name: string; expr: BoundExpr | number }[] = [];
    let needsProject = false;
    for (const item of op.aggregates) {
      const multi = item.expr.kind === 'call' ? AGGREGATE_FUNCTIONS.get(item.expr.name) : undefined;
      if (item.expr.kind === 'call' && multi?.expand) {
        this.bindMultiAggregate(item, item.expr, multi, input, names, scope, aggs, outputs);
        continue;
      }
      if (item.expr.kind === 'call' && (item.expr.name === 'take_any' || item.expr.name === 'any') && (item.expr.args.length > 1 || item.expr.args[0]?.kind === 'star')) {
        needsProject = true;
        this.bindTakeAny(item, item.expr, input, keys, names, scope, aggs, outputs);
        continue;
      }
      if (item.expr.kind === 'call' && (item.expr.name === 'arg_max' || item.expr.name === 'arg_min')) {
        needsProject = true;
        this.bindArgMax(item, item.expr, input, keys, names, scope, aggs, outputs);
        continue;
      }
      const expr = this.bindExpr(item.expr, { schema: input.schema, aggregates: true }, scope);
      if (expr.k === 'agg') {
        const name = item.names ? this.singleName(item, names) : names.unique(expr.fn.defaultName(expr.args));
        aggs.push({ name, expr });
        outputs.push({ name, expr: aggs.length - 1 });
        continue;
      }
      if (!containsAggregate(expr)) throw this.error(item.expr.span, 'Summarize expressions must contain an aggregate function');
      if (containsColumnOutsideAggregate(expr)) throw this.error(item.expr.span, 'Summarize aggregate expressions may refer to columns only inside aggregate functions');
      needsProject = true;
      const name = item.names ? this.singleName(item, names) : names.nextColumn();
      outputs.push({ name, expr });
    }
    if (!needsProject) return P.aggregate(input, keys, aggs);
    // Hoist the aggregates nested in expressions into the Aggregate node.
    const nested: { name: string; expr: BoundAggregate }[] = [];
    const hoisted = outputs.map((o) => (typeof o.expr === 'number' ? o.expr : hoistAggregates(fixArgMaxRefs(o.expr, keys.length), keys.length + aggs.length, nested)));
    const allAggs = [...aggs, ...nested.map((n, i) => ({ name: `__agg${i}`, expr: n.expr }))];
    const agg = P.aggregate(input, keys, allAggs);
    const cols = [
      ...keys.map((k, i) => ({ name: k.name, expr: P.columnRef(agg, i) })),
      ...outputs.map((o, i) => ({ name: o.name, expr: typeof hoisted[i] === 'number' ? P.columnRef(agg, keys.length + (hoisted[i] as number)) : (hoisted[i] as BoundExpr) })),
    ];
    return P.project(agg, cols);
  }

  /**
   * An aggregate yielding several columns (percentiles(x, 50, 95)): one single-column aggregate per
   * output, named by the item's name list (in order) or by the aggregate's default names.
   */
  private bindMultiAggregate(
    item: A.NamedExpr, e: A.CallExpr, fn: AggregateFunction, input: P.PlanNode, names: Names, scope: Scope,
    aggs: { name: string; expr: BoundAggregate }[], outputs: { name: string; expr: BoundExpr | number }[],
  ): void {
    const args = e.args.map((a) => this.bindExpr(a, { schema: input.schema, aggregates: false }, scope));
    this.checkArity(e, fn.minArgs, fn.maxArgs);
    let parts: BoundExpr[][] = [];
    this.runBind(() => { parts = fn.expand!(args.map(argInfo)); return 'dynamic'; }, e, args);
    const given = item.names;
    if (given && given.length > parts.length) throw this.error(item.span, `${e.name}(): more names than output columns`);
    parts.forEach((pargs, i) => {
      const type = this.runBind(() => fn.bind(pargs.map(argInfo)), e, pargs);
      const g = given?.[i];
      let name: string;
      if (g) {
        if (names.has(g.name)) throw this.error(g.span, `A column named '${g.name}' is declared more than once`);
        names.add(g.name);
        name = g.name;
      } else name = names.unique(fn.defaultName(pargs));
      aggs.push({ name, expr: { k: 'agg', fn, args: pargs, type } });
      outputs.push({ name, expr: aggs.length - 1 });
    });
  }

  /**
   * arg_max(key, col1, col2 | *) / arg_min: one STRUCT aggregate (DuckDB arg_max/arg_min, which
   * skip null keys) holding the key and the requested columns of the same row, then one output
   * column per struct field.
   */
  /**
   * The output fields of take_any / arg_max / arg_min: `*` (every input column but the group keys
   * and the fields already taken), `name = expr`, or an expression named as Kusto names it.
   */
  private collectFields(
    args: A.Expr[], fields: { name: string; expr: BoundExpr }[], input: P.PlanNode, keys: { name: string }[], row: RowContext, scope: Scope, prefix = '',
  ): void {
    for (const a of args) {
      if (a.kind === 'star') {
        input.schema.forEach((c, i) => {
          if (fields.some((f) => f.name === prefix + c.name) || keys.some((k) => k.name === c.name)) return;
          fields.push({ name: prefix + c.name, expr: { k: 'col', index: i, name: c.name, type: c.type } });
        });
        continue;
      }
      let nameOverride: string | undefined;
      let ae: A.Expr = a;
      if (a.kind === 'binary' && a.op === '=' && a.left.kind === 'name') {
        nameOverride = a.left.name;
        ae = a.right;
      }
      const x = this.bindScalar(ae, row, scope);
      const derived = x.k === 'col' ? prefix + x.name : prefix ? prefix + (columnNameOf(x) ?? '') : this.derivedName(x, new Names(fields.map((f) => f.name)));
      fields.push({ name: nameOverride ?? derived, expr: x });
    }
  }

  /**
   * take_any(e1, e2, …) / take_any(*): the values of one arbitrary row per group, as one
   * any_value(STRUCT) aggregate and one output column per field (named like the arguments;
   * the deprecated any() prefixes them with any_).
   */
  private bindTakeAny(
    item: A.NamedExpr, e: A.CallExpr, input: P.PlanNode, keys: { name: string }[], names: Names, scope: Scope,
    aggs: { name: string; expr: BoundAggregate }[], outputs: { name: string; expr: BoundExpr | number }[],
  ): void {
    const row: RowContext = { schema: input.schema, aggregates: false };
    const prefix = e.name === 'any' ? 'any_' : '';
    const fields: { name: string; expr: BoundExpr }[] = [];
    this.collectFields(e.args, fields, input, keys, row, scope, prefix);
    if (fields.length === 0) throw this.error(e.span, `${e.name}(*): no columns to take (all are group keys)`);
    const given = item.names?.map((n) => n.name);
    if (given && given.length > fields.length) throw this.error(item.span, `${e.name}(): more names than output columns`);
    const pack = (args: { sql: string }[]) => `struct_pack(${args.map((a, i) => `f${i} := ${a.sql}`).join(', ')})`;
    const aggFn: AggregateFunction = {
      name: e.name, minArgs: 1, maxArgs: 1000, bind: () => 'dynamic', defaultName: () => e.name,
      // the carried columns go into the struct as stored; string fields are coalesced when extracted
      rawStringArgsFrom: 0,
      emit: (args) => `any_value(${pack(args)})`,
    };
    const agg: BoundAggregate = { k: 'agg', fn: aggFn, args: fields.map((f) => f.expr), type: 'dynamic' };
    const nested = aggs.length;
    aggs.push({ name: `__argmax${nested}`, expr: agg });
    fields.forEach((f, i) => {
      const name = given?.[i] ?? f.name;
      if (names.has(name) && given?.[i]) throw this.error(item.span, `A column named '${name}' is declared more than once`);
      const out = names.unique(name);
      const field = (a: string) => `struct_extract(${a}, ${sqlString(`f${i}`)})`;
      const fieldFn = T.customFn('struct_extract', (a) => (f.expr.type === 'string' ? `coalesce(${field(a[0]!.sql)}, '')` : field(a[0]!.sql)));
      outputs.push({ name: out, expr: { k: 'call', fn: fieldFn, args: [{ k: 'col', index: -1 - nested, name: '', type: 'dynamic' }], type: f.expr.type } });
    });
  }

  private bindArgMax(
    item: A.NamedExpr, e: A.CallExpr, input: P.PlanNode, keys: { name: string }[], names: Names, scope: Scope,
    aggs: { name: string; expr: BoundAggregate }[], outputs: { name: string; expr: BoundExpr | number }[],
  ): void {
    const isMax = e.name === 'arg_max';
    if (e.args.length < 1) throw this.error(e.nameSpan, `The function '${e.name}' expects at least 1 argument, got 0`);
    const row: RowContext = { schema: input.schema, aggregates: false };
    const key = this.bindScalar(e.args[0]!, row, scope);
    if (key.type === 'dynamic') throw this.error(e.args[0]!.span, `${e.name}(): the expression to ${isMax ? 'maximize' : 'minimize'} can't be dynamic`);
    const fields: { name: string; expr: BoundExpr }[] = [];
    const keyName = key.k === 'col' ? key.name : `${isMax ? 'max' : 'min'}_${columnNameOf(key) ?? ''}`;
    fields.push({ name: keyName, expr: key });
    this.collectFields(e.args.slice(1), fields, input, keys, row, scope);
    const given = item.names?.map((n) => n.name);
    if (given && given.length > fields.length) throw this.error(item.span, `${e.name}(): more names than output columns`);
    const aggFn: AggregateFunction = {
      name: e.name, minArgs: 1, maxArgs: 1000, bind: () => 'dynamic', defaultName: () => e.name,
      // the carried columns go into the struct as stored; string fields are coalesced when extracted
      rawStringArgsFrom: 1,
      // a group whose keys are all null still gives one of its rows (arg-max-aggregation-function.md, "null handling")
      emit: (args) => {
        const row = `struct_pack(${args.slice(1).map((a, i) => `f${i} := ${a.sql}`).join(', ')})`;
        return `coalesce(${isMax ? 'arg_max' : 'arg_min'}(${row}, ${args[0]!.sql}), first(${row}))`;
      },
      pickRow: (args) => ({ key: args[0]!.sql, row: `struct_pack(${args.slice(1).map((a, i) => `f${i} := ${a.sql}`).join(', ')})`, descending: isMax }),
    };
    const agg: BoundAggregate = { k: 'agg', fn: aggFn, args: [key, ...fields.map((f) => f.expr)], type: 'dynamic' };
    const nested = aggs.length;
    aggs.push({ name: `__argmax${nested}`, expr: agg });
    fields.forEach((f, i) => {
      const name = given?.[i] ?? f.name;
      if (names.has(name)) {
        if (given?.[i]) throw this.error(item.span, `A column named '${name}' is declared more than once`);
      }
      const out = names.unique(name);
      const field = (a: string) => `struct_extract(${a}, ${sqlString(`f${i}`)})`;
      const fieldFn = T.customFn('struct_extract', (a) => (f.expr.type === 'string' ? `coalesce(${field(a[0]!.sql)}, '')` : field(a[0]!.sql)));
      // the struct column is referenced by its aggregate position; resolved below by hoisting
      outputs.push({ name: out, expr: { k: 'call', fn: fieldFn, args: [{ k: 'col', index: -1 - nested, name: '', type: 'dynamic' }], type: f.expr.type } });
    });
  }

  private bindCount(e: A.Expr, scope: Scope): BoundExpr {
    const v = this.bindScalar(e, EMPTY_ROW, scope);
    if (!isIntegral(v.type)) throw this.error(e.span, `The row count must be an integer, got '${v.type}'`);
    return v;
  }

  private bindSortKey(k: A.SortKey, row: RowContext, scope: Scope): P.PlanSortKey {
    const expr = this.bindScalar(k.expr, row, scope);
    if (expr.type === 'dynamic') throw this.error(k.expr.span, 'Cannot sort by a value of type dynamic; convert it with tostring() or another to*() function');
    const descending = (k.order ?? 'desc') === 'desc';
    const nullsFirst = k.nulls ? k.nulls === 'first' : !descending;
    return { expr, descending, nullsFirst };
  }

  private matchPattern(schema: ColumnSchema[], p: A.NamePattern): number[] {
    if (!p.pattern.includes('*') || p.pattern.includes('\\*')) {
      const name = p.pattern.replace(/\\\*/g, '*');
      const i = schema.findIndex((c) => c.name === name);
      if (i < 0) throw this.error(p.span, `Failed to resolve scalar expression named '${name}'`);
      return [i];
    }
    const matches = wildcardMatcher(p.pattern);
    return schema.map((c, i) => (matches(c.name) ? i : -1)).filter((i) => i >= 0);
  }

  // ───────────── names ─────────────

  private singleName(item: A.NamedExpr, names: Names | undefined): string {
    const n = item.names!;
    if (n.length !== 1) throw this.error(item.span, 'Only aggregates that return several columns may be assigned to a list of names');
    const name = n[0]!.name;
    if (names) {
      if (names.has(name)) throw this.error(n[0]!.span, `A column named '${name}' is declared more than once`);
      names.add(name);
    }
    return name;
  }

  /** Name for an unnamed item: a column keeps its name, a.b becomes a_b, anything else ColumnN. */
  private columnName(item: A.NamedExpr, expr: BoundExpr, names: Names): string {
    if (item.names) return this.singleName(item, names);
    return this.derivedName(expr, names);
  }

  private derivedName(expr: BoundExpr, names: Names): string {
    if (expr.k === 'col') return names.unique(expr.name);
    if (expr.k === 'path') {
      const n = columnNameOf(expr);
      if (n !== undefined) return names.unique(n);
    }
    return names.nextColumn();
  }

  // ───────────── scalar expressions ─────────────

  /** Binds a scalar expression that must not contain aggregates. */
  private bindScalar(e: A.Expr, row: RowContext, scope: Scope): BoundExpr {
    return this.bindExpr(e, { ...row, aggregates: false }, scope);
  }

  private requireBool(e: BoundExpr, span: Span, what: string): BoundExpr {
    if (e.type === 'bool') return e;
    if (e.type === 'dynamic') return this.call(SCALAR_FUNCTIONS.get('tobool')!, [e], span);
    throw this.error(span, `The '${what}' predicate must be of type bool, got '${e.type}'`);
  }

  private bindExpr(e: A.Expr, row: RowContext, scope: Scope): BoundExpr {
    switch (e.kind) {
      case 'literal':
        if (e.typeOf) throw this.error(e.span, `A type literal typeof(${e.typeOf}) is valid only as a function argument that expects one (e.g. extract()'s 4th)`);
        return { k: 'lit', type: e.type, value: e.value };
      case 'name': {
        const i = row.schema.findIndex((c) => c.name === e.name);
        if (i >= 0) return { k: 'col', index: i, name: e.name, type: row.schema[i]!.type };
        const entry = scope.lookup(e.name);
        if (entry?.kind === 'scalar') return entry.expr;
        if (entry?.kind === 'tabular') throw this.error(e.span, `'${e.name}' is a tabular expression and cannot be used as a scalar value`);
        if (entry?.kind === 'function') throw this.error(e.span, `'${e.name}' is a function; call it as ${e.name}(…)`);
        throw this.error(e.span, `Failed to resolve scalar expression named '${e.name}'`);
      }
      case 'member':
        return this.bindPath(this.bindExpr(e.target, row, scope), e.name, e.target.span);
      case 'index': {
        const target = this.bindExpr(e.target, row, scope);
        const idx = this.bindExpr(e.index, { schema: row.schema, aggregates: false }, scope);
        if (idx.k === 'lit' && idx.value !== null && (idx.type === 'string' || isIntegral(idx.type))) {
          return this.bindPath(target, idx.type === 'string' ? String(idx.value) : Number(idx.value), e.target.span);
        }
        if (idx.type !== 'string' && !isIntegral(idx.type)) throw this.error(e.index.span, `An index must be a string or an integer, got '${idx.type}'`);
        return this.bindPath(target, idx, e.target.span);
      }
      case 'call':
        return this.bindCall(e, row, scope);
      case 'binary': {
        const fn = OPERATORS.get(e.op);
        if (!fn) throw this.error(e.opSpan, `Unknown operator '${e.op}'`);
        if (e.left.kind === 'star') {
          // `* has "x"`: any column (as string) satisfies the operator
          const right = this.bindExpr(e.right, row, scope);
          return this.anyColumn(row, (c) => this.call(fn, [c, right], e.opSpan), e.span);
        }
        const left = this.bindExpr(e.left, row, scope);
        const right = this.bindExpr(e.right, row, scope);
        // x has_any/in (dynamic([...])) handled in 'in'/'call'; string operators expect strings
        return this.call(fn, [left, right], e.opSpan);
      }
      case 'unary': {
        const operand = this.bindExpr(e.operand, row, scope);
        if (e.op === '+') {
          if (!isNumeric(operand.type) && operand.type !== 'timespan') throw this.error(e.span, `Unary '+' is not defined for ${operand.type}`);
          return operand;
        }
        return this.call(OPERATORS.get('unary -')!, [operand], e.span);
      }
      case 'in': {
        const left = this.bindExpr(e.left, row, scope);
        const only = e.list.length === 1 ? e.list[0]! : undefined;
        const tabEntry = only?.kind === 'name' && !row.schema.some((c) => c.name === only.name) ? scope.lookup(only.name) : undefined;
        if (only && (only.kind === 'subquery' || tabEntry?.kind === 'tabular')) {
          const plan = only.kind === 'subquery' ? this.bindTabular(only.query, scope) : (tabEntry as { plan: P.PlanNode }).plan;
          const st = plan.schema[0]!.type;
          if (!comparableTypes(left.type, st)) throw this.error(e.span, `Cannot compare values of types ${left.type} and ${st} with '${e.op}'`);
          const fn = T.inSubquery(plan, e.op.startsWith('!'), e.op.endsWith('~'));
          return { k: 'call', fn, args: [left], type: 'bool' };
        }
        const list = this.bindList(e.list, row, scope);
        return this.call(OPERATORS.get(e.op)!, [left, ...list], e.span);
      }
      case 'between': {
        const args = [this.bindExpr(e.left, row, scope), this.bindExpr(e.low, row, scope), this.bindExpr(e.high, row, scope)];
        return this.call(OPERATORS.get(e.negated ? '!between' : 'between')!, args, e.span);
      }
      case 'star':
        throw this.error(e.span, "'*' is not valid here");
      case 'subquery':
        throw this.error(e.span, 'A tabular expression cannot be used as a scalar value; use toscalar()');
    }
  }

  /** OR over all columns (converted to string) of `f(column)` — `* has "x"` and search terms. */
  private anyColumn(row: RowContext, f: (c: BoundExpr) => BoundExpr, _span: Span): BoundExpr {
    const tostring = SCALAR_FUNCTIONS.get('tostring')!;
    const or = OPERATORS.get('or')!;
    let acc: BoundExpr | undefined;
    row.schema.forEach((c, i) => {
      const col: BoundExpr = { k: 'col', index: i, name: c.name, type: c.type };
      const s: BoundExpr = c.type === 'string' ? col : { k: 'call', fn: tostring, args: [col], type: 'string' };
      const term = f(s);
      acc = acc ? { k: 'call', fn: or, args: [acc, term], type: 'bool' } : term;
    });
    return acc ?? { k: 'lit', type: 'bool', value: false };
  }

  /** A search term: "x" (has), "x*" (hasprefix), "*x" (hassuffix), "*x*" (contains), "a*b" (regex), on all or one column. */
  private bindSearchTerm(e: A.CallExpr, row: RowContext, scope: Scope): BoundExpr {
    const lit = e.args[0] as A.LiteralExpr;
    const term = String(lit.value);
    const cs = row.searchCs ? '_cs' : '';
    let opName: string;
    let needle = term;
    if (term.length > 1 && term.startsWith('*') && term.endsWith('*') && !term.slice(1, -1).includes('*')) {
      opName = 'contains' + cs;
      needle = term.slice(1, -1);
    } else if (term.startsWith('*') && !term.slice(1).includes('*')) {
      opName = 'hassuffix' + cs;
      needle = term.slice(1);
    } else if (term.endsWith('*') && !term.slice(0, -1).includes('*')) {
      opName = 'hasprefix' + cs;
      needle = term.slice(0, -1);
    } else if (term.includes('*')) {
      opName = 'matches regex';
      needle = (row.searchCs ? '' : '(?i)') + '\\b' + term.split('*').map(regexEscape).join('.*') + '\\b';
    } else opName = 'has' + cs;
    const fn = OPERATORS.get(opName)!;
    const needleLit: BoundExpr = { k: 'lit', type: 'string', value: needle };
    if (e.args.length > 1) {
      const colExpr = this.bindExpr(e.args[1]!, row, scope);
      const s = colExpr.type === 'string' ? colExpr : { k: 'call' as const, fn: SCALAR_FUNCTIONS.get('tostring')!, args: [colExpr], type: 'string' as const };
      return this.call(fn, [s, needleLit], e.span);
    }
    return this.anyColumn(row, (c) => this.call(fn, [c, needleLit], e.span), e.span);
  }

  /** Window functions (row_number, prev, next, row_cumsum) over a serialized row set. */
  private bindWindow(e: A.CallExpr, row: RowContext, scope: Scope): BoundExpr {
    if (!row.serialized) {
      throw this.error(e.nameSpan, `Function '${e.name}' cannot be invoked in current context. Details: the row set must be serialized (use 'serialize' or 'sort' first)`);
    }
    const args = e.args.map((a) => this.bindExpr(a, { ...row, aggregates: false }, scope));
    const lit = (i: number) => args[i]?.k === 'lit' ? (args[i] as BoundLiteral) : undefined;
    switch (e.name) {
      case 'row_number': {
        this.checkArity(e, 0, 2);
        if (args[0] && !isIntegral(args[0].type)) throw this.error(e.args[0]!.span, 'row_number(): the starting index must be an integer');
        if (args[1]) {
          if (args[1].type !== 'bool') throw this.error(e.args[1]!.span, "row_number(): the 'restart' argument must be bool");
          // numbering restarts at `start` on every row where restart is true
          const start: BoundExpr = args[0] ?? { k: 'lit', type: 'long', value: 1n };
          const pre: BoundExpr = { k: 'call', fn: T.windowFn('row_number', (a) => `(CASE WHEN coalesce(${a[0]!.sql}, FALSE) OR row_number() OVER () = 1 THEN row_number() OVER () END)`), args: [args[1]], type: 'long' };
          const after = (h: BoundExpr): BoundExpr => ({
            k: 'call', type: 'long', args: [h, start],
            fn: T.windowFn('row_number', (a) => `(row_number() OVER () - max(${a[0]!.sql}) OVER (${RUNNING}) + CAST(${a[1]!.sql} AS BIGINT))`),
          });
          return { k: 'call', fn: T.stagedWindowFn('row_number', { pre, after }), args: [], type: 'long' };
        }
        const fn = T.windowFn('row_number', (a) => `(row_number() OVER () ${a[0] ? `+ CAST(${a[0].sql} AS BIGINT) - 1` : ''})`);
        return { k: 'call', fn, args: args.slice(0, 1), type: 'long' };
      }
      case 'prev':
      case 'next': {
        this.checkArity(e, 1, 3);
        if (args[1] && !(lit(1) && isIntegral(args[1].type))) throw this.error(e.args[1]!.span, `${e.name}(): the offset must be an integer constant`);
        const x = args[0]!;
        let def: BoundExpr | undefined = args[2];
        if (def && def.type !== x.type) {
          if (def.k === 'lit' && def.value === null) def = { k: 'lit', type: x.type, value: null };
          else if (!(isNumeric(def.type) && isNumeric(x.type))) throw this.error(e.args[2]!.span, `${e.name}(): the default value must be of type '${x.type}'`);
        }
        const f = e.name === 'prev' ? 'lag' : 'lead';
        const fn = T.windowFn(e.name, (a) => {
          const off = a[1] ? a[1].sql : '1';
          const d = a[2] ? `, CAST(${a[2].sql} AS ${sqlTypeOf(x.type)})` : '';
          return `${f}(${a[0]!.sql}, ${off}${d}) OVER ()`;
        });
        const margs = [x, args[1] ?? { k: 'lit', type: 'long', value: 1n } as BoundExpr];
        if (def) margs.push(def);
        return { k: 'call', fn, args: margs, type: x.type };
      }
      case 'row_cumsum': {
        this.checkArity(e, 1, 2);
        const x = args[0]!;
        if (!isNumeric(x.type) && x.type !== 'timespan') throw this.error(e.args[0]!.span, `row_cumsum(): expects a numeric value, got '${x.type}'`);
        const t: KqlType = x.type === 'int' ? 'long' : x.type;
        if (args[1]) {
          if (args[1].type !== 'bool') throw this.error(e.args[1]!.span, "row_cumsum(): the 'restart' argument must be bool");
          // the running sum, less the running sum just before the last restart row
          const pre: BoundExpr = {
            k: 'call', type: 'dynamic', args: [x, args[1]],
            fn: T.windowFn('row_cumsum', (a) => `struct_pack(c := sum(${a[0]!.sql}) OVER (${RUNNING}), b := (CASE WHEN coalesce(${a[1]!.sql}, FALSE) THEN sum(${a[0]!.sql}) OVER (${RUNNING}) - coalesce(${a[0]!.sql}, 0) END), n := (CASE WHEN coalesce(${a[1]!.sql}, FALSE) THEN row_number() OVER () END))`),
          };
          const after = (h: BoundExpr): BoundExpr => ({
            k: 'call', type: t, args: [h],
            fn: T.windowFn('row_cumsum', (a) => `CAST((${a[0]!.sql}).c - coalesce(arg_max((${a[0]!.sql}).b, (${a[0]!.sql}).n) OVER (${RUNNING}), 0) AS ${sqlTypeOf(t)})`),
          });
          return { k: 'call', fn: T.stagedWindowFn('row_cumsum', { pre, after }), args: [], type: t };
        }
        const fn = T.windowFn('row_cumsum', (a) => `CAST(sum(${a[0]!.sql}) OVER (ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS ${sqlTypeOf(t)})`);
        return { k: 'call', fn, args: [x], type: t };
      }
      case 'row_rank_dense':
      case 'row_rank_min': {
        // A new rank starts where the term differs from the previous row's; `restart` starts the
        // ranking over (at 1) on the rows where it is true, as on the first row.
        this.checkArity(e, 1, 2);
        const x = args[0]!;
        if (x.type === 'dynamic') throw this.error(e.args[0]!.span, `${e.name}(): the term cannot be dynamic`);
        if (args[1] && args[1].type !== 'bool') throw this.error(e.args[1]!.span, `${e.name}(): the 'restart' argument must be bool`);
        const restart: BoundExpr = args[1] ?? { k: 'lit', type: 'bool', value: false };
        const dense = e.name === 'row_rank_dense';
        const call = (name: string, type: KqlType, as: BoundExpr[], emit: (a: { sql: string }[]) => string): BoundExpr =>
          ({ k: 'call', type, args: as, fn: T.windowFn(name, emit) });
        // stage 1: the row number where a run starts (f) and where a ranking starts (r)
        const stage1 = call(e.name, 'dynamic', [x, restart], (a) => {
          const v = x.type === 'string' ? `coalesce(${a[0]!.sql}, '')` : a[0]!.sql;
          const starts = `(row_number() OVER () = 1 OR coalesce(${a[1]!.sql}, FALSE))`;
          return `struct_pack(f := (CASE WHEN ${starts} OR ${v} IS DISTINCT FROM lag(${v}) OVER () THEN row_number() OVER () END), r := (CASE WHEN ${starts} THEN row_number() OVER () END))`;
        });
        if (!dense) {
          // row_rank_min: the run's first row, counted from the ranking's first row
          const after = (h: BoundExpr) => call(e.name, 'long', [h], (a) =>
            `(max((${a[0]!.sql}).f) OVER (${RUNNING}) - max((${a[0]!.sql}).r) OVER (${RUNNING}) + 1)`);
          return { k: 'call', fn: T.stagedWindowFn(e.name, { pre: stage1, after }), args: [], type: 'long' };
        }
        // row_rank_dense: runs started so far (c), less those started before the ranking began (b).
        // The latest non-null value of an increasing column is its running max(): two
        // last_value(… IGNORE NULLS) windows in one SELECT give wrong answers in DuckDB 1.5.
        const stage2 = (h1: BoundExpr) => call(e.name, 'dynamic', [h1], (a) =>
          `struct_pack(c := count((${a[0]!.sql}).f) OVER (${RUNNING}), b := (CASE WHEN (${a[0]!.sql}).r IS NOT NULL THEN count((${a[0]!.sql}).f) OVER (${RUNNING}) - 1 END))`);
        const stage3 = (h2: BoundExpr) => call(e.name, 'long', [h2], (a) =>
          `((${a[0]!.sql}).c - max((${a[0]!.sql}).b) OVER (${RUNNING}))`);
        const after = (h1: BoundExpr): BoundExpr => ({ k: 'call', fn: T.stagedWindowFn(e.name, { pre: stage2(h1), after: stage3 }), args: [], type: 'long' });
        return { k: 'call', fn: T.stagedWindowFn(e.name, { pre: stage1, after }), args: [], type: 'long' };
      }
    }
    throw this.error(e.nameSpan, `Unknown function: '${e.name}'`);
  }

  /**
   * Computes the first stage of every staged window call in `expr` (T.STAGED_WINDOWS) into a hidden
   * column of an extend over `plan`, and replaces the call by its second stage over that column.
   */
  private hoistStagedWindows(plan: P.PlanNode, expr: BoundExpr): { plan: P.PlanNode; expr: BoundExpr } {
    let current = plan;
    const visit = (e: BoundExpr): BoundExpr => {
      if (e.k === 'call') {
        const staged = T.STAGED_WINDOWS.get(e.fn);
        if (staged) {
          current = P.extend(current, [{ name: `\u0000s${current.schema.length}`, expr: staged.pre }]);
          return visit(staged.after(P.columnRef(current, current.schema.length - 1)));
        }
        return { ...e, args: e.args.map(visit) };
      }
      if (e.k === 'path') return { ...e, target: visit(e.target), steps: e.steps.map((s) => (typeof s === 'object' ? visit(s) : s)) };
      return e;
    };
    const out = visit(expr);
    return { plan: current, expr: out };
  }

  /** Binds an `in`/`has_any` list; dynamic array literals are expanded into their elements. */
  private bindList(list: A.Expr[], row: RowContext, scope: Scope): BoundExpr[] {
    const out: BoundExpr[] = [];
    for (const item of list) {
      const b = this.bindExpr(item, row, scope);
      if (b.k === 'lit' && b.type === 'dynamic' && typeof b.value === 'string' && b.value.startsWith('[')) {
        for (const v of JSON.parse(b.value) as unknown[]) out.push(jsonToLiteral(v));
        continue;
      }
      out.push(b);
    }
    return out;
  }

  private bindPath(target: BoundExpr, step: string | number | BoundExpr, span: Span): BoundExpr {
    if (target.type !== 'dynamic') {
      throw this.error(span, `The expression is of type '${target.type}'; property and element access require a dynamic value`);
    }
    if (target.k === 'path') return { ...target, steps: [...target.steps, step] };
    return { k: 'path', target, steps: [step], type: 'dynamic' };
  }

  private bindCall(e: A.CallExpr, row: RowContext, scope: Scope): BoundExpr {
    if (e.name === SEARCH_TERM) return this.bindSearchTerm(e, row, scope);
    const entry = scope.lookup(e.name);
    if (entry?.kind === 'function') {
      const r = this.invokeFunction(entry, e.args, row, scope, e.nameSpan);
      if (r.kind !== 'scalar') throw this.error(e.nameSpan, `The function '${e.name}' returns a table and cannot be used as a scalar value; use toscalar()`);
      return r.expr;
    }
    if (WINDOW_NAMES.has(e.name)) return this.bindWindow(e, row, scope);
    if (e.name === 'toscalar') {
      this.checkArity(e, 1, 1);
      const a = e.args[0]!;
      let plan: P.PlanNode | undefined;
      if (a.kind === 'subquery') plan = this.bindTabular(a.query, scope);
      else if (a.kind === 'name' && !row.schema.some((c) => c.name === a.name) && scope.lookup(a.name)?.kind !== 'scalar') plan = this.resolveTable(a.name, a.span, scope);
      else if (a.kind === 'call' && (scope.lookup(a.name)?.kind === 'function' || a.name === 'materialize')) {
        const r = this.bindCallOrTabular(a, row, scope);
        if (r.kind === 'scalar') return r.expr;
        plan = r.plan;
      }
      if (!plan) return this.bindExpr(a, row, scope);
      return { k: 'call', fn: T.scalarSubquery(plan), args: [], type: plan.schema[0]!.type };
    }
    if (e.name === 'materialize') throw this.error(e.nameSpan, 'materialize() returns a table and cannot be used as a scalar value');
    if (e.name === 'column_ifexists' || e.name === 'columnifexists') {
      // column-ifexists-function.md: the column if the row has it, else the default value
      this.checkArity(e, 2, 2);
      const n = e.args[0]!;
      if (n.kind !== 'literal' || n.type !== 'string' || typeof n.value !== 'string') throw this.error(n.span, `${e.name}(): the column name must be a string literal`);
      const i = row.schema.findIndex((c) => c.name === n.value);
      if (i >= 0) return { k: 'col', index: i, name: n.value, type: row.schema[i]!.type };
      return this.bindExpr(e.args[1]!, row, scope);
    }
    if (ROW_FUNCTION_NAMES.has(e.name)) { // pack_all, bag_pack_columns, ingestion_time, estimate_data_size: functions/row.ts
      const args = e.args.map((a) => (a.kind === 'star' ? ALL_COLUMNS : this.bindExpr(a, row, scope)));
      try { return bindRowFunction(e.name, args, row.schema, row.inputColumns); } catch (err) { throw err instanceof BindFailure ? this.error(err.argIndex !== undefined ? e.args[err.argIndex]!.span : e.nameSpan, err.message) : err; }
    }
    if (e.name === 'bin_auto') {
      this.checkArity(e, 1, 1);
      const v = this.bindExpr(e.args[0]!, row, scope);
      try { return bindBinAuto(v, this.binAutoOptions); } catch (err) { throw err instanceof BindFailure ? this.error(e.nameSpan, err.message) : err; }
    }
    if (e.name === 'column_names_of') { // column-names-of-function.md: the names of a tabular expression's columns
      this.checkArity(e, 1, 1);
      const a = e.args[0]!;
      const call = a.kind === 'call' ? this.bindCallOrTabular(a, row, scope) : undefined;
      const plan = a.kind === 'subquery' ? this.bindTabular(a.query, scope) : a.kind === 'name' ? this.resolveTable(a.name, a.span, scope) : call?.kind === 'tabular' ? call.plan : undefined;
      if (!plan) throw this.error(a.span, 'column_names_of(): the argument must be a tabular expression');
      return { k: 'lit', type: 'dynamic', value: JSON.stringify(plan.schema.map((c) => c.name)) };
    }
    const agg = AGGREGATE_FUNCTIONS.get(e.name);
    if (agg) {
      if (!row.aggregates) throw this.error(e.nameSpan, `The aggregate function '${e.name}' can only be used in the aggregation list of summarize`);
      const args = e.args.map((a) => this.bindExpr(a, { schema: row.schema, aggregates: false }, scope));
      this.checkArity(e, agg.minArgs, agg.maxArgs);
      const type = this.runBind(() => agg.bind(args.map(argInfo)), e, args);
      return { k: 'agg', fn: agg, args, type };
    }
    const fn = SCALAR_FUNCTIONS.get(e.name);
    if (!fn) throw this.error(e.nameSpan, `Unknown function: '${e.name}'`);
    const args = e.name === 'has_any' || e.name === 'has_all'
      ? [this.bindExpr(e.args[0]!, row, scope), ...this.bindList(e.args.slice(1), row, scope)]
      : e.args.map((a, i) => {
        if (a.kind === 'literal' && a.typeOf && fn.typeLiteralArg === i) return { k: 'lit', type: 'string', value: a.typeOf, typeOf: a.typeOf } as BoundLiteral;
        return this.bindExpr(a, row, scope);
      });
    this.checkArity(e, fn.minArgs, fn.maxArgs);
    const type = this.runBind(() => fn.bind(args.map(argInfo)), e, args);
    return { k: 'call', fn, args, type };
  }

  private checkArity(e: A.CallExpr, min: number, max: number): void {
    const n = e.args.length;
    if (n < min || n > max) {
      const expected = min === max ? `${min}` : max > 1000 ? `at least ${min}` : `between ${min} and ${max}`;
      throw this.error(e.nameSpan, `The function '${e.name}' expects ${expected} argument${min === 1 && max === 1 ? '' : 's'}, got ${n}`);
    }
  }

  /** Operator application through the catalog. */
  private call(fn: NonNullable<ReturnType<typeof OPERATORS.get>>, args: BoundExpr[], span: Span): BoundCall {
    let type: KqlType;
    try {
      type = fn.bind(args.map(argInfo));
    } catch (err) {
      if (err instanceof BindFailure) throw this.error(span, err.message);
      throw err;
    }
    return { k: 'call', fn, args, type };
  }

  private runBind(f: () => KqlType, e: A.CallExpr, _args: BoundExpr[]): KqlType {
    try {
      return f();
    } catch (err) {
      if (err instanceof BindFailure) {
        const span = err.argIndex !== undefined && e.args[err.argIndex] ? e.args[err.argIndex]!.span : e.nameSpan;
        throw this.error(span, err.message);
      }
      throw err;
    }
  }
}

// ───────────── helpers ─────────────

function argInfo(expr: BoundExpr): ArgInfo {
  return expr.k === 'lit' ? { type: expr.type, literal: expr, expr } : { type: expr.type, expr };
}

function jsonToLiteral(v: unknown): BoundLiteral {
  if (typeof v === 'string') return { k: 'lit', type: 'string', value: v };
  if (typeof v === 'boolean') return { k: 'lit', type: 'bool', value: v };
  if (typeof v === 'number') return Number.isInteger(v) && Math.abs(v) <= Number.MAX_SAFE_INTEGER ? { k: 'lit', type: 'long', value: BigInt(v) } : { k: 'lit', type: 'real', value: v };
  if (v === null) return { k: 'lit', type: 'dynamic', value: null };
  return { k: 'lit', type: 'dynamic', value: JSON.stringify(v) };
}

function children(e: BoundExpr): BoundExpr[] {
  switch (e.k) {
    case 'call':
    case 'agg':
      return e.args;
    case 'path':
      return [e.target, ...e.steps.filter((s): s is BoundExpr => typeof s === 'object')];
    default:
      return [];
  }
}

function referencesAny(e: BoundExpr, indexes: Set<number>): boolean {
  if (e.k === 'col') return indexes.has(e.index);
  return children(e).some((c) => referencesAny(c, indexes));
}

function containsAggregate(e: BoundExpr): boolean {
  return e.k === 'agg' || children(e).some(containsAggregate);
}

function containsColumnOutsideAggregate(e: BoundExpr): boolean {
  if (e.k === 'agg') return false;
  if (e.k === 'col') return true;
  return children(e).some(containsColumnOutsideAggregate);
}

/**
 * Replaces aggregate calls in `e` by references to the aggregate node's output
 * (appended to `out`, at output positions base, base+1, …).
 */
function hoistAggregates(e: BoundExpr, base: number, out: { name: string; expr: BoundAggregate }[]): BoundExpr {
  if (e.k === 'agg') {
    out.push({ name: '', expr: e });
    return { k: 'col', index: base + out.length - 1, name: `__agg${out.length - 1}`, type: e.type };
  }
  if (e.k === 'call') return { ...e, args: e.args.map((a) => hoistAggregates(a, base, out)) };
  if (e.k === 'path') return { ...e, target: hoistAggregates(e.target, base, out), steps: e.steps.map((s) => (typeof s === 'object' ? hoistAggregates(s, base, out) : s)) };
  return e;
}

/** Output column names of one operator, with Kusto's ColumnN numbering for unnamed expressions. */
class Names {
  private readonly used = new Set<string>();
  private next = 1;
  constructor(initial: string[] = []) {
    for (const n of initial) this.used.add(n);
  }
  has(n: string): boolean {
    return this.used.has(n);
  }
  add(n: string): void {
    this.used.add(n);
  }
  /** `base`, or `base1`, `base2`, … if taken. */
  unique(base: string): string {
    let n = base;
    for (let i = 1; this.used.has(n); i++) n = `${base}${i}`;
    this.used.add(n);
    return n;
  }
  nextColumn(): string {
    let n: string;
    do n = `Column${this.next++}`;
    while (this.used.has(n));
    this.used.add(n);
    return n;
  }
}

export { commonType };


const expandListSql = (x: string): string => T.expandList(x, 'bag');
const mvCastSql = (u: string, t: KqlType): string => T.mvCast(u, t);

const sqlIdentK = (i: number): string => `ms_k${i}`;
const sqlIdentA = (i: number): string => `ms_a${i}`;
function toStringTimespan(x: string): string {
  return toStringSql(x, 'timespan');
}
function convertToDynamic(v: string, t: KqlType): string {
  return toDynamicSql(v, t, false);
}
/** arg_max outputs refer to their struct aggregate as column -1-k; make that the aggregate's output position. */
function fixArgMaxRefs(e: BoundExpr, base: number): BoundExpr {
  if (e.k === 'col' && e.index < 0) return { ...e, index: base + (-1 - e.index) };
  if (e.k === 'call') return { ...e, args: e.args.map((a) => fixArgMaxRefs(a, base)) };
  return e;
}

/** The value of one bag key, converted (cast-only) to a column type. */
function bagValueSql(bag: string, key: string, t: KqlType): string {
  const v = `json_extract(${bag}, ${jsonPointer([key])})`;
  return t === 'dynamic' ? `(CASE WHEN json_type(${v}) = 'NULL' THEN NULL ELSE ${v} END)` : T.mvCast(v, t);
}

const WATCHLIST_ALIAS = '__vigil_watchlist_alias';
/** The latest version of each item of the watchlist, without the deleted ones (as Sentinel's _GetWatchlist). */
const WATCHLIST_KQL = `Watchlist
| where _DTItemType == 'watchlist-item' and WatchlistAlias == ${WATCHLIST_ALIAS}
| summarize arg_max(_DTTimestamp, _DTItemStatus, LastUpdatedTimeUTC, SearchKey, WatchlistItem) by _DTItemId
| where _DTItemStatus != 'Delete'
| project _DTItemId, LastUpdatedTimeUTC, SearchKey, WatchlistItem`;
let watchlistQuery: A.TabularExpr | undefined;

/** The names an expression refers to (columns or scalars), in first-use order; not into subqueries. */
function namesIn(e: A.Expr): string[] {
  const out: string[] = [];
  const walk = (v: unknown): void => {
    if (!v || typeof v !== 'object') return;
    if (Array.isArray(v)) {
      v.forEach(walk);
      return;
    }
    const node = v as { kind?: string; name?: string };
    if (node.kind === 'name' && typeof node.name === 'string') {
      if (!out.includes(node.name)) out.push(node.name);
      return;
    }
    if (node.kind === 'subquery') return;
    for (const [k, x] of Object.entries(v)) if (k !== 'span' && k !== 'nameSpan' && k !== 'opSpan') walk(x);
  };
  walk(e);
  return out;
}

/** Does a search predicate look at every column (a bare "term", `* has …`)? */
function searchesEveryColumn(e: A.Expr): boolean {
  let found = false;
  const walk = (v: unknown): void => {
    if (found || !v || typeof v !== 'object') return;
    if (Array.isArray(v)) {
      v.forEach(walk);
      return;
    }
    const node = v as { kind?: string; name?: string; args?: unknown[] };
    if (node.kind === 'star' || (node.kind === 'call' && node.name === SEARCH_TERM && node.args?.length === 1)) {
      found = true;
      return;
    }
    if (node.kind === 'subquery') return;
    for (const [k, x] of Object.entries(v)) if (k !== 'span') walk(x);
  };
  walk(e);
  return found;
}

function isTabularAst(v: A.Expr | A.TabularExpr): v is A.TabularExpr {
  switch (v.kind) {
    case 'tableRef': case 'datatable': case 'print': case 'range': case 'pipe': case 'tcall': case 'qref': case 'unionSource': case 'searchSource':
      return true;
    default:
      return false;
  }
}

function containsWindow(e: BoundExpr): boolean {
  if (e.k === 'call' && T.WINDOW_FUNCTIONS.has(e.fn)) return true;
  return children(e).some(containsWindow);
}

function comparableTypes(a: KqlType, b: KqlType): boolean {
  return a === b || (isNumeric(a) && isNumeric(b)) || a === 'dynamic' || b === 'dynamic';
}

function sqlTypeOf(t: KqlType): string {
  return sqlType(t);
}

/** SQL of a constant expression (row counts etc.). */
function emitExprLit(e: BoundExpr, ctx: EmitContext): string {
  return emitExpr(e, () => 'NULL', ctx);
}

/** getschema DataType column: the .NET type names Kusto reports. */
const DOTNET_TYPES: Record<KqlType, string> = {
  bool: 'System.SByte', int: 'System.Int32', long: 'System.Int64', real: 'System.Double', decimal: 'System.Data.SqlTypes.SqlDecimal',
  string: 'System.String', datetime: 'System.DateTime', timespan: 'System.TimeSpan', guid: 'System.Guid', dynamic: 'System.Object',
};
