#!/usr/bin/env node
import { resolve } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { startServer } from '../server/app.js';
import { createServicePrincipal } from './service-principals.js';

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

interface ServeOptions {
  dataDir: string;
  host: string;
  port: number;
  logLevel: string;
  memoryLimit: string;
  queryMaxRows: number;
  queryMaxBytes: number;
  queryTimeout: number;
  ingestRequestsPerMinute: number;
}

const program = new Command()
  .name('vigil')
  .description('Vigil: self-hosted, secure-by-default log analytics with the Azure Monitor Logs APIs')
  .showHelpAfterError();

program
  .command('serve')
  .description('serve every Vigil API (identity, ingestion, query, control plane) on one HTTPS port')
  .option('--data-dir <dir>', 'data folder (created on first start)', process.env.VIGIL_DATA_DIR ?? './vigil-data')
  .option('--host <host>', 'address to listen on', process.env.VIGIL_HOST ?? '127.0.0.1')
  .option('--port <port>', 'port to listen on (0 picks a free one)', port, process.env.VIGIL_PORT ? port(process.env.VIGIL_PORT) : 8443)
  .option('--log-level <level>', 'fatal, error, warn, info, debug or silent', process.env.VIGIL_LOG_LEVEL ?? 'warn')
  .option('--memory-limit <size>', 'memory the query engine may use, e.g. 4GB', '4GB')
  .option('--query-max-rows <n>', 'rows a query may return before it is truncated (Azure: 500000)', positive, 500_000)
  .option('--query-max-bytes <n>', 'bytes of result a query may return before it is truncated (Azure: ~64 MB)', positive, 64 * 1024 * 1024)
  .option('--query-timeout <seconds>', 'default query time limit; Prefer: wait=<s> may ask for up to 600 (Azure: 180)', positive, 180)
  .option('--ingest-requests-per-minute <n>', 'ingestion requests per minute per data collection rule before 429 (Azure: 12000)', positive, 12_000)
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
    });
    const b = server.bootstrap;
    process.stdout.write(
      [
        `Vigil is serving on ${server.endpoint}`,
        `  data folder:  ${dataDir}`,
        `  credentials:  ${resolve(dataDir, 'bootstrap.json')} (tenant, client id and secret of the admin principal)`,
        `  workspace:    ${b.workspaceName} (${b.workspaceId})`,
        `Trust its CA before calling it with the Azure SDKs:`,
        `  export NODE_EXTRA_CA_CERTS=${b.caPath}`,
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
  .action(async (o: { name: string; dataDir: string; endpoint?: string; clientId?: string }) => {
    const created = await createServicePrincipal({ name: o.name, dataDir: o.dataDir, endpoint: o.endpoint, clientId: o.clientId });
    process.stdout.write(`${JSON.stringify(created, null, 2)}\n`);
    process.stderr.write(
      `Save the clientSecret now: Vigil keeps only its hash. The principal has no roles yet; grant one with PUT {scope}/providers/Microsoft.Authorization/roleAssignments/{guid} (principalId ${created.objectId}).\n`,
    );
  });

program.parseAsync(process.argv).catch((err: unknown) => {
  process.stderr.write(`vigil: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
