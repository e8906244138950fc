/**
 * The syslog listener options of `vigil serve`: `--syslog-tls`, `--syslog-tcp`, `--syslog-udp`,
 * each `ADDRESS:PORT[,dcr=ID]…[,client-ca=FILE][,resource-id=ID]`.
 *
 * Plain TCP and UDP carry syslog in clear and unauthenticated, so they may only be bound to a
 * loopback address (for an agent on the same machine); a TLS listener on any other address must
 * require client certificates (`client-ca=`), so that nobody unauthenticated can write logs.
 */
import { isIP } from 'node:net';

export type SyslogTransport = 'tls' | 'tcp' | 'udp';

export interface SyslogListenerSpec {
  transport: SyslogTransport;
  host: string;
  port: number;
  /** The data collection rules (immutable ids or ARM ids) this listener sends through; empty = `--syslog-dcr`. */
  dcrs: string[];
  /** TLS only: require client certificates issued by this CA (PEM file); the CN names the principal. */
  clientCaFile?: string;
  /** `_ResourceId` stamped on every row (the machine this listener collects for). */
  resourceId?: string;
}

export function isLoopback(host: string): boolean {
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host) || host === '::1';
}

/** Parses one `--syslog-<transport>` value; throws a message for the command line on a bad one. */
export function parseSyslogListener(transport: SyslogTransport, value: string): SyslogListenerSpec {
  const [address = '', ...options] = value.split(',');
  const m = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(address.trim());
  const host = m ? (m[1] ?? m[2])! : '';
  const port = m ? Number(m[3]) : NaN;
  if (!m || !isIP(host) || port > 65535) throw new Error(`'${address}' is not ADDRESS:PORT with an IP address (e.g. 127.0.0.1:6514).`);
  const spec: SyslogListenerSpec = { transport, host, port, dcrs: [] };
  for (const option of options) {
    const eq = option.indexOf('=');
    const key = eq < 0 ? option.trim() : option.slice(0, eq).trim();
    const v = eq < 0 ? '' : option.slice(eq + 1).trim();
    if (!v) throw new Error(`'${option}' is not KEY=VALUE: the options are dcr=ID (repeatable), resource-id=ID${transport === 'tls' ? ' and client-ca=FILE' : ''}.`);
    if (key === 'dcr') spec.dcrs.push(v);
    else if (key === 'resource-id') {
      if (!/^\/subscriptions\/[^/]+\//i.test(v)) throw new Error(`resource-id '${v}' is not an ARM resource id (/subscriptions/…).`);
      spec.resourceId = v;
    } else if (key === 'client-ca' && transport === 'tls') spec.clientCaFile = v;
    else throw new Error(`'${key}' is not an option of --syslog-${transport}: the options are dcr=ID (repeatable), resource-id=ID${transport === 'tls' ? ' and client-ca=FILE' : ''}.`);
  }
  requireSafeBind(spec);
  return spec;
}

/** The one check of where a syslog listener may listen (also applied when the server starts it). */
export function requireSafeBind(spec: SyslogListenerSpec): void {
  const address = `${spec.host.includes(':') ? `[${spec.host}]` : spec.host}:${spec.port}`;
  if (spec.transport !== 'tls' && !isLoopback(spec.host)) {
    throw new Error(`--syslog-${spec.transport} carries logs in clear and unauthenticated: it may only listen on a loopback address (127.0.0.1 or ::1), not ${spec.host}. Use --syslog-tls ${address},client-ca=FILE for other senders.`);
  }
  if (spec.transport === 'tls' && !isLoopback(spec.host) && !spec.clientCaFile) {
    throw new Error(`--syslog-tls on ${spec.host} (not loopback) must authenticate its senders: add client-ca=FILE (the CA of the senders' client certificates, whose CN is a service principal's client id).`);
  }
}
