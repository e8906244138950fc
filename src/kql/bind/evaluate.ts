/** bind/evaluate.ts — the binder's the evaluate plugins (bag_unpack, pivot, narrow, the pattern plugins, …). */
import type * as A from '../ast.js';
import type { BoundExpr } from '../bound.js';
import { OPERATORS, SCALAR_FUNCTIONS } from '../functions/index.js';
import { constantValue } from '../functions/constant-value.js';
import type { Span } from '../errors.js';
import * as P from '../planner.js';
import { DiscoveryNeeded, discoveryPlan } from '../discovery.js';
import { patternPluginPlan } from '../pattern-plugins.js';
import { isNumeric, type ColumnSchema, type KqlType } from '../types.js';
import { EMPTY_ROW, type RowContext, Scope } from './context.js';
import { JoinBinder } from './joins.js';
import { ACTIVITY_PLUGINS, bindActivityPlugin } from './plugins-activity.js';
import { SCHEMA_MERGE_INPUT, schemaMergeQuery } from './plugins-schema-merge.js';
import { parse } from '../parser.js';
import { bindIpLookup, IP_LOOKUP_PLUGINS } from './plugins-ip-lookup.js';
import { bindGeoLookup, GEO_LOOKUP_PLUGINS } from './plugins-geo-lookup.js';

export abstract class EvaluateBinder extends JoinBinder {
  // ───────────── evaluate ─────────────

  /**
   * bag_unpack's optional arguments, positional (OutputColumnPrefix, columnsConflict,
   * ignoredProperties) or named: constants.
   */
  private bagUnpackOptions(args: A.Expr[], scope: Scope): { prefix: string; conflict: string; ignored: Set<string> } {
    const names = ['OutputColumnPrefix', 'columnsConflict', 'ignoredProperties'];
    const out = { prefix: '', conflict: 'error', ignored: new Set<string>() };
    args.forEach((a, i) => {
      let name: string | undefined = names[i];
      let valueAst = a;
      if (a.kind === 'binary' && a.op === '=' && a.left.kind === 'name') {
        name = names.find((n) => n.toLowerCase() === (a.left as A.NameExpr).name.toLowerCase());
        valueAst = a.right;
      }
      if (!name) throw this.error(a.span, 'bag_unpack(): expects at most (column, OutputColumnPrefix, columnsConflict, ignoredProperties)');
      const v = this.bindScalar(valueAst, EMPTY_ROW, scope);
      if (v.k !== 'lit') throw this.error(valueAst.span, `bag_unpack(): ${name} must be a constant`);
      if (name === 'ignoredProperties') {
        const list = typeof v.value === 'string' ? (JSON.parse(v.value) as unknown) : v.value;
        if (!Array.isArray(list)) throw this.error(valueAst.span, 'bag_unpack(): ignoredProperties must be a dynamic array of property names');
        for (const x of list) out.ignored.add(String(x));
      } else if (typeof v.value !== 'string') {
        throw this.error(valueAst.span, `bag_unpack(): ${name} must be a string`);
      } else if (name === 'columnsConflict') {
        if (!['error', 'replace_source', 'keep_source'].includes(v.value)) throw this.error(valueAst.span, "bag_unpack(): columnsConflict must be 'error', 'replace_source' or 'keep_source'");
        out.conflict = v.value;
      } else out.prefix = v.value;
    });
    return out;
  }

  protected bindEvaluate(input: P.PlanNode, op: A.EvaluateOp, scope: Scope): P.PlanNode {
    const row: RowContext = { schema: input.schema, aggregates: false };
    switch (op.plugin) {
      case 'bag_unpack': {
        if (op.args.length < 1) throw this.error(op.pluginSpan, 'bag_unpack(): expects a dynamic column');
        const bag = this.bindScalar(op.args[0]!, row, scope);
        if (bag.type !== 'dynamic') throw this.error(op.args[0]!.span, `bag_unpack(): the argument must be dynamic, got '${bag.type}'`);
        const { prefix, conflict, ignored } = this.bagUnpackOptions(op.args.slice(1), scope);
        // The output schema must be known when compiling (Kusto requires it at compile time too):
        // either the `: (a:string, …)` output-schema form, or a bag whose keys are constants
        // (a dynamic literal, e.g. from datatable/print).  For bags stored in tables, callers can
        // run a pre-query (SELECT DISTINCT unnest(json_keys(col)) …) and pass the keys back through
        // the output-schema form; compile() is synchronous and has no database access.
        let keys: { name: string; type: KqlType }[];
        if (op.schema) {
          keys = op.schema;
        } else {
          // Kusto infers the columns from the data: constant bags here, stored ones by a discovery
          // step (src/kql/discovery.ts); the columns are dynamic, in key order.
          keys = this.constantBagKeys(input, bag) ?? this.discovered(op, 'bag_unpack', input, bag, "bag_unpack(): the output schema of the bag isn't known when compiling; use the output-schema form: evaluate bag_unpack(col) : (Key1:string, Key2:long, …)").map((name) => ({ name, type: 'dynamic' }));
        }
        keys = keys.filter((k) => !ignored.has(k.name));
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
          const columns = srcOrder.map(({ c, i }): P.BagUnpackColumn => (i !== undefined ? { input: i } : { key: c.name, type: c.type }));
          return { kind: 'bagUnpack', input, bag, columns, schema: schema2, serialized: false };
        }
        const clash = keys.find((k) => baseIdx.some((i) => input.schema[i]!.name === prefix + k.name));
        if (clash && conflict === 'error')
          throw this.error(op.pluginSpan, `bag_unpack(): the bag's property '${clash.name}' clashes with the input column '${prefix + clash.name}'; pass columnsConflict='replace_source' or 'keep_source'`);
        const produced = new Set(keys.map((k) => prefix + k.name));
        // replace_source: the bag's property takes the input column's place; keep_source: the property is dropped
        const replaced = (i: number) => conflict === 'replace_source' && produced.has(input.schema[i]!.name);
        const used = new Set(baseIdx.map((i) => input.schema[i]!.name));
        outKeys = keys.filter((k) => !used.has(prefix + k.name)).map((k) => ({ name: prefix + k.name, type: k.type }));
        const schema: ColumnSchema[] = [];
        const columns: P.BagUnpackColumn[] = [];
        for (const i of baseIdx) {
          const name = input.schema[i]!.name;
          const k = replaced(i) ? keys.find((x) => prefix + x.name === name)! : undefined;
          schema.push(k ? { name, type: k.type } : input.schema[i]!);
          columns.push(k ? { key: k.name, type: k.type } : { input: i });
        }
        for (const k of outKeys) {
          schema.push(k);
          columns.push({ key: k.name.slice(prefix.length), type: k.type });
        }
        return { kind: 'bagUnpack', input, bag, columns, schema, serialized: false };
      }
      case 'pivot': {
        if (op.args.length < 1) throw this.error(op.pluginSpan, 'pivot(): expects a pivot column');
        const col = this.bindScalar(op.args[0]!, row, scope);
        const values = this.constantColumnValues(input, col) ?? [...this.discovered(op, 'pivot', input, col, "pivot(): the pivot column's values must be known when compiling (a constant table such as datatable); for stored tables use summarize with countif()/sumif() per value")];
        const aggAst = op.args[1] ?? ({ kind: 'call', name: 'count', nameSpan: op.pluginSpan, args: [], span: op.pluginSpan } as A.CallExpr);
        const agg = this.bindExpr(aggAst, { schema: input.schema, aggregates: true }, scope);
        if (agg.k !== 'agg') throw this.error(aggAst.span, 'pivot(): the second argument must be an aggregate function call');
        if (!agg.fn.honorsFilter) throw this.error(aggAst.span, `pivot(): the aggregate '${agg.fn.name}' is not supported here`);
        // The group columns: those named, by default every column but the pivot column and the aggregated ones (pivot-plugin.md).
        const groups: BoundExpr[] = op.args.length > 2
          ? op.args.slice(2).map((g) => this.bindScalar(g, row, scope))
          : defaultPivotGroups(input.schema, col, agg);
        const schema: ColumnSchema[] = [...groups.map((g) => ({ name: g.k === 'col' ? g.name : 'Column1', type: g.type })), ...values.map((v) => ({ name: v, type: agg.type }))];
        return { kind: 'pivot', input, column: col, values, aggregate: agg, groups, schema, serialized: false };
      }
      case 'narrow': {
        // narrow-plugin.md: one row per cell — the row's 0-based number, the column's name, the value as a string
        if (op.args.length) throw this.error(op.pluginSpan, 'narrow(): takes no arguments');
        const schema: ColumnSchema[] = [{ name: 'Row', type: 'long' }, { name: 'Column', type: 'string' }, { name: 'Value', type: 'string' }];
        return { kind: 'narrow', input, schema, serialized: true };
      }
      case 'rows_near': {
        // rows-near-plugin.md: rows_near(Condition, NumRows [, RowsAfter])
        if (op.args.length < 2 || op.args.length > 3) throw this.error(op.pluginSpan, 'rows_near(): expects (Condition, NumRows [, RowsAfter])');
        const condition = this.bindScalar(op.args[0]!, row, scope);
        if (condition.type !== 'bool') throw this.error(op.args[0]!.span, `rows_near(): Condition must be a bool expression, got '${condition.type}'`);
        const count = (a: A.Expr, what: string): number => {
          const v = this.bindScalar(a, EMPTY_ROW, scope);
          const value = constantValue(v);
          const n = typeof value === 'number' || typeof value === 'bigint' ? Number(value) : NaN;
          if ((v.type !== 'int' && v.type !== 'long') || !Number.isSafeInteger(n) || n < 0) throw this.error(a.span, `rows_near(): ${what} must be a non-negative integer constant`);
          return n;
        };
        const before = count(op.args[1]!, 'NumRows');
        const after = op.args[2] ? count(op.args[2], 'RowsAfter') : before;
        return { kind: 'rowsNear', input, condition, before, after, schema: input.schema, serialized: true };
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
        if (op.plugin === 'schema_merge') {
          const inner = new Scope(scope);
          inner.define(SCHEMA_MERGE_INPUT, { kind: 'tabular', plan: input });
          const statement = parse(schemaMergeQuery(input.schema, op, (s, m) => this.error(s, m))).ast.statements[0]!;
          if (statement.kind !== 'tabular') throw new Error('schema_merge: the plugin query is not tabular');
          return this.bindTabular(statement.expr, inner);
        }
        if (ACTIVITY_PLUGINS.has(op.plugin)) {
          return bindActivityPlugin(input, op, { row: (e) => this.bindScalar(e, row, scope), constant: (e) => this.bindScalar(e, EMPTY_ROW, scope), error: (s, m) => this.error(s, m) });
        }
        if (IP_LOOKUP_PLUGINS.has(op.plugin)) {
          const table = (e: A.Expr) => (e.kind === 'subquery' ? this.bindTabular(e.query, scope) : e.kind === 'name' ? this.resolveTable(e.name, e.span, scope) : undefined) ?? (() => { throw this.error(e.span, `${op.plugin}(): LookupTable must be a table, a let-bound table or a (subquery)`); })();
          return bindIpLookup(input, op, { table, constant: (e) => this.bindScalar(e, EMPTY_ROW, scope), error: (s, m) => this.error(s, m) });
        }
        if (GEO_LOOKUP_PLUGINS.has(op.plugin)) {
          const table = (e: A.Expr) => (e.kind === 'subquery' ? this.bindTabular(e.query, scope) : e.kind === 'name' ? this.resolveTable(e.name, e.span, scope) : undefined) ?? (() => { throw this.error(e.span, `${op.plugin}(): LookupTable must be a table, a let-bound table or a (subquery)`); })();
          const call = (name: string, args: BoundExpr[], span: Span) => this.call((SCALAR_FUNCTIONS.get(name) ?? OPERATORS.get(name))!, args, span);
          return bindGeoLookup(input, op, { table, call, constant: (e) => this.bindScalar(e, EMPTY_ROW, scope), error: (s, m) => this.error(s, m) });
        }
        throw this.error(op.pluginSpan, `The plugin '${op.plugin}' is not supported`);
    }
  }

  /** How many times each evaluate operator (by source offset) was bound: a let function can bind one several times. */
  private readonly discoveryBindings = new Map<number, number>();

  /** The names a discovery step found for this operator, or DiscoveryNeeded to ask compile()'s caller to run one. */
  private discovered(op: A.EvaluateOp, plugin: 'bag_unpack' | 'pivot', input: P.PlanNode, expr: BoundExpr, refusal: string): readonly string[] {
    const n = (this.discoveryBindings.get(op.pluginSpan.start) ?? 0) + 1;
    this.discoveryBindings.set(op.pluginSpan.start, n);
    const key = n === 1 ? String(op.pluginSpan.start) : `${op.pluginSpan.start}#${n}`;
    const names = this.options.discovered?.get(key);
    if (names) return names;
    const need = new DiscoveryNeeded(key, plugin, discoveryPlan(input, expr), this.error(op.pluginSpan, refusal));
    if (!this.options.discoveryRequests) throw need;
    this.options.discoveryRequests.push(need);
    return [];
  }

  /** Keys (and inferred types) of a dynamic column whose values are constants in a datatable/print. */
  protected constantBagKeys(input: P.PlanNode, bag: BoundExpr): { name: string; type: KqlType }[] | undefined {
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
  protected constantValues(input: P.PlanNode, e: BoundExpr): (string | null)[] | undefined {
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
  protected constantColumnValues(input: P.PlanNode, col: BoundExpr): string[] | undefined {
    const v = this.constantValues(input, col);
    if (!v) return undefined;
    return [...new Set(v.map((x) => x ?? ''))].sort();
  }

}

/** pivot()'s default group columns: every input column but the pivot column and those the aggregate reads. */
function defaultPivotGroups(schema: readonly ColumnSchema[], pivot: BoundExpr, agg: BoundExpr): BoundExpr[] {
  const used = new Set<string>();
  const visit = (e: BoundExpr): void => {
    if (e.k === 'col') used.add(e.name);
    else if (e.k === 'call' || e.k === 'agg') e.args.forEach(visit);
    else if (e.k === 'path') visit(e.target);
  };
  visit(pivot);
  visit(agg);
  return schema.flatMap((c, index) => (used.has(c.name) ? [] : [{ k: 'col' as const, index, name: c.name, type: c.type }]));
}
