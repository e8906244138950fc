/**
 * geo-shapes.ts — Kusto's geospatial functions of lines and polygons (measures, closest points,
 * intersection tests, densification, WKT), on S2 (s2js) as geo.ts does for points and cells.
 *
 * As Kusto documents: coordinates are WGS-84 degrees measured on a sphere of radius 6,371,010 m,
 * edges are geodesics on it, a LineString has at least two points, a polygon ring is closed and
 * bounds the smaller of the two regions it divides the sphere into; invalid input gives null.
 * Each docs example of these functions agrees with the results here to the digits it prints
 * (test/kql/cases-edges.ts).
 *
 * The measures of a polygon (area, perimeter, centroid) are in geo-measures.ts: a MultiPolygon
 * whose members overlap is measured as their union, which needs geo-overlay.ts.
 */
import { BIGINT, BOOLEAN, DOUBLE, VARCHAR } from '@duckdb/node-api';
import { s2 } from 's2js';
import { runtimeFunction } from './udf.js';

const EARTH_RADIUS_M = 6371010;
const RAD = Math.PI / 180;

export type Coord = [number, number];
const validCoord = (c: unknown): c is Coord =>
  Array.isArray(c) && c.length >= 2 && typeof c[0] === 'number' && typeof c[1] === 'number' && c[0] >= -180 && c[0] <= 180 && c[1] >= -90 && c[1] <= 90;
const toPoint = (c: Coord) => s2.Point.fromLatLng(s2.LatLng.fromDegrees(c[1], c[0]));
const validLonLat = (lon: number, lat: number) => Number.isFinite(lon) && Number.isFinite(lat) && lon >= -180 && lon <= 180 && lat >= -90 && lat <= 90;

export function lonLat(p: s2.Point): Coord {
  const ll = s2.LatLng.fromPoint(p);
  return [ll.lng / RAD, ll.lat / RAD];
}
export const pointJson = (c: Coord) => JSON.stringify({ type: 'Point', coordinates: c });
const angleM = (a: s2.Point, b: s2.Point) => a.distance(b) * EARTH_RADIUS_M;

function parseJson(text: string): { type?: unknown; coordinates?: unknown } | null {
  try {
    const g = JSON.parse(text) as unknown;
    return typeof g === 'object' && g !== null && !Array.isArray(g) ? (g as { type?: unknown; coordinates?: unknown }) : null;
  } catch {
    return null;
  }
}

// ───────────── lines ─────────────

/** A LineString's coordinates (≥ 2 valid points), or null. */
function lineCoords(x: unknown): Coord[] | null {
  if (!Array.isArray(x) || x.length < 2 || !x.every(validCoord)) return null;
  return x as Coord[];
}

/** A LineString or MultiLineString as lists of coordinates, or null when invalid. */
export function parseLines(text: string, single = false): Coord[][] | null {
  const g = parseJson(text);
  if (!g) return null;
  if (g.type === 'LineString') {
    const l = lineCoords(g.coordinates);
    return l ? [l] : null;
  }
  if (g.type !== 'MultiLineString' || single || !Array.isArray(g.coordinates) || g.coordinates.length === 0) return null;
  const lines = (g.coordinates as unknown[]).map(lineCoords);
  return lines.every((l) => l !== null) ? (lines as Coord[][]) : null;
}

const polyline = (coords: Coord[]) => new s2.Polyline(coords.map(toPoint));
export const lineLength = (coords: Coord[]) => polyline(coords).length() * EARTH_RADIUS_M;

/** The closest point to p on any of the chains, with its distance in meters. */
function closestOnChains(chains: Coord[][], p: s2.Point): { point: s2.Point; meters: number } | null {
  let best: { point: s2.Point; meters: number } | null = null;
  for (const chain of chains) {
    const [q] = polyline(chain).project(p);
    const meters = angleM(p, q);
    if (!best || meters < best.meters) best = { point: q, meters };
  }
  return best;
}

// ───────────── polygons ─────────────

export interface Ring {
  coords: Coord[];
  loop: s2.Loop;
}

function parseRing(x: unknown): Ring | null {
  if (!Array.isArray(x) || x.length < 4 || !x.every(validCoord)) return null;
  const coords = x as Coord[];
  const first = coords[0]!, last = coords[coords.length - 1]!;
  if (first[0] !== last[0] || first[1] !== last[1]) return null;
  const pts = coords.slice(0, -1).map(toPoint);
  // a ring needs three distinct vertices (the docs' [[0,0],[10,10],[10,10],[0,0]] is invalid)
  const distinct = pts.filter((p, i) => pts.findIndex((q) => q.equals(p)) === i);
  if (distinct.length < 3) return null;
  const loop = new s2.Loop(pts);
  loop.normalize();
  return { coords, loop };
}

/** A Polygon or MultiPolygon as [shell, holes…] lists of rings, or null when invalid. */
export function parsePolygons(text: string): Ring[][] | null {
  const g = parseJson(text);
  if (!g) return null;
  const polys = g.type === 'Polygon' ? [g.coordinates] : g.type === 'MultiPolygon' && Array.isArray(g.coordinates) ? (g.coordinates as unknown[]) : null;
  if (!polys || polys.length === 0) return null;
  const out: Ring[][] = [];
  for (const p of polys) {
    if (!Array.isArray(p) || p.length === 0) return null;
    const rings = p.map(parseRing);
    if (rings.some((r) => r === null)) return null;
    out.push(rings as Ring[]);
  }
  return out;
}

function polygonContains([shell, ...holes]: Ring[], p: s2.Point): boolean {
  return shell!.loop.containsPoint(p) && !holes.some((h) => h.loop.containsPoint(p));
}
const anyContains = (polys: Ring[][], p: s2.Point) => polys.some((poly) => polygonContains(poly, p));
export const ringChains = (polys: Ring[][]) => polys.flatMap((poly) => poly.map((r) => r.coords));

function chainsCross(a: Coord[][], b: Coord[][]): boolean {
  return a.some((x) => b.some((y) => polyline(x).intersects(polyline(y))));
}

/** Members of a MultiPolygon that overlap one another: their union is not computed here. */
export function membersOverlap(polys: Ring[][]): boolean {
  for (let i = 0; i < polys.length; i++)
    for (let j = i + 1; j < polys.length; j++) if (polygonsIntersect([polys[i]!], [polys[j]!])) return true;
  return false;
}

function polygonsIntersect(a: Ring[][], b: Ring[][]): boolean {
  if (chainsCross(ringChains(a), ringChains(b))) return true;
  return ringChains(a).some((c) => anyContains(b, toPoint(c[0]!))) || ringChains(b).some((c) => anyContains(a, toPoint(c[0]!)));
}

/** Area in m² of one polygon: its shell less its holes. */
export const polygonArea = ([shell, ...holes]: Ring[]) => (shell!.loop.area() - holes.reduce((s, h) => s + h.loop.area(), 0)) * EARTH_RADIUS_M ** 2;

// ───────────── densify ─────────────

/** Kusto's tolerance bounds (geo-line-densify-function.md): [0.1, 10000] meters, default 10. */
const validTolerance = (t: number) => Number.isFinite(t) && t >= 0.1 && t <= 10000;

/**
 * Splits the planar (lon/lat-linear) edge a→b in halves until each piece's geodesic stays within
 * `tolerance` meters of the planar edge (measured at the piece's planar midpoint).
 */
function densifyEdge(a: Coord, b: Coord, tolerance: number, out: Coord[], depth = 0): void {
  const mid: Coord = [(a[0] + b[0]) / 2, (a[1] + b[1]) / 2];
  const deviation = s2DistanceToSegment(toPoint(mid), toPoint(a), toPoint(b));
  if (deviation > tolerance && depth < 20) {
    densifyEdge(a, mid, tolerance, out, depth + 1);
    densifyEdge(mid, b, tolerance, out, depth + 1);
  } else {
    if (out.length >= MAX_DENSIFIED_POINTS) throw new DensifyLimit();
    out.push(b);
  }
}

/**
 * Vigil's own cap on the points of one densified line or polygon (Kusto's is 10,485,760): one
 * row's result stays a few megabytes. Beyond it the result is null, like any input Kusto refuses.
 */
export const MAX_DENSIFIED_POINTS = 262144;
class DensifyLimit extends Error {}

function s2DistanceToSegment(p: s2.Point, a: s2.Point, b: s2.Point): number {
  const [q] = new s2.Polyline([a, b]).project(p);
  return angleM(p, q);
}

/** The densified chains (sharing one point budget), or null past MAX_DENSIFIED_POINTS. */
function densifyChains(chains: Coord[][], tolerance: number): Coord[][] | null {
  const all: Coord[] = [];
  try {
    return chains.map((coords) => {
      const start = all.length;
      all.push(coords[0]!);
      for (let i = 1; i < coords.length; i++) densifyEdge(coords[i - 1]!, coords[i]!, tolerance, all);
      return all.slice(start);
    });
  } catch (e) {
    if (e instanceof DensifyLimit) return null;
    throw e;
  }
}

// ───────────── S2 coverings ─────────────

/** Kusto's limit on the tokens of one covering (geo-polygon-to-s2cells-function.md): more gives null. */
export const MAX_COVERING_CELLS = 65536;
/** The mean area of an S2 cell of a level, in steradians. */
const cellArea = (level: number) => (4 * Math.PI) / (6 * 4 ** level);
/** The mean edge of an S2 cell of a level, in radians. */
const cellEdge = (level: number) => Math.sqrt(cellArea(level));

/** The tokens of the level-`level` cells that cover the regions, sorted; null past MAX_COVERING_CELLS. */
function cover(regions: s2.Region[], level: number): string[] | null {
  const coverer = new s2.RegionCoverer({ minLevel: level, maxLevel: level, maxCells: MAX_COVERING_CELLS });
  const tokens = new Set<string>();
  for (const r of regions) {
    for (const id of coverer.covering(r)) {
      tokens.add(s2.cellid.toToken(id));
      if (tokens.size > MAX_COVERING_CELLS) return null;
    }
  }
  return [...tokens].sort();
}
const validLevel = (level: bigint) => level >= 0n && level <= 30n;

// ───────────── WKT ─────────────

/** Well-known text to GeoJSON (geo-from-wkt-function.md), or null when it does not parse. */
export function wktToGeoJson(text: string): unknown {
  let pos = 0;
  const s = text.trim();
  const skip = () => {
    while (pos < s.length && /\s/.test(s[pos]!)) pos++;
  };
  const word = () => {
    skip();
    const m = /^[A-Za-z]+/.exec(s.slice(pos));
    if (!m) throw new Error('expected a geometry type');
    pos += m[0].length;
    return m[0].toUpperCase();
  };
  const expect = (ch: string) => {
    skip();
    if (s[pos] !== ch) throw new Error(`expected ${ch}`);
    pos++;
  };
  const peek = () => (skip(), s[pos]);
  const number = () => {
    skip();
    const m = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?/.exec(s.slice(pos));
    if (!m) throw new Error('expected a number');
    pos += m[0].length;
    return Number(m[0]);
  };
  const coord = (): Coord => [number(), number()];
  const list = <T>(item: () => T): T[] => {
    expect('(');
    const out = [item()];
    while (peek() === ',') {
      pos++;
      out.push(item());
    }
    expect(')');
    return out;
  };
  const multiPoint = () => list(() => (peek() === '(' ? list(coord)[0]! : coord()));
  const geometry = (): Record<string, unknown> => {
    const type = word();
    switch (type) {
      case 'POINT': return { type: 'Point', coordinates: list(coord)[0] };
      case 'LINESTRING': return { type: 'LineString', coordinates: list(coord) };
      case 'POLYGON': return { type: 'Polygon', coordinates: list(() => list(coord)) };
      case 'MULTIPOINT': return { type: 'MultiPoint', coordinates: multiPoint() };
      case 'MULTILINESTRING': return { type: 'MultiLineString', coordinates: list(() => list(coord)) };
      case 'MULTIPOLYGON': return { type: 'MultiPolygon', coordinates: list(() => list(() => list(coord))) };
      case 'GEOMETRYCOLLECTION': return { type: 'GeometryCollection', geometries: list(geometry) };
      default: throw new Error(`unknown geometry type ${type}`);
    }
  };
  try {
    const g = geometry();
    skip();
    return pos === s.length ? g : null;
  } catch {
    return null;
  }
}

// ───────────── the runtime functions ─────────────

/** The initial bearing from p1 to p2, clockwise from true north, in [0, 2π). */
function azimuth(lon1: number, lat1: number, lon2: number, lat2: number): number {
  const f1 = lat1 * RAD, f2 = lat2 * RAD, dl = (lon2 - lon1) * RAD;
  const b = Math.atan2(Math.sin(dl) * Math.cos(f2), Math.cos(f1) * Math.sin(f2) - Math.sin(f1) * Math.cos(f2) * Math.cos(dl));
  return b < 0 ? b + 2 * Math.PI : b;
}
const samePoint = (lon1: number, lat1: number, lon2: number, lat2: number) => toPoint([lon1, lat1]).equals(toPoint([lon2, lat2]));

export const GEO_SHAPE_FUNCTIONS = [
  runtimeFunction('kql_geo_azimuth', [DOUBLE, DOUBLE, DOUBLE, DOUBLE], DOUBLE, (lon1: number, lat1: number, lon2: number, lat2: number) =>
    validLonLat(lon1, lat1) && validLonLat(lon2, lat2) && !samePoint(lon1, lat1, lon2, lat2) ? azimuth(lon1, lat1, lon2, lat2) : null),
  runtimeFunction('kql_geo_angle', [DOUBLE, DOUBLE, DOUBLE, DOUBLE, DOUBLE, DOUBLE], DOUBLE, (lon1: number, lat1: number, lon2: number, lat2: number, lon3: number, lat3: number) => {
    if (!validLonLat(lon1, lat1) || !validLonLat(lon2, lat2) || !validLonLat(lon3, lat3)) return null;
    if (samePoint(lon1, lat1, lon2, lat2) || samePoint(lon2, lat2, lon3, lat3)) return null;
    const a = azimuth(lon2, lat2, lon3, lat3) - azimuth(lon2, lat2, lon1, lat1);
    return a < 0 ? a + 2 * Math.PI : a;
  }),

  runtimeFunction('kql_geo_line_length', [VARCHAR], DOUBLE, (line: string) => {
    const lines = parseLines(line);
    return lines ? lines.reduce((s, l) => s + lineLength(l), 0) : null;
  }),
  runtimeFunction('kql_geo_line_centroid', [VARCHAR], VARCHAR, (line: string) => {
    const lines = parseLines(line);
    if (!lines) return null;
    let x = 0, y = 0, z = 0;
    for (const l of lines) {
      const c = polyline(l).centroid();
      x += c.x; y += c.y; z += c.z;
    }
    // a line of coincident points has no length and so no centroid
    if (x === 0 && y === 0 && z === 0) return null;
    return pointJson(lonLat(s2.Point.fromCoords(x, y, z)));
  }),
  runtimeFunction('kql_geo_distance_point_to_line', [DOUBLE, DOUBLE, VARCHAR], DOUBLE, (lon: number, lat: number, line: string) => {
    const lines = validLonLat(lon, lat) ? parseLines(line) : null;
    return lines ? closestOnChains(lines, toPoint([lon, lat]))!.meters : null;
  }),
  runtimeFunction('kql_geo_closest_point_on_line', [DOUBLE, DOUBLE, VARCHAR], VARCHAR, (lon: number, lat: number, line: string) => {
    const lines = validLonLat(lon, lat) ? parseLines(line) : null;
    return lines ? pointJson(lonLat(closestOnChains(lines, toPoint([lon, lat]))!.point)) : null;
  }),
  runtimeFunction('kql_geo_line_interpolate_point', [VARCHAR, DOUBLE], VARCHAR, (line: string, fraction: number) => {
    const lines = Number.isFinite(fraction) && fraction >= 0 && fraction <= 1 ? parseLines(line, true) : null;
    return lines ? pointJson(lonLat(polyline(lines[0]!).interpolate(fraction)[0])) : null;
  }),
  runtimeFunction('kql_geo_line_locate_point', [VARCHAR, DOUBLE, DOUBLE], DOUBLE, (line: string, lon: number, lat: number) => {
    const lines = validLonLat(lon, lat) ? parseLines(line, true) : null;
    if (!lines) return null;
    const pl = polyline(lines[0]!);
    const [q, next] = pl.project(toPoint([lon, lat]));
    return pl.uninterpolate(q, next);
  }),
  runtimeFunction('kql_geo_line_densify', [VARCHAR, DOUBLE], VARCHAR, (line: string, tolerance: number) => {
    const g = parseJson(line);
    const lines = validTolerance(tolerance) ? parseLines(line) : null;
    if (!g || !lines) return null;
    const dense = densifyChains(lines, tolerance);
    return dense && JSON.stringify({ type: g.type, coordinates: g.type === 'LineString' ? dense[0] : dense });
  }),
  runtimeFunction('kql_geo_intersects_2lines', [VARCHAR, VARCHAR], BOOLEAN, (a: string, b: string) => {
    const la = parseLines(a), lb = parseLines(b);
    return la && lb ? chainsCross(la, lb) : null;
  }),

  runtimeFunction('kql_geo_distance_point_to_polygon', [DOUBLE, DOUBLE, VARCHAR], DOUBLE, (lon: number, lat: number, poly: string) => {
    const polys = validLonLat(lon, lat) ? parsePolygons(poly) : null;
    if (!polys) return null;
    const p = toPoint([lon, lat]);
    return anyContains(polys, p) ? 0 : closestOnChains(ringChains(polys), p)!.meters;
  }),
  runtimeFunction('kql_geo_closest_point_on_polygon', [DOUBLE, DOUBLE, VARCHAR], VARCHAR, (lon: number, lat: number, poly: string) => {
    const polys = validLonLat(lon, lat) ? parsePolygons(poly) : null;
    if (!polys) return null;
    const p = toPoint([lon, lat]);
    return anyContains(polys, p) ? pointJson([lon, lat]) : pointJson(lonLat(closestOnChains(ringChains(polys), p)!.point));
  }),
  runtimeFunction('kql_geo_polygon_densify', [VARCHAR, DOUBLE], VARCHAR, (poly: string, tolerance: number) => {
    const g = parseJson(poly);
    const polys = validTolerance(tolerance) ? parsePolygons(poly) : null;
    if (!g || !polys) return null;
    const rings = densifyChains(polys.flat().map((r) => r.coords), tolerance);
    if (!rings) return null;
    let k = 0;
    const dense = polys.map((p) => p.map(() => rings[k++]!));
    return JSON.stringify({ type: g.type, coordinates: g.type === 'Polygon' ? dense[0] : dense });
  }),
  runtimeFunction('kql_geo_intersects_2polygons', [VARCHAR, VARCHAR], BOOLEAN, (a: string, b: string) => {
    const pa = parsePolygons(a), pb = parsePolygons(b);
    return pa && pb ? polygonsIntersect(pa, pb) : null;
  }),
  runtimeFunction('kql_geo_intersects_line_with_polygon', [VARCHAR, VARCHAR], BOOLEAN, (line: string, poly: string) => {
    const lines = parseLines(line), polys = parsePolygons(poly);
    if (!lines || !polys) return null;
    return chainsCross(lines, ringChains(polys)) || lines.some((l) => l.some((c) => anyContains(polys, toPoint(c))));
  }),

  runtimeFunction('kql_geo_polygon_to_s2cells', [VARCHAR, BIGINT], VARCHAR, (poly: string, level: bigint) => {
    const polys = validLevel(level) ? parsePolygons(poly) : null;
    if (!polys) return null;
    // a covering surely larger than the limit is refused before it is computed
    if (polys.reduce((a, p) => a + polygonArea(p), 0) / EARTH_RADIUS_M ** 2 / cellArea(Number(level)) > MAX_COVERING_CELLS) return null;
    const tokens = cover(polys.map((p) => new s2.Polygon(p.map((r) => r.loop))), Number(level));
    return tokens && JSON.stringify(tokens);
  }),
  runtimeFunction('kql_geo_line_to_s2cells', [VARCHAR, BIGINT], VARCHAR, (line: string, level: bigint) => {
    const lines = validLevel(level) ? parseLines(line) : null;
    if (!lines) return null;
    if (lines.reduce((a, l) => a + polyline(l).length(), 0) / cellEdge(Number(level)) > MAX_COVERING_CELLS) return null;
    const tokens = cover(lines.map(polyline), Number(level));
    return tokens && JSON.stringify(tokens);
  }),

  runtimeFunction('kql_geo_from_wkt', [VARCHAR], VARCHAR, (wkt: string) => {
    const g = wktToGeoJson(wkt);
    return g === null ? null : JSON.stringify(g);
  }),
];
