/**
 * The statement guard: the store's last line of isolation between a query and everything it was not
 * granted (DESIGN §7.2). The KQL compiler authorizes every table at bind time; this guard makes sure
 * that even a wrong or hostile SQL statement — a compiler bug, an injection — cannot read beyond that
 * grant. DuckDB has no per-connection privileges (every connection of an instance can name every
 * attached catalog, every other query's temp views and the system table functions), so the store does
 * not run a statement until DuckDB's own parser has shown what the statement names:
 *
 *  - exactly one SELECT statement (no SET, PRAGMA, ATTACH, COPY, second statement …);
 *  - table references: only this query's granted views (`temp.main."vigil_…"`, fully qualified) and
 *    common table expressions declared in an enclosing scope before the reference — nothing of another
 *    workspace, no other table, not the memory tier's catalog, no system view, no file;
 *  - table functions: only value generators (range, generate_series, unnest, json_each, json_tree,
 *    pg_timezone_names) — no duckdb_*(), pragma_*(), read_*(), query(), glob() …;
 *  - scalar, aggregate and window functions: DuckDB's built-ins minus those that reveal the engine's
 *    state (current_setting, getvariable, version, current_database, nextval …); a built-in macro
 *    only when its own definition passes the same rules (pg_catalog's and those that read the
 *    catalog do not).
 *
 * The parser is DuckDB's, the same one that then runs the text, so what is checked is what runs; the
 * AST is DuckDB's JSON serialization (`json_serialize_sql`), walked without trusting its shape: a table
 * reference of a kind not listed here is refused, whatever it is. Results are cached per SQL text (the
 * references of a text do not depend on the grant; the grant is compared on every call).
 */
import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { sqlString } from '../kql/sql.js';
import { Mutex } from './mutex.js';
import { runAndReadRows } from './read-rows.js';
import { openSideInstance } from './side-instance.js';

/** The statement names something outside the query's grant, or is not a single SELECT. */
export class StatementRefusedError extends Error {}

/** Table functions that only generate values from their arguments. */
const TABLE_FUNCTIONS = new Set(['range', 'generate_series', 'unnest', 'json_each', 'json_tree', 'pg_timezone_names']);

/** Built-in functions that tell the engine's state, settings, catalog or session, or run SQL text. */
const DENIED_FUNCTIONS = new Set([
  'current_setting',
  'getvariable',
  'current_database',
  'current_catalog',
  'current_schema',
  'current_schemas',
  'current_query',
  'current_query_id',
  'current_connection_id',
  'current_transaction_id',
  'txid_current',
  'in_search_path',
  'version',
  'currval',
  'nextval',
  'json_serialize_sql',
  'json_deserialize_sql',
  'json_serialize_plan',
  'json_execute_serialized_sql',
]);

/** Functions DuckDB does not list in duckdb_functions(): window functions, and unnest in a select list. */
const UNLISTED_FUNCTIONS = ['unnest', 'row_number', 'rank', 'dense_rank', 'percent_rank', 'cume_dist', 'ntile', 'lag', 'lead', 'first_value', 'last_value', 'nth_value', 'rank_dense', 'fill'];

/** Table reference kinds a statement may contain (anything else — SHOW_REF, PIVOT, COLUMN_DATA … — is refused). */
const TABLE_REF_TYPES = new Set(['BASE_TABLE', 'TABLE_FUNCTION', 'JOIN', 'SUBQUERY', 'EXPRESSION_LIST', 'EMPTY']);
/** Query node kinds (a recursive CTE could see itself; Vigil emits none, so it is refused). */
const QUERY_NODE_TYPES = new Set(['SELECT_NODE', 'SET_OPERATION_NODE', 'CTE_NODE']);

const CACHE_ENTRIES = 1024;

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Obj = { [k: string]: Json };

const isObj = (x: Json | undefined): x is Obj => typeof x === 'object' && x !== null && !Array.isArray(x);
const text = (x: Json | undefined): string => (typeof x === 'string' ? x : '');

/** What a statement names: its qualified table references (lower case), or why it is refused. */
type Verdict = { tables: string[] } | { refused: string };

export class StatementGuard {
  private readonly lock = new Mutex();
  private readonly cache = new Map<string, Verdict>();
  /** Built-in macros whose definition passes these rules (worked out once, at open). */
  private readonly macros = new Set<string>();

  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly conn: DuckDBConnection,
    private readonly functions: ReadonlySet<string>,
  ) {}

  /** `setup`: the statements every Vigil connection runs first (extensions), so the same functions exist. */
  static async open(setup: string): Promise<StatementGuard> {
    const { instance, conn } = await openSideInstance(setup, '64MB');
    const functions = new Set<string>(UNLISTED_FUNCTIONS);
    const macros = new Map<string, string>();
    const rows = (
      await conn.runAndReadAll(
        "SELECT lower(function_name), function_type, schema_name, macro_definition FROM duckdb_functions() WHERE function_type IN ('scalar', 'aggregate', 'macro') AND schema_name = 'main'",
      )
    ).getRowsJS() as [string, string, string, string | null][];
    for (const [name, type, , definition] of rows) {
      if (DENIED_FUNCTIONS.has(name)) continue;
      if (type === 'macro') {
        // A name can be both a function and a macro (overloads); the function wins.
        if (!functions.has(name) && definition !== null) macros.set(name, definition);
      } else functions.add(name);
    }
    for (const name of functions) macros.delete(name);
    const guard = new StatementGuard(instance, conn, functions);
    // A macro is allowed when its definition, as an expression, passes the same rules; macros may
    // use each other, so allow them in rounds until nothing changes (one that uses itself never is).
    const parsed = new Map<string, Json>();
    for (const [name, definition] of macros) {
      const ast = await guard.serialize(`SELECT ${definition}`);
      if (ast !== undefined) parsed.set(name, ast);
    }
    for (let changed = true; changed; ) {
      changed = false;
      for (const [name, ast] of parsed) {
        if (guard.macros.has(name)) continue;
        const tables = new Set<string>();
        try {
          guard.walkStatement(ast, tables);
        } catch (err) {
          if (err instanceof StatementRefusedError) continue;
          throw err;
        }
        if (tables.size === 0) {
          guard.macros.add(name);
          changed = true;
        }
      }
    }
    return guard;
  }

  /** DuckDB's parse of a single statement as JSON, or undefined when it is not exactly one SELECT. */
  private async serialize(sql: string): Promise<Json | undefined> {
    const { rows } = await runAndReadRows(this.conn, `SELECT json_serialize_sql(${sqlString(sql)})`);
    const ast = JSON.parse(String(rows[0]?.[0])) as Json;
    if (!isObj(ast) || ast.error !== false || !Array.isArray(ast.statements) || ast.statements.length !== 1) return undefined;
    return ast.statements[0];
  }

  /**
   * Checks `sql` against the query's grant: `granted` are the fully qualified names of the views the
   * store created for this query (`temp.main.<view>`, lower case). Returns the granted views the
   * statement reads; throws StatementRefusedError when it names anything else.
   */
  async check(sql: string, granted: ReadonlySet<string>): Promise<string[]> {
    let verdict = this.cache.get(sql);
    if (verdict) {
      this.cache.delete(sql);
      this.cache.set(sql, verdict);
    } else {
      verdict = await this.lock.run(() => this.analyse(sql));
      this.cache.set(sql, verdict);
      if (this.cache.size > CACHE_ENTRIES) this.cache.delete(this.cache.keys().next().value!);
    }
    if ('refused' in verdict) throw new StatementRefusedError(verdict.refused);
    const outside = verdict.tables.filter((t) => !granted.has(t));
    if (outside.length > 0) throw new StatementRefusedError(`the statement reads ${outside.length === 1 ? 'a table' : 'tables'} outside the query's grant`);
    return verdict.tables;
  }

  private async analyse(sql: string): Promise<Verdict> {
    let statement: Json | undefined;
    try {
      statement = await this.serialize(sql);
    } catch (err) {
      return { refused: `the statement could not be parsed (${(err as Error).message.split('\n')[0]})` };
    }
    if (statement === undefined) return { refused: 'the text is not exactly one SELECT statement' };
    const tables = new Set<string>();
    try {
      this.walkStatement(statement, tables);
    } catch (err) {
      if (err instanceof StatementRefusedError) return { refused: err.message };
      throw err;
    }
    return { tables: [...tables] };
  }

  private walkStatement(statement: Json, tables: Set<string>): void {
    if (!isObj(statement) || !isObj(statement.node)) throw new StatementRefusedError('the statement is not a SELECT');
    this.walk(statement.node, [], tables, 'node');
  }

  /**
   * Walks any JSON value of the AST. `ctes`: the common table expressions visible here (innermost
   * last). `role` tells what the parent holds at this key: a query node, a table reference, or
   * anything (expressions, modifiers, …) — each object is checked by what it is, wherever it sits.
   */
  private walk(x: Json, ctes: string[], tables: Set<string>, role: 'node' | 'ref' | 'any'): void {
    if (Array.isArray(x)) {
      for (const v of x) this.walk(v, ctes, tables, 'any');
      return;
    }
    if (!isObj(x)) return;
    const type = text(x.type);
    if (role === 'node' || (isObj(x.cte_map) && 'modifiers' in x)) {
      if (!QUERY_NODE_TYPES.has(type)) throw new StatementRefusedError(`a query node of kind ${type || 'unknown'} is not allowed`);
      // CTEs: each sees the ones declared before it; the body sees them all.
      const scope = [...ctes];
      const map = isObj(x.cte_map) && Array.isArray(x.cte_map.map) ? x.cte_map.map : [];
      for (const entry of map) {
        if (!isObj(entry) || !isObj(entry.value)) throw new StatementRefusedError('a malformed common table expression');
        this.walkQuery(entry.value.query, scope, tables);
        scope.push(text(entry.key).toLowerCase());
      }
      for (const [k, v] of Object.entries(x)) {
        if (k === 'cte_map') continue;
        if (k === 'from_table' || k === 'left' || k === 'right') this.walk(v, scope, tables, type === 'SET_OPERATION_NODE' ? 'node' : 'ref');
        else this.walk(v, scope, tables, 'any');
      }
      return;
    }
    // An expression (it has a `class`) is never a table reference, though a subquery expression shares
    // the type name SUBQUERY: its other parts (the `child` of `x IN (SELECT …)`) are walked below.
    if (role === 'ref' || (!('class' in x) && (TABLE_REF_TYPES.has(type) || 'table_name' in x || 'sample' in x))) {
      this.walkTableRef(x, ctes, tables);
      return;
    }
    if ('function_name' in x) this.checkFunction(x);
    if (isObj(x.subquery)) {
      this.walkQuery(x.subquery, ctes, tables);
      for (const [k, v] of Object.entries(x)) if (k !== 'subquery') this.walk(v, ctes, tables, 'any');
      return;
    }
    for (const v of Object.values(x)) this.walk(v, ctes, tables, 'any');
  }

  /** A SelectStatement-shaped value `{node, named_param_map}`. */
  private walkQuery(q: Json | undefined, ctes: string[], tables: Set<string>): void {
    if (!isObj(q) || !isObj(q.node)) throw new StatementRefusedError('a malformed subquery');
    this.walk(q.node, ctes, tables, 'node');
  }

  private walkTableRef(ref: Obj, ctes: string[], tables: Set<string>): void {
    const type = text(ref.type);
    if (!TABLE_REF_TYPES.has(type)) throw new StatementRefusedError(`a table reference of kind ${type || 'unknown'} is not allowed`);
    if (ref.sample !== null && ref.sample !== undefined) throw new StatementRefusedError('TABLESAMPLE is not allowed');
    switch (type) {
      case 'BASE_TABLE': {
        if (ref.at_clause !== null && ref.at_clause !== undefined) throw new StatementRefusedError('AT (time travel) is not allowed');
        const catalog = text(ref.catalog_name).toLowerCase();
        const schema = text(ref.schema_name).toLowerCase();
        const table = text(ref.table_name).toLowerCase();
        if (catalog === '' && schema === '' && ctes.includes(table)) return;
        if (catalog === '' || schema === '') throw new StatementRefusedError('a table reference must be fully qualified');
        tables.add(`${catalog}.${schema}.${table}`);
        return;
      }
      case 'TABLE_FUNCTION': {
        const fn = ref.function;
        if (!isObj(fn)) throw new StatementRefusedError('a malformed table function');
        const name = text(fn.function_name).toLowerCase();
        if (text(fn.catalog) !== '' || text(fn.schema) !== '' || !TABLE_FUNCTIONS.has(name)) {
          throw new StatementRefusedError(`the table function ${name || 'unknown'}() is not allowed`);
        }
        this.walk(fn.children ?? null, ctes, tables, 'any');
        return;
      }
      case 'SUBQUERY':
        this.walkQuery(ref.subquery, ctes, tables);
        return;
      case 'JOIN':
        this.walk(ref.left ?? null, ctes, tables, 'ref');
        this.walk(ref.right ?? null, ctes, tables, 'ref');
        this.walk(ref.condition ?? null, ctes, tables, 'any');
        return;
      case 'EXPRESSION_LIST':
        this.walk(ref.values ?? null, ctes, tables, 'any');
        return;
      case 'EMPTY':
        return;
    }
  }

  private checkFunction(f: Obj): void {
    const name = text(f.function_name).toLowerCase();
    const catalog = text(f.catalog).toLowerCase();
    const schema = text(f.schema).toLowerCase();
    if (!(catalog === '' || catalog === 'system') || !(schema === '' || schema === 'main')) {
      throw new StatementRefusedError(`the function ${schema ? `${schema}.` : ''}${name}() is not allowed`);
    }
    if (this.functions.has(name)) return;
    if (this.macros.has(name)) return;
    throw new StatementRefusedError(`the function ${name}() is not allowed`);
  }

  async close(): Promise<void> {
    await this.lock.run(async () => {
      this.conn.closeSync();
      this.instance.closeSync();
    });
  }
}
