/**
 * Workspace purge (reference §5.1), as `@azure/arm-operationalinsights`' `workspacePurge` calls it:
 *   POST …/workspaces/{ws}/purge {table, filters}     → 202 {operationId}, x-ms-status-location
 *   GET  …/workspaces/{ws}/operations/{purgeId}        → 200 {status: pending|completed}
 * Purging needs `Microsoft.OperationalInsights/workspaces/purge/action` (Owner, Log Analytics
 * Contributor, a "Data Purger" custom role); reading the status `…/workspaces/operations/read`.
 * The work is src/governance/purge.ts. A ReadOnly lock blocks purge; CanNotDelete does not (the
 * dispatcher's lock check).
 */
import { z } from 'zod';
import { authorize } from '../authz/authorize.js';
import { ApiError } from '../errors/api-error.js';
import { workspaceResourceId } from '../metadata/resource-ids.js';
import { requireApiVersion } from './api-versions.js';
import type { ArmRouter } from './arm-router.js';
import type { ControlContext } from './context.js';
import { parseBody } from './validation.js';
import { requireWorkspace } from './workspaces.js';

const WS = 'Microsoft.OperationalInsights/workspaces';

const PurgeBody = z.object({
  table: z.string({ message: 'table is required' }).min(1, 'table is required').max(260),
  filters: z
    .array(
      z.object({
        column: z.string({ message: 'column is required' }).min(1).max(260),
        operator: z.string({ message: 'operator is required' }).min(1).max(16),
        value: z.unknown(),
        key: z.string().max(260).nullish(),
      }),
      { message: 'filters is required: an array of {column, operator, value}' },
    )
    .min(1, 'a purge needs at least one filter')
    .max(100, 'at most 100 filters'),
});

export function registerPurgeRoutes(router: ArmRouter<ControlContext>): void {
  const base = '/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.OperationalInsights/workspaces/{ws}';

  router.add('POST', `${base}/purge`, ({ sub, rg, ws }, ctx) => {
    const version = requireApiVersion(ctx.query, WS);
    const w = requireWorkspace(ctx, sub!, rg!, ws!);
    authorize(ctx.deps.metadata, ctx.caller, `${WS}/purge/action`, workspaceResourceId(w));
    const body = parseBody(PurgeBody, ctx.body);
    if (!ctx.deps.purge) throw new ApiError(503, 'ServiceUnavailable', 'Purge is not available on this server.');
    const op = ctx.deps.purge.request(w, body, ctx.caller, ctx.correlationId ?? '');
    const statusUrl = `${ctx.deps.publicBaseUrl?.() ?? ''}${workspaceResourceId(w)}/operations/purge-${op.operationId}?api-version=${version}`;
    return {
      status: 202,
      body: { operationId: op.operationId },
      headers: { 'x-ms-status-location': statusUrl },
      activity: {
        operationId: op.operationId,
        // Table, columns and operators — never the values (they are the personal data being erased).
        properties: { purgeOperationId: op.operationId, table: op.table, filters: op.filters.map((f) => ({ column: f.column, operator: f.operator })) },
      },
    };
  });

  router.add('GET', `${base}/operations/{purgeId}`, ({ sub, rg, ws, purgeId }, ctx) => {
    requireApiVersion(ctx.query, WS);
    const w = requireWorkspace(ctx, sub!, rg!, ws!);
    authorize(ctx.deps.metadata, ctx.caller, `${WS}/operations/read`, workspaceResourceId(w));
    const op = ctx.deps.purge?.find(w, purgeId!);
    if (!op) throw new ApiError(404, 'OperationNotFound', `The purge operation '${purgeId}' was not found in workspace '${w.name}'.`);
    return { status: 200, body: { status: op.status } };
  });
}
