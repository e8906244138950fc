/**
 * geo-plane.ts — the gnomonic projection that turns Kusto's spherical overlays into planar ones.
 *
 * Kusto's lines and polygon edges are geodesics (great-circle arcs) on a sphere. The gnomonic
 * projection (from the sphere's centre onto the plane tangent at a point) maps every great circle
 * to a straight line, so intersections, clipping and unions computed with straight segments in
 * that plane are exactly the spherical ones, up to floating point. It covers less than a
 * hemisphere: an input with a vertex more than MAX_ANGLE_DEG from the centre of all its vertices
 * is refused (null), as is one whose vertices have no centre (antipodal spreads).
 *
 * Vertices of the input come back bit-for-bit: the projection remembers the coordinates it
 * projected, so only computed points (crossings) carry rounding.
 */
import type { Coord } from './geo-shapes.js';

export type XY = [number, number];
type Vec = [number, number, number];

const RAD = Math.PI / 180;
/** The largest angle from the projection centre to a vertex (cos 84° ≈ 0.1). */
const MAX_ANGLE_DEG = 84;
const MIN_COS = Math.cos(MAX_ANGLE_DEG * RAD);
/** Two planar points closer than this (in tangent units, ≈ radians near the centre: 6 µm on Earth) are the same point. */
export const EPS = 1e-12;

const toVec = ([lon, lat]: Coord): Vec => [Math.cos(lat * RAD) * Math.cos(lon * RAD), Math.cos(lat * RAD) * Math.sin(lon * RAD), Math.sin(lat * RAD)];
const dot = (a: Vec, b: Vec) => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
const norm = (a: Vec): Vec => {
  const l = Math.hypot(a[0], a[1], a[2]);
  return [a[0] / l, a[1] / l, a[2] / l];
};

/** The smallest cap around the mean direction holding all the vertices (its edges too: caps under a hemisphere are convex). */
export interface Cap {
  center: Vec;
  /** radians */
  radius: number;
}

export function capOf(coords: Iterable<Coord>): Cap | null {
  const all = [...coords].map(toVec);
  const sum = all.reduce<Vec>((s, v) => [s[0] + v[0], s[1] + v[1], s[2] + v[2]], [0, 0, 0]);
  if (all.length === 0 || Math.hypot(...sum) < 1e-9 * all.length) return null;
  const center = norm(sum);
  return { center, radius: Math.max(...all.map((v) => Math.acos(Math.max(-1, Math.min(1, dot(v, center)))))) };
}

/** Whether two caps may share a point. */
export const capsMeet = (a: Cap, b: Cap) => Math.acos(Math.max(-1, Math.min(1, dot(a.center, b.center)))) <= a.radius + b.radius + 1e-12;

/** The shapes (by their caps) in groups that may touch one another: shapes of different groups are apart. */
export function groupsOf(caps: Cap[]): number[][] {
  const parent = caps.map((_, i) => i);
  const root = (i: number): number => (parent[i] === i ? i : (parent[i] = root(parent[i]!)));
  for (let i = 0; i < caps.length; i++) for (let j = i + 1; j < caps.length; j++) if (root(i) !== root(j) && capsMeet(caps[i]!, caps[j]!)) parent[root(i)] = root(j);
  const groups = new Map<number, number[]>();
  caps.forEach((_, i) => {
    const list = groups.get(root(i));
    if (list) list.push(i);
    else groups.set(root(i), [i]);
  });
  return [...groups.values()];
}

export class Gnomonic {
  private readonly c: Vec;
  private readonly east: Vec;
  private readonly north: Vec;
  private readonly originals = new Map<string, Coord>();

  private constructor(center: Vec) {
    this.c = center;
    // east × north = centre (the outward normal): orientation (counterclockwise shells) is preserved
    const e: Vec = Math.hypot(center[0], center[1]) < 1e-12 ? [0, 1, 0] : norm([-center[1], center[0], 0]);
    this.east = e;
    this.north = [center[1] * e[2] - center[2] * e[1], center[2] * e[0] - center[0] * e[2], center[0] * e[1] - center[1] * e[0]];
  }

  /** A projection centred on the mean of the vertices, or null when they do not fit one. */
  static around(coords: Iterable<Coord>): Gnomonic | null {
    const sum: Vec = [0, 0, 0];
    const all: Vec[] = [];
    for (const c of coords) {
      const v = toVec(c);
      all.push(v);
      sum[0] += v[0]; sum[1] += v[1]; sum[2] += v[2];
    }
    const l = Math.hypot(sum[0], sum[1], sum[2]);
    if (all.length === 0 || l < 1e-9 * all.length) return null;
    const center: Vec = [sum[0] / l, sum[1] / l, sum[2] / l];
    return all.every((v) => dot(v, center) > MIN_COS) ? new Gnomonic(center) : null;
  }

  project(c: Coord): XY {
    const v = toVec(c);
    const d = dot(v, this.c);
    const xy: XY = [dot(v, this.east) / d, dot(v, this.north) / d];
    this.originals.set(`${xy[0]},${xy[1]}`, c);
    return xy;
  }

  unproject(xy: XY): Coord {
    const orig = this.originals.get(`${xy[0]},${xy[1]}`);
    if (orig) return [orig[0], orig[1]];
    const v = norm([
      this.c[0] + xy[0] * this.east[0] + xy[1] * this.north[0],
      this.c[1] + xy[0] * this.east[1] + xy[1] * this.north[1],
      this.c[2] + xy[0] * this.east[2] + xy[1] * this.north[2],
    ]);
    return [Math.atan2(v[1], v[0]) / RAD, Math.asin(Math.max(-1, Math.min(1, v[2]))) / RAD];
  }
}

// ───────────── planar primitives ─────────────

export const near = (p: XY, q: XY) => Math.abs(p[0] - q[0]) <= EPS && Math.abs(p[1] - q[1]) <= EPS;
const cross = (ax: number, ay: number, bx: number, by: number) => ax * by - ay * bx;
export const lerp = (a: XY, b: XY, t: number): XY => (t <= 0 ? a : t >= 1 ? b : [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t]);

export type Crossing = { kind: 'point'; p: XY; ta: number; tb: number } | { kind: 'overlap'; p: XY; q: XY; ta0: number; ta1: number };

/** Where segment a0→a1 meets b0→b1: nothing, one point (with its parameter on each), or a shared stretch (in a's direction). */
export function crossing(a0: XY, a1: XY, b0: XY, b1: XY): Crossing | null {
  const dax = a1[0] - a0[0], day = a1[1] - a0[1], dbx = b1[0] - b0[0], dby = b1[1] - b0[1];
  const la = Math.hypot(dax, day), lb = Math.hypot(dbx, dby);
  if (la <= EPS || lb <= EPS) return null;
  const den = cross(dax, day, dbx, dby);
  const wx = b0[0] - a0[0], wy = b0[1] - a0[1];
  if (Math.abs(den) <= EPS * la * lb) {
    // parallel: a shared stretch only when collinear
    if (Math.abs(cross(dax, day, wx, wy)) / la > EPS) return null;
    const param = (p: XY) => ((p[0] - a0[0]) * dax + (p[1] - a0[1]) * day) / (la * la);
    const tb0 = param(b0), tb1 = param(b1);
    const lo = Math.max(0, Math.min(tb0, tb1)), hi = Math.min(1, Math.max(tb0, tb1));
    if (hi < lo - EPS / la) return null;
    const at = (t: number): XY => (t === tb0 ? b0 : t === tb1 ? b1 : lerp(a0, a1, t));
    if ((hi - lo) * la <= EPS) return { kind: 'point', p: at(lo), ta: lo, tb: paramOn(at(lo), b0, b1) };
    return { kind: 'overlap', p: at(lo), q: at(hi), ta0: lo, ta1: hi };
  }
  const ta = cross(wx, wy, dbx, dby) / den;
  const tb = cross(wx, wy, dax, day) / den;
  const slackA = EPS / la, slackB = EPS / lb;
  if (ta < -slackA || ta > 1 + slackA || tb < -slackB || tb > 1 + slackB) return null;
  // an endpoint touching the other segment is that endpoint exactly
  const p = ta <= slackA ? a0 : ta >= 1 - slackA ? a1 : tb <= slackB ? b0 : tb >= 1 - slackB ? b1 : lerp(a0, a1, ta);
  return { kind: 'point', p, ta: Math.min(1, Math.max(0, ta)), tb: Math.min(1, Math.max(0, tb)) };
}

/** The parameter of p's projection on the segment a→b (0 at a, 1 at b), clamped. */
export function paramOn(p: XY, a: XY, b: XY): number {
  const dx = b[0] - a[0], dy = b[1] - a[1];
  const l2 = dx * dx + dy * dy;
  return l2 === 0 ? 0 : Math.max(0, Math.min(1, ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / l2));
}

export interface Segment {
  a: XY;
  b: XY;
  /** caller's index (line/ring and position) */
  id: number;
}

/** Calls `f` for every pair (from `as`, from `bs`) whose bounding boxes touch: a sweep over x. */
export function forEachNearPair(as: Segment[], bs: Segment[], f: (s: Segment, t: Segment) => void): void {
  const minX = (s: Segment) => Math.min(s.a[0], s.b[0]);
  const maxX = (s: Segment) => Math.max(s.a[0], s.b[0]);
  const sorted = [...bs].sort((x, y) => minX(x) - minX(y));
  const widest = sorted.reduce((w, s) => Math.max(w, maxX(s) - minX(s)), 0);
  const firstFrom = (x: number) => {
    let lo = 0, hi = sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (minX(sorted[mid]!) < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  for (const s of as) {
    const sMinY = Math.min(s.a[1], s.b[1]) - EPS, sMaxY = Math.max(s.a[1], s.b[1]) + EPS;
    const end = maxX(s) + EPS;
    for (let k = firstFrom(minX(s) - widest - EPS); k < sorted.length && minX(sorted[k]!) <= end; k++) {
      const t = sorted[k]!;
      if (maxX(t) < minX(s) - EPS || Math.max(t.a[1], t.b[1]) < sMinY || Math.min(t.a[1], t.b[1]) > sMaxY) continue;
      f(s, t);
    }
  }
}

export const chainSegments = (chain: XY[], id: number): Segment[] => chain.slice(1).map((b, i) => ({ a: chain[i]!, b, id: id * 1e6 + i }));

function distanceToSegment(p: XY, a: XY, b: XY): number {
  const dx = b[0] - a[0], dy = b[1] - a[1];
  const l2 = dx * dx + dy * dy;
  const t = l2 === 0 ? 0 : Math.max(0, Math.min(1, ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / l2));
  return Math.hypot(p[0] - a[0] - t * dx, p[1] - a[1] - t * dy);
}

/** A planar polygon: shell then holes, each ring closed. */
export type PlanePolygon = XY[][];

/**
 * Point-in-polygon for many points against the same polygons: edges bucketed into horizontal bands,
 * so each test looks at the edges of its band only (ray casting along x, even–odd over all rings of
 * a polygon; the boundary counts as inside).
 */
export class PolygonIndex {
  private readonly bands: { poly: number; a: XY; b: XY }[][];
  private readonly minY: number;
  private readonly height: number;

  constructor(private readonly polys: PlanePolygon[]) {
    const edges = polys.flatMap((rings, poly) => rings.flatMap((r) => r.slice(1).map((b, i) => ({ poly, a: r[i]!, b }))));
    let lo = Infinity, hi = -Infinity;
    for (const e of edges) {
      lo = Math.min(lo, e.a[1], e.b[1]);
      hi = Math.max(hi, e.a[1], e.b[1]);
    }
    this.minY = edges.length ? lo : 0;
    const span = edges.length ? hi - lo : 0;
    const count = edges.length === 0 ? 0 : Math.max(1, Math.min(4096, Math.ceil(Math.sqrt(edges.length))));
    this.height = span / count || 1;
    this.bands = Array.from({ length: count }, () => []);
    for (const e of edges) {
      const lo = this.band(Math.min(e.a[1], e.b[1]) - EPS), hi = this.band(Math.max(e.a[1], e.b[1]) + EPS);
      for (let k = lo; k <= hi; k++) this.bands[k]!.push(e);
    }
  }

  private band(y: number): number {
    return Math.max(0, Math.min(this.bands.length - 1, Math.floor((y - this.minY) / this.height)));
  }

  /** Whether p lies inside one of the polygons or on a boundary. */
  covers(p: XY): boolean {
    if (this.bands.length === 0) return false;
    const inside = new Array<boolean>(this.polys.length).fill(false);
    for (const { poly, a, b } of this.bands[this.band(p[1])]!) {
      if (distanceToSegment(p, a, b) <= EPS) return true;
      if (a[1] > p[1] !== b[1] > p[1] && p[0] < a[0] + ((p[1] - a[1]) * (b[0] - a[0])) / (b[1] - a[1])) inside[poly] = !inside[poly];
    }
    return inside.some((x) => x);
  }
}

/** Whether p lies inside one of the polygons or on its boundary (one point: see PolygonIndex for many). */
export const covered = (p: XY, polys: PlanePolygon[]) => polys.length > 0 && new PolygonIndex(polys).covers(p);

// ───────────── results ─────────────

export interface Parts {
  points: XY[];
  lines: XY[][];
  polygons: PlanePolygon[];
}

/** Joins pieces (in order) that continue one another into chains. */
export function joinPieces(pieces: [XY, XY][]): XY[][] {
  const chains: XY[][] = [];
  for (const [p, q] of pieces) {
    const last = chains[chains.length - 1];
    if (last && near(last[last.length - 1]!, p)) last.push(q);
    else chains.push([p, q]);
  }
  return chains;
}

/** Distinct points, none on the given lines. */
export function loosePoints(points: XY[], lines: XY[][]): XY[] {
  const onLine = new Set<XY>();
  const dots = points.map((p, i) => ({ a: p, b: p, id: i }));
  forEachNearPair(dots, lines.flatMap((l, i) => chainSegments(l, i)), (d, s) => {
    if (distanceToSegment(d.a, s.a, s.b) <= EPS) onLine.add(d.a);
  });
  const out: XY[] = [];
  const seen = new Set<string>();
  for (const p of points) {
    if (onLine.has(p)) continue;
    // distinct up to EPS: the cell of the point and its neighbours
    const cx = Math.floor(p[0] / EPS), cy = Math.floor(p[1] / EPS);
    let dup = false;
    for (let dx = -1; dx <= 1 && !dup; dx++) for (let dy = -1; dy <= 1 && !dup; dy++) dup = seen.has(`${cx + dx},${cy + dy}`);
    if (dup && out.some((q) => near(p, q))) continue;
    seen.add(`${cx},${cy}`);
    out.push(p);
  }
  return out;
}

/** GeoJSON of the parts, as Kusto shapes it: the single kind present, or a GeometryCollection (points, lines, polygons). */
export function partsToGeoJson(parts: Parts, g: Gnomonic): Record<string, unknown> {
  const c = (xy: XY) => g.unproject(xy);
  const geoms: Record<string, unknown>[] = [];
  if (parts.points.length === 1) geoms.push({ type: 'Point', coordinates: c(parts.points[0]!) });
  else if (parts.points.length > 1) geoms.push({ type: 'MultiPoint', coordinates: parts.points.map(c) });
  if (parts.lines.length === 1) geoms.push({ type: 'LineString', coordinates: parts.lines[0]!.map(c) });
  else if (parts.lines.length > 1) geoms.push({ type: 'MultiLineString', coordinates: parts.lines.map((l) => l.map(c)) });
  const polys = parts.polygons.map((p) => p.map((r) => r.map(c)));
  if (polys.length === 1) geoms.push({ type: 'Polygon', coordinates: polys[0] });
  else if (polys.length > 1) geoms.push({ type: 'MultiPolygon', coordinates: polys });
  return geoms.length === 1 ? geoms[0]! : { type: 'GeometryCollection', geometries: geoms };
}
