/**
 * geo-simplify.ts — geo_line_simplify, geo_polygon_simplify and geo_simplify_polygons_array.
 *
 * Douglas–Peucker with distances measured on the sphere (meters to the geodesic between the kept
 * vertices), then vertices closer than the tolerance to the previous kept one are dropped, so no
 * two vertices are closer than the tolerance (the docs' definition). A line or ring left with too
 * few distinct vertices disappears; when everything disappears the result is null, as the docs show.
 * Several lines (or polygons) of one argument are first unified, as the docs state. The polygons of
 * geo_simplify_polygons_array keep their mutual borders: the junctions where a shared border begins
 * or ends are kept, and the chain between two junctions is simplified alike in every ring that has it.
 */
import { DOUBLE, VARCHAR } from '@duckdb/node-api';
import * as clip from 'polyclip-ts';
import { Gnomonic, type PlanePolygon } from './geo-plane.js';
import { unionLines } from './geo-overlay.js';
import { parseLines, parsePolygons, type Coord } from './geo-shapes.js';
import { parseJsonArray, runtimeFunction } from './udf.js';

const EARTH_RADIUS_M = 6371010;
const RAD = Math.PI / 180;
/** The docs' upper bound of tolerance for lines and polygon arrays (~7,800,000 m). */
const MAX_LINE_TOLERANCE = 7_800_000;
/** geo_polygon_simplify's documented range. */
const POLYGON_TOLERANCE: [number, number] = [0.1, 10000];

type Vec = [number, number, number];
const vec = ([lon, lat]: Coord): Vec => [Math.cos(lat * RAD) * Math.cos(lon * RAD), Math.cos(lat * RAD) * Math.sin(lon * RAD), Math.sin(lat * RAD)];
const dot = (a: Vec, b: Vec) => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
const crossV = (a: Vec, b: Vec): Vec => [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
const angle = (a: Vec, b: Vec) => Math.atan2(Math.hypot(...crossV(a, b)), dot(a, b));

/**
 * Distances to the geodesic a–b, as a value that grows with the distance (cheap: dot products) and
 * its conversion to meters — Douglas–Peucker compares many and converts one.
 */
function arcDistance(a: Vec, b: Vec): { rank: (p: Vec) => number; meters: (rank: number) => number } {
  const n = crossV(a, b);
  const ln = Math.hypot(...n);
  const chord = (p: Vec, q: Vec) => Math.hypot(p[0] - q[0], p[1] - q[1], p[2] - q[2]);
  // rank = the chord to the nearest point of the arc (2·sin(d/2)): monotonic in the distance d
  if (ln < 1e-15) return { rank: (p) => chord(p, a), meters: (r) => 2 * Math.asin(Math.min(1, r / 2)) * EARTH_RADIUS_M };
  const unit: Vec = [n[0] / ln, n[1] / ln, n[2] / ln];
  const na = crossV(unit, a), bn = crossV(b, unit);
  return {
    rank: (p) => {
      // p projects inside the arc when it lies between the planes through a and b perpendicular to it
      if (dot(na, p) >= 0 && dot(bn, p) >= 0) {
        const sin = Math.min(1, Math.abs(dot(p, unit)));
        return 2 * Math.sin(Math.asin(sin) / 2);
      }
      return Math.min(chord(p, a), chord(p, b));
    },
    meters: (r) => 2 * Math.asin(Math.min(1, r / 2)) * EARTH_RADIUS_M,
  };
}

/** Marks the vertices Douglas–Peucker keeps between first and last (an explicit stack: no recursion depth limit). */
function douglasPeucker(v: Vec[], first: number, last: number, tolerance: number, keep: boolean[]): void {
  const stack: [number, number][] = [[first, last]];
  while (stack.length > 0) {
    const [a, b] = stack.pop()!;
    if (b - a < 2) continue;
    const d = arcDistance(v[a]!, v[b]!);
    let worst = -1, at = -1;
    for (let i = a + 1; i < b; i++) {
      const r = d.rank(v[i]!);
      if (r > worst) [worst, at] = [r, i];
    }
    if (d.meters(worst) <= tolerance) continue;
    keep[at] = true;
    stack.push([a, at], [at, b]);
  }
}

/** Drops kept vertices closer than the tolerance to the previous kept one (the last vertex stays; its predecessor goes). */
function spaced(coords: Coord[], tolerance: number): Coord[] {
  const out: Coord[] = [coords[0]!];
  for (let i = 1; i < coords.length; i++) {
    const c = coords[i]!;
    const last = i === coords.length - 1;
    while (last && out.length > 1 && angle(vec(out[out.length - 1]!), vec(c)) * EARTH_RADIUS_M < tolerance) out.pop();
    if (last || angle(vec(out[out.length - 1]!), vec(c)) * EARTH_RADIUS_M >= tolerance) out.push(c);
  }
  return out;
}

/** A simplified open chain (both ends kept), or null when it collapses. */
function simplifyChain(coords: Coord[], tolerance: number): Coord[] | null {
  const v = coords.map(vec);
  const keep = coords.map((_, i) => i === 0 || i === coords.length - 1);
  douglasPeucker(v, 0, coords.length - 1, tolerance, keep);
  const kept = spaced(coords.filter((_, i) => keep[i]), tolerance);
  return kept.length >= 2 && angle(vec(kept[0]!), vec(kept[kept.length - 1]!)) * EARTH_RADIUS_M >= tolerance ? kept : null;
}

/**
 * A simplified closed ring, or null when fewer than three distinct vertices remain. `fixed` marks
 * vertices that must stay (shared borders); without any, the first vertex and the one farthest from it anchor the ring.
 */
function simplifyRing(ring: Coord[], tolerance: number, fixed: (c: Coord) => boolean = () => false): Coord[] | null {
  const open = ring.slice(0, -1);
  const v = open.map(vec);
  const anchors = open.map((c, i) => i).filter((i) => fixed(open[i]!));
  if (anchors.length < 2) {
    const from = anchors[0] ?? 0;
    let far = from, best = -1;
    v.forEach((p, i) => {
      const d = angle(p, v[from]!);
      if (d > best) [best, far] = [d, i];
    });
    anchors.splice(0, anchors.length, ...[from, far].sort((a, b) => a - b));
  }
  const n = open.length;
  const keep = open.map((_, i) => anchors.includes(i));
  // each stretch between consecutive anchors, the last one wrapping around the ring
  for (let k = 0; k < anchors.length; k++) {
    const a = anchors[k]!, b = k + 1 < anchors.length ? anchors[k + 1]! : anchors[0]! + n;
    const idx = Array.from({ length: b - a + 1 }, (_, j) => (a + j) % n);
    const sub = idx.map((i) => v[i]!);
    const subKeep = idx.map(() => false);
    douglasPeucker(sub, 0, sub.length - 1, tolerance, subKeep);
    subKeep.forEach((kp, j) => kp && (keep[idx[j]!] = true));
  }
  const kept = open.filter((_, i) => keep[i]);
  const closed = spaced([...kept, kept[0]!], tolerance);
  const distinct = new Set(closed.slice(0, -1).map((c) => `${c[0]},${c[1]}`));
  return distinct.size >= 3 ? [...closed.slice(0, -1), closed[0]!] : null;
}

/** A polygon with each ring simplified; a collapsed shell drops the polygon, a collapsed hole drops the hole. */
function simplifyPolygon(rings: Coord[][], tolerance: number, fixed?: (c: Coord) => boolean): Coord[][] | null {
  const shell = simplifyRing(rings[0]!, tolerance, fixed);
  if (!shell) return null;
  return [shell, ...rings.slice(1).map((h) => simplifyRing(h, tolerance, fixed)).filter((h): h is Coord[] => h !== null)];
}

const polygonJson = (polys: Coord[][][]) => (polys.length === 0 ? null : JSON.stringify(polys.length === 1 ? { type: 'Polygon', coordinates: polys[0] } : { type: 'MultiPolygon', coordinates: polys }));

/** The members of a MultiPolygon unified (polyclip-ts in the gnomonic plane), or null past a hemisphere. */
function unifyPolygons(polys: Coord[][][]): Coord[][][] | null {
  if (polys.length === 1) return polys;
  const g = Gnomonic.around(polys.flat(2));
  if (!g) return null;
  const planar = polys.map((p) => [p.map((r) => r.map((c) => g.project(c)))] as clip.Geom);
  const union = clip.union(planar[0]!, ...planar.slice(1)) as PlanePolygon[];
  return union.map((p) => p.map((r) => r.map((xy) => g.unproject(xy))));
}

const validTolerance = (t: number, [lo, hi]: [number, number]) => Number.isFinite(t) && t >= lo && t <= hi;

export const GEO_SIMPLIFY_FUNCTIONS = [
  runtimeFunction('kql_geo_line_simplify', [VARCHAR, DOUBLE], VARCHAR, (line: string, tolerance: number) => {
    const lines = validTolerance(tolerance, [0, MAX_LINE_TOLERANCE]) ? parseLines(line) : null;
    if (!lines) return null;
    let chains = lines;
    if (lines.length > 1) {
      const g = Gnomonic.around(lines.flat());
      if (!g) return null;
      chains = unionLines(lines.map((l) => l.map((c) => g.project(c)))).map((l) => l.map((xy) => g.unproject(xy)));
    }
    const out = chains.map((c) => simplifyChain(c, tolerance)).filter((c): c is Coord[] => c !== null);
    if (out.length === 0) return null;
    return JSON.stringify(out.length === 1 ? { type: 'LineString', coordinates: out[0] } : { type: 'MultiLineString', coordinates: out });
  }),
  runtimeFunction('kql_geo_polygon_simplify', [VARCHAR, DOUBLE], VARCHAR, (poly: string, tolerance: number) => {
    const parsed = validTolerance(tolerance, POLYGON_TOLERANCE) ? parsePolygons(poly) : null;
    const polys = parsed && unifyPolygons(parsed.map((p) => p.map((r) => r.coords)));
    if (!polys) return null;
    return polygonJson(polys.map((p) => simplifyPolygon(p, tolerance)).filter((p): p is Coord[][] => p !== null));
  }),
  runtimeFunction('kql_geo_simplify_polygons_array', [VARCHAR, DOUBLE], VARCHAR, (arr: string, tolerance: number) => {
    const items = validTolerance(tolerance, [0, MAX_LINE_TOLERANCE]) ? parseJsonArray(arr) : null;
    if (!items || items.length === 0) return null;
    const polys: Coord[][][] = [];
    for (const item of items) {
      const p = parsePolygons(JSON.stringify(item));
      if (!p) return null;
      polys.push(...p.map((q) => q.map((r) => r.coords)));
    }
    // junctions (vertices with more than two distinct neighbours over all rings: where a shared border
    // begins or ends) stay, so the chain between two junctions is simplified alike in every ring that has it
    const neighbours = new Map<string, Set<string>>();
    const key = (c: Coord) => `${c[0]},${c[1]}`;
    for (const ring of polys.flat()) {
      for (let i = 1; i < ring.length; i++) {
        const a = key(ring[i - 1]!), b = key(ring[i]!);
        if (a === b) continue;
        if (!neighbours.has(a)) neighbours.set(a, new Set());
        if (!neighbours.has(b)) neighbours.set(b, new Set());
        neighbours.get(a)!.add(b);
        neighbours.get(b)!.add(a);
      }
    }
    const shared = (c: Coord) => (neighbours.get(key(c))?.size ?? 0) > 2;
    return polygonJson(polys.map((p) => simplifyPolygon(p, tolerance, shared)).filter((p): p is Coord[][] => p !== null));
  }),
];
