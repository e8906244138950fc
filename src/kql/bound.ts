/**
 * bound.ts — typed, name-resolved scalar expressions produced by the binder
 * and consumed by the planner/emitter, plus the interfaces that function
 * catalog entries implement.
 *
 * Column references are by position in the input row of the operator that
 * owns the expression; the emitter maps positions to SQL names, so KQL column
 * names never need to be valid or unique SQL identifiers.
 */
import type { PlanNode } from './planner.js';
import type { KqlType } from './types.js';

export type LiteralValue = boolean | bigint | number | string | null;

export type BoundExpr = BoundLiteral | BoundColumn | BoundCall | BoundPath | BoundAggregate;

/** See ast.ts LiteralExpr for the value representation of each type. */
export interface BoundLiteral {
  k: 'lit';
  type: KqlType;
  value: LiteralValue;
  /** A type literal `typeof(T)` (type 'string', value T's name). */
  typeOf?: KqlType;
}

export interface BoundColumn {
  k: 'col';
  index: number;
  name: string;
  type: KqlType;
}

/** A scalar function or operator application (operators are catalog entries too). */
export interface BoundCall {
  k: 'call';
  fn: ScalarFunction;
  args: BoundExpr[];
  type: KqlType;
  /** A tabular argument (toscalar, `in (subquery)`): emitted as its SELECT and passed to `emit` last. */
  subquery?: PlanNode;
}

/** Dynamic property/element access: target.a["b"][0] — always dynamic. */
export interface BoundPath {
  k: 'path';
  target: BoundExpr;
  steps: (string | number | BoundExpr)[];
  type: 'dynamic';
}

/** An aggregate call; only valid as a summarize aggregate. */
export interface BoundAggregate {
  k: 'agg';
  fn: AggregateFunction;
  args: BoundExpr[];
  type: KqlType;
}

/** What a catalog entry sees of an argument while type checking. */
export interface ArgInfo {
  type: KqlType;
  /** Set when the argument is a literal (constant) — e.g. bin sizes, percentile values. */
  literal?: BoundLiteral;
  /** The bound argument itself. */
  expr: BoundExpr;
}

/** What a catalog entry sees of an argument while emitting SQL. */
export interface SqlArg {
  sql: string;
  type: KqlType;
  literal?: BoundLiteral;
  /**
   * For a dynamic property access with constant steps (x.a.b[0]): SQL for its scalar text (what
   * json_extract_string(sql, '$') gives) in one step, json_extract_string(x, '/a/b/0').
   */
  jsonText?: string;
  /**
   * The argument has a window function or an aggregate in it: it cannot be put inside DuckDB's
   * `try()` (which only takes row-wise expressions).
   */
  notRowwise?: boolean;
}

/** Context available during SQL emission. */
export interface EmitContext {
  /** now() as 100-ns ticks since 0001-01-01 — fixed for the whole query. */
  nowTicks: bigint;
  /**
   * A row predicate (SQL built from a bound expression) that every aggregate call emitted in this
   * context applies as `FILTER (WHERE …)`: pivot aggregates the rows of one pivot value this way.
   */
  aggregateFilter?: string;
  /** The key of hash_hmac_sha256_ws() (the workspace's pseudonym key); absent: the function is refused. */
  pseudonymKey?: Uint8Array;
  /** geo_location() may be emitted (an ingestion-time transformation on a server with a GeoIP database). */
  geoLocation?: boolean;
  /** Who runs the query and where (current_principal() …); absent outside the Query API: those functions are refused. */
  session?: QuerySession;
}

/** The caller of a query and its scope, as current_principal(), current_database() … report them. */
export interface QuerySession {
  /** current_principal(): `aaduser=<objectId>;<tenantId>` or `aadapp=<appId>;<tenantId>`. */
  principalFqn: string;
  /** current_principal_details(): the property bag (Type, DisplayName, ObjectId, FQN, …). */
  principalDetails: Record<string, string | null>;
  /** current_principal_is_member_of(): every name the caller answers to (its own FQNs, its groups'), lower case. */
  memberOf: ReadonlySet<string>;
  /** current_database(): the name of the workspace in scope (the resource id in resource context). */
  database: string;
  /** current_cluster_endpoint(): the DNS name (host) of the server's endpoint; '' when unknown. */
  clusterEndpoint: string;
}

/** Thrown by `bind` implementations; the binder turns it into a positioned KqlError. */
export class BindFailure extends Error {
  constructor(message: string, readonly argIndex?: number) {
    super(message);
  }
}

export interface ScalarFunction {
  name: string;
  minArgs: number;
  maxArgs: number;
  /** Validates argument types and returns the result type (throw BindFailure on error). */
  bind(args: ArgInfo[]): KqlType;
  /** SQL for the call; must produce the SQL type that types.ts maps the result type to (the call's `resultType`). */
  emit(args: SqlArg[], ctx: EmitContext, resultType?: KqlType): string;
  /** A window function (row_number, prev, row_cumsum, …): needs a serialized row set and is not row-wise. */
  window?: boolean;
  /** Argument position that may (only) be a type literal `typeof(T)`, e.g. extract()'s 4th. */
  typeLiteralArg?: number;
  /**
   * A function that returns several columns (series_fit_line, series_stats, series_fft …): it emits
   * one JSON object, and `extend`/`project` turn each of these keys into a column of its type —
   * named by the caller (`extend (a, b) = f(x)`) or `<function>_<column>_<key>`.
   */
  outputs?: readonly { key: string; type: KqlType }[];
  /**
   * Outputs that depend on the call (array_sort_asc(a, b, …) returns one sorted array per array):
   * undefined when this call returns one value; otherwise the JSON array's elements (by index) as
   * columns, each with its automatic name.
   */
  callOutputs?(args: BoundExpr[]): readonly { key: number; type: KqlType; name: string }[] | undefined;
}

export interface AggregateFunction {
  name: string;
  minArgs: number;
  maxArgs: number;
  bind(args: ArgInfo[]): KqlType;
  emit(args: SqlArg[], ctx: EmitContext, resultType?: KqlType): string;
  /** The aggregate applies `ctx.aggregateFilter` to every aggregate call it emits (pivot needs it). */
  honorsFilter?: boolean;
  /** Automatic output column name, e.g. count() → count_, sum(x) → sum_x. */
  defaultName(args: BoundExpr[]): string;
  /**
   * Arguments from this index on may be string columns as stored (SQL NULL for Kusto's ''): the
   * aggregate only carries them through and its consumers read them as ''.  See emitter.ts.
   */
  rawStringArgsFrom?: number;
  /**
   * For aggregates that return values of the row with the greatest (or least) key — arg_max/arg_min:
   * the key, the value (SQL over that row) and the direction.  The aggregate's value is `row` at a
   * row whose `key` is the maximum (minimum), and NULL when every key is NULL.  The emitter may use
   * this instead of `emit` (one such aggregate and group keys: a row_number() = 1 filter per group,
   * which DuckDB runs as a top-1 per group reading only the chosen rows' other columns).
   */
  pickRow?(args: SqlArg[]): { key: string; row: string; descending: boolean };
  /**
   * For aggregates that yield several output columns (percentiles(x, 50, 95)): splits the bound
   * arguments into the argument lists of one single-column call of this aggregate per output.
   * Used only for a top-level summarize item; may throw BindFailure.
   */
  expand?(args: ArgInfo[]): BoundExpr[][];
}
