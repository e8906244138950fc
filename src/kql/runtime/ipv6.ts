/**
 * ipv6.ts — parse_ipv6, parse_ipv6_mask, ipv6_compare, ipv6_is_match, ipv6_is_in_range.
 *
 * An address is 128 bits with a prefix length. IPv4 text is the IPv4-mapped address
 * (::ffff:a.b.c.d) and its /n counts IPv4 bits (96 + n); so is `::a.b.c.d`, which the docs'
 * examples treat as the same address as `a.b.c.d` (parse_ipv6_mask('::192.168.255.255/24', 128)
 * is 0000:…:ffff:c0a8:ff00). Comparisons use the smaller of the prefixes involved.
 */
import { BIGINT, BOOLEAN, INTEGER, VARCHAR } from '@duckdb/node-api';
import { runtimeFunction } from './udf.js';

interface Ipv6 {
  addr: bigint;
  prefix: number;
}

const IPV4_RE = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;
const ALL = (1n << 128n) - 1n;

function ipv4Bits(text: string): bigint | null {
  const m = IPV4_RE.exec(text);
  if (!m) return null;
  let v = 0n;
  for (const part of m.slice(1)) {
    const n = Number(part);
    if (n > 255) return null;
    v = (v << 8n) | BigInt(n);
  }
  return v;
}

function groupsOf(text: string): number[] | null {
  if (text === '') return [];
  const out: number[] = [];
  for (const g of text.split(':')) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return null;
    out.push(parseInt(g, 16));
  }
  return out;
}

/** The address and, when the text ends in dotted IPv4, whether its /n counts IPv4 bits. */
function parseAddress(text: string): { addr: bigint; v4: boolean } | null {
  const v4 = ipv4Bits(text);
  if (v4 !== null) return { addr: (0xffffn << 32n) | v4, v4: true };
  let tail: bigint | null = null;
  let body = text;
  const lastColon = text.lastIndexOf(':');
  if (lastColon >= 0 && text.slice(lastColon + 1).includes('.')) {
    tail = ipv4Bits(text.slice(lastColon + 1));
    if (tail === null) return null;
    body = text.slice(0, lastColon + 1) + '0:0';
    if (/^::$/.test(text.slice(0, lastColon + 1))) return { addr: (0xffffn << 32n) | tail, v4: true };
  }
  const halves = body.split('::');
  if (halves.length > 2) return null;
  let groups: number[];
  if (halves.length === 2) {
    const head = groupsOf(halves[0]!), rest = groupsOf(halves[1]!);
    if (!head || !rest || head.length + rest.length > 7) return null;
    groups = [...head, ...Array(8 - head.length - rest.length).fill(0), ...rest];
  } else {
    const all = groupsOf(body);
    if (!all || all.length !== 8) return null;
    groups = all;
  }
  let addr = 0n;
  for (const g of groups) addr = (addr << 16n) | BigInt(g);
  if (tail !== null) addr = (addr & ~0xffffffffn & ALL) | tail;
  return { addr, v4: tail !== null };
}

function parseIpv6(input: string): Ipv6 | null {
  const text = input.trim();
  const slash = text.indexOf('/');
  const parsed = parseAddress(slash < 0 ? text : text.slice(0, slash).trim());
  if (!parsed) return null;
  if (slash < 0) return { addr: parsed.addr, prefix: 128 };
  const p = text.slice(slash + 1).trim();
  if (!/^\d{1,3}$/.test(p)) return null;
  const n = Number(p);
  if (parsed.v4 ? n > 32 : n > 128) return null;
  return { addr: parsed.addr, prefix: parsed.v4 ? 96 + n : n };
}

const mask = (prefix: number) => (prefix <= 0 ? 0n : (ALL << BigInt(128 - prefix)) & ALL);

function canonical(addr: bigint): string {
  const hex = addr.toString(16).padStart(32, '0');
  return hex.match(/.{4}/g)!.join(':');
}

function compare(a: string, b: string, prefix: number): number | null {
  const x = parseIpv6(a), y = parseIpv6(b);
  if (!x || !y) return null;
  const m = mask(Math.min(x.prefix, y.prefix, prefix));
  const u = x.addr & m, v = y.addr & m;
  return u < v ? -1 : u > v ? 1 : 0;
}

export const IPV6_FUNCTIONS = [
  runtimeFunction('kql_parse_ipv6', [VARCHAR], VARCHAR, (ip: string) => {
    const x = parseIpv6(ip);
    return x ? canonical(x.addr & mask(x.prefix)) : '';
  }),
  runtimeFunction('kql_parse_ipv6_mask', [VARCHAR, BIGINT], VARCHAR, (ip: string, prefix: bigint) => {
    const x = parseIpv6(ip);
    return x && prefix >= 0n && prefix <= 128n ? canonical(x.addr & mask(Math.min(x.prefix, Number(prefix)))) : '';
  }),
  runtimeFunction('kql_ipv6_compare', [VARCHAR, VARCHAR, BIGINT], INTEGER, (a: string, b: string, prefix: bigint) =>
    prefix >= 0n && prefix <= 128n ? compare(a, b, Number(prefix)) : null),
  runtimeFunction('kql_ipv6_is_in_range', [VARCHAR, VARCHAR], BOOLEAN, (ip: string, range: string) => {
    const x = parseIpv6(ip), r = parseIpv6(range);
    if (!x || !r) return null;
    const m = mask(r.prefix);
    return (x.addr & m) === (r.addr & m);
  }),
];
