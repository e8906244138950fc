/**
 * The portal's server side without a browser (issue 18): the static routes and their security headers,
 * asset names that cannot leave the assets folder, and the effectiveAccess API the Access page reads —
 * its answers agree with what queries are actually allowed, and who may ask about whom.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sdkClients } from '../support/clients.js';
import { AUD, call, Principals, type TestPrincipal } from '../support/principals.js';
import { createUserWithCli, signInUser } from '../support/user-sign-in.js';
import { startVigil, type VigilProcess } from '../support/vigil-process.js';

describe('portal routes and the effectiveAccess API', { timeout: 180_000 }, () => {
  let vigil: VigilProcess;
  let principals: Principals;
  let tableOnly: TestPrincipal;
  before(async () => {
    vigil = await startVigil();
    principals = new Principals(vigil.bootstrap);
    tableOnly = await principals.create('table-only');
    const b = vigil.bootstrap;
    const role = await principals.createQueryOnlyRole('Query only', b.workspaceResourceId);
    await principals.assign(tableOnly.objectId, role, b.workspaceResourceId);
    await principals.assign(tableOnly.objectId, 'Reader', `${b.workspaceResourceId}/tables/Syslog`);
  });
  after(async () => vigil?.dispose());

  it('serves the portal with a strict CSP, and its bundle from /portal/assets/', async () => {
    const page = await fetch(`${vigil.endpoint}/portal/`);
    assert.equal(page.status, 200);
    const csp = page.headers.get('content-security-policy') ?? '';
    assert.match(csp, /script-src 'self'(;|$)/);
    assert.doesNotMatch(csp, /unsafe-eval/);
    assert.doesNotMatch(csp.split(';').find((d) => d.trim().startsWith('script-src')) ?? '', /unsafe-inline/);
    assert.match(csp, /frame-ancestors 'none'/);
    const html = await page.text();
    assert.doesNotMatch(html.replace(/<script type="module" src="\/portal\/assets\/portal-[A-Z2-7]{8}\.js"><\/script>/, ''), /<script/i, 'no inline script');
    // The bundle's names carry their content hash (portal-assets.test.ts covers caching and compression).
    const named = [...html.matchAll(/(?:src|href)="\/portal\/assets\/([^"]+)"/g)].map((m) => m[1]!);
    assert.equal(named.length, 2, html);
    for (const asset of [...named, 'signin.css']) {
      const r = await fetch(`${vigil.endpoint}/portal/assets/${asset}`);
      assert.equal(r.status, 200, asset);
      assert.ok((await r.arrayBuffer()).byteLength > 100, asset);
    }
    const redirect = await fetch(`${vigil.endpoint}/portal`, { redirect: 'manual' });
    assert.equal(redirect.status, 301);
    assert.equal(redirect.headers.get('location'), '/portal/');
  });

  it('names no file outside the assets folder', async () => {
    for (const name of ['..%2F..%2Fmetadata.json', '%2e%2e%2fbootstrap.json', '.hidden.js', 'x.json', 'a%00.js']) {
      const r = await fetch(`${vigil.endpoint}/portal/assets/${name}`);
      assert.equal(r.status, 404, name);
    }
    const r = await fetch(`${vigil.endpoint}/portal/assets/../../bootstrap.json`);
    assert.notEqual(r.status, 200);
  });

  it('explains effective access with the grant and scope, agreeing with what queries may read', async () => {
    const b = vigil.bootstrap;
    const path = `${b.workspaceResourceId}/effectiveAccess?api-version=2022-10-01&principalId=${tableOnly.objectId}`;
    const r = await call(b, await principals.adminToken(AUD.arm), 'GET', path);
    assert.equal(r.status, 200, r.text);
    const body = r.json<{ principalType: string; canQueryWorkspace: boolean; tables: { table: string; canRead: boolean; grants: { roleName: string; scope: string; via: string }[] }[] }>();
    assert.equal(body.principalType, 'ServicePrincipal');
    assert.equal(body.canQueryWorkspace, true);
    const syslog = body.tables.find((t) => t.table === 'Syslog')!;
    assert.equal(syslog.canRead, true);
    assert.deepEqual(syslog.grants.map((g) => [g.roleName, g.scope, g.via]), [['Reader', `${b.workspaceResourceId}/tables/Syslog`, 'direct']]);
    assert.deepEqual(body.tables.filter((t) => t.canRead).map((t) => t.table), ['Syslog']);
    // The same principal's queries agree.
    const token = await tableOnly.token(AUD.logs);
    assert.equal((await call(b, token, 'POST', `/v1/workspaces/${b.workspaceId}/query`, { query: 'Syslog | take 1' })).status, 200);
    assert.equal((await call(b, token, 'POST', `/v1/workspaces/${b.workspaceId}/query`, { query: 'Heartbeat | take 1' })).status, 403);
  });

  it('lets a principal ask about itself, but not about others without roleAssignments/read', async () => {
    const b = vigil.bootstrap;
    const token = await tableOnly.token(AUD.arm);
    const self = await call(b, token, 'GET', `${b.workspaceResourceId}/effectiveAccess?api-version=2022-10-01`);
    assert.equal(self.status, 200, self.text);
    const user = await createUserWithCli(vigil, 'someone@vigil.local');
    const other = await call(b, token, 'GET', `${b.workspaceResourceId}/effectiveAccess?api-version=2022-10-01&principalId=${user.objectId}`);
    assert.equal(other.status, 403, other.text);
    assert.equal(other.json<{ error: { code: string } }>().error.code, 'AuthorizationFailed');
    const bad = await call(b, await principals.adminToken(AUD.arm), 'GET', `${b.workspaceResourceId}/effectiveAccess?api-version=2022-10-01&principalId=not-a-guid`);
    assert.equal(bad.status, 400);
  });

  it('saved searches through the official SDK; a reader may list them but not write', async () => {
    const b = vigil.bootstrap;
    const { logAnalytics } = sdkClients(b);
    const created = await logAnalytics.savedSearches.createOrUpdate(b.resourceGroup, b.workspaceName, 'failed-signins', {
      category: 'Security',
      displayName: 'Failed sign-ins',
      query: 'SigninLogs | where ResultType != 0',
      version: 2,
    });
    assert.equal(created.displayName, 'Failed sign-ins');
    assert.ok(created.etag);
    const got = await logAnalytics.savedSearches.get(b.resourceGroup, b.workspaceName, 'failed-signins');
    assert.equal(got.query, 'SigninLogs | where ResultType != 0');
    const listed = await logAnalytics.savedSearches.listByWorkspace(b.resourceGroup, b.workspaceName);
    assert.deepEqual(listed.value?.map((x) => x.name), ['failed-signins']);
    await assert.rejects(
      logAnalytics.savedSearches.createOrUpdate(b.resourceGroup, b.workspaceName, 'failed-signins', { category: 'x', displayName: 'x', query: 'x', etag: 'W/"stale"' }),
      (e: { statusCode?: number }) => e.statusCode === 412,
    );
    const reader = await principals.create('saved-reader');
    await principals.assign(reader.objectId, 'Log Analytics Reader', b.workspaceResourceId);
    const token = await reader.token(AUD.arm);
    const base = `${b.workspaceResourceId}/savedSearches`;
    assert.equal((await call(b, token, 'GET', `${base}?api-version=2020-08-01`)).status, 200);
    const put = await call(b, token, 'PUT', `${base}/evil?api-version=2020-08-01`, { properties: { category: 'x', displayName: 'x', query: 'x' } });
    assert.equal(put.status, 403, put.text);
    assert.equal((await call(b, token, 'DELETE', `${base}/failed-signins?api-version=2020-08-01`)).status, 403);
    const tooLong = await call(b, await principals.adminToken(AUD.arm), 'PUT', `${base}/big?api-version=2020-08-01`, { properties: { category: 'x', displayName: 'x', query: 'x'.repeat(70_000) } });
    assert.equal(tooLong.status, 400);
    await logAnalytics.savedSearches.delete(b.resourceGroup, b.workspaceName, 'failed-signins');
    assert.equal((await logAnalytics.savedSearches.listByWorkspace(b.resourceGroup, b.workspaceName)).value?.length, 0);
  });

  it('shows access through a group, naming the group', async () => {
    const b = vigil.bootstrap;
    const graph = await principals.adminToken(AUD.graph);
    const user = await createUserWithCli(vigil, 'grouped@vigil.local');
    const g = await call(b, graph, 'POST', '/v1.0/groups', { displayName: 'soc' });
    assert.equal(g.status, 201);
    const groupId = g.json<{ id: string }>().id;
    assert.equal((await call(b, graph, 'POST', `/v1.0/groups/${groupId}/members/$ref`, { '@odata.id': `https://graph.microsoft.com/v1.0/directoryObjects/${user.objectId}` })).status, 204);
    await principals.assign(groupId, 'Log Analytics Reader', b.workspaceResourceId);
    const r = await call(b, await principals.adminToken(AUD.arm), 'GET', `${b.workspaceResourceId}/effectiveAccess?api-version=2022-10-01&principalId=${user.objectId}`);
    const laq = r.json<{ tables: { table: string; canRead: boolean; grants: { via: string; groupName?: string; roleName: string }[] }[] }>().tables.find((t) => t.table === 'LAQueryLogs')!;
    assert.equal(laq.canRead, true);
    assert.deepEqual(laq.grants.map((x) => [x.roleName, x.via, x.groupName]), [['Log Analytics Reader', 'group', 'soc']]);
    // And the user's own token can read it, through the group.
    const { token } = await signInUser(vigil, user);
    assert.equal((await call(b, token, 'POST', `/v1/workspaces/${b.workspaceId}/query`, { query: 'LAQueryLogs | take 1' })).status, 200);
  });
});
