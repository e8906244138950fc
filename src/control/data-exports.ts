/**
 * Data export rules as ARM resources (`@azure/arm-operationalinsights` `dataExports`):
 *   PUT|GET|DELETE /subscriptions/{s}/resourceGroups/{rg}/providers/Microsoft.OperationalInsights/workspaces/{ws}/dataExports/{name}
 *   GET …/workspaces/{ws}/dataExports
 * Creating or changing a rule needs `Microsoft.OperationalInsights/workspaces/dataExports/write` on the
 * workspace, read access to every exported table (so a rule cannot copy out what its author may not
 * read: the audit tables stay with those allowed to read them), and
 * `Microsoft.Storage/storageAccounts/blobServices/containers/write` on the destination account (so a
 * rule cannot fill somebody else's immutable storage). The destination is a storage account of this
 * Vigil's blob store.
 */
import { z } from 'zod';
import { authorize } from '../authz/authorize.js';
import { ApiError } from '../errors/api-error.js';
import { MAX_ENABLED_RULES_PER_WORKSPACE, type DataExportRule, type DataExportRules } from '../governance/export/rules.js';
import { workspaceResourceId } from '../metadata/resource-ids.js';
import type { WorkspaceRecord } from '../metadata/records.js';
import { TableAccess } from '../query/table-access.js';
import { accountResourceId, parseStorageAccountId } from '../blob/resource-ids.js';
import { requireApiVersion } from './api-versions.js';
import type { ArmRouter } from './arm-router.js';
import type { ControlContext } from './context.js';
import { parseBody } from './validation.js';
import { requireWorkspace } from './workspaces.js';

const TYPE = 'Microsoft.OperationalInsights/workspaces/dataExports';
const NAME = /^[A-Za-z][A-Za-z0-9-]{2,62}$/;

const Body = z.object({
  properties: z.object({
    destination: z.object({ resourceId: z.string().min(1, 'destination.resourceId is required'), metaData: z.record(z.string(), z.unknown()).nullish() }).catchall(z.unknown()),
    tableNames: z.array(z.string().min(1)).min(1, 'tableNames needs at least one table'),
    enable: z.boolean().nullish(),
    dataExportId: z.string().nullish(),
  }).catchall(z.unknown()),
}).catchall(z.unknown());

function rules(ctx: ControlContext): DataExportRules {
  if (!ctx.deps.dataExports) throw new ApiError(501, 'NotImplemented', 'This Vigil has no data export service.');
  return ctx.deps.dataExports;
}

function shape(w: WorkspaceRecord, r: DataExportRule) {
  return {
    id: `${workspaceResourceId(w)}/dataExports/${r.name}`,
    name: r.name,
    type: TYPE,
    properties: {
      dataExportId: r.dataExportId,
      tableNames: r.tableNames,
      destination: { resourceId: r.destinationResourceId, type: 'StorageAccount' },
      enable: r.enable,
      createdDate: r.createdDate,
      lastModifiedDate: r.lastModifiedDate,
    },
  };
}

const notFound = (name: string) => new ApiError(404, 'ResourceNotFound', `The data export '${name}' was not found.`);

export function registerDataExportRoutes(router: ArmRouter<ControlContext>): void {
  const base = '/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.OperationalInsights/workspaces/{ws}/dataExports';
  const WS = 'Microsoft.OperationalInsights/workspaces';

  router.add('GET', base, ({ sub, rg, ws }, ctx) => {
    requireApiVersion(ctx.query, WS);
    authorize(ctx.deps.metadata, ctx.caller, `${TYPE}/read`, `/subscriptions/${sub}/resourceGroups/${rg}/providers/${WS}/${ws}`);
    const w = requireWorkspace(ctx, sub!, rg!, ws!);
    return { status: 200, body: { value: rules(ctx).forWorkspace(w.customerId).map((r) => shape(w, r)) } };
  });

  router.add('GET', `${base}/{name}`, ({ sub, rg, ws, name }, ctx) => {
    requireApiVersion(ctx.query, WS);
    authorize(ctx.deps.metadata, ctx.caller, `${TYPE}/read`, `/subscriptions/${sub}/resourceGroups/${rg}/providers/${WS}/${ws}`);
    const w = requireWorkspace(ctx, sub!, rg!, ws!);
    const r = rules(ctx).get(w.customerId, name!);
    if (!r) throw notFound(name!);
    return { status: 200, body: shape(w, r) };
  });

  router.add('PUT', `${base}/{name}`, ({ sub, rg, ws, name }, ctx) => {
    requireApiVersion(ctx.query, WS);
    authorize(ctx.deps.metadata, ctx.caller, `${TYPE}/write`, `/subscriptions/${sub}/resourceGroups/${rg}/providers/${WS}/${ws}`);
    const w = requireWorkspace(ctx, sub!, rg!, ws!);
    if (!NAME.test(name!)) throw new ApiError(400, 'InvalidParameter', `The data export name '${name}' is invalid: use 3-63 letters, digits and hyphens, starting with a letter.`);
    const body = parseBody(Body, ctx.body);
    const p = body.properties;
    const dest = parseStorageAccountId(p.destination.resourceId);
    if (!dest) {
      throw new ApiError(400, 'InvalidParameter', `The destination '${p.destination.resourceId}' is not a storage account resource id. Vigil exports to its own storage accounts (Microsoft.Storage/storageAccounts); Event Hubs destinations are not served.`);
    }
    const account = ctx.deps.blobs?.account(dest.name);
    const local = account && account.subscriptionId.toLowerCase() === dest.subscriptionId.toLowerCase() && account.resourceGroup.toLowerCase() === dest.resourceGroup.toLowerCase();
    const external = rules(ctx).external(p.destination.resourceId);
    if (!local && !external) {
      throw new ApiError(400, 'InvalidParameter', `The destination storage account '${p.destination.resourceId}' does not exist (neither in Vigil's blob store nor in its export-destinations.json).`);
    }
    const destinationResourceId = local ? accountResourceId(account) : external!.resourceId;
    // A storage account of this Vigil: the author must be allowed to create its containers. One the
    // operator mapped in export-destinations.json lives elsewhere, with its own access control, and was
    // designated for exports by the operator.
    if (local) authorize(ctx.deps.metadata, ctx.caller, 'Microsoft.Storage/storageAccounts/blobServices/containers/write', `${destinationResourceId}/blobServices/default`);
    const access = new TableAccess(ctx.deps.metadata, ctx.deps.store);
    const tableNames: string[] = [];
    for (const given of p.tableNames) {
      const t = w.tables.find((x) => x.name.toLowerCase() === given.toLowerCase());
      if (!t) throw new ApiError(400, 'InvalidParameter', `The table '${given}' does not exist in workspace '${w.name}'.`);
      if (t.plan === 'Auxiliary') throw new ApiError(400, 'InvalidParameter', `The table '${t.name}' has the Auxiliary plan, which cannot be exported.`);
      if (!access.canReadTable(ctx.caller, w, t.name)) {
        throw new ApiError(403, 'AuthorizationFailed', `The client '${ctx.caller.appId}' with object id '${ctx.caller.objectId}' may not read table '${t.name}', so it may not export it.`);
      }
      if (!tableNames.includes(t.name)) tableNames.push(t.name);
    }
    const enable = p.enable ?? true;
    const others = rules(ctx).forWorkspace(w.customerId).filter((r) => r.name.toLowerCase() !== name!.toLowerCase());
    if (enable && others.filter((r) => r.enable).length >= MAX_ENABLED_RULES_PER_WORKSPACE) {
      throw new ApiError(400, 'InvalidParameter', `A workspace can have at most ${MAX_ENABLED_RULES_PER_WORKSPACE} enabled data export rules.`);
    }
    if (others.some((r) => r.destinationResourceId.toLowerCase() === p.destination.resourceId.toLowerCase())) {
      throw new ApiError(400, 'InvalidParameter', `The storage account '${p.destination.resourceId}' is already the destination of another data export rule of this workspace.`);
    }
    const { rule, created } = rules(ctx).put({
      subscriptionId: w.subscriptionId,
      resourceGroup: w.resourceGroup,
      workspaceName: w.name,
      workspaceId: w.customerId,
      name: name!,
      tableNames,
      destinationResourceId,
      enable,
    });
    return { status: created ? 201 : 200, body: shape(w, rule), activity: { properties: { tableNames, destination: rule.destinationResourceId, enable } } };
  });

  router.add('DELETE', `${base}/{name}`, ({ sub, rg, ws, name }, ctx) => {
    requireApiVersion(ctx.query, WS);
    authorize(ctx.deps.metadata, ctx.caller, `${TYPE}/delete`, `/subscriptions/${sub}/resourceGroups/${rg}/providers/${WS}/${ws}`);
    const w = requireWorkspace(ctx, sub!, rg!, ws!);
    if (!rules(ctx).delete(w.customerId, name!)) throw notFound(name!);
    return { status: 200 };
  });
}

