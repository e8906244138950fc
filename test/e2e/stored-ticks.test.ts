/**
 * Issue #12: datetimes keep all 7 fractional digits (100-ns ticks) end to end, driven through the
 * official SDKs against a real server: @azure/monitor-ingestion uploads 7-digit timestamps (and the
 * ends of Kusto's range; a value outside it is refused), @azure/monitor-query-logs reads them back
 * with every digit and filters on a sub-µs boundary — from hot rows, after a restart (log replay)
 * and once sealed into segments — and a purge through @azure/arm-operationalinsights removes rows
 * by a bound one tick wide.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { LogsQueryResultStatus } from '@azure/monitor-query-logs';
import { sdkClients } from '../support/clients.js';
import { startVigil, type VigilProcess } from '../support/vigil-process.js';

const TABLE = 'StoredTicks_CL';
const STREAM = 'Custom-StoredTicks';

describe('stored datetimes keep 7 fractional digits through the SDKs', { timeout: 600_000 }, () => {
  let vigil: VigilProcess;
  // An hour in the past, as text: each row is a tick after the previous one.
  const hour = new Date(Math.floor(Date.now() / 3_600_000) * 3_600_000 - 3_600_000).toISOString().slice(0, 19);
  const at = (fraction: string) => `${hour}.${fraction}Z`;
  const ROWS = [
    { TimeGenerated: at('1234567'), N: 1, Other: '0001-01-01T00:00:00.0000001Z' },
    { TimeGenerated: at('1234568'), N: 2, Other: '9999-12-31T23:59:59.9999999Z' },
    { TimeGenerated: at('1234569'), N: 3, Other: '1601-01-01T00:00:00.0000007+01:00' },
  ];
  const EXPECTED = [
    [1, at('1234567'), '1234567', '0001-01-01T00:00:00.0000001Z'],
    [2, at('1234568'), '1234568', '9999-12-31T23:59:59.9999999Z'],
    [3, at('1234569'), '1234569', '1600-12-31T23:00:00.0000007Z'],
  ];

  before(async () => {
    vigil = await startVigil();
  });
  after(async () => vigil?.dispose());

  const query = async (kql: string) => {
    const r = await sdkClients(vigil.bootstrap).query.queryWorkspace(vigil.bootstrap.workspaceId, kql, { duration: 'P7D' });
    assert.equal(r.status, LogsQueryResultStatus.Success, JSON.stringify(r));
    if (r.status !== LogsQueryResultStatus.Success) throw new Error('unreachable');
    return r.tables[0]!.rows;
  };

  /** Every row, its datetimes as text (the SDK turns datetime columns into Dates, which keep ms only). */
  const everyRow = () => query(`${TABLE} | order by N asc | project N, t = tostring(TimeGenerated), f = format_datetime(TimeGenerated, 'fffffff'), o = tostring(Other)`);

  /** The same answers wherever the rows are (hot, replayed, sealed). */
  async function checkAnswers(where: string): Promise<void> {
    assert.deepEqual(await everyRow(), EXPECTED, where);
    assert.deepEqual(await query(`${TABLE} | where TimeGenerated > datetime(${at('1234567')}) | order by N asc | project N`), [[2], [3]], where);
    assert.deepEqual(await query(`${TABLE} | where TimeGenerated == datetime(${at('1234568')}) | project N`), [[2]], where);
    assert.deepEqual(await query(`${TABLE} | where TimeGenerated between (datetime(${at('1234568')}) .. 1tick) | order by N asc | project N`), [[2], [3]], where);
    assert.deepEqual(await query(`${TABLE} | where Other < datetime(0001-01-01 00:00:00.0000002) | project N`), [[1]], where);
    assert.deepEqual(await query(`${TABLE} | summarize arg_max(TimeGenerated, N) | project N, t = tostring(TimeGenerated)`), [[3, at('1234569')]], where);
  }

  it('ingests 7-digit timestamps with LogsIngestionClient and refuses one outside Kusto\'s range', async () => {
    const b = vigil.bootstrap;
    const { logAnalytics, monitor, ingestion } = sdkClients(b);
    const columns = [
      { name: 'TimeGenerated', type: 'dateTime' as const },
      { name: 'N', type: 'int' as const },
      { name: 'Other', type: 'dateTime' as const },
    ];
    await logAnalytics.tables.beginCreateOrUpdateAndWait(b.resourceGroup, b.workspaceName, TABLE, { schema: { name: TABLE, columns } });
    const rule = await monitor.dataCollectionRules.create(b.resourceGroup, 'ticks', {
      body: {
        location: 'local',
        streamDeclarations: { [STREAM]: { columns: [{ name: 'TimeGenerated', type: 'datetime' }, { name: 'N', type: 'int' }, { name: 'Other', type: 'datetime' }] } },
        destinations: { logAnalytics: [{ name: 'la', workspaceResourceId: b.workspaceResourceId }] },
        dataFlows: [{ streams: [STREAM], destinations: ['la'], transformKql: 'source', outputStream: `Custom-${TABLE}` }],
      },
    });
    await ingestion.upload(rule.immutableId!, STREAM, ROWS);
    await assert.rejects(ingestion.upload(rule.immutableId!, STREAM, [{ TimeGenerated: at('0000000'), N: 4, Other: '0001-01-01T00:00:00+00:01' }]));
    await assert.rejects(ingestion.upload(rule.immutableId!, STREAM, [{ TimeGenerated: at('0000000'), N: 5, Other: '0000-12-31T23:59:59.9999999Z' }]));
    await checkAnswers('hot rows');
  });

  it('answers the same after a restart (log replay) and once the rows are sealed', async () => {
    await vigil.stop();
    vigil = await startVigil({ dataDir: vigil.dataDir, args: ['--seal-age', '1'] });
    await checkAnswers('after a restart');
    const manifest = join(vigil.dataDir, 'storage', vigil.bootstrap.workspaceId.toLowerCase(), 'manifest.json');
    const sealed = () => {
      if (!existsSync(manifest)) return [];
      return (JSON.parse(readFileSync(manifest, 'utf8')) as { segments: { table: string; rows: number; datetimes?: string }[] }).segments.filter((s) => s.table === TABLE);
    };
    const deadline = Date.now() + 120_000;
    while (sealed().reduce((n, s) => n + s.rows, 0) < ROWS.length) {
      assert.ok(Date.now() < deadline, `the rows were not sealed within 2 minutes\n${vigil.output().slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 250));
    }
    assert.ok(sealed().every((s) => s.datetimes === 'ticks'));
    await checkAnswers('sealed');
  });

  it('purges by a bound one tick wide with workspacePurge', async () => {
    const b = vigil.bootstrap;
    const purges = sdkClients(b).logAnalytics.workspacePurge;
    const { operationId } = await purges.purge(b.resourceGroup, b.workspaceName, {
      table: TABLE,
      filters: [{ column: 'TimeGenerated', operator: '>', value: at('1234567') }, { column: 'TimeGenerated', operator: '<', value: at('1234569') }],
    });
    const deadline = Date.now() + 120_000;
    while ((await purges.getPurgeStatus(b.resourceGroup, b.workspaceName, operationId)).status !== 'completed') {
      assert.ok(Date.now() < deadline, `the purge did not complete within 2 minutes\n${vigil.output().slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 250));
    }
    assert.deepEqual(await everyRow(), [EXPECTED[0], EXPECTED[2]]);
  });
});
