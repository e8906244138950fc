/**
 * geo_location() in an ingestion-time transformation, on a server started with
 * `--geoip-database <file.mmdb>` (a MaxMind DB file written by the test, read by the same library
 * as an operator's GeoLite2-City database); rows sent with @azure/monitor-ingestion, read back with
 * the query SDK. In a query the function is refused (it is transformation-only, as in Azure); queries
 * have geo_info_from_ip_address() instead, answered from the same database.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { LogsQueryResultStatus } from '@azure/monitor-query-logs';
import { sdkClients } from '../support/clients.js';
import { writeMmdb } from '../support/mmdb-writer.js';
import { startVigil, type VigilProcess } from '../support/vigil-process.js';

describe('geo_location() with a GeoIP database', { timeout: 180_000 }, () => {
  let vigil: VigilProcess;
  let dir: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-geoip-'));
    const db = join(dir, 'City.mmdb');
    writeFileSync(db, writeMmdb([
      { cidr: '81.2.69.0/24', record: { continent: { names: { en: 'Europe' } }, country: { names: { en: 'United Kingdom' } }, subdivisions: [{ names: { en: 'England' } }], city: { names: { en: 'London' } }, location: { latitude: 51.5142, longitude: -0.0931 } } },
      { cidr: '1.0.0.0/8', record: { continent: { names: { en: 'Oceania' } }, country: { names: { en: 'Australia' } } } },
    ]));
    vigil = await startVigil({ args: ['--geoip-database', db] });
  });
  after(async () => {
    await vigil?.dispose();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('enriches rows with their location at ingestion', async () => {
    const b = vigil.bootstrap;
    const clients = sdkClients(b);
    await clients.logAnalytics.tables.beginCreateOrUpdateAndWait(b.resourceGroup, b.workspaceName, 'Signins_CL', {
      schema: { name: 'Signins_CL', columns: [{ name: 'TimeGenerated', type: 'dateTime' }, { name: 'ClientIp', type: 'string' }, { name: 'Geo', type: 'dynamic' }, { name: 'Country', type: 'string' }] },
    });
    const rule = await clients.monitor.dataCollectionRules.create(b.resourceGroup, 'signins', {
      body: {
        location: 'local',
        streamDeclarations: { 'Custom-Signins': { columns: [{ name: 'TimeGenerated', type: 'datetime' }, { name: 'ClientIp', type: 'string' }] } },
        destinations: { logAnalytics: [{ name: 'la', workspaceResourceId: b.workspaceResourceId }] },
        dataFlows: [{ streams: ['Custom-Signins'], destinations: ['la'], transformKql: 'source | extend Geo = geo_location(ClientIp) | extend Country = tostring(Geo.Country)', outputStream: 'Custom-Signins_CL' }],
      },
    });
    const now = Date.now();
    await clients.ingestion.upload(rule.immutableId!, 'Custom-Signins', [
      { TimeGenerated: new Date(now - 3000).toISOString(), ClientIp: '81.2.69.160' },
      { TimeGenerated: new Date(now - 2000).toISOString(), ClientIp: '1.2.3.4' },
      { TimeGenerated: new Date(now - 1000).toISOString(), ClientIp: '8.8.8.8' },
    ]);
    const r = await clients.query.queryWorkspace(b.workspaceId, 'Signins_CL | sort by TimeGenerated asc | project ClientIp, Geo, Country', { duration: 'PT1H' });
    assert.equal(r.status, LogsQueryResultStatus.Success);
    if (r.status !== LogsQueryResultStatus.Success) return;
    assert.deepEqual(r.tables[0]!.rows, [
      ['81.2.69.160', { Country: 'United Kingdom', Region: 'Europe', State: 'England', City: 'London', Latitude: 51.5142, Longitude: -0.0931 }, 'United Kingdom'],
      ['1.2.3.4', { Country: 'Australia', Region: 'Oceania' }, 'Australia'],
      ['8.8.8.8', {}, ''],
    ]);
    // Transformation-only, as in Azure: a query cannot call it.
    await assert.rejects(clients.query.queryWorkspace(b.workspaceId, "print geo_location('81.2.69.160')", { duration: 'PT1H' }), /geo_location\(\) exists only in ingestion-time transformations/);
  });

  it('answers geo_info_from_ip_address() in queries from the same database', async () => {
    const b = vigil.bootstrap;
    const clients = sdkClients(b);
    const q = `datatable(ip:string)['81.2.69.160', '1.2.3.4', '8.8.8.8', 'not an address']
| extend info = geo_info_from_ip_address(ip)
| extend country = tostring(info.country)`;
    const r = await clients.query.queryWorkspace(b.workspaceId, q, { duration: 'PT1H' });
    assert.equal(r.status, LogsQueryResultStatus.Success);
    if (r.status !== LogsQueryResultStatus.Success) return;
    assert.deepEqual(r.tables[0]!.rows, [
      ['81.2.69.160', { country: 'United Kingdom', state: 'England', city: 'London', latitude: 51.5142, longitude: -0.0931 }, 'United Kingdom'],
      ['1.2.3.4', { country: 'Australia' }, 'Australia'],
      ['8.8.8.8', {}, ''],
      ['not an address', null, ''],
    ]);
  });
});
