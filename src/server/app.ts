import { randomUUID } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync } from 'node:fs';
import { maxHeaderSize, STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import type { Caller } from '../authz/authorize.js';
import { cloudMetadataRoutes } from '../control/cloud-metadata.js';
import { controlRoutes } from '../control/routes.js';
import { graphRoutes } from '../graph/routes.js';
import { managedIdentityRoutes } from '../identity/managed-identity-routes.js';
import { identityRoutes } from '../identity/routes.js';
import { signInRoutes } from '../identity/sign-in-routes.js';
import { RefreshTokens } from '../identity/refresh-tokens.js';
import { AuthorizationCodes, SessionStore } from '../identity/sign-in-state.js';
import { normalizeAudience } from '../identity/token-verifier.js';
import { directoryRoutes } from '../graph/directory-routes.js';
import { portalRoutes } from '../portal/routes.js';
import { loadOrCreateSigningKeys } from '../identity/signing-keys.js';
import { TokenIssuer } from '../identity/token-issuer.js';
import { TokenVerifier } from '../identity/token-verifier.js';
import type { PrincipalDirectory } from '../identity/types.js';
import { IngestService } from '../ingest/ingest-service.js';
import { ingestRoutes } from '../ingest/routes.js';
import { otlpRoutes } from '../ingest/otlp/routes.js';
import { RateLimiter } from '../ingest/rate-limiter.js';
import { agentConfigurationRoutes } from '../ingest/agent-configuration.js';
import { MetadataStore } from '../metadata/metadata-store.js';
import { QueryService, DEFAULT_QUERY_LIMITS, type QueryLimitsConfig } from '../query/query-service.js';
import { queryRoutes } from '../query/routes.js';
import { StorageEngine, type EngineOptions } from '../store/engine.js';
import { tableSchema } from '../metadata/standard-columns.js';
import { ALL_AUDIENCES, withBaseUrl } from '../identity/audiences.js';
import { initialState, writeBootstrapFile, writeOperatorFile, type BootstrapInfo } from './bootstrap.js';
import { ApiError, storageApiError } from '../errors/api-error.js';
import { ensureTlsMaterial } from './tls.js';
import { CertificateWatcher, HSTS_VALUE, readCertificatePair, tlsPolicy } from './tls-policy.js';
import { clientCertificateCaller } from '../network/client-certificates.js';
import { isControlPlanePath, listenerOf, startPrivateListeners, type ListenerAddress, type PrivateListeners } from '../network/listeners.js';
import { ActivityLog } from '../audit/activity-log.js';
import { QueryAuditor } from '../audit/query-audit.js';
import { AuditSink } from '../audit/sink.js';
import { IngestionStatistics } from '../ingest/transform/ingestion-statistics.js';
import { IngestionTransforms } from '../ingest/transform/ingestion-transforms.js';
import { GeoIpDatabase } from '../ingest/transform/geo-location.js';
import { installGeoIpInfo } from '../kql/runtime/geo-ip-info.js';
import { warmUpCompiler } from '../kql/warm-up.js';
import { PrivateDataScanner } from '../governance/private-data-scanner.js';
import { PurgeService } from '../governance/purge.js';
import { AlertService } from '../alerts/alert-service.js';
import { AlertSeal } from '../alerts/alert-seal.js';
import { WebhookSender } from '../alerts/webhook-delivery.js';
import { EmailSender } from '../alerts/email-delivery.js';
import { parseAllowEntry } from '../alerts/webhook-target.js';
import type { KeyProtectionOptions } from '../keys/protector.js';
import { INSECURE_WARNING, loadMasterKeysUnder, openRootOfTrust } from '../keys/root-of-trust.js';
import { BlobStore } from '../blob/blob-store.js';
import { blobRoutes, STORAGE_AUDIENCES } from '../blob/routes.js';
import { DataExportRules } from '../governance/export/rules.js';
import { Exporter } from '../governance/export/exporter.js';
import { loadExternalDestinations } from '../governance/export/destinations.js';
import { ExportLedger, ledgerPath } from '../governance/export/ledger.js';
import { KeyStore } from '../keyvault/key-store.js';
import { DEFAULT_KEY_VAULT_DNS_SUFFIX, KeyVaultService } from '../keyvault/service.js';
import { ClusterKeys, DEFAULT_CMK_KEY_CACHE_SECONDS, gatedStore } from '../keyvault/cluster-keys.js';
import { keyVaultRoutes } from '../keyvault/routes.js';
import type { SyslogListenerSpec } from '../syslog/options.js';
import { startSyslogListeners, type SyslogListeners } from '../syslog/listeners.js';
import { DEFAULT_PIPELINE_LIMITS, SyslogPipeline, type PipelineLimits } from '../syslog/pipeline.js';
import { syslogRoutes } from '../syslog/routes.js';
import { LockboxRequests, AZURE_LIFETIMES, lockboxMacKey } from '../lockbox/requests.js';
import { LockboxService } from '../lockbox/lockbox-service.js';
import { lockboxRoutes } from '../lockbox/routes.js';
import { PrometheusSupervisor } from '../metrics/prometheus-supervisor.js';
import { remoteWriteRoutes } from '../metrics/remote-write-routes.js';
import { prometheusQueryRoutes } from '../metrics/query-routes.js';
import { monitorAccountId } from '../metrics/records.js';
import { TotpSecretSeal } from '../identity/totp-secrets.js';
import { TotpVerifier } from '../identity/user-credentials.js';
import { tokenStillValid } from '../identity/user-accounts.js';

export interface ServerOptions {
  dataDir: string;
  host: string;
  port: number;
  /** pino level; 'silent' in tests. */
  logLevel?: string;
  memoryLimit?: string;
  queryLimits?: Partial<QueryLimitsConfig>;
  /** Ingestion requests per minute per data collection rule. */
  ingestRequestsPerMinute?: number;
  /** A MaxMind DB file (GeoLite2-City or compatible) for geo_location() in ingestion-time transformations. */
  geoipDatabase?: string;
  /** A request whose headers and body have not fully arrived after this long is answered 408 and its connection closed (default 120). */
  requestTimeoutSeconds?: number;
  /** Storage engine tuning (sealing thresholds, scratch folder, cache size, background intervals). */
  storage?: Partial<Omit<EngineOptions, 'dataDir' | 'memoryLimit' | 'retentionDays' | 'log' | 'masterKeys'>>;
  /** The root of trust of the storage master key and the token-signing key (issue #15); required, never defaulted. */
  keyProtection: KeyProtectionOptions;
  /** Network isolation and TLS (issue 16): private listeners, the operator's certificate (watched and reloaded). */
  network?: {
    privateListeners?: ListenerAddress[];
    tlsCertFile?: string;
    tlsKeyFile?: string;
    /** The CA clients trust for the operator's certificate (bootstrap.json `caPath`). */
    tlsCaFile?: string;
    /** Mutual TLS on the public listener: the CA whose client certificates it requires. */
    publicClientCaFile?: string;
    /** `private-only`: the control plane answers only on private listeners. */
    controlPlaneAccess?: 'everywhere' | 'private-only';
  };
  /** Customer Lockbox (src/lockbox): shorter lifetimes than Azure's 4 days / 8 hours, for tests. */
  lockbox?: {
    pendingLifetimeSeconds?: number;
    approvalDurationSeconds?: number;
  };
  /** Log search alerts (src/alerts). */
  alerts?: {
    /** Shortest evaluationFrequency a rule may have, in seconds (default 60, as Azure). */
    minFrequencySeconds?: number;
    /** Webhook targets allowed although loopback/private/link-local: `host:port` or CIDR. */
    webhookAllow?: string[];
    /** PEM file of extra CA certificates trusted for webhook targets. */
    webhookCaFile?: string;
    /** The SMTP relay for email receivers (without it, email receivers are refused). */
    smtp?: { url: string; from?: string; caFile?: string };
  };
  /** Key vaults and customer-managed keys of dedicated clusters (issue #15). */
  keyVault?: {
    /** Vault NAME is served at https://NAME.{dnsSuffix}:{port} (default vault.localhost). */
    dnsSuffix?: string;
    /** How long an unwrapped cluster key is trusted before the vault is asked again (default 60). */
    cmkKeyCacheSeconds?: number;
  };
  /** Syslog receivers (src/syslog): TLS, loopback TCP/UDP, into the Syslog and CommonSecurityLog tables. */
  syslog?: {
    listeners: SyslogListenerSpec[];
    /** Rules for listeners that name none (`--syslog-dcr`). */
    defaultDcrs?: string[];
    maxMessageBytes?: number;
    limits?: Partial<PipelineLimits>;
  };
  /** Managed Prometheus (Azure Monitor workspaces, src/metrics): the Prometheus Vigil runs per account. */
  prometheus?: {
    /** The prometheus executable; default: `prometheus` on PATH. */
    binary?: string;
    /** TSDB retention (a Prometheus duration such as 540d). */
    retention?: string;
  };
}

export interface RunningServer {
  app: FastifyInstance;
  endpoint: string;
  /** `https://ADDRESS:PORT` of each private listener, in the order given. */
  privateEndpoints: string[];
  /** The syslog listeners with the ports they listen on. */
  syslogListeners: { transport: string; address: string; port: number }[];
  bootstrap: BootstrapInfo;
  /** What protects the keys (the root of trust), for the start banner. */
  keyProtection: string;
  close(): Promise<void>;
}

/** Fastify's own errors, mapped onto Azure's error shape. */
function frameworkError(err: FastifyError): ApiError {
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new ApiError(413, 'ContentLengthLimitExceeded', 'The request body is larger than this API accepts. Send a smaller body.');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new ApiError(415, 'UnsupportedMediaType', 'The Content-Type of the request is not supported here: send application/json.');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new ApiError(400, 'InvalidRequestContent', 'The request body is empty: send a JSON body.');
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new ApiError(400, 'InvalidRequestContent', 'The request body is not valid JSON.');
  }
  if (err.statusCode === 400 || err instanceof SyntaxError) {
    return new ApiError(400, 'InvalidRequestContent', `The request could not be read: ${err.message.split('\n')[0]}`);
  }
  if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) return new ApiError(err.statusCode, 'BadRequest', err.message.split('\n')[0]!);
  const storage = storageApiError(err);
  if (storage) return storage;
  return new ApiError(500, 'InternalServerError', 'Vigil hit an unexpected error. The error is logged with the correlation id in this response; retry, and report it if it persists.');
}

/** Starts Vigil: data folder, TLS, metadata (first-run bootstrap), keys, store, and every plane on one HTTPS port. */
export async function startServer(opts: ServerOptions): Promise<RunningServer> {
  mkdirSync(opts.dataDir, { recursive: true, mode: 0o700 });
  chmodSync(opts.dataDir, 0o700);
  const net = opts.network ?? {};
  if (net.controlPlaneAccess === 'private-only' && !net.privateListeners?.length) {
    throw new Error('--control-plane-access private-only needs at least one --private-listener, or nobody could administer Vigil.');
  }
  if (Boolean(net.tlsCertFile) !== Boolean(net.tlsKeyFile)) throw new Error('--tls-cert and --tls-key go together: give both, or neither for the local CA.');
  // The root of trust first: a missing or wrong one refuses the start before anything else is made.
  const root = await openRootOfTrust(opts.dataDir, opts.keyProtection, { create: true });
  let masterKeys;
  let signingKeys;
  try {
    if (!root.protector) process.stderr.write(`\n${'!'.repeat(100)}\n${INSECURE_WARNING}\n${'!'.repeat(100)}\n\n`);
    masterKeys = await loadMasterKeysUnder(opts.dataDir, root, { create: true, env: opts.keyProtection.env });
    signingKeys = await loadOrCreateSigningKeys(join(opts.dataDir, 'keys'), root.protector);
  } finally {
    // Every key is in memory now: log out of the HSM, forget the passphrase-derived key.
    root.protector?.close();
  }
  // The local CA's certificate also names the private listeners' addresses.
  const vaultSuffix = (opts.keyVault?.dnsSuffix ?? DEFAULT_KEY_VAULT_DNS_SUFFIX).toLowerCase().replace(/^\.+|\.+$/g, '');
  if (!/^[a-z0-9-]+(\.[a-z0-9-]+)+$/.test(vaultSuffix)) throw new Error(`--key-vault-dns-suffix must be a DNS name with at least two labels, e.g. vault.localhost (got '${vaultSuffix}').`);
  // The local CA's certificate also covers the key vaults' host names (*.vault.localhost).
  const tls = await ensureTlsMaterial(opts.dataDir, [...new Set((net.privateListeners ?? []).map((l) => l.host)), `*.${vaultSuffix}`]);
  const certificate = net.tlsCertFile && net.tlsKeyFile ? readCertificatePair(net.tlsCertFile, net.tlsKeyFile) : { cert: tls.certPem, key: tls.keyPem };
  const httpsOptions = { ...tlsPolicy(), ...certificate };
  // Mutual TLS per listener: the client CA's certificates, asked for and required in the handshake.
  const mutualTls = (clientCaFile: string | undefined) =>
    clientCaFile ? { ca: readFileSync(clientCaFile, 'utf8'), requestCert: true, rejectUnauthorized: true } : {};
  const publicMutualTls = mutualTls(net.publicClientCaFile);

  let adminSecret: string | undefined;
  const { state, adminSecret: secret, operatorSecret } = await initialState();
  // Alert rules' queries and action groups' receivers are sealed in metadata.json (src/alerts/alert-seal.ts).
  const alertSeal = new AlertSeal(opts.dataDir, masterKeys);
  const { store: metadata, created } = MetadataStore.open(opts.dataDir, () => state, alertSeal);
  if (created) {
    adminSecret = secret;
    writeOperatorFile(opts.dataDir, metadata.snapshot(), operatorSecret);
  }

  const logStore = await StorageEngine.open({
    ...opts.storage,
    dataDir: opts.dataDir,
    masterKeys,
    memoryLimit: opts.memoryLimit,
    // Per-table retention; -1 means the workspace's.
    retentionDays: (workspaceId, table) => {
      const w = metadata.workspaceByCustomerId(workspaceId);
      const t = w?.tables.find((x) => x.name === table);
      if (!w || !t) return undefined;
      return t.retentionInDays === -1 ? w.retentionInDays : t.retentionInDays;
    },
  });
  // The immutable blob store (storage accounts), under the same master key as the logs.
  const blobs = BlobStore.open(opts.dataDir, masterKeys);
  // Users' TOTP secrets are sealed at rest; any an earlier release stored in the clear are sealed now.
  const totpSecrets = TotpSecretSeal.open(opts.dataDir, masterKeys);
  totpSecrets.sealPlainSecrets(metadata);
  // Key vaults: their keys sealed under the master key; clusters' customer-managed keys gate linked workspaces.
  const keyVaults = new KeyVaultService(metadata, KeyStore.open(opts.dataDir, masterKeys), vaultSuffix, () => endpoint);
  await logStore.attachWorkspaces(
    metadata.workspaces().map((w) => ({ workspaceId: w.customerId, tables: w.tables.map((t) => ({ name: t.name, columns: tableSchema(t) })) })),
  );
  // The KQL compiler's code runs once before the server is ready, not on the first user query (src/kql/warm-up.ts).
  warmUpCompiler();

  const app = Fastify({
    // connectionsCheckingInterval: how often Node looks for requests past requestTimeout (its default is 30 s).
    https: Object.assign({ ...httpsOptions, ...publicMutualTls }, { connectionsCheckingInterval: 1000 }),
    // Requests Node's HTTP parser refuses (headers over 16 KB, a broken request line, a request
    // timeout) never reach a route: answer them in Azure's error shape too.
    clientErrorHandler: answerClientError,
    // Fastify's default is no limit: a client dribbling its body would hold its connection forever.
    requestTimeout: Math.round((opts.requestTimeoutSeconds ?? 120) * 1000),
    routerOptions: { ignoreDuplicateSlashes: true },
    bodyLimit: 1024 * 1024,
    genReqId: (req) => {
      const given = req.headers['x-ms-client-request-id'];
      return typeof given === 'string' && /^[\w-]{1,64}$/.test(given) ? given : randomUUID();
    },
    logger: {
      level: opts.logLevel ?? process.env.VIGIL_LOG_LEVEL ?? 'info',
      // Never log query strings: they can carry KQL with secrets (h"…" literals) or tokens.
      serializers: {
        req: (req: { method: string; url: string; ip?: string }) => ({ method: req.method, path: req.url.split('?')[0], ip: req.ip }),
      },
    },
  });

  let endpoint = '';
  let privateBaseUrls: string[] = [];
  const publicBaseUrl = () => endpoint;
  const issuerFor = (tenantId: string) => `${publicBaseUrl()}/${tenantId}/v2.0`;
  const directory: PrincipalDirectory = {
    findServicePrincipalByAppId: (appId) => metadata.servicePrincipalByAppId(appId),
    // Service principals, managed identities and enabled users; a deleted one's tokens fail on their
    // next use, and so do a user's tokens from before a password change or reset (user-accounts.ts).
    isActive: (objectId, issuedAt) => metadata.principalExists(objectId) && (issuedAt === undefined || tokenStillValid(metadata.userByObjectId(objectId), issuedAt)),
  };
  const issuer = new TokenIssuer(signingKeys, issuerFor);
  let verifier: TokenVerifier | undefined;
  const authenticate = async (header: string | undefined, audiences: readonly string[], request?: import('node:http').IncomingMessage): Promise<Caller> => {
    // Data planes on a mutual-TLS listener: no token, a verified client certificate signs the caller in.
    if (!header && request) {
      const byCertificate = clientCertificateCaller(request, metadata);
      if (byCertificate) return byCertificate;
    }
    // Every plane also accepts Vigil's own base URL as audience (identity/audiences.ts).
    const p = await verifier!.verify(header, [...withBaseUrl(audiences, publicBaseUrl()), ...privateBaseUrls]);
    return { objectId: p.objectId, appId: p.appId, tenantId: p.tenantId };
  };

  app.addHook('onSend', async (req, reply, payload) => {
    reply.header('x-ms-request-id', req.id);
    reply.header('x-ms-correlation-request-id', req.id);
    reply.header('strict-transport-security', HSTS_VALUE);
    return payload;
  });

  if (net.controlPlaneAccess === 'private-only') {
    app.addHook('onRequest', async (req) => {
      if (listenerOf(req.raw).kind === 'public' && isControlPlanePath(req.url)) {
        req.log.warn({ path: req.url.split('?')[0], ip: req.ip }, 'control plane refused on the public listener (--control-plane-access private-only)');
        throw new ApiError(403, 'PublicNetworkAccessDisabled', 'The control plane of this Vigil is reachable only through its private listeners (--control-plane-access private-only).');
      }
    });
  }

  app.setErrorHandler((err: FastifyError, req, reply) => {
    const api = err instanceof ApiError ? err : frameworkError(err);
    // A full or failing disk is logged once per episode by the storage engine, not once per refused request.
    if (api.status >= 500 && !(api.status === 503 && (api.code === 'StorageFull' || api.code === 'StorageUnavailable'))) req.log.error({ err }, 'request failed');
    for (const [k, v] of Object.entries(api.headers)) reply.header(k, v);
    const body = api.body();
    if (api.status >= 500) body.error.correlationId = req.id;
    return reply.code(api.status).type('application/json; charset=utf-8').send(body);
  });
  app.setNotFoundHandler((req, reply) => {
    reply.code(404).send(new ApiError(404, 'PathNotFoundError', `The requested path does not exist: ${req.method} ${req.url.split('?')[0]}`).body());
  });

  // Audit: LAQueryLogs for every user query, AzureActivity for every control-plane write; GDPR purge.
  const auditSink = new AuditSink(metadata, logStore, (message) => app.log.error(message));
  const activity = new ActivityLog(metadata, auditSink);
  const purge = new PurgeService(metadata, logStore, activity, (level, message) => app.log[level](message));
  const clusterKeys = new ClusterKeys({
    dataDir: opts.dataDir,
    metadata,
    keyVaults,
    master: masterKeys,
    cacheMs: (opts.keyVault?.cmkKeyCacheSeconds ?? DEFAULT_CMK_KEY_CACHE_SECONDS) * 1000,
    log: (level, message) => app.log[level](message),
  });
  // Ingestion and queries see linked workspaces only while the cluster's key is accessible.
  const cmkStore = gatedStore(logStore, clusterKeys);
  const queryService = new QueryService(metadata, cmkStore, { ...DEFAULT_QUERY_LIMITS, ...opts.queryLimits }, (level, message) => app.log[level](message), publicBaseUrl);
  // Continuous export of chosen tables to storage accounts (dataExports rules).
  const dataExports = new DataExportRules(opts.dataDir, loadExternalDestinations(opts.dataDir));
  const exporter = new Exporter(opts.dataDir, metadata, logStore, blobs, dataExports, undefined, (level, message) => app.log[level](message), new ExportLedger(ledgerPath(opts.dataDir), blobs.ledgerKey()));
  const auditor = new QueryAuditor(metadata, auditSink, (ref) => queryService.findWorkspace(ref));
  const lockbox = new LockboxService(
    metadata,
    new LockboxRequests(opts.dataDir, {
      pendingMs: (opts.lockbox?.pendingLifetimeSeconds ?? AZURE_LIFETIMES.pendingMs / 1000) * 1000,
      approvalMs: (opts.lockbox?.approvalDurationSeconds ?? AZURE_LIFETIMES.approvalMs / 1000) * 1000,
    }, undefined, lockboxMacKey(opts.dataDir, masterKeys)),
    activity,
  );
  let listeningPort: number | undefined;
  const alerts = new AlertService({
    dataDir: opts.dataDir,
    metadata,
    queries: queryService,
    issuer,
    activity,
    history: auditSink,
    publicBaseUrl,
    minFrequencyMs: (opts.alerts?.minFrequencySeconds ?? 60) * 1000,
    sender: new WebhookSender({
      policy: { allow: (opts.alerts?.webhookAllow ?? []).map(parseAllowEntry), ownPort: () => listeningPort },
      extraCaPem: opts.alerts?.webhookCaFile ? readFileSync(opts.alerts.webhookCaFile, 'utf8') : undefined,
    }),
    mailer: opts.alerts?.smtp
      ? new EmailSender({ url: opts.alerts.smtp.url, from: opts.alerts.smtp.from, extraCaPem: opts.alerts.smtp.caFile ? readFileSync(opts.alerts.smtp.caFile, 'utf8') : undefined })
      : undefined,
    log: (level, message) => app.log[level](message),
    // Evaluation state sealed per workspace; rules over a workspace whose customer-managed key is revoked fail visibly.
    seal: alertSeal,
    cmk: clusterKeys,
  });

  const prometheus = new PrometheusSupervisor({
    dataDir: opts.dataDir,
    binary: opts.prometheus?.binary,
    retention: opts.prometheus?.retention,
    log: (level, message) => app.log[level](message),
  });

  const audiences = [...ALL_AUDIENCES, ...STORAGE_AUDIENCES, ...keyVaults.audiences()];
  // A private listener's URL is a base URL too: clients pointed at it derive their scope from it.
  const baseUrlAudience = () => [...withBaseUrl([], publicBaseUrl()), ...privateBaseUrls];
  // Users (issue 18): sign-in sessions and authorization codes for the portal, in memory.
  const signInSessions = new SessionStore();
  const authorizationCodes = new AuthorizationCodes();
  // The portal's refresh tokens live only while the sign-in session they came from does.
  const refreshTokens = new RefreshTokens((key, userId) => signInSessions.byKey(key)?.userId.toLowerCase() === userId.toLowerCase());
  // One record of used TOTP codes for signing in and changing a password: a code serves once, for either.
  const totpCodes = new TotpVerifier((u) => totpSecrets.open(u.objectId, u.totpSecret));
  await app.register(identityRoutes, {
    directory,
    issuer,
    tenantId: metadata.tenantId,
    publicBaseUrl,
    allowedAudiences: audiences,
    extraAudiences: baseUrlAudience,
    discoveryAliases: ['organizations', 'common'],
    userCodeGrant: {
      codes: authorizationCodes,
      activeUser: (id) => {
        const u = metadata.userByObjectId(id);
        return u?.accountEnabled ? u : undefined;
      },
      refreshTokens,
    },
  });
  await app.register(signInRoutes, {
    metadata,
    baseUrls: () => [publicBaseUrl(), ...privateBaseUrls].filter(Boolean),
    audienceAllowed: (r) => [...audiences, ...baseUrlAudience()].some((a) => normalizeAudience(a) === normalizeAudience(r)),
    sessions: signInSessions,
    codes: authorizationCodes,
    totpSecrets,
    totpCodes,
  });
  await app.register(portalRoutes, {});
  await app.register(cloudMetadataRoutes, { publicBaseUrl });
  // Ingestion-time transformations (one runner for every ingestion path) and their statistics.
  const ingestionStatistics = new IngestionStatistics(metadata, auditSink, 5_000);
  const geoIp = opts.geoipDatabase ? new GeoIpDatabase(opts.geoipDatabase) : undefined;
  // the same database answers geo_info_from_ip_address() in queries
  if (geoIp) installGeoIpInfo((ip) => geoIp.info(ip));
  const ingestionTransforms = new IngestionTransforms(metadata, logStore, ingestionStatistics, geoIp);
  const ingestService = new IngestService(metadata, cmkStore, ingestionTransforms);
  // One request budget per rule, shared by the Logs Ingestion API and OTLP.
  const ingestLimiter = new RateLimiter(opts.ingestRequestsPerMinute ?? 12_000, 60_000);
  await app.register(ingestRoutes, { metadata, ingest: ingestService, authenticate, limiter: ingestLimiter });
  await app.register(otlpRoutes, { metadata, ingest: ingestService, authenticate, limiter: ingestLimiter });
  await app.register(agentConfigurationRoutes, { metadata, authenticate, publicBaseUrl });
  let syslog: SyslogListeners | undefined;
  const syslogPipeline = opts.syslog?.listeners.length
    ? new SyslogPipeline((id) => metadata.dataCollectionRuleByImmutableId(id), (rule, stream, rows) => ingestService.ingest(rule, stream, rows), (level, message) => app.log[level](message), { ...DEFAULT_PIPELINE_LIMITS, ...opts.syslog.limits })
    : undefined;
  await app.register(syslogRoutes, { metadata, authenticate, listeners: () => syslog?.listeners ?? [], defaultDcrs: opts.syslog?.defaultDcrs ?? [], pipeline: () => syslogPipeline?.stats });
  // The private-data scanner: on demand (scanPrivateData) and on each workspace's schedule.
  const privateDataScanner = new PrivateDataScanner(metadata, logStore, auditSink, (level, message) => app.log[level](message));
  await app.register(queryRoutes, { metadata, queries: queryService, authenticate, auditor });
  await app.register(controlRoutes, { metadata, store: logStore, authenticate, publicBaseUrl, activity, purge, blobs, dataExports, privateListeners: () => (net.privateListeners ?? []).map((l) => l.host), alerts, lockbox, prometheus, ingestionStatistics, privateDataScanner, transformFeatures: ingestionTransforms.features, keyVaults, clusterKeys });
  await app.register(keyVaultRoutes, { keyVaults, authenticate, activity, publicBaseUrl, tenantId: metadata.tenantId, onKeyChanged: (vault, key) => clusterKeys.onKeyChanged(vault, key) });
  await app.register(lockboxRoutes, { lockbox, metadata, queries: queryService, authenticate, auditor });
  await app.register(remoteWriteRoutes, { metadata, prometheus, authenticate });
  await app.register(prometheusQueryRoutes, { metadata, prometheus, authenticate });
  await app.register(graphRoutes, { metadata, authenticate });
  await app.register(directoryRoutes, { metadata, authenticate, endSessionsOf: (id) => signInSessions.endAllOf(id), totpSecrets, totpCodes });
  await app.register(managedIdentityRoutes, { metadata, issuer, allowedAudiences: audiences, extraAudiences: baseUrlAudience });
  app.get('/healthz', async () => ({ status: 'ok' }));
  // The Blob Storage data plane, path-style (/{account}/{container}/{blob}): registered last, its own body parsing and XML errors.
  await app.register(blobRoutes, { blobs, metadata, authenticate, publicBaseUrl });

  await app.listen({ host: opts.host, port: opts.port });
  let privateListeners: PrivateListeners | undefined;
  let watcher: CertificateWatcher | undefined;
  try {
    const privateSpecs = net.privateListeners ?? [];
    const privateMutualTls = privateSpecs.map((l) => mutualTls(l.clientCaFile));
    privateListeners = await startPrivateListeners(privateSpecs, (l) => ({ ...httpsOptions, ...privateMutualTls[privateSpecs.indexOf(l)] }), app.routing, answerClientError);
    privateBaseUrls = privateListeners.listeners.map((l) => l.url);
    if (syslogPipeline) {
      syslog = await startSyslogListeners(opts.syslog!.listeners, {
        metadata,
        pipeline: syslogPipeline,
        tlsOptions: () => httpsOptions,
        maxMessageBytes: opts.syslog!.maxMessageBytes ?? 64 * 1024,
        defaultDcrs: opts.syslog!.defaultDcrs ?? [],
        log: (level, message) => app.log[level](message),
      });
    }
    if (net.tlsCertFile && net.tlsKeyFile) {
      const servers: [import('node:https').Server, { ca?: string }][] = [
        [app.server as unknown as import('node:https').Server, publicMutualTls],
        ...privateListeners.servers.map((s, i) => [s, privateMutualTls[i]!] as [import('node:https').Server, { ca?: string }]),
      ];
      // The syslog TLS listeners present the same certificate, reloaded with it.
      const syslogTls = (syslog?.listeners ?? []).filter((l) => l.tlsServer);
      watcher = new CertificateWatcher(net.tlsCertFile, net.tlsKeyFile, certificate, (pair) => {
        for (const [server, mtls] of servers) server.setSecureContext({ ...tlsPolicy(), ...pair, ...(mtls.ca ? { ca: mtls.ca } : {}) });
        for (const l of syslogTls) l.tlsServer!.setSecureContext({ ...tlsPolicy(), ...pair, ...(l.spec.clientCaFile ? { ca: readFileSync(l.spec.clientCaFile, 'utf8') } : {}) });
      }, (level, message) => app.log[level](message));
    }
  } catch (err) {
    await syslog?.close();
    await privateListeners?.close();
    await app.close();
    throw err;
  }
  const address = app.server.address() as AddressInfo;
  listeningPort = address.port;
  const host = opts.host === '0.0.0.0' || opts.host === '::' ? 'localhost' : opts.host.includes(':') ? `[${opts.host}]` : opts.host;
  endpoint = `https://${host}:${address.port}`;
  verifier = new TokenVerifier(signingKeys, { issuers: [issuerFor(metadata.tenantId)], directory });
  const caPath = net.tlsCertFile ? (net.tlsCaFile ?? '') : tls.caPath;
  const bootstrap = writeBootstrapFile(opts.dataDir, metadata.snapshot(), endpoint, caPath, adminSecret);
  purge.resume();
  exporter.start();
  alerts.start();
  lockbox.start();
  prometheus.startAll(metadata.monitorAccounts().map((a) => ({ accountId: a.accountId, label: monitorAccountId(a) })));

  return {
    app,
    endpoint,
    privateEndpoints: privateListeners.listeners.map((l) => l.url),
    syslogListeners: (syslog?.listeners ?? []).map((l) => ({ transport: l.spec.transport, address: l.stats.address, port: l.stats.port })),
    bootstrap,
    keyProtection: root.protector ? `sealed by ${root.description}` : `NOT PROTECTED: ${root.description}`,
    async close() {
      watcher?.close();
      // Syslog first: stop receiving, then hand what is queued to the store before it closes.
      await syslog?.close();
      await syslogPipeline?.close();
      await privateListeners?.close();
      await app.close();
      await exporter.close();
      await alerts.close();
      lockbox.close();
      await prometheus.close();
      purge.close();
      await purge.idle();
      privateDataScanner.close();
      await ingestionTransforms.close();
      await auditSink.close();
      await logStore.close();
    },
  };
}


/** The HTTP parser's client errors, answered as `{"error":{"code","message"}}` on a closing connection. */
function answerClientError(err: Error & { code?: string }, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, code, message] =
    err.code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'RequestHeaderFieldsTooLarge', `The request headers are larger than ${Math.round(maxHeaderSize / 1024)} KB in total. Send fewer or shorter headers.`]
      : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'RequestTimeout', 'The request was not received in time.']
        : [400, 'BadRequest', 'The request is not valid HTTP.'];
  const body = JSON.stringify({ error: { code, message } });
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nStrict-Transport-Security: ${HSTS_VALUE}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroySoon();
}
