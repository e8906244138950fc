/**
 * KQL functions that depend on the request, over HTTPS with the official LogsQueryClient (issue #12):
 * current_principal(), current_principal_details(), current_principal_is_member_of() and
 * current_database(), current_cluster_endpoint() — each caller sees its own identity, never another's (the security property),
 * and group membership as the Graph-shaped directory records it; bad arguments get the Query API's
 * 400 naming the function. And assert(): a condition that fails while the statement runs is a 400
 * that carries the assertion's message.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { LogsQueryClient, LogsQueryResultStatus, type LogsTable } from '@azure/monitor-query-logs';
import type { TokenCredential } from '@azure/identity';
import { AUD, call, Principals, type TestPrincipal } from '../support/principals.js';
import { startVigil, type VigilProcess } from '../support/vigil-process.js';

const PROBE = `print p = current_principal(), d = current_principal_details(), db = current_database(), ep = current_cluster_endpoint(),
  inGroup = current_principal_is_member_of('aadgroup=kql-readers'), inOther = current_principal_is_member_of(dynamic(['aadgroup=nobody', 'aaduser=someone@example.com']))`;

describe('KQL session functions over the Query API', { timeout: 300_000 }, () => {
  let vigil: VigilProcess;
  let alice: TestPrincipal;
  let bob: TestPrincipal;

  before(async () => {
    vigil = await startVigil();
    const b = vigil.bootstrap;
    const principals = new Principals(b);
    alice = await principals.create('kql-alice');
    bob = await principals.create('kql-bob');
    for (const p of [alice, bob]) await principals.assign(p.objectId, 'Log Analytics Reader', b.workspaceResourceId);
    const graph = await principals.adminToken(AUD.graph);
    const g = await call(b, graph, 'POST', '/v1.0/groups', { displayName: 'kql-readers' });
    assert.equal(g.status, 201, g.text);
    const member = await call(b, graph, 'POST', `/v1.0/groups/${g.json<{ id: string }>().id}/members/$ref`, { '@odata.id': `https://graph.microsoft.com/v1.0/directoryObjects/${alice.objectId}` });
    assert.equal(member.status, 204, member.text);
  });
  after(async () => vigil?.dispose());

  const query = async (credential: TokenCredential, kql: string): Promise<LogsTable> => {
    const b = vigil.bootstrap;
    const r = await new LogsQueryClient(credential, { endpoint: `${b.endpoint}/v1` }).queryWorkspace(b.workspaceId, kql, { duration: 'P1D' });
    assert.equal(r.status, LogsQueryResultStatus.Success, JSON.stringify(r));
    return (r as { tables: LogsTable[] }).tables[0]!;
  };

  it("each principal sees its own FQN, details and groups — never the other's", async () => {
    const b = vigil.bootstrap;
    const a = await query(alice.credential, PROBE);
    const [p, d, db, ep, inGroup, inOther] = a.rows[0]!;
    assert.equal(p, `aadapp=${alice.appId};${b.tenantId}`);
    const details = d as Record<string, unknown>;
    assert.equal(details.ObjectId, alice.objectId);
    assert.equal(details.Type, 'AadApplication');
    assert.equal(details.FQN, p);
    assert.equal(details.Authority, b.tenantId);
    assert.match(String(details.DisplayName), /^kql-alice \(app id: /);
    assert.equal(db, b.workspaceName);
    assert.equal(ep, new URL(b.endpoint).hostname);
    assert.equal(inGroup, true);
    assert.equal(inOther, false);

    const bobRows = await query(bob.credential, PROBE);
    const [bp, bd, , , bobInGroup] = bobRows.rows[0]!;
    assert.equal(bp, `aadapp=${bob.appId};${b.tenantId}`);
    assert.equal((bd as Record<string, unknown>).ObjectId, bob.objectId);
    assert.equal(bobInGroup, false, 'bob is not in the group alice is in');
    // nothing of alice's identity anywhere in bob's result, and the reverse
    const bobText = JSON.stringify(bobRows.rows);
    for (const secret of [alice.appId, alice.objectId, 'kql-alice']) assert.ok(!bobText.includes(secret), `bob's result names ${secret}`);
    const aliceText = JSON.stringify(a.rows);
    for (const secret of [bob.appId, bob.objectId, 'kql-bob']) assert.ok(!aliceText.includes(secret), `alice's result names ${secret}`);

    // the caller's own FQN forms match; another principal's do not
    const own = await query(alice.credential, `print a = current_principal_is_member_of('aadapp=${alice.appId}'), b = current_principal_is_member_of('AADAPP=${alice.appId};${b.tenantId}'), c = current_principal_is_member_of('aadapp=${bob.appId};${b.tenantId}')`);
    assert.deepEqual(own.rows, [[true, true, false]]);
  });

  it('a non-literal group list is refused with a 400 that names the function', async () => {
    const b = vigil.bootstrap;
    const token = await alice.token(AUD.logs);
    const r = await call(b, token, 'POST', `/v1/workspaces/${b.workspaceId}/query`, { query: "print current_principal_is_member_of(strcat('aadgroup=', 'kql-readers'))" });
    assert.equal(r.status, 400, r.text);
    const err = r.json<{ error: { code: string; message: string } }>().error;
    assert.equal(err.code, 'BadArgumentError');
    assert.match(err.message, /current_principal_is_member_of\(\): every argument must be a string literal/);
  });

  it("a computed assert() condition that is false fails the query with the assertion's message", async () => {
    const b = vigil.bootstrap;
    const token = await alice.token(AUD.logs);
    const check = (len: string) => `let checkLength = (len:long, s:string) { assert(len > 0, "Length must be greater than zero") and strlen(s) > len };
datatable(input:string)['123', '4567'] | where checkLength(len=${len}, input)`;
    const r = await call(b, token, 'POST', `/v1/workspaces/${b.workspaceId}/query`, { query: check('long(-1)') });
    assert.equal(r.status, 400, r.text);
    assert.match(r.json<{ error: { message: string } }>().error.message, /assert\(\) has failed with message: 'Length must be greater than zero'/);
    const ok = await query(alice.credential, check('3'));
    assert.deepEqual(ok.rows, [['4567']]);
  });
});
