/**
 * index.ts — public API of the KQL compiler.
 *
 *   text ─lexer→ tokens ─parser→ AST ─binder(+planner)→ logical plan ─emitter→ DuckDB SQL
 *
 * `compile` throws KqlError for every problem in the query; errors thrown by
 * the caller's TableResolver (e.g. authorization) propagate unchanged.
 *
 * TableResolver (binder.ts) — the single authorization hook.  Every table reference of every
 * construct (plain names, union legs and wildcards, join/lookup right sides, search, let-bound
 * tables, let functions/views, getschema, toscalar/in subqueries, table("…")) goes through it:
 *   resolveTable(name): ResolvedTable | undefined            (required; may throw → propagates)
 *   listTables?(): string[]                                  (optional) names the caller may read;
 *       wildcard forms (`union App*`, `union *`, `search "x"`, `search in (T*) …`) expand ONLY to
 *       these names (each still resolved through resolveTable) and silently skip everything else;
 *       without listTables, wildcards match nothing.
 *   resolveQualifiedTable?(kind: 'workspace' | 'resource', id: string, table: string): ResolvedTable | undefined
 *       (optional) `workspace('id').T`, `resource('id').T` (`app('id').T` → 'resource'); when absent
 *       such references are a SemanticError.  Same contract as resolveTable (may throw → propagates).
 */
import { bindQuery, ResolverError, type TableResolver } from './binder.js';
import { ticksFromUnixMicros } from './literals.js';
import { emitQuery, SqlTooLargeError } from './emitter.js';
import { KqlError } from './errors.js';
import { DiscoveryNeeded, discoveredNames, type DiscoveryStep } from './discovery.js';
import { discoveryStep } from './emit/discovery.js';
import { parse } from './parser.js';
import type { ColumnSchema, KqlType } from './types.js';
import type { EmitContext, QuerySession } from './bound.js';

export type { ColumnSchema, KqlType } from './types.js';
export type { QuerySession } from './bound.js';
export type { ResolvedTable, TableResolver } from './binder.js';
export { KqlError } from './errors.js';
export { MAX_DISCOVERED_COLUMNS, type DiscoveryStep } from './discovery.js';
export { emptyRelationSql, sqlIdent, sqlString } from './sql.js';

export interface CompileOptions {
  /** The value of now(); ago(x) = now - x.  Fixed for the whole query. */
  now: Date;
  /** The request timespan: scans of tables with TimeGenerated get TimeGenerated >= start AND < end. */
  timespan?: { start?: Date; end?: Date };
  /** The key of hash_hmac_sha256_ws(): the pseudonym key of the workspace the query runs in. */
  pseudonymKey?: Uint8Array;
  /** Allow geo_location() (ingestion-time transformations on a server with a GeoIP database). */
  geoLocation?: boolean;
  /** The caller returns several result tables (fork, facet): CompiledQuery.results lists them all. */
  multipleResults?: boolean;
  /** Who runs the query (current_principal(), current_database() …); without it those functions are refused. */
  session?: QuerySession;
  /**
   * Names found by earlier discovery steps (bag_unpack keys, pivot values of a stored table), by
   * DiscoveryStep.key; see compileDiscovering.
   */
  discovered?: ReadonlyMap<string, readonly string[]>;
}

export interface CompiledQuery {
  sql: string;
  columns: ColumnSchema[];
  /** Names of the tables referenced (as resolved through the resolver), in first-use order. */
  tables: string[];
  render?: { visualization: string; [k: string]: unknown };
  /** Every result table when the query has several (fork, facet; only with options.multipleResults); the first is `sql`/`columns`. */
  results?: { name: string; sql: string; columns: ColumnSchema[] }[];
  /** What the SQL was made from beyond the text, the timespan and the resolver's answers (see CompileInputs). */
  uses?: CompileInputs;
}

/** Inputs of a compile that its SQL may or may not depend on: true when the emitter read it. */
export interface CompileInputs {
  now: boolean;
  session: boolean;
  pseudonymKey: boolean;
}

function dateToUs(d: Date, what: string): bigint {
  const ms = d.getTime();
  if (!Number.isFinite(ms)) throw new TypeError(`compile: options.${what} is not a valid Date`);
  return BigInt(ms) * 1000n;
}

export function compile(text: string, resolver: TableResolver, options: CompileOptions): CompiledQuery {
  const r = compileStep(text, resolver, options);
  if ('discovery' in r) throw r.refusal;
  return r;
}

/**
 * The two-phase compile: while the query needs names only the data knows (bag_unpack keys, pivot
 * values over a stored table), `runDiscovery` runs the discovery statement — the caller runs it
 * exactly as it runs compiled queries (statement guard, limits) — and returns its one string column.
 */
export async function compileDiscovering(text: string, resolver: TableResolver, options: CompileOptions, runDiscovery: (step: DiscoveryStep) => Promise<string[]>): Promise<CompiledQuery> {
  const discovered = new Map(options.discovered ?? []);
  for (;;) {
    const r = compileStep(text, resolver, { ...options, discovered });
    if (!('discovery' in r)) return r;
    if (discovered.has(r.discovery.key)) throw new KqlError('SemanticError', 'Internal compiler error: a discovery step repeated', r.discovery.line, r.discovery.column);
    discovered.set(r.discovery.key, discoveredNames(r.discovery, await runDiscovery(r.discovery)));
  }
}

/** One compile: the query, or the discovery step it needs first (with the error plain compile() gives). */
export function compileStep(text: string, resolver: TableResolver, options: CompileOptions): CompiledQuery | { discovery: DiscoveryStep; refusal: KqlError } {
  if (typeof text !== 'string') throw new KqlError('SyntaxError', 'The query must be a string', 1, 1);
  const nowUs = dateToUs(options.now, 'now');
  const timespan: { startUs?: bigint; endUs?: bigint } = {};
  if (options.timespan?.start) timespan.startUs = dateToUs(options.timespan.start, 'timespan.start');
  if (options.timespan?.end) timespan.endUs = dateToUs(options.timespan.end, 'timespan.end');

  // Which of now, the session and the pseudonym key the SQL depends on: read through getters (a
  // copy of the context reads them all, which only makes the answer more cautious).
  const uses: CompileInputs = { now: false, session: false, pseudonymKey: false };
  const nowTicks = ticksFromUnixMicros(nowUs);
  const ctx: EmitContext = {
    get nowTicks() {
      uses.now = true;
      return nowTicks;
    },
    ...(options.geoLocation ? { geoLocation: true } : {}),
  };
  const { pseudonymKey, session } = options;
  if (pseudonymKey) Object.defineProperty(ctx, 'pseudonymKey', { enumerable: true, get: () => ((uses.pseudonymKey = true), pseudonymKey) });
  if (session) Object.defineProperty(ctx, 'session', { enumerable: true, get: () => ((uses.session = true), session) });
  let phase: 'parse' | 'bind' | 'emit' = 'parse';
  try {
    const { ast, source } = parse(text);
    phase = 'bind';
    // The binder binds the whole query even when it needs discoveries (with no names for those
    // operators), so a table the caller may not read refuses the query before any discovery runs.
    // An error after a pending discovery may come from the missing names: the discovery runs, and
    // the next compile reports the error if it is real.
    const requests: DiscoveryNeeded[] = [];
    let bound;
    try {
      bound = bindQuery(ast, source, resolver, { timespan, discoveryRequests: requests, ...(options.discovered ? { discovered: options.discovered } : {}) });
    } catch (err) {
      if (requests.length === 0 || err instanceof ResolverError) throw err;
    }
    if (requests.length > 0 || !bound) {
      phase = 'emit';
      return { discovery: discoveryStep(requests[0]!, ctx), refusal: requests[0]!.refusal };
    }
    // Inside the plan columns are positional; only the result names them, and SQL (like Kusto's
    // result) has no empty column name — whether it was written or came from data (pivot values,
    // bag keys).
    checkResultColumns(bound.plan.schema);
    if (bound.results && !options.multipleResults) throw new KqlError('SemanticError', 'The query returns several result tables (fork, facet), which is not supported here', 1, 1);
    for (const r of bound.results ?? []) checkResultColumns(r.plan.schema);
    phase = 'emit';
    const sql = emitQuery(bound.plan, ctx);
    const out: CompiledQuery = { sql, columns: bound.plan.schema.map((c) => ({ name: c.name, type: c.type })), tables: bound.tables };
    if (bound.results) out.results = bound.results.map((r) => ({ name: r.name, sql: emitQuery(r.plan, ctx), columns: r.plan.schema.map((c) => ({ name: c.name, type: c.type })) }));
    if (bound.render) out.render = bound.render;
    out.uses = uses;
    return out;
  } catch (err) {
    if (err instanceof KqlError) throw err;
    // Errors from the resolver (e.g. authorization) propagate unchanged.
    if (err instanceof ResolverError) throw err.original;
    if (err instanceof SqlTooLargeError) throw new KqlError('SemanticError', 'The query is too complex to compile (generated SQL exceeds the size limit)', 1, 1);
    if (err instanceof RangeError && /call stack/i.test(err.message)) {
      throw new KqlError(phase === 'parse' ? 'SyntaxError' : 'SemanticError', 'The query is nested too deeply', 1, 1);
    }
    // Anything else is a compiler bug; callers still only ever see KqlError for a query.
    const detail = err instanceof Error ? err.message : String(err);
    throw new KqlError('SemanticError', `Internal compiler error while compiling the query: ${detail}`, 1, 1);
  }
}

function checkResultColumns(schema: ColumnSchema[]): void {
  const unnamed = schema.findIndex((c) => c.name === '');
  if (unnamed >= 0) throw new KqlError('SemanticError', `The result's column ${unnamed + 1} has an empty name; give it a name (project-rename, or a non-empty value/key)`, 1, 1);
  const nul = schema.findIndex((c) => c.name.includes('\0'));
  if (nul >= 0) throw new KqlError('SemanticError', `The result's column ${nul + 1} has a NUL character in its name; rename it`, 1, 1);
}

/** For callers that need the type list. */
export const KQL_TYPES: readonly KqlType[] = ['bool', 'int', 'long', 'real', 'decimal', 'string', 'datetime', 'timespan', 'guid', 'dynamic'];
