/**
 * geo.ts — geospatial functions. The computation runs in the KQL runtime (src/kql/runtime/geo.ts:
 * S2, H3, geohash, geodesics); these entries type the arguments and emit the calls.
 */
import type { ScalarFunction, SqlArg } from '../bound.js';
import type { KqlType } from '../types.js';
import { as, fn, intLike, isDynamic, numericOrDyn, str } from './define.js';

const real = (a: SqlArg) => as(a, 'real');
const long = (a: SqlArg | undefined, fallback: number) => (a ? as(a, 'long') : `CAST(${fallback} AS BIGINT)`);
const json = (call: string) => `CAST(${call} AS JSON)`;
const text = (call: string) => `coalesce(${call}, '')`;
const stringLike = (t: KqlType) => t === 'string' || t === 'dynamic';

/** A function of cell tokens / coordinates whose runtime call is `kql_<name>(…)`. */
function geo(name: string, params: ((t: KqlType) => boolean)[], optional: number, ret: KqlType, args: (a: SqlArg[]) => string[]): ScalarFunction {
  return fn(name, params, optional, ret, (a) => {
    const call = `kql_${name}(${args(a).join(', ')})`;
    return ret === 'dynamic' ? json(call) : ret === 'string' ? text(call) : call;
  });
}

export const GEO_FUNCTIONS: ScalarFunction[] = [
  geo('geo_distance_2points', [numericOrDyn, numericOrDyn, numericOrDyn, numericOrDyn, (t) => t === 'bool'], 1, 'real',
    (a) => [...a.slice(0, 4).map(real), a[4] ? as(a[4], 'bool') : 'FALSE']),
  geo('geo_point_in_circle', [numericOrDyn, numericOrDyn, numericOrDyn, numericOrDyn, numericOrDyn], 0, 'bool', (a) => a.map(real)),
  geo('geo_point_in_polygon', [numericOrDyn, numericOrDyn, isDynamic], 0, 'bool', (a) => [real(a[0]!), real(a[1]!), `CAST(${a[2]!.sql} AS VARCHAR)`]),

  geo('geo_point_to_geohash', [numericOrDyn, numericOrDyn, intLike], 1, 'string', (a) => [real(a[0]!), real(a[1]!), long(a[2], 5)]),
  geo('geo_geohash_to_central_point', [stringLike], 0, 'dynamic', (a) => [str(a[0]!)]),
  geo('geo_geohash_to_polygon', [stringLike], 0, 'dynamic', (a) => [str(a[0]!)]),
  geo('geo_geohash_neighbors', [stringLike], 0, 'dynamic', (a) => [str(a[0]!)]),

  geo('geo_point_to_s2cell', [numericOrDyn, numericOrDyn, intLike], 1, 'string', (a) => [real(a[0]!), real(a[1]!), long(a[2], 11)]),
  geo('geo_s2cell_to_central_point', [stringLike], 0, 'dynamic', (a) => [str(a[0]!)]),
  geo('geo_s2cell_to_polygon', [stringLike], 0, 'dynamic', (a) => [str(a[0]!)]),
  geo('geo_s2cell_neighbors', [stringLike], 0, 'dynamic', (a) => [str(a[0]!)]),

  geo('geo_point_to_h3cell', [numericOrDyn, numericOrDyn, intLike], 1, 'string', (a) => [real(a[0]!), real(a[1]!), long(a[2], 6)]),
  geo('geo_h3cell_to_central_point', [stringLike], 0, 'dynamic', (a) => [str(a[0]!)]),
  geo('geo_h3cell_to_polygon', [stringLike], 0, 'dynamic', (a) => [str(a[0]!)]),
  geo('geo_h3cell_level', [stringLike], 0, 'int', (a) => [str(a[0]!)]),
  geo('geo_h3cell_parent', [stringLike, intLike], 1, 'string', (a) => [str(a[0]!), long(a[1], -1)]),
  geo('geo_h3cell_children', [stringLike, intLike], 1, 'dynamic', (a) => [str(a[0]!), long(a[1], -1)]),
  geo('geo_h3cell_neighbors', [stringLike], 0, 'dynamic', (a) => [str(a[0]!)]),
  geo('geo_h3cell_rings', [stringLike, intLike], 0, 'dynamic', (a) => [str(a[0]!), long(a[1], 0)]),
];
