/**
 * Vigil's syslog receivers: TLS (RFC 5425; optionally mutual TLS), plain TCP (RFC 6587) and UDP
 * (RFC 5426), each parsing RFC 5424 / RFC 3164 messages, routing them through its data collection
 * rules (router.ts) and queueing the rows for ingestion (pipeline.ts), which pauses the TCP/TLS
 * connections rather than dropping anything when ingestion falls behind.
 */
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { createServer as createTcpServer, type AddressInfo, type Server as TcpServer, type Socket } from 'node:net';
import { createServer as createTlsServer, type Server as TlsServer, type TLSSocket } from 'node:tls';
import type { Caller } from '../authz/authorize.js';
import type { MetadataStore } from '../metadata/metadata-store.js';
import { certificatePrincipal, verifiedSocketCertificateCn } from '../network/client-certificates.js';
import { SyslogDeframer } from './framing.js';
import { requireSafeBind, type SyslogListenerSpec } from './options.js';
import { parseSyslogMessage } from './parse-message.js';
import type { SyslogPipeline } from './pipeline.js';
import type { ReceiveContext } from './rows.js';
import { SyslogRouter } from './router.js';

export interface SyslogListenerStats {
  transport: SyslogListenerSpec['transport'];
  address: string;
  port: number;
  /** Open TCP/TLS connections. */
  connections: number;
  /** Connections refused: no valid client certificate principal, or no rule it may send through. */
  refusedConnections: number;
  messages: number;
  /** Messages longer than the size limit, truncated to it. */
  truncated: number;
  /** Messages no rule's syslog data source selected (facility/level not collected). */
  unrouted: number;
  rows: number;
  /** UDP datagrams dropped because the ingestion queue was full (UDP has no flow control). */
  udpDropped: number;
}

export interface SyslogListenerDeps {
  metadata: MetadataStore;
  pipeline: SyslogPipeline;
  /** The server certificate and TLS policy (the same as the HTTPS listeners'). */
  tlsOptions: () => Record<string, unknown>;
  maxMessageBytes: number;
  /** Rules for listeners that name none (`--syslog-dcr`). */
  defaultDcrs: string[];
  log: (level: 'info' | 'warn' | 'error', message: string) => void;
}

export interface RunningSyslogListener {
  spec: SyslogListenerSpec;
  stats: SyslogListenerStats;
  tlsServer?: TlsServer;
}

export interface SyslogListeners {
  listeners: RunningSyslogListener[];
  close(): Promise<void>;
}

/** Connections per TCP/TLS listener. */
const MAX_CONNECTIONS = 1024;
const COLLECTOR = hostname();

export async function startSyslogListeners(specs: readonly SyslogListenerSpec[], deps: SyslogListenerDeps): Promise<SyslogListeners> {
  const closers: (() => Promise<void>)[] = [];
  const listeners: RunningSyslogListener[] = [];
  const closeAll = async () => {
    await Promise.all(closers.map((c) => c()));
  };
  try {
    for (const spec of specs) {
      requireSafeBind(spec);
      const dcrs = spec.dcrs.length ? spec.dcrs : deps.defaultDcrs;
      if (dcrs.length === 0) throw new Error(`--syslog-${spec.transport} ${spec.host}:${spec.port} names no data collection rule: add dcr=ID to it or give --syslog-dcr ID.`);
      const stats: SyslogListenerStats = { transport: spec.transport, address: spec.host, port: spec.port, connections: 0, refusedConnections: 0, messages: 0, truncated: 0, unrouted: 0, rows: 0, udpDropped: 0 };
      const running: RunningSyslogListener = { spec, stats };
      if (spec.transport === 'udp') closers.push(await startUdp(spec, dcrs, stats, deps));
      else {
        const { close, tlsServer } = await startStream(spec, dcrs, stats, deps);
        closers.push(close);
        if (tlsServer) running.tlsServer = tlsServer;
      }
      listeners.push(running);
    }
  } catch (err) {
    await closeAll();
    throw new Error(`A syslog listener could not start: ${(err as Error).message}`);
  }
  return { listeners, close: closeAll };
}

/** Parses, routes and queues one message (one frame or datagram). */
function receive(frame: Buffer, truncated: boolean, router: SyslogRouter, ctx: ReceiveContext, stats: SyslogListenerStats, pipeline: SyslogPipeline): void {
  stats.messages++;
  if (truncated) stats.truncated++;
  const message = parseSyslogMessage(frame.toString('utf8'));
  const routed = router.route(message, ctx);
  if (routed.length === 0) stats.unrouted++;
  for (const r of routed) {
    stats.rows++;
    pipeline.enqueue(r.ruleId, r.stream, r.row, frame.length + 256);
  }
}

function context(spec: SyslogListenerSpec, remoteAddress: string | undefined): ReceiveContext {
  const ip = (remoteAddress ?? '').replace(/^::ffff:/, '');
  return { senderIp: ip, collectorHostName: COLLECTOR, ...(spec.resourceId ? { resourceId: spec.resourceId } : {}) };
}

async function listen(server: TcpServer | TlsServer, spec: SyslogListenerSpec, stats: SyslogListenerStats): Promise<void> {
  await new Promise<void>((res, rej) => {
    server.once('error', rej);
    server.listen({ host: spec.host, port: spec.port }, () => {
      server.off('error', rej);
      res();
    });
  });
  stats.port = (server.address() as AddressInfo).port;
}

async function startStream(spec: SyslogListenerSpec, dcrs: string[], stats: SyslogListenerStats, deps: SyslogListenerDeps): Promise<{ close: () => Promise<void>; tlsServer?: TlsServer }> {
  const sockets = new Set<Socket>();
  const onSocket = (socket: Socket) => {
    sockets.add(socket);
    stats.connections++;
    socket.on('close', () => {
      sockets.delete(socket);
      stats.connections--;
    });
    socket.on('error', () => socket.destroy());
    let caller: Caller | undefined;
    const peer = `${socket.remoteAddress}:${socket.remotePort}`;
    if (spec.clientCaFile) {
      // Mutual TLS: the handshake verified the certificate; its CN must name a principal of this Vigil.
      const cn = verifiedSocketCertificateCn(socket as TLSSocket);
      caller = cn === undefined ? undefined : certificatePrincipal(cn, deps.metadata);
      if (!caller) {
        stats.refusedConnections++;
        deps.log('warn', `syslog connection from ${peer} refused: the client certificate's CN '${(cn ?? '').slice(0, 64)}' is not the client id of a service principal`);
        socket.destroy();
        return;
      }
    }
    const router = new SyslogRouter(deps.metadata, dcrs, caller);
    if (caller && router.current().length === 0) {
      stats.refusedConnections++;
      deps.log('warn', `syslog connection from ${peer} refused: principal ${caller.appId ?? caller.objectId} may send through none of the rules ${dcrs.join(', ')} (it needs Monitoring Metrics Publisher on the rule)`);
      socket.destroy();
      return;
    }
    const ctx = context(spec, socket.remoteAddress);
    const deframer = new SyslogDeframer(deps.maxMessageBytes, (frame, truncated) => receive(frame, truncated, router, ctx, stats, deps.pipeline));
    const untrack = deps.pipeline.track(socket);
    socket.on('close', untrack);
    socket.on('data', (chunk: Buffer) => deframer.push(chunk));
    socket.on('end', () => {
      deframer.end();
      socket.end();
    });
  };
  let server: TcpServer | TlsServer;
  if (spec.transport === 'tls') {
    const mutual = spec.clientCaFile ? { ca: readFileSync(spec.clientCaFile, 'utf8'), requestCert: true, rejectUnauthorized: true } : {};
    server = createTlsServer({ ...deps.tlsOptions(), ...mutual }, onSocket);
    server.on('tlsClientError', () => {
      stats.refusedConnections++;
    });
  } else {
    server = createTcpServer(onSocket);
  }
  server.maxConnections = MAX_CONNECTIONS;
  await listen(server, spec, stats);
  return {
    tlsServer: spec.transport === 'tls' ? (server as TlsServer) : undefined,
    close: () =>
      new Promise<void>((res) => {
        server.close(() => res());
        for (const s of sockets) s.destroy();
      }),
  };
}

async function startUdp(spec: SyslogListenerSpec, dcrs: string[], stats: SyslogListenerStats, deps: SyslogListenerDeps): Promise<() => Promise<void>> {
  const socket: UdpSocket = createSocket({ type: spec.host.includes(':') ? 'udp6' : 'udp4' });
  const router = new SyslogRouter(deps.metadata, dcrs, undefined);
  socket.on('message', (msg, rinfo) => {
    if (deps.pipeline.full) {
      stats.udpDropped++;
      if (stats.udpDropped === 1 || stats.udpDropped % 10_000 === 0) deps.log('warn', `syslog UDP ${spec.host}:${stats.port}: ${stats.udpDropped} datagram(s) dropped so far, ingestion is behind (UDP has no flow control; use TCP or TLS)`);
      return;
    }
    const frame = msg.length > deps.maxMessageBytes ? msg.subarray(0, deps.maxMessageBytes) : msg;
    receive(frame, msg.length > deps.maxMessageBytes, router, context(spec, rinfo.address), stats, deps.pipeline);
  });
  await new Promise<void>((res, rej) => {
    socket.once('error', rej);
    socket.bind({ address: spec.host, port: spec.port }, () => {
      socket.off('error', rej);
      res();
    });
  });
  stats.port = socket.address().port;
  return () => new Promise<void>((res) => socket.close(() => res()));
}
