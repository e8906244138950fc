/**
 * `Microsoft.KeyVault/vaults` (reference wave2 §6.5):
 *   PUT|PATCH|GET|DELETE /subscriptions/{s}/resourceGroups/{rg}/providers/Microsoft.KeyVault/vaults/{name}
 *   GET …/resourceGroups/{rg}/providers/Microsoft.KeyVault/vaults  and  /subscriptions/{s}/providers/Microsoft.KeyVault/vaults
 *
 * Vault names are unique across Vigil (the vault's host name is `{name}.{dnsSuffix}`). DELETE
 * soft-deletes the vault (always: soft delete is on in every Vigil vault, as in Azure today); a PUT
 * with `createMode: "recover"` brings it back with its keys until the retention period ends. Vigil
 * serves RBAC authorization only: `accessPolicies` are refused rather than silently ignored.
 */
import { z } from 'zod';
import { authorize, isAllowed } from '../authz/authorize.js';
import { resourceGroupId } from '../metadata/resource-ids.js';
import type { KeyVaultRecord } from '../metadata/records.js';
import { ApiError } from '../errors/api-error.js';
import { KEY_VAULT_TYPE, vaultResourceId, type KeyVaultService } from '../keyvault/service.js';
import { requireApiVersion } from './api-versions.js';
import type { ArmRouter } from './arm-router.js';
import type { ControlContext } from './context.js';
import { requireResourceGroup, requireSubscription } from './resource-groups.js';
import { parseBody, resourceNotFound } from './validation.js';

const NAME = /^[a-zA-Z0-9-]{3,24}$/;

const VaultBody = z.object({
  location: z.string().min(1, 'location is required'),
  tags: z.record(z.string(), z.string()).nullish(),
  properties: z
    .object({
      tenantId: z.string().min(1, 'tenantId is required'),
      sku: z.object({ family: z.literal('A'), name: z.enum(['standard', 'premium']) }),
      accessPolicies: z.array(z.unknown()).nullish(),
      enableSoftDelete: z.boolean().nullish(),
      softDeleteRetentionInDays: z.number().int().min(7, 'softDeleteRetentionInDays is 7 to 90').max(90, 'softDeleteRetentionInDays is 7 to 90').nullish(),
      enablePurgeProtection: z.boolean().nullish(),
      enableRbacAuthorization: z.boolean().nullish(),
      createMode: z.enum(['default', 'recover']).nullish(),
      publicNetworkAccess: z.enum(['Enabled', 'Disabled']).nullish(),
    })
    .catchall(z.unknown()),
});

function service(ctx: ControlContext): KeyVaultService {
  if (!ctx.deps.keyVaults) throw new ApiError(501, 'NotImplemented', 'Key vaults are not available on this server.');
  return ctx.deps.keyVaults;
}

export function shapeVault(v: KeyVaultRecord, kv: KeyVaultService) {
  return {
    id: vaultResourceId(v),
    name: v.name,
    type: KEY_VAULT_TYPE,
    location: v.location,
    tags: v.tags ?? {},
    properties: {
      tenantId: v.tenantId,
      sku: { family: 'A', name: v.sku },
      accessPolicies: [],
      vaultUri: `${kv.vaultUrl(v.name)}/`,
      enabledForDeployment: false,
      enabledForDiskEncryption: false,
      enabledForTemplateDeployment: false,
      enableSoftDelete: v.enableSoftDelete,
      softDeleteRetentionInDays: v.softDeleteRetentionInDays,
      enableRbacAuthorization: v.enableRbacAuthorization,
      ...(v.enablePurgeProtection ? { enablePurgeProtection: true } : {}),
      publicNetworkAccess: v.publicNetworkAccess,
      provisioningState: 'Succeeded',
    },
  };
}

/** Soft-deleted vaults whose retention ended are purged (record and keys). */
function expireDeletedVaults(ctx: ControlContext, kv: KeyVaultService): void {
  const now = Date.now();
  const expired = kv.metadata.keyVaults().filter((v) => v.deletedAt && v.scheduledPurgeDate && Date.parse(v.scheduledPurgeDate) <= now);
  if (expired.length === 0) return;
  ctx.deps.metadata.mutate((state) => {
    state.keyVaults = (state.keyVaults ?? []).filter((v) => !expired.includes(v));
  });
  for (const v of expired) kv.keys.purgeVault(v.name);
}

function requireVault(ctx: ControlContext, sub: string, rg: string, name: string): KeyVaultRecord {
  requireResourceGroup(ctx, sub, rg);
  const v = ctx.deps.metadata.keyVaultByName(name);
  if (!v || v.deletedAt || v.subscriptionId.toLowerCase() !== sub.toLowerCase() || v.resourceGroup.toLowerCase() !== rg.toLowerCase()) {
    throw resourceNotFound(KEY_VAULT_TYPE, name, rg);
  }
  return v;
}

export function registerKeyVaultRoutes(router: ArmRouter<ControlContext>): void {
  const rgBase = `/subscriptions/{sub}/resourceGroups/{rg}/providers/${KEY_VAULT_TYPE}`;
  const readable = (ctx: ControlContext, list: KeyVaultRecord[]) =>
    list.filter((v) => !v.deletedAt && isAllowed(ctx.deps.metadata, ctx.caller, `${KEY_VAULT_TYPE}/read`, vaultResourceId(v))).map((v) => shapeVault(v, service(ctx)));

  router.add('GET', `/subscriptions/{sub}/providers/${KEY_VAULT_TYPE}`, ({ sub }, ctx) => {
    requireApiVersion(ctx.query, KEY_VAULT_TYPE);
    requireSubscription(ctx, sub!);
    return { status: 200, body: { value: readable(ctx, service(ctx).metadata.keyVaults().filter((v) => v.subscriptionId.toLowerCase() === sub!.toLowerCase())) } };
  });

  router.add('GET', rgBase, ({ sub, rg }, ctx) => {
    requireApiVersion(ctx.query, KEY_VAULT_TYPE);
    requireResourceGroup(ctx, sub!, rg!);
    const list = service(ctx).metadata.keyVaults().filter((v) => v.subscriptionId.toLowerCase() === sub!.toLowerCase() && v.resourceGroup.toLowerCase() === rg!.toLowerCase());
    return { status: 200, body: { value: readable(ctx, list) } };
  });

  router.add('GET', `${rgBase}/{name}`, ({ sub, rg, name }, ctx) => {
    requireApiVersion(ctx.query, KEY_VAULT_TYPE);
    authorize(ctx.deps.metadata, ctx.caller, `${KEY_VAULT_TYPE}/read`, `${resourceGroupId(sub!, rg!)}/providers/${KEY_VAULT_TYPE}/${name}`);
    return { status: 200, body: shapeVault(requireVault(ctx, sub!, rg!, name!), service(ctx)) };
  });

  const upsert = (patch: boolean) => (p: Record<string, string>, ctx: ControlContext) => {
    const { sub, rg, name } = p as { sub: string; rg: string; name: string };
    requireApiVersion(ctx.query, KEY_VAULT_TYPE);
    const kv = service(ctx);
    authorize(ctx.deps.metadata, ctx.caller, `${KEY_VAULT_TYPE}/write`, `${resourceGroupId(sub, rg)}/providers/${KEY_VAULT_TYPE}/${name}`);
    requireResourceGroup(ctx, sub, rg);
    if (!NAME.test(name)) throw new ApiError(400, 'VaultNameNotValid', `The vault name '${name}' is invalid. A vault's name must be between 3-24 alphanumeric characters and dashes.`);
    expireDeletedVaults(ctx, kv);
    const found = ctx.deps.metadata.keyVaultByName(name);
    const sameRg = found && found.subscriptionId.toLowerCase() === sub.toLowerCase() && found.resourceGroup.toLowerCase() === rg.toLowerCase();
    if (found && !sameRg) throw new ApiError(409, 'VaultAlreadyExists', `The vault name '${name}' is already in use. Vault names are globally unique.`);
    let raw = ctx.body;
    if (patch) {
      const v = requireVault(ctx, sub, rg, name);
      const b = (ctx.body ?? {}) as { tags?: Record<string, string>; properties?: Record<string, unknown> };
      raw = { location: v.location, tags: b.tags ?? v.tags, properties: { ...shapeVault(v, kv).properties, accessPolicies: undefined, ...(b.properties ?? {}) } };
    }
    const body = parseBody(VaultBody, raw);
    const props = body.properties;
    if (props.accessPolicies && props.accessPolicies.length > 0) {
      throw new ApiError(400, 'BadRequest', "Vigil's key vaults use Azure RBAC only (enableRbacAuthorization): remove properties.accessPolicies and assign Key Vault roles instead.");
    }
    // Settings Vigil cannot honour are refused, not stored and silently ignored.
    if (props.publicNetworkAccess === 'Disabled') {
      throw new ApiError(400, 'BadRequest', "publicNetworkAccess 'Disabled' is not supported: Vigil's key vaults have no private endpoints. Restrict who may use the keys with role assignments.");
    }
    const acls = props.networkAcls as { defaultAction?: string; ipRules?: unknown[]; virtualNetworkRules?: unknown[] } | undefined | null;
    if (acls && (acls.defaultAction === 'Deny' || (acls.ipRules?.length ?? 0) > 0 || (acls.virtualNetworkRules?.length ?? 0) > 0)) {
      throw new ApiError(400, 'BadRequest', "networkAcls (firewall rules) are not supported by Vigil's key vaults; remove them and restrict who may use the keys with role assignments.");
    }
    const recovering = props.createMode === 'recover';
    const existing = found && !found.deletedAt ? found : undefined;
    if (found?.deletedAt && !recovering) {
      throw new ApiError(409, 'ConflictError', `A vault with the same name '${name}' already exists in deleted state. You need to either recover or purge the existing key vault.`);
    }
    if (recovering && !found?.deletedAt) throw new ApiError(404, 'DeletedVaultNotFound', `No deleted vault named '${name}' was found to recover.`);
    const prior = found;
    if (props.enableSoftDelete === false) throw new ApiError(400, 'BadRequest', 'enableSoftDelete cannot be set to false: soft delete is always on for Vigil key vaults (as for new Azure key vaults).');
    if (prior?.enablePurgeProtection && props.enablePurgeProtection === false) {
      throw new ApiError(400, 'BadRequest', 'enablePurgeProtection cannot be turned off once it is enabled.');
    }
    if (prior && props.softDeleteRetentionInDays != null && props.softDeleteRetentionInDays !== prior.softDeleteRetentionInDays) {
      throw new ApiError(400, 'BadRequest', 'softDeleteRetentionInDays cannot be changed after the vault is created.');
    }
    const record = ctx.deps.metadata.mutate((state) => {
      const list = (state.keyVaults ??= []);
      const next: KeyVaultRecord = {
        subscriptionId: prior?.subscriptionId ?? sub,
        resourceGroup: prior?.resourceGroup ?? rg,
        name: prior?.name ?? name.toLowerCase(),
        location: prior?.location ?? body.location,
        tags: body.tags ?? undefined,
        tenantId: props.tenantId,
        sku: props.sku.name,
        enableSoftDelete: true,
        softDeleteRetentionInDays: prior?.softDeleteRetentionInDays ?? props.softDeleteRetentionInDays ?? 90,
        enablePurgeProtection: prior?.enablePurgeProtection || props.enablePurgeProtection === true,
        enableRbacAuthorization: props.enableRbacAuthorization ?? prior?.enableRbacAuthorization ?? true,
        publicNetworkAccess: props.publicNetworkAccess ?? prior?.publicNetworkAccess ?? 'Enabled',
        createdAt: prior?.createdAt ?? new Date().toISOString(),
      };
      const i = prior ? list.indexOf(prior) : -1;
      if (i >= 0) list[i] = next;
      else list.push(next);
      return next;
    });
    return {
      status: existing ? 200 : 201,
      body: shapeVault(record, kv),
      activity: { properties: { recovered: recovering, enablePurgeProtection: record.enablePurgeProtection, enableRbacAuthorization: record.enableRbacAuthorization } },
    };
  };
  router.add('PUT', `${rgBase}/{name}`, upsert(false));
  router.add('PATCH', `${rgBase}/{name}`, upsert(true));

  router.add('DELETE', `${rgBase}/{name}`, ({ sub, rg, name }, ctx) => {
    requireApiVersion(ctx.query, KEY_VAULT_TYPE);
    authorize(ctx.deps.metadata, ctx.caller, `${KEY_VAULT_TYPE}/delete`, `${resourceGroupId(sub!, rg!)}/providers/${KEY_VAULT_TYPE}/${name}`);
    requireResourceGroup(ctx, sub!, rg!);
    const v = ctx.deps.metadata.keyVaultByName(name!);
    if (!v || v.deletedAt || v.subscriptionId.toLowerCase() !== sub!.toLowerCase() || v.resourceGroup.toLowerCase() !== rg!.toLowerCase()) return { status: 204 };
    const at = new Date();
    ctx.deps.metadata.mutate(() => {
      v.deletedAt = at.toISOString();
      v.scheduledPurgeDate = new Date(at.getTime() + v.softDeleteRetentionInDays * 86_400_000).toISOString();
    });
    return { status: 200, activity: { properties: { softDeleted: true, scheduledPurgeDate: v.scheduledPurgeDate } } };
  });
}
