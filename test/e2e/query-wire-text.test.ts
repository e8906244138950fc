/**
 * The bytes of a Query API answer for typed values, against a real Vigil: every type at its edges
 * (datetimes at 0001-01-01 and 9999-12-31 with 7 fractional digits, timespans, longs beyond 2^53,
 * NaN and ±Infinity, −0, dynamic, nulls of each type, escapes and non-ASCII, a long string) and
 * datetime rows running over several days, as written by the server's row writer
 * (src/query/wire-format.ts) — compared byte for byte with the text Kusto's wire format prescribes,
 * and read back through LogsQueryClient as an application sees them.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { LogsQueryClient, LogsQueryResultStatus } from '@azure/monitor-query-logs';
import { rawRequest, sdkClients, tokenFor } from '../support/clients.js';
import { startVigil, type VigilProcess } from '../support/vigil-process.js';

const QUERY_AUDIENCE = 'https://api.loganalytics.io';

const TYPED = [
  'print dt0=datetime(0001-01-01), dtmax=datetime(9999-12-31 23:59:59.9999999), dtfrac=datetime(2024-02-29 23:59:59.1234567),',
  'ts=time(1.02:03:04.5), tsneg=-time(1d), big=9223372036854775807, small=-9223372036854775807-1, i=int(2147483647),',
  'nan=real(nan), inf=real(+inf), ninf=real(-inf), negzero=-0.0, r=1.5e300, b=true, g=guid(6f3c1072-2739-461c-8aa5-5c1b2d4e5f6a),',
  `dec=decimal(12.50), dyn=dynamic({"a":[1,null,"x"],"u":"é🚀"}), dnull=dynamic(null), s='a "quoted" \\\\ text 🚀 \u2028',`,
  'ndt=datetime(null), nl=long(null), nr=real(null), nb=bool(null), ni=int(null), nts=timespan(null), ng=guid(null)',
].join(' ');

const TYPED_COLUMNS: [string, string][] = [
  ['dt0', 'datetime'], ['dtmax', 'datetime'], ['dtfrac', 'datetime'], ['ts', 'timespan'], ['tsneg', 'timespan'], ['big', 'long'], ['small', 'long'],
  ['i', 'int'], ['nan', 'real'], ['inf', 'real'], ['ninf', 'real'], ['negzero', 'real'], ['r', 'real'], ['b', 'bool'], ['g', 'guid'], ['dec', 'decimal'],
  ['dyn', 'dynamic'], ['dnull', 'dynamic'], ['s', 'string'], ['ndt', 'datetime'], ['nl', 'long'], ['nr', 'real'], ['nb', 'bool'], ['ni', 'int'],
  ['nts', 'timespan'], ['ng', 'guid'],
];

/** The one row as Kusto writes it: longs with every digit, non-finite reals as strings, dynamic as its JSON text. */
const TYPED_ROW =
  '["0001-01-01T00:00:00.0000000Z","9999-12-31T23:59:59.9999999Z","2024-02-29T23:59:59.1234567Z","1.02:03:04.5000000","-1.00:00:00",' +
  '9223372036854775807,-9223372036854775808,2147483647,"NaN","Infinity","-Infinity",0,1.5e+300,true,"6f3c1072-2739-461c-8aa5-5c1b2d4e5f6a","12.5",' +
  '"{\\"a\\":[1,null,\\"x\\"],\\"u\\":\\"é🚀\\"}",null,"a \\"quoted\\" \\\\ text 🚀 \u2028",null,null,null,null,null,null,null]';

const envelope = (columns: [string, string][], rowsText: string) =>
  `{"tables":[{"name":"PrimaryResult","columns":[${columns.map(([name, type]) => JSON.stringify({ name, type })).join(',')}],"rows":[${rowsText}]}]}`;

describe('Query API answer text for typed values', { timeout: 300_000 }, () => {
  let vigil: VigilProcess;
  let token: string;
  let client: LogsQueryClient;
  const query = (kql: string) =>
    rawRequest(vigil.bootstrap, token, 'POST', `/v1/workspaces/${vigil.bootstrap.workspaceId}/query`, JSON.stringify({ query: kql, timespan: 'P1D' }), { 'content-type': 'application/json' });

  before(async () => {
    vigil = await startVigil();
    token = await tokenFor(vigil.bootstrap, QUERY_AUDIENCE);
    client = sdkClients(vigil.bootstrap).query;
  });
  after(async () => vigil?.dispose());

  it('writes every type at its edges exactly as Kusto does', async () => {
    const r = await query(TYPED);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.text, envelope(TYPED_COLUMNS, TYPED_ROW));
    assert.equal(r.headers.get('content-length'), String(Buffer.byteLength(r.text)));

    const sdk = await client.queryWorkspace(vigil.bootstrap.workspaceId, TYPED, { duration: 'P1D' });
    assert.equal(sdk.status, LogsQueryResultStatus.Success);
    const row = sdk.tables[0]!.rows[0]!;
    const cell = (name: string) => row[TYPED_COLUMNS.findIndex(([n]) => n === name)];
    assert.equal((cell('dt0') as Date).toISOString(), '0001-01-01T00:00:00.000Z');
    assert.equal((cell('dtmax') as Date).toISOString(), '9999-12-31T23:59:59.999Z');
    assert.equal((cell('dtfrac') as Date).toISOString(), '2024-02-29T23:59:59.123Z');
    assert.deepEqual([cell('nan'), cell('inf'), cell('ninf'), cell('negzero'), cell('r')], ['NaN', 'Infinity', '-Infinity', 0, 1.5e300]);
    assert.deepEqual(cell('dyn'), { a: [1, null, 'x'], u: 'é🚀' });
    assert.equal(cell('s'), 'a "quoted" \\ text 🚀 \u2028');
    assert.deepEqual(row.slice(-7), [null, null, null, null, null, null, null]);
  });

  it('writes a long string with escapes and non-ASCII whole', async () => {
    // strrep repeats at most 1,024 times: 1,000 × 64 UTF-16 units.
    const unit = `é🚀"\\x\u2028${'0123456789'.repeat(5)}<tab>\t`;
    const kql = `print s=strrep('${unit.replace(/\\/g, '\\\\').replace(/\t/g, '\\t')}', 1000)`;
    const s = unit.repeat(1000);
    const r = await query(kql);
    assert.equal(r.status, 200, r.text.slice(0, 500));
    const expected = envelope([['s', 'string']], JSON.stringify([s]));
    // (not assert.equal: its message would print both texts whole)
    assert.ok(r.text === expected, `the answer differs from the expected text at character ${[...expected].findIndex((c, i) => c !== r.text[i])}: ${r.text.slice(0, 200)}`);
    const sdk = await client.queryWorkspace(vigil.bootstrap.workspaceId, kql, { duration: 'P1D' });
    assert.equal(sdk.status, LogsQueryResultStatus.Success);
    assert.ok(sdk.tables[0]!.rows[0]![0] === s);
  });

  it('writes datetime rows running over several days, with their ticks', async () => {
    const kql = 'range t from datetime(2024-02-27) to datetime(2024-03-02) step 5m | extend u = t + 1234567tick, k = toint((t - datetime(2024-02-27)) / 5m)';
    const start = Date.UTC(2024, 1, 27);
    const expected: string[] = [];
    for (let k = 0; start + k * 300_000 <= Date.UTC(2024, 2, 2); k++) {
      const iso = new Date(start + k * 300_000).toISOString().slice(0, 19);
      expected.push(`["${iso}.0000000Z","${iso}.1234567Z",${k}]`);
    }
    assert.equal(expected.length, 1153);
    const r = await query(kql);
    assert.equal(r.status, 200, r.text.slice(0, 500));
    assert.equal(r.text, envelope([['t', 'datetime'], ['u', 'datetime'], ['k', 'int']], expected.join(',')));
    const sdk = await client.queryWorkspace(vigil.bootstrap.workspaceId, kql, { duration: 'P1D' });
    assert.equal(sdk.status, LogsQueryResultStatus.Success);
    const rows = sdk.tables[0]!.rows;
    assert.equal(rows.length, 1153);
    assert.equal((rows[600]![0] as Date).getTime(), start + 600 * 300_000);
    assert.equal((rows[600]![1] as Date).getTime(), start + 600 * 300_000 + 123);
  });
});
