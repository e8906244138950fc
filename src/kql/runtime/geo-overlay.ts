/**
 * geo-overlay.ts — Kusto's geospatial intersections and unions: geo_intersection_2lines,
 * geo_intersection_2polygons, geo_intersection_line_with_polygon, geo_union_lines_array and
 * geo_union_polygons_array.
 *
 * Edges are geodesics on the sphere, as Kusto defines them; the shapes are projected gnomonically
 * (geo-plane.ts: great circles become straight lines), overlaid in that plane — polygons with
 * polyclip-ts (Martinez–Rueda–Feito sweep), lines with the segment crossings below — and projected
 * back. Results are shaped as the docs show: the kind of geometry present (Point, LineString,
 * Polygon or their Multi… forms), a GeometryCollection when several kinds are, and an empty
 * GeometryCollection when the shapes do not meet. Invalid input (or input wider than a
 * hemisphere, which the projection cannot hold) gives null.
 *
 * Computed vertices (crossings) agree with Kusto's to about 1e-9 degrees; the order in which a
 * ring's vertices are listed and where it starts may differ from Kusto's (same polygon).
 */
import { VARCHAR } from '@duckdb/node-api';
import * as clip from 'polyclip-ts';
import { capOf, capsMeet, chainSegments, crossing, EPS, forEachNearPair, Gnomonic, groupsOf, joinPieces, lerp, loosePoints, near, partsToGeoJson, PolygonIndex, type Parts, type PlanePolygon, type Segment, type XY, type Cap } from './geo-plane.js';
import { parseLines, parsePolygons, type Coord } from './geo-shapes.js';
import { parseJsonArray, runtimeFunction } from './udf.js';

const EMPTY = JSON.stringify({ type: 'GeometryCollection', geometries: [] });

/** Shapes whose caps are apart cannot meet (and may be too far apart for one projection). */
function apart(a: Coord[], b: Coord[]): boolean {
  const ca = capOf(a), cb = capOf(b);
  return ca !== null && cb !== null && !capsMeet(ca, cb);
}

const lineVertices = (lines: Coord[][]) => lines.flat();
const polygonVertices = (polys: Coord[][][]) => polys.flat(2);
const polygonCoords = (text: string): Coord[][][] | null => parsePolygons(text)?.map((p) => p.map((r) => r.coords)) ?? null;

/** Elements of a dynamic array, each as its JSON text; null when the value is not an array. */
function elements(text: string): string[] | null {
  const arr = parseJsonArray(text);
  return arr && arr.map((e) => JSON.stringify(e));
}

// ───────────── lines ∩ lines ─────────────

function intersectLines(a: XY[][], b: XY[][]): Parts {
  const sa = a.flatMap((l, i) => chainSegments(l, i));
  const sb = b.flatMap((l, i) => chainSegments(l, i));
  const overlaps: { id: number; t: number; p: XY; q: XY }[] = [];
  const points: XY[] = [];
  forEachNearPair(sa, sb, (s, t) => {
    const c = crossing(s.a, s.b, t.a, t.b);
    if (!c) return;
    if (c.kind === 'point') points.push(c.p);
    else overlaps.push({ id: s.id, t: c.ta0, p: c.p, q: c.q });
  });
  overlaps.sort((x, y) => x.id - y.id || x.t - y.t);
  const lines = joinPieces(overlaps.map((o) => [o.p, o.q]));
  return { points: loosePoints(points, lines), lines, polygons: [] };
}

// ───────────── lines ∩ polygons ─────────────

function clipLines(lines: XY[][], polys: PlanePolygon[]): Parts {
  const index = new PolygonIndex(polys);
  const edges = polys.flatMap((p, i) => p.flatMap((r, k) => chainSegments(r, i * 1000 + k)));
  const pieces: [XY, XY][] = [];
  const touches: XY[] = [];
  for (const [li, line] of lines.entries()) {
    const segs = chainSegments(line, li);
    const cuts = new Map<Segment, { t: number; p: XY }[]>(segs.map((s) => [s, [{ t: 0, p: s.a }, { t: 1, p: s.b }]]));
    forEachNearPair(segs, edges, (s, e) => {
      const c = crossing(s.a, s.b, e.a, e.b);
      if (!c) return;
      const list = cuts.get(s)!;
      if (c.kind === 'point') list.push({ t: c.ta, p: c.p });
      else list.push({ t: c.ta0, p: c.p }, { t: c.ta1, p: c.q });
    });
    for (const s of segs) {
      const list = cuts.get(s)!.sort((x, y) => x.t - y.t);
      const kept: boolean[] = [];
      for (let i = 1; i < list.length; i++) {
        const p = list[i - 1]!.p, q = list[i]!.p;
        const keep = !near(p, q) && index.covers(lerp(p, q, 0.5));
        kept.push(keep);
        if (keep) pieces.push([p, q]);
      }
      // a point where the line only touches the polygon
      for (let i = 0; i < list.length; i++) {
        if (!kept[i - 1] && !kept[i] && index.covers(list[i]!.p)) touches.push(list[i]!.p);
      }
    }
  }
  const chains = joinPieces(pieces);
  return { points: loosePoints(touches, chains), lines: chains, polygons: [] };
}

// ───────────── polygons ∩ polygons ─────────────

const asClip = (polys: PlanePolygon[]) => polys as clip.Geom;

function intersectPolygons(a: PlanePolygon[], b: PlanePolygon[]): Parts {
  const area = clip.intersection(asClip(a), asClip(b)) as PlanePolygon[];
  const index = new PolygonIndex(area);
  // where the boundaries meet outside the common area: touching points and shared edges
  const ea = a.flatMap((p, i) => p.flatMap((r, k) => chainSegments(r, i * 1000 + k)));
  const eb = b.flatMap((p, i) => p.flatMap((r, k) => chainSegments(r, i * 1000 + k)));
  const points: XY[] = [];
  const shared: [XY, XY][] = [];
  forEachNearPair(ea, eb, (s, t) => {
    const c = crossing(s.a, s.b, t.a, t.b);
    if (!c) return;
    if (c.kind === 'point') {
      if (!index.covers(c.p)) points.push(c.p);
    } else if (!index.covers(lerp(c.p, c.q, 0.5))) shared.push([c.p, c.q]);
  });
  const lines = joinPieces(shared);
  return { points: loosePoints(points, lines), lines, polygons: area };
}

// ───────────── unions ─────────────

/** The union of lines: every crossing becomes a vertex, shared stretches appear once, and pieces join into the longest chains. */
export function unionLines(lines: XY[][]): XY[][] {
  const segs = lines.flatMap((l, i) => chainSegments(l, i)).filter((s) => !near(s.a, s.b));
  const cuts = new Map<Segment, { t: number; p: XY }[]>(segs.map((s) => [s, [{ t: 0, p: s.a }, { t: 1, p: s.b }]]));
  forEachNearPair(segs, segs, (s, t) => {
    if (s === t) return;
    const c = crossing(s.a, s.b, t.a, t.b);
    if (!c) return;
    if (c.kind === 'point') cuts.get(s)!.push({ t: c.ta, p: c.p });
    else cuts.get(s)!.push({ t: c.ta0, p: c.p }, { t: c.ta1, p: c.q });
  });
  // nodes: points within EPS are one node (the first seen), found through a grid of EPS-sized cells
  const nodes: XY[] = [];
  const grid = new Map<string, number[]>();
  const cell = (x: number, y: number) => `${Math.floor(x / EPS)},${Math.floor(y / EPS)}`;
  const nodeOf = (p: XY): number => {
    const cx = Math.floor(p[0] / EPS), cy = Math.floor(p[1] / EPS);
    for (let dx = -1; dx <= 1; dx++) {
      for (let dy = -1; dy <= 1; dy++) {
        const k = grid.get(`${cx + dx},${cy + dy}`)?.find((n) => near(p, nodes[n]!));
        if (k !== undefined) return k;
      }
    }
    nodes.push(p);
    const key = cell(p[0], p[1]);
    grid.set(key, [...(grid.get(key) ?? []), nodes.length - 1]);
    return nodes.length - 1;
  };
  const edges: [number, number][] = [];
  const seen = new Set<string>();
  for (const s of segs) {
    const list = cuts.get(s)!.sort((x, y) => x.t - y.t);
    for (let i = 1; i < list.length; i++) {
      const u = nodeOf(list[i - 1]!.p), v = nodeOf(list[i]!.p);
      const key = u < v ? `${u}-${v}` : `${v}-${u}`;
      if (u === v || seen.has(key)) continue;
      seen.add(key);
      edges.push([u, v]);
    }
  }
  const incident = new Map<number, number[]>();
  edges.forEach(([u, v], i) => {
    for (const n of [u, v]) {
      const list = incident.get(n);
      if (list) list.push(i);
      else incident.set(n, [i]);
    }
  });
  const used = new Set<number>();
  const degree = (n: number) => incident.get(n)!.length;
  const walk = (start: number, first: number): number[] => {
    const path = [start];
    let at = start, e = first;
    for (;;) {
      used.add(e);
      const [u, v] = edges[e]!;
      at = u === at ? v : u;
      path.push(at);
      if (degree(at) !== 2) return path;
      const next = incident.get(at)!.find((k) => !used.has(k));
      if (next === undefined) return path;
      e = next;
    }
  };
  const chains: number[][] = [];
  // chains run between ends and junctions (in the order and direction of the input), then closed loops
  for (const [u, v] of edges) {
    for (const n of [u, v]) {
      if (degree(n) === 2) continue;
      for (const e of incident.get(n)!) if (!used.has(e)) chains.push(walk(n, e));
    }
  }
  for (const [i, [u]] of edges.entries()) if (!used.has(i)) chains.push(walk(u, i));
  return chains.map((c) => c.map((n) => nodes[n]!));
}

/**
 * A union computed group by group: shapes whose caps meet are unified in one projection, groups
 * apart from one another are listed side by side (so shapes may span the globe as long as each
 * group fits a hemisphere). Null when a group does not.
 */
function unionInGroups<S, R>(shapes: S[], vertices: (s: S) => Coord[], unify: (group: S[], g: Gnomonic) => R[]): R[] | null {
  const caps: Cap[] = [];
  for (const s of shapes) {
    const c = capOf(vertices(s));
    if (!c) return null;
    caps.push(c);
  }
  const out: R[] = [];
  for (const group of groupsOf(caps)) {
    const members = group.map((i) => shapes[i]!);
    const g = Gnomonic.around(members.flatMap(vertices));
    if (!g) return null;
    out.push(...unify(members, g));
  }
  return out;
}

/** The union of polygons ([shell, holes…] coordinate lists), or null when a group of them is wider than a hemisphere. */
export function unionPolygonCoords(polys: Coord[][][]): Coord[][][] | null {
  return unionInGroups(polys, (p) => p.flat(), (group, g) => {
    const planar = group.map((p) => [p.map((r) => r.map((c) => g.project(c)))] as clip.Geom);
    const union = clip.union(planar[0]!, ...planar.slice(1)) as PlanePolygon[];
    return union.map((p) => p.map((r) => r.map((xy) => g.unproject(xy))));
  });
}

// ───────────── the runtime functions ─────────────

const json = (g: Record<string, unknown>) => JSON.stringify(g);
const isEmpty = (p: Parts) => p.points.length + p.lines.length + p.polygons.length === 0;

export const GEO_OVERLAY_FUNCTIONS = [
  runtimeFunction('kql_geo_intersection_2lines', [VARCHAR, VARCHAR], VARCHAR, (a: string, b: string) => {
    const la = parseLines(a), lb = parseLines(b);
    if (la && lb && apart(lineVertices(la), lineVertices(lb))) return EMPTY;
    const g = la && lb ? Gnomonic.around([...lineVertices(la), ...lineVertices(lb)]) : null;
    if (!g) return null;
    const parts = intersectLines(la!.map((l) => l.map((c) => g.project(c))), lb!.map((l) => l.map((c) => g.project(c))));
    return isEmpty(parts) ? EMPTY : json(partsToGeoJson(parts, g));
  }),
  runtimeFunction('kql_geo_intersection_2polygons', [VARCHAR, VARCHAR], VARCHAR, (a: string, b: string) => {
    const pa = polygonCoords(a), pb = polygonCoords(b);
    if (pa && pb && apart(polygonVertices(pa), polygonVertices(pb))) return EMPTY;
    const g = pa && pb ? Gnomonic.around([...polygonVertices(pa), ...polygonVertices(pb)]) : null;
    if (!g) return null;
    const proj = (polys: Coord[][][]) => polys.map((p) => p.map((r) => r.map((c) => g.project(c))));
    const parts = intersectPolygons(proj(pa!), proj(pb!));
    return isEmpty(parts) ? EMPTY : json(partsToGeoJson(parts, g));
  }),
  runtimeFunction('kql_geo_intersection_line_with_polygon', [VARCHAR, VARCHAR], VARCHAR, (line: string, poly: string) => {
    const lines = parseLines(line), polys = polygonCoords(poly);
    if (lines && polys && apart(lineVertices(lines), polygonVertices(polys))) return EMPTY;
    const g = lines && polys ? Gnomonic.around([...lineVertices(lines), ...polygonVertices(polys)]) : null;
    if (!g) return null;
    const parts = clipLines(lines!.map((l) => l.map((c) => g.project(c))), polys!.map((p) => p.map((r) => r.map((c) => g.project(c)))));
    return isEmpty(parts) ? EMPTY : json(partsToGeoJson(parts, g));
  }),
  runtimeFunction('kql_geo_union_lines_array', [VARCHAR], VARCHAR, (arr: string) => {
    const items = elements(arr);
    if (!items || items.length === 0) return null;
    const all: Coord[][] = [];
    for (const item of items) {
      const lines = parseLines(item);
      if (!lines) return null;
      all.push(...lines);
    }
    const chains = unionInGroups(all, (l) => l, (group, g) => unionLines(group.map((l) => l.map((c) => g.project(c)))).map((l) => l.map((xy) => g.unproject(xy))));
    if (!chains) return null;
    return JSON.stringify(chains.length === 1 ? { type: 'LineString', coordinates: chains[0] } : { type: 'MultiLineString', coordinates: chains });
  }),
  runtimeFunction('kql_geo_union_polygons_array', [VARCHAR], VARCHAR, (arr: string) => {
    const items = elements(arr);
    if (!items || items.length === 0) return null;
    const all: Coord[][][] = [];
    for (const item of items) {
      const polys = polygonCoords(item);
      if (!polys) return null;
      all.push(...polys);
    }
    const polys = unionPolygonCoords(all);
    if (!polys || polys.length === 0) return null;
    return JSON.stringify(polys.length === 1 ? { type: 'Polygon', coordinates: polys[0] } : { type: 'MultiPolygon', coordinates: polys });
  }),
];

