/**
 * The Query API's timespan through a real server and the official SDKs: the storage engine keeps each
 * table to it (src/store/timespan-cover.ts) — with no filter when every row of the query's snapshot is
 * inside, filtered when it cuts sealed segments, hot rows or both — for a plain query, a union, a join,
 * and `duration` (the SDK's moving timespan). `timespanFiltered` in the statistics says which way a
 * table was read; the rows say whether it was right.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { LogsQueryResultStatus, type QueryTimeInterval } from '@azure/monitor-query-logs';
import { sdkClients } from '../support/clients.js';
import { createLogTable } from '../support/log-table.js';
import { startVigil, type VigilProcess } from '../support/vigil-process.js';

const MIN = 60_000;

describe('request timespan end to end', { timeout: 240_000 }, () => {
  let vigil: VigilProcess;
  let clients: ReturnType<typeof sdkClients>;
  const now = Date.now();
  const at = (minutesAgo: number) => new Date(now - minutesAgo * MIN).toISOString();

  before(async () => {
    // Three rows make a segment: the first batch is sealed, later rows stay hot.
    vigil = await startVigil({ env: { VIGIL_SEAL_ROWS: '3' } });
    const b = vigil.bootstrap;
    clients = sdkClients(b);
    const cols = [{ name: 'TimeGenerated', type: 'datetime' as const }, { name: 'Marker', type: 'string' as const }];
    const spanRule = await createLogTable(b, 'Span_CL', 'Span', cols);
    const otherRule = await createLogTable(b, 'Other_CL', 'Other', cols);
    await clients.ingestion.upload(spanRule, 'Custom-Span', [
      { TimeGenerated: at(20 * 60), Marker: 'a-20h' },
      { TimeGenerated: at(3 * 60), Marker: 'b-3h' },
      { TimeGenerated: at(30), Marker: 'c-30m' },
    ]);
    // Wait for the seal, then add a hot row.
    const deadline = Date.now() + 60_000;
    for (;;) {
      const s = await stats('Span_CL', { duration: 'P2D' });
      if (s.segmentsConsidered > 0 && s.hotRows === 0) break;
      if (Date.now() > deadline) throw new Error(`the first rows were not sealed: ${JSON.stringify(s)}`);
      await new Promise((r) => setTimeout(r, 500));
    }
    await clients.ingestion.upload(spanRule, 'Custom-Span', [{ TimeGenerated: at(10), Marker: 'd-10m' }]);
    await clients.ingestion.upload(otherRule, 'Custom-Other', [{ TimeGenerated: at(5 * 60), Marker: 'o-5h' }, { TimeGenerated: at(20), Marker: 'o-20m' }]);
  });
  after(async () => {
    await vigil?.dispose();
  });

  async function run(kql: string, timespan: QueryTimeInterval) {
    const r = await clients.query.queryWorkspace(vigil.bootstrap.workspaceId, kql, timespan, { includeQueryStatistics: true });
    assert.equal(r.status, LogsQueryResultStatus.Success, JSON.stringify(r));
    if (r.status !== LogsQueryResultStatus.Success) throw new Error('unreachable');
    const storage = (r.statistics as { query: { storage: { segmentsConsidered: number; hotRows: number; tables: { table: string; timespanFiltered?: boolean }[] } } }).query.storage;
    return { rows: r.tables[0]!.rows, storage, filtered: Object.fromEntries(storage.tables.map((t) => [t.table, t.timespanFiltered])) };
  }
  async function stats(table: string, timespan: QueryTimeInterval) {
    return (await run(`${table} | count`, timespan)).storage;
  }
  const markers = async (kql: string, timespan: QueryTimeInterval) => {
    const r = await run(kql, timespan);
    return { markers: r.rows.map((x) => x[0]).sort(), filtered: r.filtered };
  };

  it('reads every row unfiltered when the timespan covers them, and only those inside when it cuts', async () => {
    const q = 'Span_CL | project Marker';
    assert.deepEqual(await markers(q, { duration: 'P2D' }), { markers: ['a-20h', 'b-3h', 'c-30m', 'd-10m'], filtered: { Span_CL: false } });
    // cuts the sealed rows only (the hot row is inside), then the hot row only, then both
    assert.deepEqual(await markers(q, { duration: 'PT4H' }), { markers: ['b-3h', 'c-30m', 'd-10m'], filtered: { Span_CL: true } });
    assert.deepEqual(await markers(q, { startTime: new Date(now - 21 * 60 * MIN), endTime: new Date(now - 15 * MIN) }), { markers: ['a-20h', 'b-3h', 'c-30m'], filtered: { Span_CL: true } });
    assert.deepEqual(await markers(q, { startTime: new Date(now - 4 * 60 * MIN), endTime: new Date(now - 15 * MIN) }), { markers: ['b-3h', 'c-30m'], filtered: { Span_CL: true } });
    assert.deepEqual(await markers(q, { startTime: new Date(now - 10 * 60 * MIN), endTime: new Date(now - 9 * 60 * MIN) }), { markers: [], filtered: { Span_CL: true } });
  });

  it('decides per table in a union and a join', async () => {
    const union = 'union Span_CL, Other_CL | project Marker';
    assert.deepEqual(await markers(union, { duration: 'P2D' }), { markers: ['a-20h', 'b-3h', 'c-30m', 'd-10m', 'o-20m', 'o-5h'], filtered: { Span_CL: false, Other_CL: false } });
    assert.deepEqual(await markers(union, { duration: 'PT6H' }), { markers: ['b-3h', 'c-30m', 'd-10m', 'o-20m', 'o-5h'], filtered: { Span_CL: true, Other_CL: false } });
    assert.deepEqual(await markers(union, { duration: 'PT1H' }), { markers: ['c-30m', 'd-10m', 'o-20m'], filtered: { Span_CL: true, Other_CL: true } });
    const join = "Span_CL | extend k = 1 | join kind=inner (Other_CL | extend k = 1 | project k, O = Marker) on k | project Pair = strcat(Marker, '+', O)";
    assert.deepEqual((await markers(join, { duration: 'PT1H' })).markers, ['c-30m+o-20m', 'd-10m+o-20m']);
  });

  it('answers right with a moving duration, request after request', async () => {
    for (let k = 0; k < 5; k++) {
      assert.deepEqual((await markers('Span_CL | project Marker', { duration: 'PT45M' })).markers, ['c-30m', 'd-10m']);
      assert.deepEqual((await markers('Span_CL | project Marker', { duration: 'P1D' })).markers, ['a-20h', 'b-3h', 'c-30m', 'd-10m']);
    }
  });
});
