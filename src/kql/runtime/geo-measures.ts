/**
 * geo-measures.ts — Kusto's measures of a polygon or multipolygon: geo_polygon_area,
 * geo_polygon_perimeter and geo_polygon_centroid (on S2, as geo-shapes.ts).
 *
 * A MultiPolygon whose members overlap is measured as their union, as the docs say ("the result
 * will be the area of polygons union"): the members are dissolved with geo-overlay.ts (geodesic
 * edges, crossings computed in a gnomonic plane) and the union's rings are measured.
 */
import { DOUBLE, VARCHAR } from '@duckdb/node-api';
import { s2 } from 's2js';
import { unionPolygonCoords } from './geo-overlay.js';
import { lineLength, lonLat, membersOverlap, parsePolygons, pointJson, polygonArea, ringChains, type Ring } from './geo-shapes.js';
import { runtimeFunction } from './udf.js';

/** The polygons of a Polygon/MultiPolygon, overlapping members replaced by their union; null when invalid. */
function dissolved(text: string): Ring[][] | null {
  const polys = parsePolygons(text);
  if (!polys || !membersOverlap(polys)) return polys;
  const union = unionPolygonCoords(polys.map((p) => p.map((r) => r.coords)));
  if (!union || union.length === 0) return null;
  const closed = union.map((p) => p.map((r) => (r.length > 0 && (r[0]![0] !== r[r.length - 1]![0] || r[0]![1] !== r[r.length - 1]![1]) ? [...r, r[0]!] : r)));
  return parsePolygons(JSON.stringify({ type: 'MultiPolygon', coordinates: closed }));
}

export const GEO_MEASURE_FUNCTIONS = [
  runtimeFunction('kql_geo_polygon_area', [VARCHAR], DOUBLE, (poly: string) => {
    const polys = dissolved(poly);
    return polys ? polys.reduce((s, p) => s + polygonArea(p), 0) : null;
  }),
  runtimeFunction('kql_geo_polygon_perimeter', [VARCHAR], DOUBLE, (poly: string) => {
    const polys = dissolved(poly);
    return polys ? ringChains(polys).reduce((s, c) => s + lineLength(c), 0) : null;
  }),
  runtimeFunction('kql_geo_polygon_centroid', [VARCHAR], VARCHAR, (poly: string) => {
    const polys = dissolved(poly);
    if (!polys) return null;
    let x = 0, y = 0, z = 0;
    for (const [shell, ...holes] of polys) {
      for (const [r, sign] of [[shell!, 1], ...holes.map((h) => [h, -1] as const)] as const) {
        const c = r.loop.centroid();
        x += sign * c.x; y += sign * c.y; z += sign * c.z;
      }
    }
    return pointJson(lonLat(s2.Point.fromCoords(x, y, z)));
  }),
];
