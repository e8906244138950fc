/**
 * OTLP log records → rows of Azure's `OTelLogs` table (columns: reference/azure-contracts-wave2.md §1.4).
 *
 * | column | from |
 * |---|---|
 * | TimeGenerated | `timeUnixNano`, else `observedTimeUnixNano`, else the time received |
 * | Body | the body: a string as is, any other value as JSON |
 * | SeverityNumber, SeverityText | the record's |
 * | SeverityLevel | SeverityNumber in Application Insights' levels: 1–8 → 0 (Verbose), 9–12 → 1 (Information), 13–16 → 2 (Warning), 17–20 → 3 (Error), 21–24 → 4 (Critical) |
 * | TraceId, SpanId | hex |
 * | Attributes | the record's attributes (+ `event.name`, and the resource attributes the rule's `enrichWithResourceAttributes` names) |
 * | ResourceAttributes | the resource's attributes |
 * | ScopeName, ScopeVersion | the instrumentation scope |
 * | ServiceName, ServiceNamespace, ServiceVersion, ServiceInstanceId | `service.name`, `service.namespace`, `service.version`, `service.instance.id` |
 * | RoleName | `service.namespace`.`service.name` (or `service.name`), as Azure Monitor names a cloud role |
 * | DeploymentEnvironmentName | `deployment.environment.name` (or the older `deployment.environment`) |
 * | K8sContainerName, K8sNamespaceName, K8sPodName | `k8s.container.name`, `k8s.namespace.name`, `k8s.pod.name` |
 * | DroppedAttributesCount, SourceSystem, ItemCount | the record's count; `OpenTelemetry`; 1 |
 *
 * The mapping of the derived columns is inferred from the column names (Azure does not document it).
 */
import type { OtlpLogRecord, OtlpResourceLogs, OtlpValue } from './decode.js';
import { stringifyExactJson } from '../../util/exact-json.js';

function isoFromNanos(ns: bigint): string {
  const ms = ns / 1_000_000n;
  const iso = new Date(Number(ms)).toISOString(); // …T…:ss.mmmZ
  // the 4 digits below the ms down to 100 ns: datetimes keep 7 fractional digits (kql/types.ts)
  const belowMs = ((ns / 100n) % 10_000n).toString().padStart(4, '0');
  return `${iso.slice(0, -1)}${belowMs}Z`;
}

const text = (v: OtlpValue | undefined): string | null => (v === undefined || v === null ? null : typeof v === 'string' ? v : stringifyExactJson(v) ?? null);

function severityLevel(n: number | undefined): number | null {
  if (!n) return null;
  return n <= 8 ? 0 : n <= 12 ? 1 : n <= 16 ? 2 : n <= 20 ? 3 : 4;
}

/** The rows of one export, in order. `enrich`: resource attribute names to copy onto each record's Attributes. */
export function otelLogsRows(request: OtlpResourceLogs[], enrich: readonly string[] = []): Record<string, unknown>[] {
  const rows: Record<string, unknown>[] = [];
  const received = BigInt(Date.now()) * 1_000_000n;
  for (const rl of request) {
    const res = rl.resource;
    const service = text(res['service.name']);
    const namespace = text(res['service.namespace']);
    for (const sl of rl.scopeLogs) {
      for (const r of sl.logRecords) rows.push(row(r, rl, sl.scope, service, namespace, enrich, received));
    }
  }
  return rows;
}

function row(
  r: OtlpLogRecord,
  rl: OtlpResourceLogs,
  scope: { name?: string; version?: string },
  service: string | null,
  namespace: string | null,
  enrich: readonly string[],
  received: bigint,
): Record<string, unknown> {
  const res = rl.resource;
  const attributes: Record<string, OtlpValue> = { ...r.attributes };
  if (r.eventName !== undefined && attributes['event.name'] === undefined) attributes['event.name'] = r.eventName;
  for (const name of enrich) if (res[name] !== undefined && attributes[name] === undefined) attributes[name] = res[name]!;
  return {
    TimeGenerated: isoFromNanos(r.timeUnixNano ?? r.observedTimeUnixNano ?? received),
    Body: text(r.body),
    SeverityNumber: r.severityNumber ?? null,
    SeverityText: r.severityText ?? null,
    SeverityLevel: severityLevel(r.severityNumber),
    TraceId: r.traceId ?? null,
    SpanId: r.spanId ?? null,
    Attributes: Object.keys(attributes).length ? attributes : null,
    ResourceAttributes: Object.keys(res).length ? res : null,
    DroppedAttributesCount: r.droppedAttributesCount ?? null,
    ScopeName: scope.name ?? null,
    ScopeVersion: scope.version ?? null,
    ServiceName: service,
    ServiceNamespace: namespace,
    ServiceVersion: text(res['service.version']),
    ServiceInstanceId: text(res['service.instance.id']),
    RoleName: service ? (namespace ? `${namespace}.${service}` : service) : null,
    DeploymentEnvironmentName: text(res['deployment.environment.name'] ?? res['deployment.environment']),
    K8sContainerName: text(res['k8s.container.name']),
    K8sNamespaceName: text(res['k8s.namespace.name']),
    K8sPodName: text(res['k8s.pod.name']),
    SourceSystem: 'OpenTelemetry',
    ItemCount: 1,
  };
}
