/**
 * Network isolation as ARM resources (issue 16):
 *
 *   microsoft.insights/privateLinkScopes/{scope}                      PUT|PATCH|GET|DELETE, list per group and subscription
 *     properties.accessModeSettings {queryAccessMode, ingestionAccessMode: Open|PrivateOnly, exclusions[]}
 *   …/privateLinkScopes/{scope}/scopedResources/{name}                 PUT|GET|DELETE, list  {properties:{linkedResourceId}}
 *   …/privateLinkScopes/{scope}/privateEndpointConnections[/{name}]    GET, and PUT to approve or reject a pending connection
 *   Microsoft.Network/privateEndpoints/{name}                          PUT|GET|DELETE, list per group
 *     properties.privateLinkServiceConnections[{name, properties:{privateLinkServiceId: <scope id>, groupIds:['azuremonitor']}}]
 *     properties.ipConfigurations[{name, properties:{privateIPAddress}}]: the address of a `--private-listener`
 *
 * Operations are synchronous (200/201). A private endpoint's connection is approved at once when its
 * creator may approve connections on the scope (`…/privateLinkScopes/privateEndpointConnectionsApproval/action`:
 * Owner, Contributor), as in Azure; otherwise it stays Pending (and the listener is not connected) until
 * someone who may approves it. What the resources mean for requests: src/network/access.ts.
 */
import { createHash } from 'node:crypto';
import { isIP } from 'node:net';
import { z } from 'zod';
import { authorize, isAllowed } from '../authz/authorize.js';
import { parseDataCollectionEndpointId } from '../metadata/data-collection-ids.js';
import { ApiError } from '../errors/api-error.js';
import { parseWorkspaceResourceId } from '../metadata/resource-ids.js';
import { parseMonitorAccountId } from '../metrics/records.js';
import type { PrivateEndpointRecord, PrivateLinkScopeRecord } from '../network/records.js';
import { PRIVATE_ENDPOINT_TYPE, PRIVATE_LINK_SCOPE_TYPE, privateEndpointId, privateLinkScopeId } from '../network/resource-ids.js';
import { requireApiVersion } from './api-versions.js';
import type { ArmRouter } from './arm-router.js';
import type { ControlContext } from './context.js';
import { requireResourceGroup, requireSubscription } from './resource-groups.js';
import { parseBody, resourceNotFound } from './validation.js';

const APPROVAL = `${PRIVATE_LINK_SCOPE_TYPE}/privateEndpointConnectionsApproval/action`;
const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,78}[A-Za-z0-9_]$|^[A-Za-z0-9]$/;
const MAX_SCOPES_PER_RESOURCE = 5;



const requireName = (name: string, what: string) => {
  if (!NAME.test(name)) throw new ApiError(400, 'InvalidResourceName', `The ${what} name '${name}' is invalid: use 1-80 letters, digits, '-', '_' and '.', starting with a letter or digit.`);
};

const Mode = z.enum(['Open', 'PrivateOnly']);
const ScopeBody = z.object({
  location: z.string().min(1, 'location is required'),
  tags: z.record(z.string(), z.string()).nullish(),
  properties: z
    .object({
      accessModeSettings: z.object({
        queryAccessMode: Mode,
        ingestionAccessMode: Mode,
        exclusions: z
          .array(z.object({ privateEndpointConnectionName: z.string().min(1), queryAccessMode: Mode.nullish(), ingestionAccessMode: Mode.nullish() }))
          .nullish(),
      }),
    })
    .catchall(z.unknown()),
});
const ScopePatch = z.object({ tags: z.record(z.string(), z.string()).nullish() }).catchall(z.unknown());
const ScopedResourceBody = z.object({ properties: z.object({ linkedResourceId: z.string().min(1, 'linkedResourceId is required') }).catchall(z.unknown()) });
const EndpointBody = z.object({
  location: z.string().min(1, 'location is required'),
  tags: z.record(z.string(), z.string()).nullish(),
  properties: z
    .object({
      privateLinkServiceConnections: z
        .array(
          z.object({
            name: z.string().min(1),
            properties: z.object({ privateLinkServiceId: z.string().min(1), groupIds: z.array(z.string()).nullish(), requestMessage: z.string().nullish() }).catchall(z.unknown()),
          }),
        )
        .length(1, 'exactly one privateLinkServiceConnection (to a private link scope) is supported'),
      ipConfigurations: z
        .array(z.object({ name: z.string().min(1), properties: z.object({ privateIPAddress: z.string(), groupId: z.string().nullish(), memberName: z.string().nullish() }) }))
        .min(1, 'one ipConfiguration with the privateIPAddress of a private listener of this Vigil is required'),
    })
    .catchall(z.unknown()),
});
const ConnectionBody = z.object({
  properties: z.object({
    privateLinkServiceConnectionState: z.object({ status: z.enum(['Approved', 'Pending', 'Rejected']), description: z.string().nullish() }).catchall(z.unknown()),
  }).catchall(z.unknown()),
});

function connectionShape(scope: PrivateLinkScopeRecord, pe: PrivateEndpointRecord) {
  return {
    id: `${privateLinkScopeId(scope)}/privateEndpointConnections/${pe.connectionName}`,
    name: pe.connectionName,
    type: `${PRIVATE_LINK_SCOPE_TYPE}/privateEndpointConnections`,
    properties: {
      privateEndpoint: { id: privateEndpointId(pe) },
      privateLinkServiceConnectionState: { status: pe.status, description: pe.description, actionsRequired: 'None' },
      provisioningState: 'Succeeded',
    },
  };
}

export function registerPrivateLinkRoutes(router: ArmRouter<ControlContext>, privateListenerAddresses: () => string[]): void {
  const scopeBase = `/subscriptions/{sub}/resourceGroups/{rg}/providers/${PRIVATE_LINK_SCOPE_TYPE}`;
  const endpointBase = `/subscriptions/{sub}/resourceGroups/{rg}/providers/${PRIVATE_ENDPOINT_TYPE}`;
  const eq = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

  const findScope = (ctx: ControlContext, sub: string, rg: string, name: string) =>
    ctx.deps.metadata.privateLinkScopes().find((s) => eq(s.subscriptionId, sub) && eq(s.resourceGroup, rg) && eq(s.name, name));
  const requireScope = (ctx: ControlContext, sub: string, rg: string, name: string) => {
    requireResourceGroup(ctx, sub, rg);
    const s = findScope(ctx, sub, rg, name);
    if (!s) throw resourceNotFound(PRIVATE_LINK_SCOPE_TYPE, name, rg);
    return s;
  };
  const endpointsOfScope = (ctx: ControlContext, scope: PrivateLinkScopeRecord) =>
    ctx.deps.metadata.privateEndpoints().filter((p) => eq(p.privateLinkServiceId, privateLinkScopeId(scope)));

  const scopeShape = (ctx: ControlContext, s: PrivateLinkScopeRecord) => ({
    id: privateLinkScopeId(s),
    name: s.name,
    type: PRIVATE_LINK_SCOPE_TYPE,
    location: s.location,
    tags: s.tags ?? {},
    properties: {
      provisioningState: 'Succeeded',
      accessModeSettings: { queryAccessMode: s.queryAccessMode, ingestionAccessMode: s.ingestionAccessMode, exclusions: s.exclusions },
      privateEndpointConnections: endpointsOfScope(ctx, s).map((pe) => connectionShape(s, pe)),
    },
  });
  const scopedShape = (s: PrivateLinkScopeRecord, r: { name: string; linkedResourceId: string }) => ({
    id: `${privateLinkScopeId(s)}/scopedResources/${r.name}`,
    name: r.name,
    type: `${PRIVATE_LINK_SCOPE_TYPE}/scopedResources`,
    properties: { linkedResourceId: r.linkedResourceId, provisioningState: 'Succeeded' },
  });

  // --- private link scopes ---
  const listScopes = (ctx: ControlContext, sub: string, rg?: string) =>
    ctx.deps.metadata
      .privateLinkScopes()
      .filter((s) => eq(s.subscriptionId, sub) && (rg === undefined || eq(s.resourceGroup, rg)))
      .filter((s) => isAllowed(ctx.deps.metadata, ctx.caller, `${PRIVATE_LINK_SCOPE_TYPE}/read`, privateLinkScopeId(s)))
      .map((s) => scopeShape(ctx, s));
  router.add('GET', `/subscriptions/{sub}/providers/${PRIVATE_LINK_SCOPE_TYPE}`, ({ sub }, ctx) => {
    requireApiVersion(ctx.query, PRIVATE_LINK_SCOPE_TYPE);
    requireSubscription(ctx, sub!);
    return { status: 200, body: { value: listScopes(ctx, sub!) } };
  });
  router.add('GET', scopeBase, ({ sub, rg }, ctx) => {
    requireApiVersion(ctx.query, PRIVATE_LINK_SCOPE_TYPE);
    requireResourceGroup(ctx, sub!, rg!);
    return { status: 200, body: { value: listScopes(ctx, sub!, rg!) } };
  });
  router.add('GET', `${scopeBase}/{scope}`, ({ sub, rg, scope }, ctx) => {
    requireApiVersion(ctx.query, PRIVATE_LINK_SCOPE_TYPE);
    authorize(ctx.deps.metadata, ctx.caller, `${PRIVATE_LINK_SCOPE_TYPE}/read`, privateLinkScopeId({ subscriptionId: sub!, resourceGroup: rg!, name: scope! }));
    return { status: 200, body: scopeShape(ctx, requireScope(ctx, sub!, rg!, scope!)) };
  });
  router.add('PUT', `${scopeBase}/{scope}`, ({ sub, rg, scope }, ctx) => {
    requireApiVersion(ctx.query, PRIVATE_LINK_SCOPE_TYPE);
    requireResourceGroup(ctx, sub!, rg!);
    requireName(scope!, 'private link scope');
    authorize(ctx.deps.metadata, ctx.caller, `${PRIVATE_LINK_SCOPE_TYPE}/write`, privateLinkScopeId({ subscriptionId: sub!, resourceGroup: rg!, name: scope! }));
    const body = parseBody(ScopeBody, ctx.body);
    const modes = body.properties.accessModeSettings;
    const existing = findScope(ctx, sub!, rg!, scope!);
    const record = ctx.deps.metadata.mutate((state) => {
      const list = (state.privateLinkScopes ??= []);
      const current = list.find((s) => eq(s.subscriptionId, sub!) && eq(s.resourceGroup, rg!) && eq(s.name, scope!));
      const next: PrivateLinkScopeRecord = {
        subscriptionId: current?.subscriptionId ?? sub!,
        resourceGroup: current?.resourceGroup ?? rg!,
        name: current?.name ?? scope!,
        location: current?.location ?? body.location,
        tags: body.tags ?? current?.tags,
        queryAccessMode: modes.queryAccessMode,
        ingestionAccessMode: modes.ingestionAccessMode,
        exclusions: (modes.exclusions ?? []).map((e) => ({
          privateEndpointConnectionName: e.privateEndpointConnectionName,
          ...(e.queryAccessMode ? { queryAccessMode: e.queryAccessMode } : {}),
          ...(e.ingestionAccessMode ? { ingestionAccessMode: e.ingestionAccessMode } : {}),
        })),
        scopedResources: current?.scopedResources ?? [],
      };
      if (current) Object.assign(current, next);
      else list.push(next);
      return current ?? next;
    });
    return { status: existing ? 200 : 201, body: scopeShape(ctx, record) };
  });
  router.add('PATCH', `${scopeBase}/{scope}`, ({ sub, rg, scope }, ctx) => {
    requireApiVersion(ctx.query, PRIVATE_LINK_SCOPE_TYPE);
    authorize(ctx.deps.metadata, ctx.caller, `${PRIVATE_LINK_SCOPE_TYPE}/write`, privateLinkScopeId({ subscriptionId: sub!, resourceGroup: rg!, name: scope! }));
    const s = requireScope(ctx, sub!, rg!, scope!);
    const body = parseBody(ScopePatch, ctx.body);
    const record = ctx.deps.metadata.mutate((state) => {
      const current = state.privateLinkScopes!.find((x) => eq(privateLinkScopeId(x), privateLinkScopeId(s)))!;
      if (body.tags) current.tags = body.tags;
      return current;
    });
    return { status: 200, body: scopeShape(ctx, record) };
  });
  router.add('DELETE', `${scopeBase}/{scope}`, ({ sub, rg, scope }, ctx) => {
    requireApiVersion(ctx.query, PRIVATE_LINK_SCOPE_TYPE);
    authorize(ctx.deps.metadata, ctx.caller, `${PRIVATE_LINK_SCOPE_TYPE}/delete`, privateLinkScopeId({ subscriptionId: sub!, resourceGroup: rg!, name: scope! }));
    requireResourceGroup(ctx, sub!, rg!);
    const s = findScope(ctx, sub!, rg!, scope!);
    if (!s) return { status: 204 };
    ctx.deps.metadata.mutate((state) => {
      const id = privateLinkScopeId(s);
      state.privateLinkScopes = (state.privateLinkScopes ?? []).filter((x) => !eq(privateLinkScopeId(x), id));
      // The endpoints' connections go with the scope; the endpoints stay, disconnected (as in Azure).
      for (const pe of state.privateEndpoints ?? []) if (eq(pe.privateLinkServiceId, id)) pe.status = 'Rejected';
    });
    return { status: 200 };
  });

  // --- scoped resources ---
  router.add('GET', `${scopeBase}/{scope}/scopedResources`, ({ sub, rg, scope }, ctx) => {
    requireApiVersion(ctx.query, PRIVATE_LINK_SCOPE_TYPE);
    authorize(ctx.deps.metadata, ctx.caller, `${PRIVATE_LINK_SCOPE_TYPE}/scopedResources/read`, privateLinkScopeId({ subscriptionId: sub!, resourceGroup: rg!, name: scope! }));
    const s = requireScope(ctx, sub!, rg!, scope!);
    return { status: 200, body: { value: s.scopedResources.map((r) => scopedShape(s, r)) } };
  });
  router.add('GET', `${scopeBase}/{scope}/scopedResources/{name}`, ({ sub, rg, scope, name }, ctx) => {
    requireApiVersion(ctx.query, PRIVATE_LINK_SCOPE_TYPE);
    authorize(ctx.deps.metadata, ctx.caller, `${PRIVATE_LINK_SCOPE_TYPE}/scopedResources/read`, privateLinkScopeId({ subscriptionId: sub!, resourceGroup: rg!, name: scope! }));
    const s = requireScope(ctx, sub!, rg!, scope!);
    const r = s.scopedResources.find((x) => eq(x.name, name!));
    if (!r) throw resourceNotFound(`${PRIVATE_LINK_SCOPE_TYPE}/scopedResources`, `${scope}/${name}`, rg!);
    return { status: 200, body: scopedShape(s, r) };
  });
  router.add('PUT', `${scopeBase}/{scope}/scopedResources/{name}`, ({ sub, rg, scope, name }, ctx) => {
    requireApiVersion(ctx.query, PRIVATE_LINK_SCOPE_TYPE);
    const scopeId = privateLinkScopeId({ subscriptionId: sub!, resourceGroup: rg!, name: scope! });
    authorize(ctx.deps.metadata, ctx.caller, `${PRIVATE_LINK_SCOPE_TYPE}/scopedResources/write`, scopeId);
    const s = requireScope(ctx, sub!, rg!, scope!);
    requireName(name!, 'scoped resource');
    const body = parseBody(ScopedResourceBody, ctx.body);
    // Azure Monitor workspaces (Managed Prometheus) and data collection endpoints are scoped like Log Analytics workspaces (issue 19).
    const linkedWorkspace = parseWorkspaceResourceId(body.properties.linkedResourceId);
    const linkedAccount = linkedWorkspace ? undefined : parseMonitorAccountId(body.properties.linkedResourceId);
    const dceRef = linkedWorkspace || linkedAccount ? undefined : parseDataCollectionEndpointId(body.properties.linkedResourceId);
    if (!linkedWorkspace && !linkedAccount && !dceRef) {
      throw new ApiError(400, 'InvalidLinkedResourceId', `linkedResourceId '${body.properties.linkedResourceId}' is not a Log Analytics workspace, Azure Monitor workspace or data collection endpoint id; Vigil scopes only those.`);
    }
    // Scoping a resource opens it to the scope's private networks: that is a change to the resource.
    const writeAction = linkedWorkspace ? 'Microsoft.OperationalInsights/workspaces/write' : linkedAccount ? 'Microsoft.Monitor/accounts/write' : 'Microsoft.Insights/dataCollectionEndpoints/write';
    authorize(ctx.deps.metadata, ctx.caller, writeAction, body.properties.linkedResourceId);
    const found = linkedWorkspace
      ? ctx.deps.metadata.workspace(linkedWorkspace.subscriptionId, linkedWorkspace.resourceGroup, linkedWorkspace.name)
      : linkedAccount
        ? ctx.deps.metadata.monitorAccount(linkedAccount.subscriptionId, linkedAccount.resourceGroup, linkedAccount.name)
        : ctx.deps.metadata.dataCollectionEndpoint(dceRef!.subscriptionId, dceRef!.resourceGroup, dceRef!.name);
    if (!found) throw new ApiError(404, 'LinkedResourceNotFound', `The linked resource '${body.properties.linkedResourceId}' was not found.`);
    const already = ctx.deps.metadata.privateLinkScopes().filter((x) => x !== s && x.scopedResources.some((r) => eq(r.linkedResourceId, body.properties.linkedResourceId)));
    if (already.length >= MAX_SCOPES_PER_RESOURCE) {
      throw new ApiError(400, 'TooManyPrivateLinkScopes', `The resource is already in ${already.length} private link scopes; a resource can be in at most ${MAX_SCOPES_PER_RESOURCE}.`);
    }
    const existed = s.scopedResources.some((r) => eq(r.name, name!));
    const duplicate = s.scopedResources.find((r) => !eq(r.name, name!) && eq(r.linkedResourceId, body.properties.linkedResourceId));
    if (duplicate) throw new ApiError(409, 'Conflict', `The resource is already linked to this private link scope as scoped resource '${duplicate.name}'.`);
    const record = ctx.deps.metadata.mutate((state) => {
      const current = state.privateLinkScopes!.find((x) => eq(privateLinkScopeId(x), scopeId))!;
      current.scopedResources = current.scopedResources.filter((r) => !eq(r.name, name!));
      const r = { name: name!, linkedResourceId: body.properties.linkedResourceId };
      current.scopedResources.push(r);
      return { current, r };
    });
    return { status: existed ? 200 : 201, body: scopedShape(record.current, record.r) };
  });
  router.add('DELETE', `${scopeBase}/{scope}/scopedResources/{name}`, ({ sub, rg, scope, name }, ctx) => {
    requireApiVersion(ctx.query, PRIVATE_LINK_SCOPE_TYPE);
    const scopeId = privateLinkScopeId({ subscriptionId: sub!, resourceGroup: rg!, name: scope! });
    authorize(ctx.deps.metadata, ctx.caller, `${PRIVATE_LINK_SCOPE_TYPE}/scopedResources/delete`, scopeId);
    const s = requireScope(ctx, sub!, rg!, scope!);
    if (!s.scopedResources.some((r) => eq(r.name, name!))) return { status: 204 };
    ctx.deps.metadata.mutate((state) => {
      const current = state.privateLinkScopes!.find((x) => eq(privateLinkScopeId(x), scopeId))!;
      current.scopedResources = current.scopedResources.filter((r) => !eq(r.name, name!));
    });
    return { status: 200 };
  });

  // --- private endpoint connections (the scope's side of each endpoint) ---
  router.add('GET', `${scopeBase}/{scope}/privateEndpointConnections`, ({ sub, rg, scope }, ctx) => {
    requireApiVersion(ctx.query, PRIVATE_LINK_SCOPE_TYPE);
    authorize(ctx.deps.metadata, ctx.caller, `${PRIVATE_LINK_SCOPE_TYPE}/privateEndpointConnections/read`, privateLinkScopeId({ subscriptionId: sub!, resourceGroup: rg!, name: scope! }));
    const s = requireScope(ctx, sub!, rg!, scope!);
    return { status: 200, body: { value: endpointsOfScope(ctx, s).map((pe) => connectionShape(s, pe)) } };
  });
  const findConnection = (ctx: ControlContext, s: PrivateLinkScopeRecord, name: string, rg: string) => {
    const pe = endpointsOfScope(ctx, s).find((p) => eq(p.connectionName, name));
    if (!pe) throw resourceNotFound(`${PRIVATE_LINK_SCOPE_TYPE}/privateEndpointConnections`, `${s.name}/${name}`, rg);
    return pe;
  };
  router.add('GET', `${scopeBase}/{scope}/privateEndpointConnections/{name}`, ({ sub, rg, scope, name }, ctx) => {
    requireApiVersion(ctx.query, PRIVATE_LINK_SCOPE_TYPE);
    authorize(ctx.deps.metadata, ctx.caller, `${PRIVATE_LINK_SCOPE_TYPE}/privateEndpointConnections/read`, privateLinkScopeId({ subscriptionId: sub!, resourceGroup: rg!, name: scope! }));
    const s = requireScope(ctx, sub!, rg!, scope!);
    return { status: 200, body: connectionShape(s, findConnection(ctx, s, name!, rg!)) };
  });
  router.add('PUT', `${scopeBase}/{scope}/privateEndpointConnections/{name}`, ({ sub, rg, scope, name }, ctx) => {
    requireApiVersion(ctx.query, PRIVATE_LINK_SCOPE_TYPE);
    const scopeId = privateLinkScopeId({ subscriptionId: sub!, resourceGroup: rg!, name: scope! });
    authorize(ctx.deps.metadata, ctx.caller, APPROVAL, scopeId);
    const s = requireScope(ctx, sub!, rg!, scope!);
    const pe = findConnection(ctx, s, name!, rg!);
    const state = parseBody(ConnectionBody, ctx.body).properties.privateLinkServiceConnectionState;
    const updated = ctx.deps.metadata.mutate((st) => {
      const current = st.privateEndpoints!.find((p) => eq(privateEndpointId(p), privateEndpointId(pe)))!;
      current.status = state.status;
      current.description = state.description ?? '';
      return current;
    });
    return { status: 200, body: connectionShape(s, updated) };
  });

  // --- private endpoints ---
  const endpointShape = (pe: PrivateEndpointRecord) => {
    const pending = pe.status !== 'Approved';
    const connection = {
      id: `${privateEndpointId(pe)}/${pending ? 'manualPrivateLinkServiceConnections' : 'privateLinkServiceConnections'}/${pe.serviceConnectionName}`,
      name: pe.serviceConnectionName,
      type: `${PRIVATE_ENDPOINT_TYPE}/privateLinkServiceConnections`,
      properties: {
        provisioningState: 'Succeeded',
        privateLinkServiceId: pe.privateLinkServiceId,
        groupIds: pe.groupIds,
        privateLinkServiceConnectionState: { status: pe.status, description: pe.description, actionsRequired: 'None' },
      },
    };
    return {
      id: privateEndpointId(pe),
      name: pe.name,
      type: PRIVATE_ENDPOINT_TYPE,
      location: pe.location,
      tags: pe.tags ?? {},
      properties: {
        provisioningState: 'Succeeded',
        privateLinkServiceConnections: pending ? [] : [connection],
        manualPrivateLinkServiceConnections: pending ? [connection] : [],
        ipConfigurations: [{ name: 'private-listener', properties: { groupId: 'azuremonitor', memberName: 'api', privateIPAddress: pe.privateIPAddress } }],
        customDnsConfigs: [],
        networkInterfaces: [],
      },
    };
  };
  const findEndpoint = (ctx: ControlContext, sub: string, rg: string, name: string) =>
    ctx.deps.metadata.privateEndpoints().find((p) => eq(p.subscriptionId, sub) && eq(p.resourceGroup, rg) && eq(p.name, name));

  router.add('GET', endpointBase, ({ sub, rg }, ctx) => {
    requireApiVersion(ctx.query, PRIVATE_ENDPOINT_TYPE);
    requireResourceGroup(ctx, sub!, rg!);
    const value = ctx.deps.metadata
      .privateEndpoints()
      .filter((p) => eq(p.subscriptionId, sub!) && eq(p.resourceGroup, rg!))
      .filter((p) => isAllowed(ctx.deps.metadata, ctx.caller, `${PRIVATE_ENDPOINT_TYPE}/read`, privateEndpointId(p)))
      .map(endpointShape);
    return { status: 200, body: { value } };
  });
  router.add('GET', `${endpointBase}/{name}`, ({ sub, rg, name }, ctx) => {
    requireApiVersion(ctx.query, PRIVATE_ENDPOINT_TYPE);
    authorize(ctx.deps.metadata, ctx.caller, `${PRIVATE_ENDPOINT_TYPE}/read`, privateEndpointId({ subscriptionId: sub!, resourceGroup: rg!, name: name! }));
    requireResourceGroup(ctx, sub!, rg!);
    const pe = findEndpoint(ctx, sub!, rg!, name!);
    if (!pe) throw resourceNotFound(PRIVATE_ENDPOINT_TYPE, name!, rg!);
    return { status: 200, body: endpointShape(pe) };
  });
  router.add('PUT', `${endpointBase}/{name}`, ({ sub, rg, name }, ctx) => {
    requireApiVersion(ctx.query, PRIVATE_ENDPOINT_TYPE);
    requireResourceGroup(ctx, sub!, rg!);
    requireName(name!, 'private endpoint');
    const id = privateEndpointId({ subscriptionId: sub!, resourceGroup: rg!, name: name! });
    authorize(ctx.deps.metadata, ctx.caller, `${PRIVATE_ENDPOINT_TYPE}/write`, id);
    const body = parseBody(EndpointBody, ctx.body);
    const link = body.properties.privateLinkServiceConnections[0]!;
    const target = ctx.deps.metadata.privateLinkScopes().find((s) => eq(privateLinkScopeId(s), link.properties.privateLinkServiceId));
    if (!target) {
      throw new ApiError(400, 'InvalidPrivateLinkServiceId', `privateLinkServiceId '${link.properties.privateLinkServiceId}' is not an Azure Monitor Private Link Scope of this Vigil.`, {
        target: 'properties.privateLinkServiceConnections[0].properties.privateLinkServiceId',
      });
    }
    const groupIds = link.properties.groupIds ?? ['azuremonitor'];
    if (groupIds.length !== 1 || groupIds[0]!.toLowerCase() !== 'azuremonitor') {
      throw new ApiError(400, 'InvalidGroupId', "An Azure Monitor Private Link Scope has one group id: 'azuremonitor'.", { target: 'properties.privateLinkServiceConnections[0].properties.groupIds' });
    }
    const address = body.properties.ipConfigurations[0]!.properties.privateIPAddress.trim();
    const listeners = privateListenerAddresses();
    if (!isIP(address) || !listeners.some((l) => eq(l, address))) {
      throw new ApiError(
        400,
        'InvalidPrivateIPAddress',
        `privateIPAddress '${address}' is not the address of a private listener of this Vigil (${listeners.length ? listeners.join(', ') : 'none: start it with --private-listener ADDRESS:PORT'}).`,
        { target: 'properties.ipConfigurations[0].properties.privateIPAddress' },
      );
    }
    const existing = findEndpoint(ctx, sub!, rg!, name!);
    const approved = isAllowed(ctx.deps.metadata, ctx.caller, APPROVAL, privateLinkScopeId(target));
    const record = ctx.deps.metadata.mutate((state) => {
      const list = (state.privateEndpoints ??= []);
      const taken = list.find((p) => !eq(privateEndpointId(p), id) && p.status !== 'Rejected' && eq(p.privateIPAddress, address) && eq(p.privateLinkServiceId, privateLinkScopeId(target)));
      if (taken) throw new ApiError(409, 'Conflict', `Private endpoint '${taken.name}' already connects ${address} to this private link scope.`);
      const current = list.find((p) => eq(privateEndpointId(p), id));
      const sameTarget = current && eq(current.privateLinkServiceId, privateLinkScopeId(target));
      const next: PrivateEndpointRecord = {
        subscriptionId: current?.subscriptionId ?? sub!,
        resourceGroup: current?.resourceGroup ?? rg!,
        name: current?.name ?? name!,
        location: current?.location ?? body.location,
        tags: body.tags ?? current?.tags,
        privateIPAddress: address,
        serviceConnectionName: link.name,
        privateLinkServiceId: privateLinkScopeId(target),
        groupIds: ['azuremonitor'],
        connectionName: current?.connectionName ?? `${name}.${createHash('sha256').update(id.toLowerCase()).digest('hex').slice(0, 8)}-${createHash('sha256').update(privateLinkScopeId(target).toLowerCase()).digest('hex').slice(0, 4)}`,
        status: sameTarget ? current!.status : approved ? 'Approved' : 'Pending',
        description: sameTarget ? current!.description : approved ? 'Auto-Approved' : link.properties.requestMessage ?? '',
      };
      if (current) Object.assign(current, next);
      else list.push(next);
      return current ?? next;
    });
    return { status: existing ? 200 : 201, body: endpointShape(record) };
  });
  router.add('DELETE', `${endpointBase}/{name}`, ({ sub, rg, name }, ctx) => {
    requireApiVersion(ctx.query, PRIVATE_ENDPOINT_TYPE);
    const id = privateEndpointId({ subscriptionId: sub!, resourceGroup: rg!, name: name! });
    authorize(ctx.deps.metadata, ctx.caller, `${PRIVATE_ENDPOINT_TYPE}/delete`, id);
    requireResourceGroup(ctx, sub!, rg!);
    if (!findEndpoint(ctx, sub!, rg!, name!)) return { status: 204 };
    ctx.deps.metadata.mutate((state) => {
      state.privateEndpoints = (state.privateEndpoints ?? []).filter((p) => !eq(privateEndpointId(p), id));
    });
    return { status: 200 };
  });
}
