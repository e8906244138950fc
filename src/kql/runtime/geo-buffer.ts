/**
 * geo-buffer.ts — geo_point_buffer, geo_line_buffer, geo_polygon_buffer and geo_polygon_to_h3cells.
 *
 * Buffers are computed as Turf does (@turf/buffer): the shape is projected with an azimuthal
 * equidistant projection centred on it (distances from the centre are exact on the sphere),
 * buffered in that plane by JSTS with round caps and joins, and projected back. Kusto documents a
 * planar buffer in meters too; its vertices sit at other angles, so buffers agree with Kusto's as
 * regions (every vertex within `tolerance` of the ideal offset), not vertex for vertex. The number
 * of segments per quarter circle is chosen so that a chord deviates from the arc by at most the
 * tolerance. Shapes crossing the antimeridian are unwrapped before projecting.
 *
 * H3 cells of a polygon are the cells whose centres lie inside it (h3-js polygonToCells, Uber's own
 * library: the docs' example gives exactly Kusto's 13 cells).
 */
import { BIGINT, DOUBLE, VARCHAR } from '@duckdb/node-api';
import { buffer } from '@turf/buffer';
import * as h3 from 'h3-js';
import { parseLines, parsePolygons, type Coord } from './geo-shapes.js';
import { runtimeFunction } from './udf.js';

const EARTH_RADIUS_M = 6371010;
/** Kusto's smallest tolerance relative to the radius (the docs: "no lower than 0.0001% of the radius"). */
const MIN_RELATIVE_TOLERANCE = 1e-6;
/** Vigil's cap on the H3 cells of one polygon (as geo_polygon_to_s2cells' limit): more gives null, as the docs state for "the limit". */
export const MAX_H3_CELLS = 65536;

/** Segments per quarter circle so that each chord stays within `tolerance` of the arc of `radius`. */
function quarterSteps(radius: number, tolerance: number): number | null {
  if (!Number.isFinite(radius) || radius <= 0 || !Number.isFinite(tolerance) || tolerance < radius * MIN_RELATIVE_TOLERANCE) return null;
  const t = Math.min(tolerance, radius);
  const halfAngle = Math.acos(1 - t / radius);
  return Math.max(1, Math.ceil(Math.PI / 2 / (2 * halfAngle)));
}

/** Longitudes made continuous from the first vertex (so a shape across ±180° stays one piece). */
function unwrap(coords: Coord[], ref: number): Coord[] {
  return coords.map(([lon, lat]) => [ref + ((((lon - ref + 540) % 360) + 360) % 360) - 180, lat]);
}
const wrapLon = (lon: number) => (lon > 180 ? lon - 360 : lon < -180 ? lon + 360 : lon);
function wrapAll(x: unknown): unknown {
  if (Array.isArray(x) && typeof x[0] === 'number') return [wrapLon(x[0] as number), x[1]];
  return Array.isArray(x) ? x.map(wrapAll) : x;
}

/** The buffer of a geometry given as GeoJSON (coordinates already validated), as Polygon/MultiPolygon JSON. */
function bufferGeometry(type: string, coordinates: unknown, radius: number, tolerance: number): string | null {
  const steps = quarterSteps(radius, tolerance);
  if (steps === null) return null;
  const result = buffer({ type, coordinates } as never, radius, { units: 'meters', steps }) as { geometry?: { type: string; coordinates: unknown } } | undefined;
  const g = result?.geometry;
  if (!g || (g.type !== 'Polygon' && g.type !== 'MultiPolygon')) return null;
  return JSON.stringify({ type: g.type, coordinates: wrapAll(g.coordinates) });
}

function bufferLines(text: string, radius: number, tolerance: number): string | null {
  const lines = parseLines(text);
  if (!lines) return null;
  const ref = lines[0]![0]![0];
  const unwrapped = lines.map((l) => unwrap(l, ref));
  return unwrapped.length === 1 ? bufferGeometry('LineString', unwrapped[0], radius, tolerance) : bufferGeometry('MultiLineString', unwrapped, radius, tolerance);
}

function bufferPolygons(text: string, radius: number, tolerance: number): string | null {
  const polys = parsePolygons(text);
  if (!polys) return null;
  const ref = polys[0]![0]!.coords[0]![0];
  const unwrapped = polys.map((p) => p.map((r) => unwrap(r.coords, ref)));
  return unwrapped.length === 1 ? bufferGeometry('Polygon', unwrapped[0], radius, tolerance) : bufferGeometry('MultiPolygon', unwrapped, radius, tolerance);
}

const validLonLat = (lon: number, lat: number) => Number.isFinite(lon) && Number.isFinite(lat) && lon >= -180 && lon <= 180 && lat >= -90 && lat <= 90;

/** The H3 cells (resolution `res`) whose centres lie in the polygons, or null past MAX_H3_CELLS. */
function polygonCells(text: string, res: number, radius: number): string[] | null {
  const polys = parsePolygons(text);
  if (!polys || !Number.isInteger(res) || res < 0 || res > 15 || !Number.isFinite(radius) || radius < 0) return null;
  // refuse before computing a covering that is surely over the limit (area grown by the buffer)
  let area = 0, perimeter = 0;
  for (const [shell, ...holes] of polys) {
    area += (shell!.loop.area() - holes.reduce((s, h) => s + h.loop.area(), 0)) * EARTH_RADIUS_M ** 2;
    for (const r of [shell!, ...holes]) perimeter += r.coords.slice(1).reduce((s, c, i) => s + h3.greatCircleDistance([r.coords[i]![1], r.coords[i]![0]], [c[1], c[0]], 'm'), 0);
  }
  area += perimeter * radius + Math.PI * radius * radius;
  if (area / h3.getHexagonAreaAvg(res, 'm2') > MAX_H3_CELLS) return null;
  let shapes: Coord[][][] = polys.map((p) => p.map((r) => r.coords));
  if (radius > 0) {
    const grown = bufferPolygons(text, radius, Math.min(10, radius));
    if (!grown) return null;
    const g = JSON.parse(grown) as { type: string; coordinates: Coord[][] | Coord[][][] };
    shapes = g.type === 'Polygon' ? [g.coordinates as Coord[][]] : (g.coordinates as Coord[][][]);
  }
  const cells = new Set<string>();
  for (const rings of shapes) {
    for (const c of h3.polygonToCells(rings, res, true)) cells.add(c);
    if (cells.size > MAX_H3_CELLS) return null;
  }
  return [...cells];
}

export const GEO_BUFFER_FUNCTIONS = [
  runtimeFunction('kql_geo_point_buffer', [DOUBLE, DOUBLE, DOUBLE, DOUBLE], VARCHAR, (lon: number, lat: number, radius: number, tolerance: number) =>
    validLonLat(lon, lat) ? bufferGeometry('Point', [lon, lat], radius, tolerance) : null),
  runtimeFunction('kql_geo_line_buffer', [VARCHAR, DOUBLE, DOUBLE], VARCHAR, (line: string, radius: number, tolerance: number) => bufferLines(line, radius, tolerance)),
  runtimeFunction('kql_geo_polygon_buffer', [VARCHAR, DOUBLE, DOUBLE], VARCHAR, (poly: string, radius: number, tolerance: number) => bufferPolygons(poly, radius, tolerance)),
  runtimeFunction('kql_geo_polygon_to_h3cells', [VARCHAR, BIGINT, DOUBLE], VARCHAR, (poly: string, res: bigint, radius: number) => {
    const cells = polygonCells(poly, Number(res), radius);
    return cells && JSON.stringify(cells);
  }),
];
