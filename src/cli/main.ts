#!/usr/bin/env node
import { resolve } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { startServer } from '../server/app.js';
import { createServicePrincipal } from './service-principals.js';
import { addGroupMember, createGroup, createUser, resetUserPassword, resetUserTotp, setUserEnabled } from './users.js';
import { formatReport, verifyDataDir } from '../store/verify.js';
import { verifyAlertData } from '../alerts/alert-seal.js';
import { verifyLockboxFile } from '../lockbox/requests.js';
import { rotateMasterKey } from '../keys/rotate.js';
import { rotateSigningKey } from '../keys/rotate-signing-key.js';
import { changeKeyProtector } from '../keys/change-protector.js';
import { protectKeys } from '../keys/migrate.js';
import { DEFAULT_PKCS11_KEY_LABEL, PASSPHRASE_ENV, PIN_ENV, VAULT_SECRET_ENV, type KeyProtectionOptions } from '../keys/protector.js';
import { INSECURE_WARNING, openRootOfTrust, verifyKeys } from '../keys/root-of-trust.js';
import { auditReport } from './audit-report.js';
import { exportVerify, formatExportReport } from './export-verify.js';
import { formatLedgerReport, verifyExportLedger } from '../governance/export/ledger.js';
import { parseListenerAddress, type ListenerAddress } from '../network/listeners.js';
import { parseSyslogListener, type SyslogListenerSpec, type SyslogTransport } from '../syslog/options.js';

const syslogListener = (transport: SyslogTransport) => (v: string, previous: SyslogListenerSpec[] = []) => {
  try {
    return [...previous, parseSyslogListener(transport, v)];
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
};

const privateListener = (v: string, previous: ListenerAddress[] = []) => {
  try {
    return [...previous, parseListenerAddress(v)];
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
};
const controlPlaneAccess = (v: string) => {
  if (v !== 'everywhere' && v !== 'private-only') throw new InvalidArgumentError("expected 'everywhere' or 'private-only'.");
  return v;
};
const envListeners = (name: string) => (process.env[name] ? process.env[name]!.split(/[\s;]+/).filter((x) => x.trim()).reduce<ListenerAddress[]>((acc, v) => privateListener(v, acc), []) : undefined);
import { parseAllowEntry } from '../alerts/webhook-target.js';
import { parseSmtpUrl } from '../alerts/email-delivery.js';
import { installSecurityRules } from './alerts.js';
import { formatRequests, lockboxDecide, lockboxList, operatorQuery, operatorRequest, operatorStatus } from './lockbox.js';
import { formatScanReport, privateDataScan } from './private-data-scan.js';

const port = (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('a port is a whole number from 0 to 65535.');
  return n;
};

const positive = (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a whole number of at least 1.');
  return n;
};

const positiveNumber = (v: string) => {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('expected a positive number.');
  return n;
};
const envNumber = (name: string) => (process.env[name] ? positiveNumber(process.env[name]!) : undefined);
const nonNegativeNumber = (v: string) => {
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError('expected a number of at least 0.');
  return n;
};
/** A Prometheus duration such as 540d, 12w or 1y (checked here so a typo fails at start, not in Prometheus). */
const prometheusDuration = (v: string) => {
  if (!/^(\d+(y|w|d|h|m|s|ms))+$/.test(v)) throw new InvalidArgumentError('expected a Prometheus duration such as 540d, 12w or 1y.');
  return v;
};
const envNonNegative = (name: string) => (process.env[name] ? nonNegativeNumber(process.env[name]!) : undefined);

interface ServeOptions extends KeyOptions {
  dataDir: string;
  host: string;
  port: number;
  logLevel: string;
  memoryLimit: string;
  queryMaxRows: number;
  queryMaxBytes: number;
  queryTimeout: number;
  ingestRequestsPerMinute: number;
  geoipDatabase?: string;
  requestTimeout?: number;
  scratchDir?: string;
  sealRows?: number;
  sealAge?: number;
  hotMaxMb?: number;
  segmentCacheMb?: number;
  memoryTierMb?: number;
  hotUncompressedMb?: number;
  retentionInterval?: number;
  compactionInterval?: number;
  minFreeDiskMb?: number;
  privateListener?: ListenerAddress[];
  tlsCert?: string;
  tlsKey?: string;
  tlsCa?: string;
  clientCa?: string;
  controlPlaneAccess: 'everywhere' | 'private-only';
  alertMinFrequency: number;
  alertWebhookAllow: string[];
  alertWebhookCa?: string;
  keyVaultDnsSuffix?: string;
  cmkKeyCacheSeconds?: number;
  lockboxPendingLifetime?: number;
  lockboxApprovalDuration?: number;
  alertSmtpUrl?: string;
  alertSmtpFrom?: string;
  alertSmtpCa?: string;
  syslogTls?: SyslogListenerSpec[];
  syslogTcp?: SyslogListenerSpec[];
  syslogUdp?: SyslogListenerSpec[];
  syslogDcr: string[];
  syslogMaxMessageBytes: number;
  syslogMaxQueuedRows: number;
  prometheusBinary?: string;
  prometheusRetention?: string;
}

/** The SMTP relay URL of `--alert-smtp-url` or VIGIL_ALERT_SMTP_URL (checked at start: a bad one stops Vigil with the reason). */
function smtpUrl(o: ServeOptions): string | undefined {
  const url = o.alertSmtpUrl ?? (process.env.VIGIL_ALERT_SMTP_URL || undefined);
  if (url) parseSmtpUrl(url);
  return url;
}

/** The root-of-trust options as commander parses them (the environment is read by the protectors). */
type KeyOptions = Omit<KeyProtectionOptions, 'env'>;

/** The root-of-trust options (issue #15), shared by serve, protect-keys, rotate-master-key and verify. */
function withKeyOptions(cmd: Command, insecure = true): Command {
  if (insecure) cmd.option('--insecure-dev-keys', 'DEVELOPMENT ONLY: keep the storage master key and the token-signing key as plain files in the data folder (loudly warned at every start)');
  return cmd
    .option('--master-passphrase-file <file>', `root of trust: a passphrase (argon2id) read from this 0600 file (VIGIL_MASTER_PASSPHRASE_FILE), or give the passphrase in ${PASSPHRASE_ENV}; never on the command line`, process.env.VIGIL_MASTER_PASSPHRASE_FILE)
    .option('--pkcs11-module <path>', 'root of trust: a PKCS#11 HSM, through this library, e.g. /usr/lib/softhsm/libsofthsm2.so (VIGIL_PKCS11_MODULE)', process.env.VIGIL_PKCS11_MODULE)
    .option('--pkcs11-token-label <label>', 'the HSM token, by label (VIGIL_PKCS11_TOKEN_LABEL)', process.env.VIGIL_PKCS11_TOKEN_LABEL)
    .option('--pkcs11-slot <id>', 'the HSM token, by slot id, instead of its label (VIGIL_PKCS11_SLOT)', process.env.VIGIL_PKCS11_SLOT)
    .option('--pkcs11-pin-file <file>', `the token's user PIN, from this 0600 file (VIGIL_PKCS11_PIN_FILE), or give it in ${PIN_ENV}; never on the command line`, process.env.VIGIL_PKCS11_PIN_FILE)
    .option('--pkcs11-key-label <label>', `label of the AES key in the HSM that wraps Vigil's keys; generated, non-extractable, on first start (VIGIL_PKCS11_KEY_LABEL; default ${DEFAULT_PKCS11_KEY_LABEL})`, process.env.VIGIL_PKCS11_KEY_LABEL)
    .option('--master-key-vault-key <keyId>', 'root of trust: an RSA key in a key vault that is not this Vigil (Azure Key Vault, or another Vigil\'s vault), https://{vault}/keys/{name}[/{version}] (VIGIL_MASTER_KEY_VAULT_KEY)', process.env.VIGIL_MASTER_KEY_VAULT_KEY)
    .option('--master-key-vault-tenant-id <id>', 'the tenant of the service principal that uses the vault key (VIGIL_MASTER_KEY_VAULT_TENANT_ID)', process.env.VIGIL_MASTER_KEY_VAULT_TENANT_ID)
    .option('--master-key-vault-client-id <id>', 'the service principal (application id) that uses the vault key: it needs Key Vault Crypto Service Encryption User on it (VIGIL_MASTER_KEY_VAULT_CLIENT_ID)', process.env.VIGIL_MASTER_KEY_VAULT_CLIENT_ID)
    .option('--master-key-vault-client-secret-file <file>', `the principal's client secret, from this 0600 file (VIGIL_MASTER_KEY_VAULT_CLIENT_SECRET_FILE), or give it in ${VAULT_SECRET_ENV}; never on the command line`, process.env.VIGIL_MASTER_KEY_VAULT_CLIENT_SECRET_FILE)
    .option('--master-key-vault-authority-host <url>', 'the Entra authority that issues the principal\'s tokens (VIGIL_MASTER_KEY_VAULT_AUTHORITY_HOST; default Azure\'s https://login.microsoftonline.com; another Vigil\'s endpoint when its vault holds the key)', process.env.VIGIL_MASTER_KEY_VAULT_AUTHORITY_HOST);
}

const keyProtection = (o: KeyOptions): KeyProtectionOptions => ({
  insecureDevKeys: o.insecureDevKeys,
  masterPassphraseFile: o.masterPassphraseFile && resolve(o.masterPassphraseFile),
  pkcs11Module: o.pkcs11Module,
  pkcs11TokenLabel: o.pkcs11TokenLabel,
  pkcs11Slot: o.pkcs11Slot,
  pkcs11PinFile: o.pkcs11PinFile && resolve(o.pkcs11PinFile),
  pkcs11KeyLabel: o.pkcs11KeyLabel,
  masterKeyVaultKey: o.masterKeyVaultKey,
  masterKeyVaultTenantId: o.masterKeyVaultTenantId,
  masterKeyVaultClientId: o.masterKeyVaultClientId,
  masterKeyVaultClientSecretFile: o.masterKeyVaultClientSecretFile && resolve(o.masterKeyVaultClientSecretFile),
  masterKeyVaultAuthorityHost: o.masterKeyVaultAuthorityHost,
});

const program = new Command()
  .name('vigil')
  .description('Vigil: self-hosted, secure-by-default log analytics with the Azure Monitor Logs APIs')
  .showHelpAfterError();

const serve = program
  .command('serve')
  .description('serve every Vigil API (identity, ingestion, query, control plane) on one HTTPS port, and on any private listeners')
  .option('--data-dir <dir>', 'data folder (created on first start)', process.env.VIGIL_DATA_DIR ?? './vigil-data')
  .option('--host <host>', 'address to listen on', process.env.VIGIL_HOST ?? '127.0.0.1')
  .option('--port <port>', 'port to listen on (0 picks a free one)', port, process.env.VIGIL_PORT ? port(process.env.VIGIL_PORT) : 8443)
  .option('--log-level <level>', 'fatal, error, warn, info, debug or silent', process.env.VIGIL_LOG_LEVEL ?? 'warn')
  .option('--memory-limit <size>', 'memory the query engine may use, e.g. 4GB', '4GB')
  .option('--query-max-rows <n>', 'rows a query may return before it is truncated (Azure: 500000)', positive, 500_000)
  .option('--query-max-bytes <n>', 'bytes of result a query may return before it is truncated (Azure: ~64 MB)', positive, 64 * 1024 * 1024)
  .option('--query-timeout <seconds>', 'default query time limit; Prefer: wait=<s> may ask for up to 600 (Azure: 180)', positive, 180)
  .option('--ingest-requests-per-minute <n>', 'ingestion requests per minute per data collection rule before 429, Logs Ingestion API and OTLP together (Azure: 12000)', positive, 12_000)
  .option('--geoip-database <file>', 'a MaxMind DB file (GeoLite2-City or compatible .mmdb) that geo_location() reads in ingestion-time transformations and geo_info_from_ip_address() in queries; without it, both are refused')
  .option('--request-timeout <seconds>', 'close a connection with 408 when its request (headers and body) has not fully arrived after this long, so slow clients cannot hold connections (VIGIL_REQUEST_TIMEOUT_SECONDS; default 120)', positiveNumber, envNumber('VIGIL_REQUEST_TIMEOUT_SECONDS'))
  .option('--scratch-dir <dir>', 'memory-backed folder (tmpfs) for decrypted data, never a persistent disk (default /dev/shm)', process.env.VIGIL_SCRATCH_DIR)
  .option('--seal-rows <n>', "seal a table's unsealed rows into segments at this many rows (VIGIL_SEAL_ROWS; default 500000)", positive, envNumber('VIGIL_SEAL_ROWS'))
  .option('--seal-age <seconds>', 'seal unsealed rows once the oldest is this old (VIGIL_SEAL_AGE_SECONDS; default 600)', positiveNumber, envNumber('VIGIL_SEAL_AGE_SECONDS'))
  .option('--hot-max-mb <mb>', "unsealed rows of all tables together, in MB of their log records: above this the tables holding the most are sealed first (VIGIL_HOT_MAX_MB; default 256; 0 = only each table's --seal-rows and --seal-age)", nonNegativeNumber, envNonNegative('VIGIL_HOT_MAX_MB'))
  .option('--segment-cache-mb <mb>', 'memory for decrypted segments (VIGIL_SEGMENT_CACHE_MB; default half the scratch space, at most 1024)', positiveNumber, envNumber('VIGIL_SEGMENT_CACHE_MB'))
  .option('--memory-tier-mb <mb>', 'memory for recently used decrypted segments as compressed in-memory tables, the fast tier (VIGIL_MEMORY_TIER_MB; default 1024; 0 = off, read Parquet from the scratch tmpfs)', nonNegativeNumber, envNonNegative('VIGIL_MEMORY_TIER_MB'))
  .option('--hot-uncompressed-mb <mb>', 'unsealed rows are appended uncompressed and compressed in the background once this much log payload has arrived since the last compression, or when sealed; higher: less compression work, but uncompressed rows take ~6x the memory and filters and groupings on text over them run ~2-4x slower (VIGIL_HOT_UNCOMPRESSED_MB; default 16)', positiveNumber, envNumber('VIGIL_HOT_UNCOMPRESSED_MB'))
  .option('--retention-interval <seconds>', 'how often retention runs (VIGIL_RETENTION_INTERVAL_SECONDS; default 3600)', positiveNumber, envNumber('VIGIL_RETENTION_INTERVAL_SECONDS'))
  .option('--compaction-interval <seconds>', 'how often small segments are merged (VIGIL_COMPACTION_INTERVAL_SECONDS; default 600)', positiveNumber, envNumber('VIGIL_COMPACTION_INTERVAL_SECONDS'))
  .option('--min-free-disk-mb <mb>', 'refuse ingestion (503 StorageFull, Retry-After) while less than this would stay free on the data folder\'s file system, keeping room for sealing, compaction and the audit (VIGIL_MIN_FREE_DISK_MB; default 256; 0 = only a full disk refuses)', nonNegativeNumber, envNonNegative('VIGIL_MIN_FREE_DISK_MB'))
  .option('--private-listener <address:port[,client-ca=file]>', 'also serve on this private address (a private network interface), repeatable; a private endpoint (Microsoft.Network/privateEndpoints) whose private IP is this address connects it to an Azure Monitor Private Link Scope; append ,client-ca=FILE for mutual TLS on it (VIGIL_PRIVATE_LISTENERS, separated by spaces)', privateListener, envListeners('VIGIL_PRIVATE_LISTENERS'))
  .option('--tls-cert <file>', "the operator's certificate, PEM, the server certificate first and then its chain; watched and reloaded without restart when it changes (VIGIL_TLS_CERT_FILE; default: a certificate from Vigil's local CA)", process.env.VIGIL_TLS_CERT_FILE)
  .option('--tls-key <file>', "the private key of --tls-cert, PEM, unencrypted; watched with it (VIGIL_TLS_KEY_FILE)", process.env.VIGIL_TLS_KEY_FILE)
  .option('--tls-ca <file>', "with --tls-cert: the CA clients should trust, written as caPath to bootstrap.json (VIGIL_TLS_CA_FILE; default none: the system's trust store)", process.env.VIGIL_TLS_CA_FILE)
  .option('--client-ca <file>', 'mutual TLS on the public listener: require a client certificate issued by this CA (PEM); on ingestion and queries, a certificate whose subject CN is a service principal\'s client id signs a request without a token in as that principal. For a private listener: --private-listener ADDRESS:PORT,client-ca=FILE (VIGIL_CLIENT_CA_FILE)', process.env.VIGIL_CLIENT_CA_FILE)
  .option('--control-plane-access <where>', 'everywhere: the control plane (ARM /subscriptions/…, Graph /v1.0/…) answers on every listener; private-only: only on the private listeners, 403 on the public one (VIGIL_CONTROL_PLANE_ACCESS)', controlPlaneAccess, process.env.VIGIL_CONTROL_PLANE_ACCESS ? controlPlaneAccess(process.env.VIGIL_CONTROL_PLANE_ACCESS) : 'everywhere')
  .option('--alert-min-frequency <seconds>', 'shortest evaluationFrequency a log search alert rule may have (VIGIL_ALERT_MIN_FREQUENCY_SECONDS; default 60, as Azure; lower only for development and tests)', positive, envNumber('VIGIL_ALERT_MIN_FREQUENCY_SECONDS') ?? 60)
  .option('--alert-webhook-allow <target>', 'allow alert webhooks to this loopback/private/link-local target: host:port or a CIDR range (repeatable; Vigil\'s own port is never allowed)', (v: string, acc: string[]) => {
    try {
      parseAllowEntry(v);
    } catch (err) {
      throw new InvalidArgumentError((err as Error).message);
    }
    return [...acc, v];
  }, [] as string[])
  .option('--alert-webhook-ca <file>', 'PEM file of extra CA certificates trusted for alert webhook targets (besides the system roots)')
  .option('--alert-smtp-url <url>', 'SMTP relay for action groups\' email receivers: smtps://[user:password@]host[:465] or smtp://[user:password@]host[:587] (STARTTLS required) (VIGIL_ALERT_SMTP_URL, preferred when it holds a password); without it email receivers are refused', (v: string) => {
    try {
      parseSmtpUrl(v);
    } catch (err) {
      throw new InvalidArgumentError((err as Error).message);
    }
    return v;
  })
  .option('--alert-smtp-from <address>', 'From address of alert emails (default vigil-alerts@<host name>)')
  .option('--alert-smtp-ca <file>', 'PEM file of extra CA certificates trusted for the SMTP relay (besides the system roots)')
  .option('--syslog-tls <address:port[,options]>', "receive syslog (RFC 5424/3164, octet-counted or newline-framed) over TLS with Vigil's certificate, repeatable; options: dcr=ID (repeatable: the data collection rules, by immutable id or ARM id, whose dataSources.syslog select what is kept), client-ca=FILE (mutual TLS: the certificate's CN is a service principal's client id, which needs Monitoring Metrics Publisher on the rule; required unless the address is loopback), resource-id=ID (_ResourceId of the rows)", syslogListener('tls'))
  .option('--syslog-tcp <address:port[,options]>', 'receive syslog over plain TCP, loopback addresses only (a local agent), repeatable; options dcr=ID, resource-id=ID', syslogListener('tcp'))
  .option('--syslog-udp <address:port[,options]>', 'receive syslog over UDP, loopback addresses only, repeatable; datagrams arriving while ingestion is behind are dropped and counted (GET /vigil/syslog/listeners); options dcr=ID, resource-id=ID', syslogListener('udp'))
  .option('--syslog-dcr <id>', 'data collection rule (immutable id dcr-… or ARM id) of every syslog listener that names none with dcr=, repeatable', (v: string, acc: string[]) => [...acc, v], [] as string[])
  .option('--syslog-max-message-bytes <n>', 'longer syslog messages are truncated to this many bytes (default 65536)', positive, 64 * 1024)
  .option('--syslog-max-queued-rows <n>', 'rows waiting for ingestion before TCP/TLS senders are paused and UDP datagrams dropped (default 20000)', positive, 20_000)
  .option('--lockbox-pending-lifetime <seconds>', "how long a Customer Lockbox request waits for the customer's decision before it expires (VIGIL_LOCKBOX_PENDING_LIFETIME_SECONDS; default and maximum 345600, Azure's 4 days)", positiveNumber, envNumber('VIGIL_LOCKBOX_PENDING_LIFETIME_SECONDS'))
  .option('--lockbox-approval-duration <seconds>', "how long an approved Customer Lockbox request lets its operator read the workspace (VIGIL_LOCKBOX_APPROVAL_DURATION_SECONDS; default and maximum 28800, Azure's 8 hours)", positiveNumber, envNumber('VIGIL_LOCKBOX_APPROVAL_DURATION_SECONDS'))
  .option('--prometheus-binary <path>', "Managed Prometheus: the prometheus executable (2.42 or later) Vigil runs for each Azure Monitor workspace, on 127.0.0.1 (VIGIL_PROMETHEUS_BINARY; default: 'prometheus' on PATH; without one, creating an account says what to install)", process.env.VIGIL_PROMETHEUS_BINARY)
  .option('--prometheus-retention <duration>', 'Managed Prometheus: how long metrics are kept, as a Prometheus duration (VIGIL_PROMETHEUS_RETENTION; default 540d, about Azure\'s 18 months)', prometheusDuration, process.env.VIGIL_PROMETHEUS_RETENTION ? prometheusDuration(process.env.VIGIL_PROMETHEUS_RETENTION) : undefined)
  .option('--key-vault-dns-suffix <suffix>', "host-name suffix of Vigil's key vaults: vault NAME is served at https://NAME.SUFFIX:PORT (the local CA's certificate covers *.SUFFIX; NAME.SUFFIX must resolve to Vigil) (VIGIL_KEY_VAULT_DNS_SUFFIX; default vault.localhost)", process.env.VIGIL_KEY_VAULT_DNS_SUFFIX)
  .option('--cmk-key-cache-seconds <seconds>', "how long a cluster's customer-managed key, once unwrapped by the vault, is trusted before the vault is asked again: the longest a revoked role or deleted vault goes unnoticed (VIGIL_CMK_KEY_CACHE_SECONDS; default 60; changes to the key itself take effect at once)", positiveNumber, envNumber('VIGIL_CMK_KEY_CACHE_SECONDS'));
withKeyOptions(serve)
  .addHelpText(
    'after',
    `
Root of trust (required, one of): a passphrase (${PASSPHRASE_ENV} or --master-passphrase-file), a PKCS#11 HSM
(--pkcs11-module with --pkcs11-token-label or --pkcs11-slot, PIN in ${PIN_ENV} or --pkcs11-pin-file), a key in
a key vault that is not this Vigil (--master-key-vault-key with --master-key-vault-tenant-id, --master-key-vault-client-id,
secret in ${VAULT_SECRET_ENV} or --master-key-vault-client-secret-file), or, for
development only, --insecure-dev-keys. Without one Vigil refuses to start. A data folder with plain key files
is moved to a root of trust with 'vigil protect-keys'.`,
  )
  .action(async (o: ServeOptions) => {
    const dataDir = resolve(o.dataDir);
    const server = await startServer({
      dataDir,
      host: o.host,
      port: o.port,
      logLevel: o.logLevel,
      memoryLimit: o.memoryLimit,
      queryLimits: { maxRows: o.queryMaxRows, maxResultBytes: o.queryMaxBytes, defaultTimeoutSeconds: o.queryTimeout },
      ingestRequestsPerMinute: o.ingestRequestsPerMinute,
      geoipDatabase: o.geoipDatabase,
      requestTimeoutSeconds: o.requestTimeout,
      network: {
        privateListeners: o.privateListener?.map((l) => (l.clientCaFile ? { ...l, clientCaFile: resolve(l.clientCaFile) } : l)),
        tlsCertFile: o.tlsCert && resolve(o.tlsCert),
        tlsKeyFile: o.tlsKey && resolve(o.tlsKey),
        tlsCaFile: o.tlsCa && resolve(o.tlsCa),
        publicClientCaFile: o.clientCa && resolve(o.clientCa),
        controlPlaneAccess: o.controlPlaneAccess,
      },
      syslog: {
        listeners: [...(o.syslogTls ?? []), ...(o.syslogTcp ?? []), ...(o.syslogUdp ?? [])].map((l) => (l.clientCaFile ? { ...l, clientCaFile: resolve(l.clientCaFile) } : l)),
        defaultDcrs: o.syslogDcr,
        maxMessageBytes: o.syslogMaxMessageBytes,
        limits: { maxQueuedRows: o.syslogMaxQueuedRows },
      },
      prometheus: { binary: o.prometheusBinary && resolve(o.prometheusBinary), retention: o.prometheusRetention },
      alerts: {
        minFrequencySeconds: o.alertMinFrequency,
        webhookAllow: o.alertWebhookAllow,
        webhookCaFile: o.alertWebhookCa && resolve(o.alertWebhookCa),
        // The environment is read here, not as the option's default: --help would print the password.
        ...(smtpUrl(o) ? { smtp: { url: smtpUrl(o)!, from: o.alertSmtpFrom, caFile: o.alertSmtpCa && resolve(o.alertSmtpCa) } } : {}),
      },
      keyVault: { dnsSuffix: o.keyVaultDnsSuffix, cmkKeyCacheSeconds: o.cmkKeyCacheSeconds },
      keyProtection: keyProtection(o),
      lockbox: { pendingLifetimeSeconds: o.lockboxPendingLifetime, approvalDurationSeconds: o.lockboxApprovalDuration },
      storage: {
        scratchDir: o.scratchDir,
        sealRows: o.sealRows,
        sealAgeMs: o.sealAge === undefined ? undefined : o.sealAge * 1000,
        hotMaxBytes: o.hotMaxMb === undefined ? undefined : Math.floor(o.hotMaxMb * 1024 * 1024),
        segmentCacheBytes: o.segmentCacheMb === undefined ? undefined : Math.floor(o.segmentCacheMb * 1024 * 1024),
        memoryTierBytes: o.memoryTierMb === undefined ? undefined : Math.floor(o.memoryTierMb * 1024 * 1024),
        hotUncompressedBytes: o.hotUncompressedMb === undefined ? undefined : Math.floor(o.hotUncompressedMb * 1024 * 1024),
        retentionIntervalMs: o.retentionInterval === undefined ? undefined : o.retentionInterval * 1000,
        compactionIntervalMs: o.compactionInterval === undefined ? undefined : o.compactionInterval * 1000,
        minFreeBytes: o.minFreeDiskMb === undefined ? undefined : Math.floor(o.minFreeDiskMb * 1024 * 1024),
      },
    });
    const b = server.bootstrap;
    process.stdout.write(
      [
        `Vigil is serving on ${server.endpoint}`,
        ...server.privateEndpoints.map((url) => `  private listener on ${url}`),
        ...server.syslogListeners.map((l) => `  syslog ${l.transport} listener on ${l.address.includes(':') ? `[${l.address}]` : l.address}:${l.port}`),
        `  data folder:  ${dataDir}`,
        `  credentials:  ${resolve(dataDir, 'bootstrap.json')} (tenant, client id and secret of the admin principal)`,
        `  workspace:    ${b.workspaceName} (${b.workspaceId})`,
        `  keys:         ${server.keyProtection}`,
        ...(b.caPath ? [`Trust its CA before calling it with the Azure SDKs:`, `  export NODE_EXTRA_CA_CERTS=${b.caPath}`] : []),
        '',
      ].join('\n'),
    );
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      process.stdout.write(`Vigil is stopping (${signal})\n`);
      server.close().then(
        () => process.exit(0),
        (err: unknown) => {
          process.stderr.write(`error while stopping: ${String(err)}\n`);
          process.exit(1);
        },
      );
    };
    process.on('SIGINT', () => stop('SIGINT'));
    process.on('SIGTERM', () => stop('SIGTERM'));
  });

const sp = program.command('sp').description('service principals (app registrations) of a running Vigil');
sp.command('create')
  .description('create a service principal with a client secret and print its credentials (shown once; the secret is stored only hashed)')
  .requiredOption('--name <name>', 'display name of the new principal')
  .option('--data-dir <dir>', "data folder of the running Vigil (its bootstrap.json says where it listens and whom to sign in as)", process.env.VIGIL_DATA_DIR ?? './vigil-data')
  .option('--endpoint <url>', 'Vigil endpoint, if not the one in bootstrap.json')
  .option('--client-id <id>', 'sign in as this principal (its secret in VIGIL_CLIENT_SECRET) instead of the admin in bootstrap.json')
  .option('--role <role>', "also grant this role (e.g. 'Log Analytics Reader', or a role definition GUID) ...")
  .option('--scope <scope>', '... at this scope (a subscription, resource group, workspace, table or resource id)')
  .action(async (o: { name: string; dataDir: string; endpoint?: string; clientId?: string; role?: string; scope?: string }) => {
    const created = await createServicePrincipal({ name: o.name, dataDir: o.dataDir, endpoint: o.endpoint, clientId: o.clientId, role: o.role, scope: o.scope });
    process.stdout.write(`${JSON.stringify(created, null, 2)}\n`);
    process.stderr.write(
      created.roleAssignmentId
        ? 'Save the clientSecret now: Vigil keeps only its hash.\n'
        : `Save the clientSecret now: Vigil keeps only its hash. The principal has no roles yet; grant one with --role/--scope or PUT {scope}/providers/Microsoft.Authorization/roleAssignments/{guid} (principalId ${created.objectId}).\n`,
    );
  });

const adminOptions = (c: Command) =>
  c
    .option('--data-dir <dir>', "data folder of the running Vigil (its bootstrap.json says where it listens and whom to sign in as)", process.env.VIGIL_DATA_DIR ?? './vigil-data')
    .option('--endpoint <url>', 'Vigil endpoint, if not the one in bootstrap.json')
    .option('--client-id <id>', 'sign in as this principal (its secret in VIGIL_CLIENT_SECRET) instead of the admin in bootstrap.json');

const user = program.command('user').description('portal users (password + TOTP) of a running Vigil');
adminOptions(
  user
    .command('create')
    .description('create a user who signs in to the portal (/portal/) with a password and an authenticator app; prints the password (generated unless VIGIL_USER_PASSWORD is set) and the TOTP secret once')
    .requiredOption('--upn <name>', "sign-in name, e.g. 'alice@vigil.local'")
    .option('--name <display name>', 'display name (default: the part before @)')
    .option('--role <role>', "also grant this role (e.g. 'Log Analytics Reader') ...")
    .option('--scope <scope>', '... at this scope'),
).action(async (o: { upn: string; name?: string; role?: string; scope?: string; dataDir: string; endpoint?: string; clientId?: string }) => {
  const created = await createUser({ userPrincipalName: o.upn, displayName: o.name, role: o.role, scope: o.scope, dataDir: o.dataDir, endpoint: o.endpoint, clientId: o.clientId });
  process.stdout.write(`${JSON.stringify(created, null, 2)}\n`);
  process.stderr.write('Give the password and the TOTP secret (or totpUri, as a QR code) to the user now: Vigil keeps only the password hash.\n');
});
for (const [name, enabled] of [['disable', false], ['enable', true]] as const) {
  adminOptions(
    user
      .command(name)
      .description(enabled ? 'let a disabled user sign in again' : 'stop a user from signing in: its portal sessions and access tokens stop working at once')
      .requiredOption('--user <id>', "the user's object id or sign-in name"),
  ).action(async (o: { user: string; dataDir: string; endpoint?: string; clientId?: string }) => {
    process.stdout.write(`${JSON.stringify(await setUserEnabled({ user: o.user, enabled, dataDir: o.dataDir, endpoint: o.endpoint, clientId: o.clientId }), null, 2)}\n`);
  });
}
adminOptions(
  user
    .command('reset-password')
    .description("set a new password for a user (generated unless VIGIL_USER_PASSWORD is set; printed once); the user's portal sessions and earlier access tokens stop working")
    .requiredOption('--user <id>', "the user's object id or sign-in name"),
).action(async (o: { user: string; dataDir: string; endpoint?: string; clientId?: string }) => {
  process.stdout.write(`${JSON.stringify(await resetUserPassword({ user: o.user, dataDir: o.dataDir, endpoint: o.endpoint, clientId: o.clientId }), null, 2)}\n`);
});
adminOptions(
  user
    .command('reset-totp')
    .description("give a user a new authenticator (TOTP) secret, printed once with its otpauth:// URI: the old one stops working at once, the user's portal sessions and earlier access tokens end")
    .requiredOption('--user <id>', "the user's object id or sign-in name"),
).action(async (o: { user: string; dataDir: string; endpoint?: string; clientId?: string }) => {
  process.stdout.write(`${JSON.stringify(await resetUserTotp({ user: o.user, dataDir: o.dataDir, endpoint: o.endpoint, clientId: o.clientId }), null, 2)}\n`);
  process.stderr.write('Give the new TOTP secret (or totpUri, as a QR code) to the user now: it is not shown again.\n');
});

const group = program.command('group').description('security groups of a running Vigil: role assignments to a group apply to its members');
adminOptions(
  group
    .command('create')
    .description('create a security group')
    .requiredOption('--name <name>', 'display name')
    .option('--role <role>', 'also grant this role ...')
    .option('--scope <scope>', '... at this scope'),
).action(async (o: { name: string; role?: string; scope?: string; dataDir: string; endpoint?: string; clientId?: string }) => {
  process.stdout.write(`${JSON.stringify(await createGroup({ displayName: o.name, role: o.role, scope: o.scope, dataDir: o.dataDir, endpoint: o.endpoint, clientId: o.clientId }), null, 2)}\n`);
});
adminOptions(
  group
    .command('add-member')
    .description('add a user (object id or sign-in name) or service principal (object id) to a group')
    .requiredOption('--group <id>', 'object id of the group')
    .requiredOption('--member <id>', 'object id, or a user\'s sign-in name'),
).action(async (o: { group: string; member: string; dataDir: string; endpoint?: string; clientId?: string }) => {
  process.stdout.write(`${JSON.stringify(await addGroupMember({ group: o.group, member: o.member, dataDir: o.dataDir, endpoint: o.endpoint, clientId: o.clientId }), null, 2)}\n`);
});

withKeyOptions(
  program
    .command('verify')
    .description('check the sealed keys, then every segment and write-ahead log file against the manifest chain, and the export ledger; exits 1 naming each altered file and table (stop the server first; give the same root of trust as to serve)')
    .option('--data-dir <dir>', 'data folder', process.env.VIGIL_DATA_DIR ?? './vigil-data'),
).action(async (o: KeyOptions & { dataDir: string }) => {
  const dataDir = resolve(o.dataDir);
  const root = await openRootOfTrust(dataDir, keyProtection(o), { create: false });
  let keys;
  try {
    keys = await verifyKeys(dataDir, root);
  } finally {
    root.protector?.close();
  }
  for (const p of keys.problems) process.stdout.write(`ERROR ${p.file} (keys): ${p.message}\n`);
  if (!keys.master) {
    process.stdout.write('the storage master key does not open: no workspace could be checked\n');
    process.exitCode = 1;
    return;
  }
  const report = await verifyDataDir(dataDir, keys.master);
  process.stdout.write(`${formatReport(report)}\n`);
  // The export ledger: every exported block chained, and Vigil's own exported blobs checked against it.
  const ledger = await verifyExportLedger(dataDir, keys.master);
  if (ledger.entries > 0 || ledger.findings.length > 0) process.stdout.write(`${formatLedgerReport(ledger)}\n`);
  // Sealed alert data (rules, receivers, evaluation state) and the MACed Customer Lockbox requests.
  const sealedProblems = [...verifyAlertData(dataDir, keys.master), ...(() => {
    const lockbox = verifyLockboxFile(dataDir, keys.master!);
    return lockbox ? [{ file: resolve(dataDir, 'lockbox', 'requests.json'), message: lockbox }] : [];
  })()];
  for (const p of sealedProblems) process.stdout.write(`ERROR ${p.file}: ${p.message}\n`);
  process.exitCode = keys.problems.length || sealedProblems.length || report.findings.some((f) => f.severity === 'error') || ledger.findings.some((f) => f.severity === 'error') ? 1 : 0;
});

withKeyOptions(
  program
    .command('rotate-master-key')
    .description('re-wrap every workspace key under a new storage master key, sealed by the same root of trust, without rewriting data (stop the server first; give the same root of trust as to serve)')
    .option('--data-dir <dir>', 'data folder', process.env.VIGIL_DATA_DIR ?? './vigil-data')
    .option('--new-key-file <file>', 'insecure plain-file mode only: operator-supplied new key (32 bytes, base64 or hex); afterwards start Vigil with VIGIL_MASTER_KEY_FILE pointing at it. Without it, a new key is generated.'),
).action(async (o: KeyOptions & { dataDir: string; newKeyFile?: string }) => {
  const dataDir = resolve(o.dataDir);
  const root = await openRootOfTrust(dataDir, keyProtection(o), { create: false });
  try {
    if (!root.protector) process.stderr.write(`${INSECURE_WARNING}\n`);
    const r = await rotateMasterKey(dataDir, o.newKeyFile && resolve(o.newKeyFile), root.protector);
    process.stdout.write(`re-wrapped ${r.workspaces} workspace key(s): master key ${r.from} -> ${r.to} (${root.description})\n`);
    if (o.newKeyFile) process.stdout.write(`start Vigil with VIGIL_MASTER_KEY_FILE=${resolve(o.newKeyFile)} from now on\n`);
  } finally {
    root.protector?.close();
  }
});

withKeyOptions(
  program
    .command('rotate-signing-key')
    .description(
      "replace the token-signing key with a new one sealed by the same root of trust; the old key's public half stays in the JWKS and keeps verifying the tokens it signed until they have all expired (24 h), then it is dropped (stop the server first; give the same root of trust as to serve)",
    )
    .option('--data-dir <dir>', 'data folder', process.env.VIGIL_DATA_DIR ?? './vigil-data')
    .option('--revoke-old-key', 'after a compromise: drop the old key at once, so every token it signed stops working'),
).action(async (o: KeyOptions & { dataDir: string; revokeOldKey?: boolean }) => {
  const dataDir = resolve(o.dataDir);
  const root = await openRootOfTrust(dataDir, keyProtection(o), { create: false });
  try {
    if (!root.protector) process.stderr.write(`${INSECURE_WARNING}\n`);
    const r = await rotateSigningKey(dataDir, root.protector, { revokeOld: o.revokeOldKey });
    process.stdout.write(
      `token signing key ${r.from} -> ${r.to} (${root.description}); ${r.oldKeyUntil ? `the old key verifies the tokens it signed until ${r.oldKeyUntil}` : 'the old key is revoked: its tokens no longer work'}\n`,
    );
  } finally {
    root.protector?.close();
  }
});

withKeyOptions(
  program
    .command('change-key-protector')
    .description(
      "move the keys to another root of trust — a new passphrase, passphrase <-> PKCS#11 HSM, another HSM key — re-sealing only the storage master key and the token-signing keys: the master key stays the same, so no workspace key or data is rewritten (stop the server first; give the CURRENT root of trust with the usual options and the new one with the --new-… options; rerun to finish an interrupted run)",
    )
    .option('--data-dir <dir>', 'data folder', process.env.VIGIL_DATA_DIR ?? './vigil-data')
    .option('--new-master-passphrase-file <file>', 'new root of trust: a passphrase read from this 0600 file (or give it in VIGIL_NEW_MASTER_PASSPHRASE); never on the command line')
    .option('--new-pkcs11-module <path>', 'new root of trust: a PKCS#11 HSM through this library')
    .option('--new-pkcs11-token-label <label>', 'the new HSM token, by label')
    .option('--new-pkcs11-slot <id>', 'the new HSM token, by slot id')
    .option('--new-pkcs11-pin-file <file>', "the new token's user PIN from this 0600 file (or give it in VIGIL_NEW_PKCS11_PIN)")
    .option('--new-pkcs11-key-label <label>', `label of the new HSM's wrapping key (generated if missing; default ${DEFAULT_PKCS11_KEY_LABEL})`),
  false,
).action(
  async (
    o: KeyOptions & { dataDir: string; newMasterPassphraseFile?: string; newPkcs11Module?: string; newPkcs11TokenLabel?: string; newPkcs11Slot?: string; newPkcs11PinFile?: string; newPkcs11KeyLabel?: string },
  ) => {
    // The new secrets come from their own variables, read once and removed from the environment.
    const env: NodeJS.ProcessEnv = {};
    if (process.env.VIGIL_NEW_MASTER_PASSPHRASE) env[PASSPHRASE_ENV] = process.env.VIGIL_NEW_MASTER_PASSPHRASE;
    if (process.env.VIGIL_NEW_PKCS11_PIN) env[PIN_ENV] = process.env.VIGIL_NEW_PKCS11_PIN;
    delete process.env.VIGIL_NEW_MASTER_PASSPHRASE;
    delete process.env.VIGIL_NEW_PKCS11_PIN;
    const r = await changeKeyProtector(resolve(o.dataDir), keyProtection(o), {
      masterPassphraseFile: o.newMasterPassphraseFile && resolve(o.newMasterPassphraseFile),
      pkcs11Module: o.newPkcs11Module,
      pkcs11TokenLabel: o.newPkcs11TokenLabel,
      pkcs11Slot: o.newPkcs11Slot,
      pkcs11PinFile: o.newPkcs11PinFile && resolve(o.newPkcs11PinFile),
      pkcs11KeyLabel: o.newPkcs11KeyLabel,
      env,
    });
    process.stdout.write(`keys of ${resolve(o.dataDir)} re-sealed: ${r.from} -> ${r.to} (${r.resealed.length} file(s)); master key ${r.masterKey} unchanged, no workspace key re-wrapped\n`);
    process.stdout.write('start Vigil with the new root-of-trust options from now on\n');
  },
);

withKeyOptions(
  program
    .command('protect-keys')
    .description(
      'move a data folder from plain key files to a root of trust (a passphrase or a PKCS#11 HSM): a new master key sealed by it, every workspace key re-wrapped under it (no data rewritten), the token-signing key sealed, the plain key files overwritten and deleted (stop the server first; rerun to finish an interrupted run)',
    )
    .option('--data-dir <dir>', 'data folder', process.env.VIGIL_DATA_DIR ?? './vigil-data'),
  false,
).action(async (o: KeyOptions & { dataDir: string }) => {
  const r = await protectKeys(resolve(o.dataDir), keyProtection(o));
  process.stdout.write(`keys of ${resolve(o.dataDir)} are now sealed by ${r.mode}: new master key ${r.masterKey}, ${r.workspaces} workspace key(s) re-wrapped, removed ${r.removed.length ? r.removed.join(', ') : 'no plain file'}\n`);
  if (process.env.VIGIL_MASTER_KEY_FILE) process.stdout.write(`the workspaces no longer need ${process.env.VIGIL_MASTER_KEY_FILE}: unset VIGIL_MASTER_KEY_FILE and destroy that file\n`);
  process.stdout.write('start Vigil with the same root-of-trust options from now on\n');
});

const audit = program.command('audit').description('the query audit (LAQueryLogs) of a running Vigil');
audit
  .command('report')
  .description('summarise who queried what, failed and denied queries, top principals and the busiest tables')
  .option('--since <window>', 'look-back window: days, hours or minutes (7d, 12h, 30m)', '7d')
  .option('--workspace <id>', 'workspace that receives the audit (its customerId GUID); default: the one in bootstrap.json')
  .option('--data-dir <dir>', 'data folder of the running Vigil (its bootstrap.json says where it listens and whom to sign in as)', process.env.VIGIL_DATA_DIR ?? './vigil-data')
  .option('--endpoint <url>', 'Vigil endpoint, if not the one in bootstrap.json')
  .option('--client-id <id>', 'sign in as this principal (its secret in VIGIL_CLIENT_SECRET) instead of the admin in bootstrap.json')
  .option('--json', 'print JSON instead of tables')
  .action(async (o: { since: string; workspace?: string; dataDir: string; endpoint?: string; clientId?: string; json?: boolean }) => {
    process.stdout.write(`${await auditReport(o)}\n`);
  });

const exportCmd = program.command('export').description('data export (dataExports rules) of a running Vigil');
exportCmd
  .command('verify')
  .description('prove that an exported table (container am-{table} of a storage account) matches the workspace row by row; exits 1 if a row is missing, altered or foreign')
  .requiredOption('--container <name>', 'the export container, e.g. am-laquerylogs')
  .requiredOption('--account <name>', 'the storage account the rule exports to')
  .option('--workspace <id>', 'the exporting workspace (its customerId GUID); default: the one in bootstrap.json')
  .option('--data-dir <dir>', 'data folder of the running Vigil (its bootstrap.json says where it listens and whom to sign in as)', process.env.VIGIL_DATA_DIR ?? './vigil-data')
  .option('--endpoint <url>', 'Vigil endpoint, if not the one in bootstrap.json')
  .option('--client-id <id>', 'sign in as this principal (its secret in VIGIL_CLIENT_SECRET) instead of the admin in bootstrap.json')
  .option('--json', 'print JSON')
  .action(async (o: { container: string; account: string; workspace?: string; dataDir: string; endpoint?: string; clientId?: string; json?: boolean }) => {
    const report = await exportVerify(o);
    process.stdout.write(`${o.json ? JSON.stringify(report, null, 2) : formatExportReport(report)}\n`);
    process.exitCode = report.ok ? 0 : 1;
  });

const alerts = program.command('alerts').description('log search alerts of a running Vigil');
alerts
  .command('install-security-rules')
  .description("install the 'unauthorized query attempts' alert (LAQueryLogs ResponseCode 403 by AADObjectId) on the workspace that receives the query audit, with a least-privilege identity")
  .option('--workspace <id>', 'workspace that receives the audit: ARM id, customerId GUID or name (default: the one in bootstrap.json)')
  .option('--action-group <id>', 'ARM id of an action group to notify (repeatable)', (v: string, acc: string[]) => [...acc, v], [] as string[])
  .option('--frequency <duration>', 'evaluation frequency (ISO 8601)', 'PT5M')
  .option('--window <duration>', 'look-back window (ISO 8601)', 'PT5M')
  .option('--severity <n>', 'alert severity 0 (critical) to 4 (verbose)', (v: string) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0 || n > 4) throw new InvalidArgumentError('a severity is 0 to 4.');
    return n;
  }, 1)
  .option('--data-dir <dir>', 'data folder of the running Vigil (its bootstrap.json says where it listens and whom to sign in as)', process.env.VIGIL_DATA_DIR ?? './vigil-data')
  .option('--endpoint <url>', 'Vigil endpoint, if not the one in bootstrap.json')
  .option('--client-id <id>', 'sign in as this principal (its secret in VIGIL_CLIENT_SECRET) instead of the admin in bootstrap.json')
  .action(async (o: { workspace?: string; actionGroup: string[]; frequency: string; window: string; severity: number; dataDir: string; endpoint?: string; clientId?: string }) => {
    process.stdout.write(`${JSON.stringify(await installSecurityRules(o), null, 2)}\n`);
  });

const connectOptions = (cmd: Command, who: string) =>
  cmd
    .option('--data-dir <dir>', 'data folder of the running Vigil (its bootstrap.json says where it listens)', process.env.VIGIL_DATA_DIR ?? './vigil-data')
    .option('--endpoint <url>', 'Vigil endpoint, if not the one in bootstrap.json')
    .option('--client-id <id>', `sign in as this principal (its secret in VIGIL_CLIENT_SECRET) instead of ${who}`);

const lockbox = program.command('lockbox').description("Customer Lockbox, the customer's side: operators' requests for access to workspace data, and their approval (as the subscription's Owner or an Azure Customer Lockbox Approver for Subscription)");
connectOptions(lockbox.command('list').description('list the lockbox requests of the subscription'), 'the admin in bootstrap.json')
  .option('--status <status>', "only requests in this status: Pending, Approved, Denied or Expired")
  .option('--subscription <id>', 'the subscription (default: the one in bootstrap.json)')
  .option('--json', 'print JSON')
  .action(async (o: { dataDir: string; endpoint?: string; clientId?: string; status?: string; subscription?: string; json?: boolean }) => {
    const list = await lockboxList(o);
    process.stdout.write(`${o.json ? JSON.stringify(list, null, 2) : formatRequests(list as never)}\n`);
  });
for (const approve of [true, false]) {
  connectOptions(lockbox.command(`${approve ? 'approve' : 'deny'} <requestId>`).description(approve ? 'approve a Pending request: its operator may read its workspace (not Auxiliary tables) for 8 hours, audited' : 'deny a Pending request'), 'the admin in bootstrap.json')
    .option('--reason <text>', 'why (recorded in the activity log)')
    .option('--subscription <id>', 'the subscription (default: the one in bootstrap.json)')
    .action(async (requestId: string, o: { dataDir: string; endpoint?: string; clientId?: string; reason?: string; subscription?: string }) => {
      process.stdout.write(`${JSON.stringify(await lockboxDecide({ ...o, requestId, approve }), null, 2)}\n`);
    });
}

const operatorCmd = program.command('operator').description("Customer Lockbox, the operator's side: the people who run Vigil read a workspace's data only under a request the customer approved");
connectOptions(operatorCmd.command('request').description('ask the customer for access to one workspace (a lockbox request, Pending until approved or denied; expires after 4 days)'), 'the operator in operator.json')
  .requiredOption('--workspace <id>', "the workspace (its customerId GUID or ARM id)")
  .requiredOption('--justification <text>', 'why the data is needed (the customer sees it)')
  .option('--support-request <ticket>', 'the support ticket number')
  .action(async (o: { dataDir: string; endpoint?: string; clientId?: string; workspace: string; justification: string; supportRequest?: string }) => {
    process.stdout.write(`${JSON.stringify(await operatorRequest(o), null, 2)}\n`);
  });
connectOptions(operatorCmd.command('status <requestId>').description("show one of the operator's lockbox requests"), 'the operator in operator.json').action(
  async (requestId: string, o: { dataDir: string; endpoint?: string; clientId?: string }) => {
    process.stdout.write(`${JSON.stringify(await operatorStatus({ ...o, requestId }), null, 2)}\n`);
  },
);
connectOptions(operatorCmd.command('query').description('run KQL on a workspace under an approved lockbox request (audited in LAQueryLogs and the activity log)'), 'the operator in operator.json')
  .requiredOption('--workspace <id>', "the workspace's customerId GUID")
  .requiredOption('--request <id>', 'the approved lockbox request')
  .requiredOption('--query <kql>', 'the KQL query')
  .option('--timespan <iso8601>', 'time range, e.g. P1D')
  .action(async (o: { dataDir: string; endpoint?: string; clientId?: string; workspace: string; request: string; query: string; timespan?: string }) => {
    process.stdout.write(`${JSON.stringify(await operatorQuery(o), null, 2)}\n`);
  });

connectOptions(program.command('scan'), 'the admin in bootstrap.json')
  .description('scan a workspace of a running Vigil for private data (e-mails, payment cards, national ids, IP addresses, secrets, high-entropy tokens): counts per table, column and pattern with a suggested remedy, never the values; findings also land in its VigilPrivateDataFindings table')
  .option('--workspace <id>', 'the workspace: ARM id, customerId GUID or name (default: the one in bootstrap.json)')
  .option('--since <window>', 'look at rows of this window: days, hours or minutes (1d, 12h, 30m) or ISO 8601 (P1D)', '1d')
  .option('--sample-rows <n>', 'at most this many rows per table (1 to 100000; default 10000)', (v: string) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1 || n > 100_000) throw new InvalidArgumentError('a whole number from 1 to 100000.');
    return n;
  })
  .option('--json', 'print JSON')
  .action(async (o: { workspace?: string; since: string; sampleRows?: number; dataDir: string; endpoint?: string; clientId?: string; json?: boolean }) => {
    const report = await privateDataScan(o);
    process.stdout.write(`${o.json ? JSON.stringify(report, null, 2) : formatScanReport(report)}\n`);
  });

program.parseAsync(process.argv).catch((err: unknown) => {
  process.stderr.write(`vigil: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
