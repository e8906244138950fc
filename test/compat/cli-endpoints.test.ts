/**
 * The endpoints the Azure CLI (and the Python SDK) need besides the ones the JS SDKs use (issue #21,
 * item 4), over HTTPS against a real server: cloud metadata, `organizations`/`common` discovery,
 * subscriptions, the workspace schema action and the `servicePrincipals` `$filter` forms.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { createLogTable } from '../support/log-table.js';
import { AUD, call, Principals, RA_VERSION, type TestPrincipal } from '../support/principals.js';
import { startVigil, type VigilProcess } from '../support/vigil-process.js';

describe('endpoints for the Azure CLI and the Python SDK', { timeout: 180_000 }, () => {
  let vigil: VigilProcess;
  let p: Principals;
  let reader: TestPrincipal;
  let contributor: TestPrincipal;
  let oneTable: TestPrincipal;
  let nobody: TestPrincipal;
  before(async () => {
    vigil = await startVigil();
    const b = vigil.bootstrap;
    p = new Principals(b);
    const cols = [
      { name: 'TimeGenerated', type: 'datetime' as const },
      { name: 'Message', type: 'string' as const },
    ];
    await createLogTable(b, 'Open_CL', 'Open', cols);
    await createLogTable(b, 'Secret_CL', 'Secret', [...cols, { name: 'Token', type: 'string' }]);
    [reader, contributor, oneTable, nobody] = await Promise.all(['la-reader', 'ws-contributor', 'one-table', 'nobody'].map((n) => p.create(n)));
    await p.assign(reader!.objectId, 'Log Analytics Reader', b.workspaceResourceId);
    await p.assign(contributor!.objectId, 'Contributor', b.workspaceResourceId);
    // A role with the schema action and workspace query rights but no table, plus Reader on one table.
    const roleId = randomUUID();
    const def = await call(b, await p.adminToken(AUD.arm), 'PUT', `/subscriptions/${b.subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${roleId}?${RA_VERSION}`, {
      properties: {
        roleName: 'Schema and query, no tables',
        permissions: [{ actions: ['Microsoft.OperationalInsights/workspaces/read', 'Microsoft.OperationalInsights/workspaces/query/read', 'Microsoft.OperationalInsights/workspaces/schema/action'] }],
        assignableScopes: [b.workspaceResourceId],
      },
    });
    assert.equal(def.status, 201, def.text);
    await p.assign(oneTable!.objectId, roleId, b.workspaceResourceId);
    await p.assign(oneTable!.objectId, 'Reader', `${b.workspaceResourceId}/tables/Open_CL`);
  });
  after(async () => vigil?.dispose());

  it('serves the cloud metadata anonymously, also at //metadata/endpoints, in both shapes', async () => {
    const b = vigil.bootstrap;
    for (const path of ['/metadata/endpoints?api-version=2015-01-01', '//metadata/endpoints?api-version=2015-01-01']) {
      const res = await call(b, undefined, 'GET', path);
      assert.equal(res.status, 200, res.text);
      assert.deepEqual(res.json(), {
        graphEndpoint: `${b.endpoint}/`,
        authentication: { loginEndpoint: `${b.endpoint}/`, audiences: ['https://management.core.windows.net/', 'https://management.azure.com/'] },
      });
    }
    const list = await call(b, undefined, 'GET', '/metadata/endpoints?api-version=2022-09-01');
    assert.equal(list.status, 200, list.text);
    const [cloud] = list.json();
    assert.equal(cloud.resourceManager, `${b.endpoint}/`);
    assert.equal(cloud.microsoftGraphResourceId, `${b.endpoint}/`);
    assert.equal(cloud.authentication.loginEndpoint, `${b.endpoint}/`);
    for (const [path, code] of [['/metadata/endpoints', 'MissingApiVersionParameter'], ['/metadata/endpoints?api-version=2099-01-01', 'InvalidApiVersionParameter']] as const) {
      const res = await call(b, undefined, 'GET', path);
      assert.equal(res.status, 400, res.text);
      assert.equal(res.json().error.code, code);
    }
  });

  it('answers discovery for organizations, common and adfs with the tenant’s endpoints, and issues no token there', async () => {
    const b = vigil.bootstrap;
    for (const path of ['/organizations/v2.0/.well-known/openid-configuration', '/common/v2.0/.well-known/openid-configuration', '/adfs/.well-known/openid-configuration']) {
      const res = await call(b, undefined, 'GET', path);
      assert.equal(res.status, 200, `${path}: ${res.text}`);
      assert.equal(res.json().token_endpoint, `${b.endpoint}/${b.tenantId}/oauth2/v2.0/token`);
      assert.equal(res.json().issuer, `${b.endpoint}/${b.tenantId}/v2.0`);
    }
    const other = await call(b, undefined, 'GET', '/consumers/v2.0/.well-known/openid-configuration');
    assert.equal(other.status, 400);
    assert.equal(other.json().error, 'invalid_tenant');
    const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: b.clientId, client_secret: b.clientSecret, scope: `${AUD.arm}/.default` });
    for (const t of ['organizations', 'common']) {
      const res = await fetch(`${b.endpoint}/${t}/oauth2/v2.0/token`, { method: 'POST', body: form });
      assert.equal(res.status, 400);
      assert.equal(((await res.json()) as { error: string }).error, 'invalid_tenant');
    }
  });

  it('lists the subscriptions where the caller holds any role, with Azure’s body, for every api-version clients send', async () => {
    const b = vigil.bootstrap;
    const admin = await p.adminToken(AUD.arm);
    for (const v of ['2016-06-01', '2018-06-01', '2019-06-01', '2019-11-01', '2020-01-01', '2021-01-01', '2022-12-01']) {
      const res = await call(b, admin, 'GET', `/subscriptions?api-version=${v}`);
      assert.equal(res.status, 200, `${v}: ${res.text}`);
      const body = res.json();
      assert.equal(body.value.length, 1);
      assert.deepEqual(body.count, { type: 'Total', value: 1 });
      const s = body.value[0];
      assert.equal(s.id, `/subscriptions/${b.subscriptionId}`);
      assert.equal(s.subscriptionId, b.subscriptionId);
      assert.equal(s.tenantId, b.tenantId);
      assert.equal(s.state, 'Enabled');
      assert.equal(typeof s.displayName, 'string');
      assert.equal(s.authorizationSource, 'RoleBased');
    }
    // A role on a workspace is enough to see its subscription; no role at all, nothing.
    const readerList = await call(b, await reader.token(AUD.arm), 'GET', '/subscriptions?api-version=2022-12-01');
    assert.deepEqual(readerList.json().value.map((s: { subscriptionId: string }) => s.subscriptionId), [b.subscriptionId]);
    const none = await call(b, await nobody.token(AUD.arm), 'GET', '/subscriptions?api-version=2022-12-01');
    assert.equal(none.status, 200);
    assert.deepEqual(none.json().value, []);

    const one = await call(b, admin, 'GET', `/subscriptions/${b.subscriptionId}?api-version=2022-12-01`);
    assert.equal(one.status, 200, one.text);
    assert.equal(one.json().subscriptionId, b.subscriptionId);
    const hidden = await call(b, await nobody.token(AUD.arm), 'GET', `/subscriptions/${b.subscriptionId}?api-version=2022-12-01`);
    assert.equal(hidden.status, 404);
    assert.equal(hidden.json().error.code, 'SubscriptionNotFound');
    const bad = await call(b, admin, 'GET', '/subscriptions?api-version=2099-01-01');
    assert.equal(bad.status, 400);
    assert.equal((await call(b, undefined, 'GET', '/subscriptions?api-version=2022-12-01')).status, 401);
  });

  it('answers the workspace schema action with the columns of the tables the caller may read', async () => {
    const b = vigil.bootstrap;
    const path = `${b.workspaceResourceId}/schema?api-version=2020-08-01`;
    type Schema = { metadata: { resultType: string; total: number }; value: { name: string; type: string; ownerType: string[] }[] };
    const owners = (s: Schema) => [...new Set(s.value.flatMap((v) => v.ownerType))].sort();

    const asAdmin = await call(b, await p.adminToken(AUD.arm), 'POST', path);
    assert.equal(asAdmin.status, 200, asAdmin.text);
    const full = asAdmin.json<Schema>();
    assert.equal(full.metadata.resultType, 'schema');
    assert.equal(full.metadata.total, full.value.length);
    assert.ok(owners(full).includes('Open_CL') && owners(full).includes('Secret_CL'), owners(full).join());
    assert.deepEqual(full.value.find((v) => v.name === 'Token'), { name: 'Token', displayName: 'Token', type: 'string', indexed: true, stored: true, facet: false, ownerType: ['Secret_CL'] });
    assert.ok(full.value.find((v) => v.name === 'Message')!.ownerType.includes('Open_CL'));

    const asContributor = await call(b, await contributor.token(AUD.arm), 'POST', path);
    assert.equal(asContributor.status, 200, asContributor.text);
    const limited = await call(b, await oneTable.token(AUD.arm), 'POST', path);
    assert.equal(limited.status, 200, limited.text);
    assert.deepEqual(owners(limited.json<Schema>()), ['Open_CL']);
    assert.equal(limited.json<Schema>().value.find((v) => v.name === 'Token'), undefined);

    const denied = await call(b, await reader.token(AUD.arm), 'POST', path);
    assert.equal(denied.status, 403, denied.text);
    assert.equal(denied.json().error.code, 'AuthorizationFailed');
    const missing = await call(b, await p.adminToken(AUD.arm), 'POST', `${b.workspaceResourceId.replace(/[^/]+$/, 'nope-ws')}/schema?api-version=2020-08-01`);
    assert.equal(missing.status, 404, missing.text);
  });

  it("finds service principals with the $filter forms clients send, and refuses the others", async () => {
    const b = vigil.bootstrap;
    const graph = await p.adminToken(AUD.graph);
    const q = (filter: string, token = graph) => call(b, token, 'GET', `/v1.0/servicePrincipals?$filter=${encodeURIComponent(filter)}`);
    const ids = (r: Awaited<ReturnType<typeof q>>) => r.json().value.map((s: { appId: string }) => s.appId).sort();

    assert.deepEqual(ids(await q(`servicePrincipalNames/any(c:c eq '${reader.appId}')`)), [reader.appId]);
    assert.deepEqual(ids(await q(`servicePrincipalNames/any(x: x eq '${reader.appId.toUpperCase()}')`)), [reader.appId]);
    assert.deepEqual(ids(await q(`appId eq '${nobody.appId}'`)), [nobody.appId]);
    assert.deepEqual(ids(await q(`id eq '${nobody.objectId}' or appId eq '${reader.appId}'`)), [nobody.appId, reader.appId].sort());
    assert.deepEqual(ids(await q("displayName eq 'ws-contributor'")), [contributor.appId]);
    assert.deepEqual(ids(await q("startswith(displayName,'one-')")), [oneTable.appId]);
    assert.deepEqual(ids(await q("displayName eq 'it''s not there'")), []);
    for (const bad of ["appId ne 'x'", 'servicePrincipalNames/any(c:c eq x)', "accountEnabled eq true", "appId eq 'a' and id eq 'b'"]) {
      const res = await q(bad);
      assert.equal(res.status, 400, `${bad}: ${res.text}`);
      assert.equal(res.json().error.code, 'Request_UnsupportedQuery');
    }
    // A principal without directory read rights finds only itself, whatever the filter.
    const own = await q(`servicePrincipalNames/any(c:c eq '${reader.appId}')`, await nobody.token(AUD.graph));
    assert.equal(own.status, 200);
    assert.deepEqual(ids(own), []);
    const self = await q(`appId eq '${nobody.appId}'`, await nobody.token(AUD.graph));
    assert.deepEqual(ids(self), [nobody.appId]);
  });
});
