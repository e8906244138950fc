/**
 * Security review — end to end against a real Vigil process.
 *
 * Setup: workspace `default` (W1) with tables Public_CL and Secret_CL, workspace `other-ws` (W2) with
 * Other_CL, rows in each. `reader` may query W1 and read Public_CL only (the "dual role" pattern:
 * a custom query-only role on W1 + Reader on W1/tables/Public_CL). `nobody` has no role.
 *
 * Tests marked `// FINDING n` fail today and demonstrate a vulnerability; the others document
 * controls that hold (and must keep holding).
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { decodeProtectedHeader, exportJWK, generateKeyPair, SignJWT, decodeJwt } from 'jose';
import { sdkClients } from '../support/clients.js';
import { createStreamsRule, type Column } from '../support/log-table.js';
import { AUD, call, Principals, RA_VERSION, roleId, type Reply, type TestPrincipal } from '../support/principals.js';
import { startVigil, type VigilProcess } from '../support/vigil-process.js';

const COLUMNS = [
  { name: 'TimeGenerated', type: 'dateTime' },
  { name: 'Marker', type: 'string' },
];
const STREAM_COLUMNS: Column[] = [
  { name: 'TimeGenerated', type: 'datetime' },
  { name: 'Marker', type: 'string' },
  { name: '_ResourceId', type: 'string' },
];

/** A SQL string expression without any quote character: chr(..)||chr(..)… */
const sqlLit = (s: string) => `(${[...s].map((c) => `chr(${c.codePointAt(0)})`).join('||')})`;
/**
 * FINDING 1 payload: a KQL string literal whose `$'` sequences are expanded by String.replace in the `…if`
 * aggregate emitter, closing the SQL string early. `expr` is raw SQL (no quotes); its value comes back
 * in the DuckDB conversion error that the Query API returns in innererror.message.
 */
const injection = (table: string, expr: string) => `${table} | summarize c = countif(Marker == "$' || CAST((${expr}) AS INTEGER) || $'")`;

describe('security review (end to end)', { timeout: 600_000 }, () => {
  let vigil: VigilProcess;
  let b: VigilProcess['bootstrap'];
  let p: Principals;
  let sub: string;
  let w1Id: string;
  let w2Id: string;
  let w1Arm: string;
  let reader: TestPrincipal;
  let nobody: TestPrincipal;
  let readerLogs: string;
  const rgApps = () => `${sub}/resourceGroups/apps`;

  const wsQuery = (token: string | undefined, workspaceId: string, query: string, headers: Record<string, string> = {}, extra: Record<string, unknown> = {}) =>
    call(b, token, 'POST', `/v1/workspaces/${workspaceId}/query`, { query, timespan: 'P1D', ...extra }, headers);

  before(async () => {
    vigil = await startVigil();
    b = vigil.bootstrap;
    p = new Principals(b);
    sub = `/subscriptions/${b.subscriptionId}`;
    w1Id = b.workspaceId;
    w1Arm = b.workspaceResourceId;
    const { logAnalytics, ingestion } = sdkClients(b);
    const w2 = await logAnalytics.workspaces.beginCreateOrUpdateAndWait(b.resourceGroup, 'other-ws', { location: 'local' });
    w2Id = w2.customerId!;
    for (const [ws, table] of [
      ['default', 'Public_CL'],
      ['default', 'Secret_CL'],
      ['other-ws', 'Other_CL'],
    ] as const) {
      await logAnalytics.tables.beginCreateOrUpdateAndWait(b.resourceGroup, ws, table, { schema: { name: table, columns: COLUMNS } });
    }
    const rule = (name: string, wsArm: string, tables: string[]) =>
      createStreamsRule(b, name, wsArm, tables.map((t) => ({ stream: t, table: `${t}_CL` })), STREAM_COLUMNS);
    const r1 = await rule('sr-w1', w1Arm, ['Public', 'Secret']);
    const r2 = await rule('sr-w2', w2.id!, ['Other']);
    const now = Date.now();
    const up = async (ruleId: string, stream: string, markers: string[]) => {
      let failed = 0;
      await ingestion.upload(ruleId, stream, markers.map((m, i) => ({ TimeGenerated: new Date(now - (i + 1) * 60_000).toISOString(), Marker: m, _ResourceId: `${sub}/resourceGroups/apps/providers/Microsoft.Web/sites/app-${i}` })), {
        onError: () => void failed++,
      });
      assert.equal(failed, 0);
    };
    await up(r1.immutableId!, 'Custom-Public', ['public-1', 'public-2']);
    await up(r1.immutableId!, 'Custom-Secret', ['SECRET-ROW-w1-a', 'SECRET-ROW-w1-b']);
    await up(r2.immutableId!, 'Custom-Other', ['SECRET-ROW-w2-a']);

    const queryOnly = await p.createQueryOnlyRole('SR query only', w1Arm);
    [reader, nobody] = await Promise.all([p.create('sr-reader'), p.create('sr-nobody')]);
    await p.assign(reader.objectId, queryOnly, w1Arm);
    await p.assign(reader.objectId, 'Reader', `${w1Arm}/tables/Public_CL`);
    readerLogs = await reader.token(AUD.logs);

    // Sanity: the reader reads Public_CL and is refused Secret_CL and workspace 2.
    const ok = await wsQuery(readerLogs, w1Id, 'Public_CL | project Marker');
    assert.equal(ok.status, 200, ok.text);
    assert.equal((await wsQuery(readerLogs, w1Id, 'Secret_CL')).status, 403);
    assert.equal((await wsQuery(readerLogs, w2Id, 'Other_CL')).status, 403);
  });
  after(async () => vigil?.dispose());

  const hex = (id: string) => id.replace(/-/g, '').toLowerCase();
  const assertNoSecretRows = (res: Reply) => assert.doesNotMatch(res.text, /SECRET-ROW/, `denied rows leaked (${res.status}): ${res.text.slice(0, 600)}`);

  // ───────────── FINDING 1: SQL injection (critical) ─────────────

  // FINDING 1: a principal who may read only Public_CL reads Secret_CL of the same workspace by SQL injection.
  it('FINDING 1: countif "$\'" injection cannot read a denied table of the same workspace', async () => {
    const res = await wsQuery(readerLogs, w1Id, injection('Public_CL', `SELECT string_agg(\\"Marker\\", chr(44)) FROM temp.main.\\"vigil_${hex(w1Id)}_Secret_CL\\"`));
    assertNoSecretRows(res);
  });

  // FINDING 1: …and another workspace's table it may not even query.
  it('FINDING 1: countif "$\'" injection cannot read a table of a workspace the caller may not query', async () => {
    const res = await wsQuery(readerLogs, w1Id, injection('Public_CL', `SELECT string_agg(\\"Marker\\", chr(44)) FROM temp.main.\\"vigil_${hex(w2Id)}_Other_CL\\"`));
    assertNoSecretRows(res);
  });

  // FINDING 1 + FINDING 3: DuckDB's external access is on for query connections, so the injection reads any
  // file the server can — here the admin client secret in bootstrap.json: full takeover of the service.
  it('FINDING 1/3: injected SQL cannot read server files (bootstrap.json admin client secret)', async () => {
    const path = join(vigil.dataDir, 'bootstrap.json');
    const expr = `SELECT regexp_extract(content, ${sqlLit('"clientSecret":\\s*"([^"]+)"')}, 1) FROM read_text(${sqlLit(path)})`;
    const res = await wsQuery(readerLogs, w1Id, injection('Public_CL', expr));
    assert.ok(!res.text.includes(b.clientSecret), `the admin client secret leaked to a table reader: ${res.text.slice(0, 400)}`);
  });

  // ───────────── FINDING 2: the engine materialises any table named in a string literal ─────────────

  // FINDING 2: StorageEngine.query finds the tables to materialise with a regex over the WHOLE SQL text,
  // string literals included. A KQL string containing `"vigil_<ws hex>_<Table>"` makes the engine decrypt and
  // expose a denied table as a view, and `Prefer: include-statistics=true` reports its row counts and time range.
  it('FINDING 2: a string literal naming a denied table does not make the engine scan it (statistics side channel)', async () => {
    const res = await wsQuery(readerLogs, w1Id, `Public_CL | where Marker == "\\"vigil_${hex(w2Id)}_Other_CL\\"" | count`, { prefer: 'include-statistics=true' });
    assert.equal(res.status, 200, res.text);
    const stats = JSON.stringify(res.json<{ statistics?: unknown }>().statistics ?? {});
    assert.doesNotMatch(stats, /Other_CL/, `statistics describe a table in a workspace the caller may not query: ${stats.slice(0, 600)}`);
  });

  // ───────────── FINDING 4: one caller can starve every other query ─────────────

  // FINDING 4: there is no per-caller concurrency limit and the engine has a fixed pool of 4 query
  // connections; a single $batch (10 items) of long queries blocks every other principal's queries until they time out.
  it('FINDING 4: a single caller cannot starve other principals\' queries (connection pool exhaustion)', async () => {
    const heavy = 'range x from 1 to 20000000000 step 1 | summarize sum(x % 7)';
    const batch = call(b, readerLogs, 'POST', '/v1/$batch', {
      requests: Array.from({ length: 6 }, (_, i) => ({ id: String(i), workspace: w1Id, body: { query: heavy }, headers: { prefer: 'wait=25' } })),
    });
    await new Promise((r) => setTimeout(r, 1500));
    const started = Date.now();
    const victim = await wsQuery(await p.adminToken(AUD.logs), w1Id, 'print 1');
    const elapsed = Date.now() - started;
    await batch;
    assert.equal(victim.status, 200, victim.text);
    assert.ok(elapsed < 8000, `another principal's trivial query waited ${elapsed} ms behind one caller's batch`);
  });

  // ───────────── FINDING 5: obfuscated literals survive redaction once transformed ─────────────

  // FINDING 5: redactString removes the secret and its prefixes only; a DuckDB error that quotes a
  // transformed h"…" value (a substring, upper-cased…) goes out unredacted (DESIGN §7.3).
  it('FINDING 5: an h"…" literal does not reach the error message through a transformation', async () => {
    const secret = 'Sup3rS3cretTokenValue9917';
    // A run-time regex built from the secret: DuckDB's error quotes the pattern.
    const res = await wsQuery(readerLogs, w1Id, `Public_CL | extend x = extract(strcat("(", substring(h"${secret}", 1)), 0, Marker)`);
    assert.equal(res.status, 400, res.text);
    assert.ok(!res.text.includes(secret.slice(1, 12)), `obfuscated literal (minus its first char) in the error: ${res.text}`);
    const res2 = await wsQuery(readerLogs, w1Id, `Public_CL | extend x = extract(strcat("(", toupper(h"${secret}")), 0, Marker)`);
    assert.ok(!res2.text.includes(secret.toUpperCase().slice(0, 12)), `upper-cased obfuscated literal in the error: ${res2.text}`);
  });

  // ───────────── Controls that hold ─────────────

  it('control: ordinary hostile KQL against a denied table is refused (403) for every construct', async () => {
    for (const q of [
      'Secret_CL', 'secret_cl | count', 'union Public_CL, Secret_CL', 'union * | where Marker startswith "SECRET"', 'union S* ',
      'search "SECRET"', 'Public_CL | join (Secret_CL) on Marker', 'Public_CL | lookup (Secret_CL) on Marker', 'let Public_CL = Secret_CL; Public_CL',
      'print toscalar(Secret_CL | count)', 'Public_CL | where Marker in (Secret_CL | project Marker)', 'table("Secret_CL")', 'Secret_CL | getschema',
      `workspace("${w2Id}").Other_CL`, 'workspace("other-ws").Other_CL', `workspace("${sub}/resourceGroups/${b.resourceGroup}/providers/Microsoft.OperationalInsights/workspaces/OTHER-WS").Other_CL`,
      `resource("${sub}").Secret_CL`, `resource("${sub}/resourceGroups/apps/..").Secret_CL`, `resource("${sub}%2f").Secret_CL`,
    ]) {
      const res = await wsQuery(readerLogs, w1Id, q);
      assertNoSecretRows(res);
    }
  });

  it('control: resource-context paths with encoded slashes / dot segments / other subscriptions are refused', async () => {
    for (const path of [
      `/v1${rgApps()}%2F..%2F..%2Fresourcegroups%2Fx/query`,
      `/v1${rgApps()}/../query`,
      `/v1${rgApps()}/%2e%2e/query`,
      `/v1/subscriptions/${randomUUID()}/query`,
      `/v1//query`,
    ]) {
      const res = await call(b, readerLogs, 'POST', path, { query: 'union * | project Marker' });
      assert.ok(res.status >= 400 && res.status < 500, `${path}: ${res.status} ${res.text}`);
      assertNoSecretRows(res);
    }
  });

  it('control: a caller with no role cannot read anything in resource context (subscription, rg)', async () => {
    const t = await nobody.token(AUD.logs);
    for (const scope of [sub, rgApps(), `${rgApps()}/providers/Microsoft.Web/sites/app-0`]) {
      const res = await call(b, t, 'POST', `/v1${scope}/query`, { query: 'union * | project Marker' });
      assert.equal(res.status, 403, res.text);
    }
  });

  it('control: forged tokens are refused (alg none, HS256 with the public key, foreign key, kid traversal, wrong audience)', async () => {
    const good = readerLogs;
    const claims = decodeJwt(good);
    const header = decodeProtectedHeader(good);
    const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const none = `${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims)}.`;
    const { privateKey, publicKey } = await generateKeyPair('RS256');
    const foreign = await new SignJWT(claims).setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: header.kid! }).sign(privateKey);
    const traversal = await new SignJWT(claims).setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: '../../keys/token-signing' }).sign(privateKey);
    const embedded = await new SignJWT(claims).setProtectedHeader({ alg: 'RS256', typ: 'JWT', jwk: await exportJWK(publicKey) }).sign(privateKey);
    const jwks = (await call(b, undefined, 'GET', `/${b.tenantId}/discovery/v2.0/keys`)).json<{ keys: { n: string }[] }>();
    const hmac = await new SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: 'JWT', kid: header.kid! }).sign(new TextEncoder().encode(JSON.stringify(jwks.keys[0])));
    for (const tok of [none, foreign, traversal, embedded, hmac]) {
      const res = await wsQuery(tok, w1Id, 'Public_CL');
      assert.equal(res.status, 401, res.text);
    }
    // A management token is not a query token, and vice versa.
    const arm = await reader.token(AUD.arm);
    assert.equal((await wsQuery(arm, w1Id, 'Public_CL')).status, 401);
  });

  it('control: ARM scope tricks cannot place a role assignment outside the caller\'s scope', async () => {
    const uaa = await p.create('sr-uaa-rg');
    await p.assign(uaa.objectId, 'User Access Administrator', rgApps());
    const arm = await uaa.token(AUD.arm);
    const body = { properties: { roleDefinitionId: `${sub}/providers/Microsoft.Authorization/roleDefinitions/${roleId('Owner')}`, principalId: uaa.objectId } };
    for (const scope of [
      `${rgApps()}/..`,
      `${rgApps()}/%2e%2e`,
      `${rgApps()}%2F..`,
      `${rgApps()}/..%2F..`,
      `/subscriptions/${b.subscriptionId}`,
      `/subscriptions/${b.subscriptionId.toUpperCase()}`,
      `/`,
      `//subscriptions/${b.subscriptionId}`,
      `${sub}/resourceGroups/APPS2`,
      `${sub}/resourceGroups/${b.resourceGroup}`,
    ]) {
      const res = await call(b, arm, 'PUT', `${scope}/providers/Microsoft.Authorization/roleAssignments/${randomUUID()}?${RA_VERSION}`, body);
      assert.ok(res.status >= 400, `${scope}: ${res.status} ${res.text}`);
    }
    // A custom role with * data actions cannot be made assignable at a scope the author does not control.
    const res = await call(b, arm, 'PUT', `${rgApps()}/providers/Microsoft.Authorization/roleDefinitions/${randomUUID()}?${RA_VERSION}`, {
      properties: { roleName: 'sr-escalate', permissions: [{ actions: ['*'], dataActions: ['*'] }], assignableScopes: [rgApps(), sub] },
    });
    assert.equal(res.status, 403, res.text);
  });

  it('control: bad ingestion bodies (gzip bomb, deep JSON, huge numbers) get a clear 4xx and the server stays up', async () => {
    const { gzipSync } = await import('node:zlib');
    const token = await p.adminToken(AUD.monitor);
    const rules = await sdkClients(b).monitor.dataCollectionRules.listByResourceGroup(b.resourceGroup);
    let immutableId = '';
    for await (const r of rules) if (r.name === 'sr-w1') immutableId = r.immutableId!;
    const path = `/dataCollectionRules/${immutableId}/streams/Custom-Public?api-version=2023-01-01`;
    const bomb = gzipSync(Buffer.alloc(200 * 1024 * 1024, 0x20));
    const send = (body: Uint8Array | string, enc?: string) =>
      fetch(`${b.endpoint}${path}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...(enc ? { 'content-encoding': enc } : {}) }, body: body as unknown as string });
    assert.equal((await send(bomb, 'gzip')).status, 413);
    assert.equal((await send('['.repeat(100_000) + ']'.repeat(100_000))).status >= 400, true);
    assert.ok((await send(`[{"TimeGenerated":"2024-01-01T00:00:00Z","Marker":${'9'.repeat(5000)}}]`)).status < 500);
    assert.ok((await send(`[{"TimeGenerated":"${'9'.repeat(100_000)}","Marker":"x"}]`)).status < 500);
    const health = await fetch(`${b.endpoint}/healthz`);
    assert.equal(health.status, 200);
  });

  it('control: files under the data folder are 0600 / folders 0700 (the public CA certificate excepted)', () => {
    const bad: string[] = [];
    const walk = (dir: string) => {
      for (const name of readdirSync(dir)) {
        const p2 = join(dir, name);
        const st = statSync(p2);
        if (st.isDirectory()) {
          if ((st.mode & 0o077) !== 0) bad.push(`${(st.mode & 0o777).toString(8)} ${p2}`);
          walk(p2);
        } else if ((st.mode & 0o077) !== 0 && !p2.endsWith(join('tls', 'ca.pem'))) bad.push(`${(st.mode & 0o777).toString(8)} ${p2}`);
      }
    };
    walk(vigil.dataDir);
    assert.deepEqual(bad, []);
    // No plaintext row at rest.
    const plaintext: string[] = [];
    const scan = (dir: string) => {
      for (const name of readdirSync(dir)) {
        const p2 = join(dir, name);
        if (statSync(p2).isDirectory()) scan(p2);
        else if (readFileSync(p2).includes('SECRET-ROW')) plaintext.push(p2);
      }
    };
    scan(vigil.dataDir);
    assert.deepEqual(plaintext, [], 'log rows stored in plaintext');
  });

  it('control: the server log holds no tokens, client secrets or h"…" values', async () => {
    const secret = 'hXq-Obfuscated-Value-77261';
    await wsQuery(readerLogs, w1Id, `Public_CL | where Marker == h"${secret}" | extend x = toint(h"${secret}")`);
    await call(b, undefined, 'POST', `/${b.tenantId}/oauth2/v2.0/token`, undefined);
    await fetch(`${b.endpoint}/${b.tenantId}/oauth2/v2.0/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `grant_type=client_credentials&client_id=${b.clientId}&client_secret=wrong-${secret}&scope=${encodeURIComponent('https://api.loganalytics.io/.default')}`,
    });
    await call(b, readerLogs, 'GET', `/v1/workspaces/${w1Id}/query?query=${encodeURIComponent(`print h"${secret}"`)}`);
    const out = vigil.output();
    assert.ok(!out.includes(secret), 'an obfuscated literal reached the server log');
    assert.ok(!out.includes(readerLogs.split('.')[2]!), 'a token reached the server log');
    assert.ok(!out.includes(b.clientSecret), 'the admin client secret reached the server log');
  });
});
