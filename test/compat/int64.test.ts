/**
 * 64-bit integers cross the wire with every digit (issue #21, item 3): a long sent as a plain JSON
 * number beyond 2^53 is accepted and stored exactly, and query answers (`/query`, `$batch`) write
 * longs as JSON numbers with all their digits, as Kusto and Python's `json` do.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { parseExactJson } from '../../src/util/exact-json.js';
import { rawRequest } from '../support/clients.js';
import { createLogTable, LOGS_AUDIENCE, MONITOR_AUDIENCE, tokenFor } from '../support/log-table.js';
import { startVigil, type VigilProcess } from '../support/vigil-process.js';

const MAX = '9223372036854775807';
const MIN = '-9223372036854775808';
const ODD = '9007199254740993'; // 2^53 + 1: the first integer a double cannot hold

describe('exact 64-bit integers on the wire', { timeout: 120_000 }, () => {
  let vigil: VigilProcess;
  let ruleId: string;
  let logsToken: string;
  before(async () => {
    vigil = await startVigil();
    const b = vigil.bootstrap;
    ruleId = await createLogTable(b, 'Longs_CL', 'Longs', [
      { name: 'TimeGenerated', type: 'datetime' },
      { name: 'Num', type: 'long' },
      { name: 'Label', type: 'string' },
      { name: 'Extra', type: 'dynamic' },
      { name: 'Ratio', type: 'real' },
    ]);
    logsToken = await tokenFor(b, LOGS_AUDIENCE);
  });
  after(async () => vigil?.dispose());

  const query = async (q: string) => {
    const res = await rawRequest(vigil.bootstrap, logsToken, 'POST', `/v1/workspaces/${vigil.bootstrap.workspaceId}/query`, JSON.stringify({ query: q, timespan: 'P1D' }), {
      'content-type': 'application/json',
    });
    assert.equal(res.status, 200, res.text);
    return res.text;
  };

  it('accepts longs beyond 2^53 as JSON numbers and stores every digit', async () => {
    const b = vigil.bootstrap;
    const now = new Date().toISOString();
    // Written by hand, as Python's json.dumps writes ints: plain numbers, no quotes.
    const body = `[{"TimeGenerated":"${now}","Num":${MAX},"Label":"max","Extra":{"n":${ODD}},"Ratio":${ODD}},` +
      `{"TimeGenerated":"${now}","Num":${MIN},"Label":"min","Extra":[${MIN}],"Ratio":1.5},` +
      `{"TimeGenerated":"${now}","Num":${ODD},"Label":"odd","Extra":null,"Ratio":2}]`;
    const res = await rawRequest(b, await tokenFor(b, MONITOR_AUDIENCE), 'POST', `/dataCollectionRules/${ruleId}/streams/Custom-Longs?api-version=2023-01-01`, body, {
      'content-type': 'application/json',
    });
    assert.equal(res.status, 204, res.text);

    const text = await query('Longs_CL | project Label, Num, Extra, NumText = tostring(Num) | order by Label asc');
    // Exact digits in the raw text, and the same values when read with an exact parser.
    assert.ok(text.includes(`["max",${MAX},"{\\"n\\":${ODD}}","${MAX}"]`), text);
    assert.ok(text.includes(`["min",${MIN},"[${MIN}]","${MIN}"]`), text);
    assert.ok(text.includes(`["odd",${ODD},null,"${ODD}"]`), text);
    const parsed = parseExactJson(text) as { tables: { rows: unknown[][] }[] };
    assert.deepEqual(parsed.tables[0]!.rows.map((r) => r[1]), [BigInt(MAX), BigInt(MIN), BigInt(ODD)]);
  });

  it('refuses a long outside the 64-bit range, naming the value', async () => {
    const b = vigil.bootstrap;
    const body = `[{"TimeGenerated":"${new Date().toISOString()}","Num":9223372036854775808,"Label":"over"}]`;
    const res = await rawRequest(b, await tokenFor(b, MONITOR_AUDIENCE), 'POST', `/dataCollectionRules/${ruleId}/streams/Custom-Longs?api-version=2023-01-01`, body, {
      'content-type': 'application/json',
    });
    assert.equal(res.status, 400, res.text);
    assert.match(res.text, /9223372036854775808 is outside the range of a long/);
  });

  it('writes print a=9223372036854775807 with every digit, in /query and in $batch', async () => {
    const text = await query(`print a=${MAX}, b=-${MAX}-1, c=${ODD}, small=42, t=tolong("${MAX}")`);
    assert.ok(text.includes(`"rows":[[${MAX},${MIN},${ODD},42,${MAX}]]`), text);

    const res = await rawRequest(vigil.bootstrap, logsToken, 'POST', '/v1/$batch', JSON.stringify({
      requests: [{ id: '1', workspace: vigil.bootstrap.workspaceId, path: '/query', method: 'POST', body: { query: `print a=${MAX}`, timespan: 'P1D' } }],
    }), { 'content-type': 'application/json' });
    assert.equal(res.status, 200, res.text);
    assert.ok(res.text.includes(`"rows":[[${MAX}]]`), res.text);
  });
});
