/**
 * The input streams of a data collection rule. Besides the streams it declares (`Custom-…`), a rule
 * may use Azure's built-in streams without declaring them (issue 19):
 *   - `Microsoft-OTel-Logs`: OpenTelemetry logs (native OTLP ingestion), landing in `OTelLogs`;
 *   - `Microsoft-<Table>` for an Azure standard table (e.g. `Microsoft-ContainerLogV2`,
 *     `Microsoft-KubePodInventory`): rows shaped like the table, as Azure's own agents send them.
 * Their columns are the destination table's documented columns.
 */
import type { KqlType } from '../kql/index.js';
import type { DataCollectionRuleRecord, StreamColumn } from '../metadata/records.js';
import { isIngestibleStandardTable, standardTable } from '../metadata/standard-tables.js';

export const OTEL_LOGS_STREAM = 'Microsoft-OTel-Logs';
/** The OTel trace streams Azure defines; Vigil does not ingest traces (yet). */
export const OTEL_TRACE_STREAMS = ['Microsoft-OTel-Traces-Spans', 'Microsoft-OTel-Traces-Events', 'Microsoft-OTel-Traces-Resources'];

const STREAM_TYPE: Record<KqlType, StreamColumn['type']> = {
  string: 'string',
  int: 'int',
  long: 'long',
  real: 'real',
  bool: 'boolean',
  datetime: 'datetime',
  dynamic: 'dynamic',
  guid: 'string',
  timespan: 'string',
  decimal: 'real',
};

/** The table a built-in stream lands in (`Microsoft-OTel-Logs` → OTelLogs, `Microsoft-<Table>` → Table), or undefined. */
export function builtInStreamTable(stream: string): string | undefined {
  if (stream.toLowerCase() === OTEL_LOGS_STREAM.toLowerCase()) return 'OTelLogs';
  const m = /^Microsoft-([A-Za-z][A-Za-z0-9_]*)$/.exec(stream);
  return m && isIngestibleStandardTable(m[1]!) ? standardTable(m[1]!)!.name : undefined;
}

const builtIn = new Map<string, StreamColumn[] | undefined>();

/**
 * The columns of a built-in stream: its table's own columns (standard columns such as `_ResourceId` are
 * filled by Vigil). The same array every time: the ingestion service matches columns by identity.
 */
export function builtInStreamColumns(stream: string): StreamColumn[] | undefined {
  if (!builtIn.has(stream)) {
    const table = builtInStreamTable(stream);
    builtIn.set(stream, table ? standardTable(table)!.columns.map((c) => Object.freeze({ name: c.name, type: STREAM_TYPE[c.type] ?? 'string' })) : undefined);
  }
  return builtIn.get(stream);
}

/** The default output stream of a flow whose input is this stream (Azure: the input stream itself; OTel logs: `Microsoft-OTelLogs`). */
export function defaultOutputStream(stream: string): string {
  return stream.toLowerCase() === OTEL_LOGS_STREAM.toLowerCase() ? 'Microsoft-OTelLogs' : stream;
}

/** The columns of a stream of this rule: declared, or built-in and used by one of its data flows; undefined otherwise. */
export function streamColumns(rule: DataCollectionRuleRecord, stream: string): StreamColumn[] | undefined {
  const declared = rule.streamDeclarations[stream];
  if (declared) return declared.columns;
  if (!rule.dataFlows.some((f) => f.streams.includes(stream))) return undefined;
  return builtInStreamColumns(stream);
}
