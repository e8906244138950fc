import { ALL_TYPES, storageSqlType, type KqlType } from '../kql/types.js';

/**
 * How each KQL type is stored in DuckDB — the compiler's storage mapping (timespans are BIGINT counts
 * of 100-ns ticks, datetimes UTC TIMESTAMPs in microseconds, dynamic values JSON); a query's scan
 * turns stored datetimes into the compiler's ticks (src/kql/types.ts).
 */
export const DUCKDB_TYPE = Object.fromEntries(ALL_TYPES.map((t) => [t, storageSqlType(t)])) as Record<KqlType, string>;

/**
 * A stored cell as the ingestion path hands it to the store: datetimes are bigint microseconds since
 * the Unix epoch, longs and timespans are bigints, dynamic is JSON text, guid and decimal are text.
 */
export type StoredValue = string | number | bigint | boolean | null;
