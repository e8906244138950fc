/**
 * An HTTPS webhook receiver for the alert suites: a server on 127.0.0.1 with a CA of its own (not
 * Vigil's — Vigil trusts it through `--alert-webhook-ca tls.caPath`), in a temporary folder removed
 * by close(). Each suite decides what a call is answered with (and records what it needs) in `answer`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import type { IncomingHttpHeaders } from 'node:http';
import { createServer } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureTlsMaterial, type TlsMaterial } from '../../src/server/tls.js';

export interface WebhookCall {
  path: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export interface WebhookReceiver {
  port: number;
  /** The receiver's TLS material (the alerts-management suite's SMTP relay uses the same). */
  tls: TlsMaterial;
  url(path: string): string;
  close(): Promise<void>;
}

/** `answer` returns the HTTP status for a call (it may wait, e.g. to hold a delivery back). */
export async function startWebhookReceiver(answer: (call: WebhookCall) => number | Promise<number>): Promise<WebhookReceiver> {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-hook-'));
  const tls = await ensureTlsMaterial(dir);
  const server = createServer({ key: tls.keyPem, cert: tls.certPem }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (d: Buffer) => chunks.push(d));
    req.on('end', () => {
      Promise.resolve()
        .then(() => answer({ path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks) }))
        .then(
          (status) => res.writeHead(status).end(),
          () => res.writeHead(500).end(),
        );
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    tls,
    url: (path) => `https://127.0.0.1:${port}${path}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
