/**
 * `GET …/workspaces/{ws}/effectiveAccess?principalId={objectId}&api-version=…` (Vigil's own, for the
 * portal's Access page, issue 18): for one principal, every table of the workspace with whether a
 * workspace-context query may read it, and the role assignments (direct or through a group) and scopes
 * that grant it. The answer comes from TableAccess — the same checks every query meets — so the page
 * cannot show access a query would not have, or hide access it would.
 *
 * Who may ask: anybody about themselves; about others, whoever may read role assignments at the
 * workspace (`Microsoft.Authorization/roleAssignments/read`: Owner, User Access Administrator, Reader…),
 * who can list the same assignments anyway.
 */
import { authorize, type Caller, type Grant } from '../authz/authorize.js';
import { ApiError } from '../errors/api-error.js';
import { resourceGroupId } from '../metadata/resource-ids.js';
import { workspaceTables } from '../metadata/standard-tables.js';
import { TableAccess } from '../query/table-access.js';
import { requireApiVersion } from './api-versions.js';
import type { ArmRouter } from './arm-router.js';
import type { ControlContext } from './context.js';
import { requireResourceGroup } from './resource-groups.js';

const TYPE = 'Microsoft.OperationalInsights/workspaces';
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function registerEffectiveAccessRoutes(router: ArmRouter<ControlContext>): void {
  router.add('GET', `/subscriptions/{sub}/resourceGroups/{rg}/providers/${TYPE}/{ws}/effectiveAccess`, ({ sub, rg, ws }, ctx) => {
    requireApiVersion(ctx.query, TYPE);
    const scope = `${resourceGroupId(sub!, rg!)}/providers/${TYPE}/${ws}`;
    const principalId = ctx.query.get('principalId') ?? ctx.caller.objectId;
    if (!GUID.test(principalId)) throw new ApiError(400, 'InvalidPrincipalId', "principalId must be the object id (GUID) of a user, group or service principal.");
    const self = principalId.toLowerCase() === ctx.caller.objectId.toLowerCase();
    if (!self) authorize(ctx.deps.metadata, ctx.caller, 'Microsoft.Authorization/roleAssignments/read', scope);
    else authorize(ctx.deps.metadata, ctx.caller, `${TYPE}/read`, scope);
    requireResourceGroup(ctx, sub!, rg!);
    const w = ctx.deps.metadata.workspace(sub!, rg!, ws!);
    if (!w) throw new ApiError(404, 'ResourceNotFound', `The Resource '${TYPE}/${ws}' under resource group '${rg}' was not found.`);
    const { metadata } = ctx.deps;
    const principalType = metadata.principalTypeOf(principalId);
    if (!principalType) throw new ApiError(404, 'PrincipalNotFound', `No user, group or service principal has the object id '${principalId}'.`);
    const subject: Caller = { objectId: principalId, appId: '', tenantId: metadata.tenantId };
    const access = new TableAccess(metadata, ctx.deps.store);
    const shape = (g: Grant) => ({
      roleAssignmentId: `${g.assignment.scope}/providers/Microsoft.Authorization/roleAssignments/${g.assignment.name}`,
      roleName: g.roleName,
      scope: g.assignment.scope,
      via: g.via === 'direct' ? 'direct' : 'group',
      ...(g.via === 'direct' ? {} : { groupId: g.via.groupId, groupName: metadata.groupByObjectId(g.via.groupId)?.displayName ?? null }),
    });
    const tables = workspaceTables(w)
      .map((t) => t.name)
      .sort((a, b) => a.localeCompare(b))
      .map((name) => {
        const e = access.explainTableRead(subject, w, name);
        return { table: name, canRead: e.canRead, auditTable: e.auditTable, grants: e.canRead ? e.tableGrants.map(shape) : [], deniedBecause: e.canRead ? undefined : !e.canQuery ? 'noWorkspaceQueryAccess' : e.auditTable && e.tableGrants.length ? 'auditTableNeedsExplicitGrant' : 'noTableReadAccess' };
      });
    const workspaceGrants = access.explainTableRead(subject, w, tables[0]?.table ?? 'LAQueryLogs').workspaceGrants.map(shape);
    return {
      status: 200,
      body: { principalId: principalId.toLowerCase(), principalType, workspace: scope, canQueryWorkspace: workspaceGrants.length > 0, workspaceGrants, tables },
    };
  });
}
