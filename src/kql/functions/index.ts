/**
 * The function catalogue: scalar functions, operators and aggregates, one file per family.
 *
 * Each entry is self-contained: arity, type rule (`bind`) and SQL emission (`emit`). The binder only
 * looks names up here, so a function is added by adding an entry to its family's file — nothing else.
 * Operators (`+`, `==`, `has`, `in`, `between`, …) are entries in OPERATORS, keyed by their KQL spelling.
 *
 * Conventions:
 *  - emitted SQL must have the DuckDB type that types.ts maps the result to;
 *  - string results are never SQL NULL (Kusto strings have no null — '' instead);
 *  - constants embedded in SQL go through sql.ts / sqlexpr.ts.
 */
import type { ScalarFunction } from '../bound.js';
import { formatDatetimeTicks } from '../literals.js';
import { toBoolSql, toDatetimeSql, toDecimalSql, toGuidSql, toIntSql, toLongSql, toRealSql, toStringSql, toTimespanSql } from '../sqlexpr.js';
import { sqlType } from '../types.js';
import { HLL_SCALAR_FUNCTIONS, TDIGEST_SCALAR_FUNCTIONS } from './aggregates.js';
import { CONDITIONAL_FUNCTIONS } from './conditional.js';
import { CONVERSION_FUNCTIONS } from './conversion.js';
import { DATETIME_FUNCTIONS } from './datetime.js';
import { DYNAMIC_FUNCTIONS } from './dynamic.js';
import { GEO_FUNCTIONS } from './geo.js';
import { IP_FUNCTIONS } from './ip.js';
import { MASKING_FUNCTIONS } from './masking.js';
import { MATH_FUNCTIONS } from './math.js';
import { SERIES_FUNCTIONS } from './series.js';
import { SESSION_FUNCTIONS } from './session.js';
import { STATISTICS_FUNCTIONS } from './statistics.js';
import { REFUSED_FUNCTIONS } from './storage.js';
import { TEXT_FORMAT_FUNCTIONS } from './text-formats.js';
import { UNIT_FUNCTIONS } from './units.js';
import { STRING_FUNCTIONS } from './strings.js';

/** Every scalar function by name; a name defined twice is a mistake caught when the module loads. */
export const SCALAR_FUNCTIONS: ReadonlyMap<string, ScalarFunction> = catalogue([
  CONDITIONAL_FUNCTIONS, CONVERSION_FUNCTIONS, STRING_FUNCTIONS, DATETIME_FUNCTIONS, MATH_FUNCTIONS,
  DYNAMIC_FUNCTIONS, IP_FUNCTIONS, SERIES_FUNCTIONS, GEO_FUNCTIONS, HLL_SCALAR_FUNCTIONS, TDIGEST_SCALAR_FUNCTIONS, MASKING_FUNCTIONS,
  UNIT_FUNCTIONS, STATISTICS_FUNCTIONS, TEXT_FORMAT_FUNCTIONS, SESSION_FUNCTIONS, REFUSED_FUNCTIONS,
]);

function catalogue(families: ScalarFunction[][]): Map<string, ScalarFunction> {
  const byName = new Map<string, ScalarFunction>();
  for (const f of families.flat()) {
    if (byName.has(f.name)) throw new Error(`the function catalogue defines ${f.name}() twice`);
    byName.set(f.name, f);
  }
  return byName;
}

export { AGGREGATE_FUNCTIONS, filterClause } from './aggregates.js';
export { expressionResultName } from './result-names.js';
export { pathScalarText, pathSql } from './dynamic.js';
export { OPERATORS } from './operators.js';
// re-exported for the emitter (keeps conversions in one module)
export { toBoolSql, toDatetimeSql, toDecimalSql, toGuidSql, toIntSql, toLongSql, toRealSql, toStringSql, toTimespanSql, formatDatetimeTicks, sqlType };
