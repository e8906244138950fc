/** bind/tabular.ts — the binder's let statements and user functions, table references, tabular sources (datatable, print, range). */
import type * as A from '../ast.js';
import type { BoundCall, BoundExpr, BoundLiteral } from '../bound.js';
import type { Span } from '../errors.js';
import { SCALAR_FUNCTIONS } from '../functions/index.js';
import { crossScopeRefusal, CROSS_SCOPE_FUNCTIONS, FORK_SOURCE, MV_APPLY_SOURCE, PARTITION_SOURCE } from '../parser.js';
import * as P from '../planner.js';
import { wildcardMatcher } from '../wildcards.js';
import { isIntegral, isNumeric, numericPromote, type KqlType } from '../types.js';
import { EMPTY_ROW, MAX_CALL_DEPTH, Names, type ResolvedTable, ResolverError, type RowContext, Scope, type ScopeEntry, isTabularAst, severalColumns } from './context.js';
import { ExpressionBinder } from './expressions.js';
import { platformFunctionRefusal } from './platform-functions.js';

export abstract class TabularBinder extends ExpressionBinder {
  /** The columns of a several-column function's result (summarize.ts). */
  protected abstract outputColumns(item: A.NamedExpr, call: BoundCall, result: BoundExpr, names: Names, all: boolean): { name: string; expr: BoundExpr }[];

  // implemented by the later layers (bind/joins.ts, bind/operators.ts)
  protected abstract bindUnion(input: P.PlanNode | undefined, op: A.UnionOp, scope: Scope): P.PlanNode;
  protected abstract bindSearch(input: P.PlanNode | undefined, op: A.SearchOp, scope: Scope): P.PlanNode;
  protected abstract bindGetWatchlist(t: A.TabularCallNode, scope: Scope): P.PlanNode;
  protected abstract bindOperator(input: P.PlanNode, op: A.Operator, scope: Scope): P.PlanNode;

  protected bindLetValue(value: A.Expr | A.TabularExpr | A.FunctionDef, scope: Scope, name: string): ScopeEntry {
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

  protected withAsName(plan: P.PlanNode, name: string): P.PlanNode {
    return plan.asName === undefined ? { ...plan, asName: name } : plan;
  }

  /** A call that may be tabular (materialize, table, view/let functions returning tables) or scalar. */
  protected override bindCallOrTabular(e: A.CallExpr, row: RowContext, scope: Scope): { kind: 'scalar'; expr: BoundExpr } | { kind: 'tabular'; plan: P.PlanNode } {
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
  protected override invokeFunction(
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
    // named arguments take their parameters; positional ones fill the others in order (`f(len=3, input)`)
    const given = new Map<string, A.Expr>();
    const isNamed = (a: A.Expr): a is A.BinaryExpr & { left: A.NameExpr } => a.kind === 'binary' && a.op === '=' && a.left.kind === 'name';
    for (const a of args) {
      if (!isNamed(a)) continue;
      if (!params.some((p) => p.name === a.left.name)) throw this.error(a.span, `The function '${entry.name}' has no parameter named '${a.left.name}'`);
      if (given.has(a.left.name)) throw this.error(a.span, `The function '${entry.name}': the argument '${a.left.name}' is given twice`);
      given.set(a.left.name, a.right);
    }
    const open = params.filter((p) => !given.has(p.name));
    let pos = 0;
    for (const a of args) {
      if (isNamed(a)) continue;
      const p = open[pos++];
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

  protected checkTabularParam(fn: string, p: A.FunctionParam, plan: P.PlanNode, span: Span): void {
    for (const c of p.columns ?? []) {
      if (!plan.schema.some((x) => x.name === c.name && x.type === c.type)) {
        throw this.error(span, `The function '${fn}': the tabular argument for '${p.name}' has no column '${c.name}' of type '${c.type}'`);
      }
    }
  }

  protected coerceParam(fn: string, p: A.FunctionParam, v: BoundExpr, span: Span): BoundExpr {
    const want = p.type as KqlType;
    if (v.type === want) return v;
    if (v.k === 'lit' && v.value === null) return { k: 'lit', type: want, value: null };
    // a whole-number constant stays a constant for a real parameter (percentiles(x, p) needs one: invoke-operator.md)
    if (v.k === 'lit' && want === 'real' && typeof v.value === 'bigint') return { k: 'lit', type: 'real', value: Number(v.value) };
    if (v.k === 'lit' && want === 'long' && v.type === 'int') return { k: 'lit', type: 'long', value: v.value };
    const conv: Partial<Record<KqlType, string>> = { long: 'tolong', int: 'toint', real: 'toreal', decimal: 'todecimal', dynamic: 'todynamic', string: 'tostring' };
    if ((isNumeric(v.type) && isNumeric(want)) || want === 'dynamic' || (want === 'string' && v.type === 'dynamic')) {
      const f = SCALAR_FUNCTIONS.get(conv[want] ?? '');
      if (f) return { k: 'call', fn: f, args: [v], type: want };
    }
    throw this.error(span, `The function '${fn}' expects parameter '${p.name}' of type '${want}', got '${v.type}'`);
  }

  /** A tabular argument: a subquery, or a name of a table / tabular let. */
  protected bindTabularArg(a: A.Expr, scope: Scope): P.PlanNode {
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
  protected override resolveTable(name: string, span: Span, scope: Scope): P.PlanNode {
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
  protected resolveStoredTable(name: string, span: Span, fuzzy = false): P.PlanNode {
    let resolved: ResolvedTable | undefined;
    try {
      resolved = this.resolver.resolveTable(name);
    } catch (err) {
      throw new ResolverError(err); // e.g. authorization — compile() rethrows the original unchanged
    }
    if (!resolved) {
      if (fuzzy) return undefined as unknown as P.PlanNode;
      const platform = platformFunctionRefusal(name);
      if (platform) throw this.error(span, platform);
      throw this.error(span, `Failed to resolve table or column expression named '${name}'`);
    }
    if (!this.tables.includes(name)) this.tables.push(name);
    return { ...P.scan(name, resolved.sql, resolved.columns, this.options.timespan), asName: name };
  }

  /** `workspace('id').T` / `resource('id').T` / `app('id').T` through resolveQualifiedTable. */
  protected resolveQualified(t: A.QualifiedRefNode): P.PlanNode {
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
  protected expandWildcard(pattern: string, scope: Scope): { name: string; plan: () => P.PlanNode | undefined }[] {
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

  protected override bindTabular(t: A.TabularExpr, scope: Scope): P.PlanNode {
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
      if (plan.schema.length === 0 && plan.kind !== 'graph') throw this.error(op.span, 'The operator produces a table without columns');
    }
    return plan;
  }

  protected bindSource(t: Exclude<A.TabularExpr, A.PipeNode>, scope: Scope): P.PlanNode {
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
        if (CROSS_SCOPE_FUNCTIONS.has(t.name)) throw this.error(t.nameSpan, crossScopeRefusal(t.name));
        if (t.name === 'table') {
          const a = t.args[0];
          // a constant string: a literal, or a string parameter of the enclosing function (table-function.md: table(tableName))
          const name = a && t.args.length <= 2 ? this.bindExpr(a, EMPTY_ROW, scope) : undefined;
          if (!name || name.k !== 'lit' || name.type !== 'string' || name.value === null) throw this.error(t.nameSpan, 'table() expects a table name as a constant string');
          return this.resolveTable(String(name.value), a!.span, scope);
        }
        if (SCALAR_FUNCTIONS.has(t.name)) {
          throw this.error(t.nameSpan, `'${t.name}' is a scalar function and a query must return a table: print its value with print ${t.name}(…)`);
        }
        const platform = platformFunctionRefusal(t.name);
        if (platform) throw this.error(t.nameSpan, platform);
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
        const multi = cols.map((c) => severalColumns(c.expr));
        if (!multi.includes(true)) return P.print(cols.map((c) => ({ name: c.name, type: c.expr.type })), cols.map((c) => c.expr));
        // several-column functions: printed into hidden columns, then one column per output
        const base = P.print(cols.map((c, i) => ({ name: multi[i] ? `\u0000m${i}` : c.name, type: c.expr.type })), cols.map((c) => c.expr));
        const outNames = new Names();
        return P.project(base, cols.flatMap((c, i) => {
          if (!multi[i]) {
            outNames.add(c.name);
            return [{ name: c.name, expr: P.columnRef(base, i) }];
          }
          return this.outputColumns(t.items[i]!, c.expr as BoundCall, P.columnRef(base, i), outNames, true);
        }));
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

  protected bindDatatable(t: A.DatatableNode, scope: Scope): P.PlanNode {
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
  protected coerceLiteral(v: BoundLiteral, want: KqlType, span: Span): BoundExpr {
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

}
