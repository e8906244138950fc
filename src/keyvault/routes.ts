/**
 * The Key Vault keys data plane (reference wave2 §6.2–6.4) as `@azure/keyvault-keys` speaks it, on
 * requests whose Host is `{vault}.{dnsSuffix}[:port]`:
 *   POST   /keys/{name}/create                 create (or a new version of) an RSA key
 *   GET    /keys                               list keys          GET /keys/{name}/versions   list versions
 *   GET    /keys/{name}[/{version}]            get                PATCH /keys/{name}[/{version}]  update (enable/disable, exp, nbf, key_ops, tags)
 *   POST   /keys/{name}/rotate                 new version
 *   POST   /keys/{name}[/{version}]/wrapkey|unwrapkey|encrypt|decrypt   RSA-OAEP / RSA-OAEP-256
 *   DELETE /keys/{name}                        soft delete
 *   GET    /deletedkeys[/{name}]   POST /deletedkeys/{name}/recover   DELETE /deletedkeys/{name} (purge, 204)
 *
 * Authentication is Key Vault's challenge: a request without a token gets 401 with
 * `WWW-Authenticate: Bearer authorization="{Vigil}/{tenant}", resource="https://{dnsSuffix}"`.
 * Every operation is authorized by KeyVaultService.authorizeKey (RBAC dataActions), and every change
 * (create, update, rotate, delete, recover, purge) is written to the activity log.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Caller } from '../authz/authorize.js';
import type { ActivityLog } from '../audit/activity-log.js';
import type { Authenticate } from '../identity/authenticate.js';
import { ApiError } from '../errors/api-error.js';
import type { KeyVaultRecord } from '../metadata/records.js';
import { KeyStoreError, type KeyRecord, type KeyVersionRecord } from './key-store.js';
import { KEY_VAULT_TYPE, vaultResourceId, type KeyVaultService } from './service.js';

export interface KeyVaultRouteDeps {
  keyVaults: KeyVaultService;
  authenticate: Authenticate;
  activity?: ActivityLog;
  publicBaseUrl: () => string;
  tenantId: string;
  /** Called after a key changed (rotate, enable/disable, delete, recover): clusters re-wrap or re-check. */
  onKeyChanged?: (vault: string, keyName: string) => void;
}

const API_VERSION = /^(7\.\d+(-preview)?|20\d\d-\d\d-\d\d(-preview)?)$/;
const KEY_NAME = /^[0-9a-zA-Z-]{1,127}$/;
const KEY_OPS = ['encrypt', 'decrypt', 'sign', 'verify', 'wrapKey', 'unwrapKey', 'import', 'export'];
const RSA_SIZES = [2048, 3072, 4096];

function kvError(status: number, code: string, message: string, inner?: string): ApiError {
  return new ApiError(status, code, message, inner ? { innererror: { code: inner } } : {});
}

const fromStore = (err: unknown): unknown => (err instanceof KeyStoreError ? kvError(err.status, err.code, err.message, err.inner) : err);

function recoveryLevel(v: KeyVaultRecord): string {
  const custom = v.softDeleteRetentionInDays < 90 ? 'CustomizedRecoverable' : 'Recoverable';
  return v.enablePurgeProtection ? custom : `${custom}+Purgeable`;
}

function attributes(vault: KeyVaultRecord, v: KeyVersionRecord) {
  return {
    enabled: v.enabled,
    ...(v.nbf !== undefined ? { nbf: v.nbf } : {}),
    ...(v.exp !== undefined ? { exp: v.exp } : {}),
    created: v.created,
    updated: v.updated,
    recoverableDays: vault.softDeleteRetentionInDays,
    recoveryLevel: recoveryLevel(vault),
    exportable: false,
  };
}

function b64urlBody(value: unknown, field: string): Buffer {
  if (typeof value !== 'string' || value.length === 0 || !/^[A-Za-z0-9_-]+={0,2}$/.test(value)) throw kvError(400, 'BadParameter', `Property '${field}' must be a base64url string.`);
  return Buffer.from(value, 'base64url');
}

function seconds(value: unknown, field: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value)) throw kvError(400, 'BadParameter', `Property 'attributes.${field}' must be Unix seconds (an integer).`);
  return value;
}

function tagsOf(value: unknown): Record<string, string> | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value) || Object.values(value).some((x) => typeof x !== 'string')) throw kvError(400, 'BadParameter', "Property 'tags' must be an object of strings.");
  if (Object.keys(value).length > 15) throw kvError(400, 'BadParameter', 'A key has at most 15 tags.');
  return value as Record<string, string>;
}

function keyOpsOf(value: unknown): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || value.some((o) => typeof o !== 'string' || !KEY_OPS.includes(o))) throw kvError(400, 'BadParameter', `Property 'key_ops' must list operations among ${KEY_OPS.join(', ')}.`);
  return value as string[];
}

export async function keyVaultRoutes(app: FastifyInstance, deps: KeyVaultRouteDeps): Promise<void> {
  const kv = deps.keyVaults;
  // The SDK's first request of a challenge carries no body but may keep its content type: an empty
  // JSON body is "no body" here (in this plugin's scope only), so it reaches the 401 challenge.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: 256 * 1024 }, (_req, text, done) => {
    if (text === '') return done(null, undefined);
    try {
      done(null, JSON.parse(text as string));
    } catch {
      done(kvError(400, 'BadParameter', 'The request body is not valid JSON.') as Error & { statusCode?: number }, undefined);
    }
  });
  const suffix = kv.dnsSuffix.replace(/\./g, '\\.');
  const constraints = { host: new RegExp(`^[a-z0-9-]{3,24}\\.${suffix}(:\\d+)?$`, 'i') };

  const bundle = (vault: KeyVaultRecord, name: string, v: KeyVersionRecord) => ({
    key: kv.keys.jwk(kv.vaultUrl(vault.name), name, v),
    attributes: attributes(vault, v),
    ...(v.tags ? { tags: v.tags } : {}),
  });
  const item = (vault: KeyVaultRecord, rec: KeyRecord, v: KeyVersionRecord, versioned: boolean) => ({
    kid: `${kv.vaultUrl(vault.name)}/keys/${rec.name}${versioned ? `/${v.version}` : ''}`,
    attributes: attributes(vault, v),
    ...(v.tags ? { tags: v.tags } : {}),
  });
  const deletedFields = (vault: KeyVaultRecord, rec: KeyRecord) => ({
    recoveryId: `${kv.vaultUrl(vault.name)}/deletedkeys/${rec.name}`,
    deletedDate: rec.deleted!.deletedDate,
    scheduledPurgeDate: rec.deleted!.scheduledPurgeDate,
  });

  type Begun = { vault: KeyVaultRecord; caller: Caller; query: URLSearchParams };
  /** Authenticates the request (or answers the challenge) and finds the vault its Host names; always first. */
  async function begin(req: FastifyRequest): Promise<Begun> {
    const query = new URLSearchParams(req.url.split('?')[1] ?? '');
    const name = kv.vaultNameOfHost(req.headers.host);
    const vault = name ? kv.liveVault(name) : undefined;
    if (!vault) throw kvError(404, 'VaultNotFound', `No key vault is served at '${req.headers.host ?? ''}': it does not exist or was deleted.`);
    if (!req.headers.authorization) {
      throw new ApiError(401, 'Unauthorized', 'AKV10000: Request is missing a Bearer or PoP token.', {}, {
        'www-authenticate': `Bearer authorization="${deps.publicBaseUrl()}/${deps.tenantId}", resource="https://${kv.dnsSuffix}"`,
      });
    }
    const caller = await deps.authenticate(req.headers.authorization, kv.audiences(), req.raw);
    const version = query.get('api-version');
    if (!version) throw kvError(400, 'BadParameter', 'The api-version query parameter is required (for example ?api-version=7.6 or 2025-07-01).');
    if (!API_VERSION.test(version)) throw kvError(400, 'BadParameter', `The specified version (${version}) is not recognized. Consider using the latest supported version (2025-07-01).`);
    return { vault, caller, query };
  }

  function audit(req: FastifyRequest, caller: Caller, vault: KeyVaultRecord, keyName: string, dataAction: string, status: number, err?: ApiError, properties?: Record<string, unknown>) {
    deps.activity?.record({
      caller,
      method: req.method,
      resourceId: `${vaultResourceId(vault)}/keys/${keyName}`,
      operation: `${KEY_VAULT_TYPE}/${dataAction}`,
      status,
      correlationId: req.id,
      callerIp: req.ip,
      ...(err ? { errorCode: err.code, errorMessage: err.message } : {}),
      ...(properties ? { properties } : {}),
    });
  }

  /** Runs a changing operation: authorize, act, record the outcome in the activity log (success or failure). */
  async function change(
    req: FastifyRequest,
    reply: FastifyReply,
    keyName: string,
    dataAction: string,
    act: (vault: KeyVaultRecord) => Promise<{ status: number; body?: unknown; properties?: Record<string, unknown> }>,
    begun?: Begun,
  ) {
    const { vault, caller } = begun ?? (await begin(req));
    try {
      kv.authorizeKey(vault, caller, dataAction, keyName);
      const r = await act(vault);
      audit(req, caller, vault, keyName, dataAction, r.status, undefined, r.properties);
      deps.onKeyChanged?.(vault.name, keyName);
      reply.code(r.status);
      return r.body === undefined ? reply.send() : reply.send(r.body);
    } catch (err) {
      const e = fromStore(err);
      if (e instanceof ApiError) audit(req, caller, vault, keyName, dataAction, e.status, e);
      throw e;
    }
  }

  async function read<T>(req: FastifyRequest, keyName: string | undefined, dataAction: string, act: (vault: KeyVaultRecord) => T, begun?: Begun): Promise<T> {
    const { vault, caller } = begun ?? (await begin(req));
    try {
      kv.authorizeKey(vault, caller, dataAction, keyName);
      return act(vault);
    } catch (err) {
      throw fromStore(err);
    }
  }

  const body = (req: FastifyRequest): Record<string, unknown> => {
    const b = req.body;
    if (b === undefined || b === null) return {};
    if (typeof b !== 'object' || Array.isArray(b)) throw kvError(400, 'BadParameter', 'The request body must be a JSON object.');
    return b as Record<string, unknown>;
  };
  const checkName = (name: string) => {
    if (!KEY_NAME.test(name)) throw kvError(400, 'BadParameter', `The key name '${name}' is invalid: use 1-127 letters, digits and dashes.`);
  };

  // ---- create, rotate
  async function create(req: FastifyRequest, reply: FastifyReply, name: string) {
    const begun = await begin(req);
    checkName(name);
    const b = body(req);
    const kty = b.kty;
    if (kty !== 'RSA' && kty !== 'RSA-HSM') {
      throw kvError(400, 'BadParameter', `Vigil's key vault creates RSA keys only (kty RSA or RSA-HSM); '${String(kty)}' is not supported.`);
    }
    const size = b.key_size ?? 2048;
    if (typeof size !== 'number' || !RSA_SIZES.includes(size)) throw kvError(400, 'BadParameter', `key_size must be one of ${RSA_SIZES.join(', ')} for RSA keys.`);
    if (b.public_exponent !== undefined && b.public_exponent !== 65537) throw kvError(400, 'BadParameter', 'public_exponent must be 65537.');
    const attrs = (b.attributes ?? {}) as Record<string, unknown>;
    if (attrs.exportable === true) throw kvError(400, 'BadParameter', "Vigil's key vault does not create exportable keys.");
    return change(req, reply, name, 'keys/create/action', async (vault) => {
      const v = await kv.keys.createVersion(vault.name, name, {
        kty,
        keySize: size,
        keyOps: keyOpsOf(b.key_ops) ?? ['encrypt', 'decrypt', 'wrapKey', 'unwrapKey', 'sign', 'verify'],
        enabled: attrs.enabled !== false,
        nbf: seconds(attrs.nbf, 'nbf'),
        exp: seconds(attrs.exp, 'exp'),
        tags: tagsOf(b.tags),
      });
      return { status: 200, body: bundle(vault, kv.keys.key(vault.name, name).name, v), properties: { keyVersion: v.version, kty, keySize: size } };
    }, begun);
  }

  async function rotate(req: FastifyRequest, reply: FastifyReply, name: string) {
    return change(req, reply, name, 'keys/rotate/action', async (vault) => {
      const cur = kv.keys.version(vault.name, name);
      const v = await kv.keys.createVersion(vault.name, name, { kty: cur.kty, keySize: cur.keySize, keyOps: cur.keyOps, enabled: true, tags: cur.tags });
      return { status: 200, body: bundle(vault, kv.keys.key(vault.name, name).name, v), properties: { keyVersion: v.version, previousVersion: cur.version } };
    });
  }

  // ---- crypto operations
  const CRYPTO: Record<string, { op: 'wrapKey' | 'unwrapKey' | 'encrypt' | 'decrypt'; action: string }> = {
    wrapkey: { op: 'wrapKey', action: 'keys/wrap/action' },
    unwrapkey: { op: 'unwrapKey', action: 'keys/unwrap/action' },
    encrypt: { op: 'encrypt', action: 'keys/encrypt/action' },
    decrypt: { op: 'decrypt', action: 'keys/decrypt/action' },
  };
  async function crypto(req: FastifyRequest, name: string, version: string | undefined, opName: string) {
    const begun = await begin(req);
    const c = CRYPTO[opName.toLowerCase()];
    if (!c) throw kvError(400, 'BadParameter', `Vigil's key vault serves wrapkey, unwrapkey, encrypt and decrypt; '${opName}' is not supported.`);
    const b = body(req);
    if (typeof b.alg !== 'string') throw kvError(400, 'BadParameter', "Property 'alg' is required.");
    const value = b64urlBody(b.value, 'value');
    return read(req, name, c.action, (vault) => {
      const r = c.op === 'wrapKey' || c.op === 'encrypt' ? kv.keys.wrap(vault.name, name, version, b.alg as string, value, c.op) : kv.keys.unwrap(vault.name, name, version, b.alg as string, value, c.op);
      return { kid: `${kv.vaultUrl(vault.name)}/keys/${kv.keys.key(vault.name, name).name}/${r.version}`, value: r.value.toString('base64url') };
    }, begun);
  }

  // ---- routes
  app.post('/keys/:name/:op', { constraints }, async (req, reply) => {
    const { name, op } = req.params as { name: string; op: string };
    if (op.toLowerCase() === 'create') return create(req, reply, name);
    if (op.toLowerCase() === 'rotate') return rotate(req, reply, name);
    return crypto(req, name, undefined, op);
  });
  app.post('/keys/:name/:version/:op', { constraints }, async (req) => {
    const { name, version, op } = req.params as { name: string; version: string; op: string };
    return crypto(req, name, version, op);
  });

  app.get('/keys', { constraints }, async (req) =>
    read(req, undefined, 'keys/read', (vault) => ({
      value: kv.keys.keys(vault.name).map((rec) => item(vault, rec, rec.versions[rec.versions.length - 1]!, false)),
      nextLink: null,
    })),
  );
  const getKey = async (req: FastifyRequest, name: string, version?: string) =>
    read(req, name, 'keys/read', (vault) => {
      if (version?.toLowerCase() === 'versions') {
        const rec = kv.keys.key(vault.name, name);
        return { value: rec.versions.map((v) => item(vault, rec, v, true)), nextLink: null };
      }
      const v = kv.keys.version(vault.name, name, version);
      return bundle(vault, kv.keys.key(vault.name, name).name, v);
    });
  app.get('/keys/:name', { constraints }, async (req) => getKey(req, (req.params as { name: string }).name));
  app.get('/keys/:name/:version', { constraints }, async (req) => {
    const p = req.params as { name: string; version: string };
    return getKey(req, p.name, p.version || undefined);
  });

  const update = async (req: FastifyRequest, reply: FastifyReply, name: string, version?: string) => {
    const begun = await begin(req);
    const b = body(req);
    const attrs = (b.attributes ?? {}) as Record<string, unknown>;
    if (attrs.enabled !== undefined && typeof attrs.enabled !== 'boolean') throw kvError(400, 'BadParameter', "Property 'attributes.enabled' must be a boolean.");
    const changes = { enabled: attrs.enabled as boolean | undefined, nbf: seconds(attrs.nbf, 'nbf'), exp: seconds(attrs.exp, 'exp'), keyOps: keyOpsOf(b.key_ops), tags: tagsOf(b.tags) };
    return change(req, reply, name, 'keys/update/action', async (vault) => {
      const v = kv.keys.update(vault.name, name, version, changes);
      return { status: 200, body: bundle(vault, kv.keys.key(vault.name, name).name, v), properties: { keyVersion: v.version, ...(changes.enabled !== undefined ? { enabled: changes.enabled } : {}) } };
    }, begun);
  };
  app.patch('/keys/:name', { constraints }, async (req, reply) => update(req, reply, (req.params as { name: string }).name));
  app.patch('/keys/:name/:version', { constraints }, async (req, reply) => {
    const p = req.params as { name: string; version: string };
    return update(req, reply, p.name, p.version || undefined);
  });

  app.delete('/keys/:name', { constraints }, async (req, reply) => {
    const { name } = req.params as { name: string };
    return change(req, reply, name, 'keys/delete', async (vault) => {
      const rec = kv.keys.softDelete(vault.name, name, vault.softDeleteRetentionInDays);
      const cur = rec.versions[rec.versions.length - 1]!;
      return { status: 200, body: { ...bundle(vault, rec.name, cur), ...deletedFields(vault, rec) }, properties: { scheduledPurgeDate: rec.deleted!.scheduledPurgeDate } };
    });
  });

  app.get('/deletedkeys', { constraints }, async (req) =>
    read(req, undefined, 'keys/read', (vault) => ({
      value: kv.keys.deletedKeys(vault.name).map((rec) => ({ ...item(vault, rec, rec.versions[rec.versions.length - 1]!, false), ...deletedFields(vault, rec) })),
      nextLink: null,
    })),
  );
  app.get('/deletedkeys/:name', { constraints }, async (req) => {
    const { name } = req.params as { name: string };
    return read(req, name, 'keys/read', (vault) => {
      const rec = kv.keys.deletedKey(vault.name, name);
      return { ...bundle(vault, rec.name, rec.versions[rec.versions.length - 1]!), ...deletedFields(vault, rec) };
    });
  });
  app.post('/deletedkeys/:name/recover', { constraints }, async (req, reply) => {
    const { name } = req.params as { name: string };
    return change(req, reply, name, 'keys/recover/action', async (vault) => {
      const rec = kv.keys.recover(vault.name, name);
      return { status: 200, body: bundle(vault, rec.name, rec.versions[rec.versions.length - 1]!) };
    });
  });
  app.delete('/deletedkeys/:name', { constraints }, async (req, reply) => {
    const { name } = req.params as { name: string };
    return change(req, reply, name, 'keys/purge/action', async (vault) => {
      kv.keys.purge(vault.name, name, vault.enablePurgeProtection);
      return { status: 204 };
    });
  });
}
