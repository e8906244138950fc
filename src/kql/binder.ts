/**
 * binder.ts — gives the AST meaning: resolves table names (through the ONE
 * table resolver callback), column and let names, function names (through the
 * catalog), computes types, and builds the logical plan (planner.ts).
 *
 * Every table reference of every construct must go through `resolveTable`
 * below — that is where authorization is enforced by the caller's resolver.
 */
import type * as A from './ast.js';
import { BindFailure, type ArgInfo, type BoundAggregate, type BoundCall, type BoundExpr, type BoundLiteral } from './bound.js';
import { KqlError, SourceText, type Span } from './errors.js';
import { AGGREGATE_FUNCTIONS, columnNameOf, OPERATORS, SCALAR_FUNCTIONS } from './functions.js';
import * as P from './planner.js';
import { commonType, isIntegral, isNumeric, numericPromote, type ColumnSchema, type KqlType } from './types.js';

export interface ResolvedTable {
  /** A FROM-clause source, already quoted by the caller (e.g. via sqlIdent). */
  sql: string;
  columns: ColumnSchema[];
}

export interface TableResolver {
  /** Returns undefined for unknown tables; may throw (e.g. authorization errors), which propagates unchanged. */
  resolveTable(name: string): ResolvedTable | undefined;
}

export interface BindOptions {
  timespan?: { startUs?: bigint; endUs?: bigint };
}

export interface BoundQuery {
  plan: P.PlanNode;
  tables: string[];
  render?: { visualization: string; [k: string]: unknown };
}

/** Carries an error thrown by the caller's resolver through the compiler untouched. */
export class ResolverError extends Error {
  constructor(readonly original: unknown) {
    super('table resolver error');
  }
}

type ScopeEntry = { kind: 'scalar'; expr: BoundExpr } | { kind: 'tabular'; plan: P.PlanNode };

/** Names visible to a statement: let bindings, innermost last. */
class Scope {
  private readonly vars = new Map<string, ScopeEntry>();
  constructor(private readonly parent?: Scope) {}
  lookup(name: string): ScopeEntry | undefined {
    return this.vars.get(name) ?? this.parent?.lookup(name);
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
}

const EMPTY_ROW: RowContext = { schema: [], aggregates: false };

export function bindQuery(ast: A.QueryAst, src: SourceText, resolver: TableResolver, options: BindOptions): BoundQuery {
  return new Binder(src, resolver, options).bindQuery(ast);
}

class Binder {
  private readonly tables: string[] = [];
  private render: BoundQuery['render'];

  constructor(private readonly src: SourceText, private readonly resolver: TableResolver, private readonly options: BindOptions) {}

  private error(span: Span, message: string): KqlError {
    return this.src.semanticError(span, message);
  }

  bindQuery(ast: A.QueryAst): BoundQuery {
    const scope = new Scope();
    let result: P.PlanNode | undefined;
    let resultSpan: Span | undefined;
    for (const st of ast.statements) {
      if (st.kind === 'let') {
        scope.define(st.name, this.bindLetValue(st.value, scope));
        continue;
      }
      if (result !== undefined) {
        throw this.error(st.span, 'Queries with more than one tabular expression statement (multiple result sets) are not supported');
      }
      this.render = undefined;
      result = this.bindTabular(st.expr, scope);
      resultSpan = st.span;
    }
    if (result === undefined) {
      throw this.error(resultSpan ?? ast.span, 'The query has no tabular expression statement to produce a result');
    }
    const out: BoundQuery = { plan: result, tables: this.tables };
    if (this.render) out.render = this.render;
    return out;
  }

  private bindLetValue(value: A.Expr | A.TabularExpr, scope: Scope): ScopeEntry {
    switch (value.kind) {
      case 'tableRef':
      case 'datatable':
      case 'print':
      case 'range':
      case 'pipe':
        return { kind: 'tabular', plan: this.bindTabular(value, scope) };
      case 'name': {
        // `let x = y;` — y may be a let (scalar/tabular) or a table
        const e = scope.lookup(value.name);
        if (e) return e;
        return { kind: 'tabular', plan: this.resolveTable(value.name, value.span, scope) };
      }
      default:
        return { kind: 'scalar', expr: this.bindExpr(value, EMPTY_ROW, scope) };
    }
  }

  // ───────────── tables ─────────────

  /** THE table resolution path: let-bound tabular names first, then the caller's resolver. */
  private resolveTable(name: string, span: Span, scope: Scope): P.PlanNode {
    const entry = scope.lookup(name);
    if (entry?.kind === 'tabular') return entry.plan;
    if (entry?.kind === 'scalar') throw this.error(span, `'${name}' is a scalar value, not a tabular expression`);
    let resolved: ResolvedTable | undefined;
    try {
      resolved = this.resolver.resolveTable(name);
    } catch (err) {
      throw new ResolverError(err); // e.g. authorization — compile() rethrows the original unchanged
    }
    if (!resolved) throw this.error(span, `Failed to resolve table or column expression named '${name}'`);
    if (!this.tables.includes(name)) this.tables.push(name);
    return P.scan(name, resolved.sql, resolved.columns, this.options.timespan);
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
        return this.resolveTable(t.name, t.span, scope);
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
    const row: RowContext = { schema: input.schema, aggregates: false };
    switch (op.kind) {
      case 'where': {
        const pred = this.bindScalar(op.predicate, row, scope);
        return P.filter(input, this.requireBool(pred, op.predicate.span, 'where'));
      }
      case 'project': {
        const names = new Names();
        const cols = op.items.map((item) => {
          const expr = this.bindScalar(item.expr, row, scope);
          return { name: this.columnName(item, expr, names), expr };
        });
        return P.project(input, cols);
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

  private bindExtend(input: P.PlanNode, op: A.ExtendOp, scope: Scope): P.PlanNode {
    // Items may refer to columns defined earlier in the same extend; such items start a new Extend node.
    let plan = input;
    let pending: { name: string; expr: BoundExpr }[] = [];
    let schema = input.schema.slice();
    let assignedHere = new Set<number>();
    const names = new Names(schema.map((c) => c.name));
    for (const item of op.items) {
      const expr = this.bindScalar(item.expr, { schema, aggregates: false }, scope);
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
    return plan;
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
        const binned = item.expr.kind === 'call' && (item.expr.name === 'bin' || item.expr.name === 'floor' || item.expr.name === 'bin_at') && item.expr.args[0]?.kind === 'name' ? item.expr.args[0].name : undefined;
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
    const hoisted = outputs.map((o) => (typeof o.expr === 'number' ? o.expr : hoistAggregates(o.expr, keys.length + aggs.length, nested)));
    const allAggs = [...aggs, ...nested.map((n, i) => ({ name: `__agg${i}`, expr: n.expr }))];
    const agg = P.aggregate(input, keys, allAggs);
    const cols = [
      ...keys.map((k, i) => ({ name: k.name, expr: P.columnRef(agg, i) })),
      ...outputs.map((o, i) => ({ name: o.name, expr: typeof hoisted[i] === 'number' ? P.columnRef(agg, keys.length + (hoisted[i] as number)) : (hoisted[i] as BoundExpr) })),
    ];
    return P.project(agg, cols);
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
    const re = new RegExp('^' + p.pattern.split('*').map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*') + '$');
    return schema.map((c, i) => (re.test(c.name) ? i : -1)).filter((i) => i >= 0);
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
    return this.bindExpr(e, { schema: row.schema, aggregates: false }, scope);
  }

  private requireBool(e: BoundExpr, span: Span, what: string): BoundExpr {
    if (e.type === 'bool') return e;
    if (e.type === 'dynamic') return this.call(SCALAR_FUNCTIONS.get('tobool')!, [e], span);
    throw this.error(span, `The '${what}' predicate must be of type bool, got '${e.type}'`);
  }

  private bindExpr(e: A.Expr, row: RowContext, scope: Scope): BoundExpr {
    switch (e.kind) {
      case 'literal':
        return { k: 'lit', type: e.type, value: e.value };
      case 'name': {
        const i = row.schema.findIndex((c) => c.name === e.name);
        if (i >= 0) return { k: 'col', index: i, name: e.name, type: row.schema[i]!.type };
        const entry = scope.lookup(e.name);
        if (entry?.kind === 'scalar') return entry.expr;
        if (entry?.kind === 'tabular') throw this.error(e.span, `'${e.name}' is a tabular expression and cannot be used as a scalar value`);
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
        const list = this.bindList(e.list, row, scope);
        return this.call(OPERATORS.get(e.op)!, [left, ...list], e.span);
      }
      case 'between': {
        const args = [this.bindExpr(e.left, row, scope), this.bindExpr(e.low, row, scope), this.bindExpr(e.high, row, scope)];
        return this.call(OPERATORS.get(e.negated ? '!between' : 'between')!, args, e.span);
      }
      case 'star':
        throw this.error(e.span, "'*' is not valid here");
    }
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
      : e.args.map((a) => this.bindExpr(a, row, scope));
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
