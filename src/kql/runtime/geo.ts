/**
 * geo.ts — Kusto's geospatial functions, on the libraries Kusto's own results come from.
 *
 * Kusto measures on a sphere of radius 6,371,010 m (S2's Earth radius: geo_distance_2points of
 * the docs' Seattle–Los Angeles pair is 1546754.35197381 m, exactly the haversine on that sphere)
 * and its cells are S2 (s2js, a port of Go's S2), H3 (h3-js, Uber's own build) and geohash
 * (ngeohash). Polygons follow the docs' rules: each ring bounds the smaller of the two regions it
 * divides the sphere into, holes are cut out of the shell, edges are geodesics (S2 loops).
 * Invalid input gives null (dynamic/bool/real results) or '' (cell tokens), as the docs state.
 */
import { BIGINT, BOOLEAN, DOUBLE, INTEGER, VARCHAR } from '@duckdb/node-api';
import geodesic from 'geographiclib-geodesic';
import * as h3 from 'h3-js';
import ngeohash from 'ngeohash';
import { s2 } from 's2js';
import { runtimeFunction } from './udf.js';

const EARTH_RADIUS_M = 6371010;
const RAD = Math.PI / 180;

const validLon = (x: number) => Number.isFinite(x) && x >= -180 && x <= 180;
const validLat = (x: number) => Number.isFinite(x) && x >= -90 && x <= 90;
const validPoint = (lon: number, lat: number) => validLon(lon) && validLat(lat);

function haversine(lon1: number, lat1: number, lon2: number, lat2: number): number {
  const dLat = (lat2 - lat1) * RAD;
  const dLon = (lon2 - lon1) * RAD;
  const a = Math.sin(dLat / 2) ** 2 + Math.cos(lat1 * RAD) * Math.cos(lat2 * RAD) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(a)));
}

/** WGS-84 geodesic distance (Karney's algorithm), for use_spheroid = true. */
function spheroidDistance(lon1: number, lat1: number, lon2: number, lat2: number): number {
  return geodesic.Geodesic.WGS84.Inverse(lat1, lon1, lat2, lon2).s12 as number;
}

const point = (lon: number, lat: number) => JSON.stringify({ type: 'Point', coordinates: [lon, lat] });
const polygon = (ring: [number, number][]) => JSON.stringify({ type: 'Polygon', coordinates: [ring] });

// ───────────── geohash ─────────────

const GEOHASH_RE = /^[0-9b-hjkmnp-z]{1,18}$/;
/** The order of the docs' geo_geohash_neighbors('sunny') example, as compass directions. */
const GEOHASH_NEIGHBOR_ORDER = [5, 7, 3, 0, 6, 1, 2, 4]; // ngeohash gives n, ne, e, se, s, sw, w, nw

function geohashBox(hash: string): [number, number, number, number] | null {
  if (!GEOHASH_RE.test(hash)) return null;
  const [minLat, minLon, maxLat, maxLon] = ngeohash.decode_bbox(hash) as [number, number, number, number];
  return [minLon, minLat, maxLon, maxLat];
}

// ───────────── S2 ─────────────

const S2_TOKEN_RE = /^[0-9a-f]{1,16}$/;
function s2Cell(token: string): bigint | null {
  if (!S2_TOKEN_RE.test(token)) return null;
  const id = s2.cellid.fromToken(token);
  return s2.cellid.valid(id) ? id : null;
}
const lonLatOf = (p: s2.Point): [number, number] => {
  const ll = s2.LatLng.fromPoint(p);
  return [ll.lng / RAD, ll.lat / RAD];
};

/** The eight neighbours in S2's AllNeighbors order, permuted into the order of the docs' geo_s2cell_neighbors('89c259') example. */
function s2Neighbors(id: bigint): string[] {
  const C = s2.cellid;
  const level = C.level(id);
  const o = C.faceIJOrientation(id);
  const size = C.sizeIJ(level);
  const i = o.i & -size;
  const j = o.j & -size;
  const MAX = 1 << 30;
  const at = (di: number, dj: number, same: boolean) => C.toToken(C.parent(C.fromFaceIJSame(o.f, i + di, j + dj, same), level));
  // (di, dj) in cell sizes: (1,1) (-1,-1) (1,-1) (0,-1) (0,1) (1,0) (-1,0) (-1,1)
  return [
    at(size, size, j + size < MAX && i + size < MAX),
    at(-size, -size, j - size >= 0 && i - size >= 0),
    at(size, -size, j - size >= 0 && i + size < MAX),
    at(0, -size, j - size >= 0),
    at(0, size, j + size < MAX),
    at(size, 0, i + size < MAX),
    at(-size, 0, i - size >= 0),
    at(-size, size, j + size < MAX && i - size >= 0),
  ];
}

// ───────────── polygons ─────────────

type Ring = [number, number][];

function parseRing(x: unknown): s2.Loop | null {
  if (!Array.isArray(x) || x.length < 4) return null;
  const pts: s2.Point[] = [];
  for (const c of x as unknown[]) {
    if (!Array.isArray(c) || c.length < 2 || typeof c[0] !== 'number' || typeof c[1] !== 'number' || !validPoint(c[0], c[1])) return null;
    pts.push(s2.Point.fromLatLng(s2.LatLng.fromDegrees(c[1], c[0])));
  }
  const first = (x as Ring)[0]!, last = (x as Ring)[x.length - 1]!;
  if (first[0] !== last[0] || first[1] !== last[1]) return null;
  pts.pop();
  // a ring needs three distinct vertices (geo-point-in-polygon-function.md: [[0,0],[10,10],[10,10],[0,0]] is invalid)
  if (pts.filter((p, i) => pts.findIndex((q) => q.equals(p)) === i).length < 3) return null;
  const loop = new s2.Loop(pts);
  loop.normalize(); // the smaller of the two regions
  return loop;
}

/** A GeoJSON Polygon or MultiPolygon as [shell, holes…] lists of loops, or null when invalid. */
function parsePolygons(json: string): s2.Loop[][] | null {
  let g: unknown;
  try {
    g = JSON.parse(json);
  } catch {
    return null;
  }
  if (typeof g !== 'object' || g === null) return null;
  const { type, coordinates } = g as { type?: unknown; coordinates?: unknown };
  const polys = type === 'Polygon' ? [coordinates] : type === 'MultiPolygon' && Array.isArray(coordinates) ? coordinates : null;
  if (!polys || polys.length === 0) return null;
  const out: s2.Loop[][] = [];
  for (const p of polys) {
    if (!Array.isArray(p) || p.length === 0) return null;
    const loops = p.map(parseRing);
    if (loops.some((l) => l === null)) return null;
    out.push(loops as s2.Loop[]);
  }
  return out;
}

function inPolygons(polys: s2.Loop[][], lon: number, lat: number): boolean {
  const p = s2.Point.fromLatLng(s2.LatLng.fromDegrees(lat, lon));
  return polys.some(([shell, ...holes]) => shell!.containsPoint(p) && !holes.some((h) => h.containsPoint(p)));
}

/** Parsed polygons by their JSON text: a query tests many points against the same few polygons. */
const polygonCache = new Map<string, s2.Loop[][] | null>();
function cachedPolygons(json: string): s2.Loop[][] | null {
  let v = polygonCache.get(json);
  if (v === undefined && !polygonCache.has(json)) {
    v = parsePolygons(json);
    if (polygonCache.size >= 64) polygonCache.delete(polygonCache.keys().next().value!);
    polygonCache.set(json, v);
  }
  return v ?? null;
}

export const GEO_FUNCTIONS = [
  runtimeFunction('kql_geo_distance_2points', [DOUBLE, DOUBLE, DOUBLE, DOUBLE, BOOLEAN], DOUBLE, (lon1: number, lat1: number, lon2: number, lat2: number, spheroid: boolean) =>
    validPoint(lon1, lat1) && validPoint(lon2, lat2) ? (spheroid ? spheroidDistance(lon1, lat1, lon2, lat2) : haversine(lon1, lat1, lon2, lat2)) : null),
  runtimeFunction('kql_geo_point_in_circle', [DOUBLE, DOUBLE, DOUBLE, DOUBLE, DOUBLE], BOOLEAN, (lon: number, lat: number, clon: number, clat: number, r: number) =>
    validPoint(lon, lat) && validPoint(clon, clat) && Number.isFinite(r) && r > 0 ? haversine(lon, lat, clon, clat) <= r : null),
  runtimeFunction('kql_geo_point_in_polygon', [DOUBLE, DOUBLE, VARCHAR], BOOLEAN, (lon: number, lat: number, poly: string) => {
    const polys = cachedPolygons(poly);
    return polys && validPoint(lon, lat) ? inPolygons(polys, lon, lat) : null;
  }),

  runtimeFunction('kql_geo_point_to_geohash', [DOUBLE, DOUBLE, BIGINT], VARCHAR, (lon: number, lat: number, accuracy: bigint) =>
    validPoint(lon, lat) && accuracy >= 1n && accuracy <= 18n ? (ngeohash.encode(lat, lon, Number(accuracy)) as string) : ''),
  runtimeFunction('kql_geo_geohash_to_central_point', [VARCHAR], VARCHAR, (hash: string) => {
    const b = geohashBox(hash);
    return b ? point((b[0] + b[2]) / 2, (b[1] + b[3]) / 2) : null;
  }),
  runtimeFunction('kql_geo_geohash_to_polygon', [VARCHAR], VARCHAR, (hash: string) => {
    const b = geohashBox(hash);
    return b ? polygon([[b[0], b[1]], [b[2], b[1]], [b[2], b[3]], [b[0], b[3]], [b[0], b[1]]]) : null;
  }),
  runtimeFunction('kql_geo_geohash_neighbors', [VARCHAR], VARCHAR, (hash: string) => {
    if (!geohashBox(hash)) return null;
    const n = ngeohash.neighbors(hash) as string[];
    return JSON.stringify(GEOHASH_NEIGHBOR_ORDER.map((k) => n[k]));
  }),

  runtimeFunction('kql_geo_point_to_s2cell', [DOUBLE, DOUBLE, BIGINT], VARCHAR, (lon: number, lat: number, level: bigint) =>
    validPoint(lon, lat) && level >= 0n && level <= 30n ? s2.cellid.toToken(s2.cellid.parent(s2.cellid.fromLatLng(s2.LatLng.fromDegrees(lat, lon)), Number(level))) : ''),
  runtimeFunction('kql_geo_s2cell_to_central_point', [VARCHAR], VARCHAR, (token: string) => {
    const id = s2Cell(token);
    return id === null ? null : point(...lonLatOf(s2.Cell.fromCellID(id).center()));
  }),
  runtimeFunction('kql_geo_s2cell_to_polygon', [VARCHAR], VARCHAR, (token: string) => {
    const id = s2Cell(token);
    if (id === null) return null;
    const cell = s2.Cell.fromCellID(id);
    const ring = [0, 1, 2, 3, 0].map((k) => lonLatOf(cell.vertex(k)));
    return polygon(ring);
  }),
  runtimeFunction('kql_geo_s2cell_neighbors', [VARCHAR], VARCHAR, (token: string) => {
    const id = s2Cell(token);
    return id === null ? null : JSON.stringify(s2Neighbors(id));
  }),

  runtimeFunction('kql_geo_point_to_h3cell', [DOUBLE, DOUBLE, BIGINT], VARCHAR, (lon: number, lat: number, res: bigint) =>
    validPoint(lon, lat) && res >= 0n && res <= 15n ? h3.latLngToCell(lat, lon, Number(res)) : ''),
  runtimeFunction('kql_geo_h3cell_to_central_point', [VARCHAR], VARCHAR, (cell: string) => {
    if (!h3.isValidCell(cell)) return null;
    const [lat, lon] = h3.cellToLatLng(cell);
    return point(lon, lat);
  }),
  runtimeFunction('kql_geo_h3cell_to_polygon', [VARCHAR], VARCHAR, (cell: string) =>
    h3.isValidCell(cell) ? polygon(h3.cellToBoundary(cell, true) as Ring) : null),
  runtimeFunction('kql_geo_h3cell_level', [VARCHAR], INTEGER, (cell: string) => (h3.isValidCell(cell) ? h3.getResolution(cell) : null)),
  runtimeFunction('kql_geo_h3cell_parent', [VARCHAR, BIGINT], VARCHAR, (cell: string, res: bigint) => {
    if (!h3.isValidCell(cell)) return '';
    const own = h3.getResolution(cell);
    const r = res < 0n ? own - 1 : Number(res);
    return r >= 0 && r < own ? h3.cellToParent(cell, r) : '';
  }),
  runtimeFunction('kql_geo_h3cell_children', [VARCHAR, BIGINT], VARCHAR, (cell: string, res: bigint) => {
    if (!h3.isValidCell(cell)) return null;
    const own = h3.getResolution(cell);
    const r = res < 0n ? own + 1 : Number(res);
    // Vigil's own cap (the docs name none): at most 5 levels below the cell, 7^5 = 16,807 children, so one row cannot exhaust memory.
    return r > own && r <= 15 && r - own <= 5 ? JSON.stringify(h3.cellToChildren(cell, r)) : null;
  }),
  runtimeFunction('kql_geo_h3cell_neighbors', [VARCHAR], VARCHAR, (cell: string) =>
    h3.isValidCell(cell) ? JSON.stringify(h3.gridDisk(cell, 1).filter((c) => c !== cell)) : null),
  runtimeFunction('kql_geo_h3cell_rings', [VARCHAR, BIGINT], VARCHAR, (cell: string, distance: bigint) =>
    h3.isValidCell(cell) && distance >= 0n && distance <= 142n ? JSON.stringify(h3.gridDiskDistances(cell, Number(distance))) : null),
];
