/** ip.ts — IPv4 and IPv6 functions (IPv6 runs in the KQL runtime: src/kql/runtime/ipv6.ts). */
import { type ScalarFunction, type SqlArg } from '../bound.js';
import { sqlString } from '../sql.js';
import { isIntegral } from '../types.js';
import { geoIpInfoInstalled } from '../runtime/geo-ip-info.js';
import { as, str, anyScalar, fail, fn, intLike, elems, letSql, elemStr } from './define.js';

// ───────────── IPv4 ─────────────

const IPV4_RE = sqlString('^\\s*([0-9]{1,3})\\.([0-9]{1,3})\\.([0-9]{1,3})\\.([0-9]{1,3})\\s*(?:/\\s*([0-9]{1,2})\\s*)?$');
/** STRUCT(addr BIGINT, pfx INTEGER) for an IPv4 text with optional /prefix, or NULL. */
function ipv4Struct(s: string): string {
  const r = `regexp_extract(${s}, ${IPV4_RE}, ['a', 'b', 'c', 'd', 'p'])`;
  const ok = `_r.a <> '' AND CAST(_r.a AS INTEGER) <= 255 AND CAST(_r.b AS INTEGER) <= 255 AND CAST(_r.c AS INTEGER) <= 255 AND CAST(_r.d AS INTEGER) <= 255 AND (_r.p = '' OR CAST(_r.p AS INTEGER) <= 32)`;
  return letSql(r, '_r', `CASE WHEN ${ok} THEN {'addr': CAST(_r.a AS BIGINT) * 16777216 + CAST(_r.b AS BIGINT) * 65536 + CAST(_r.c AS BIGINT) * 256 + CAST(_r.d AS BIGINT), 'pfx': CASE WHEN _r.p = '' THEN 32 ELSE CAST(_r.p AS INTEGER) END} END`);
}
const maskSql = (p: string) => `(4294967295 - ((CAST(1 AS BIGINT) << (32 - least(greatest(${p}, 0), 32))) - 1))`;
const ipText = (x: string) => `(CAST((${x} >> 24) & 255 AS VARCHAR) || '.' || CAST((${x} >> 16) & 255 AS VARCHAR) || '.' || CAST((${x} >> 8) & 255 AS VARCHAR) || '.' || CAST(${x} & 255 AS VARCHAR))`;
/** An IP argument (string, or long for format_*) as a struct. */
function ipArg(a: SqlArg): string {
  if (isIntegral(a.type) || a.type === 'real') {
    const v = as(a, 'long');
    return `(CASE WHEN ${v} BETWEEN 0 AND 4294967295 THEN {'addr': ${v}, 'pfx': 32} END)`;
  }
  return ipv4Struct(str(a));
}
const ip = (a: SqlArg, p: string, body: string) => letSql(ipArg(a), p, body);

function ipCompareSql(a: SqlArg, b: SqlArg, prefix: SqlArg | undefined, body: (cmp: string) => string): string {
  const p = prefix ? `least(_ia.pfx, _ib.pfx, ${as(prefix, 'int')})` : 'least(_ia.pfx, _ib.pfx)';
  const cmp = `sign((_ia.addr & ${maskSql(p)}) - (_ib.addr & ${maskSql(p)}))`;
  return ip(a, '_ia', ip(b, '_ib', `CASE WHEN _ia IS NULL OR _ib IS NULL ${prefix ? `OR ${as(prefix, 'int')} NOT BETWEEN 0 AND 32 ` : ''}THEN NULL ELSE ${body(cmp)} END`));
}
/** Whether the address bound as `_ia` (by the caller's `ip(…, '_ia', …)`) lies in `range`. */
function inRangeSql(range: string): string {
  return letSql(ipv4Struct(range), '_ir', `CASE WHEN _ir IS NULL OR _ia IS NULL THEN NULL ELSE (_ia.addr & ${maskSql('_ir.pfx')}) = (_ir.addr & ${maskSql('_ir.pfx')}) END`);
}

/**
 * geo_info_from_ip_address(ip) (geo-info-from-ip-address-function.md): {country, state, city,
 * latitude, longitude} from the server's GeoIP database (runtime/geo-ip-info.ts); `{}` for an
 * address it does not know, null for text that is no address.  A 400 on a server without one.
 */
const geoInfoFromIpAddress: ScalarFunction = {
  name: 'geo_info_from_ip_address', minArgs: 1, maxArgs: 1,
  bind(args) {
    if (args[0]!.type !== 'string' && args[0]!.type !== 'dynamic') fail(`geo_info_from_ip_address(): expects a string, got '${args[0]!.type}'`, 0);
    if (!geoIpInfoInstalled()) fail('geo_info_from_ip_address() needs a GeoIP database, and this server has none: its operator starts it with --geoip-database <MaxMind City .mmdb file>', 0);
    return 'dynamic';
  },
  emit: (a) => `CAST(kql_geo_info_from_ip_address(${str(a[0]!)}) AS JSON)`,
};

export const IP_FUNCTIONS: ScalarFunction[] = [
  geoInfoFromIpAddress,

  fn('parse_ipv4', [anyScalar], 0, 'long', (a) => ip(a[0]!, '_ia', `_ia.addr & ${maskSql('_ia.pfx')}`)),
  fn('parse_ipv4_mask', [anyScalar, intLike], 0, 'long', (a) => ip(a[0]!, '_ia', `CASE WHEN ${as(a[1]!, 'int')} BETWEEN 0 AND 32 THEN _ia.addr & ${maskSql(`least(_ia.pfx, ${as(a[1]!, 'int')})`)} END`)),
  fn('ipv4_is_private', [anyScalar], 0, 'bool', (a) => ip(a[0]!, '_ia', `CASE WHEN _ia IS NULL THEN NULL ELSE ((_ia.addr & 4278190080) = 167772160 OR (_ia.addr & 4293918720) = 2886729728 OR (_ia.addr & 4294901760) = 3232235520) END`)),
  fn('ipv4_compare', [anyScalar, anyScalar, intLike], 1, 'long', (a) => ipCompareSql(a[0]!, a[1]!, a[2], (c) => `CAST(${c} AS BIGINT)`)),
  fn('ipv4_is_match', [anyScalar, anyScalar, intLike], 1, 'bool', (a) => ipCompareSql(a[0]!, a[1]!, a[2], (c) => `(${c} = 0)`)),
  fn('ipv4_is_in_range', [anyScalar, anyScalar], 0, 'bool', (a) => ip(a[0]!, '_ia', inRangeSql(str(a[1]!)))),
  {
    name: 'ipv4_is_in_any_range', minArgs: 2, maxArgs: 128, bind: () => 'bool',
    emit(a) {
      const checks = a.slice(1).map((r) => (r.type === 'dynamic'
        ? `coalesce(list_bool_or(list_transform(${elems(r.sql)}, _re -> ${letSql(ipv4Struct(elemStr('_re')), '_ir', `CASE WHEN _ir IS NULL THEN FALSE ELSE (_ia.addr & ${maskSql('_ir.pfx')}) = (_ir.addr & ${maskSql('_ir.pfx')}) END`)})), FALSE)`
        : `coalesce(${inRangeSql(str(r))}, FALSE)`));
      return ip(a[0]!, '_ia', `CASE WHEN _ia IS NULL THEN NULL ELSE (${checks.join(' OR ')}) END`);
    },
  },
  fn('format_ipv4', [anyScalar, intLike], 1, 'string', (a) => ip(a[0]!, '_ia', `CASE WHEN _ia IS NULL ${a[1] ? `OR ${as(a[1], 'int')} NOT BETWEEN 0 AND 32 ` : ''}THEN '' ELSE ${ipText(`(_ia.addr & ${maskSql(a[1] ? `least(_ia.pfx, ${as(a[1], 'int')})` : '_ia.pfx')})`)} END`)),
  fn('format_ipv4_mask', [anyScalar, intLike], 1, 'string', (a) => {
    const p = a[1] ? `least(_ia.pfx, ${as(a[1], 'int')})` : '_ia.pfx';
    return ip(a[0]!, '_ia', `CASE WHEN _ia IS NULL ${a[1] ? `OR ${as(a[1], 'int')} NOT BETWEEN 0 AND 32 ` : ''}THEN '' ELSE ${ipText(`(_ia.addr & ${maskSql(p)})`)} || '/' || CAST(${p} AS VARCHAR) END`);
  }),
  fn('ipv4_netmask_suffix', [anyScalar], 0, 'long', (a) => ip(a[0]!, '_ia', `CAST(_ia.pfx AS BIGINT)`)),
];

const ipv6Range = (ip: string, r: SqlArg) => (r.type === 'dynamic'
  ? `coalesce(list_bool_or(list_transform(${elems(r.sql)}, _re -> kql_ipv6_is_in_range(${ip}, ${elemStr('_re')}))), FALSE)`
  : `kql_ipv6_is_in_range(${ip}, ${str(r)})`);

IP_FUNCTIONS.push(
  fn('parse_ipv6', [anyScalar], 0, 'string', (a) => `coalesce(kql_parse_ipv6(${str(a[0]!)}), '')`),
  fn('parse_ipv6_mask', [anyScalar, intLike], 0, 'string', (a) => `coalesce(kql_parse_ipv6_mask(${str(a[0]!)}, ${as(a[1]!, 'long')}), '')`),
  fn('ipv6_compare', [anyScalar, anyScalar, intLike], 1, 'long', (a) => `CAST(kql_ipv6_compare(${str(a[0]!)}, ${str(a[1]!)}, ${a[2] ? as(a[2], 'long') : 'CAST(128 AS BIGINT)'}) AS BIGINT)`),
  fn('ipv6_is_match', [anyScalar, anyScalar, intLike], 1, 'bool', (a) => `(kql_ipv6_compare(${str(a[0]!)}, ${str(a[1]!)}, ${a[2] ? as(a[2], 'long') : 'CAST(128 AS BIGINT)'}) = 0)`),
  fn('ipv6_is_in_range', [anyScalar, anyScalar], 0, 'bool', (a) => `kql_ipv6_is_in_range(${str(a[0]!)}, ${str(a[1]!)})`),
  {
    // ipv6_is_in_any_range(ip, range, …) / (ip, dynamic([range, …])); null when the address is invalid
    name: 'ipv6_is_in_any_range', minArgs: 2, maxArgs: 128, bind: () => 'bool',
    emit(a) {
      const ip = str(a[0]!);
      return `(CASE WHEN kql_parse_ipv6(${ip}) = '' THEN NULL ELSE (${a.slice(1).map((r) => `coalesce(${ipv6Range(ip, r)}, FALSE)`).join(' OR ')}) END)`;
    },
  },
);

/** ipv4_range_to_cidr_list(start, end): the CIDR blocks covering start…end (src/kql/runtime/ipv4-ranges.ts). */
IP_FUNCTIONS.push(fn('ipv4_range_to_cidr_list', [anyScalar, anyScalar], 0, 'dynamic', (a) => `CAST(kql_ipv4_range_to_cidr_list(${str(a[0]!)}, ${str(a[1]!)}) AS JSON)`));
