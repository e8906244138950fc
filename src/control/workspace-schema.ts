/**
 * `POST …/workspaces/{ws}/schema` — the workspace schema action (`az monitor log-analytics workspace
 * get-schema`, `workspaces.getSchema`/`schema.get` in the SDKs): every column of the tables the
 * caller may read, in Azure's `SearchGetSchemaResponse` shape — one entry per column name and type,
 * with the tables that have it in `ownerType`. Needs `…/workspaces/schema/action` on the workspace
 * (Owner, Contributor, Log Analytics Contributor); tables the caller could not query are left out,
 * so the schema never shows more than a query could.
 */
import { authorize } from '../authz/authorize.js';
import { resourceGroupId } from '../metadata/resource-ids.js';
import { tableSchema } from '../metadata/standard-columns.js';
import { ApiError } from '../errors/api-error.js';
import { TableAccess } from '../query/table-access.js';
import { requireApiVersion } from './api-versions.js';
import type { ArmRouter } from './arm-router.js';
import type { ControlContext } from './context.js';
import { requireResourceGroup } from './resource-groups.js';

const TYPE = 'Microsoft.OperationalInsights/workspaces';

export function registerWorkspaceSchemaRoutes(router: ArmRouter<ControlContext>): void {
  router.add('POST', `/subscriptions/{sub}/resourceGroups/{rg}/providers/${TYPE}/{ws}/schema`, ({ sub, rg, ws }, ctx) => {
    requireApiVersion(ctx.query, TYPE);
    const scope = `${resourceGroupId(sub!, rg!)}/providers/${TYPE}/${ws}`;
    authorize(ctx.deps.metadata, ctx.caller, `${TYPE}/schema/action`, scope);
    requireResourceGroup(ctx, sub!, rg!);
    const w = ctx.deps.metadata.workspace(sub!, rg!, ws!);
    if (!w) throw new ApiError(404, 'ResourceNotFound', `The Resource '${TYPE}/${ws}' under resource group '${rg}' was not found.`);
    const access = new TableAccess(ctx.deps.metadata, ctx.deps.store);
    const readable = access.canQueryWorkspace(ctx.caller, w) ? w.tables.filter((t) => access.canReadTable(ctx.caller, w, t.name)) : [];
    const entries = new Map<string, { name: string; displayName: string; type: string; indexed: boolean; stored: boolean; facet: boolean; ownerType: string[] }>();
    for (const t of [...readable].sort((a, b) => a.name.localeCompare(b.name))) {
      for (const c of tableSchema(t)) {
        const key = `${c.name}\u0000${c.type}`;
        let e = entries.get(key);
        if (!e) entries.set(key, (e = { name: c.name, displayName: c.name, type: c.type, indexed: true, stored: true, facet: false, ownerType: [] }));
        e.ownerType.push(t.name);
      }
    }
    const value = [...entries.values()].sort((a, b) => a.name.localeCompare(b.name) || a.type.localeCompare(b.type));
    const now = new Date().toISOString();
    return {
      status: 200,
      body: { metadata: { resultType: 'schema', total: value.length, top: value.length, status: 'Successful', startTime: now, lastUpdated: now }, value },
    };
  });
}
