#!/usr/bin/env node
import { resolve } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { startServer } from '../server/app.js';
import { createServicePrincipal } from './service-principals.js';
import { formatReport, verifyDataDir } from '../store/verify.js';
import { rotateMasterKey } from '../keys/rotate.js';
import { protectKeys } from '../keys/migrate.js';
import { DEFAULT_PKCS11_KEY_LABEL, PASSPHRASE_ENV, PIN_ENV, type KeyProtectionOptions } from '../keys/protector.js';
import { INSECURE_WARNING, openRootOfTrust, verifyKeys } from '../keys/root-of-trust.js';
import { auditReport } from './audit-report.js';
import { exportVerify, formatExportReport } from './export-verify.js';
import { formatLedgerReport, verifyExportLedger } from '../governance/export/ledger.js';
import { parseListenerAddress, type ListenerAddress } from '../network/listeners.js';

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
  scratchDir?: string;
  sealRows?: number;
  sealAge?: number;
  segmentCacheMb?: number;
  memoryTierMb?: number;
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
  alertSmtpUrl?: string;
  alertSmtpFrom?: string;
  alertSmtpCa?: string;
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
    .option('--pkcs11-key-label <label>', `label of the AES key in the HSM that wraps Vigil's keys; generated, non-extractable, on first start (VIGIL_PKCS11_KEY_LABEL; default ${DEFAULT_PKCS11_KEY_LABEL})`, process.env.VIGIL_PKCS11_KEY_LABEL);
}

const keyProtection = (o: KeyOptions): KeyProtectionOptions => ({
  insecureDevKeys: o.insecureDevKeys,
  masterPassphraseFile: o.masterPassphraseFile && resolve(o.masterPassphraseFile),
  pkcs11Module: o.pkcs11Module,
  pkcs11TokenLabel: o.pkcs11TokenLabel,
  pkcs11Slot: o.pkcs11Slot,
  pkcs11PinFile: o.pkcs11PinFile && resolve(o.pkcs11PinFile),
  pkcs11KeyLabel: o.pkcs11KeyLabel,
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
  .option('--scratch-dir <dir>', 'memory-backed folder (tmpfs) for decrypted data, never a persistent disk (default /dev/shm)', process.env.VIGIL_SCRATCH_DIR)
  .option('--seal-rows <n>', "seal a table's unsealed rows into segments at this many rows (VIGIL_SEAL_ROWS; default 500000)", positive, envNumber('VIGIL_SEAL_ROWS'))
  .option('--seal-age <seconds>', 'seal unsealed rows once the oldest is this old (VIGIL_SEAL_AGE_SECONDS; default 600)', positiveNumber, envNumber('VIGIL_SEAL_AGE_SECONDS'))
  .option('--segment-cache-mb <mb>', 'memory for decrypted segments (VIGIL_SEGMENT_CACHE_MB; default half the scratch space, at most 1024)', positiveNumber, envNumber('VIGIL_SEGMENT_CACHE_MB'))
  .option('--memory-tier-mb <mb>', 'memory for recently used decrypted segments as compressed in-memory tables, the fast tier (VIGIL_MEMORY_TIER_MB; default 1024; 0 = off, read Parquet from the scratch tmpfs)', nonNegativeNumber, envNonNegative('VIGIL_MEMORY_TIER_MB'))
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
  .option('--alert-smtp-ca <file>', 'PEM file of extra CA certificates trusted for the SMTP relay (besides the system roots)');
withKeyOptions(serve)
  .addHelpText(
    'after',
    `
Root of trust (required, one of): a passphrase (${PASSPHRASE_ENV} or --master-passphrase-file), a PKCS#11 HSM
(--pkcs11-module with --pkcs11-token-label or --pkcs11-slot, PIN in ${PIN_ENV} or --pkcs11-pin-file), or, for
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
      network: {
        privateListeners: o.privateListener?.map((l) => (l.clientCaFile ? { ...l, clientCaFile: resolve(l.clientCaFile) } : l)),
        tlsCertFile: o.tlsCert && resolve(o.tlsCert),
        tlsKeyFile: o.tlsKey && resolve(o.tlsKey),
        tlsCaFile: o.tlsCa && resolve(o.tlsCa),
        publicClientCaFile: o.clientCa && resolve(o.clientCa),
        controlPlaneAccess: o.controlPlaneAccess,
      },
      alerts: {
        minFrequencySeconds: o.alertMinFrequency,
        webhookAllow: o.alertWebhookAllow,
        webhookCaFile: o.alertWebhookCa && resolve(o.alertWebhookCa),
        // The environment is read here, not as the option's default: --help would print the password.
        ...(smtpUrl(o) ? { smtp: { url: smtpUrl(o)!, from: o.alertSmtpFrom, caFile: o.alertSmtpCa && resolve(o.alertSmtpCa) } } : {}),
      },
      keyProtection: keyProtection(o),
      storage: {
        scratchDir: o.scratchDir,
        sealRows: o.sealRows,
        sealAgeMs: o.sealAge === undefined ? undefined : o.sealAge * 1000,
        segmentCacheBytes: o.segmentCacheMb === undefined ? undefined : Math.floor(o.segmentCacheMb * 1024 * 1024),
        memoryTierBytes: o.memoryTierMb === undefined ? undefined : Math.floor(o.memoryTierMb * 1024 * 1024),
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
  process.exitCode = keys.problems.length || report.findings.some((f) => f.severity === 'error') || ledger.findings.some((f) => f.severity === 'error') ? 1 : 0;
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

program.parseAsync(process.argv).catch((err: unknown) => {
  process.stderr.write(`vigil: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
