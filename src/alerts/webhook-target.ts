/**
 * SSRF protection for webhook deliveries. A rule's author (a Monitoring Contributor) chooses the URL a
 * webhook is sent to; Vigil must not become their way into the network it runs in. A target address
 * is allowed when it is a public unicast address, or when the operator allowed it explicitly with
 * `--alert-webhook-allow <host:port | CIDR>`. Loopback, private (RFC 1918, unique-local), carrier-grade
 * NAT, link-local (cloud metadata endpoints), multicast, unspecified and reserved ranges are refused
 * otherwise — and Vigil's own port on a loopback or local address is refused even when allowed.
 *
 * The check is applied to every address the host name resolves to, and the connection is then made to
 * the checked address (no second lookup, so DNS rebinding cannot swap it); redirects are not followed.
 */
import { BlockList, isIP } from 'node:net';

export interface AllowEntry {
  /** `host:port` (host is an IP literal or a DNS name, matched case-insensitively). */
  hostPort?: { host: string; port: number };
  /** A CIDR range (any port). */
  cidr?: { address: string; prefix: number; family: 'ipv4' | 'ipv6' };
  text: string;
}

/** Parses one `--alert-webhook-allow` value; throws with a message for the operator. */
export function parseAllowEntry(text: string): AllowEntry {
  const t = text.trim();
  const cidr = /^(.+)\/(\d{1,3})$/.exec(t);
  if (cidr) {
    const address = cidr[1]!.replace(/^\[|\]$/g, '');
    const family = isIP(address);
    const prefix = Number(cidr[2]);
    if (family === 0 || prefix > (family === 4 ? 32 : 128)) throw new Error(`'${text}' is not a CIDR range (e.g. 10.0.0.0/8 or fd00::/8)`);
    return { cidr: { address, prefix, family: family === 4 ? 'ipv4' : 'ipv6' }, text: t };
  }
  const hp = /^\[?([^\]]+?)\]?:(\d{1,5})$/.exec(t);
  if (hp) {
    const port = Number(hp[2]);
    if (port < 1 || port > 65535) throw new Error(`'${text}': the port must be 1-65535`);
    return { hostPort: { host: hp[1]!.toLowerCase(), port }, text: t };
  }
  throw new Error(`'${text}' is neither host:port nor a CIDR range`);
}

const REFUSED_V4: [string, number, string][] = [
  ['0.0.0.0', 8, 'unspecified'],
  ['10.0.0.0', 8, 'private'],
  ['100.64.0.0', 10, 'carrier-grade NAT'],
  ['127.0.0.0', 8, 'loopback'],
  ['169.254.0.0', 16, 'link-local'],
  ['172.16.0.0', 12, 'private'],
  ['192.0.0.0', 24, 'reserved'],
  ['192.168.0.0', 16, 'private'],
  ['198.18.0.0', 15, 'benchmarking'],
  ['224.0.0.0', 4, 'multicast'],
  ['240.0.0.0', 4, 'reserved'],
];
const REFUSED_V6: [string, number, string][] = [
  ['::', 128, 'unspecified'],
  ['::1', 128, 'loopback'],
  ['fc00::', 7, 'unique-local (private)'],
  ['fe80::', 10, 'link-local'],
  ['ff00::', 8, 'multicast'],
  ['64:ff9b::', 96, 'NAT64'],
  ['2001:db8::', 32, 'documentation'],
];

/** Why an address is not a public unicast address (undefined when it is one). */
export function restrictedRange(address: string): string | undefined {
  let a = address.replace(/^\[|\]$/g, '').toLowerCase();
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(a);
  if (mapped) a = mapped[1]!;
  const family = isIP(a);
  if (family === 0) return 'not an IP address';
  for (const [net, prefix, why] of family === 4 ? REFUSED_V4 : REFUSED_V6) {
    const list = new BlockList();
    list.addSubnet(net, prefix, family === 4 ? 'ipv4' : 'ipv6');
    if (list.check(a, family === 4 ? 'ipv4' : 'ipv6')) return why;
  }
  return undefined;
}

export interface TargetPolicy {
  allow: AllowEntry[];
  /** Vigil's own listening port: never a webhook target on a loopback/local address. */
  ownPort?: () => number | undefined;
}

/**
 * May Vigil connect to `address:port` (a resolved address) for a webhook to `host`?
 * Returns undefined when allowed, otherwise the reason.
 */
export function checkTarget(policy: TargetPolicy, host: string, address: string, port: number): string | undefined {
  let a = address.replace(/^\[|\]$/g, '').toLowerCase();
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(a);
  if (mapped) a = mapped[1]!;
  const range = restrictedRange(a);
  const own = policy.ownPort?.();
  if (own !== undefined && port === own && (range === 'loopback' || range === 'unspecified' || range === 'private' || range === 'link-local' || range === 'unique-local (private)')) {
    return `${a}:${port} is Vigil's own listener`;
  }
  if (range === undefined) return undefined;
  const family = isIP(a) === 4 ? 'ipv4' : 'ipv6';
  for (const e of policy.allow) {
    if (e.hostPort && e.hostPort.port === port && (e.hostPort.host === a || e.hostPort.host === host.toLowerCase().replace(/^\[|\]$/g, ''))) return undefined;
    if (e.cidr && e.cidr.family === family) {
      const list = new BlockList();
      list.addSubnet(e.cidr.address, e.cidr.prefix, e.cidr.family);
      if (list.check(a, family)) return undefined;
    }
  }
  return `${a} is a ${range} address; an operator may allow it with --alert-webhook-allow ${a.includes(':') ? `[${a}]` : a}:${port}`;
}
