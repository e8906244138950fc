/**
 * Issue #12, the geospatial overlays, buffers, simplification and H3 coverings end to end: polygons
 * and lines sent with @azure/monitor-ingestion into a workspace table (stored in its DuckDB files),
 * queried over HTTPS with the official query SDK from a real server process — whose DuckDB registers
 * the runtime functions and whose statement guard accepts their calls. A GeoJSON argument past
 * Vigil's size limits is a 400 with Azure's error shape naming them; one under them computes.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { GEO_MAX_SHAPE_ARRAYS, GEO_MAX_SHAPE_CHARS } from '../../src/kql/functions/geo.js';
import { approxDifference } from '../kql/harness.js';
import { rawRequest, sdkClients, tokenFor } from '../support/clients.js';
import type { Column } from '../support/log-table.js';
import { queryRows, storeRows } from '../support/stored-table.js';
import { startVigil, type VigilProcess } from '../support/vigil-process.js';

const COLUMNS: Column[] = [
  { name: 'TimeGenerated', type: 'datetime' },
  { name: 'Name', type: 'string' },
  { name: 'Kind', type: 'string' },
  { name: 'Shape', type: 'dynamic' },
];
const polygon = (ring: number[][]) => ({ type: 'Polygon', coordinates: [ring] });
const line = (coords: number[][]) => ({ type: 'LineString', coordinates: coords });
/** geo-union-polygons-array-function.md's three polygons, and its two lines of geo-union-lines-array-function.md. */
const ZONES: [string, string, unknown][] = [
  ['a', 'polygon', polygon([[-73.9495, 40.7969], [-73.95807, 40.80068], [-73.98201, 40.76825], [-73.97317, 40.76455], [-73.9495, 40.7969]])],
  ['b', 'polygon', polygon([[-73.94622, 40.79249], [-73.96888, 40.79282], [-73.9577, 40.7789], [-73.94622, 40.79249]])],
  ['c', 'polygon', polygon([[-73.97335, 40.77274], [-73.9936, 40.7663], [-73.97171, 40.75655], [-73.97335, 40.77274]])],
  ['l1', 'line', line([[-73.95683884620665, 40.80502891480884], [-73.95633727312088, 40.8057171711177], [-73.95489156246185, 40.80510200431311]])],
  ['l2', 'line', line([[-73.95633727312088, 40.8057171711177], [-73.95489156246185, 40.80510200431311], [-73.95537436008453, 40.804413741624515]])],
];

describe('geo overlays, buffers and simplification over the query API', { timeout: 240_000 }, () => {
  let vigil: VigilProcess;

  const rows = (query: string) => queryRows(vigil.bootstrap, query);
  const near = (actual: unknown, expected: unknown) => assert.equal(approxDifference([[JSON.stringify(actual)]], [[JSON.stringify(expected)]], 1e-9), null);

  before(async () => {
    vigil = await startVigil();
    const now = new Date().toISOString();
    await storeRows(vigil.bootstrap, 'Zones_CL', COLUMNS, ZONES.map(([Name, Kind, Shape]) => ({ TimeGenerated: now, Name, Kind, Shape })));
  });
  after(async () => {
    await vigil?.dispose();
  });

  it('unifies, intersects, buffers, simplifies and covers stored shapes', async () => {
    const [[union, lines]] = (await rows(`Zones_CL | summarize polygons = make_list_if(Shape, Kind == 'polygon'), ls = make_list_if(Shape, Kind == 'line')
      | project u = geo_union_polygons_array(polygons), l = geo_union_lines_array(ls)`)) as [[unknown, unknown]];
    // the docs' outputs
    near(union, { type: 'Polygon', coordinates: [[[-73.972599326729608, 40.765330371902991], [-73.960302383706178, 40.782140794645024], [-73.9577, 40.7789], [-73.94622, 40.79249], [-73.9526593223173, 40.792584227716468], [-73.9495, 40.7969], [-73.95807, 40.80068], [-73.9639277517478, 40.792748258673875], [-73.96888, 40.792819999999992], [-73.9662719791645, 40.7895734224338], [-73.9803360309571, 40.770518810606404], [-73.9936, 40.7663], [-73.97171, 40.756550000000004], [-73.972599326729608, 40.765330371902991]]] });
    near(lines, { type: 'LineString', coordinates: [[-73.956838846206651, 40.805028914808844], [-73.95633727312088, 40.8057171711177], [-73.954891562461853, 40.80510200431312], [-73.955374360084534, 40.804413741624522]] });

    const per = await rows(`Zones_CL | where Kind == 'polygon' | sort by Name asc
      | project Name, meets_b = tostring(geo_intersection_2polygons(Shape, toscalar(Zones_CL | where Name == 'b' | project Shape)).type),
          cells = array_length(geo_polygon_to_h3cells(Shape, 8)), grows = geo_polygon_area(geo_polygon_buffer(Shape, 100)) > geo_polygon_area(Shape),
          simpler = array_length(geo_polygon_simplify(Shape, 100).coordinates[0]) <= array_length(Shape.coordinates[0])`);
    assert.deepEqual(per.map((r) => [r[0], r[1], (r[2] as number) > 0, r[3], r[4]]), [
      ['a', 'Polygon', true, true, true],
      ['b', 'Polygon', true, true, true],
      ['c', 'GeometryCollection', true, true, true],
    ]);
  });

  it('a GeoJSON argument past the size limits is a 400 naming them; one under them computes', async () => {
    const b = vigil.bootstrap;
    // at least 26 characters a vertex: 60,000 vertices are past 1 MiB; 12,000 are under it but past the array limit; 5,000 are under both
    const longLine = (n: number) => `range i from 1 to ${n} step 1 | summarize c = make_list(pack_array(pack_array(0.123456789 + i / 100000.0, 0.123456789))) | project l = geo_line_simplify(bag_pack("type", "LineString", "coordinates", c), 10)`;
    const [[ok]] = (await rows(`${longLine(5_000)} | project n = array_length(l.coordinates)`)) as [[number]];
    assert.equal(ok, 2);
    const token = await tokenFor(b, 'https://api.loganalytics.io');
    for (const n of [60_000, GEO_MAX_SHAPE_ARRAYS + 2_000]) {
      const query = longLine(n);
      await assert.rejects(sdkClients(b).query.queryWorkspace(b.workspaceId, query, { duration: 'P1D' }), new RegExp(`more than ${GEO_MAX_SHAPE_ARRAYS} coordinate arrays`));
      const r = await rawRequest(b, token, 'POST', `/v1/workspaces/${b.workspaceId}/query`, JSON.stringify({ query }), { 'content-type': 'application/json' });
      assert.equal(r.status, 400, r.text);
      const body = r.json() as { error: { code: string; message: string } };
      assert.equal(body.error.code, 'BadArgumentError');
      assert.match(body.error.message, new RegExp(`A geospatial argument is longer than ${GEO_MAX_SHAPE_CHARS} characters or has more than ${GEO_MAX_SHAPE_ARRAYS} coordinate arrays`));
    }
  });
});
