/**
 * Issue #5, the attacker's suite: every named attempt to read a denied table, another resource's
 * rows or another workspace, to forge or reuse a token, or to escalate — each must be refused —
 * and the positive side: each built-in role can do what its definition says and no more.
 *
 * Everything runs against a real Vigil process over HTTPS. Principals are made through the
 * Graph-shaped API, roles assigned through ARM, tokens obtained with `ClientSecretCredential` (and
 * `ManagedIdentityCredential` for a managed identity), and queries sent with `LogsQueryClient` where
 * the SDK can express them, raw HTTPS otherwise.
 *
 * KQL constructs the compiler does not support yet (union, join, lookup, search, getschema,
 * materialize, workspace()) are probed first as the admin; a case whose construct the compiler
 * refuses is skipped with that reason and runs as soon as the compiler supports it.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import { ManagedIdentityCredential } from '@azure/identity';
import { LogsQueryClient, LogsQueryResultStatus } from '@azure/monitor-query-logs';
import { decodeJwt, decodeProtectedHeader, exportJWK, generateKeyPair, importJWK, SignJWT, type JWK } from 'jose';
import { sdkClients } from '../support/clients.js';
import { createStreamsRule, type Column } from '../support/log-table.js';
import { AUD, call, Principals, RA_VERSION, roleId, type Reply, type TestPrincipal } from '../support/principals.js';
import { startVigil, type VigilProcess } from '../support/vigil-process.js';

const COLUMNS = [
  { name: 'TimeGenerated', type: 'dateTime' },
  { name: 'Marker', type: 'string' },
  { name: 'N', type: 'int' },
];
const STREAM_COLUMNS: Column[] = [
  { name: 'TimeGenerated', type: 'datetime' },
  { name: 'Marker', type: 'string' },
  { name: 'N', type: 'int' },
  { name: '_ResourceId', type: 'string' },
];

function assertError(res: Reply, status: number, code?: string | RegExp): { code: string; message: string } {
  assert.equal(res.status, status, `expected ${status}, got ${res.status}: ${res.text}`);
  const body = res.json<{ error?: { code?: string; message?: string } }>();
  assert.equal(typeof body.error?.code, 'string', `error.code in ${res.text}`);
  if (typeof code === 'string') assert.equal(body.error!.code, code, res.text);
  else if (code) assert.match(body.error!.code!, code, res.text);
  return body.error as { code: string; message: string };
}

describe('access control: the attacker suite and the built-in roles', { timeout: 600_000 }, () => {
  let vigil: VigilProcess;
  let b: VigilProcess['bootstrap'];
  let p: Principals;
  let sub: string;
  let w1Id: string; // workspace "default" (customerId)
  let w2Id: string; // workspace "other-ws"
  let w1Arm: string;
  let w2Arm: string;
  let rA: string; // .../sites/app-a
  let rAChild: string; // .../sites/app-a/slots/staging
  let rA2: string; // .../sites/app-a2 (a prefix trap)
  let rB: string; // .../sites/app-b
  let dcr1: string; // immutable id of the rule into W1
  let dcr1Arm: string;
  // principals
  let tableReader: TestPrincipal; // query/read on W1 + Reader on W1/tables/Public_CL only
  let dataReader: TestPrincipal; // Log Analytics Data Reader on W1
  let appAReader: TestPrincipal; // Reader on resource app-a only
  let nobody: TestPrincipal; // no roles
  let subReader: TestPrincipal; // Reader on the subscription
  let contributor: TestPrincipal; // Contributor on the subscription
  let uaa: TestPrincipal; // User Access Administrator on the subscription
  let publisher: TestPrincipal; // Monitoring Metrics Publisher on DCR 1
  let queryOnlyRoleId: string;

  const tableRows: Record<string, string[]> = {};
  const wsQuery = (token: string | undefined, workspaceId: string, query: string, extra: Record<string, unknown> = {}, headers: Record<string, string> = {}) =>
    call(b, token, 'POST', `/v1/workspaces/${workspaceId}/query`, { query, timespan: 'P1D', ...extra }, headers);
  const resQuery = (token: string | undefined, path: string, query: string) => call(b, token, 'POST', `/v1${path}/query`, { query, timespan: 'P1D' });
  const markers = (res: Reply): string[] => {
    assert.equal(res.status, 200, res.text);
    const t = res.json<{ tables: { columns: { name: string }[]; rows: unknown[][] }[] }>().tables[0]!;
    const i = t.columns.findIndex((c) => c.name === 'Marker');
    assert.ok(i >= 0, `no Marker column in ${res.text.slice(0, 300)}`);
    return t.rows.map((r) => String(r[i])).sort();
  };
  /** Does the KQL compiler support this construct? The admin (Owner) runs it on readable tables. */
  const supportCache = new Map<string, Promise<boolean>>();
  const supported = (query: string) => {
    let s = supportCache.get(query);
    if (!s) {
      s = (async () => {
        const res = await wsQuery(await p.adminToken(AUD.logs), w1Id, query);
        return res.status === 200;
      })();
      supportCache.set(query, s);
    }
    return s;
  };
  const gate = async (t: TestContext, probe: string, construct: string) => {
    // Every construct is supported now: an admin who cannot run the probe means a bug, not a gap,
    // so the case fails rather than skipping (a skip once hid a broken workspace() reference).
    if (await supported(probe)) return true;
    assert.fail(`the admin cannot run ${construct} (${probe}): the attack case would prove nothing`);
  };

  before(async () => {
    vigil = await startVigil();
    b = vigil.bootstrap;
    p = new Principals(b);
    sub = `/subscriptions/${b.subscriptionId}`;
    w1Id = b.workspaceId;
    w1Arm = b.workspaceResourceId;
    rA = `${sub}/resourceGroups/apps/providers/Microsoft.Web/sites/app-a`;
    rAChild = `${rA}/slots/staging`;
    rA2 = `${sub}/resourceGroups/apps/providers/Microsoft.Web/sites/app-a2`;
    rB = `${sub}/resourceGroups/apps/providers/Microsoft.Web/sites/app-b`;
    const { logAnalytics, ingestion } = sdkClients(b);

    const w2 = await logAnalytics.workspaces.beginCreateOrUpdateAndWait(b.resourceGroup, 'other-ws', { location: 'local' });
    w2Id = w2.customerId!;
    w2Arm = w2.id!;
    for (const [ws, table] of [
      ['default', 'Public_CL'],
      ['default', 'Secret_CL'],
      ['default', 'Shared_CL'],
      ['other-ws', 'Other_CL'],
      ['other-ws', 'Shared_CL'],
    ] as const) {
      await logAnalytics.tables.beginCreateOrUpdateAndWait(b.resourceGroup, ws, table, { schema: { name: table, columns: COLUMNS } });
    }
    const rule = (name: string, wsArm: string, tables: string[]) =>
      createStreamsRule(b, name, wsArm, tables.map((t) => ({ stream: t, table: `${t}_CL` })), STREAM_COLUMNS);
    const r1 = await rule('authz-w1', w1Arm, ['Public', 'Secret', 'Shared']);
    dcr1 = r1.immutableId!;
    dcr1Arm = r1.id!;
    const r2 = await rule('authz-w2', w2Arm, ['Other', 'Shared']);
    const resources: [string, string | undefined][] = [
      ['a', rA],
      ['achild', rAChild],
      ['a2', rA2],
      ['b', rB],
      ['none', undefined],
    ];
    const now = Date.now();
    const upload = async (ruleId: string, ws: string, table: string) => {
      const rows = resources.map(([tag, rid], i) => ({
        TimeGenerated: new Date(now - (i + 1) * 60_000).toISOString(),
        Marker: `${ws}:${table}:${tag}`,
        N: i,
        ...(rid ? { _ResourceId: rid } : {}),
      }));
      let failed = 0;
      await ingestion.upload(ruleId, `Custom-${table}`, rows, { onError: () => void failed++ });
      assert.equal(failed, 0, `upload to ${ws}/${table}`);
      tableRows[`${ws}:${table}`] = rows.map((r) => r.Marker).sort();
    };
    await upload(dcr1, 'w1', 'Public');
    await upload(dcr1, 'w1', 'Secret');
    await upload(dcr1, 'w1', 'Shared');
    await upload(r2.immutableId!, 'w2', 'Other');
    await upload(r2.immutableId!, 'w2', 'Shared');

    // The "dual role" table-level pattern: a custom role that may query the workspace but read no table...
    queryOnlyRoleId = randomUUID();
    const armToken = await p.adminToken(AUD.arm);
    const def = await call(b, armToken, 'PUT', `${sub}/providers/Microsoft.Authorization/roleDefinitions/${queryOnlyRoleId}?${RA_VERSION}`, {
      properties: {
        roleName: 'Workspace query (no tables)',
        description: 'May run queries in the workspace; tables are granted one by one.',
        permissions: [
          {
            actions: ['Microsoft.OperationalInsights/workspaces/read', 'Microsoft.OperationalInsights/workspaces/query/read'],
            notActions: ['Microsoft.OperationalInsights/workspaces/sharedKeys/read'],
          },
        ],
        assignableScopes: [w1Arm],
      },
    });
    assert.equal(def.status, 201, def.text);

    [tableReader, dataReader, appAReader, nobody, subReader, contributor, uaa, publisher] = await Promise.all(
      ['table-reader', 'data-reader', 'app-a-reader', 'nobody', 'sub-reader', 'contributor', 'uaa', 'publisher'].map((n) => p.create(n)),
    ) as TestPrincipal[];
    // ...plus Reader on the one table it may read.
    await p.assign(tableReader.objectId, queryOnlyRoleId, w1Arm);
    await p.assign(tableReader.objectId, 'Reader', `${w1Arm}/tables/Public_CL`);
    await p.assign(dataReader.objectId, 'Log Analytics Data Reader', w1Arm);
    await p.assign(appAReader.objectId, 'Reader', rA);
    await p.assign(subReader.objectId, 'Reader', sub);
    await p.assign(contributor.objectId, 'Contributor', sub);
    await p.assign(uaa.objectId, 'User Access Administrator', sub);
    await p.assign(publisher.objectId, 'Monitoring Metrics Publisher', dcr1Arm);
  });
  after(async () => vigil?.dispose());

  // ─────────────────────────── sanity: the fixtures grant what they should ───────────────────────────

  it('table-level reader reads its table through LogsQueryClient', async () => {
    const client = new LogsQueryClient(tableReader.credential, { endpoint: `${b.endpoint}/v1` });
    const r = await client.queryWorkspace(w1Id, 'Public_CL | project Marker | sort by Marker asc', { duration: 'P1D' });
    assert.equal(r.status, LogsQueryResultStatus.Success);
    if (r.status === LogsQueryResultStatus.Success) assert.deepEqual(r.tables[0]!.rows.map((x) => x[0]).sort(), tableRows['w1:Public']);
  });

  it('the same query, compiled before, is refused once the role that let the caller read its table is removed', async () => {
    const who = await p.create('cached-reader');
    await p.assign(who.objectId, queryOnlyRoleId, w1Arm);
    const assignment = await p.assign(who.objectId, 'Reader', `${w1Arm}/tables/Public_CL`);
    const client = new LogsQueryClient(who.credential, { endpoint: `${b.endpoint}/v1` });
    // A fixed timespan: each run is the same text, caller, context and timespan (what a compile is reused for).
    const end = new Date();
    const span = { startTime: new Date(end.getTime() - 86_400_000), endTime: end };
    for (let i = 0; i < 2; i++) {
      const r = await client.queryWorkspace(w1Id, 'Public_CL | project Marker', span);
      assert.equal(r.status, LogsQueryResultStatus.Success);
      if (r.status === LogsQueryResultStatus.Success) assert.deepEqual(r.tables[0]!.rows.map((x) => x[0]).sort(), tableRows['w1:Public']);
    }
    const removed = await call(b, await p.adminToken(AUD.arm), 'DELETE', `${w1Arm}/tables/Public_CL/providers/Microsoft.Authorization/roleAssignments/${assignment}?${RA_VERSION}`);
    assert.ok(removed.status === 200 || removed.status === 204, `${removed.status} ${removed.text}`);
    await assert.rejects(client.queryWorkspace(w1Id, 'Public_CL | project Marker', span), (e: { statusCode?: number; code?: string }) => {
      assert.equal(e.statusCode, 403);
      assert.equal(e.code, 'InsufficientAccessError');
      return true;
    });
  });

  // ─────────────────────────── workspace context: denied tables ───────────────────────────

  it('A01 direct reference to a denied table is 403 InsufficientAccessError (via the SDK)', async () => {
    const client = new LogsQueryClient(tableReader.credential, { endpoint: `${b.endpoint}/v1` });
    await assert.rejects(client.queryWorkspace(w1Id, 'Secret_CL | take 10', { duration: 'P1D' }), (e: { statusCode?: number; code?: string }) => {
      assert.equal(e.statusCode, 403);
      assert.equal(e.code, 'InsufficientAccessError');
      return true;
    });
  });

  it('A02 the denied table in other casing is still 403', async () => {
    assertError(await wsQuery(await tableReader.token(AUD.logs), w1Id, 'secret_cl | take 10'), 403, 'InsufficientAccessError');
  });

  it('A03 an aggregate over the denied table is 403', async () => {
    assertError(await wsQuery(await tableReader.token(AUD.logs), w1Id, 'Secret_CL | summarize count()'), 403, 'InsufficientAccessError');
  });

  it('A04 a let-bound alias of the denied table is 403', async () => {
    assertError(await wsQuery(await tableReader.token(AUD.logs), w1Id, 'let x = Secret_CL; x | take 10'), 403, 'InsufficientAccessError');
  });

  it('A05 a let-bound alias hidden in a second let is 403', async () => {
    assertError(await wsQuery(await tableReader.token(AUD.logs), w1Id, 'let a = Secret_CL; let b2 = a | where N >= 0; b2 | project Marker'), 403, 'InsufficientAccessError');
  });

  it('A06 a bracket-quoted name of the denied table is 403', async (t) => {
    if (!(await gate(t, "['Public_CL'] | take 1", "bracket-quoted table names"))) return;
    assertError(await wsQuery(await tableReader.token(AUD.logs), w1Id, "['Secret_CL'] | take 10"), 403, 'InsufficientAccessError');
  });

  it('A07 the denied table inside materialize() is 403', async (t) => {
    if (!(await gate(t, 'let m = materialize(Public_CL); m | take 1', 'materialize()'))) return;
    assertError(await wsQuery(await tableReader.token(AUD.logs), w1Id, 'let m = materialize(Secret_CL); m | take 10'), 403, 'InsufficientAccessError');
  });

  it('A08 union naming the denied table is 403', async (t) => {
    if (!(await gate(t, 'union Public_CL, Shared_CL | take 1', 'union'))) return;
    assertError(await wsQuery(await tableReader.token(AUD.logs), w1Id, 'union Public_CL, Secret_CL | project Marker'), 403, 'InsufficientAccessError');
  });

  it('A09 union * silently skips the denied tables', async (t) => {
    if (!(await gate(t, 'union * | take 1', 'union *'))) return;
    const got = markers(await wsQuery(await tableReader.token(AUD.logs), w1Id, 'union * | project Marker'));
    assert.deepEqual(got, tableRows['w1:Public']);
  });

  it('A10 union with a wildcard matching the denied table skips it', async (t) => {
    if (!(await gate(t, 'union P* | take 1', 'union wildcards'))) return;
    const res = await wsQuery(await tableReader.token(AUD.logs), w1Id, 'union S*, P* | project Marker');
    assert.deepEqual(markers(res), tableRows['w1:Public']);
  });

  it('A11 union withsource over a wildcard names no denied table', async (t) => {
    if (!(await gate(t, 'union withsource=T * | take 1', 'union withsource'))) return;
    const res = await wsQuery(await tableReader.token(AUD.logs), w1Id, 'union withsource=T * | distinct T');
    assert.equal(res.status, 200, res.text);
    assert.ok(!res.text.includes('Secret_CL'), res.text);
  });

  it('A12 join against the denied table is 403', async (t) => {
    if (!(await gate(t, 'Public_CL | join kind=inner (Shared_CL) on N | take 1', 'join'))) return;
    assertError(await wsQuery(await tableReader.token(AUD.logs), w1Id, 'Public_CL | join kind=inner (Secret_CL) on N | take 10'), 403, 'InsufficientAccessError');
  });

  it('A13 lookup into the denied table is 403', async (t) => {
    if (!(await gate(t, 'Public_CL | lookup (Shared_CL) on N | take 1', 'lookup'))) return;
    assertError(await wsQuery(await tableReader.token(AUD.logs), w1Id, 'Public_CL | lookup (Secret_CL) on N | take 10'), 403, 'InsufficientAccessError');
  });

  it('A13b ipv4_lookup / ipv6_lookup / geo_polygon_lookup / geo_line_lookup with the denied table as LookupTable is 403; an allowed LookupTable runs', async () => {
    const token = await tableReader.token(AUD.logs);
    for (const q of [
      'Public_CL | evaluate ipv4_lookup(Secret_CL, Marker, Marker)',
      'Public_CL | evaluate ipv6_lookup((Secret_CL | project M2 = Marker), Marker, M2, return_unmatched = true)',
      'let L = Secret_CL | project M2 = Marker; Public_CL | evaluate ipv4_lookup(L, Marker, M2)',
      'Public_CL | evaluate geo_polygon_lookup(Secret_CL, Marker, N, N)',
      'Public_CL | evaluate geo_line_lookup((Secret_CL | project S = Marker), S, N, N, 100, return_unmatched = true)',
    ]) {
      assertError(await wsQuery(token, w1Id, q), 403, 'InsufficientAccessError');
    }
    const ok = await wsQuery(token, w1Id, 'Public_CL | evaluate ipv4_lookup((Public_CL | project M2 = Marker), Marker, M2, true) | project Marker');
    assert.equal(ok.status, 200, ok.text);
    assert.deepEqual(markers(ok), tableRows['w1:Public']);
  });

  it('A13c make-graph with the denied table as its edges or a node table is 403; allowed tables build the graph', async () => {
    const token = await tableReader.token(AUD.logs);
    for (const q of [
      'Secret_CL | make-graph Marker --> Marker | graph-to-table edges',
      'Public_CL | make-graph Marker --> Marker with Secret_CL on Marker | graph-to-table nodes',
      'Public_CL | make-graph Marker --> Marker with Public_CL on Marker, (Secret_CL | project Marker) on Marker | graph-to-table nodes',
      'let N = Secret_CL; Public_CL | make-graph Marker --> Marker with N on Marker | graph-match (a)-->(b) project a.Marker',
    ]) {
      assertError(await wsQuery(token, w1Id, q), 403, 'InsufficientAccessError');
    }
    const ok = await wsQuery(token, w1Id, 'Public_CL | make-graph Marker --> Marker with Public_CL on Marker | graph-to-table nodes | project Marker');
    assert.equal(ok.status, 200, ok.text);
    assert.deepEqual(markers(ok), tableRows['w1:Public']);
  });

  it('A14 search across all tables finds nothing in the denied table', async (t) => {
    if (!(await gate(t, 'search "w1" | take 1', 'search'))) return;
    const res = await wsQuery(await tableReader.token(AUD.logs), w1Id, 'search "Secret" | take 100');
    assert.equal(res.status, 200, res.text);
    assert.ok(!res.text.includes('w1:Secret'), res.text);
  });

  it('A15 search in (denied table) is 403', async (t) => {
    if (!(await gate(t, 'search in (Public_CL) "w1" | take 1', 'search in (…)'))) return;
    assertError(await wsQuery(await tableReader.token(AUD.logs), w1Id, 'search in (Secret_CL) "w1"'), 403, 'InsufficientAccessError');
  });

  it('A16 getschema of the denied table is 403', async (t) => {
    if (!(await gate(t, 'Public_CL | getschema', 'getschema'))) return;
    assertError(await wsQuery(await tableReader.token(AUD.logs), w1Id, 'Secret_CL | getschema'), 403, 'InsufficientAccessError');
  });

  it("A17 workspace('other-ws') reaches no table of a workspace the caller cannot query", async (t) => {
    if (!(await gate(t, "workspace('other-ws').Other_CL | take 1", 'workspace()'))) return;
    const res = await wsQuery(await tableReader.token(AUD.logs), w1Id, "workspace('other-ws').Other_CL | take 10");
    assert.ok(res.status === 403 || res.status === 404 || res.status === 400, res.text);
    assert.ok(!res.text.includes('w2:Other'), res.text);
  });

  it("A18 resource('…') from a workspace query reaches no rows outside the caller's access", async (t) => {
    if (!(await gate(t, `resource('${rA}').Public_CL | take 1`, 'resource()'))) return;
    // From its own resource context, the app-a reader names app-b through resource(): refused.
    assertError(await resQuery(await appAReader.token(AUD.logs), rA, `resource('${rB}').Public_CL | take 10`), 403, 'InsufficientAccessError');
    // resource() below its grant sees only that sub-resource's rows.
    const got = markers(await resQuery(await appAReader.token(AUD.logs), rA, `resource('${rAChild}').Public_CL | project Marker`));
    assert.deepEqual(got, ['w1:Public:achild']);
  });

  // ─────────────────────────── workspace context: other workspaces ───────────────────────────

  it('A19 querying another workspace by id is 403 (as in Azure, and audited as such); an unknown id is 404', async () => {
    assertError(await wsQuery(await tableReader.token(AUD.logs), w2Id, 'Other_CL | take 10'), 403, 'InsufficientAccessError');
    assertError(await wsQuery(await tableReader.token(AUD.logs), randomUUID(), 'Other_CL | take 10'), 404, 'WorkspaceNotFoundError');
  });

  it('A19b workspace names and ARM ids are no existence oracle', async () => {
    // By name (guessable): absent unless the caller may query it — A22. By ARM id in a subscription where
    // the caller holds no role: 403 whether the workspace exists or not, as ARM answers.
    const token = await tableReader.token(AUD.logs);
    const foreign = `/subscriptions/${randomUUID()}/resourceGroups/rg/providers/Microsoft.OperationalInsights/workspaces/default`;
    assertError(await wsQuery(token, w1Id, 'Public_CL | take 1', { workspaces: [foreign] }), 403, 'InsufficientAccessError');
    assertError(await wsQuery(token, w1Id, 'Public_CL | take 1', { workspaces: [w2Arm] }), 403, 'InsufficientAccessError');
  });

  it('A20 adding another workspace in the body is refused', async () => {
    const res = await wsQuery(await tableReader.token(AUD.logs), w1Id, 'Shared_CL | project Marker', { workspaces: [w2Id] });
    assert.ok(res.status === 404 || res.status === 403, res.text);
    assert.ok(!res.text.includes('w2:'), res.text);
  });

  it('A21 naming the other workspace by its ARM id in the body is refused', async () => {
    const res = await wsQuery(await dataReader.token(AUD.logs), w1Id, 'Shared_CL | project Marker', { workspaces: [w2Arm] });
    assert.ok(res.status === 404 || res.status === 403, res.text);
  });

  it('A22 naming the other workspace by name in the path is refused', async () => {
    assertError(await wsQuery(await dataReader.token(AUD.logs), 'other-ws', 'Other_CL | take 1'), 404, 'WorkspaceNotFoundError');
  });

  it('A23 Log Analytics Data Reader on one workspace reads nothing of the other through the SDK', async () => {
    const client = new LogsQueryClient(dataReader.credential, { endpoint: `${b.endpoint}/v1` });
    await assert.rejects(client.queryWorkspace(w2Id, 'Other_CL | take 1', { duration: 'P1D' }), (e: { statusCode?: number }) => e.statusCode === 403);
    const own = await client.queryWorkspace(w1Id, 'Shared_CL | project Marker', { duration: 'P1D' });
    assert.equal(own.status, LogsQueryResultStatus.Success);
    if (own.status === LogsQueryResultStatus.Success) assert.deepEqual(own.tables[0]!.rows.map((r) => r[0]).sort(), tableRows['w1:Shared']);
  });

  // ─────────────────────────── $batch ───────────────────────────

  it('A24 $batch: each item is authorized on its own — a denied table and a foreign workspace fail, the allowed item succeeds', async () => {
    const res = await call(b, await tableReader.token(AUD.logs), 'POST', '/v1/$batch', {
      requests: [
        { id: '1', workspace: w1Id, body: { query: 'Public_CL | project Marker', timespan: 'P1D' } },
        { id: '2', workspace: w1Id, body: { query: 'Secret_CL | project Marker', timespan: 'P1D' } },
        { id: '3', workspace: w2Id, body: { query: 'Other_CL | project Marker', timespan: 'P1D' } },
        { id: '4', workspace: w1Id, body: { query: 'Shared_CL | project Marker', timespan: 'P1D', workspaces: [w2Id] } },
      ],
    });
    assert.equal(res.status, 200, res.text);
    const r = res.json<{ responses: { id: string; status: number; body: { error?: { code: string } } }[] }>().responses;
    assert.deepEqual(r.map((x) => x.status), [200, 403, 403, 403]);
    assert.equal(r[1]!.body.error?.code, 'InsufficientAccessError');
    assert.ok(!res.text.includes('w1:Secret') && !res.text.includes('w2:'), res.text);
  });

  it('A25 $batch via the SDK: the denied query comes back as a failure, never as rows', async () => {
    const client = new LogsQueryClient(tableReader.credential, { endpoint: `${b.endpoint}/v1` });
    const results = await client.queryBatch([
      { workspaceId: w1Id, query: 'Secret_CL | project Marker', timespan: { duration: 'P1D' } },
      { workspaceId: w2Id, query: 'Other_CL | project Marker', timespan: { duration: 'P1D' } },
    ]);
    for (const r of results) assert.notEqual(r.status, LogsQueryResultStatus.Success);
    assert.ok(!JSON.stringify(results).includes('w1:Secret'));
  });

  it('A26 $batch with a path other than /query cannot reach another API', async () => {
    const res = await call(b, await tableReader.token(AUD.logs), 'POST', '/v1/$batch', {
      requests: [{ id: '1', workspace: w2Id, path: '/metadata', method: 'GET', body: { query: 'x' } }],
    });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.json<{ responses: { status: number }[] }>().responses[0]!.status, 404);
  });

  // ─────────────────────────── metadata and include-permissions ───────────────────────────

  it('A27 the metadata endpoint lists only readable tables', async () => {
    const res = await call(b, await tableReader.token(AUD.logs), 'GET', `/v1/workspaces/${w1Id}/metadata`);
    assert.equal(res.status, 200, res.text);
    const names = res.json<{ tables: { name: string }[] }>().tables.map((t) => t.name);
    assert.deepEqual(names, ['Public_CL']);
    assert.ok(!res.text.includes('Secret_CL'));
  });

  it('A28 the metadata of another workspace is 403', async () => {
    assertError(await call(b, await tableReader.token(AUD.logs), 'GET', `/v1/workspaces/${w2Id}/metadata`), 403);
  });

  it('A29 Prefer: include-permissions shows only the data sources the query used', async () => {
    const res = await wsQuery(await tableReader.token(AUD.logs), w1Id, 'Public_CL | take 1', {}, { prefer: 'include-permissions=true' });
    assert.equal(res.status, 200, res.text);
    const perms = res.json<{ permissions: { dataSources: { resourceId: string }[] } }>().permissions;
    assert.deepEqual(perms.dataSources.map((d) => d.resourceId.toLowerCase()), [w1Arm.toLowerCase()]);
    assert.ok(!res.text.includes('Secret_CL') && !res.text.toLowerCase().includes('other-ws'), res.text);
  });

  // ─────────────────────────── resource context ───────────────────────────

  it('A30 resource context shows only the rows of that resource and below it (via queryResource)', async () => {
    const client = new LogsQueryClient(appAReader.credential, { endpoint: `${b.endpoint}/v1` });
    const r = await client.queryResource(rA, 'Public_CL | project Marker', { duration: 'P1D' });
    assert.equal(r.status, LogsQueryResultStatus.Success);
    if (r.status === LogsQueryResultStatus.Success) assert.deepEqual(r.tables[0]!.rows.map((x) => x[0]).sort(), ['w1:Public:a', 'w1:Public:achild']);
  });

  it('A31 resource context does not match a resource that merely shares a prefix (app-a2)', async () => {
    const got = markers(await resQuery(await appAReader.token(AUD.logs), rA, 'Shared_CL | project Marker'));
    assert.deepEqual(got, ['w1:Shared:a', 'w1:Shared:achild', 'w2:Shared:a', 'w2:Shared:achild']);
    assert.ok(!got.some((m) => m.endsWith(':a2')));
  });

  it("A32 another resource's logs are 403", async () => {
    assertError(await resQuery(await appAReader.token(AUD.logs), rB, 'Public_CL | take 10'), 403, 'InsufficientAccessError');
  });

  it('A33 the resource group above the granted resource is 403', async () => {
    assertError(await resQuery(await appAReader.token(AUD.logs), `${sub}/resourceGroups/apps`, 'Public_CL | take 10'), 403, 'InsufficientAccessError');
  });

  it('A34 the subscription above the granted resource is 403', async () => {
    assertError(await resQuery(await appAReader.token(AUD.logs), sub, 'Public_CL | take 10'), 403, 'InsufficientAccessError');
  });

  it('A35 odd casing of a denied resource path is still 403', async () => {
    assertError(await resQuery(await appAReader.token(AUD.logs), rB.toUpperCase().replace('/SUBSCRIPTIONS/', '/subscriptions/'), 'Public_CL | take 10'), 403, 'InsufficientAccessError');
    assertError(await resQuery(await appAReader.token(AUD.logs), rB.replace('/resourceGroups/', '/RESOURCEGROUPS/'), 'Public_CL | take 10'), 403, 'InsufficientAccessError');
  });

  it('A36 odd casing of the granted resource shows the same rows, no more', async () => {
    const got = markers(await resQuery(await appAReader.token(AUD.logs), rA.toUpperCase().replace('/SUBSCRIPTIONS/', '/Subscriptions/'), 'Public_CL | project Marker'));
    assert.deepEqual(got, ['w1:Public:a', 'w1:Public:achild']);
  });

  it('A37 encoded dot segments cannot climb from the granted resource to another', async () => {
    const res = await call(b, await appAReader.token(AUD.logs), 'POST', `/v1${rA}/%2E%2E/app-b/query`, { query: 'Public_CL | project Marker', timespan: 'P1D' });
    assert.ok(res.status === 404 || res.status === 400 || res.status === 403, res.text);
    assert.ok(!res.text.includes(':b"') && !res.text.includes('w1:Public:b'), res.text);
  });

  it('A38 an encoded slash cannot smuggle extra segments into the resource id', async () => {
    const res = await call(b, await appAReader.token(AUD.logs), 'POST', `/v1${rA}%2F..%2Fapp-b/query`, { query: 'Public_CL | project Marker', timespan: 'P1D' });
    assert.ok(res.status === 404 || res.status === 400, res.text);
  });

  it('A39 doubled slashes in a denied resource path are still 403', async () => {
    const res = await call(b, await appAReader.token(AUD.logs), 'POST', `/v1/${rB.replace(/\//g, '//')}//query`, { query: 'Public_CL | take 1', timespan: 'P1D' });
    assertError(res, 403, 'InsufficientAccessError');
  });

  it('A40 a KQL filter cannot widen the resource scope', async () => {
    const got = markers(await resQuery(await appAReader.token(AUD.logs), rA, "Public_CL | where _ResourceId has 'app-b' or isempty(_ResourceId) | project Marker"));
    assert.deepEqual(got, []);
  });

  it('A41 a resource reader has no workspace-context access', async () => {
    assertError(await wsQuery(await appAReader.token(AUD.logs), w1Id, 'Public_CL | take 1'), 403, 'InsufficientAccessError');
  });

  it('A42 a table-level grant in resource context still gets only that resource\'s rows', async () => {
    // tableReader may read Public_CL (table-level); in resource context it sees app-b's rows of that table only.
    const got = markers(await resQuery(await tableReader.token(AUD.logs), rB, 'Public_CL | project Marker'));
    assert.deepEqual(got, ['w1:Public:b']);
    assertError(await resQuery(await tableReader.token(AUD.logs), rB, 'Secret_CL | project Marker'), 403, 'InsufficientAccessError');
  });

  it('A43 a resource in an unknown subscription is 404 ResourceNotFoundError', async () => {
    assertError(await resQuery(await appAReader.token(AUD.logs), `/subscriptions/${randomUUID()}/resourceGroups/x`, 'Public_CL'), 404, 'ResourceNotFoundError');
  });

  it('A44 resource-context metadata lists nothing for a resource the caller cannot read', async () => {
    assertError(await call(b, await appAReader.token(AUD.logs), 'GET', `/v1${rB}/metadata`), 403, 'InsufficientAccessError');
  });

  it('A67 the GET form of the query API refuses the denied table too', async () => {
    const q = encodeURIComponent('Secret_CL | take 10');
    assertError(await call(b, await tableReader.token(AUD.logs), 'GET', `/v1/workspaces/${w1Id}/query?query=${q}&timespan=P1D`), 403, 'InsufficientAccessError');
  });

  it('A68 the GET form cannot add a foreign workspace through the workspaces parameter', async () => {
    const q = encodeURIComponent('Shared_CL | project Marker');
    const res = await call(b, await tableReader.token(AUD.logs), 'GET', `/v1/workspaces/${w1Id}/query?query=${q}&timespan=P1D&workspaces=${w2Id}`);
    assert.ok(res.status === 404 || res.status === 403, res.text);
    assert.ok(!res.text.includes('w2:'), res.text);
  });

  it('A69 the GET form of a resource-centric query is held to the same scope', async () => {
    const q = encodeURIComponent('Public_CL | project Marker');
    assertError(await call(b, await appAReader.token(AUD.logs), 'GET', `/v1${rB}/query?query=${q}&timespan=P1D`), 403, 'InsufficientAccessError');
    assert.deepEqual(markers(await call(b, await appAReader.token(AUD.logs), 'GET', `/v1${rA}/query?query=${q}&timespan=P1D`)), ['w1:Public:a', 'w1:Public:achild']);
  });

  it('A70 resource-centric metadata lists the tables readable for the granted resource, and no other workspace data', async () => {
    const res = await call(b, await appAReader.token(AUD.logs), 'GET', `/v1${rA}/metadata`);
    assert.equal(res.status, 200, res.text);
    const tables = res.json<{ tables: { name: string }[] }>().tables.map((t) => t.name).sort();
    assert.deepEqual(tables, ['Other_CL', 'Public_CL', 'Secret_CL', 'Shared_CL']);
  });

  it('A71 a Monitoring Contributor of another resource group cannot aim a new rule at a workspace it cannot read', async () => {
    const arm = await p.adminToken(AUD.arm);
    assert.equal((await call(b, arm, 'PUT', `${sub}/resourceGroups/team?api-version=2021-04-01`, { location: 'local' })).status, 201);
    const who = await p.create('team-monitoring');
    await p.assign(who.objectId, 'Monitoring Contributor', `${sub}/resourceGroups/team`);
    const res = await call(b, await who.token(AUD.arm), 'PUT', `${sub}/resourceGroups/team/providers/Microsoft.Insights/dataCollectionRules/sneak?api-version=2024-03-11`, {
      location: 'local',
      properties: {
        streamDeclarations: { 'Custom-Secret': { columns: STREAM_COLUMNS } },
        destinations: { logAnalytics: [{ name: 'la', workspaceResourceId: w1Arm }] },
        dataFlows: [{ streams: ['Custom-Secret'], destinations: ['la'], transformKql: 'source', outputStream: 'Custom-Secret_CL' }],
      },
    });
    assertError(res, 403, 'AuthorizationFailed');
  });

  // ─────────────────────────── tokens ───────────────────────────

  it('A45 no token is 401', async () => {
    assertError(await wsQuery(undefined, w1Id, 'Public_CL'), 401, 'AuthenticationFailed');
  });

  it('A46 a management token is refused by the query API (wrong audience)', async () => {
    assertError(await wsQuery(await p.adminToken(AUD.arm), w1Id, 'Public_CL'), 401, 'InvalidAuthenticationTokenAudience');
  });

  it('A47 a query token is refused by ARM, and a graph token by the query API', async () => {
    assertError(await call(b, await p.adminToken(AUD.logs), 'GET', `${sub}/resourceGroups?api-version=2021-04-01`), 401, 'InvalidAuthenticationTokenAudience');
    assertError(await wsQuery(await p.adminToken(AUD.graph), w1Id, 'Public_CL'), 401, 'InvalidAuthenticationTokenAudience');
  });

  it("A48 a tampered token (the admin's object id pasted into a reader's token) is refused", async () => {
    const token = await tableReader.token(AUD.logs);
    const [h, , s] = token.split('.');
    const claims = decodeJwt(token);
    const admin = JSON.parse(readFileSync(join(vigil.dataDir, 'metadata.json'), 'utf8')).servicePrincipals[0].objectId as string;
    const forged = `${h}.${Buffer.from(JSON.stringify({ ...claims, oid: admin, sub: admin })).toString('base64url')}.${s}`;
    assertError(await wsQuery(forged, w1Id, 'Secret_CL'), 401, 'InvalidAuthenticationToken');
  });

  it("A49 a token re-signed with the attacker's own key under Vigil's kid is refused", async () => {
    const token = await tableReader.token(AUD.logs);
    const { kid } = decodeProtectedHeader(token);
    const { privateKey } = await generateKeyPair('RS256');
    const forged = await new SignJWT({ ...decodeJwt(token) }).setProtectedHeader({ alg: 'RS256', kid: kid!, typ: 'JWT' }).sign(privateKey);
    assertError(await wsQuery(forged, w1Id, 'Public_CL'), 401, 'InvalidAuthenticationToken');
  });

  it('A50 a token that carries its own key (embedded jwk) is refused', async () => {
    const token = await tableReader.token(AUD.logs);
    const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
    const jwk = await exportJWK(publicKey);
    const forged = await new SignJWT({ ...decodeJwt(token) }).setProtectedHeader({ alg: 'RS256', jwk, typ: 'JWT' }).sign(privateKey);
    assertError(await wsQuery(forged, w1Id, 'Public_CL'), 401, 'InvalidAuthenticationToken');
  });

  it('A51 an unsigned (alg: none) copy of a valid token is refused', async () => {
    const token = await tableReader.token(AUD.logs);
    const enc = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const forged = `${enc({ alg: 'none', typ: 'JWT' })}.${token.split('.')[1]}.`;
    assertError(await wsQuery(forged, w1Id, 'Public_CL'), 401, /InvalidAuthenticationToken|AuthenticationFailed/);
  });

  it('A52 a token for another tenant (signed by Vigil, foreign tid and issuer) is refused', async () => {
    const stored = JSON.parse(readFileSync(join(vigil.dataDir, 'keys', 'token-signing.json'), 'utf8')) as { kid: string; jwk: JWK };
    const key = await importJWK(stored.jwk, 'RS256');
    const other = randomUUID();
    const now = Math.floor(Date.now() / 1000);
    const forged = await new SignJWT({ tid: other, oid: tableReader.objectId, appid: tableReader.appId })
      .setProtectedHeader({ alg: 'RS256', kid: stored.kid, typ: 'JWT' })
      .setIssuer(`${b.authorityHost}/${other}/v2.0`)
      .setAudience(AUD.logs)
      .setIssuedAt(now)
      .setNotBefore(now)
      .setExpirationTime(now + 600)
      .sign(key);
    assertError(await wsQuery(forged, w1Id, 'Public_CL'), 401, 'InvalidAuthenticationTokenIssuer');
  });

  it('A53 a token cannot be requested from another tenant', async () => {
    const res = await call(b, undefined, 'POST', `/${randomUUID()}/oauth2/v2.0/token`, undefined, {});
    assert.ok(res.status === 400, res.text);
    const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: tableReader.appId, client_secret: tableReader.secret, scope: `${AUD.logs}/.default` });
    const r = await fetch(`${b.endpoint}/${randomUUID()}/oauth2/v2.0/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form });
    assert.equal(r.status, 400);
    assert.equal(((await r.json()) as { error: string }).error, 'invalid_tenant');
  });

  it("A54 a deleted principal's outstanding token stops working, and it cannot get a new one", async () => {
    const victim = await p.create('short-lived');
    await p.assign(victim.objectId, 'Log Analytics Reader', w1Arm);
    const token = await victim.token(AUD.logs);
    assert.equal((await wsQuery(token, w1Id, 'Public_CL | take 1')).status, 200);
    const del = await call(b, await p.adminToken(AUD.graph), 'DELETE', `/v1.0/servicePrincipals/${victim.objectId}`);
    assert.equal(del.status, 204, del.text);
    assertError(await wsQuery(token, w1Id, 'Public_CL | take 1'), 401, 'InvalidAuthenticationToken');
    const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: victim.appId, client_secret: victim.secret, scope: `${AUD.logs}/.default` });
    const r = await fetch(`${b.endpoint}/${b.tenantId}/oauth2/v2.0/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form });
    assert.equal(r.status, 400);
    // Its assignments went with it: none names the deleted object id.
    const list = await call(b, await p.adminToken(AUD.arm), 'GET', `${sub}/providers/Microsoft.Authorization/roleAssignments?${RA_VERSION}`);
    assert.ok(!list.text.includes(victim.objectId), list.text);
  });

  // ─────────────────────────── escalation ───────────────────────────

  const selfAssign = async (who: TestPrincipal, role: string, scope: string) =>
    call(b, await who.token(AUD.arm), 'PUT', `${scope}/providers/Microsoft.Authorization/roleAssignments/${randomUUID()}?${RA_VERSION}`, {
      properties: { roleDefinitionId: `${sub}/providers/Microsoft.Authorization/roleDefinitions/${roleId(role)}`, principalId: who.objectId },
    });

  it('A55 a subscription Reader cannot grant itself Owner', async () => {
    const e = assertError(await selfAssign(subReader, 'Owner', sub), 403, 'AuthorizationFailed');
    assert.match(e.message, /Microsoft\.Authorization\/roleAssignments\/write/);
  });

  it('A56 a table-level reader cannot grant itself Reader on the denied table', async () => {
    assertError(await selfAssign(tableReader, 'Reader', `${w1Arm}/tables/Secret_CL`), 403, 'AuthorizationFailed');
  });

  it('A57 a Contributor cannot grant itself Owner (notActions Microsoft.Authorization/*/Write)', async () => {
    assertError(await selfAssign(contributor, 'Owner', sub), 403, 'AuthorizationFailed');
  });

  it("A58 a Contributor cannot delete the admin's Owner assignment", async () => {
    const list = await call(b, await p.adminToken(AUD.arm), 'GET', `${sub}/providers/Microsoft.Authorization/roleAssignments?${RA_VERSION}&$filter=atScope()`);
    const owner = list.json<{ value: { id: string; properties: { roleDefinitionId: string } }[] }>().value.find((a) => a.properties.roleDefinitionId.endsWith(roleId('Owner')))!;
    assertError(await call(b, await contributor.token(AUD.arm), 'DELETE', `${owner.id}?${RA_VERSION}`), 403, 'AuthorizationFailed');
  });

  it('A59 a Reader cannot define a custom role with every action', async () => {
    const res = await call(b, await subReader.token(AUD.arm), 'PUT', `${sub}/providers/Microsoft.Authorization/roleDefinitions/${randomUUID()}?${RA_VERSION}`, {
      properties: { roleName: 'sneaky', permissions: [{ actions: ['*'] }], assignableScopes: [sub] },
    });
    assertError(res, 403, 'AuthorizationFailed');
  });

  it('A60 a Reader cannot create a service principal, add a secret to the admin, or delete it (Graph)', async () => {
    const graph = await subReader.token(AUD.graph);
    assertError(await call(b, graph, 'POST', '/v1.0/servicePrincipals', { displayName: 'evil' }), 403, 'Authorization_RequestDenied');
    const admin = JSON.parse(readFileSync(join(vigil.dataDir, 'metadata.json'), 'utf8')).servicePrincipals[0].objectId as string;
    assertError(await call(b, graph, 'POST', `/v1.0/servicePrincipals/${admin}/addPassword`, {}), 403, 'Authorization_RequestDenied');
    assertError(await call(b, graph, 'DELETE', `/v1.0/servicePrincipals/${admin}`), 403, 'Authorization_RequestDenied');
  });

  it('A61 a principal without roles cannot even list principals other than itself', async () => {
    const res = await call(b, await nobody.token(AUD.graph), 'GET', '/v1.0/servicePrincipals');
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.json<{ value: { id: string }[] }>().value.map((v) => v.id), [nobody.objectId]);
  });

  it('A62 User Access Administrator cannot assign a custom role outside its assignable scopes', async () => {
    const res = await call(b, await uaa.token(AUD.arm), 'PUT', `${w2Arm}/providers/Microsoft.Authorization/roleAssignments/${randomUUID()}?${RA_VERSION}`, {
      properties: { roleDefinitionId: `${sub}/providers/Microsoft.Authorization/roleDefinitions/${queryOnlyRoleId}`, principalId: nobody.objectId },
    });
    assertError(res, 400, 'InvalidRoleAssignmentScope');
  });

  it('A63 a role assignment scope with dot segments is refused', async () => {
    const res = await call(b, await p.adminToken(AUD.arm), 'PUT', `${sub}/resourceGroups/apps/%2E%2E/providers/Microsoft.Authorization/roleAssignments/${randomUUID()}?${RA_VERSION}`, {
      properties: { roleDefinitionId: roleId('Reader'), principalId: nobody.objectId },
    });
    assertError(res, 400, 'InvalidScope');
  });

  it('A64 a Reader cannot switch the workspace to another access control mode', async () => {
    const res = await call(b, await subReader.token(AUD.arm), 'PATCH', `${w1Arm}?api-version=2025-02-01`, {
      properties: { features: { enableLogAccessUsingOnlyResourcePermissions: false } },
    });
    assertError(res, 403, 'AuthorizationFailed');
  });

  it('A65 a principal without roles cannot ingest, and a publisher cannot query', async () => {
    const res = await call(b, await nobody.token(AUD.monitor), 'POST', `/dataCollectionRules/${dcr1}/streams/Custom-Public?api-version=2023-01-01`, [
      { TimeGenerated: new Date().toISOString(), Marker: 'evil', N: 1 },
    ]);
    assertError(res, 403);
    assertError(await wsQuery(await publisher.token(AUD.logs), w1Id, 'Public_CL'), 403, 'InsufficientAccessError');
  });

  it('A66 managed identity: no header, a wrong header, or another identity\'s client id gets no token', async () => {
    const arm = await p.adminToken(AUD.arm);
    const mk = async (name: string) => {
      const put = await call(b, arm, 'PUT', `${sub}/resourceGroups/${b.resourceGroup}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/${name}?api-version=2023-01-31`, { location: 'local' });
      assert.equal(put.status, 201, put.text);
      const hdr = await call(b, arm, 'POST', `${sub}/resourceGroups/${b.resourceGroup}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/${name}/regenerateIdentityHeader?api-version=2023-01-31`);
      assert.equal(hdr.status, 200, hdr.text);
      return hdr.json<{ identityHeader: string; clientId: string; identityEndpoint: string }>();
    };
    const one = await mk('mi-one');
    const two = await mk('mi-two');
    const ep = `/metadata/identity/oauth2/token?api-version=2019-08-01&resource=${encodeURIComponent(AUD.logs)}`;
    assert.equal((await call(b, undefined, 'GET', ep, undefined, { metadata: 'true' })).status, 400);
    assert.equal((await call(b, undefined, 'GET', ep, undefined, { 'x-identity-header': `${one.identityHeader.slice(0, -4)}AAAA` })).status, 401);
    assert.equal((await call(b, undefined, 'GET', `${ep}&client_id=${two.clientId}`, undefined, { 'x-identity-header': one.identityHeader })).status, 400);
    // A Reader may not fetch an identity's header.
    const rd = await call(b, await subReader.token(AUD.arm), 'POST', `${sub}/resourceGroups/${b.resourceGroup}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/mi-one/regenerateIdentityHeader?api-version=2023-01-31`);
    assertError(rd, 403, 'AuthorizationFailed');
  });

  // ─────────────────────────── the built-in roles, positive and negative ───────────────────────────

  describe('each built-in role does what its definition says', () => {
    const armGet = async (who: TestPrincipal, path: string) => (await call(b, await who.token(AUD.arm), 'GET', path)).status;
    const wsPath = () => `${w1Arm}?api-version=2025-02-01`;
    const tablePut = async (who: TestPrincipal, name: string) =>
      (await call(b, await who.token(AUD.arm), 'PUT', `${w1Arm}/tables/${name}?api-version=2025-02-01`, { properties: { schema: { name, columns: COLUMNS } } })).status;
    const dcrPut = async (who: TestPrincipal, name: string) =>
      (
        await call(b, await who.token(AUD.arm), 'PUT', `${sub}/resourceGroups/${b.resourceGroup}/providers/Microsoft.Insights/dataCollectionRules/${name}?api-version=2024-03-11`, {
          location: 'local',
          properties: {
            streamDeclarations: { 'Custom-Public': { columns: STREAM_COLUMNS } },
            destinations: { logAnalytics: [{ name: 'la', workspaceResourceId: w1Arm }] },
            dataFlows: [{ streams: ['Custom-Public'], destinations: ['la'], transformKql: 'source', outputStream: 'Custom-Public_CL' }],
          },
        })
      ).status;
    const grant = async (who: TestPrincipal) => (await selfAssign(who, 'Reader', `${w1Arm}/tables/Secret_CL`)).status;
    const query = async (who: TestPrincipal) => (await wsQuery(await who.token(AUD.logs), w1Id, 'Secret_CL | take 1')).status;
    const ingest = async (who: TestPrincipal) =>
      (await call(b, await who.token(AUD.monitor), 'POST', `/dataCollectionRules/${dcr1}/streams/Custom-Public?api-version=2023-01-01`, [{ TimeGenerated: new Date().toISOString(), Marker: 'role-test', N: 0 }])).status;

    const cases: { role: string; read: number; tableWrite: number; dcrWrite: number; grant: number; query: number; ingest: number }[] = [
      { role: 'Owner', read: 200, tableWrite: 200, dcrWrite: 201, grant: 201, query: 200, ingest: 403 },
      { role: 'Contributor', read: 200, tableWrite: 200, dcrWrite: 201, grant: 403, query: 200, ingest: 403 },
      { role: 'Reader', read: 200, tableWrite: 403, dcrWrite: 403, grant: 403, query: 200, ingest: 403 },
      { role: 'User Access Administrator', read: 200, tableWrite: 403, dcrWrite: 403, grant: 201, query: 200, ingest: 403 },
      { role: 'Log Analytics Reader', read: 200, tableWrite: 403, dcrWrite: 403, grant: 403, query: 200, ingest: 403 },
      { role: 'Log Analytics Contributor', read: 200, tableWrite: 200, dcrWrite: 403, grant: 403, query: 200, ingest: 403 },
      { role: 'Log Analytics Data Reader', read: 200, tableWrite: 403, dcrWrite: 403, grant: 403, query: 200, ingest: 403 },
      { role: 'Monitoring Reader', read: 200, tableWrite: 403, dcrWrite: 403, grant: 403, query: 200, ingest: 403 },
      { role: 'Monitoring Contributor', read: 200, tableWrite: 403, dcrWrite: 201, grant: 403, query: 200, ingest: 403 },
      { role: 'Monitoring Metrics Publisher', read: 403, tableWrite: 403, dcrWrite: 403, grant: 403, query: 403, ingest: 204 },
    ];
    for (const c of cases) {
      it(`${c.role}: read ${c.read}, table write ${c.tableWrite}, rule write ${c.dcrWrite}, grant ${c.grant}, query ${c.query}, ingest ${c.ingest}`, async () => {
        const who = await p.create(`role-${c.role.replace(/\s+/g, '-').toLowerCase()}`);
        await p.assign(who.objectId, c.role, sub);
        const slug = c.role.replace(/[^A-Za-z]/g, '');
        assert.equal(await armGet(who, wsPath()), c.read, 'GET workspace');
        assert.equal(await tablePut(who, `Role${slug}_CL`), c.tableWrite, 'PUT table');
        assert.equal(await dcrPut(who, `role-${slug.toLowerCase()}`), c.dcrWrite, 'PUT data collection rule');
        assert.equal(await grant(who), c.grant, 'PUT role assignment');
        assert.equal(await query(who), c.query, 'query a table');
        assert.equal(await ingest(who), c.ingest, 'ingest');
      });
    }

    it('a custom role with a table-scoped dataAction reads exactly that table', async () => {
      const who = await p.create('custom-data');
      const id = randomUUID();
      const def = await call(b, await p.adminToken(AUD.arm), 'PUT', `${sub}/providers/Microsoft.Authorization/roleDefinitions/${id}?${RA_VERSION}`, {
        properties: {
          roleName: 'Table data reader (custom)',
          permissions: [{ actions: ['Microsoft.OperationalInsights/workspaces/query/read'], dataActions: ['Microsoft.OperationalInsights/workspaces/tables/data/read'] }],
          assignableScopes: [sub],
        },
      });
      assert.equal(def.status, 201, def.text);
      await p.assign(who.objectId, 'Log Analytics Data Reader', `${w1Arm}/tables/Shared_CL`);
      await p.assign(who.objectId, id, w1Arm);
      assert.equal((await wsQuery(await who.token(AUD.logs), w1Id, 'Shared_CL | take 1')).status, 200);
      assert.equal((await wsQuery(await who.token(AUD.logs), w1Id, 'Secret_CL | take 1')).status, 200, 'the custom role grants data read on the whole workspace');
      const narrow = await p.create('custom-narrow');
      await p.assign(narrow.objectId, queryOnlyRoleId, w1Arm);
      await p.assign(narrow.objectId, 'Log Analytics Data Reader', `${w1Arm}/tables/Shared_CL`);
      assert.equal((await wsQuery(await narrow.token(AUD.logs), w1Id, 'Shared_CL | take 1')).status, 200);
      assertError(await wsQuery(await narrow.token(AUD.logs), w1Id, 'Secret_CL | take 1'), 403, 'InsufficientAccessError');
    });

    it('require-workspace-permissions mode: resource permission alone is not enough; a workspace grant adds access', async () => {
      const arm = await p.adminToken(AUD.arm);
      const patch = await call(b, arm, 'PATCH', `${w2Arm}?api-version=2025-02-01`, { properties: { features: { enableLogAccessUsingOnlyResourcePermissions: false } } });
      assert.equal(patch.status, 200, patch.text);
      try {
        // appAReader has Reader on app-a only: W2 now requires workspace permissions, so W2 rows vanish.
        assert.deepEqual(markers(await resQuery(await appAReader.token(AUD.logs), rA, 'Shared_CL | project Marker')), ['w1:Shared:a', 'w1:Shared:achild']);
        const both = await p.create('res-and-ws');
        await p.assign(both.objectId, 'Reader', rA);
        await p.assign(both.objectId, 'Log Analytics Reader', w2Arm);
        assert.deepEqual(markers(await resQuery(await both.token(AUD.logs), rA, 'Shared_CL | project Marker')), ['w1:Shared:a', 'w1:Shared:achild', 'w2:Shared:a', 'w2:Shared:achild']);
      } finally {
        await call(b, arm, 'PATCH', `${w2Arm}?api-version=2025-02-01`, { properties: { features: { enableLogAccessUsingOnlyResourcePermissions: true } } });
      }
    });

    it('role assignments: create, get, list with atScope() and principalId, delete', async () => {
      const arm = await p.adminToken(AUD.arm);
      const who = await p.create('lifecycle');
      const name = await p.assign(who.objectId, 'Reader', rA);
      const get = await call(b, arm, 'GET', `${rA}/providers/Microsoft.Authorization/roleAssignments/${name}?${RA_VERSION}`);
      assert.equal(get.status, 200, get.text);
      assert.equal(get.json<{ properties: { principalId: string } }>().properties.principalId, who.objectId);
      const atRa = await call(b, arm, 'GET', `${rA}/providers/Microsoft.Authorization/roleAssignments?${RA_VERSION}&$filter=${encodeURIComponent(`principalId eq '${who.objectId}'`)}`);
      assert.deepEqual(atRa.json<{ value: { name: string }[] }>().value.map((v) => v.name), [name]);
      const atSub = await call(b, arm, 'GET', `${sub}/providers/Microsoft.Authorization/roleAssignments?${RA_VERSION}&$filter=atScope()`);
      assert.ok(!atSub.json<{ value: { name: string }[] }>().value.some((v) => v.name === name), 'atScope() excludes assignments below the scope');
      const dup = await call(b, arm, 'PUT', `${rA}/providers/Microsoft.Authorization/roleAssignments/${randomUUID()}?${RA_VERSION}`, {
        properties: { roleDefinitionId: roleId('Reader'), principalId: who.objectId },
      });
      assertError(dup, 409, 'RoleAssignmentExists');
      const ghost = await call(b, arm, 'PUT', `${rA}/providers/Microsoft.Authorization/roleAssignments/${randomUUID()}?${RA_VERSION}`, {
        properties: { roleDefinitionId: roleId('Reader'), principalId: randomUUID() },
      });
      assertError(ghost, 400, 'PrincipalNotFound');
      const abac = await call(b, arm, 'PUT', `${rA}/providers/Microsoft.Authorization/roleAssignments/${randomUUID()}?${RA_VERSION}`, {
        properties: { roleDefinitionId: roleId('Reader'), principalId: who.objectId, condition: "@Resource[x] StringEquals 'y'", conditionVersion: '2.0' },
      });
      assertError(abac, 400, 'ConditionNotSupported');
      assertError(
        await call(b, arm, 'PUT', `${rA}/providers/Microsoft.Authorization/roleAssignments/${randomUUID()}?${RA_VERSION}`, { properties: { roleDefinitionId: randomUUID(), principalId: who.objectId } }),
        400,
        'RoleDefinitionDoesNotExist',
      );
      assert.equal((await wsQuery(await who.token(AUD.logs), w1Id, 'x')).status, 403);
      assert.equal((await resQuery(await who.token(AUD.logs), rA, 'Public_CL | take 1')).status, 200);
      const del = await call(b, arm, 'DELETE', `${rA}/providers/Microsoft.Authorization/roleAssignments/${name}?${RA_VERSION}`);
      assert.equal(del.status, 200, del.text);
      assertError(await resQuery(await who.token(AUD.logs), rA, 'Public_CL | take 1'), 403, 'InsufficientAccessError');
    });

    it('a managed identity gets tokens through ManagedIdentityCredential and reads what its role allows', async () => {
      const arm = await p.adminToken(AUD.arm);
      const base = `${sub}/resourceGroups/${b.resourceGroup}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/mi-reader`;
      const put = await call(b, arm, 'PUT', `${base}?api-version=2023-01-31`, { location: 'local' });
      assert.equal(put.status, 201, put.text);
      const mi = put.json<{ properties: { principalId: string; clientId: string } }>().properties;
      await p.assign(mi.principalId, 'Log Analytics Reader', w1Arm);
      const hdr = (await call(b, arm, 'POST', `${base}/regenerateIdentityHeader?api-version=2023-01-31`)).json<{ identityEndpoint: string; identityHeader: string }>();
      process.env.IDENTITY_ENDPOINT = hdr.identityEndpoint;
      process.env.IDENTITY_HEADER = hdr.identityHeader;
      try {
        const credential = new ManagedIdentityCredential({ clientId: mi.clientId });
        const client = new LogsQueryClient(credential, { endpoint: `${b.endpoint}/v1` });
        const r = await client.queryWorkspace(w1Id, 'Secret_CL | project Marker', { duration: 'P1D' });
        assert.equal(r.status, LogsQueryResultStatus.Success);
        if (r.status === LogsQueryResultStatus.Success) assert.deepEqual(r.tables[0]!.rows.map((x) => x[0]).sort(), tableRows['w1:Secret']);
        await assert.rejects(client.queryWorkspace(w2Id, 'Other_CL', { duration: 'P1D' }), (e: { statusCode?: number }) => e.statusCode === 403);
        // Deleting the identity revokes its outstanding token.
        const token = (await credential.getToken(`${AUD.logs}/.default`)).token;
        assert.equal((await call(b, arm, 'DELETE', `${base}?api-version=2023-01-31`)).status, 200);
        assertError(await wsQuery(token, w1Id, 'Public_CL'), 401, 'InvalidAuthenticationToken');
      } finally {
        delete process.env.IDENTITY_ENDPOINT;
        delete process.env.IDENTITY_HEADER;
      }
    });
  });
});
