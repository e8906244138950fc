/**
 * geo.ts — geospatial functions. The computation runs in the KQL runtime (src/kql/runtime/geo.ts:
 * S2, H3, geohash, geodesics); these entries type the arguments and emit the calls.
 */
import type { ScalarFunction, SqlArg } from '../bound.js';
import type { KqlType } from '../types.js';
import { sqlString } from '../sql.js';
import { as, fn, intLike, isDynamic, numericOrDyn, str } from './define.js';

/**
 * Vigil's limits on one GeoJSON argument of the overlay, buffer, simplify and H3-covering functions,
 * whose cost grows faster than linearly with the vertices (Douglas–Peucker, polygon clipping): its
 * JSON text, and its arrays (every '[' — vertices, lines, rings — counted by SQL before any parsing).
 * A value past either fails the query with this text (400 BadArgumentError, see describeEngineError)
 * rather than tying up the engine.
 */
export const GEO_MAX_SHAPE_CHARS = 1_048_576;
export const GEO_MAX_SHAPE_ARRAYS = 10_000;
export const GEO_SHAPE_LIMIT_MESSAGE = `A geospatial argument is longer than ${GEO_MAX_SHAPE_CHARS} characters or has more than ${GEO_MAX_SHAPE_ARRAYS} coordinate arrays (vertices, lines, rings): Vigil's limits for one value passed to geo_intersection_*, geo_union_*, geo_*_buffer, geo_*simplify* and geo_polygon_to_h3cells.`;

const real = (a: SqlArg) => as(a, 'real');
const long = (a: SqlArg | undefined, fallback: number) => (a ? as(a, 'long') : `CAST(${fallback} AS BIGINT)`);
const json = (call: string) => `CAST(${call} AS JSON)`;
const text = (call: string) => `coalesce(${call}, '')`;
const stringLike = (t: KqlType) => t === 'string' || t === 'dynamic';
/** A GeoJSON argument as its JSON text. */
const shape = (a: SqlArg) => `CAST(${a.sql} AS VARCHAR)`;

/** A function of cell tokens / coordinates whose runtime call is `kql_<name>(…)`. */
function geo(name: string, params: ((t: KqlType) => boolean)[], optional: number, ret: KqlType, args: (a: SqlArg[]) => string[]): ScalarFunction {
  return fn(name, params, optional, ret, (a) => {
    const call = `kql_${name}(${args(a).join(', ')})`;
    return ret === 'dynamic' ? json(call) : ret === 'string' ? text(call) : call;
  });
}

/** SQL that fails the query (GEO_SHAPE_LIMIT_MESSAGE) when one of the GeoJSON arguments at `shapes` is past the limits, else `call`. */
function limited(a: SqlArg[], shapes: number[], call: string): string {
  const tooLong = shapes.filter((i) => a[i]).map((i) => {
    const text = shape(a[i]!);
    return `length(${text}) > ${GEO_MAX_SHAPE_CHARS} OR length(${text}) - length(replace(${text}, '[', '')) > ${GEO_MAX_SHAPE_ARRAYS}`;
  }).join(' OR ');
  return tooLong ? `CASE WHEN ${tooLong} THEN error(${sqlString(GEO_SHAPE_LIMIT_MESSAGE)}) ELSE ${call} END` : call;
}

/** A shape-heavy function: its GeoJSON arguments (`shapes`, by position) are checked against the limits first. */
function heavy(name: string, params: ((t: KqlType) => boolean)[], optional: number, shapes: number[], args: (a: SqlArg[]) => string[]): ScalarFunction {
  return fn(name, params, optional, 'dynamic', (a) => json(limited(a, shapes, `kql_${name}(${args(a).join(', ')})`)));
}

/**
 * geo_polygon_to_s2cells / geo_line_to_s2cells (shape[, level = 11[, radius = 0]]): with a positive
 * radius, the covering of the shape's buffer (geo_polygon_buffer / geo_line_buffer, tolerance
 * min(10 m, radius)) — "all points within the radius of the input geometry"; a negative radius is null.
 */
function s2Covering(name: string, buffer: string): ScalarFunction {
  return fn(name, [isDynamic, intLike, numericOrDyn], 2, 'dynamic', (a) => {
    const level = long(a[1], 11);
    const plain = `kql_${name}(${shape(a[0]!)}, ${level})`;
    if (!a[2]) return json(plain);
    const r = real(a[2]);
    const buffered = limited(a, [0], `kql_geo_polygon_to_s2cells(kql_${buffer}(${shape(a[0]!)}, ${r}, least(CAST(10 AS DOUBLE), ${r})), ${level})`);
    return json(`CASE WHEN ${r} = 0 THEN ${plain} WHEN ${r} > 0 THEN ${buffered} END`);
  });
}
const realOr = (a: SqlArg | undefined, fallback: number) => (a ? real(a) : `CAST(${fallback} AS DOUBLE)`);

export const GEO_FUNCTIONS: ScalarFunction[] = [
  // overlays, buffers, simplification (src/kql/runtime/geo-overlay.ts, geo-buffer.ts, geo-simplify.ts)
  heavy('geo_intersection_2lines', [isDynamic, isDynamic], 0, [0, 1], (a) => [shape(a[0]!), shape(a[1]!)]),
  heavy('geo_intersection_2polygons', [isDynamic, isDynamic], 0, [0, 1], (a) => [shape(a[0]!), shape(a[1]!)]),
  heavy('geo_intersection_line_with_polygon', [isDynamic, isDynamic], 0, [0, 1], (a) => [shape(a[0]!), shape(a[1]!)]),
  heavy('geo_union_lines_array', [isDynamic], 0, [0], (a) => [shape(a[0]!)]),
  heavy('geo_union_polygons_array', [isDynamic], 0, [0], (a) => [shape(a[0]!)]),
  heavy('geo_point_buffer', [numericOrDyn, numericOrDyn, numericOrDyn, numericOrDyn], 1, [], (a) => [real(a[0]!), real(a[1]!), real(a[2]!), realOr(a[3], 10)]),
  heavy('geo_line_buffer', [isDynamic, numericOrDyn, numericOrDyn], 1, [0], (a) => [shape(a[0]!), real(a[1]!), realOr(a[2], 10)]),
  heavy('geo_polygon_buffer', [isDynamic, numericOrDyn, numericOrDyn], 1, [0], (a) => [shape(a[0]!), real(a[1]!), realOr(a[2], 10)]),
  heavy('geo_line_simplify', [isDynamic, numericOrDyn], 1, [0], (a) => [shape(a[0]!), realOr(a[1], 10)]),
  heavy('geo_polygon_simplify', [isDynamic, numericOrDyn], 1, [0], (a) => [shape(a[0]!), realOr(a[1], 10)]),
  heavy('geo_simplify_polygons_array', [isDynamic, numericOrDyn], 1, [0], (a) => [shape(a[0]!), realOr(a[1], 10)]),
  heavy('geo_polygon_to_h3cells', [isDynamic, intLike, numericOrDyn], 2, [0], (a) => [shape(a[0]!), long(a[1], 6), realOr(a[2], 0)]),

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

  // lines and polygons (src/kql/runtime/geo-shapes.ts)
  geo('geo_azimuth', [numericOrDyn, numericOrDyn, numericOrDyn, numericOrDyn], 0, 'real', (a) => a.map(real)),
  geo('geo_angle', [numericOrDyn, numericOrDyn, numericOrDyn, numericOrDyn, numericOrDyn, numericOrDyn], 0, 'real', (a) => a.map(real)),
  geo('geo_line_length', [isDynamic], 0, 'real', (a) => [shape(a[0]!)]),
  geo('geo_line_centroid', [isDynamic], 0, 'dynamic', (a) => [shape(a[0]!)]),
  geo('geo_distance_point_to_line', [numericOrDyn, numericOrDyn, isDynamic], 0, 'real', (a) => [real(a[0]!), real(a[1]!), shape(a[2]!)]),
  geo('geo_closest_point_on_line', [numericOrDyn, numericOrDyn, isDynamic], 0, 'dynamic', (a) => [real(a[0]!), real(a[1]!), shape(a[2]!)]),
  geo('geo_line_interpolate_point', [isDynamic, numericOrDyn], 0, 'dynamic', (a) => [shape(a[0]!), real(a[1]!)]),
  geo('geo_line_locate_point', [isDynamic, numericOrDyn, numericOrDyn], 0, 'real', (a) => [shape(a[0]!), real(a[1]!), real(a[2]!)]),
  geo('geo_line_densify', [isDynamic, numericOrDyn], 1, 'dynamic', (a) => [shape(a[0]!), a[1] ? real(a[1]) : 'CAST(10 AS DOUBLE)']),
  geo('geo_intersects_2lines', [isDynamic, isDynamic], 0, 'bool', (a) => [shape(a[0]!), shape(a[1]!)]),
  geo('geo_polygon_area', [isDynamic], 0, 'real', (a) => [shape(a[0]!)]),
  geo('geo_polygon_perimeter', [isDynamic], 0, 'real', (a) => [shape(a[0]!)]),
  geo('geo_polygon_centroid', [isDynamic], 0, 'dynamic', (a) => [shape(a[0]!)]),
  geo('geo_distance_point_to_polygon', [numericOrDyn, numericOrDyn, isDynamic], 0, 'real', (a) => [real(a[0]!), real(a[1]!), shape(a[2]!)]),
  geo('geo_closest_point_on_polygon', [numericOrDyn, numericOrDyn, isDynamic], 0, 'dynamic', (a) => [real(a[0]!), real(a[1]!), shape(a[2]!)]),
  geo('geo_polygon_densify', [isDynamic, numericOrDyn], 1, 'dynamic', (a) => [shape(a[0]!), a[1] ? real(a[1]) : 'CAST(10 AS DOUBLE)']),
  geo('geo_intersects_2polygons', [isDynamic, isDynamic], 0, 'bool', (a) => [shape(a[0]!), shape(a[1]!)]),
  geo('geo_intersects_line_with_polygon', [isDynamic, isDynamic], 0, 'bool', (a) => [shape(a[0]!), shape(a[1]!)]),
  geo('geo_from_wkt', [stringLike], 0, 'dynamic', (a) => [str(a[0]!)]),
  s2Covering('geo_polygon_to_s2cells', 'geo_polygon_buffer'),
  s2Covering('geo_line_to_s2cells', 'geo_line_buffer'),
];
