/**
 * udf.ts — how a KQL function implemented in JavaScript becomes a DuckDB scalar function.
 *
 * Some of Kusto's functions are defined by an algorithm that SQL cannot express well or exactly
 * (xxHash64, S2/H3 cells, geodesics, IPv6 parsing). Those run here, registered once per DuckDB
 * instance (registration is instance-wide) before any query: the compiler emits a call to
 * `kql_<name>(…)` and the statement guard accepts it because the side instance it lists functions
 * from registers the same set. An implementation is a pure function of its arguments: it returns
 * null for input it cannot handle and never throws (a throw would fail the whole query).
 * DuckDB passes NULL through without calling it (default null handling).
 */
import { DuckDBScalarFunction, type DuckDBConnection, type DuckDBType } from '@duckdb/node-api';

export type RuntimeValue = string | number | bigint | boolean | null;

export interface RuntimeFunction {
  /** The SQL name, always `kql_…` so it cannot shadow a DuckDB built-in. */
  readonly name: string;
  readonly params: readonly DuckDBType[];
  readonly returns: DuckDBType;
  readonly compute: (...args: never[]) => RuntimeValue;
}

/** A runtime function; `compute` receives the arguments as DuckDB's node API reads them (VARCHAR → string, BIGINT → bigint, DOUBLE → number, BOOLEAN → boolean). */
export function runtimeFunction<A extends unknown[]>(
  name: string,
  params: readonly DuckDBType[],
  returns: DuckDBType,
  compute: (...args: A) => RuntimeValue,
): RuntimeFunction {
  if (!name.startsWith('kql_')) throw new Error(`runtime function ${name} must be named kql_…`);
  return { name, params, returns, compute: compute as unknown as RuntimeFunction['compute'] };
}

export function registerRuntimeFunction(conn: DuckDBConnection, f: RuntimeFunction): void {
  const compute = f.compute as (...args: unknown[]) => RuntimeValue;
  conn.registerScalarFunction(
    DuckDBScalarFunction.create({
      name: f.name,
      returnType: f.returns,
      parameterTypes: f.params,
      mainFunction: (_info, input, output) => {
        const columns = f.params.map((_, i) => input.getColumnVector(i));
        const args: unknown[] = new Array(columns.length);
        for (let row = 0; row < input.rowCount; row++) {
          for (let c = 0; c < columns.length; c++) args[c] = columns[c]!.getItem(row);
          let value: RuntimeValue;
          try {
            value = compute(...args);
          } catch {
            value = null;
          }
          output.setItem(row, value as never);
        }
        output.flush();
      },
    }),
  );
}

/** A runtime argument that must be a JSON array (a dynamic array as DuckDB hands it over); null otherwise. */
export function parseJsonArray(text: string): unknown[] | null {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return null;
  }
  return Array.isArray(v) ? v : null;
}
