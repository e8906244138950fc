/**
 * Native OTLP/HTTP log ingestion (issue 19), driven by the official OpenTelemetry JS exporters as
 * real senders — `@opentelemetry/exporter-logs-otlp-http` (JSON) and `-proto` (protobuf), plain and
 * gzip — with a token from @azure/identity, into a data collection endpoint and a DCR with an
 * `otelLogs` data source; the rows are queried back from `OTelLogs` with LogsQueryClient. Then the
 * attacker's side: no token, a token without rights, the wrong audience, bad bodies, a gzip bomb.
 */
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { after, before, describe, test } from 'node:test';
import { SeverityNumber } from '@opentelemetry/api-logs';
import { OTLPLogExporter as JsonExporter } from '@opentelemetry/exporter-logs-otlp-http';
import { OTLPLogExporter as ProtoExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchLogRecordProcessor, LoggerProvider, type LogRecordExporter, type ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { LogsQueryResultStatus } from '@azure/monitor-query-logs';
import { sdkClients } from '../support/clients.js';
import { AUD, call, Principals, type TestPrincipal } from '../support/principals.js';
import { startVigil, type VigilProcess } from '../support/vigil-process.js';
import type { BootstrapInfo } from '../../src/server/bootstrap.js';

interface ExportResult {
  code: number;
  error?: Error;
}

/** Wraps an exporter so the test sees each export's outcome (0 = success). */
function recording(inner: LogRecordExporter): { exporter: LogRecordExporter; results: ExportResult[] } {
  const results: ExportResult[] = [];
  return {
    results,
    exporter: {
      export: (logs: ReadableLogRecord[], done: (r: ExportResult) => void) =>
        inner.export(logs, (r) => {
          results.push(r);
          done(r);
        }),
      shutdown: () => inner.shutdown(),
      forceFlush: () => inner.forceFlush?.() ?? Promise.resolve(),
    },
  };
}

describe('OTLP/HTTP logs into OTelLogs', { timeout: 300_000 }, () => {
  let vigil: VigilProcess;
  let b: BootstrapInfo;
  let ruleId: string;
  let url: string;
  let p: Principals;
  let nobody: TestPrincipal;

  before(async () => {
    vigil = await startVigil();
    b = vigil.bootstrap;
    p = new Principals(b);
    const { monitor } = sdkClients(b);
    const dce = await monitor.dataCollectionEndpoints.create(b.resourceGroup, 'otel-dce', { body: { location: 'local', networkAcls: { publicNetworkAccess: 'Enabled' } } });
    assert.equal(dce.logsIngestion?.endpoint, b.endpoint);
    const rule = await monitor.dataCollectionRules.create(b.resourceGroup, 'otel-logs', {
      body: {
        location: 'local',
        kind: 'Direct',
        dataCollectionEndpointId: dce.id,
        directDataSources: { otelLogs: [{ name: 'otelLogs', streams: ['Microsoft-OTel-Logs'], enrichWithResourceAttributes: ['host.name'] }] },
        destinations: { logAnalytics: [{ name: 'la', workspaceResourceId: b.workspaceResourceId }] },
        dataFlows: [{ streams: ['Microsoft-OTel-Logs'], destinations: ['la'] }],
      },
    });
    ruleId = rule.immutableId!;
    assert.equal(rule.dataFlows?.[0]?.outputStream, 'Microsoft-OTelLogs');
    assert.equal(rule.directDataSources?.otelLogs?.[0]?.streams?.[0], 'Microsoft-OTel-Logs');
    url = `${dce.logsIngestion!.endpoint}/datacollectionRules/${ruleId}/streams/Microsoft-OTLP-Logs/otlp/v1/logs`;
    nobody = await p.create('otlp-nobody');
  });
  after(async () => {
    await vigil?.dispose();
  });

  const credentialHeaders = (credential: { getToken(scope: string): Promise<{ token: string } | null> }, scope = `${AUD.monitor}/.default`) => async () => ({
    Authorization: `Bearer ${(await credential.getToken(scope))!.token}`,
  });

  async function sendWith(kind: 'json' | 'proto', gzip: boolean, marker: string, headers: () => Promise<Record<string, string>>): Promise<ExportResult[]> {
    const config = { url, headers, ...(gzip ? { compression: 'gzip' as never } : {}) };
    const { exporter, results } = recording(kind === 'json' ? new JsonExporter(config) : new ProtoExporter(config));
    const provider = new LoggerProvider({
      resource: resourceFromAttributes({ 'service.name': 'checkout', 'service.namespace': 'shop', 'service.version': '1.4.2', 'host.name': 'vm-7', 'k8s.pod.name': 'checkout-5d9' }),
      processors: [new BatchLogRecordProcessor({ exporter })],
    });
    const logger = provider.getLogger('checkout.payments', '2.0.1');
    logger.emit({ severityNumber: SeverityNumber.ERROR, severityText: 'ERROR', body: `card declined ${marker}`, attributes: { marker, 'http.status_code': 402, retry: false } });
    logger.emit({ severityNumber: SeverityNumber.INFO, severityText: 'INFO', body: { event: 'order', marker, items: [1, 2] }, attributes: { marker } });
    await provider.forceFlush();
    await provider.shutdown();
    return results;
  }

  const query = async (kql: string) => {
    const r = await sdkClients(b).query.queryWorkspace(b.workspaceId, kql, { duration: 'P1D' });
    assert.equal(r.status, LogsQueryResultStatus.Success);
    return r.status === LogsQueryResultStatus.Success ? r.tables[0]!.rows : [];
  };

  for (const kind of ['json', 'proto'] as const) {
    for (const gzip of [false, true]) {
      test(`the official ${kind === 'json' ? 'exporter-logs-otlp-http (JSON)' : 'exporter-logs-otlp-proto (protobuf)'} exporter${gzip ? ', gzip,' : ''} → query back`, async () => {
        const marker = `${kind}-${gzip ? 'gz' : 'plain'}`;
        const results = await sendWith(kind, gzip, marker, credentialHeaders(sdkClients(b).credential));
        assert.deepEqual(results.map((r) => r.code), [0], String(results[0]?.error));
        const rows = await query(
          `OTelLogs | where tostring(Attributes.marker) == '${marker}' | order by SeverityNumber desc | project Body, SeverityNumber, SeverityText, SeverityLevel, ServiceName, ServiceNamespace, ServiceVersion, RoleName, ScopeName, ScopeVersion, K8sPodName, code = toint(Attributes['http.status_code']), host = tostring(Attributes['host.name']), svc = tostring(ResourceAttributes['service.name']), SourceSystem, Type`,
        );
        assert.equal(rows.length, 2);
        assert.deepEqual(rows[0], [`card declined ${marker}`, 17, 'ERROR', 3, 'checkout', 'shop', '1.4.2', 'shop.checkout', 'checkout.payments', '2.0.1', 'checkout-5d9', 402, 'vm-7', 'checkout', 'OpenTelemetry', 'OTelLogs']);
        assert.equal(rows[1]![1], 9);
        assert.equal(rows[1]![3], 1);
        assert.deepEqual(JSON.parse(rows[1]![0] as string), { event: 'order', marker, items: [1, 2] });
      });
    }
  }

  test('TimeGenerated is the record time, to the microsecond; trace context is kept', async () => {
    const ms = Math.floor(Date.now() / 1000) * 1000 - 3_600_000 + 123;
    const nanos = `${BigInt(ms) * 1_000_000n + 456_789n}`;
    const body = {
      resourceLogs: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'raw' } }] },
          scopeLogs: [
            {
              scope: { name: 'raw-scope' },
              logRecords: [
                {
                  timeUnixNano: nanos,
                  severityNumber: 13,
                  body: { stringValue: 'raw-json' },
                  traceId: '5b8efff798038103d269b633813fc60c',
                  spanId: 'eee19b7ec3c1b174',
                  attributes: [{ key: 'big', value: { intValue: '9223372036854775807' } }],
                },
              ],
            },
          ],
        },
      ],
    };
    const token = (await sdkClients(b).credential.getToken(`${AUD.monitor}/.default`))!.token;
    const res = await fetch(url, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-encoding': 'gzip' }, body: gzipSync(JSON.stringify(body)) });
    assert.equal(res.status, 200, await res.clone().text());
    assert.equal(await res.text(), '{}');
    const rows = await query("OTelLogs | where Body == 'raw-json' | project TimeGenerated, TraceId, SpanId, SeverityLevel, big = tostring(Attributes.big)");
    assert.deepEqual(rows.map((r) => [(r[0] as Date).toISOString(), r[1], r[2], r[3], r[4]]), [[new Date(ms).toISOString(), '5b8efff798038103d269b633813fc60c', 'eee19b7ec3c1b174', 2, '9223372036854775807']]);
    const micros = await query("OTelLogs | where Body == 'raw-json' | project f = format_datetime(TimeGenerated, 'ffffff')");
    assert.deepEqual(micros, [['123456']]);
  });

  test('refused: no token, the wrong audience, a principal without rights, an unknown rule; nothing stored', async () => {
    const ok = credentialHeaders(sdkClients(b).credential);
    const none = await sendWith('proto', false, 'no-token', async () => ({}));
    const status = (r: ExportResult[]) => (r[0]?.error as { code?: number } | undefined)?.code;
    assert.equal(none[0]!.code, 1);
    assert.equal(status(none), 401);
    const wrongAudience = await sendWith('json', false, 'wrong-aud', credentialHeaders(sdkClients(b).credential, `${AUD.logs}/.default`));
    assert.equal(status(wrongAudience), 401);
    const noRights = await sendWith('proto', true, 'no-rights', credentialHeaders(nobody.credential));
    assert.equal(status(noRights), 403);
    const raw = await call(b, await nobody.token(AUD.monitor), 'POST', new URL(url).pathname, { resourceLogs: [] });
    assert.equal(raw.status, 403);
    assert.equal(raw.json().error.code, 'OperationFailed');
    const unknown = await call(b, (await ok()).Authorization.slice(7), 'POST', `/datacollectionRules/dcr-00000000000000000000000000000000/streams/Microsoft-OTLP-Logs/otlp/v1/logs`, { resourceLogs: [] });
    assert.equal(unknown.status, 404);
    assert.equal(unknown.json().error.code, 'NotFound');
    assert.deepEqual(await query("OTelLogs | where tostring(Attributes.marker) in ('no-token', 'wrong-aud', 'no-rights') | count"), [[0]]);
  });

  test('bad input gets Azure errors: media type, encoding, body, traces, size', async () => {
    const token = (await sdkClients(b).credential.getToken(`${AUD.monitor}/.default`))!.token;
    const path = new URL(url).pathname;
    const post = (body: string | Buffer, headers: Record<string, string>, to = path) =>
      fetch(`${b.endpoint}${to}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, ...headers }, body: body as BodyInit }).then(async (r) => ({ status: r.status, body: (await r.json()) as { error: { code: string; message: string } } }));
    const cases: [string, Promise<{ status: number; body: { error: { code: string; message: string } } }>, number, string][] = [
      ['text/plain', post('x', { 'content-type': 'text/plain' }), 415, 'UnsupportedMediaType'],
      ['br', post('x', { 'content-type': 'application/json', 'content-encoding': 'br' }), 415, 'UnsupportedContentEncoding'],
      ['not gzip', post('x', { 'content-type': 'application/json', 'content-encoding': 'gzip' }), 400, 'InvalidContentEncoding'],
      ['not JSON', post('{', { 'content-type': 'application/json' }), 400, 'InvalidJson'],
      ['not a request', post('[1]', { 'content-type': 'application/json' }), 400, 'InvalidPayload'],
      ['bad trace id', post(JSON.stringify({ resourceLogs: [{ scopeLogs: [{ logRecords: [{ traceId: 'xyz' }] }] }] }), { 'content-type': 'application/json' }), 400, 'InvalidPayload'],
      ['not protobuf', post(Buffer.from([0x0a, 0xff, 0xff, 0xff, 0x0f]), { 'content-type': 'application/x-protobuf' }), 400, 'InvalidPayload'],
      ['gzip bomb', post(gzipSync(Buffer.alloc(8 * 1024 * 1024, 0x20)), { 'content-type': 'application/json', 'content-encoding': 'gzip' }), 413, 'ContentLengthLimitExceeded'],
      ['traces', post('{}', { 'content-type': 'application/json' }, path.replace('Microsoft-OTLP-Logs/otlp/v1/logs', 'Microsoft-OTLP-Traces/otlp/v1/logs')), 404, 'InvalidStream'],
    ];
    for (const [name, pending, status, code] of cases) {
      const r = await pending;
      assert.equal(r.status, status, `${name}: ${JSON.stringify(r.body)}`);
      assert.equal(r.body.error.code, code, name);
      assert.equal(typeof r.body.error.message, 'string');
    }
  });

  test('a rule flowing Microsoft-OTel-Logs needs an otelLogs data source; trace streams are refused', async () => {
    const arm = await p.adminToken(AUD.arm);
    const put = (properties: unknown) =>
      call(b, arm, 'PUT', `/subscriptions/${b.subscriptionId}/resourceGroups/${b.resourceGroup}/providers/Microsoft.Insights/dataCollectionRules/otel-bad?api-version=2024-03-11`, { location: 'local', properties });
    const destinations = { logAnalytics: [{ name: 'la', workspaceResourceId: b.workspaceResourceId }] };
    const noSource = await put({ destinations, dataFlows: [{ streams: ['Microsoft-OTel-Logs'], destinations: ['la'] }] });
    assert.equal(noSource.status, 400, noSource.text);
    assert.match(noSource.json().error.message, /otelLogs/);
    const traces = await put({ directDataSources: { otelTraces: [{ streams: ['Microsoft-OTel-Traces-Spans'] }] }, destinations, dataFlows: [{ streams: ['Microsoft-OTel-Traces-Spans'], destinations: ['la'] }] });
    assert.equal(traces.status, 400, traces.text);
    const badEndpoint = await put({ dataCollectionEndpointId: `/subscriptions/${b.subscriptionId}/resourceGroups/${b.resourceGroup}/providers/Microsoft.Insights/dataCollectionEndpoints/missing`, destinations, dataFlows: [] });
    assert.equal(badEndpoint.status, 400, badEndpoint.text);
    assert.match(badEndpoint.json().error.message, /does not exist/);
  });
});
