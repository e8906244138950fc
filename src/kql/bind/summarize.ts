/** bind/summarize.ts — the binder's extend and summarize (aggregates, arg_max/take_any of several columns, sort keys). */
import type * as A from '../ast.js';
import type { AggregateFunction, BoundAggregate, BoundCall, BoundExpr } from '../bound.js';
import { AGGREGATE_FUNCTIONS, expressionResultName, SCALAR_FUNCTIONS } from '../functions/index.js';
import { ROW_AGGREGATES } from '../functions/pick-row.js';
import * as P from '../planner.js';
import { wildcardMatcher } from '../wildcards.js';
import { isIntegral, type ColumnSchema, type KqlType } from '../types.js';
import { EMPTY_ROW, Names, OUTPUT_CONVERSIONS, type RowContext, Scope, argInfo, containsAggregate, containsColumnOutsideAggregate, containsStagedWindow, fixArgMaxRefs, hoistAggregates, referencesAny, severalColumns, structField } from './context.js';
import { EvaluateBinder } from './evaluate.js';

export abstract class SummarizeBinder extends EvaluateBinder {
  protected bindExtend(input: P.PlanNode, op: A.ExtendOp, scope: Scope): P.PlanNode {
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
  protected outputColumns(item: A.NamedExpr, call: BoundCall, result: BoundExpr, names: Names, all: boolean): { name: string; expr: BoundExpr }[] {
    const outputs: readonly { key: string | number; type: KqlType; name?: string }[] = call.fn.outputs ?? call.fn.callOutputs!(call.args)!;
    const given = item.names ?? [];
    if (given.length > outputs.length) throw this.error(item.span, `${call.fn.name}() returns ${outputs.length} columns; ${given.length} names were given`);
    const arg = call.args[0];
    const argName = arg ? (arg.k === 'col' ? arg.name : arg.k === 'path' ? expressionResultName(arg) : undefined) : undefined;
    const prefix = argName ? `${call.fn.name}_${argName}` : call.fn.name;
    const take = given.length && !all ? given.length : outputs.length;
    return outputs.slice(0, take).map((o, i) => {
      const name = given[i] ? given[i]!.name : names.unique(o.name ?? `${prefix}_${o.key}`);
      if (given[i]) names.add(name);
      const path: BoundExpr = { k: 'path', target: result, steps: [o.key], type: 'dynamic' };
      if (o.type === 'dynamic') return { name, expr: path };
      const conversion = SCALAR_FUNCTIONS.get(OUTPUT_CONVERSIONS[o.type])!;
      return { name, expr: { k: 'call', fn: conversion, args: [path], type: o.type } };
    });
  }

  protected bindSummarize(input: P.PlanNode, op: A.SummarizeOp, scope: Scope): P.PlanNode {
    const row: RowContext = { schema: input.schema, aggregates: false };
    const names = new Names();
    const keys = op.by.map((item) => {
      const expr = this.bindScalar(item.expr, row, scope);
      if (expr.type === 'dynamic') throw this.error(item.expr.span, 'Summarize group key cannot be of type dynamic; convert it with tostring() or another to*() function');
      let name: string;
      if (item.names) name = this.singleName(item, names);
      else {
        // by bin(T, 1h) keeps T's name (and bin(tostring(P.a), …) P_a's), as Kusto does
        const binning = item.expr.kind === 'call' && (item.expr.name === 'bin' || item.expr.name === 'floor' || item.expr.name === 'bin_at' || item.expr.name === 'bin_auto');
        const first = binning && item.expr.kind === 'call' ? item.expr.args[0] : undefined;
        const binned = first?.kind === 'name' ? first.name : binning && expr.k === 'call' ? expressionResultName(expr.args[0]) : undefined;
        name = binned !== undefined && binned !== '' ? names.unique(binned) : this.derivedName(expr, names);
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
      const name = item.names ? this.singleName(item, names) : this.derivedName(expr, names);
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
  protected bindMultiAggregate(
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
   * and the fields already taken), `name = expr`, or an expression named as Kusto names it: its result
   * name, else `unnamed(i)` for the call's argument i (take_any(a * 2, b) → any_arg0; arg_max(x, a * 2) → max_x_arg1).
   */
  protected collectFields(
    args: A.Expr[], fields: { name: string; expr: BoundExpr }[], input: P.PlanNode, keys: { name: string }[], row: RowContext, scope: Scope,
    unnamed: (argIndex: number) => string, argOffset = 0, prefix = '',
  ): void {
    for (const [i, a] of args.entries()) {
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
      const derived = x.k === 'col' ? prefix + x.name : prefix ? prefix + (expressionResultName(x) ?? '') : (expressionResultName(x) || unnamed(argOffset + i));
      fields.push({ name: nameOverride ?? derived, expr: x });
    }
  }

  /**
   * take_any(e1, e2, …) / take_any(*): the values of one arbitrary row per group, as one
   * any_value(STRUCT) aggregate and one output column per field (named like the arguments;
   * the deprecated any() prefixes them with any_).
   */
  protected bindTakeAny(
    item: A.NamedExpr, e: A.CallExpr, input: P.PlanNode, keys: { name: string }[], names: Names, scope: Scope,
    aggs: { name: string; expr: BoundAggregate }[], outputs: { name: string; expr: BoundExpr | number }[],
  ): void {
    const row: RowContext = { schema: input.schema, aggregates: false };
    const prefix = e.name === 'any' ? 'any_' : '';
    const fields: { name: string; expr: BoundExpr }[] = [];
    this.collectFields(e.args, fields, input, keys, row, scope, (i) => `any_arg${i}`, 0, prefix);
    if (fields.length === 0) throw this.error(e.span, `${e.name}(*): no columns to take (all are group keys)`);
    const given = item.names?.map((n) => n.name);
    if (given && given.length > fields.length) throw this.error(item.span, `${e.name}(): more names than output columns`);
    const aggFn = ROW_AGGREGATES.get(e.name)!;
    const agg: BoundAggregate = { k: 'agg', fn: aggFn, args: fields.map((f) => f.expr), type: 'dynamic' };
    const nested = aggs.length;
    aggs.push({ name: `__argmax${nested}`, expr: agg });
    fields.forEach((f, i) => {
      const name = given?.[i] ?? f.name;
      if (names.has(name) && given?.[i]) throw this.error(item.span, `A column named '${name}' is declared more than once`);
      const out = names.unique(name);
      outputs.push({ name: out, expr: structField(nested, i, f.expr.type) });
    });
  }

  protected bindArgMax(
    item: A.NamedExpr, e: A.CallExpr, input: P.PlanNode, keys: { name: string }[], names: Names, scope: Scope,
    aggs: { name: string; expr: BoundAggregate }[], outputs: { name: string; expr: BoundExpr | number }[],
  ): void {
    const isMax = e.name === 'arg_max';
    if (e.args.length < 1) throw this.error(e.nameSpan, `The function '${e.name}' expects at least 1 argument, got 0`);
    const row: RowContext = { schema: input.schema, aggregates: false };
    const key = this.bindScalar(e.args[0]!, row, scope);
    if (key.type === 'dynamic') throw this.error(e.args[0]!.span, `${e.name}(): the expression to ${isMax ? 'maximize' : 'minimize'} can't be dynamic`);
    const fields: { name: string; expr: BoundExpr }[] = [];
    const keyName = expressionResultName(key) || `${isMax ? 'max' : 'min'}_`;
    fields.push({ name: keyName, expr: key });
    const keyPrefix = `${isMax ? 'max' : 'min'}_${expressionResultName(key) ?? ''}`;
    this.collectFields(e.args.slice(1), fields, input, keys, row, scope, (i) => `${keyPrefix}_arg${i}`, 1);
    const given = item.names?.map((n) => n.name);
    if (given && given.length > fields.length) throw this.error(item.span, `${e.name}(): more names than output columns`);
    const aggFn = ROW_AGGREGATES.get(e.name)!;
    const agg: BoundAggregate = { k: 'agg', fn: aggFn, args: [key, ...fields.map((f) => f.expr)], type: 'dynamic' };
    const nested = aggs.length;
    aggs.push({ name: `__argmax${nested}`, expr: agg });
    fields.forEach((f, i) => {
      const name = given?.[i] ?? f.name;
      if (names.has(name)) {
        if (given?.[i]) throw this.error(item.span, `A column named '${name}' is declared more than once`);
      }
      const out = names.unique(name);
      // the struct column is referenced by its aggregate position; resolved below by hoisting
      outputs.push({ name: out, expr: structField(nested, i, f.expr.type) });
    });
  }

  protected bindCount(e: A.Expr, scope: Scope): BoundExpr {
    const v = this.bindScalar(e, EMPTY_ROW, scope);
    if (!isIntegral(v.type)) throw this.error(e.span, `The row count must be an integer, got '${v.type}'`);
    return v;
  }

  protected bindSortKey(k: A.SortKey, row: RowContext, scope: Scope): P.PlanSortKey {
    const expr = this.bindScalar(k.expr, row, scope);
    if (expr.type === 'dynamic') throw this.error(k.expr.span, 'Cannot sort by a value of type dynamic; convert it with tostring() or another to*() function');
    const descending = (k.order ?? 'desc') === 'desc';
    const nullsFirst = k.nulls ? k.nulls === 'first' : !descending;
    return { expr, descending, nullsFirst };
  }

  protected matchPattern(schema: ColumnSchema[], p: A.NamePattern): number[] {
    if (!p.pattern.includes('*') || p.pattern.includes('\\*')) {
      const name = p.pattern.replace(/\\\*/g, '*');
      const i = schema.findIndex((c) => c.name === name);
      if (i < 0) throw this.error(p.span, `Failed to resolve scalar expression named '${name}'`);
      return [i];
    }
    const matches = wildcardMatcher(p.pattern);
    return schema.map((c, i) => (matches(c.name) ? i : -1)).filter((i) => i >= 0);
  }

}
