/** bind/joins.ts — the binder's union, search/find, join, lookup and _GetWatchlist. */
import type * as A from '../ast.js';
import type { BoundExpr, BoundLiteral } from '../bound.js';
import { KqlError, type Span } from '../errors.js';
import { SCALAR_FUNCTIONS } from '../functions/index.js';
import { parse } from '../parser.js';
import * as P from '../planner.js';
import * as T from '../tabular.js';
import type { ColumnSchema, KqlType } from '../types.js';
import { EMPTY_ROW, type RowContext, Scope, namesIn, searchesEveryColumn } from './context.js';
import { TabularBinder } from './tabular.js';

export abstract class JoinBinder extends TabularBinder {
  // ───────────── union / join / lookup / search ─────────────

  protected override bindUnion(input: P.PlanNode | undefined, op: A.UnionOp, scope: Scope): P.PlanNode {
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

  protected override bindSearch(input: P.PlanNode | undefined, op: A.SearchOp, scope: Scope): P.PlanNode {
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
    const lacking = sources.length > 1 ? this.missingSearchColumns(sources, op.predicate) : undefined;
    for (const src of sources) {
      let plan = src.plan;
      const missing = lacking?.(plan);
      if (missing === null) continue;
      // a column named in the predicate that this table lacks (others have it) reads as null here:
      // `A:"x" or B:"y"` keeps this table's rows that match the term on the column it has
      if (missing?.length) plan = P.extend(plan, missing);
      const row: RowContext = { schema: plan.schema, aggregates: false, searchCs: op.caseSensitive };
      let pred: BoundExpr;
      try {
        pred = this.requireBool(this.bindScalar(op.predicate, row, scope), op.predicate.span, 'search');
      } catch (err) {
        // a name the predicate uses that no table has: the table contributes no rows
        if (sources.length > 1 && err instanceof KqlError && /Failed to resolve scalar expression/.test(err.message)) continue;
        throw err;
      }
      let kept: P.PlanNode = P.filter(plan, pred);
      if (missing?.length) kept = P.project(kept, src.plan.schema.map((c, i) => ({ name: c.name, expr: P.columnRef(kept, i) })));
      filtered.push({ plan: kept, source: src.source });
    }
    if (filtered.length === 0) {
      return P.datatable([{ name: '$table', type: 'string' }], []);
    }
    return T.unionPlan(filtered, 'outer', '$table');
  }

  /**
   * For a search over several tables: the columns the predicate names (and some table has) that a
   * table lacks, as typed nulls — or null when the table has none of them and the predicate looks at
   * named columns only (then the table contributes no rows).
   */
  private missingSearchColumns(sources: T.UnionLegPlan[], predicate: A.Expr): (plan: P.PlanNode) => { name: string; expr: BoundExpr }[] | null {
    const typeOf = new Map<string, KqlType>();
    for (const name of namesIn(predicate)) {
      const t = sources.map((s) => s.plan.schema.find((c) => c.name === name)?.type).find((x) => x !== undefined);
      if (t) typeOf.set(name, t);
    }
    const everyColumn = searchesEveryColumn(predicate);
    return (plan) => {
      const has = (name: string) => plan.schema.some((c) => c.name === name);
      if (typeOf.size > 0 && !everyColumn && ![...typeOf.keys()].some(has)) return null;
      return [...typeOf].filter(([name]) => !has(name)).map(([name, type]) => ({ name, expr: { k: 'lit', type, value: null } as BoundLiteral }));
    };
  }

  /**
   * `find` (find-operator.md): each source is filtered by the predicate — a source that has none of
   * the columns the predicate names is left out, and the columns it lacks read as null — then
   * shaped to find's output: the source column, then with project-smart the predicate's columns and
   * the columns common to every source, the rest packed into `pack_`; with `project` the listed
   * columns (null where a source lacks one) and, for pack_all(), the others in `pack_`.
   */
  protected bindFind(sources: T.UnionLegPlan[], op: A.SearchOp, out: A.FindOutput, scope: Scope): P.PlanNode {
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
    let invalid: KqlError | undefined;
    for (const src of sources) {
      let plan = src.plan;
      if (predCols.length > 0 && !everyColumn && !predCols.some((c) => has(plan, c))) continue;
      const missing = predCols.filter((c) => !has(plan, c));
      if (missing.length) plan = P.extend(plan, missing.map((name) => ({ name, expr: { k: 'lit', type: typeOf(name)!, value: null } as BoundLiteral })));
      const row: RowContext = { schema: plan.schema, aggregates: false };
      let pred: BoundExpr;
      try {
        pred = this.requireBool(this.bindScalar(op.predicate, row, scope), op.predicate.span, 'find');
      } catch (err) {
        // a column with another type in this table than in others: the predicate is bound with each
        // table's own types, and a table for whose types it is invalid is left out (find-operator.md)
        if (sources.length > 1 && err instanceof KqlError && err.kind === 'SemanticError') {
          invalid ??= err;
          continue;
        }
        throw err;
      }
      filtered.push({ plan: P.filter(plan, pred), source: src.source, own: src.plan.schema });
    }
    if (filtered.length === 0 && invalid) throw invalid;
    const typesOf = (name: string) => [...new Set(filtered.flatMap((f) => f.own.filter((x) => x.name === name).map((x) => x.type)))];
    /** An output column: the source column it reads (`of`), or with `only`, read from the tables where it has that type. */
    type FindColumn = ColumnSchema & { of: string; only?: KqlType };
    let explicit: FindColumn[];
    let pack: boolean;
    if (!out.project) {
      const common = (filtered[0]?.own ?? []).filter((c) => filtered.every((f) => f.own.some((x) => x.name === c.name && x.type === c.type)));
      // a predicate column with several types is one column per type, named as union names them (ProcessId_string, ProcessId_long)
      explicit = predCols.flatMap((name): FindColumn[] => {
        const types = typesOf(name);
        return types.length > 1 ? types.map((t) => ({ name: `${name}_${t}`, type: t, of: name, only: t })) : [{ name, type: types[0] ?? typeOf(name)!, of: name }];
      });
      for (const c of common) if (!explicit.some((x) => x.of === c.name)) explicit.push({ ...c, of: c.name });
      pack = true;
    } else {
      explicit = out.project.columns.map((c) => {
        const types = typesOf(c.name);
        if (!c.type && types.length > 1) throw this.error(c.span, `find: the column '${c.name}' has several types (${types.join(', ')}); name one, as ${c.name}:type`);
        return { name: c.name, type: c.type ?? types[0] ?? 'string', of: c.name };
      });
      pack = out.project.packAll;
    }
    const CONVERT: Record<KqlType, string> = {
      bool: 'tobool', int: 'toint', long: 'tolong', real: 'toreal', decimal: 'todecimal', string: 'tostring',
      datetime: 'todatetime', timespan: 'totimespan', guid: 'toguid', dynamic: 'todynamic',
    };
    const legs: T.UnionLegPlan[] = filtered.map((f) => {
      const cols = explicit.map((c) => {
        const own = f.own.find((x) => x.name === c.of && (c.only === undefined || x.type === c.only));
        if (!own) return { name: c.name, expr: { k: 'lit', type: c.type, value: null } as BoundExpr };
        const ref = P.columnRef(f.plan, f.plan.schema.findIndex((x) => x.name === c.of));
        return { name: c.name, expr: ref.type === c.type ? ref : this.call(SCALAR_FUNCTIONS.get(CONVERT[c.type])!, [ref], op.span) };
      });
      if (pack) {
        const rest = f.own.filter((c) => !explicit.some((x) => x.of === c.name));
        const args: BoundExpr[] = [];
        for (const c of rest) args.push({ k: 'lit', type: 'string', value: c.name }, P.columnRef(f.plan, f.plan.schema.findIndex((x) => x.name === c.name)));
        cols.push({ name: 'pack_', expr: this.call(SCALAR_FUNCTIONS.get('bag_pack')!, args, op.span) });
      }
      return { plan: P.project(f.plan, cols), source: f.source };
    });
    if (legs.length === 0) {
      return P.datatable([{ name: out.withsource, type: 'string' }, ...explicit.map((c) => ({ name: c.name, type: c.type })), ...(pack ? [{ name: 'pack_', type: 'dynamic' as KqlType }] : [])], []);
    }
    return T.unionPlan(legs, 'outer', out.withsource);
  }

  /**
   * Microsoft Sentinel's `_GetWatchlist('alias')`: the current items of a watchlist, from the
   * Watchlist table (read through the resolver like any table): `_DTItemId`, `LastUpdatedTimeUTC`,
   * `SearchKey` and the item as `WatchlistItem`. Sentinel also spreads the item's own columns; their
   * names depend on the data, so here they are read as `WatchlistItem.Column`.
   */
  protected override bindGetWatchlist(t: A.TabularCallNode, scope: Scope): P.PlanNode {
    if (t.args.length !== 1) throw this.error(t.nameSpan, '_GetWatchlist() expects the watchlist alias');
    const alias = this.bindExpr(t.args[0]!, EMPTY_ROW, scope);
    if (alias.type !== 'string') throw this.error(t.args[0]!.span, `_GetWatchlist(): the alias must be a string, got '${alias.type}'`);
    const inner = new Scope(scope);
    inner.define(WATCHLIST_ALIAS, { kind: 'scalar', expr: alias });
    watchlistQuery ??= (parse(WATCHLIST_KQL).ast.statements[0] as A.TabularStatement).expr;
    return this.bindTabular(watchlistQuery, inner);
  }

  /** Join conditions → pairs of (left column, right column). */
  protected joinKeys(left: P.PlanNode, right: P.PlanNode, on: A.Expr[], what: string): { l: number; r: number }[] {
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

  protected bindJoin(input: P.PlanNode, op: A.JoinOp, scope: Scope): P.PlanNode {
    const right = this.bindTabular(op.right, scope);
    return T.joinPlan(input, right, op.joinKind, this.joinKeys(input, right, op.on, 'join'));
  }

  protected bindLookup(input: P.PlanNode, op: A.LookupOp, scope: Scope): P.PlanNode {
    const right = this.bindTabular(op.right, scope);
    return T.lookupPlan(input, right, op.lookupKind, this.joinKeys(input, right, op.on, 'lookup'));
  }

}

const WATCHLIST_ALIAS = '__vigil_watchlist_alias';
/** The latest version of each item of the watchlist, without the deleted ones (as Sentinel's _GetWatchlist). */
const WATCHLIST_KQL = `Watchlist
| where _DTItemType == 'watchlist-item' and WatchlistAlias == ${WATCHLIST_ALIAS}
| summarize arg_max(_DTTimestamp, _DTItemStatus, LastUpdatedTimeUTC, SearchKey, WatchlistItem) by _DTItemId
| where _DTItemStatus != 'Delete'
| project _DTItemId, LastUpdatedTimeUTC, SearchKey, WatchlistItem`;
let watchlistQuery: A.TabularExpr | undefined;

