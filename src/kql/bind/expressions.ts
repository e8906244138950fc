/** bind/expressions.ts — the binder's scalar expressions: names, operators, calls through the catalogue, window functions, subqueries. */
import type * as A from '../ast.js';
import { BindFailure, type BoundCall, type BoundExpr, type BoundLiteral } from '../bound.js';
import { KqlError, SourceText, type Span } from '../errors.js';
import { AGGREGATE_FUNCTIONS, expressionResultName, OPERATORS, SCALAR_FUNCTIONS } from '../functions/index.js';
import { IN_SUBQUERY, TOSCALAR } from '../functions/subquery.js';
import { ALL_COLUMNS, bindRowFunction, ROW_FUNCTION_NAMES } from '../functions/row.js';
import { bindBinAuto } from '../functions/bin-auto.js';
import * as W from '../functions/window.js';
import { crossScopeRefusal, CROSS_SCOPE_FUNCTIONS, SEARCH_TERM } from '../parser.js';
import { regexEscape } from '../regex.js';
import * as P from '../planner.js';
import { isIntegral, isNumeric, type KqlType } from '../types.js';
import { type BindOptions, type BoundQuery, Names, type RowContext, Scope, type TableResolver, argInfo, comparableTypes, jsonToLiteral, type ScopeEntry } from './context.js';

export abstract class ExpressionBinder {
  // implemented by the later layers (bind/tabular.ts)
  protected abstract bindTabular(t: A.TabularExpr, scope: Scope): P.PlanNode;
  protected abstract resolveTable(name: string, span: Span, scope: Scope): P.PlanNode;
  protected abstract invokeFunction(entry: Extract<ScopeEntry, { kind: 'function' }>, args: A.Expr[], row: RowContext, scope: Scope, span: Span, input?: P.PlanNode): { kind: 'scalar'; expr: BoundExpr } | { kind: 'tabular'; plan: P.PlanNode };
  protected abstract bindCallOrTabular(e: A.CallExpr, row: RowContext, scope: Scope): { kind: 'scalar'; expr: BoundExpr } | { kind: 'tabular'; plan: P.PlanNode };

  protected readonly tables: string[] = [];
  protected render: BoundQuery['render'];
  protected callDepth = 0;
  /** `set query_bin_auto_size/at = …` values, for bin_auto() (functions/bin-auto.ts). */
  protected readonly binAutoOptions = new Map<string, BoundExpr>();
  /** Partition and scan operators bound so far (numbers their nodes uniquely). */
  protected partitions = 0;

  constructor(protected readonly src: SourceText, protected readonly resolver: TableResolver, protected readonly options: BindOptions) {}

  protected error(span: Span, message: string): KqlError {
    return this.src.semanticError(span, message);
  }

  // ───────────── names ─────────────

  protected singleName(item: A.NamedExpr, names: Names | undefined): string {
    const n = item.names!;
    if (n.length !== 1) throw this.error(item.span, 'Only aggregates that return several columns may be assigned to a list of names');
    const name = n[0]!.name;
    if (names) {
      if (names.has(name)) throw this.error(n[0]!.span, `A column named '${name}' is declared more than once`);
      names.add(name);
    }
    return name;
  }

  /** Name for an unnamed item: Kusto's result name of the expression (result-names.ts), else ColumnN. */
  protected columnName(item: A.NamedExpr, expr: BoundExpr, names: Names): string {
    if (item.names) return this.singleName(item, names);
    return this.derivedName(expr, names);
  }

  protected derivedName(expr: BoundExpr, names: Names): string {
    const n = expressionResultName(expr);
    return n ? names.unique(n) : names.nextColumn();
  }

  // ───────────── scalar expressions ─────────────

  /** Binds a scalar expression that must not contain aggregates. */
  protected bindScalar(e: A.Expr, row: RowContext, scope: Scope): BoundExpr {
    return this.bindExpr(e, { ...row, aggregates: false }, scope);
  }

  protected requireBool(e: BoundExpr, span: Span, what: string): BoundExpr {
    if (e.type === 'bool') return e;
    if (e.type === 'dynamic') return this.call(SCALAR_FUNCTIONS.get('tobool')!, [e], span);
    throw this.error(span, `The '${what}' predicate must be of type bool, got '${e.type}'`);
  }

  protected bindExpr(e: A.Expr, row: RowContext, scope: Scope): BoundExpr {
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
        // a function without parameters may be named without parentheses (named-expressions.md: print x, x)
        if (entry?.kind === 'function' && entry.def.params.length === 0) return this.bindCall({ kind: 'call', name: e.name, nameSpan: e.span, args: [], span: e.span }, row, scope);
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
          return { k: 'call', fn: IN_SUBQUERY.get(e.op)!, args: [left], subquery: plan, type: 'bool' };
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
  protected anyColumn(row: RowContext, f: (c: BoundExpr) => BoundExpr, _span: Span): BoundExpr {
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
  protected bindSearchTerm(e: A.CallExpr, row: RowContext, scope: Scope): BoundExpr {
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

  /** Window functions (functions/window.ts) over a serialized row set. */
  protected bindWindow(e: A.CallExpr, row: RowContext, scope: Scope): BoundExpr {
    if (!row.serialized) {
      throw this.error(e.nameSpan, `Function '${e.name}' cannot be invoked in current context. Details: the row set must be serialized (use 'serialize' or 'sort' first)`);
    }
    const fn = W.WINDOW_FUNCTIONS.get(e.name)!;
    const args = e.args.map((a) => this.bindExpr(a, { ...row, aggregates: false }, scope));
    this.checkArity(e, fn.minArgs, fn.maxArgs);
    return fn.call(args, this.runBind(() => fn.bind(args.map(argInfo)), e, args));
  }

  /**
   * Computes the first stage of every staged window call in `expr` (W.STAGED_WINDOWS) into a hidden
   * column of an extend over `plan`, and replaces the call by its second stage over that column.
   */
  protected hoistStagedWindows(plan: P.PlanNode, expr: BoundExpr): { plan: P.PlanNode; expr: BoundExpr } {
    let current = plan;
    const visit = (e: BoundExpr): BoundExpr => {
      if (e.k === 'call') {
        const staged = W.STAGED_WINDOWS.get(e.fn);
        if (staged) {
          current = staged.stage ? staged.stage(current, this.partitions++) : P.extend(current, [{ name: `\u0000s${current.schema.length}`, expr: staged.pre! }]);
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
  protected bindList(list: A.Expr[], row: RowContext, scope: Scope): BoundExpr[] {
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

  protected bindPath(target: BoundExpr, step: string | number | BoundExpr, span: Span): BoundExpr {
    if (target.type !== 'dynamic') {
      throw this.error(span, `The expression is of type '${target.type}'; property and element access require a dynamic value`);
    }
    if (target.k === 'path') return { ...target, steps: [...target.steps, step] };
    return { k: 'path', target, steps: [step], type: 'dynamic' };
  }

  protected bindCall(e: A.CallExpr, row: RowContext, scope: Scope): BoundExpr {
    if (e.name === SEARCH_TERM) return this.bindSearchTerm(e, row, scope);
    const entry = scope.lookup(e.name);
    if (entry?.kind === 'function') {
      const r = this.invokeFunction(entry, e.args, row, scope, e.nameSpan);
      if (r.kind !== 'scalar') throw this.error(e.nameSpan, `The function '${e.name}' returns a table and cannot be used as a scalar value; use toscalar()`);
      return r.expr;
    }
    if (W.WINDOW_FUNCTIONS.has(e.name)) return this.bindWindow(e, row, scope);
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
      return { k: 'call', fn: TOSCALAR, args: [], subquery: plan, type: plan.schema[0]!.type };
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
    // a name that is both (hll_merge): the scalar outside summarize's aggregates or with more arguments
    if (agg && (!SCALAR_FUNCTIONS.has(e.name) || (row.aggregates && e.args.length <= agg.maxArgs))) {
      if (!row.aggregates) throw this.error(e.nameSpan, `The aggregate function '${e.name}' can only be used in the aggregation list of summarize`);
      const args = e.args.map((a) => this.bindExpr(a, { schema: row.schema, aggregates: false }, scope));
      this.checkArity(e, agg.minArgs, agg.maxArgs);
      const type = this.runBind(() => agg.bind(args.map(argInfo)), e, args);
      return { k: 'agg', fn: agg, args, type };
    }
    const fn = SCALAR_FUNCTIONS.get(e.name);
    if (!fn && CROSS_SCOPE_FUNCTIONS.has(e.name)) throw this.error(e.nameSpan, crossScopeRefusal(e.name));
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

  protected checkArity(e: A.CallExpr, min: number, max: number): void {
    const n = e.args.length;
    if (n < min || n > max) {
      const expected = min === max ? `${min}` : max > 1000 ? `at least ${min}` : `between ${min} and ${max}`;
      throw this.error(e.nameSpan, `The function '${e.name}' expects ${expected} argument${min === 1 && max === 1 ? '' : 's'}, got ${n}`);
    }
  }

  /** Operator application through the catalog. */
  protected call(fn: NonNullable<ReturnType<typeof OPERATORS.get>>, args: BoundExpr[], span: Span): BoundCall {
    let type: KqlType;
    try {
      type = fn.bind(args.map(argInfo));
    } catch (err) {
      if (err instanceof BindFailure) throw this.error(span, err.message);
      throw err;
    }
    return { k: 'call', fn, args, type };
  }

  protected runBind(f: () => KqlType, e: A.CallExpr, _args: BoundExpr[]): KqlType {
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
