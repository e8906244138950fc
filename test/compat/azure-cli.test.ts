/**
 * The Azure CLI as Debian ships it (azure-cli 2.45) against a real Vigil: `az cloud register` (which
 * reads /metadata/endpoints), `az login --service-principal` (subscriptions), workspace and table
 * commands, the workspace schema, `az ad sp show`/`list` (Graph with base-URL tokens), and `az rest`
 * for rules, ingestion, queries, service principals and role assignments. The README's "Azure CLI" section shows the same commands.
 *
 * Two client-side bugs of that release are pinned here so a fix is noticed: `workspace create` without
 * `--no-wait` fails after the workspace was created (a `requests` circular import in its poller), and
 * every `az role assignment` command fails before sending a request (`'RoleAssignmentsOperations'
 * object has no attribute 'config'`, azure-cli 2.45 against Debian's azure-mgmt-authorization 3).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { azureCli, missing } from '../support/debian-clients.js';
import { startVigil, type VigilProcess } from '../support/vigil-process.js';

const az = azureCli();
const skip = missing('The Azure CLI', az, 'apt-get install -y azure-cli');
const MAX = '9223372036854775807';

describe('the Azure CLI (Debian azure-cli)', { timeout: 600_000, skip }, () => {
  let vigil: VigilProcess;
  let dir: string;
  let env: NodeJS.ProcessEnv;
  const run = (args: string[], extraEnv: NodeJS.ProcessEnv = {}) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(az!, args, { env: { ...env, ...extraEnv }, timeout: 120_000, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
    });
  const ok = async (args: string[], extraEnv: NodeJS.ProcessEnv = {}) => {
    const r = await run(args, extraEnv);
    assert.equal(r.code, 0, `az ${args.join(' ')}\n${r.stderr}`);
    return r.stdout.trim();
  };
  const json = async <T = any>(args: string[], extraEnv: NodeJS.ProcessEnv = {}) => JSON.parse(await ok([...args, '-o', 'json'], extraEnv)) as T;

  before(async () => {
    vigil = await startVigil();
    dir = mkdtempSync(join(tmpdir(), 'vigil-az-'));
    env = {
      ...process.env,
      AZURE_CONFIG_DIR: join(dir, 'admin'),
      REQUESTS_CA_BUNDLE: vigil.bootstrap.caPath,
      AZURE_CORE_COLLECT_TELEMETRY: 'false',
      AZURE_CORE_NO_COLOR: 'true',
      AZURE_CORE_ONLY_SHOW_ERRORS: 'true',
      AZURE_CORE_SURVEY_MESSAGE: 'false',
      PYTHONDONTWRITEBYTECODE: '1',
    };
  });
  after(async () => {
    await vigil?.dispose();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const register = async (extraEnv: NodeJS.ProcessEnv = {}) => {
    const e = vigil.endpoint;
    const config = { endpoints: { resourceManager: `${e}/`, microsoftGraphResourceId: `${e}/`, activeDirectory: `${e}/adfs` } };
    await ok(['cloud', 'register', '-n', 'Vigil', '--cloud-config', JSON.stringify(config)], extraEnv);
    await ok(['cloud', 'set', '-n', 'Vigil'], extraEnv);
  };

  it('registers Vigil as a cloud from its metadata and signs in as a service principal', async () => {
    const b = vigil.bootstrap;
    await register();
    const cloud = await json(['cloud', 'show', '-n', 'Vigil']);
    // From GET /metadata/endpoints?api-version=2015-01-01:
    assert.equal(cloud.endpoints.activeDirectoryResourceId, 'https://management.core.windows.net/');
    assert.equal(cloud.endpoints.activeDirectoryGraphResourceId, `${vigil.endpoint}/`);
    const accounts = await json(['login', '--service-principal', '-u', b.clientId, '-p', b.clientSecret, '--tenant', b.tenantId]);
    assert.deepEqual(accounts.map((a: { id: string }) => a.id), [b.subscriptionId]);
    const account = await json(['account', 'show']);
    assert.equal(account.tenantId, b.tenantId);
    assert.equal(account.user.type, 'servicePrincipal');
  });

  it('creates a workspace and a table, lists tables and reads the schema', async () => {
    const failing = await run(['monitor', 'log-analytics', 'workspace', 'create', '-g', 'default', '-n', 'cli-first', '-l', 'local', '-o', 'none']);
    assert.match(failing.stderr, /partially initialized module 'requests\.auth'|^$/);
    await ok(['monitor', 'log-analytics', 'workspace', 'create', '-g', 'default', '-n', 'cli-ws', '-l', 'local', '--no-wait']);
    const ws = await json(['monitor', 'log-analytics', 'workspace', 'show', '-g', 'default', '-n', 'cli-ws']);
    assert.match(ws.customerId, /^[0-9a-f-]{36}$/);
    const table = await json(['monitor', 'log-analytics', 'workspace', 'table', 'create', '-g', 'default', '--workspace-name', 'cli-ws', '-n', 'CliLogs_CL', '--columns', 'TimeGenerated=datetime', 'Level=string', 'Count=long']);
    assert.equal(table.name, 'CliLogs_CL');
    const tables = await json<string[]>(['monitor', 'log-analytics', 'workspace', 'table', 'list', '-g', 'default', '--workspace-name', 'cli-ws', '--query', '[].name']);
    assert.ok(tables.includes('CliLogs_CL'), tables.join());
    const columns = await json<string[]>(['monitor', 'log-analytics', 'workspace', 'get-schema', '-g', 'default', '-n', 'cli-ws', '--query', 'value[].name']);
    assert.ok(columns.includes('Count') && columns.includes('Level'), columns.join());
  });

  it('creates a rule, ingests and queries with az rest, longs exact', async () => {
    const b = vigil.bootstrap;
    const ws = await json(['monitor', 'log-analytics', 'workspace', 'show', '-g', 'default', '-n', 'cli-ws']);
    const rule = {
      location: 'local',
      properties: {
        streamDeclarations: { 'Custom-CliLogs': { columns: [{ name: 'TimeGenerated', type: 'datetime' }, { name: 'Level', type: 'string' }, { name: 'Count', type: 'long' }] } },
        destinations: { logAnalytics: [{ name: 'main', workspaceResourceId: ws.id }] },
        dataFlows: [{ streams: ['Custom-CliLogs'], destinations: ['main'], transformKql: 'source', outputStream: 'Custom-CliLogs_CL' }],
      },
    };
    writeFileSync(join(dir, 'rule.json'), JSON.stringify(rule));
    const immutableId = await ok(['rest', '--method', 'put', '--url', `/subscriptions/${b.subscriptionId}/resourceGroups/default/providers/Microsoft.Insights/dataCollectionRules/cli-rule?api-version=2022-06-01`, '--body', `@${join(dir, 'rule.json')}`, '--query', 'properties.immutableId', '-o', 'tsv']);
    assert.match(immutableId, /^dcr-/);
    writeFileSync(join(dir, 'rows.json'), `[{"TimeGenerated":"${new Date().toISOString()}","Level":"Error","Count":${MAX}},{"TimeGenerated":"${new Date().toISOString()}","Level":"Info","Count":7}]`);
    await ok(['rest', '--method', 'post', '--url', `${vigil.endpoint}/dataCollectionRules/${immutableId}/streams/Custom-CliLogs?api-version=2023-01-01`, '--resource', 'https://monitor.azure.com', '--body', `@${join(dir, 'rows.json')}`]);
    const text = await ok(['rest', '--method', 'post', '--url', `${vigil.endpoint}/v1/workspaces/${ws.customerId}/query`, '--resource', 'https://api.loganalytics.io', '--body', JSON.stringify({ query: 'CliLogs_CL | project Level, Count | order by Count desc', timespan: 'P1D' }), '--query', 'tables[0].rows', '-o', 'json']);
    assert.deepEqual(JSON.parse(text.replace(MAX, `"${MAX}"`)), [['Error', MAX], ['Info', 7]]);
  });

  it('creates a service principal and a role assignment that lets it query but not ingest', async () => {
    const b = vigil.bootstrap;
    const ws = await json(['monitor', 'log-analytics', 'workspace', 'show', '-g', 'default', '-n', 'cli-ws']);
    const sp = await json(['rest', '--method', 'post', '--url', `${vigil.endpoint}/v1.0/servicePrincipals`, '--resource', 'https://graph.microsoft.com', '--body', '{"displayName":"cli-reader"}']);
    const secret = (await json(['rest', '--method', 'post', '--url', `${vigil.endpoint}/v1.0/servicePrincipals/${sp.id}/addPassword`, '--resource', 'https://graph.microsoft.com', '--body', '{}'])).secretText as string;
    // How `az role assignment --assignee` resolves an app id (the command itself then fails client-side, see above).
    const found = await json(['rest', '--url', `${vigil.endpoint}/v1.0/servicePrincipals?$filter=servicePrincipalNames/any(c:c eq '${sp.appId}')`, '--resource', 'https://graph.microsoft.com', '--query', 'value[].id']);
    assert.deepEqual(found, [sp.id]);
    // The CLI's own Graph commands, with tokens for `{base}//.default` (microsoftGraphResourceId is the base URL).
    const shown = await json(['ad', 'sp', 'show', '--id', sp.appId, '--query', '{id:id, appId:appId}']);
    assert.deepEqual(shown, { id: sp.id, appId: sp.appId });
    assert.deepEqual(await json(['ad', 'sp', 'list', '--filter', `appId eq '${sp.appId}'`, '--query', '[].displayName']), ['cli-reader']);
    const graphToken = await ok(['account', 'get-access-token', '--resource-type', 'ms-graph', '--query', 'accessToken', '-o', 'tsv']);
    const aud = (JSON.parse(Buffer.from(graphToken.split('.')[1]!, 'base64url').toString()) as { aud: string }).aud;
    assert.equal(aud, `${vigil.endpoint}/`);
    const roleCli = await run(['role', 'assignment', 'create', '--assignee', sp.appId, '--role', 'Log Analytics Reader', '--scope', ws.id, '-o', 'none']);
    assert.ok(roleCli.code !== 0 ? /has no attribute 'config'/.test(roleCli.stderr) : true, roleCli.stderr);

    const name = randomUUID();
    const body = { properties: { roleDefinitionId: `/subscriptions/${b.subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/73c42c96-874c-492b-b04d-ab87d138a893`, principalId: sp.id } };
    if (roleCli.code !== 0) await ok(['rest', '--method', 'put', '--url', `${ws.id}/providers/Microsoft.Authorization/roleAssignments/${name}?api-version=2022-04-01`, '--body', JSON.stringify(body)]);
    const listed = await json(['rest', '--url', `${ws.id}/providers/Microsoft.Authorization/roleAssignments?api-version=2022-04-01&$filter=atScope()`, '--query', 'value[].properties.principalId']);
    assert.ok(listed.includes(sp.id), JSON.stringify(listed));

    // The new principal signs in with its own CLI profile.
    const reader = { AZURE_CONFIG_DIR: join(dir, 'reader') };
    await register(reader);
    await ok(['login', '--service-principal', '-u', sp.appId, '-p', secret, '--tenant', b.tenantId, '-o', 'none'], reader);
    const rows = await ok(['rest', '--method', 'post', '--url', `${vigil.endpoint}/v1/workspaces/${ws.customerId}/query`, '--resource', 'https://api.loganalytics.io', '--body', '{"query":"CliLogs_CL | count","timespan":"P1D"}', '--query', 'tables[0].rows', '-o', 'json'], reader);
    assert.deepEqual(JSON.parse(rows), [[2]]);
    const rule = await json(['rest', '--url', `/subscriptions/${b.subscriptionId}/resourceGroups/default/providers/Microsoft.Insights/dataCollectionRules/cli-rule?api-version=2022-06-01`]);
    const ingest = await run(['rest', '--method', 'post', '--url', `${vigil.endpoint}/dataCollectionRules/${rule.properties.immutableId}/streams/Custom-CliLogs?api-version=2023-01-01`, '--resource', 'https://monitor.azure.com', '--body', `@${join(dir, 'rows.json')}`], reader);
    assert.notEqual(ingest.code, 0);
    assert.match(ingest.stderr, /Forbidden|403/);
    const del = await run(['rest', '--method', 'delete', '--url', `${ws.id}/tables/CliLogs_CL?api-version=2022-10-01`], reader);
    assert.notEqual(del.code, 0);
    assert.match(del.stderr, /AuthorizationFailed/);
  });
});
