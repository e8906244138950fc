/**
 * Issue #13, log search alerts end to end against a real Vigil, driven with `@azure/arm-monitor`:
 * action groups with webhook receivers, a scheduled query rule whose query runs as its system-assigned
 * identity (and fails, visibly, until that identity is granted read access), alerts per dimension
 * combination that fire and resolve, the common alert schema delivered over HTTPS to a receiver with
 * its own CA that validates Vigil's secure-webhook token against Vigil's JWKS, retries, SSRF refusals,
 * the attacker's side (a Monitoring Contributor cannot borrow a rule's access), evaluations kept out
 * of LAQueryLogs, and a restart that neither skips nor repeats a period.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { createRemoteJWKSet, jwtVerify, type JWTPayload } from 'jose';
import { sdkClients } from '../support/clients.js';
import { createLogTable, ingest } from '../support/log-table.js';
import { AUD, call, Principals, roleId, type TestPrincipal } from '../support/principals.js';
import { CLI, startVigil, type VigilProcess } from '../support/vigil-process.js';
import { waitFor } from '../support/wait-for.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';

const SQR = 'api-version=2023-12-01';
const IDENTIFIER_URI = 'api://vigil-test-alert-hook';
const ACTION_GROUPS_APP_ID = '461e8683-5575-4561-ac7f-899cc907d62a';

interface Received {
  path: string;
  payload: any;
  claims?: JWTPayload;
  tokenError?: string;
}

interface Evaluation {
  windowStart: string;
  windowEnd: string;
  evaluatedAt: string;
  outcome: 'Succeeded' | 'Failed' | 'Skipped';
  identity: string;
  rows?: number;
  durationMs?: number;
  error?: { code: string; message: string };
  fired: string[];
  resolved: string[];
  notifications: { receiver: string; actionGroup: string; status: string; attempts: number; lastError?: string; monitorCondition: string }[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('log search alerts', { timeout: 420_000 }, () => {
  let vigil: VigilProcess;
  let b: VigilProcess['bootstrap'];
  let p: Principals;
  let receiver: WebhookReceiver | undefined;
  let receiverPort: number;
  let args: string[];
  const received: Received[] = [];
  let flakyCalls = 0;
  let rg: string;
  let mc: TestPrincipal;
  let rulePrincipal: string;
  let dcr: string;

  const rulePath = (name: string) => `/subscriptions/${b.subscriptionId}/resourceGroups/${b.resourceGroup}/providers/Microsoft.Insights/scheduledQueryRules/${name}`;
  const agId = (name: string) => `/subscriptions/${b.subscriptionId}/resourceGroups/${b.resourceGroup}/providers/Microsoft.Insights/actionGroups/${name}`;
  const evaluations = async (name: string): Promise<Evaluation[]> => {
    const r = await call(b, await p.adminToken(AUD.arm), 'GET', `${rulePath(name)}/evaluations?${SQR}`);
    assert.equal(r.status, 200, r.text);
    return r.json<{ value: Evaluation[] }>().value;
  };
  const query = async (kql: string) => {
    const r = await call(b, await p.adminToken(AUD.logs), 'POST', `/v1/workspaces/${b.workspaceId}/query`, { query: kql, timespan: 'P1D' });
    assert.equal(r.status, 200, r.text);
    const t = r.json<{ tables: { columns: { name: string }[]; rows: unknown[][] }[] }>().tables[0]!;
    return t.rows.map((row) => Object.fromEntries(t.columns.map((c, i) => [c.name, row[i]])));
  };

  before(async () => {
    // The webhook receiver: HTTPS with its own CA (not Vigil's), trusted by Vigil through --alert-webhook-ca.
    let jwks: ReturnType<typeof createRemoteJWKSet> | undefined;
    receiver = await startWebhookReceiver(async ({ path, headers, body }) => {
      if (path === '/flaky' && flakyCalls++ === 0) return 503;
      const entry: Received = { path, payload: JSON.parse(body.toString()) };
      const auth = headers.authorization;
      if (auth?.startsWith('Bearer ')) {
        try {
          jwks ??= createRemoteJWKSet(new URL(`${b.endpoint}/${b.tenantId}/discovery/v2.0/keys`));
          const { payload } = await jwtVerify(auth.slice(7), jwks, { audience: IDENTIFIER_URI, issuer: `${b.endpoint}/${b.tenantId}/v2.0` });
          entry.claims = payload;
        } catch (err) {
          entry.tokenError = (err as Error).message;
        }
      }
      received.push(entry);
      return 200;
    });
    receiverPort = receiver.port;
    const tls = receiver.tls;
    args = ['--alert-min-frequency', '2', '--alert-webhook-allow', '127.0.0.0/8', '--alert-webhook-ca', tls.caPath];
    vigil = await startVigil({ args });
    b = vigil.bootstrap;
    p = new Principals(b);
    rg = `/subscriptions/${b.subscriptionId}/resourceGroups/${b.resourceGroup}`;
    dcr = await createLogTable(b, 'AppLogs_CL', 'AppLogs', [
      { name: 'TimeGenerated', type: 'datetime' },
      { name: 'Computer', type: 'string' },
      { name: 'Level', type: 'string' },
      { name: 'Message', type: 'string' },
    ]);
    // The query audit is on: evaluations must not appear in it.
    await sdkClients(b).monitor.diagnosticSettings.createOrUpdate(b.workspaceResourceId, 'audit', { workspaceId: b.workspaceResourceId, logs: [{ category: 'Audit', enabled: true }] });
    mc = await p.create('monitoring-contributor');
    await p.assign(mc.objectId, 'Monitoring Contributor', rg);
  });

  after(async () => {
    await vigil?.dispose();
    await receiver?.close();
  });

  it('creates action groups with webhook receivers through the SDK, refusing unsafe ones', async () => {
    const { monitor } = sdkClients(b);
    const ops = await monitor.actionGroups.createOrUpdate(b.resourceGroup, 'ops', {
      location: 'global',
      groupShortName: 'ops',
      enabled: true,
      webhookReceivers: [
        { name: 'secure-hook', serviceUri: `https://127.0.0.1:${receiverPort}/secure`, useCommonAlertSchema: true, useAadAuth: true, identifierUri: IDENTIFIER_URI, tenantId: b.tenantId, objectId: '00000000-0000-0000-0000-000000000001' },
        { name: 'flaky-hook', serviceUri: `https://127.0.0.1:${receiverPort}/flaky`, useCommonAlertSchema: true },
      ],
    });
    assert.equal(ops.id, agId('ops'));
    assert.equal(ops.webhookReceivers?.length, 2);
    assert.equal(ops.webhookReceivers?.[0]?.identifierUri, IDENTIFIER_URI);
    // Targets the SSRF checks refuse at delivery time: Vigil's own port, and a private address not allowed.
    const vigilPort = new URL(b.endpoint).port;
    await monitor.actionGroups.createOrUpdate(b.resourceGroup, 'internal', {
      location: 'global',
      groupShortName: 'internal',
      enabled: true,
      webhookReceivers: [
        { name: 'vigil-itself', serviceUri: `https://127.0.0.1:${vigilPort}/subscriptions`, useCommonAlertSchema: true },
        { name: 'private', serviceUri: 'https://10.255.255.1/hook', useCommonAlertSchema: true },
      ],
    });
    const got = await monitor.actionGroups.get(b.resourceGroup, 'internal');
    assert.equal(got.groupShortName, 'internal');
    const admin = await p.adminToken(AUD.arm);
    const bad = async (receiverBody: unknown, pattern: RegExp) => {
      const r = await call(b, admin, 'PUT', `${agId('bad')}?api-version=2023-01-01`, { location: 'global', properties: { groupShortName: 'bad', enabled: true, ...(receiverBody as object) } });
      assert.equal(r.status, 400, r.text);
      assert.match(r.text, pattern);
    };
    await bad({ webhookReceivers: [{ name: 'h', serviceUri: 'http://example.com/x' }] }, /https only/);
    await bad({ webhookReceivers: [{ name: 'h', serviceUri: 'https://example.com/x', useAadAuth: true }] }, /identifierUri/);
    await bad({ webhookReceivers: [{ name: 'h', serviceUri: 'https://example.com/x', useAadAuth: true, identifierUri: 'https://management.azure.com/' }] }, /audience Vigil itself accepts/);
    // Without an SMTP relay (--alert-smtp-url), email receivers are refused, not accepted and never sent.
    await bad({ emailReceivers: [{ name: 'e', emailAddress: 'a@example.com' }] }, /UnsupportedReceiverType.*no SMTP relay/);
  });

  it('creates a rule whose query runs as its system-assigned identity, which fails visibly until granted access', async () => {
    const { monitor } = sdkClients(b);
    const rule = await monitor.scheduledQueryRules.createOrUpdate(b.resourceGroup, 'errors', {
      location: 'local',
      kind: 'LogAlert',
      identity: { type: 'SystemAssigned' },
      displayName: 'Errors per computer',
      description: 'More than zero errors on a computer',
      severity: 2,
      enabled: true,
      scopes: [b.workspaceResourceId],
      evaluationFrequency: 'PT2S',
      windowSize: 'PT4S',
      criteria: {
        allOf: [
          {
            query: "AppLogs_CL | where Level == 'Error'",
            timeAggregation: 'Count',
            dimensions: [{ name: 'Computer', operator: 'Include', values: ['*'] }],
            operator: 'GreaterThan',
            threshold: 0,
            failingPeriods: { numberOfEvaluationPeriods: 1, minFailingPeriodsToAlert: 1 },
          },
        ],
      },
      autoMitigate: true,
      actions: { actionGroups: [agId('ops'), agId('internal')], customProperties: { team: 'ops' } },
    });
    assert.equal(rule.id, rulePath('errors'));
    assert.equal(rule.identity?.type, 'SystemAssigned');
    assert.match(rule.identity?.principalId ?? '', /^[0-9a-f-]{36}$/);
    rulePrincipal = rule.identity!.principalId!;
    assert.equal(rule.evaluationFrequency, 'PT2S');
    assert.equal(rule.criteria?.allOf?.[0]?.query, "AppLogs_CL | where Level == 'Error'");

    // Its identity has no role yet: evaluations fail with the query API's 403, as the identity.
    const failed = await waitFor('a failed evaluation', async () => (await evaluations('errors')).find((e) => e.outcome === 'Failed'));
    assert.equal(failed.error?.code, 'InsufficientAccessError');
    assert.equal(failed.identity, rulePrincipal);
    const shown = await call(b, await p.adminToken(AUD.arm), 'GET', `${rulePath('errors')}?${SQR}`);
    assert.equal(shown.json<any>().properties.evaluationStatus.lastEvaluation.outcome, 'Failed');
    assert.equal(shown.json<any>().properties.evaluationStatus.lastEvaluation.error.code, 'InsufficientAccessError');
    // … and the activity log says so.
    const activity = await waitFor('the failure in the activity log', async () => {
      const rows = await query(`AzureActivity | where OperationNameValue == 'MICROSOFT.INSIGHTS/SCHEDULEDQUERYRULES/EVALUATE/ACTION' and ActivityStatusValue == 'Failure'`);
      return rows.length > 0 ? rows : undefined;
    }, 20_000);
    assert.equal(activity[0]!.Caller, rulePrincipal);
    assert.match(String(activity[0]!.Properties), /InsufficientAccessError/);
  });

  it('attacker side: a Monitoring Contributor cannot use a rule to read what they cannot read', async () => {
    const token = await mc.token(AUD.arm);
    // A user-assigned identity that may read the audit (Log Analytics Reader on the workspace).
    const uami = `${rg}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/auditor-id`;
    const created = await call(b, await p.adminToken(AUD.arm), 'PUT', `${uami}?api-version=2023-01-31`, { location: 'local' });
    assert.equal(created.status, 201, created.text);
    await p.assign(created.json<{ properties: { principalId: string } }>().properties.principalId, 'Log Analytics Reader', b.workspaceResourceId);
    const body = (identity: unknown, query = 'LAQueryLogs | summarize count()') => ({
      location: 'local',
      kind: 'LogAlert',
      identity,
      properties: {
        severity: 3,
        enabled: true,
        scopes: [b.workspaceResourceId],
        evaluationFrequency: 'PT2S',
        windowSize: 'PT2S',
        criteria: { allOf: [{ query, timeAggregation: 'Count', operator: 'GreaterThan', threshold: -1 }] },
        actions: { actionGroups: [agId('ops')] },
      },
    });
    // 1. Attaching an identity needs userAssignedIdentities/assign/action, which Monitoring Contributor lacks.
    const withUami = await call(b, token, 'PUT', `${rulePath('mc-uami')}?${SQR}`, body({ type: 'UserAssigned', userAssignedIdentities: { [uami]: {} } }));
    assert.equal(withUami.status, 403, withUami.text);
    assert.match(withUami.text, /AuthorizationFailed.*userAssignedIdentities\/assign\/action/);
    // 2. A rule of its own (system-assigned identity, no roles) over the audit: created, but its query is refused.
    const own = await call(b, token, 'PUT', `${rulePath('mc-rule')}?${SQR}`, body({ type: 'SystemAssigned' }));
    assert.equal(own.status, 201, own.text);
    const ownPrincipal = own.json<{ identity: { principalId: string } }>().identity.principalId;
    const failed = await waitFor('the attacker rule failing', async () => (await evaluations('mc-rule')).find((e) => e.outcome !== 'Skipped'));
    assert.equal(failed.outcome, 'Failed');
    assert.equal(failed.error?.code, 'InsufficientAccessError');
    assert.equal(failed.notifications.length, 0);
    // … and it cannot grant that identity anything.
    const grant = await call(b, token, 'PUT', `${b.workspaceResourceId}/providers/Microsoft.Authorization/roleAssignments/${crypto.randomUUID()}?api-version=2022-04-01`, {
      properties: { roleDefinitionId: `/subscriptions/${b.subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${roleId('Log Analytics Reader')}`, principalId: ownPrincipal },
    });
    assert.equal(grant.status, 403, grant.text);
    // 3. Once the Owner grants the 'errors' rule's identity read access, the Monitoring Contributor cannot
    //    point that rule at other data, nor add its own receivers.
    await p.assign(rulePrincipal, 'Log Analytics Reader', b.workspaceResourceId);
    const current = (await call(b, await p.adminToken(AUD.arm), 'GET', `${rulePath('errors')}?${SQR}`)).json<any>();
    const rewrite = await call(b, token, 'PUT', `${rulePath('errors')}?${SQR}`, {
      location: 'local',
      identity: { type: 'SystemAssigned' },
      properties: { ...current.properties, criteria: { allOf: [{ ...current.properties.criteria.allOf[0], query: 'LAQueryLogs | project Computer = QueryText' }] } },
    });
    assert.equal(rewrite.status, 403, rewrite.text);
    assert.match(rewrite.text, /roleAssignments\/write/);
    // It may still change what does not widen the rule's reach.
    const toggled = await call(b, token, 'PATCH', `${rulePath('errors')}?${SQR}`, { properties: { description: 'reviewed by monitoring' } });
    assert.equal(toggled.status, 200, toggled.text);
    // Deleting its own rule removes that rule's principal.
    assert.equal((await call(b, token, 'DELETE', `${rulePath('mc-rule')}?${SQR}`)).status, 200);
    const orphan = await call(b, await p.adminToken(AUD.arm), 'PUT', `${b.workspaceResourceId}/providers/Microsoft.Authorization/roleAssignments/${crypto.randomUUID()}?api-version=2022-04-01`, {
      properties: { roleDefinitionId: `/subscriptions/${b.subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${roleId('Log Analytics Reader')}`, principalId: ownPrincipal },
    });
    assert.equal(orphan.status, 400, orphan.text);
    assert.match(orphan.text, /PrincipalNotFound/);
  });

  it('fires per dimension combination, delivers the common alert schema with a secure-webhook token, and resolves', async () => {
    const now = new Date().toISOString();
    const status = await ingest(b, await p.adminToken(AUD.monitor), dcr, 'AppLogs', [
      { TimeGenerated: now, Computer: 'web1', Level: 'Error', Message: 'disk full' },
      { TimeGenerated: now, Computer: 'web1', Level: 'Error', Message: 'disk still full' },
      { TimeGenerated: now, Computer: 'web2', Level: 'Error', Message: 'oom' },
      { TimeGenerated: now, Computer: 'web3', Level: 'Info', Message: 'fine' },
    ]);
    assert.equal(status, 204);
    const secure = (condition: string, computer: string) =>
      received.find(
        (r) =>
          r.path === '/secure' &&
          r.payload.data.essentials.monitorCondition === condition &&
          r.payload.data.alertContext.condition.allOf[0].dimensions[0]?.value === computer,
      );
    const fired1 = await waitFor('web1 fired', async () => secure('Fired', 'web1'));
    const fired2 = await waitFor('web2 fired', async () => secure('Fired', 'web2'));
    assert.equal(secure('Fired', 'web3'), undefined, 'web3 logged no error');
    for (const f of [fired1, fired2]) {
      assert.equal(f.tokenError, undefined, f.tokenError);
      assert.equal(f.claims?.aud, IDENTIFIER_URI);
      assert.deepEqual(f.claims?.roles, ['ActionGroupsSecureWebhook']);
      assert.equal(f.claims?.appid, ACTION_GROUPS_APP_ID);
      assert.equal(f.claims?.tid, b.tenantId);
      const d = f.payload.data;
      assert.equal(f.payload.schemaId, 'azureMonitorCommonAlertSchema');
      assert.equal(d.essentials.alertRule, 'errors');
      assert.equal(d.essentials.alertRuleID, rulePath('errors'));
      assert.equal(d.essentials.severity, 'Sev2');
      assert.equal(d.essentials.signalType, 'Log');
      assert.equal(d.essentials.monitoringService, 'Log Alerts V2');
      assert.deepEqual(d.essentials.alertTargetIDs, [b.workspaceResourceId.toLowerCase()]);
      assert.equal(d.alertContext.conditionType, 'LogQueryCriteria');
      assert.equal(d.alertContext.condition.allOf[0].searchQuery, "AppLogs_CL | where Level == 'Error'");
      assert.equal(d.alertContext.condition.allOf[0].operator, 'GreaterThan');
      assert.equal(d.alertContext.condition.allOf[0].threshold, '0');
      assert.deepEqual(d.customProperties, { team: 'ops' });
    }
    assert.equal(fired1.payload.data.alertContext.condition.allOf[0].metricValue, 2);
    assert.deepEqual(fired1.payload.data.essentials.configurationItems, ['web1']);
    assert.equal(fired2.payload.data.alertContext.condition.allOf[0].metricValue, 1);
    // The window moves past the rows: both alerts resolve (autoMitigate), with the same alert id.
    const resolved1 = await waitFor('web1 resolved', async () => secure('Resolved', 'web1'));
    await waitFor('web2 resolved', async () => secure('Resolved', 'web2'));
    assert.equal(resolved1.payload.data.essentials.alertId, fired1.payload.data.essentials.alertId);
    assert.ok(resolved1.payload.data.essentials.resolvedDateTime);

    // Delivery status in the evaluation history: the flaky receiver was retried; the SSRF targets refused.
    const history = await waitFor('deliveries settled', async () => {
      const h = await evaluations('errors');
      const firing = h.find((e) => e.fired.length === 2);
      return firing && firing.notifications.every((n) => n.status !== 'Pending') ? firing : undefined;
    }, 30_000);
    assert.equal(history.outcome, 'Succeeded');
    assert.equal(history.identity, rulePrincipal);
    assert.equal(history.rows, 3);
    const by = (name: string) => history.notifications.filter((n) => n.receiver === name);
    assert.equal(by('secure-hook').length, 2);
    assert.ok(by('secure-hook').every((n) => n.status === 'Delivered' && n.attempts === 1));
    assert.ok(by('flaky-hook').every((n) => n.status === 'Delivered'));
    assert.ok(by('flaky-hook').some((n) => n.attempts === 2), JSON.stringify(by('flaky-hook')));
    for (const n of by('vigil-itself')) {
      assert.equal(n.status, 'Refused');
      assert.match(n.lastError!, /Vigil's own listener/);
    }
    for (const n of by('private')) {
      assert.equal(n.status, 'Refused');
      assert.match(n.lastError!, /10\.255\.255\.1 is a private address/);
    }
    assert.equal(received.filter((r) => r.path === '/subscriptions').length, 0);

    // The recovery is in the activity log too; evaluations are not user queries: nothing in LAQueryLogs.
    await waitFor('the recovery in the activity log', async () => {
      const rows = await query(`AzureActivity | where OperationNameValue == 'MICROSOFT.INSIGHTS/SCHEDULEDQUERYRULES/EVALUATE/ACTION' and ActivityStatusValue == 'Success'`);
      return rows.length > 0 ? rows : undefined;
    }, 20_000);
    const mine = await waitFor('the audit of my own query', async () => {
      const rows = await query(`LAQueryLogs | summarize n = count(), rule = countif(AADObjectId == '${rulePrincipal}')`);
      return Number(rows[0]!.n) > 0 ? rows[0]! : undefined;
    }, 20_000);
    assert.equal(Number(mine.rule), 0);
  });

  it('accepts 2021-08-01 bodies (the rule gets its own identity) and refuses what it would not honour', async () => {
    const admin = await p.adminToken(AUD.arm);
    const props = {
      severity: 4,
      enabled: false,
      scopes: [b.workspaceResourceId],
      evaluationFrequency: 'PT2S',
      windowSize: 'PT2S',
      criteria: { allOf: [{ query: 'AppLogs_CL', timeAggregation: 'Count', operator: 'GreaterThan', threshold: 100 }] },
    };
    const old = await call(b, admin, 'PUT', `${rulePath('legacy')}?api-version=2021-08-01`, { location: 'local', properties: props });
    assert.equal(old.status, 201, old.text);
    assert.equal(old.json<any>().identity.type, 'SystemAssigned', 'never the author: a rule without identity gets a system-assigned one');
    assert.equal(old.json<any>().properties.createdWithApiVersion, '2021-08-01');
    const refuse = async (change: Record<string, unknown>, pattern: RegExp) => {
      const r = await call(b, admin, 'PUT', `${rulePath('legacy')}?${SQR}`, { location: 'local', properties: { ...props, ...change } });
      assert.equal(r.status, 400, r.text);
      assert.match(r.text, pattern);
    };
    await refuse({ evaluationFrequency: 'PT1S' }, /evaluationFrequency 'PT1S' must be .* from 2 seconds/);
    await refuse({ windowSize: 'PT1S' }, /windowSize/);
    await refuse({ scopes: [`${rg}/providers/Microsoft.OperationalInsights/workspaces/nope`] }, /not an existing Log Analytics workspace/);
    await refuse({ resolveConfiguration: { autoResolved: true, timeToResolve: 'PT10M' } }, /resolveConfiguration is not supported/);
    await refuse({ actions: { actionGroups: [agId('missing')] } }, /does not exist/);
    await refuse({ criteria: { allOf: [{ query: 'AppLogs_CL', timeAggregation: 'Average', operator: 'GreaterThan', threshold: 1 }] } }, /metricMeasureColumn/);
    const other = await call(b, admin, 'PUT', `${rulePath('legacy')}?api-version=2018-04-16`, { location: 'local', properties: props });
    assert.equal(other.status, 400);
    assert.match(other.text, /NoRegisteredProviderFound/);
    const list = await sdkClients(b).monitor.scheduledQueryRules.listByResourceGroup(b.resourceGroup);
    const names: string[] = [];
    for await (const r of list) names.push(r.name!);
    assert.ok(names.includes('legacy') && names.includes('errors'), names.join());
    await sdkClients(b).monitor.scheduledQueryRules.delete(b.resourceGroup, 'legacy');
    assert.equal((await call(b, admin, 'GET', `${rulePath('legacy')}?${SQR}`)).status, 404);
  });

  it('mutes actions for muteActionsDuration after an alert fires', async () => {
    // A condition that holds four seconds out of eight: it fires, resolves and fires again.
    const { monitor } = sdkClients(b);
    const rule = await monitor.scheduledQueryRules.createOrUpdate(b.resourceGroup, 'muted', {
      location: 'local',
      identity: { type: 'SystemAssigned' },
      severity: 3,
      enabled: true,
      scopes: [b.workspaceResourceId],
      evaluationFrequency: 'PT2S',
      windowSize: 'PT2S',
      criteria: { allOf: [{ query: "print n = 1 | where datetime_part('second', now()) % 8 < 4", timeAggregation: 'Count', operator: 'GreaterThan', threshold: 0 }] },
      autoMitigate: true,
      muteActionsDuration: 'PT10M',
      actions: { actionGroups: [agId('ops')] },
    });
    await p.assign(rule.identity!.principalId!, 'Reader', b.workspaceResourceId);
    const h = await waitFor('fired, resolved and fired again', async () => {
      const e = await evaluations('muted');
      return e.filter((x) => x.fired.length > 0).length >= 2 ? e : undefined;
    });
    const [second, first] = h.filter((x) => x.fired.length > 0);
    assert.ok(first!.notifications.every((n) => n.status !== 'Suppressed'), JSON.stringify(first!.notifications));
    assert.ok(second!.notifications.length > 0 && second!.notifications.every((n) => n.status === 'Suppressed'), JSON.stringify(second!.notifications));
    const resolved = h.find((x) => x.resolved.length > 0)!;
    assert.ok(resolved.notifications.every((n) => n.status === 'Suppressed'));
    await monitor.scheduledQueryRules.update(b.resourceGroup, 'muted', { enabled: false });
    assert.equal((await monitor.scheduledQueryRules.get(b.resourceGroup, 'muted')).enabled, false);
  });

  it("'vigil alerts install-security-rules' installs the unauthorized-query-attempts rule, which fires for a 403", async () => {
    const run = spawnSync(
      process.execPath,
      [CLI, 'alerts', 'install-security-rules', '--data-dir', vigil.dataDir, '--workspace', b.workspaceId, '--action-group', agId('ops'), '--frequency', 'PT2S', '--window', 'PT10S'],
      { encoding: 'utf8', env: process.env },
    );
    assert.equal(run.status, 0, run.stderr);
    const installed = JSON.parse(run.stdout) as { rule: string; principalId: string; roleAssignments: string[] };
    assert.equal(installed.rule, rulePath('unauthorized-query-attempts'));
    assert.equal(installed.roleAssignments.length, 2);
    // Running it again changes nothing (same rule, same identity, no duplicate assignments).
    const again = spawnSync(process.execPath, [CLI, 'alerts', 'install-security-rules', '--data-dir', vigil.dataDir, '--action-group', agId('ops'), '--frequency', 'PT2S', '--window', 'PT10S'], { encoding: 'utf8' });
    assert.equal(again.status, 0, again.stderr);
    assert.deepEqual(JSON.parse(again.stdout).roleAssignments, installed.roleAssignments);
    // Least privilege: the identity reads LAQueryLogs, and not the application's tables.
    const intruder = await p.create('intruder');
    const denied = await call(b, await intruder.token(AUD.logs), 'POST', `/v1/workspaces/${b.workspaceId}/query`, { query: 'AppLogs_CL | take 1' });
    assert.equal(denied.status, 403, denied.text);
    const alert = await waitFor('the unauthorized-query alert', async () =>
      received.find(
        (r) =>
          r.path === '/secure' &&
          r.payload.data.essentials.alertRule === 'unauthorized-query-attempts' &&
          r.payload.data.essentials.monitorCondition === 'Fired' &&
          r.payload.data.alertContext.condition.allOf[0].dimensions.some((d: { name: string; value: string }) => d.name === 'AADObjectId' && d.value === intruder.objectId),
      ),
    );
    assert.equal(alert.payload.data.essentials.severity, 'Sev1');
    assert.ok(alert.payload.data.alertContext.condition.allOf[0].metricValue >= 1);
    assert.equal(alert.tokenError, undefined);
    const evals = await evaluations('unauthorized-query-attempts');
    assert.ok(evals.some((e) => e.outcome === 'Succeeded' && e.identity === installed.principalId));
    // Its identity cannot read application data: pointed (by the Owner) at AppLogs_CL, the rule fails.
    const admin = await p.adminToken(AUD.arm);
    const current = (await call(b, admin, 'GET', `${rulePath('unauthorized-query-attempts')}?${SQR}`)).json<any>();
    const rewritten = await call(b, admin, 'PUT', `${rulePath('unauthorized-query-attempts')}?${SQR}`, {
      location: 'local',
      identity: { type: 'SystemAssigned' },
      properties: { ...current.properties, criteria: { allOf: [{ ...current.properties.criteria.allOf[0], query: 'AppLogs_CL | project AADObjectId = Computer' }] } },
    });
    assert.equal(rewritten.status, 200, rewritten.text);
    assert.equal(rewritten.json<any>().identity.principalId, installed.principalId, 'the identity is kept across updates');
    const refused = await waitFor('the rewritten rule failing', async () =>
      (await evaluations('unauthorized-query-attempts')).find((e) => e.outcome === 'Failed' && Date.parse(e.evaluatedAt) > Date.parse(current.systemData.lastModifiedAt)),
    );
    assert.match(refused.error!.code, /InsufficientAccessError|BadArgumentError/);
    assert.match(refused.error!.message, /AppLogs_CL/);
  });

  it('continues after a restart with no missed and no repeated period', async () => {
    const before = (await evaluations('errors')).filter((e) => e.outcome !== 'Skipped');
    assert.ok(before.length >= 3);
    await vigil.stop();
    await sleep(5_000);
    const restarted = await startVigil({ dataDir: vigil.dataDir, args });
    vigil = restarted;
    b = restarted.bootstrap;
    p = new Principals(b);
    const lastBefore = Date.parse(before[0]!.windowEnd);
    await waitFor('evaluations after the restart', async () => {
      const h = await evaluations('errors');
      return h.filter((e) => Date.parse(e.windowEnd) > lastBefore + 10_000).length >= 2 ? h : undefined;
    });
    const ends = (await evaluations('errors'))
      .filter((e) => e.outcome !== 'Skipped')
      .map((e) => Date.parse(e.windowEnd))
      .reverse();
    assert.equal(new Set(ends).size, ends.length, 'no period evaluated twice');
    for (let i = 1; i < ends.length; i++) assert.equal(ends[i]! - ends[i - 1]!, 2000, `periods ${new Date(ends[i - 1]!).toISOString()} → ${new Date(ends[i]!).toISOString()} are consecutive`);
    // The periods while Vigil was down were caught up (the down time was more than two periods).
    assert.ok(ends.filter((e) => e > lastBefore && e <= lastBefore + 6_000).length >= 2);
  });
});
