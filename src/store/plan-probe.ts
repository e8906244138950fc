/**
 * The plan probe: which TimeGenerated range each table a query reads needs, as DuckDB's optimizer
 * pushes it into the scans (see time-pruning.ts for reading the plan). It plans the query against
 * empty stand-in tables in a small DuckDB instance of its own: it must keep the optimizer from
 * folding scans away on their (empty) statistics, and that setting is global to an instance — set
 * on the query instance it also switched off late materialization (top-N ×18 slower) and statistics
 * propagation for every real query. Results are cached by SQL text and table schemas (the probe is
 * pure in both).
 */
import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { sqlIdent, sqlString } from '../kql/sql.js';
import { DUCKDB_TYPE } from './column-types.js';
import type { StoredColumn } from './manifest.js';
import { Mutex } from './mutex.js';
import { runAndReadRows } from './read-rows.js';
import { openSideInstance } from './side-instance.js';
import { countShape, type CountShape } from './manifest-count.js';
import { quoteLongConstants, quoteNonFiniteConstants, rangesFromPlan, type MicrosRange } from './time-pruning.js';

/** A table the SQL reads: its view name in the SQL and its columns. */
export interface ProbedTable {
  view: string;
  columns: readonly StoredColumn[];
}

const CACHE_ENTRIES = 512;

/** What the plan tells: the TimeGenerated range per view, and whether the query is a pure count (manifest-count.ts). */
export interface ProbedPlan {
  ranges: Map<string, MicrosRange>;
  count?: CountShape;
}

export class PlanProbe {
  private readonly lock = new Mutex();
  /** Stand-in tables created so far: view name → the column signature it was created with. */
  private readonly standIns = new Map<string, string>();
  private readonly cache = new Map<string, ProbedPlan>();

  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly conn: DuckDBConnection,
  ) {}

  /** `setup`: the statements every Vigil connection runs first (extensions, time zone). */
  static async open(setup: string): Promise<PlanProbe> {
    const { instance, conn } = await openSideInstance(setup, '256MB', ["SET disabled_optimizers = 'statistics_propagation,late_materialization'"]);
    return new PlanProbe(instance, conn);
  }

  /** The TimeGenerated range each table needs (by view name); a table missing from the map needs all of it. */
  async ranges(sql: string, tables: readonly ProbedTable[]): Promise<Map<string, MicrosRange>> {
    return (await this.probe(sql, tables)).ranges;
  }

  /** The ranges, and the count shape when the query is a pure count over one table. */
  async probe(sql: string, tables: readonly ProbedTable[]): Promise<ProbedPlan> {
    const key = `${tables.map((r) => `${r.view}:${JSON.stringify(r.columns)}`).join('|')}\u0000${sql}`;
    const hit = this.cache.get(key);
    if (hit) {
      this.cache.delete(key);
      this.cache.set(key, hit);
      return hit;
    }
    const probed = await this.plan(sql, tables);
    this.cache.set(key, probed);
    if (this.cache.size > CACHE_ENTRIES) this.cache.delete(this.cache.keys().next().value!);
    return probed;
  }

  private plan(sql: string, tables: readonly ProbedTable[]): Promise<ProbedPlan> {
    return this.lock.run(async () => {
      const timeColumn = new Map<string, number>();
      for (const { view, columns } of tables) {
        const sig = JSON.stringify(columns);
        if (this.standIns.get(view) !== sig) {
          // One statement (one round trip): a first query in a fresh process pays for this.
          await this.conn.run(`CREATE OR REPLACE TEMP TABLE ${sqlIdent(view)} (${columns.map((c) => `${sqlIdent(c.name)} ${DUCKDB_TYPE[c.type]}`).join(', ')})`);
          this.standIns.set(view, sig);
        }
        const i = columns.findIndex((c) => c.name === 'TimeGenerated');
        if (i >= 0) timeColumn.set(view, i);
      }
      try {
        const { rows } = await runAndReadRows(this.conn, `SELECT json_serialize_plan(${sqlString(sql)}, skip_null := true, skip_empty := true, optimize := true)`);
        const plan = JSON.parse(quoteNonFiniteConstants(quoteLongConstants(String(rows[0]?.[0])))) as Record<string, unknown>;
        if (plan.error) return { ranges: new Map() };
        const count = countShape(plan, new Set(tables.map((t) => t.view)), timeColumn);
        return { ranges: rangesFromPlan(plan, timeColumn), ...(count ? { count } : {}) };
      } catch {
        return { ranges: new Map() };
      }
    });
  }

  async close(): Promise<void> {
    await this.lock.run(() => {
      this.conn.closeSync();
      this.instance.closeSync();
    });
  }
}
