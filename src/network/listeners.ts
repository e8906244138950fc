/**
 * Vigil's listeners: the public one (`--host`/`--port`) and any number of private ones
 * (`--private-listener ADDRESS:PORT`), each in production bound to a private network interface.
 * Every listener serves the same application with the same TLS policy and certificate; what differs
 * is the network a request arrived from, which the access decisions (access.ts) read per request.
 */
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isIP, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';

export interface ListenerAddress {
  host: string;
  port: number;
  /** Mutual TLS: the CA (PEM file) whose client certificates this listener requires. */
  clientCaFile?: string;
}

export interface ListenerInfo {
  kind: 'public' | 'private';
  /** The address the listener is bound to (a private listener's address is its private IP). */
  host: string;
  port: number;
}

const origins = new WeakMap<object, ListenerInfo>();
const PUBLIC: ListenerInfo = { kind: 'public', host: '', port: 0 };

/** The listener a request arrived on: a private one, or else the public one. */
export function listenerOf(req: IncomingMessage): ListenerInfo {
  return origins.get(req.socket) ?? PUBLIC;
}

/** `ADDRESS:PORT[,client-ca=FILE]` (IPv4, `[IPv6]`), as given to `--private-listener`. */
export function parseListenerAddress(value: string): ListenerAddress {
  const [address = '', ...options] = value.split(',');
  let clientCaFile: string | undefined;
  for (const option of options) {
    const [key, ...rest] = option.split('=');
    if (key!.trim() !== 'client-ca' || rest.length === 0 || rest.join('=').trim() === '') {
      throw new Error(`'${option}' is not a listener option: the only one is client-ca=FILE (mutual TLS).`);
    }
    clientCaFile = rest.join('=').trim();
  }
  const m = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(address.trim());
  const host = m ? (m[1] ?? m[2])! : '';
  const port = m ? Number(m[3]) : NaN;
  if (!m || !isIP(host) || port > 65535) {
    throw new Error(`'${value}' is not ADDRESS:PORT with an IP address (e.g. 10.0.0.5:8443 or [fd00::5]:8443).`);
  }
  return { host, port, ...(clientCaFile ? { clientCaFile } : {}) };
}

export interface PrivateListeners {
  listeners: (ListenerInfo & { url: string })[];
  servers: Server[];
  close(): Promise<void>;
}

/** Starts one HTTPS server per private listener, sharing the application's request handler and TLS options. */
export async function startPrivateListeners(
  addresses: readonly ListenerAddress[],
  tlsOptions: (address: ListenerAddress) => Record<string, unknown>,
  handler: (req: IncomingMessage, res: ServerResponse) => void,
  onClientError: (err: Error, socket: Socket) => void,
): Promise<PrivateListeners> {
  const servers: Server[] = [];
  const listeners: (ListenerInfo & { url: string })[] = [];
  const closeAll = async () => {
    await Promise.all(
      servers.map(
        (s) =>
          new Promise<void>((res) => {
            s.close(() => res());
            s.closeAllConnections();
          }),
      ),
    );
  };
  try {
    for (const a of addresses) {
      const server = createServer(tlsOptions(a), handler);
      server.keepAliveTimeout = 72_000;
      server.on('clientError', onClientError);
      const info: ListenerInfo = { kind: 'private', host: a.host, port: a.port };
      server.on('secureConnection', (socket: TLSSocket) => origins.set(socket, info));
      await new Promise<void>((res, rej) => {
        server.once('error', rej);
        server.listen({ host: a.host, port: a.port }, () => {
          server.off('error', rej);
          res();
        });
      });
      servers.push(server);
      info.port = (server.address() as AddressInfo).port;
      listeners.push({ ...info, url: `https://${a.host.includes(':') ? `[${a.host}]` : a.host}:${info.port}` });
    }
  } catch (err) {
    await closeAll();
    throw new Error(`A private listener could not start: ${(err as Error).message}`);
  }
  return { listeners, servers, close: closeAll };
}

/**
 * `--control-plane-access private-only`: the ARM-shaped control plane (`/subscriptions/…`, and the
 * Graph-shaped directory `/v1.0/…`) answers only on private listeners; on the public listener it is
 * refused with 403 before authentication, so administration needs the private network. The token
 * endpoint, ingestion and queries are governed by the workspaces' network settings instead.
 */
export function isControlPlanePath(url: string): boolean {
  const path = url.split('?')[0]!.replace(/\/{2,}/g, '/').toLowerCase();
  // `/vigil/…`: Vigil's own operator endpoints (the syslog listeners' counters).
  return path.startsWith('/subscriptions') || path.startsWith('/v1.0/') || path === '/v1.0' || path.startsWith('/vigil/') || path.startsWith('/providers/') || path.startsWith('/operator/lockbox');
}
