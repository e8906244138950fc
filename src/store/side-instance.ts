/**
 * A small DuckDB instance of its own (one thread, no extension loading, no file access, settings
 * locked) for work beside the query engine that must not share its settings or catalog: planning a
 * query against stand-in tables (plan-probe.ts), parsing a statement (statement-guard.ts).
 */
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { registerKqlRuntime } from '../kql/runtime/index.js';

/** `setup`: the statements every Vigil connection runs first (extensions, time zone); `settings` run before the lock. */
export async function openSideInstance(setup: string, memoryLimit: string, settings: string[] = []): Promise<{ instance: DuckDBInstance; conn: DuckDBConnection }> {
  const instance = await DuckDBInstance.create(':memory:', {
    autoinstall_known_extensions: 'false',
    autoload_known_extensions: 'false',
    memory_limit: memoryLimit,
    threads: '1',
  });
  const conn = await instance.connect();
  await conn.run(setup);
  // The KQL runtime's functions exist here too: the guard lists them, the probe plans calls to them.
  registerKqlRuntime(conn);
  for (const s of settings) await conn.run(s);
  await conn.run('SET enable_external_access = false');
  await conn.run('SET lock_configuration = true');
  return { instance, conn };
}
