/**
 * The KQL runtime: functions of the catalogue that run in JavaScript inside DuckDB (see udf.ts).
 * Every DuckDB instance that executes or checks compiled KQL registers the same set, once.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { BAG_PATH_FUNCTIONS } from './bag-paths.js';
import { BUILDSCHEMA_FUNCTIONS } from './buildschema.js';
import { COMPRESSION_FUNCTIONS } from './compression.js';
import { DECOMPOSE_FUNCTIONS } from './decompose.js';
import { DOCUMENT_FUNCTIONS } from './documents.js';
import { GEO_FUNCTIONS } from './geo.js';
import { GRAPH_FUNCTIONS } from './graph.js';
import { GEO_IP_INFO_FUNCTIONS } from './geo-ip-info.js';
import { GEO_SHAPE_FUNCTIONS } from './geo-shapes.js';
import { GEO_BUFFER_FUNCTIONS } from './geo-buffer.js';
import { GEO_OVERLAY_FUNCTIONS } from './geo-overlay.js';
import { GEO_MEASURE_FUNCTIONS } from './geo-measures.js';
import { GEO_SIMPLIFY_FUNCTIONS } from './geo-simplify.js';
import { IPV4_RANGE_FUNCTIONS } from './ipv4-ranges.js';
import { IPV6_FUNCTIONS } from './ipv6.js';
import { PARSE_KV_FUNCTIONS } from './parse-kv.js';
import { PATH_FUNCTIONS } from './paths.js';
import { PATTERN_FUNCTIONS } from './patterns.js';
import { PUNYCODE_FUNCTIONS } from './punycode.js';
import { REDUCE_FUNCTIONS } from './reduce.js';
import { SEASONAL_FUNCTIONS } from './seasonal.js';
import { SERIES_FUNCTIONS } from './series.js';
import { SPECIAL_MATH_FUNCTIONS } from './special-math.js';
import { STATISTICS_FUNCTIONS } from './statistics.js';
import { TDIGEST_FUNCTIONS } from './tdigest.js';
import { registerRuntimeFunction, type RuntimeFunction } from './udf.js';
import { UNIT_FUNCTIONS } from './units.js';
import { USER_AGENT_FUNCTIONS } from './user-agent.js';
import { XXHASH_FUNCTIONS } from './xxhash.js';

export const KQL_RUNTIME_FUNCTIONS: readonly RuntimeFunction[] = [...XXHASH_FUNCTIONS, ...GEO_FUNCTIONS, ...GEO_SHAPE_FUNCTIONS, ...GEO_OVERLAY_FUNCTIONS, ...GEO_BUFFER_FUNCTIONS, ...GEO_SIMPLIFY_FUNCTIONS, ...IPV6_FUNCTIONS, ...SERIES_FUNCTIONS, ...SEASONAL_FUNCTIONS, ...DOCUMENT_FUNCTIONS, ...BAG_PATH_FUNCTIONS, ...COMPRESSION_FUNCTIONS, ...SPECIAL_MATH_FUNCTIONS, ...DECOMPOSE_FUNCTIONS, ...TDIGEST_FUNCTIONS, ...PATTERN_FUNCTIONS, ...GEO_MEASURE_FUNCTIONS,
  ...UNIT_FUNCTIONS, ...STATISTICS_FUNCTIONS, ...PATH_FUNCTIONS, ...PUNYCODE_FUNCTIONS, ...USER_AGENT_FUNCTIONS, ...IPV4_RANGE_FUNCTIONS, ...BUILDSCHEMA_FUNCTIONS, ...PARSE_KV_FUNCTIONS, ...REDUCE_FUNCTIONS, ...GRAPH_FUNCTIONS, ...GEO_IP_INFO_FUNCTIONS];

/** Registers the runtime on the connection's instance (registration is instance-wide). */
export function registerKqlRuntime(conn: DuckDBConnection): void {
  for (const f of KQL_RUNTIME_FUNCTIONS) registerRuntimeFunction(conn, f);
}
