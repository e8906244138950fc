/** A custom table and a data collection rule for it, created through the management SDKs; raw ingestion and queries for tests that need exact control. */
import type { BootstrapInfo } from '../../src/server/bootstrap.js';
import { rawRequest, sdkClients, tokenFor } from './clients.js';

export const MONITOR_AUDIENCE = 'https://monitor.azure.com';
export const LOGS_AUDIENCE = 'https://api.loganalytics.io';

export type Column = { name: string; type: 'string' | 'int' | 'long' | 'real' | 'boolean' | 'dynamic' | 'datetime' };

/** Creates `table` (a custom `_CL` table) and a rule streaming `Custom-<stream>` into it; returns the rule's immutable id. */
export async function createLogTable(b: BootstrapInfo, table: string, stream: string, columns: Column[], options: { retentionInDays?: number } = {}): Promise<string> {
  const c = sdkClients(b);
  await c.logAnalytics.tables.beginCreateOrUpdateAndWait(b.resourceGroup, b.workspaceName, table, {
    retentionInDays: options.retentionInDays,
    schema: { name: table, columns: columns.map((x) => ({ name: x.name, type: x.type === 'datetime' ? 'dateTime' : x.type })) },
  });
  const rule = await createStreamsRule(b, `${stream.toLowerCase()}-rule`, b.workspaceResourceId, [{ stream, table }], columns);
  return rule.immutableId!;
}

/** A data collection rule with one flow per entry: `Custom-<stream>` (declared with `columns`) into `table` of the workspace, transform `source`. */
export async function createStreamsRule(b: BootstrapInfo, name: string, workspaceResourceId: string, flows: { stream: string; table: string }[], columns: Column[]) {
  return sdkClients(b).monitor.dataCollectionRules.create(b.resourceGroup, name, {
    body: {
      location: 'local',
      streamDeclarations: Object.fromEntries(flows.map((f) => [`Custom-${f.stream}`, { columns }])),
      destinations: { logAnalytics: [{ name: 'la', workspaceResourceId }] },
      dataFlows: flows.map((f) => ({ streams: [`Custom-${f.stream}`], destinations: ['la'], transformKql: 'source', outputStream: `Custom-${f.table}` })),
    },
  });
}

/** One Logs Ingestion API call; resolves with the HTTP status (204 = acknowledged). */
export async function ingest(b: BootstrapInfo, token: string, ruleId: string, stream: string, rows: unknown[]): Promise<number> {
  const res = await rawRequest(b, token, 'POST', `/dataCollectionRules/${ruleId}/streams/Custom-${stream}?api-version=2023-01-01`, JSON.stringify(rows), { 'content-type': 'application/json' });
  return res.status;
}

export interface RawQueryResult {
  status: number;
  rows: unknown[][];
  statistics?: { query?: { inputDatasetStatistics?: unknown; storage?: Record<string, unknown> & { segmentsOpened: number; segmentsConsidered: number; segmentsPruned: number; rowsScanned: number } } };
  body: unknown;
}

/** A Query API call with `Prefer: include-statistics=true`. */
export async function queryWithStatistics(b: BootstrapInfo, token: string, query: string, timespan?: string): Promise<RawQueryResult> {
  const res = await rawRequest(b, token, 'POST', `/v1/workspaces/${b.workspaceId}/query`, JSON.stringify({ query, ...(timespan ? { timespan } : {}) }), {
    'content-type': 'application/json',
    prefer: 'include-statistics=true',
  });
  const body = res.json() as { tables?: { rows: unknown[][] }[]; statistics?: RawQueryResult['statistics'] };
  return { status: res.status, rows: body.tables?.[0]?.rows ?? [], statistics: body.statistics, body };
}

export { tokenFor };
