/**
 * Container insights and network flow logs (issue 19): Azure's ContainerLogV2, KubePodInventory,
 * KubeEvents and NTANetAnalytics tables, with their documented schemas, fed through a data collection
 * rule's built-in `Microsoft-<Table>` streams with the official LogsIngestionClient — the container
 * rows as the cluster's agent sends them (`x-ms-AzureResourceId` = the cluster, with an association)
 * — and the documented Container insights and traffic analytics queries run on them.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { LogsIngestionClient } from '@azure/monitor-ingestion';
import { LogsQueryResultStatus } from '@azure/monitor-query-logs';
import { sdkClients } from '../support/clients.js';
import { AUD, call, Principals } from '../support/principals.js';
import { startVigil, type VigilProcess } from '../support/vigil-process.js';
import type { BootstrapInfo } from '../../src/server/bootstrap.js';

const STREAMS = ['Microsoft-ContainerLogV2', 'Microsoft-KubePodInventory', 'Microsoft-KubeEvents'];

describe('Container insights and network flow tables', { timeout: 300_000 }, () => {
  let vigil: VigilProcess;
  let b: BootstrapInfo;
  let cluster: string;
  let ruleId: string;
  let flowRuleId: string;

  before(async () => {
    vigil = await startVigil();
    b = vigil.bootstrap;
    cluster = `/subscriptions/${b.subscriptionId}/resourceGroups/${b.resourceGroup}/providers/Microsoft.ContainerService/managedClusters/aks-prod`;
    const { monitor } = sdkClients(b);
    const destinations = { logAnalytics: [{ name: 'la', workspaceResourceId: b.workspaceResourceId }] };
    const rule = await monitor.dataCollectionRules.create(b.resourceGroup, 'container-insights', {
      body: { location: 'local', destinations, dataFlows: STREAMS.map((s) => ({ streams: [s], destinations: ['la'] })) },
    });
    ruleId = rule.immutableId!;
    assert.deepEqual(rule.dataFlows?.map((f) => f.outputStream), STREAMS);
    await monitor.dataCollectionRuleAssociations.create(cluster, 'ci-association', { body: { dataCollectionRuleId: rule.id } });
    const flows = await monitor.dataCollectionRules.create(b.resourceGroup, 'flow-logs', {
      body: { location: 'local', destinations, dataFlows: [{ streams: ['Microsoft-NTANetAnalytics'], destinations: ['la'], outputStream: 'Microsoft-NTANetAnalytics' }] },
    });
    flowRuleId = flows.immutableId!;
  });
  after(async () => {
    await vigil?.dispose();
  });

  const query = async (kql: string) => {
    const r = await sdkClients(b).query.queryWorkspace(b.workspaceId, kql, { duration: 'P1D' });
    if (r.status !== LogsQueryResultStatus.Success) assert.fail(`${kql}: ${JSON.stringify(r)}`);
    return r.tables[0]!;
  };

  test('the tables have Azure schemas', async () => {
    const schema = async (table: string) => (await query(`${table} | getschema | project ColumnName, ColumnType`)).rows.map((r) => `${r[0]}:${r[1]}`);
    const logs = await schema('ContainerLogV2');
    for (const c of ['TimeGenerated:datetime', 'Computer:string', 'ContainerId:string', 'ContainerName:string', 'PodName:string', 'PodNamespace:string', 'LogMessage:dynamic', 'LogSource:string', 'LogLevel:string', 'KubernetesMetadata:dynamic', '_ResourceId:string']) {
      assert.ok(logs.includes(c), `ContainerLogV2 lacks ${c}: ${logs.join(' ')}`);
    }
    const pods = await schema('KubePodInventory');
    for (const c of ['PodUid:string', 'PodStatus:string', 'ContainerRestartCount:int', 'PodRestartCount:int', 'ControllerName:string', 'ClusterName:string', 'PodCreationTimeStamp:datetime']) assert.ok(pods.includes(c), c);
    const events = await schema('KubeEvents');
    for (const c of ['KubeEventType:string', 'Reason:string', 'ObjectKind:string', 'Count:real', 'FirstSeen:datetime', 'LastSeen:datetime']) assert.ok(events.includes(c), c);
    const flows = await schema('NTANetAnalytics');
    for (const c of ['SubType:string', 'FlowType:string', 'SrcIp:string', 'DestIp:string', 'DestPort:int', 'BytesSrcToDest:long', 'BytesDestToSrc:long', 'FlowStartTime:datetime', 'FaSchemaVersion:string', 'IsFlowCapturedAtUdrHop:bool']) {
      assert.ok(flows.includes(c), c);
    }
    assert.equal(flows.length > 70, true);
  });

  test('the cluster agent sends the three Container insights streams; the documented queries answer', async () => {
    const client = new LogsIngestionClient(b.endpoint, sdkClients(b).credential, {
      additionalPolicies: [{ position: 'perCall', policy: { name: 'clusterResource', sendRequest: (req, next) => (req.headers.set('x-ms-AzureResourceId', cluster), next(req)) } }],
    });
    const now = Date.now();
    const at = (minutesAgo: number) => new Date(now - minutesAgo * 60_000).toISOString();
    await client.upload(ruleId, 'Microsoft-ContainerLogV2', [
      { TimeGenerated: at(5), Computer: 'aks-node-1', ContainerId: 'c1', ContainerName: 'frontend', PodName: 'frontend-7c9', PodNamespace: 'shop', LogSource: 'stdout', LogLevel: 'info', LogMessage: { msg: 'GET /cart 200' } },
      { TimeGenerated: at(4), Computer: 'aks-node-1', ContainerId: 'c1', ContainerName: 'frontend', PodName: 'frontend-7c9', PodNamespace: 'shop', LogSource: 'stderr', LogLevel: 'error', LogMessage: 'upstream timeout' },
      { TimeGenerated: at(3), Computer: 'aks-node-2', ContainerId: 'c2', ContainerName: 'coredns', PodName: 'coredns-55f', PodNamespace: 'kube-system', LogSource: 'stdout', LogLevel: 'info', LogMessage: 'ready' },
    ]);
    await client.upload(ruleId, 'Microsoft-KubePodInventory', [
      { TimeGenerated: at(30), ClusterName: 'aks-prod', Name: 'frontend-7c9', Namespace: 'shop', PodUid: 'u1', PodStatus: 'Pending', ContainerRestartCount: 0, PodRestartCount: 0, ServiceName: 'frontend', ControllerName: 'frontend' },
      { TimeGenerated: at(2), ClusterName: 'aks-prod', Name: 'frontend-7c9', Namespace: 'shop', PodUid: 'u1', PodStatus: 'Running', ContainerRestartCount: 2, PodRestartCount: 2, ServiceName: 'frontend', ControllerName: 'frontend' },
      { TimeGenerated: at(2), ClusterName: 'aks-prod', Name: 'coredns-55f', Namespace: 'kube-system', PodUid: 'u2', PodStatus: 'Running', ContainerRestartCount: 0, PodRestartCount: 0, ServiceName: 'kube-dns', ControllerName: 'coredns' },
      { TimeGenerated: at(2), ClusterName: 'aks-prod', Name: 'batch-1', Namespace: 'jobs', PodUid: 'u3', PodStatus: 'Failed', ContainerRestartCount: 5, PodRestartCount: 5, ServiceName: '', ControllerName: 'batch' },
    ]);
    await client.upload(ruleId, 'Microsoft-KubeEvents', [
      { TimeGenerated: at(10), ClusterName: 'aks-prod', Namespace: 'jobs', Name: 'batch-1', ObjectKind: 'Pod', Reason: 'BackOff', KubeEventType: 'Warning', Message: 'Back-off restarting failed container', Count: 5, FirstSeen: at(40), LastSeen: at(10) },
      { TimeGenerated: at(9), ClusterName: 'aks-prod', Namespace: 'shop', Name: 'frontend-7c9', ObjectKind: 'Pod', Reason: 'Scheduled', KubeEventType: 'Normal', Message: 'Successfully assigned', Count: 1, FirstSeen: at(30), LastSeen: at(30) },
      { TimeGenerated: at(8), ClusterName: 'aks-prod', Namespace: '', Name: 'aks-node-2', ObjectKind: 'Node', Reason: 'NodeReady', KubeEventType: 'Normal', Message: 'Node is ready', Count: 1, FirstSeen: at(8), LastSeen: at(8) },
    ]);

    // "Container logs for a container", scoped to the cluster by _ResourceId (Container insights docs).
    const logs = await query(`ContainerLogV2 | where _ResourceId =~ '${cluster}' | where ContainerName =~ 'frontend' | project TimeGenerated, Computer, ContainerId, LogMessage, LogSource | order by TimeGenerated asc`);
    assert.deepEqual(logs.rows.map((r) => [r[1], r[2], r[4]]), [['aks-node-1', 'c1', 'stdout'], ['aks-node-1', 'c1', 'stderr']]);
    assert.deepEqual(logs.rows[0]![3], { msg: 'GET /cart 200' });
    // Errors per namespace.
    assert.deepEqual((await query("ContainerLogV2 | where LogLevel == 'error' | summarize count() by PodNamespace")).rows, [['shop', 1]]);
    assert.deepEqual((await query("ContainerLogV2 | where tostring(LogMessage.msg) has 'cart' | count")).rows, [[1]]);
    // "Pod status counts": the latest record per pod, then count by status.
    assert.deepEqual(
      (await query('KubePodInventory | where TimeGenerated > ago(1h) | summarize arg_max(TimeGenerated, *) by PodUid | summarize count() by PodStatus | order by PodStatus asc')).rows,
      [['Failed', 1], ['Running', 2]],
    );
    // Restarting containers.
    assert.deepEqual(
      (await query('KubePodInventory | summarize arg_max(TimeGenerated, *) by Name, Namespace | where ContainerRestartCount > 0 | project Name, Namespace, ContainerRestartCount | order by ContainerRestartCount desc')).rows,
      [['batch-1', 'jobs', 5], ['frontend-7c9', 'shop', 2]],
    );
    // "Kubernetes events": warnings, and events with a namespace, newest first.
    assert.deepEqual((await query("KubeEvents | where KubeEventType == 'Warning' | summarize count() by Reason, ObjectKind")).rows, [['BackOff', 'Pod', 1]]);
    assert.deepEqual((await query('KubeEvents | where not(isempty(Namespace)) | sort by TimeGenerated desc | project Name')).rows, [['frontend-7c9'], ['batch-1']]);
    // Every container row carries the cluster.
    assert.deepEqual((await query('union ContainerLogV2, KubePodInventory, KubeEvents | summarize dcount(_ResourceId), any(_ResourceId)')).rows, [[1, cluster.toLowerCase()]]);
  });

  test('a resource-context reader of the cluster sees its container logs; a principal without rights is refused', async () => {
    const p = new Principals(b);
    const reader = await p.create('cluster-reader');
    await p.assign(reader.objectId, 'Reader', cluster);
    const ok = await call(b, await reader.token(AUD.logs), 'POST', `/v1${cluster}/query`, { query: 'ContainerLogV2 | count', timespan: 'P1D' });
    assert.equal(ok.status, 200, ok.text);
    assert.deepEqual(ok.json().tables[0].rows, [[3]]);
    const nobody = await p.create('cluster-nobody');
    const refused = await call(b, await nobody.token(AUD.logs), 'POST', `/v1${cluster}/query`, { query: 'ContainerLogV2 | count', timespan: 'P1D' });
    assert.equal(refused.status, 403, refused.text);
  });

  test('a Microsoft-<Table> stream refuses rows that do not fit the table', async () => {
    const token = (await sdkClients(b).credential.getToken(`${AUD.monitor}/.default`))!.token;
    const bad = await call(b, token, 'POST', `/dataCollectionRules/${ruleId}/streams/Microsoft-KubePodInventory?api-version=2023-01-01`, [{ Name: 'x', ContainerRestartCount: 'many' }]);
    assert.equal(bad.status, 400, bad.text);
    assert.equal(bad.json().error.code, 'InvalidArgument');
    const undeclared = await call(b, token, 'POST', `/dataCollectionRules/${ruleId}/streams/Microsoft-Syslog?api-version=2023-01-01`, [{}]);
    assert.equal(undeclared.status, 404, undeclared.text);
    assert.equal(undeclared.json().error.code, 'InvalidStream');
  });

  test('network flow logs into NTANetAnalytics through a rule; the traffic analytics queries answer', async () => {
    const now = Date.now();
    const flow = (src: string, dest: string, port: number, bytesOut: number, bytesIn: number, type: string, status: string) => ({
      TimeGenerated: new Date(now - 60_000).toISOString(),
      SubType: 'FlowLog',
      FaSchemaVersion: '3',
      FlowType: type,
      FlowStatus: status,
      FlowDirection: 'Outbound',
      SrcIp: src,
      DestIp: dest,
      DestPort: port,
      L4Protocol: 'T',
      BytesSrcToDest: bytesOut,
      BytesDestToSrc: bytesIn,
      DeniedOutFlows: status === 'Denied' ? 1 : 0,
      AllowedOutFlows: status === 'Allowed' ? 1 : 0,
      FlowStartTime: new Date(now - 120_000).toISOString(),
      FlowEndTime: new Date(now - 60_000).toISOString(),
      NsgList: 'nsg-web',
      NsgRule: status === 'Denied' ? 'DenyAll' : 'AllowWeb',
      FlowLogResourceId: 'flowlog-1',
      TargetResourceId: 'vnet-1',
    });
    await sdkClients(b).ingestion.upload(flowRuleId, 'Microsoft-NTANetAnalytics', [
      flow('10.0.0.4', '10.0.1.5', 443, 5000, 20000, 'IntraVNet', 'Allowed'),
      flow('10.0.0.4', '10.0.1.5', 443, 1000, 4000, 'IntraVNet', 'Allowed'),
      flow('10.0.0.9', '203.0.113.7', 22, 300, 100, 'MaliciousFlow', 'Denied'),
      flow('10.0.0.6', '10.0.1.5', 8080, 10, 10, 'IntraVNet', 'Allowed'),
    ]);
    // Top talkers (traffic analytics sample query).
    const top = await query("NTANetAnalytics | where SubType == 'FlowLog' and FlowStartTime > ago(30m) and FaSchemaVersion == '3' | summarize TotalBytes = sum(BytesDestToSrc) + sum(BytesSrcToDest) by SrcIp, DestIp | top 2 by TotalBytes");
    assert.deepEqual(top.rows, [['10.0.0.4', '10.0.1.5', 30000], ['10.0.0.9', '203.0.113.7', 400]]);
    // Malicious flows.
    assert.deepEqual(
      (await query("NTANetAnalytics | where SubType == 'FlowLog' and FlowStartTime > ago(1h) and FlowType == 'MaliciousFlow' | project SrcIp, DestIp, DestPort, FlowLogResourceId, TargetResourceId")).rows,
      [['10.0.0.9', '203.0.113.7', 22, 'flowlog-1', 'vnet-1']],
    );
    // Denied flows by NSG rule.
    assert.deepEqual((await query("NTANetAnalytics | where SubType == 'FlowLog' and FlowStatus == 'Denied' | summarize Denied = sum(DeniedOutFlows) by NsgList, NsgRule")).rows, [['nsg-web', 'DenyAll', 1]]);
  });
});
