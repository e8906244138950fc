/**
 * The KQL runtime functions added for issue #12 — geospatial lines and polygons, JSONPath keys of
 * bag_set_key/bag_remove_keys, gzip/zlib + base64, has_any_ipv4_prefix — as a user runs them: rows
 * sent with @azure/monitor-ingestion into a real workspace table, queried over HTTPS with the query
 * SDK from a real server process (whose DuckDB registers the runtime and whose statement guard
 * accepts the calls). Invalid input gives null, not an error.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { LogsQueryResultStatus } from '@azure/monitor-query-logs';
import { sdkClients } from '../support/clients.js';
import { startVigil, type VigilProcess } from '../support/vigil-process.js';

const CENTRAL_PARK = { type: 'Polygon', coordinates: [[[-73.9495, 40.7969], [-73.95807266235352, 40.80068603561921], [-73.98201942443848, 40.76825672305777], [-73.97317886352539, 40.76455136505513], [-73.9495, 40.7969]]] };

describe('KQL runtime functions of issue #12 over the query SDK', { timeout: 180_000 }, () => {
  let vigil: VigilProcess;

  before(async () => {
    vigil = await startVigil();
  });
  after(async () => {
    await vigil?.dispose();
  });

  it('computes on stored rows', async () => {
    const b = vigil.bootstrap;
    const clients = sdkClients(b);
    await clients.logAnalytics.tables.beginCreateOrUpdateAndWait(b.resourceGroup, b.workspaceName, 'Shapes_CL', {
      schema: { name: 'Shapes_CL', columns: [{ name: 'TimeGenerated', type: 'dateTime' }, { name: 'Name', type: 'string' }, { name: 'Shape', type: 'dynamic' }, { name: 'Text', type: 'string' }] },
    });
    const rule = await clients.monitor.dataCollectionRules.create(b.resourceGroup, 'shapes', {
      body: {
        location: 'local',
        streamDeclarations: { 'Custom-Shapes': { columns: [{ name: 'TimeGenerated', type: 'datetime' }, { name: 'Name', type: 'string' }, { name: 'Shape', type: 'dynamic' }, { name: 'Text', type: 'string' }] } },
        destinations: { logAnalytics: [{ name: 'la', workspaceResourceId: b.workspaceResourceId }] },
        dataFlows: [{ streams: ['Custom-Shapes'], destinations: ['la'], outputStream: 'Custom-Shapes_CL' }],
      },
    });
    const now = Date.now();
    await clients.ingestion.upload(rule.immutableId!, 'Custom-Shapes', [
      { TimeGenerated: new Date(now - 3000).toISOString(), Name: 'park', Shape: CENTRAL_PARK, Text: 'from 10.1.2.3 to x' },
      { TimeGenerated: new Date(now - 2000).toISOString(), Name: 'broken', Shape: { type: 'Polygon', coordinates: [[[0, 0], [10, 10], [10, 10], [0, 0]]] }, Text: 'no address 10.1.2.300' },
    ]);
    const query = `Shapes_CL | sort by TimeGenerated asc
      | project Name, area = round(geo_polygon_area(Shape), 2), perimeter = round(geo_polygon_perimeter(Shape), 2),
          d = round(geo_distance_point_to_polygon(-73.9839, 40.7705, Shape), 6), crosses = geo_intersects_line_with_polygon(dynamic({"type":"LineString","coordinates":[[-74.0,40.78],[-73.9,40.78]]}), Shape),
          ip = has_any_ipv4_prefix(Text, dynamic(["10.1."])), zipped = zlib_decompress_from_base64_string(zlib_compress_to_base64_string(Name)),
          bag = bag_set_key(bag_pack("n", Name), "$.meta.kind", "shape")`;
    const r = await clients.query.queryWorkspace(b.workspaceId, query, { duration: 'PT1H' });
    assert.equal(r.status, LogsQueryResultStatus.Success);
    if (r.status !== LogsQueryResultStatus.Success) return;
    // geo-polygon-area-function.md: 3475207.28346606 m²; geo-polygon-perimeter-function.md: 9930.30149604938 m;
    // geo-distance-point-to-polygon-function.md: 259.940756070596 m
    assert.deepEqual(r.tables[0]!.rows, [
      ['park', 3475207.28, 9930.3, 259.940756, true, true, 'park', { n: 'park', meta: { kind: 'shape' } }],
      ['broken', null, null, null, null, false, 'broken', { n: 'broken', meta: { kind: 'shape' } }],
    ]);
  });

  it('gives null for invalid geometry and text in a print', async () => {
    const b = vigil.bootstrap;
    const clients = sdkClients(b);
    const r = await clients.query.queryWorkspace(b.workspaceId,
      'print a = geo_line_length(dynamic({"type":"LineString","coordinates":[[300,1],[1,1]]})), w = geo_from_wkt("LINESTRING (1 2, 3 4)"), z = gzip_decompress_from_base64_string("x0x0x0")', { duration: 'PT1H' });
    assert.equal(r.status, LogsQueryResultStatus.Success);
    if (r.status !== LogsQueryResultStatus.Success) return;
    assert.deepEqual(r.tables[0]!.rows, [[null, { type: 'LineString', coordinates: [[1, 2], [3, 4]] }, '']]);
  });
});
