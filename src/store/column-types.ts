import { ALL_TYPES, storageSqlType, type KqlType } from '../kql/types.js';

/**
 * How each KQL type is stored in DuckDB — the compiler's own mapping (timespans and datetimes are
 * BIGINT counts of 100-ns ticks, datetimes since 0001-01-01 UTC; dynamic values JSON), so a query's
 * scan reads stored columns as they are (src/kql/types.ts).
 */
export const DUCKDB_TYPE = Object.fromEntries(ALL_TYPES.map((t) => [t, storageSqlType(t)])) as Record<KqlType, string>;

/**
 * A stored cell as the ingestion path hands it to the store: datetimes are bigint 100-ns ticks since
 * 0001-01-01 UTC, longs and timespans are bigints, dynamic is JSON text, guid and decimal are text.
 */
export type StoredValue = string | number | bigint | boolean | null;
