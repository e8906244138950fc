/**
 * Debian's Prometheus in agent mode (`--enable-feature=agent`) as a real remote-write sender: it scrapes
 * itself every second and remote-writes to the URL given, signing in with OAuth 2.0 client credentials
 * against Vigil's token endpoint, and trusting Vigil's CA. Bound to 127.0.0.1 on a free port.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.js';

export interface AgentOptions {
  remoteWriteUrl: string;
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  /** The OAuth scope, e.g. Prometheus's Azure AD default `https://monitor.azure.com//.default`. */
  scope: string;
  caFile: string;
  /** Extra labels on the scraped target (to find its series again). */
  labels: Record<string, string>;
}

export interface Agent {
  child: ChildProcess;
  output: () => string;
  stop(): Promise<void>;
}


export async function startPrometheusAgent(o: AgentOptions): Promise<Agent> {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-prom-agent-'));
  const port = await freePort();
  const config = {
    global: { scrape_interval: '1s' },
    scrape_configs: [{ job_name: 'agent', static_configs: [{ targets: [`127.0.0.1:${port}`], labels: o.labels }] }],
    remote_write: [
      {
        url: o.remoteWriteUrl,
        oauth2: { client_id: o.clientId, client_secret: o.clientSecret, token_url: o.tokenUrl, scopes: [o.scope], tls_config: { ca_file: o.caFile } },
        tls_config: { ca_file: o.caFile },
        queue_config: { batch_send_deadline: '1s', min_backoff: '200ms', max_backoff: '2s' },
      },
    ],
  };
  writeFileSync(join(dir, 'agent.yml'), JSON.stringify(config));
  const child = spawn(
    'prometheus',
    ['--enable-feature=agent', `--config.file=${join(dir, 'agent.yml')}`, `--web.listen-address=127.0.0.1:${port}`, `--storage.agent.path=${join(dir, 'wal')}`, '--log.level=info'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((res) => child.once('exit', () => res()));
  return {
    child,
    output: () => out,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
