/**
 * Issue #13, the alerts themselves, against a real Vigil over HTTPS with raw ARM calls (the
 * `@azure/arm-alertsmanagement` package is not in the npm registry Vigil's CI reaches):
 * `Microsoft.AlertsManagement/alerts` list/get/changestate/history and `alertsSummary` with Azure's
 * bodies, authorized per alert on its target resource and tested from the attacker's side; alerts
 * split per resource by `resourceIdColumn` (the alert targets that resource); the 256 KB limit of
 * the common alert schema with a rule whose result is large; Logic App and Azure Function receivers
 * delivered like webhooks, with the same SSRF checks; email receivers sent through an SMTP relay
 * (`--alert-smtp-url`, a local `smtp-server` with TLS and a password on 127.0.0.1).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SMTPServer } from 'smtp-server';
import { createLogTable, ingest } from '../support/log-table.js';
import { AUD, call, Principals, type TestPrincipal } from '../support/principals.js';
import { startVigil, type VigilProcess } from '../support/vigil-process.js';
import { waitFor } from '../support/wait-for.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';

const SQR = 'api-version=2023-12-01';
const AM = 'api-version=2019-03-01';

interface Received {
  path: string;
  bytes: number;
  payload: any;
}

interface Mail {
  from: string;
  to: string[];
  raw: string;
}

/** The decoded `alert.json` attachment of a raw MIME message. */
function attachment(raw: string): any {
  const m = /filename="?alert\.json"?[\s\S]*?\r?\n\r?\n([A-Za-z0-9+/=\r\n]+)/.exec(raw);
  return m ? JSON.parse(Buffer.from(m[1]!.replace(/\s+/g, ''), 'base64').toString('utf8')) : undefined;
}

interface ArmAlert {
  id: string;
  type: string;
  name: string;
  properties: { essentials: Record<string, any>; context?: any; customProperties: Record<string, string> };
}


describe('alerts management, resourceIdColumn, payload limit, Logic App, Function and email receivers', { timeout: 300_000 }, () => {
  let vigil: VigilProcess;
  let b: VigilProcess['bootstrap'];
  let p: Principals;
  let receiver: WebhookReceiver | undefined;
  const received: Received[] = [];
  let smtp: SMTPServer;
  const mails: Mail[] = [];
  let dcr: string;
  let sub: string;
  let rgA: string;
  let rgB: string;
  let vm1: string;
  let vm2: string;
  let readerA: TestPrincipal;
  let contributorB: TestPrincipal;

  const rulePath = (name: string) => `${rgA}/providers/Microsoft.Insights/scheduledQueryRules/${name}`;
  const agId = (name: string) => `${rgA}/providers/Microsoft.Insights/actionGroups/${name}`;
  const admin = () => p.adminToken(AUD.arm);
  const evaluations = async (name: string) => {
    const r = await call(b, await admin(), 'GET', `${rulePath(name)}/evaluations?${SQR}`);
    assert.equal(r.status, 200, r.text);
    return r.json<{ value: { outcome: string; error?: { code: string }; fired: string[]; notifications: { receiver: string; status: string; lastError?: string; payloadTrimmed?: boolean }[] }[] }>().value;
  };
  const list = async (token: string, scope: string, query = '') => {
    const r = await call(b, token, 'GET', `${scope}/providers/Microsoft.AlertsManagement/alerts?${AM}${query}`);
    return { status: r.status, text: r.text, value: r.status === 200 ? r.json<{ value: ArmAlert[]; nextLink?: string }>().value : [], nextLink: r.status === 200 ? r.json<{ nextLink?: string }>().nextLink : undefined };
  };
  const rule = (query: string, extra: Record<string, unknown>) => ({
    location: 'local',
    kind: 'LogAlert',
    identity: { type: 'SystemAssigned' },
    properties: {
      severity: 1,
      enabled: true,
      scopes: [b.workspaceResourceId],
      evaluationFrequency: 'PT2S',
      windowSize: 'PT10S',
      autoMitigate: false,
      actions: { actionGroups: [agId('hooks')], customProperties: { runbook: 'https://wiki.example/alerts' } },
      criteria: { allOf: [{ query, timeAggregation: 'Count', operator: 'GreaterThan', threshold: 0, ...extra }] },
    },
  });

  before(async () => {
    receiver = await startWebhookReceiver(({ path, body }) => {
      received.push({ path, bytes: body.length, payload: JSON.parse(body.toString('utf8')) });
      return 200;
    });
    const tls = receiver.tls;
    // The SMTP relay: implicit TLS with the receiver's CA, a password, and a recipient it refuses for good.
    smtp = new SMTPServer({
      secure: true,
      key: tls.keyPem,
      cert: tls.certPem,
      logger: false,
      authMethods: ['PLAIN', 'LOGIN'],
      onAuth: (auth, _session, cb) => (auth.username === 'vigil' && auth.password === 'p@ss:word' ? cb(null, { user: 'vigil' }) : cb(new Error('invalid credentials'))),
      onRcptTo: (address, _session, cb) => {
        if (!address.address.startsWith('blocked@')) return cb();
        cb(Object.assign(new Error('mailbox unavailable'), { responseCode: 550 }));
      },
      onData: (stream, session, cb) => {
        const chunks: Buffer[] = [];
        stream.on('data', (d: Buffer) => chunks.push(d));
        stream.on('end', () => {
          mails.push({ from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '', to: session.envelope.rcptTo.map((a) => a.address), raw: Buffer.concat(chunks).toString('utf8') });
          cb();
        });
      },
    });
    await new Promise<void>((r) => smtp.listen(0, '127.0.0.1', () => r()));
    const smtpPort = (smtp.server.address() as { port: number }).port;
    vigil = await startVigil({
      args: ['--alert-min-frequency', '2', '--alert-webhook-allow', '127.0.0.0/8', '--alert-webhook-ca', tls.caPath, '--alert-smtp-ca', tls.caPath, '--alert-smtp-from', 'alerts@vigil.test'],
      // The relay URL holds a password: given through the environment, not the command line.
      env: { VIGIL_ALERT_SMTP_URL: `smtps://vigil:${encodeURIComponent('p@ss:word')}@127.0.0.1:${smtpPort}` },
    });
    b = vigil.bootstrap;
    p = new Principals(b);
    sub = `/subscriptions/${b.subscriptionId}`;
    rgA = `${sub}/resourceGroups/${b.resourceGroup}`;
    rgB = `${sub}/resourceGroups/rg-b`;
    const created = await call(b, await admin(), 'PUT', `${rgB}?api-version=2021-04-01`, { location: 'local' });
    assert.ok(created.status === 201 || created.status === 200, created.text);
    vm1 = `${rgA}/providers/Microsoft.Compute/virtualMachines/vm1`.toLowerCase();
    vm2 = `${rgB}/providers/Microsoft.Compute/virtualMachines/vm2`.toLowerCase();
    dcr = await createLogTable(b, 'HostLogs_CL', 'HostLogs', [
      { name: 'TimeGenerated', type: 'datetime' },
      { name: 'Computer', type: 'string' },
      { name: 'Level', type: 'string' },
      { name: 'ResId', type: 'string' },
    ]);
    readerA = await p.create('monitoring-reader-a');
    await p.assign(readerA.objectId, 'Monitoring Reader', rgA);
    contributorB = await p.create('monitoring-contributor-b');
    await p.assign(contributorB.objectId, 'Monitoring Contributor', rgB);
  });

  after(async () => {
    await vigil?.dispose();
    await receiver?.close();
    await new Promise<void>((r) => (smtp ? smtp.close(() => r()) : r()));
  });

  it('accepts Logic App, Azure Function and email receivers, and refuses the kinds it cannot deliver with ARM errors', async () => {
    const vigilPort = new URL(b.endpoint).port;
    const hook = (path: string) => receiver!.url(path);
    const put = await call(b, await admin(), 'PUT', `${agId('hooks')}?api-version=2023-01-01`, {
      location: 'global',
      properties: {
        groupShortName: 'hooks',
        enabled: true,
        webhookReceivers: [{ name: 'hook', serviceUri: hook('/hook'), useCommonAlertSchema: true }],
        emailReceivers: [
          { name: 'oncall', emailAddress: 'oncall@example.com', useCommonAlertSchema: true },
          { name: 'blocked', emailAddress: 'blocked@example.com', useCommonAlertSchema: true },
        ],
        logicAppReceivers: [{ name: 'logic', resourceId: `${rgA}/providers/Microsoft.Logic/workflows/triage`, callbackUrl: hook('/logic?sig=s3cret'), useCommonAlertSchema: true }],
        azureFunctionReceivers: [
          { name: 'func', functionAppResourceId: `${rgA}/providers/Microsoft.Web/sites/fn`, functionName: 'onAlert', httpTriggerUrl: hook('/func?code=k'), useCommonAlertSchema: true },
          { name: 'func-self', functionAppResourceId: `${rgA}/providers/Microsoft.Web/sites/fn`, functionName: 'x', httpTriggerUrl: `https://127.0.0.1:${vigilPort}/subscriptions`, useCommonAlertSchema: true },
        ],
      },
    });
    assert.equal(put.status, 201, put.text);
    const got = await call(b, await admin(), 'GET', `${agId('hooks')}?api-version=2023-01-01`);
    const props = got.json<any>().properties;
    assert.equal(props.logicAppReceivers[0].callbackUrl, hook('/logic?sig=s3cret'));
    assert.equal(props.azureFunctionReceivers[0].functionName, 'onAlert');
    assert.deepEqual(props.emailReceivers[0], { name: 'oncall', emailAddress: 'oncall@example.com', useCommonAlertSchema: true, status: 'Enabled' });
    assert.deepEqual(props.smsReceivers, []);
    const refused = async (extra: Record<string, unknown>, pattern: RegExp, code = 'UnsupportedReceiverType') => {
      const r = await call(b, await admin(), 'PUT', `${agId('bad')}?api-version=2023-01-01`, { location: 'global', properties: { groupShortName: 'bad', enabled: true, ...extra } });
      assert.equal(r.status, 400, r.text);
      assert.equal(r.json<any>().error.code, code);
      assert.match(r.json<any>().error.message, pattern);
    };
    await refused({ smsReceivers: [{ name: 's', countryCode: '1', phoneNumber: '5555550100' }] }, /smsReceivers: Vigil delivers alerts to webhook, Logic App, Azure Function and email receivers only/);
    await refused({ emailReceivers: [{ name: 'e', emailAddress: 'not an address' }] }, /emailAddress must be an email address/, 'InvalidRequestContent');
    await refused({ eventHubReceivers: [{ name: 'e', eventHubNameSpace: 'ns', eventHubName: 'h', subscriptionId: b.subscriptionId }] }, /eventHubReceivers/);
    await refused({ logicAppReceivers: [{ name: 'l', resourceId: 'x', callbackUrl: 'http://example.com/cb' }] }, /https only/, 'InvalidRequestContent');
    await refused(
      { webhookReceivers: [{ name: 'same', serviceUri: hook('/a') }], logicAppReceivers: [{ name: 'Same', resourceId: 'x', callbackUrl: hook('/b') }] },
      /used twice/,
      'InvalidRequestContent',
    );
  });

  it('splits alerts per resource by resourceIdColumn: each alert targets its resource, the query still runs as the identity', async () => {
    const created = await call(b, await admin(), 'PUT', `${rulePath('per-resource')}?${SQR}`, rule("HostLogs_CL | where Level == 'Error'", { resourceIdColumn: 'ResId' }));
    assert.equal(created.status, 201, created.text);
    assert.equal(created.json<any>().properties.criteria.allOf[0].resourceIdColumn, 'ResId');
    // Its identity holds no role yet: the resource ids in the data give it nothing, the evaluation fails and no alert fires.
    const failed = await waitFor('a failed evaluation', async () => (await evaluations('per-resource')).find((e) => e.outcome === 'Failed'));
    assert.equal(failed.error?.code, 'InsufficientAccessError');
    assert.equal(failed.fired.length, 0);
    await p.assign(created.json<any>().identity.principalId, 'Log Analytics Reader', b.workspaceResourceId);
    const now = new Date().toISOString();
    const status = await ingest(b, await p.adminToken(AUD.monitor), dcr, 'HostLogs', [
      { TimeGenerated: now, Computer: 'a', Level: 'Error', ResId: vm1.toUpperCase() },
      { TimeGenerated: now, Computer: 'b', Level: 'Error', ResId: vm1 },
      { TimeGenerated: now, Computer: 'c', Level: 'Error', ResId: vm2 },
      { TimeGenerated: now, Computer: 'd', Level: 'Info', ResId: vm2 },
    ]);
    assert.equal(status, 204);
    const fired = (target: string) => received.find((r) => r.path === '/hook' && r.payload.data.essentials.alertRule === 'per-resource' && r.payload.data.essentials.alertTargetIDs[0] === target);
    const one = await waitFor('the vm1 alert', async () => fired(vm1));
    const two = await waitFor('the vm2 alert', async () => fired(vm2));
    assert.equal(one.payload.data.alertContext.condition.allOf[0].metricValue, 2, 'the two rows of vm1 (any casing) are one resource');
    assert.equal(two.payload.data.alertContext.condition.allOf[0].metricValue, 1);
    assert.deepEqual(one.payload.data.essentials.configurationItems, ['vm1']);
    assert.equal(two.payload.data.essentials.targetResourceGroup, 'rg-b');
    assert.equal(two.payload.data.essentials.targetResourceType, 'microsoft.compute/virtualmachines');
    assert.equal(received.filter((r) => r.path === '/hook' && r.payload.data.essentials.alertRule === 'per-resource').length, 2);
    // The Logic App and Function receivers got the same alerts; the Function receiver at Vigil's own port was refused.
    await waitFor('Logic App and Function deliveries', async () =>
      received.some((r) => r.path === '/logic?sig=s3cret' && r.payload.data.essentials.alertTargetIDs[0] === vm2) &&
      received.some((r) => r.path === '/func?code=k' && r.payload.data.essentials.alertTargetIDs[0] === vm2)
        ? true
        : undefined,
    );
    const settled = await waitFor('deliveries settled', async () => {
      const e = (await evaluations('per-resource')).find((x) => x.fired.length === 2);
      return e && e.notifications.every((n) => n.status !== 'Pending') ? e : undefined;
    });
    // Email: through the relay, with Azure's subject and the common schema attached; the refused recipient is not retried.
    const mail = mails.find((m) => m.to.includes('oncall@example.com') && /Subject: Fired:Sev1 Azure Monitor Alert per-resource on vm2/.test(m.raw));
    assert.ok(mail, mails.map((m) => /Subject: .*/.exec(m.raw)?.[0]).join(' | '));
    assert.equal(mail.from, 'alerts@vigil.test');
    const attached = attachment(mail.raw);
    assert.equal(attached?.schemaId, 'azureMonitorCommonAlertSchema');
    assert.deepEqual(attached.data.essentials.alertTargetIDs, [vm2]);
    assert.equal(mails.filter((m) => m.to.includes('blocked@example.com')).length, 0);
    for (const n of settled.notifications.filter((x) => x.receiver === 'blocked')) {
      assert.equal(n.status, 'Failed');
      assert.match(n.lastError!, /550|mailbox unavailable/);
    }
    assert.ok(settled.notifications.filter((n) => n.receiver === 'blocked').every((n) => (n as { attempts?: number }).attempts === 1));
    const self = settled.notifications.filter((n) => n.receiver === 'func-self');
    assert.equal(self.length, 2);
    for (const n of self) {
      assert.equal(n.status, 'Refused');
      assert.match(n.lastError!, /Vigil's own listener/);
    }
    assert.ok(settled.notifications.filter((n) => n.receiver !== 'func-self' && n.receiver !== 'blocked').every((n) => n.status === 'Delivered'), JSON.stringify(settled.notifications));
  });

  it('lists and gets the alerts with the AlertsManagement body, filtered, sorted and paged', async () => {
    const token = await admin();
    const all = await waitFor('two alerts listed', async () => {
      const l = await list(token, sub, `&alertRule=${encodeURIComponent(rulePath('per-resource'))}`);
      assert.equal(l.status, 200, l.text);
      return l.value.length === 2 ? l.value : undefined;
    });
    const a2 = all.find((a) => a.properties.essentials.targetResource === vm2)!;
    assert.ok(a2, JSON.stringify(all));
    assert.match(a2.id, new RegExp(`^${vm2.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}/providers/Microsoft\\.AlertsManagement/alerts/[0-9a-f-]{36}$`));
    assert.equal(a2.type, 'Microsoft.AlertsManagement/alerts');
    assert.equal(a2.name, 'per-resource');
    const e = a2.properties.essentials;
    assert.equal(e.severity, 'Sev1');
    assert.equal(e.signalType, 'Log');
    assert.equal(e.alertState, 'New');
    assert.equal(e.monitorCondition, 'Fired');
    assert.equal(e.targetResourceName, 'vm2');
    assert.equal(e.targetResourceGroup, 'rg-b');
    assert.equal(e.targetResourceType, 'microsoft.compute/virtualmachines');
    assert.equal(e.monitorService, 'Log Alerts V2');
    assert.equal(e.alertRule, rulePath('per-resource'));
    assert.equal(e.actionStatus.isSuppressed, false);
    assert.equal(a2.properties.context, undefined, 'no context without includeContext');
    assert.deepEqual(a2.properties.customProperties, { runbook: 'https://wiki.example/alerts' });
    // The common schema's alert id names the same alert.
    const hook = received.find((r) => r.path === '/hook' && r.payload.data.essentials.alertTargetIDs[0] === vm2)!;
    assert.equal(hook.payload.data.essentials.originAlertId, a2.id.split('/').pop());
    // GET by its id, at the subscription and at the resource; with the context.
    const byId = await call(b, token, 'GET', `${a2.id}?${AM}`);
    assert.equal(byId.status, 200, byId.text);
    assert.equal(byId.json<ArmAlert>().properties.context.conditionType, 'LogQueryCriteria');
    assert.equal(byId.json<ArmAlert>().properties.context.condition.allOf[0].searchQuery, "HostLogs_CL | where Level == 'Error'");
    const bySub = await call(b, token, 'GET', `${sub}/providers/Microsoft.AlertsManagement/alerts/${a2.id.split('/').pop()}?${AM}`);
    assert.equal(bySub.status, 200, bySub.text);
    const elsewhere = await call(b, token, 'GET', `${rgA}/providers/Microsoft.AlertsManagement/alerts/${a2.id.split('/').pop()}?${AM}`);
    assert.equal(elsewhere.status, 404, 'the vm2 alert is not under resource group A');
    assert.equal(elsewhere.json<any>().error.code, 'ResourceNotFound');
    // Filters, sorting, paging.
    assert.equal((await list(token, sub, '&severity=Sev3')).value.length, 0);
    assert.equal((await list(token, sub, `&targetResourceGroup=rg-b&alertRule=${encodeURIComponent(rulePath('per-resource'))}`)).value.length, 1);
    assert.equal((await list(token, rgB)).value.length, 1);
    const sorted = await list(token, sub, `&alertRule=${encodeURIComponent(rulePath('per-resource'))}&sortBy=targetResource&sortOrder=asc&includeContext=true`);
    assert.deepEqual(sorted.value.map((a) => a.properties.essentials.targetResource), [vm1, vm2].sort());
    assert.ok(sorted.value.every((a) => a.properties.context?.conditionType === 'LogQueryCriteria'));
    const page1 = await list(token, sub, `&alertRule=${encodeURIComponent(rulePath('per-resource'))}&pageCount=1&sortBy=targetResource&sortOrder=asc`);
    assert.equal(page1.value.length, 1);
    assert.ok(page1.nextLink?.startsWith(b.endpoint), page1.nextLink);
    const next = await call(b, token, 'GET', page1.nextLink!.slice(b.endpoint.length));
    assert.equal(next.status, 200, next.text);
    assert.deepEqual(next.json<{ value: ArmAlert[] }>().value.map((a) => a.properties.essentials.targetResource), [[vm1, vm2].sort()[1]]);
    assert.equal(next.json<{ nextLink?: string }>().nextLink, undefined);
    for (const bad of ['&severity=Sev9', '&timeRange=2y', '&pageCount=0', '&sortBy=colour', '&customTimeRange=2020-01-01/2021-01-01']) {
      const r = await list(token, sub, bad);
      assert.equal(r.status, 400, `${bad}: ${r.text}`);
      assert.equal(JSON.parse(r.text).error.code, 'BadRequest');
    }
    const noVersion = await call(b, token, 'GET', `${sub}/providers/Microsoft.AlertsManagement/alerts`);
    assert.equal(noVersion.status, 400);
    // alertsSummary.
    const summary = await call(b, token, 'GET', `${sub}/providers/Microsoft.AlertsManagement/alertsSummary?${AM}&groupby=severity,alertState&alertRule=${encodeURIComponent(rulePath('per-resource'))}`);
    assert.equal(summary.status, 200, summary.text);
    assert.deepEqual(summary.json<any>().properties, {
      groupedby: 'severity',
      smartGroupsCount: 0,
      total: 2,
      values: [{ name: 'Sev1', count: 2, groupedby: 'alertState', values: [{ name: 'New', count: 2 }] }],
    });
  });

  it('keeps the alert history as a table: a VigilAlertHistory row per fired alert in the rule’s workspace', async () => {
    const token = await p.adminToken(AUD.logs);
    const rows = await waitFor('VigilAlertHistory rows', async () => {
      const r = await call(b, token, 'POST', `/v1/workspaces/${b.workspaceId}/query`, {
        query: "VigilAlertHistory | where AlertRuleName == 'per-resource' and MonitorCondition == 'Fired' | project TargetResource, Severity, AlertId, AlertRule, FiredTime",
        timespan: 'P1D',
      });
      assert.equal(r.status, 200, r.text);
      const t = r.json<{ tables: { rows: unknown[][] }[] }>().tables[0]!;
      return t.rows.length >= 2 ? t.rows : undefined;
    });
    assert.deepEqual(rows.map((r) => r[0]).sort(), [vm1, vm2].sort());
    assert.ok(rows.every((r) => r[1] === 'Sev1' && r[3] === rulePath('per-resource') && typeof r[4] === 'string'), JSON.stringify(rows));
    // The same alerts as the AlertsManagement API lists.
    const listed = await list(await admin(), sub, `&alertRule=${encodeURIComponent(rulePath('per-resource'))}`);
    assert.deepEqual(rows.map((r) => String(r[2]).toLowerCase()).sort(), listed.value.map((a) => a.id.split('/').pop()!.toLowerCase()).sort());
    // A principal without the workspace's audit tables cannot read it (system tables need their own read right).
    const denied = await call(b, await readerA.token(AUD.logs), 'POST', `/v1/workspaces/${b.workspaceId}/query`, { query: 'VigilAlertHistory | count', timespan: 'P1D' });
    assert.notEqual(denied.status, 200, denied.text);
  });

  it('attacker side: rights on one resource group show only that group’s alerts, and reading is not changing', async () => {
    const vm2Alert = (await list(await admin(), rgB)).value[0]!;
    const vm1Alert = (await list(await admin(), sub, `&targetResource=${encodeURIComponent(vm1)}`)).value[0]!;
    const id2 = vm2Alert.id.split('/').pop()!;
    const readerToken = await readerA.token(AUD.arm);
    // A Monitoring Reader on resource group A lists at the subscription: only A's alerts.
    const mine = await list(readerToken, sub);
    assert.equal(mine.status, 200, mine.text);
    assert.ok(mine.value.some((a) => a.properties.essentials.targetResource === vm1));
    assert.ok(mine.value.every((a) => a.properties.essentials.targetResource.toLowerCase().startsWith(rgA.toLowerCase() + '/')), JSON.stringify(mine.value.map((a) => a.id)));
    // … at resource group B: 403, as ARM answers for a scope without the right.
    const other = await list(readerToken, rgB);
    assert.equal(other.status, 403, other.text);
    assert.equal(JSON.parse(other.text).error.code, 'AuthorizationFailed');
    // B's alert by id: 404 through the subscription (it is not told that the alert exists), 403 at B's resource.
    assert.equal((await call(b, readerToken, 'GET', `${sub}/providers/Microsoft.AlertsManagement/alerts/${id2}?${AM}`)).status, 404);
    assert.equal((await call(b, readerToken, 'GET', `${vm2Alert.id}?${AM}`)).status, 403);
    assert.equal((await call(b, readerToken, 'GET', `${vm2Alert.id}/history?${AM}`)).status, 403);
    const summary = await call(b, readerToken, 'GET', `${sub}/providers/Microsoft.AlertsManagement/alertsSummary?${AM}&groupby=alertState`);
    assert.equal(summary.json<any>().properties.total, mine.value.length);
    // Reading is not changing: the reader cannot acknowledge its own alert; nor B's, nor can it learn of it.
    const ack = await call(b, readerToken, 'POST', `${vm1Alert.id}/changestate?${AM}&newState=Acknowledged`);
    assert.equal(ack.status, 403, ack.text);
    assert.match(ack.text, /alerts\/changestate\/action/);
    assert.equal((await call(b, readerToken, 'POST', `${sub}/providers/Microsoft.AlertsManagement/alerts/${id2}/changestate?${AM}&newState=Closed`)).status, 404);
    // The Monitoring Contributor of B changes B's alert, and only B's.
    const cToken = await contributorB.token(AUD.arm);
    assert.equal((await call(b, cToken, 'POST', `${vm1Alert.id}/changestate?${AM}&newState=Closed`)).status, 403);
    const bad = await call(b, cToken, 'POST', `${vm2Alert.id}/changestate?${AM}&newState=Done`);
    assert.equal(bad.status, 400, bad.text);
    const changed = await call(b, cToken, 'POST', `${vm2Alert.id}/changestate?${AM}&newState=Acknowledged`, { comments: 'looking into it' });
    assert.equal(changed.status, 200, changed.text);
    assert.equal(changed.json<ArmAlert>().properties.essentials.alertState, 'Acknowledged');
    assert.equal(changed.json<ArmAlert>().properties.essentials.lastModifiedUserName, contributorB.objectId);
    const history = await call(b, cToken, 'GET', `${vm2Alert.id}/history?${AM}`);
    assert.equal(history.status, 200, history.text);
    const mods = history.json<any>().properties.modifications as { modificationEvent: string; newValue: string; comments: string; modifiedBy: string }[];
    assert.deepEqual(mods.map((m) => m.modificationEvent), ['AlertCreated', 'ActionsTriggered', 'StateChange']);
    assert.equal(mods[2]!.comments, 'looking into it');
    assert.equal(mods[2]!.modifiedBy, contributorB.objectId);
    assert.equal((await list(await admin(), sub, '&alertState=Acknowledged')).value.length, 1);
  });

  it('keeps a payload within 256 KB: a rule whose result is large sends its alert without the dimension values', async () => {
    const created = await call(
      b,
      await admin(),
      'PUT',
      `${rulePath('large-result')}?${SQR}`,
      rule("HostLogs_CL | where Level == 'Big' | extend Blob = strrep(Computer, 1000) | extend Blob2 = Blob", {
        dimensions: [
          { name: 'Blob', operator: 'Include', values: ['*'] },
          { name: 'Blob2', operator: 'Include', values: ['*'] },
        ],
      }),
    );
    assert.equal(created.status, 201, created.text);
    await p.assign(created.json<any>().identity.principalId, 'Log Analytics Reader', b.workspaceResourceId);
    // Two dimension values of 200,000 characters: the full payload would be well over 256 KB.
    const host = 'big-host-'.padEnd(200, 'x');
    assert.equal(await ingest(b, await p.adminToken(AUD.monitor), dcr, 'HostLogs', [{ TimeGenerated: new Date().toISOString(), Computer: host, Level: 'Big', ResId: '' }]), 204);
    const got = await waitFor('the large alert', async () => received.find((r) => r.path === '/hook' && r.payload.data.essentials.alertRule === 'large-result'));
    assert.ok(got.bytes <= 256 * 1024, `${got.bytes} bytes`);
    const c = got.payload.data.alertContext.condition.allOf[0];
    assert.deepEqual(
      c.dimensions.map((d: { name: string; value: string }) => `${d.name}=${d.value.slice(0, 20)}`),
      ['Blob=', 'Blob2='],
      'the names stay, the values go',
    );
    assert.equal(c.metricValue, 1);
    assert.match(c.linkToSearchResultsAPI, /^https:\/\/.*\/query\?query=/, 'the link back to the query stays');
    assert.deepEqual(got.payload.data.essentials.configurationItems, [b.workspaceResourceId.split('/').pop()!.toLowerCase()]);
    const settled = await waitFor('the delivery recorded', async () => {
      const e = (await evaluations('large-result')).find((x) => x.fired.length === 1);
      return e && e.notifications.every((n) => n.status !== 'Pending') ? e : undefined;
    });
    const toHook = settled.notifications.find((n) => n.receiver === 'hook')!;
    assert.equal(toHook.status, 'Delivered');
    assert.equal(toHook.payloadTrimmed, true);
    // The alert resource keeps a bounded context too.
    const alert = (await list(await admin(), sub, `&alertRule=${encodeURIComponent(rulePath('large-result'))}&includeContext=true`)).value[0]!;
    assert.ok(JSON.stringify(alert).length < 64 * 1024);
    assert.equal(alert.properties.context.condition.allOf[0].dimensions[0].value, '');
  });
});
