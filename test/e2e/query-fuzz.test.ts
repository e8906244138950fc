/**
 * Issue #3's fuzzer at the Query API: random and mutated queries sent over HTTPS to a real server.
 * Every answer is a result (200) or a 4xx in Azure's error shape — never a 5xx, a crash, a hang or
 * a message that leaks generated SQL — and the server answers normally afterwards. A 504 is the
 * documented answer to a query that outruns its time limit, so it is accepted (with `wait=10`).
 * VIGIL_QUERY_FUZZ=N runs N queries (default 1,000, about 3 s).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CASES as BASE } from '../kql/cases.js';
import { FUNCTION_CASES } from '../kql/cases-functions.js';
import { RUNTIME_CASES } from '../kql/cases-runtime.js';
import { OPERATOR_CASES } from '../kql/cases-operators.js';
import { CASES as TABULAR } from '../kql/cases-tabular.js';
import { TABLES } from '../kql/harness.js';
import { mutate, rng } from '../kql/mutator.js';
import { rawRequest, sdkClients, tokenFor } from '../support/clients.js';
import { startVigil, type VigilProcess } from '../support/vigil-process.js';

const COUNT = Number(process.env.VIGIL_QUERY_FUZZ ?? 1000);
/** Text that would mean the engine's own SQL or internal names reached the caller. */
const LEAK = /\bSELECT\b|\bFROM\s+"|vigil_[0-9a-f]{32}|"ws_[0-9a-f]+"|json_extract|regexp_matches|coalesce\(/gi;

describe('Query API fuzz', { timeout: 600_000 }, () => {
  let vigil: VigilProcess;
  let token: string;
  before(async () => {
    vigil = await startVigil();
    const b = vigil.bootstrap;
    // The conformance cases' Events table, so mutated queries reach the engine, not only the binder
    // (_ResourceId is one of the standard columns every table gets).
    const columns = TABLES.Events!.columns.filter((c) => c.name !== '_ResourceId').map((c) => ({ name: c.name, type: c.type === 'datetime' ? 'dateTime' : c.type }));
    await sdkClients(b).logAnalytics.tables.beginCreateOrUpdateAndWait(b.resourceGroup, b.workspaceName, 'Events_CL', { schema: { name: 'Events_CL', columns } });
    token = await tokenFor(b, 'https://api.loganalytics.io');
  });
  after(async () => vigil?.dispose());

  it(`answers ${COUNT} mutated queries with a result or a clear 4xx`, async () => {
    const corpus = [...BASE, ...TABULAR, ...FUNCTION_CASES, ...RUNTIME_CASES, ...OPERATOR_CASES].map((c) => c.q.replace(/\bEvents\b/g, 'Events_CL'));
    const r = rng(4242);
    const seen = new Map<number, number>();
    for (let i = 0; i < COUNT; i++) {
      const q = mutate(corpus[Math.floor(r() * corpus.length)]!, r);
      const res = await rawRequest(vigil.bootstrap, token, 'POST', `/v1/workspaces/${vigil.bootstrap.workspaceId}/query`, JSON.stringify({ query: q, timespan: 'P30D' }), {
        'content-type': 'application/json',
        prefer: 'wait=10',
      });
      seen.set(res.status, (seen.get(res.status) ?? 0) + 1);
      const at = `query #${i} ${JSON.stringify(q)} → ${res.status} ${res.text.slice(0, 300)}`;
      assert.ok(res.status === 200 || (res.status >= 400 && res.status < 500) || res.status === 504, at);
      const body = res.json() as { tables?: unknown[]; error?: { code?: unknown; message?: unknown } };
      if (res.status === 200) assert.ok(Array.isArray(body.tables), at);
      else {
        assert.equal(typeof body.error?.code, 'string', at);
        assert.equal(typeof body.error?.message, 'string', at);
        // Error messages quote the query's own text; anything SQL-like beyond that is a leak.
        for (const m of res.text.matchAll(LEAK)) assert.ok(q.toLowerCase().includes(m[0].toLowerCase()), `leaked '${m[0]}': ${at}`);
      }
    }
    // Both kinds of answer were exercised, and the server is still healthy.
    assert.ok((seen.get(200) ?? 0) > 0 && (seen.get(400) ?? 0) > 0, JSON.stringify([...seen]));
    const ok = await rawRequest(vigil.bootstrap, token, 'POST', `/v1/workspaces/${vigil.bootstrap.workspaceId}/query`, JSON.stringify({ query: 'print x = 1' }), { 'content-type': 'application/json' });
    assert.equal(ok.status, 200, ok.text);
  });
});
