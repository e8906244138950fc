import type { KqlType } from '../kql/index.js';

/**
 * How each KQL type is stored in DuckDB. One choice, everywhere: timespans are BIGINT counts of
 * 100-ns ticks, datetimes are UTC TIMESTAMPs (microseconds), dynamic values are JSON.
 */
export const DUCKDB_TYPE: Record<KqlType, string> = {
  bool: 'BOOLEAN',
  int: 'INTEGER',
  long: 'BIGINT',
  real: 'DOUBLE',
  decimal: 'DECIMAL(38,18)',
  string: 'VARCHAR',
  datetime: 'TIMESTAMP',
  timespan: 'BIGINT',
  guid: 'UUID',
  dynamic: 'JSON',
};

/**
 * A stored cell as the ingestion path hands it to the store: datetimes are bigint microseconds since
 * the Unix epoch, longs and timespans are bigints, dynamic is JSON text, guid and decimal are text.
 */
export type StoredValue = string | number | bigint | boolean | null;
