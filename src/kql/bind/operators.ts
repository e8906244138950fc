/** bind/operators.ts — the binder's pipe operators (where, project, …, mv-expand, mv-apply, partition, parse, make-series, top-nested, scan). */
import type * as A from '../ast.js';
import type { BoundCall, BoundExpr } from '../bound.js';
import type { Span } from '../errors.js';
import { AGGREGATE_FUNCTIONS, SCALAR_FUNCTIONS } from '../functions/index.js';
import { partitionKey } from '../functions/subquery.js';
import { FORK_SOURCE, MV_APPLY_SOURCE, PARTITION_SOURCE } from '../parser.js';
import { kustoRegexToRe2, regexEscape } from '../regex.js';
import * as P from '../planner.js';
import * as T from '../tabular.js';
import { constantValue } from '../functions/constant-value.js';
import { platformFunctionRefusal } from './platform-functions.js';
import { wildcardMatcher } from '../wildcards.js';
import { rewriteStepRefs, scanPlan, scanRowSchema, type ScanStepSpec } from '../scan.js';
import { isNumeric, type ColumnSchema, type KqlType } from '../types.js';
import { DOTNET_TYPES, EMPTY_ROW, Names, type RowContext, Scope, containsStagedWindow, containsWindow, referencesAny, severalColumns } from './context.js';
import { SummarizeBinder } from './summarize.js';

/**
 * `mv-expand todynamic(AuthenticationDetails)` (Sentinel's idiom for a JSON string column) expands
 * into the column it parses, replacing it — Kusto names todynamic()/parse_json() of a column after
 * that column — so `AuthenticationDetails.authenticationMethod` reads the expanded element.
 */
function parsedColumnName(e: A.Expr): string | undefined {
  if (e.kind !== 'call' || !['todynamic', 'parse_json', 'parsejson'].includes(e.name) || e.args.length !== 1) return undefined;
  const arg = e.args[0]!;
  return arg.kind === 'name' ? arg.name : undefined;
}

export abstract class OperatorBinder extends SummarizeBinder {
  // ───────────── operators ─────────────

  protected override bindOperator(input: P.PlanNode, op: A.Operator, scope: Scope): P.PlanNode {
    const row: RowContext = { schema: input.schema, aggregates: false, serialized: P.isSerialized(input) };
    switch (op.kind) {
      case 'where': {
        const pred = this.requireBool(this.bindScalar(op.predicate, row, scope), op.predicate.span, 'where');
        if (containsWindow(pred)) {
          // window functions can't be evaluated in WHERE: compute them in a column first (staged ones beneath it)
          const h = containsStagedWindow(pred) ? this.hoistStagedWindows(input, pred) : { plan: input, expr: pred };
          const ext = P.extend(h.plan, [{ name: '\u0000w', expr: h.expr }]);
          const f = P.filter(ext, P.columnRef(ext, h.plan.schema.length));
          return P.project(f, input.schema.map((c, i) => ({ name: c.name, expr: P.columnRef(f, i) })));
        }
        const pushed = this.filterBeforeUniqueJoin(input, pred);
        if (pushed) return pushed;
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
      case 'project-by-names': {
        // Each specifier is a constant: a name, a wildcard pattern, or a dynamic array of them (e.g.
        // column_names_of(T) or a function's parameter). Columns come in the order specified or
        // matched, each once; names that match no column are ignored, as the docs say.
        const order: number[] = [];
        for (const spec of op.specs) {
          const bound = this.bindScalar(spec, EMPTY_ROW, scope);
          const value = constantValue(bound);
          let names: unknown[];
          if (bound.type === 'string' && typeof value === 'string') names = [value];
          else if (bound.type === 'dynamic' && typeof value === 'string') {
            const parsed: unknown = JSON.parse(value);
            names = Array.isArray(parsed) ? parsed : [parsed];
          } else throw this.error(spec.span, 'project-by-names: each column specifier must be a constant string or a dynamic array of column names (subqueries and column values are not allowed)');
          for (const name of names) {
            if (typeof name !== 'string') throw this.error(spec.span, 'project-by-names: a dynamic array of column specifiers may hold only strings');
            const matches = name.includes('*') ? wildcardMatcher(name) : (c: string) => c === name;
            input.schema.forEach((c, i) => {
              if (matches(c.name) && !order.includes(i)) order.push(i);
            });
          }
        }
        return P.project(input, order.map((i) => ({ name: input.schema[i]!.name, expr: P.columnRef(input, i) })));
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
      case 'reduce':
        return this.bindReduce(input, op, scope);
      case 'consume':
        // reads its input; returns its columns and no rows
        return { kind: 'consume', input, schema: input.schema, serialized: false };
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
        return { kind: 'sample', input, count: n, schema: input.schema, serialized: false };
      }
      case 'sample-distinct': {
        const n = this.bindCount(op.count, scope);
        const col = this.bindScalar(op.column, row, scope);
        const name = col.k === 'col' ? col.name : this.derivedName(col, new Names());
        const proj = P.project(input, [{ name, expr: col }]);
        return { kind: 'sampleDistinct', input: proj, count: n, schema: proj.schema, serialized: false };
      }
      case 'top-nested':
        return this.bindTopNested(input, op, scope);
      case 'evaluate':
        return this.bindEvaluate(input, op, scope);
      case 'scan':
        return this.bindScan(input, op, scope);
      case 'make-graph':
      case 'graph-match':
      case 'graph-shortest-paths':
      case 'graph-to-table':
      case 'graph-mark-components':
        throw this.error(op.span, `${op.kind}: a graph operator (bound by bind/graph.ts)`);
      case 'fork':
      case 'facet':
        throw this.error(op.span, `${op.kind}: it returns several result tables, so it can only be the last operator of the query's tabular statement`);
      case 'invoke': {
        const entry = scope.lookup(op.call.name);
        if (entry?.kind !== 'function') throw this.error(op.call.nameSpan, platformFunctionRefusal(op.call.name) ?? `Unknown function: '${op.call.name}'`);
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

  /**
   * A `where` right after an innerunique join that reads only the left side's columns filters the
   * left side before its keys are deduplicated, as Kusto does (join-innerunique.md: with
   * `where value == "val1.2"` the join "will never give the first result").
   */
  private filterBeforeUniqueJoin(input: P.PlanNode, pred: BoundExpr): P.PlanNode | undefined {
    if (input.kind !== 'join' || input.joinKind !== 'innerunique' || input.asName !== undefined || input.serialized) return undefined;
    const width = input.left.schema.length;
    if (!input.left.schema.every((c, i) => input.schema[i]?.name === c.name)) return undefined;
    const right = new Set(input.schema.map((_, i) => i).filter((i) => i >= width));
    if (referencesAny(pred, right)) return undefined;
    return { ...input, left: P.filter(input.left, pred) };
  }

  // ───────────── mv-expand / mv-apply ─────────────

  protected mvItems(input: P.PlanNode, items: A.MvExpandItem[], scope: Scope, what: string): { schema: ColumnSchema[]; items: P.MvItem[] } {
    const row: RowContext = { schema: input.schema, aggregates: false };
    const schema = input.schema.slice();
    const names = new Names(schema.map((c) => c.name));
    const out: P.MvItem[] = [];
    for (const it of items) {
      const expr = this.bindScalar(it.expr, row, scope);
      if (expr.type !== 'dynamic') throw this.error(it.expr.span, `${what}: the expression to expand must be of type dynamic, got '${expr.type}'`);
      const name = it.name ?? (expr.k === 'col' ? expr.name : (parsedColumnName(it.expr) ?? this.derivedName(expr, names)));
      names.add(name);
      let index = schema.findIndex((c) => c.name === name);
      if (index < 0) index = schema.length;
      const type = it.toType ?? 'dynamic';
      schema[index] = { name, type };
      out.push({ expr, index, type });
    }
    return { schema, items: out };
  }

  protected bindMvExpand(input: P.PlanNode, op: A.MvExpandOp, scope: Scope): P.PlanNode {
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
   * per row; it also sees the row's other columns (the docs' `mv-apply removeProperties = Pack on
   * (mv-expand kind=array Pack …)`).  Output, as the docs show: the input's columns in their order
   * (the subquery's value where it returns the column, a column expanded in place only if it does),
   * then the subquery's other columns.
   */
  protected bindMvApply(input: P.PlanNode, op: A.MvApplyOp, scope: Scope): P.PlanNode {
    const { schema: expSchema, items } = this.mvItems(input, op.items, scope, 'mv-apply');
    const srcSchema = items.map((it) => expSchema[it.index]!);
    if (op.itemIndex !== undefined) srcSchema.push({ name: op.itemIndex, type: 'long' });
    const expanded = new Set(items.map((it) => it.index));
    const passthrough = input.schema.map((_, i) => i).filter((i) => !expanded.has(i) && !srcSchema.some((c) => c.name === input.schema[i]!.name));
    srcSchema.push(...passthrough.map((i) => input.schema[i]!));
    const limit = op.limit ? this.bindCount(op.limit, scope) : undefined;
    const correlation: P.MvApplyCorrelation = { depth: this.callDepth, width: input.schema.length };
    const source: P.MvApplySourcePlan = { kind: 'mvApplySource', correlation, items, withIndex: op.itemIndex !== undefined, passthrough, schema: srcSchema };
    if (limit) source.limit = limit;
    const inner = new Scope(scope);
    inner.define(MV_APPLY_SOURCE, { kind: 'tabular', plan: source });
    const body = this.bindTabular(op.body, inner);
    const columns: P.MvApplyColumn[] = [];
    const schema: ColumnSchema[] = [];
    const taken = new Set<number>();
    input.schema.forEach((c, i) => {
      const j = body.schema.findIndex((b) => b.name === c.name);
      if (j >= 0) {
        taken.add(j);
        columns.push({ body: j });
        schema.push(body.schema[j]!);
      } else if (!expanded.has(i)) {
        columns.push({ outer: i });
        schema.push(c);
      }
    });
    body.schema.forEach((b, j) => {
      if (taken.has(j)) return;
      columns.push({ body: j });
      schema.push(b);
    });
    return { kind: 'mvApply', input, body, correlation, columns, schema, serialized: false };
  }

  /**
   * partition by Column ( subquery ): the subquery runs once per distinct Column value over the
   * rows with that value (PARTITION_SOURCE), and the results are unioned. In SQL: the input as a
   * CTE, its distinct keys, and the subquery joined LATERAL to each key. In the `{ … }` form the
   * subquery has its own source and Column names the partition's key value.
   */
  protected bindPartition(input: P.PlanNode, op: A.PartitionOp, scope: Scope): P.PlanNode {
    const k = input.schema.findIndex((c) => c.name === op.column);
    if (k < 0) throw this.error(op.columnSpan, `partition: unknown column '${op.column}'`);
    if (input.schema[k]!.type === 'dynamic') throw this.error(op.columnSpan, 'partition: the partition key cannot be of type dynamic');
    const id = this.partitions++;
    if (op.withSource) {
      // { subquery }: its own source; Column names the partition's key value inside it
      const inner = new Scope(scope);
      const type = input.schema[k]!.type;
      inner.define(op.column, { kind: 'scalar', expr: { k: 'call', fn: partitionKey(id, type), args: [], type } });
      const body = this.bindTabular(op.body, inner);
      return { kind: 'partition', input, body, id, key: k, schema: body.schema, serialized: false };
    }
    const source: P.PartitionSourcePlan = { kind: 'partitionSource', id, key: k, schema: input.schema, serialized: P.isSerialized(input) };
    const inner = new Scope(scope);
    inner.define(PARTITION_SOURCE, { kind: 'tabular', plan: source });
    const body = this.bindTabular(op.body, inner);
    return { kind: 'partition', input, body, id, key: k, schema: body.schema, serialized: false };
  }

  /** top-hitters N of V [by S] = summarize approximate_count_V = count() (or approximate_sum_S = sum(S)) by V | top N by it desc (exact here). */
  protected bindReduce(input: P.PlanNode, op: A.ReduceOp, scope: Scope): P.PlanNode {
    const row: RowContext = { schema: input.schema, aggregates: false };
    let value = this.bindScalar(op.by, row, scope);
    if (value.type !== 'string') value = { k: 'call', fn: SCALAR_FUNCTIONS.get('tostring')!, args: [value], type: 'string' };
    let threshold = 0.1;
    let characters = '';
    const seen = new Set<string>();
    for (const o of op.options) {
      if (seen.has(o.name)) throw this.error(o.span, `reduce: '${o.name}' is given twice`);
      seen.add(o.name);
      const v = this.bindScalar(o.value, EMPTY_ROW, scope);
      if (o.name === 'threshold') {
        const n = v.k === 'lit' && (typeof v.value === 'number' || typeof v.value === 'bigint') ? Number(v.value) : NaN;
        if (!(n > 0 && n < 1)) throw this.error(o.span, 'reduce: threshold must be a constant real between 0 and 1');
        threshold = n;
      } else if (o.name === 'characters') {
        if (v.k !== 'lit' || typeof v.value !== 'string' || v.value === '') throw this.error(o.span, 'reduce: characters must be a non-empty constant string');
        characters = v.value;
      } else throw this.error(o.span, `reduce: unknown parameter '${o.name}' (expected threshold or characters)`);
    }
    if (op.source && input.schema.some((c) => c.name === 'Pattern')) throw this.error(op.span, "reduce kind=source: the input already has a column named 'Pattern'");
    const schema: ColumnSchema[] = op.source
      ? [...input.schema, { name: 'Pattern', type: 'string' }]
      : [{ name: 'Pattern', type: 'string' }, { name: 'Count', type: 'long' }, { name: 'Representative', type: 'string' }];
    return { kind: 'reduce', input, value, threshold, characters, source: op.source, schema, serialized: false };
  }

  protected bindTopHitters(input: P.PlanNode, op: A.TopHittersOp, scope: Scope): P.PlanNode {
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

  protected bindParse(input: P.PlanNode, op: A.ParseOp, scope: Scope): P.PlanNode {
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
    return {
      kind: 'parse', input, source: src, pattern: re, parseKind: op.parseKind, dropUnmatched: op.kind === 'parse-where', needMatched,
      columns: cols.map((c, k) => ({ type: c.type, group: c.group, index: colIdx[k]! })), schema, serialized: P.isSerialized(input),
    };
  }

  protected parseColumnRegex(t: KqlType, kind: 'simple' | 'regex' | 'relaxed', last: boolean): string {
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

  protected bindParseKv(input: P.PlanNode, op: A.ParseKvOp, scope: Scope): P.PlanNode {
    const row: RowContext = { schema: input.schema, aggregates: false };
    let src = this.bindScalar(op.source, row, scope);
    if (src.type !== 'string') src = { k: 'call', fn: SCALAR_FUNCTIONS.get('tostring')!, args: [src], type: 'string' };
    const opt: Record<string, string | boolean> = {};
    const quotes: [string, string][] = [];
    const escapes: string[] = [];
    for (const o of op.options) {
      const v = this.bindScalar(o.value, EMPTY_ROW, scope);
      if (v.k !== 'lit' || (typeof v.value !== 'string' && typeof v.value !== 'boolean')) throw this.error(o.span, `parse-kv: the option '${o.name}' must be a constant`);
      if (!['pair_delimiter', 'kv_delimiter', 'quote', 'escape', 'greedy', 'regex'].includes(o.name)) throw this.error(o.span, `parse-kv: unknown option '${o.name}'`);
      const text = String(v.value);
      // quote= and escape= may repeat (each adds a quote pair / an escape character)
      if (o.name === 'quote') {
        if (text.length < 1 || text.length > 2) throw this.error(o.span, 'parse-kv: quote must be one or two characters (opening and closing quote)');
        quotes.push([text[0]!, text[text.length - 1]!]);
      } else if (o.name === 'escape') {
        if (text.length !== 1) throw this.error(o.span, 'parse-kv: escape must be one character');
        escapes.push(text);
      } else opt[o.name] = v.value;
    }
    const hasPd = typeof opt.pair_delimiter === 'string', hasKd = typeof opt.kv_delimiter === 'string';
    if (typeof opt.regex === 'string' && (hasPd || hasKd || quotes.length > 0 || escapes.length > 0 || opt.greedy !== undefined)) throw this.error(op.span, 'parse-kv: regex cannot be combined with delimiters, quote, escape or greedy');
    if (hasPd !== hasKd) throw this.error(op.span, 'parse-kv: pair_delimiter and kv_delimiter are given together (or neither, for the nonspecified-delimiter mode)');
    if ((hasPd && opt.pair_delimiter === '') || (hasKd && opt.kv_delimiter === '')) throw this.error(op.span, 'parse-kv: a delimiter cannot be empty');
    if (opt.greedy !== undefined && !hasPd) throw this.error(op.span, 'parse-kv: greedy needs pair_delimiter and kv_delimiter');
    const schema = input.schema.slice();
    const idx = op.columns.map((c) => {
      let i = schema.findIndex((x) => x.name === c.name);
      if (i < 0) i = schema.length;
      schema[i] = { name: c.name, type: c.type };
      return i;
    });
    const node: P.ParseKvPlan = {
      kind: 'parseKv', input, source: src, quotes, escapes, greedy: opt.greedy === true,
      columns: op.columns.map((c, k) => ({ key: c.name, type: c.type, index: idx[k]! })), schema, serialized: P.isSerialized(input),
    };
    if (hasPd) {
      node.pairDelimiter = String(opt.pair_delimiter);
      node.kvDelimiter = String(opt.kv_delimiter);
    }
    if (typeof opt.regex === 'string') node.regex = opt.regex;
    return node;
  }

  // ───────────── make-series ─────────────

  protected bindMakeSeries(input: P.PlanNode, op: A.MakeSeriesOp, scope: Scope): P.PlanNode {
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
      let expr = this.bindExpr(a.item.expr, { schema: input.schema, aggregates: true }, scope);
      // a constant item (make-series-operator.md: other=-1 default=-2) is the constant in every bin that has rows
      if (expr.k === 'lit' && expr.type !== 'dynamic') expr = { k: 'agg', fn: AGGREGATE_FUNCTIONS.get('take_any')!, args: [expr], type: expr.type };
      if (expr.k !== 'agg') throw this.error(a.item.expr.span, 'make-series: each item must be an aggregate function call or a constant');
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
    const node: P.MakeSeriesPlan = {
      kind: 'makeSeries', input, keys: keys.map((k) => k.expr), axis, step, aggregates: aggs.map((a) => ({ expr: a.expr, default: a.def })),
      nonEmpty: op.nonEmpty === true, schema, serialized: false,
    };
    if (from) node.from = from;
    if (to) node.to = to;
    return node;
  }

  // ───────────── top-nested ─────────────

  protected bindTopNested(input: P.PlanNode, op: A.TopNestedOp, scope: Scope): P.PlanNode {
    const row: RowContext = { schema: input.schema, aggregates: false };
    const names = new Names();
    const levels = op.levels.map((l) => {
      const of = this.bindScalar(l.of.expr, row, scope);
      if (of.type === 'dynamic') throw this.error(l.of.expr.span, 'top-nested: the grouping expression cannot be dynamic');
      let others: BoundExpr | undefined;
      if (l.others) {
        others = this.bindScalar(l.others, EMPTY_ROW, scope);
        if (others.k === 'lit' && others.value === null) others = { k: 'lit', type: of.type, value: null };
        if (others.type !== of.type) throw this.error(l.others.span, `top-nested: the 'with others' value must be of the level's type '${of.type}', got '${others.type}'`);
      }
      const ofName = l.of.names ? this.singleName(l.of, names) : this.derivedName(of, names);
      const agg = this.bindExpr(l.by.expr, { schema: input.schema, aggregates: true }, scope);
      if (agg.k !== 'agg') throw this.error(l.by.expr.span, 'top-nested: the by expression must be an aggregate function call');
      const aggName = l.by.names ? this.singleName(l.by, names) : names.unique(`aggregated_${ofName}`);
      const count = l.count ? this.bindCount(l.count, scope) : undefined;
      return { of, ofName, agg, aggName, count, desc: l.order !== 'asc', others };
    });
    const schema = levels.flatMap((l) => [{ name: l.ofName, type: l.of.type }, { name: l.aggName, type: l.agg.type }]);
    const node: P.TopNestedPlan = { kind: 'topNested', input, levels: [], schema, serialized: true };
    for (const l of levels) {
      node.levels.push({ of: l.of, agg: l.agg, descending: l.desc, ...(l.count ? { count: l.count } : {}), ...(l.others ? { others: l.others } : {}) });
    }
    return node;
  }

  // ───────────── fork / facet ─────────────

  /** The result tables of fork (one per leg) and facet (the `with` pipe, then one count per column). */
  protected bindResultTables(input: P.PlanNode, op: A.ForkOp | A.FacetOp, scope: Scope): { name: string; plan: P.PlanNode }[] {
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
  protected bindScan(input: P.PlanNode, op: A.ScanOp, scope: Scope): P.PlanNode {
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
      const bad = (x: BoundExpr): boolean => (x.k === 'call' ? x.subquery !== undefined || x.fn.window === true || x.args.some(bad) : x.k === 'path' ? bad(x.target) || x.steps.some((st) => typeof st === 'object' && bad(st)) : x.k === 'agg');
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
  protected convertTo(v: BoundExpr, t: KqlType, span: Span, what: string): BoundExpr {
    if (v.type === t) return v;
    if (v.k === 'lit' && v.value === null) return { k: 'lit', type: t, value: null };
    if ((isNumeric(v.type) && isNumeric(t)) || v.type === 'dynamic' || t === 'string' || t === 'dynamic') {
      const fn = SCALAR_FUNCTIONS.get(t === 'real' ? 'toreal' : t === 'dynamic' ? 'todynamic' : `to${t}`);
      if (fn) return this.call(fn, [v], span);
    }
    throw this.error(span, `${what} must be of type '${t}', got '${v.type}'`);
  }

}
