/**
 * Saved searches (`@azure/arm-operationalinsights` `savedSearches`; the portal's saved queries, issue 18):
 *   PUT|GET|DELETE /subscriptions/{s}/resourceGroups/{rg}/providers/Microsoft.OperationalInsights/workspaces/{ws}/savedSearches/{id}
 *   GET …/workspaces/{ws}/savedSearches                       → {value:[…]}
 * Reading needs `…/workspaces/savedSearches/read` on the workspace (any `*\/read` role), writing
 * `…/savedSearches/write` (Log Analytics Contributor, Contributor, Owner), deleting `…/savedSearches/delete`.
 * A saved search stores KQL text only: running it is an ordinary query, under the runner's own access.
 * An `etag` other than `*` must match the current one (optimistic concurrency, 412 otherwise).
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { authorize } from '../authz/authorize.js';
import { ApiError } from '../errors/api-error.js';
import type { SavedSearchRecord, WorkspaceRecord } from '../metadata/records.js';
import { workspaceResourceId } from '../metadata/resource-ids.js';
import { requireApiVersion } from './api-versions.js';
import type { ArmRouter } from './arm-router.js';
import type { ControlContext } from './context.js';
import { parseBody } from './validation.js';
import { requireWorkspace } from './workspaces.js';

const WS = 'Microsoft.OperationalInsights/workspaces';
const TYPE = `${WS}/savedSearches`;
const NAME = /^[A-Za-z0-9_.-]{1,128}$/;
export const MAX_SAVED_SEARCHES = 1000;
const MAX_QUERY_LENGTH = 64 * 1024;

const Body = z
  .object({
    etag: z.string().max(128).nullish(),
    properties: z
      .object({
        category: z.string().trim().min(1, 'category is required').max(256),
        displayName: z.string().trim().min(1, 'displayName is required').max(256),
        query: z.string().min(1, 'query is required').max(MAX_QUERY_LENGTH, `query has at most ${MAX_QUERY_LENGTH} characters`),
        functionAlias: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,127}$/, 'functionAlias must be a KQL identifier').nullish(),
        functionParameters: z.string().max(4096).nullish(),
        version: z.number().int().min(1).max(2).nullish(),
        tags: z.array(z.object({ name: z.string().max(256), value: z.string().max(256) })).max(50).nullish(),
      })
      .catchall(z.unknown()),
  })
  .catchall(z.unknown());

function shape(w: WorkspaceRecord, s: SavedSearchRecord) {
  return {
    id: `${workspaceResourceId(w)}/savedSearches/${s.name}`,
    name: s.name,
    type: TYPE,
    etag: s.etag,
    properties: {
      category: s.category,
      displayName: s.displayName,
      query: s.query,
      ...(s.functionAlias ? { functionAlias: s.functionAlias } : {}),
      ...(s.functionParameters ? { functionParameters: s.functionParameters } : {}),
      version: s.version,
      ...(s.tags ? { tags: s.tags } : {}),
    },
  };
}

const notFound = (name: string) => new ApiError(404, 'ResourceNotFound', `The saved search '${name}' was not found.`);

export function registerSavedSearchRoutes(router: ArmRouter<ControlContext>): void {
  const base = `/subscriptions/{sub}/resourceGroups/{rg}/providers/${WS}/{ws}/savedSearches`;
  const scopeOf = (sub: string, rg: string, ws: string) => `/subscriptions/${sub}/resourceGroups/${rg}/providers/${WS}/${ws}`;
  const find = (w: WorkspaceRecord, name: string) => (w.savedSearches ?? []).find((s) => s.name.toLowerCase() === name.toLowerCase());

  router.add('GET', base, ({ sub, rg, ws }, ctx) => {
    requireApiVersion(ctx.query, WS);
    authorize(ctx.deps.metadata, ctx.caller, `${TYPE}/read`, scopeOf(sub!, rg!, ws!));
    const w = requireWorkspace(ctx, sub!, rg!, ws!);
    return { status: 200, body: { __metadata: {}, value: (w.savedSearches ?? []).map((s) => shape(w, s)) } };
  });

  router.add('GET', `${base}/{name}`, ({ sub, rg, ws, name }, ctx) => {
    requireApiVersion(ctx.query, WS);
    authorize(ctx.deps.metadata, ctx.caller, `${TYPE}/read`, scopeOf(sub!, rg!, ws!));
    const w = requireWorkspace(ctx, sub!, rg!, ws!);
    const s = find(w, name!);
    if (!s) throw notFound(name!);
    return { status: 200, body: shape(w, s) };
  });

  router.add('PUT', `${base}/{name}`, ({ sub, rg, ws, name }, ctx) => {
    requireApiVersion(ctx.query, WS);
    authorize(ctx.deps.metadata, ctx.caller, `${TYPE}/write`, scopeOf(sub!, rg!, ws!));
    const w = requireWorkspace(ctx, sub!, rg!, ws!);
    if (!NAME.test(name!)) throw new ApiError(400, 'InvalidParameter', `The saved search id '${name}' is invalid: use 1-128 letters, digits, '_', '.' and '-'.`);
    const body = parseBody(Body, ctx.body);
    const p = body.properties;
    const existing = find(w, name!);
    if (body.etag && body.etag !== '*' && body.etag !== existing?.etag) {
      throw new ApiError(412, 'PreconditionFailed', `The etag '${body.etag}' does not match the saved search's current etag.`);
    }
    if (!existing && (w.savedSearches ?? []).length >= MAX_SAVED_SEARCHES) {
      throw new ApiError(400, 'InvalidParameter', `A workspace has at most ${MAX_SAVED_SEARCHES} saved searches; delete some first.`);
    }
    const record: SavedSearchRecord = {
      name: existing?.name ?? name!,
      category: p.category,
      displayName: p.displayName,
      query: p.query,
      ...(p.functionAlias ? { functionAlias: p.functionAlias } : {}),
      ...(p.functionParameters ? { functionParameters: p.functionParameters } : {}),
      version: p.version ?? 2,
      ...(p.tags ? { tags: p.tags } : {}),
      etag: `W/"datetime'${encodeURIComponent(new Date().toISOString())}'-${randomUUID().slice(0, 8)}"`,
      createdBy: existing?.createdBy ?? ctx.caller.objectId,
      updatedAt: new Date().toISOString(),
    };
    ctx.deps.metadata.mutate((state) => {
      const target = state.workspaces.find((x) => x.customerId === w.customerId)!;
      target.savedSearches = [...(target.savedSearches ?? []).filter((s) => s.name.toLowerCase() !== record.name.toLowerCase()), record];
    });
    // Azure answers 200 for a new saved search too (the SDK accepts nothing else).
    return { status: 200, body: shape(w, record), activity: { properties: { displayName: record.displayName, category: record.category } } };
  });

  router.add('DELETE', `${base}/{name}`, ({ sub, rg, ws, name }, ctx) => {
    requireApiVersion(ctx.query, WS);
    authorize(ctx.deps.metadata, ctx.caller, `${TYPE}/delete`, scopeOf(sub!, rg!, ws!));
    const w = requireWorkspace(ctx, sub!, rg!, ws!);
    if (!find(w, name!)) return { status: 204 };
    ctx.deps.metadata.mutate((state) => {
      const target = state.workspaces.find((x) => x.customerId === w.customerId)!;
      target.savedSearches = (target.savedSearches ?? []).filter((s) => s.name.toLowerCase() !== name!.toLowerCase());
    });
    return { status: 200 };
  });
}
