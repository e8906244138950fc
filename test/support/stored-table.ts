/**
 * For the KQL end-to-end suites: a custom table filled through the Logs Ingestion SDK (created with
 * createLogTable, waited for until every row is queryable), and queries through LogsQueryClient or,
 * for refusals, raw HTTP so that the error's shape is checked too.
 */
import assert from 'node:assert/strict';
import { LogsQueryResultStatus } from '@azure/monitor-query-logs';
import type { BootstrapInfo } from '../../src/server/bootstrap.js';
import { rawRequest, sdkClients, tokenFor } from './clients.js';
import { createLogTable, LOGS_AUDIENCE, type Column } from './log-table.js';
import { waitFor } from './wait-for.js';

/** The first table of a successful query over the last day, through LogsQueryClient. */
export async function queryRows(b: BootstrapInfo, query: string): Promise<unknown[][]> {
  const r = await sdkClients(b).query.queryWorkspace(b.workspaceId, query, { duration: 'P1D' });
  assert.equal(r.status, LogsQueryResultStatus.Success);
  if (r.status !== LogsQueryResultStatus.Success) return [];
  return r.tables[0]!.rows;
}

/** A query the Query API must refuse with 400; its Azure-shaped error. */
export async function queryBadRequest(b: BootstrapInfo, query: string): Promise<{ code: string; message: string }> {
  const token = await tokenFor(b, LOGS_AUDIENCE);
  const r = await rawRequest(b, token, 'POST', `/v1/workspaces/${b.workspaceId}/query`, JSON.stringify({ query }), { 'content-type': 'application/json' });
  assert.equal(r.status, 400, r.text);
  return (r.json() as { error: { code: string; message: string } }).error;
}

/** Creates `table` (`<Name>_CL`) with `columns`, uploads `rows` through the ingestion SDK and waits until all are queryable. */
export async function storeRows(b: BootstrapInfo, table: string, columns: Column[], rows: Record<string, unknown>[]): Promise<void> {
  const stream = table.replace(/_CL$/, '');
  const ruleId = await createLogTable(b, table, stream, columns);
  await sdkClients(b).ingestion.upload(ruleId, `Custom-${stream}`, rows);
  await waitFor(`the ${rows.length} rows of ${table}`, async () => (await queryRows(b, `${table} | count`))[0]?.[0] === rows.length || undefined, 60_000);
}
