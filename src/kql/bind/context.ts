/** bind/context.ts — what the binder's modules share: the public binding types, scopes, row contexts, name generation and helpers over bound expressions. */
import type * as A from '../ast.js';
import type { DiscoveryNeeded } from '../discovery.js';
import type { ArgInfo, BoundAggregate, BoundCall, BoundExpr, BoundLiteral } from '../bound.js';
import { STRUCT_FIELD } from '../functions/pick-row.js';
import * as W from '../functions/window.js';
import { SEARCH_TERM } from '../parser.js';
import * as P from '../planner.js';
import { isNumeric, type ColumnSchema, type KqlType } from '../types.js';

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
  /** Names found by discovery steps (src/kql/discovery.ts), by DiscoveryNeeded.key. */
  discovered?: ReadonlyMap<string, readonly string[]>;
  /**
   * When given, a discovery the binder needs is recorded here and binding goes on with no names, so
   * that every table of the query is resolved (authorized) before any discovery runs; otherwise the
   * binder throws DiscoveryNeeded.
   */
  discoveryRequests?: DiscoveryNeeded[];
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

export type ScopeEntry =
  | { kind: 'scalar'; expr: BoundExpr }
  | { kind: 'tabular'; plan: P.PlanNode }
  | { kind: 'function'; name: string; def: A.FunctionDef; scope: Scope };

/** Query options accepted by `set` (they don't change results here). */
export const KNOWN_OPTIONS = new Set([
  'notruncation', 'truncationmaxrecords', 'truncationmaxsize', 'querytrace', 'query_take_max_records', 'servertimeout', 'norequesttimeout',
  'maxmemoryconsumptionperiterator', 'max_memory_consumption_per_query_per_node', 'maxoutputcolumns', 'query_results_cache_max_age',
  'query_results_cache_force_refresh', 'query_datascope', 'best_effort', 'query_fanout_nodes_percent', 'query_fanout_threads_percent',
  'request_app_name', 'request_description', 'request_readonly', 'request_user', 'deferpartialqueryfailures', 'query_language',
  'request_block_row_level_security', 'query_distribution_nodes_span', 'query_weakconsistency_session_id', 'queryconsistency',
]);

/** Whether an expression calls a window function computed in two stages (W.STAGED_WINDOWS). */
export function containsStagedWindow(e: BoundExpr): boolean {
  if (e.k === 'call') return W.STAGED_WINDOWS.has(e.fn) || e.args.some(containsStagedWindow);
  if (e.k === 'path') return containsStagedWindow(e.target) || e.steps.some((s) => typeof s === 'object' && containsStagedWindow(s));
  return false;
}
/** A call to a function that returns several columns (ScalarFunction.outputs). */
export function severalColumns(e: BoundExpr): e is BoundCall {
  return e.k === 'call' && (e.fn.outputs !== undefined || e.fn.callOutputs?.(e.args) !== undefined);
}
/** The conversion that reads one output of a several-column function as its type. */
export const OUTPUT_CONVERSIONS: Record<KqlType, string> = {
  bool: 'tobool', int: 'toint', long: 'tolong', real: 'todouble', decimal: 'todecimal', string: 'tostring',
  datetime: 'todatetime', timespan: 'totimespan', guid: 'toguid', dynamic: 'todynamic',
};

export const MAX_CALL_DEPTH = 64;

/** Names visible to a statement: let bindings, innermost last. */
export class Scope {
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
export interface RowContext {
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

export const EMPTY_ROW: RowContext = { schema: [], aggregates: false };

// ───────────── helpers ─────────────

export function argInfo(expr: BoundExpr): ArgInfo {
  return expr.k === 'lit' ? { type: expr.type, literal: expr, expr } : { type: expr.type, expr };
}

export function jsonToLiteral(v: unknown): BoundLiteral {
  if (typeof v === 'string') return { k: 'lit', type: 'string', value: v };
  if (typeof v === 'boolean') return { k: 'lit', type: 'bool', value: v };
  if (typeof v === 'number') return Number.isInteger(v) && Math.abs(v) <= Number.MAX_SAFE_INTEGER ? { k: 'lit', type: 'long', value: BigInt(v) } : { k: 'lit', type: 'real', value: v };
  if (v === null) return { k: 'lit', type: 'dynamic', value: null };
  return { k: 'lit', type: 'dynamic', value: JSON.stringify(v) };
}

export function children(e: BoundExpr): BoundExpr[] {
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

export function referencesAny(e: BoundExpr, indexes: Set<number>): boolean {
  if (e.k === 'col') return indexes.has(e.index);
  return children(e).some((c) => referencesAny(c, indexes));
}

export function containsAggregate(e: BoundExpr): boolean {
  return e.k === 'agg' || children(e).some(containsAggregate);
}

export function containsColumnOutsideAggregate(e: BoundExpr): boolean {
  if (e.k === 'agg') return false;
  if (e.k === 'col') return true;
  return children(e).some(containsColumnOutsideAggregate);
}

/**
 * Replaces aggregate calls in `e` by references to the aggregate node's output
 * (appended to `out`, at output positions base, base+1, …).
 */
export function hoistAggregates(e: BoundExpr, base: number, out: { name: string; expr: BoundAggregate }[]): BoundExpr {
  if (e.k === 'agg') {
    out.push({ name: '', expr: e });
    return { k: 'col', index: base + out.length - 1, name: `__agg${out.length - 1}`, type: e.type };
  }
  if (e.k === 'call') return { ...e, args: e.args.map((a) => hoistAggregates(a, base, out)) };
  if (e.k === 'path') return { ...e, target: hoistAggregates(e.target, base, out), steps: e.steps.map((s) => (typeof s === 'object' ? hoistAggregates(s, base, out) : s)) };
  return e;
}

/** Output column names of one operator, with Kusto's ColumnN numbering for unnamed expressions. */
export class Names {
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

/** arg_max outputs refer to their struct aggregate as column -1-k; make that the aggregate's output position. */
export function fixArgMaxRefs(e: BoundExpr, base: number): BoundExpr {
  if (e.k === 'col' && e.index < 0) return { ...e, index: base + (-1 - e.index) };
  if (e.k === 'call') return { ...e, args: e.args.map((a) => fixArgMaxRefs(a, base)) };
  return e;
}

/** Output column `field` of the row-picking aggregate at position `nested` (a negative reference, resolved by fixArgMaxRefs). */
export function structField(nested: number, field: number, type: KqlType): BoundExpr {
  return { k: 'call', fn: STRUCT_FIELD, args: [{ k: 'col', index: -1 - nested, name: '', type: 'dynamic' }, { k: 'lit', type: 'long', value: BigInt(field) }], type };
}

/** The names an expression refers to (columns or scalars), in first-use order; not into subqueries. */
export function namesIn(e: A.Expr): string[] {
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
export function searchesEveryColumn(e: A.Expr): boolean {
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

export function isTabularAst(v: A.Expr | A.TabularExpr): v is A.TabularExpr {
  switch (v.kind) {
    case 'tableRef': case 'datatable': case 'print': case 'range': case 'pipe': case 'tcall': case 'qref': case 'unionSource': case 'searchSource':
      return true;
    default:
      return false;
  }
}

export function containsWindow(e: BoundExpr): boolean {
  if (e.k === 'call' && e.fn.window) return true;
  return children(e).some(containsWindow);
}

export function comparableTypes(a: KqlType, b: KqlType): boolean {
  return a === b || (isNumeric(a) && isNumeric(b)) || a === 'dynamic' || b === 'dynamic';
}

/** getschema DataType column: the .NET type names Kusto reports. */
export const DOTNET_TYPES: Record<KqlType, string> = {
  bool: 'System.SByte', int: 'System.Int32', long: 'System.Int64', real: 'System.Double', decimal: 'System.Data.SqlTypes.SqlDecimal',
  string: 'System.String', datetime: 'System.DateTime', timespan: 'System.TimeSpan', guid: 'System.Guid', dynamic: 'System.Object',
};
