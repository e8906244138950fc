/**
 * 100-ns datetime ticks through a real server (issue #12): a row with a 7-digit TimeGenerated sent
 * with @azure/monitor-ingestion through a transformation, read back with the query SDK. Stored
 * datetimes are ticks too (README "Storage"), so the ingested value keeps its 7th digit, as does
 * everything computed in the transformation and the query — `+ 1tick`, `datetime_diff` in
 * nanoseconds, 7-digit literals, `format_datetime(…, 'fffffff')` — and the Query API writes all 7
 * digits. (More in stored-ticks.test.ts.)
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { LogsQueryResultStatus } from '@azure/monitor-query-logs';
import { sdkClients } from '../support/clients.js';
import { LOGS_AUDIENCE, queryWithStatistics, tokenFor } from '../support/log-table.js';
import { startVigil, type VigilProcess } from '../support/vigil-process.js';

describe('datetime ticks end to end', { timeout: 180_000 }, () => {
  let vigil: VigilProcess;

  before(async () => {
    vigil = await startVigil();
  });
  after(async () => {
    await vigil?.dispose();
  });

  it('ingests a 7-digit timestamp and computes with ticks in queries', async () => {
    const b = vigil.bootstrap;
    const clients = sdkClients(b);
    await clients.logAnalytics.tables.beginCreateOrUpdateAndWait(b.resourceGroup, b.workspaceName, 'Ticks_CL', {
      schema: { name: 'Ticks_CL', columns: [{ name: 'TimeGenerated', type: 'dateTime' }, { name: 'Seen', type: 'dateTime' }, { name: 'AsText', type: 'string' }] },
    });
    const rule = await clients.monitor.dataCollectionRules.create(b.resourceGroup, 'ticks', {
      body: {
        location: 'local',
        streamDeclarations: { 'Custom-Ticks': { columns: [{ name: 'TimeGenerated', type: 'datetime' }] } },
        destinations: { logAnalytics: [{ name: 'la', workspaceResourceId: b.workspaceResourceId }] },
        dataFlows: [{ streams: ['Custom-Ticks'], destinations: ['la'], transformKql: 'source | extend Seen = datetime_add("microsecond", 1, TimeGenerated), AsText = tostring(TimeGenerated + 3tick)', outputStream: 'Custom-Ticks_CL' }],
      },
    });
    // a recent instant with 7 fractional digits: …ss.mmm + "4567"
    const iso = new Date(Date.now() - 60_000).toISOString(); // YYYY-MM-DDTHH:MM:SS.mmmZ
    const sent = `${iso.slice(0, 23)}4567Z`;
    const at = (belowMs: string) => `${iso.slice(0, 23)}${belowMs}Z`;
    await clients.ingestion.upload(rule.immutableId!, 'Custom-Ticks', [{ TimeGenerated: sent }]);

    const query = [
      'Ticks_CL',
      "| project t = tostring(TimeGenerated), seen = tostring(Seen), AsText, next = tostring(TimeGenerated + 1tick), ns = datetime_diff('nanosecond', TimeGenerated + 1tick, TimeGenerated),",
      "  lit = tostring(datetime(2024-01-01 10:00:00.1234567) + 1tick), f = format_datetime(datetime(2009-06-15T13:45:30.6175425), 'fffffff'), edge = isnull(datetime(9999-12-31 23:59:59.9999999) + 1tick)",
    ].join('\n');
    const r = await clients.query.queryWorkspace(b.workspaceId, query, { duration: 'PT1H' });
    assert.equal(r.status, LogsQueryResultStatus.Success);
    if (r.status !== LogsQueryResultStatus.Success) return;
    assert.deepEqual(r.tables[0]!.rows, [[
      sent, // stored with all 7 digits
      at('4577'), // + 1 µs in the transformation, stored
      at('4570'), // + 3 ticks in the transformation, as text
      at('4568'),
      100,
      '2024-01-01T10:00:00.1234568Z',
      '6175425',
      true,
    ]]);

    // a datetime column itself: the SDK reads the wire text into a Date (ms)
    const d = await clients.query.queryWorkspace(b.workspaceId, 'Ticks_CL | project TimeGenerated, later = TimeGenerated + 10000tick', { duration: 'PT1H' });
    assert.equal(d.status, LogsQueryResultStatus.Success);
    if (d.status !== LogsQueryResultStatus.Success) return;
    const [tg, later] = d.tables[0]!.rows[0] as [Date, Date];
    assert.equal(tg.toISOString(), iso);
    assert.equal(later.getTime() - tg.getTime(), 1);

    // the Query API's own text: every datetime with 7 fractional digits, the ticks included
    const raw = await queryWithStatistics(b, await tokenFor(b, LOGS_AUDIENCE), 'Ticks_CL | project TimeGenerated, next = TimeGenerated + 1tick, first = datetime(0001-01-01 00:00:00.0000001), last = datetime(9999-12-31 23:59:59.9999999), none = datetime(9999-12-31) + 1d', 'PT1H');
    assert.equal(raw.status, 200);
    assert.deepEqual(raw.rows, [[sent, at('4568'), '0001-01-01T00:00:00.0000001Z', '9999-12-31T23:59:59.9999999Z', null]]);
  });
});
