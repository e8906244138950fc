/**
 * masking.ts — scalar functions for masking private data, usable in queries and in
 * ingestion-time transformations (transformKql), plus the transformation-only functions Azure
 * documents (one family of the catalogue, see index.ts).
 *
 *   hash_sha256(s)                 Kusto's exact SHA-256 (strings.ts; listed here for the docs)
 *   hash_hmac_sha256_ws(s)         HMAC-SHA256 of s under the workspace's own pseudonym key, hex:
 *                                  a pseudonym a dictionary of likely values cannot reverse (without
 *                                  the key), stable within a workspace, different across workspaces
 *   redact_email(s [, with])       every e-mail address → '[email]' (or `with`)
 *   redact_card(s [, with])        every Luhn-valid 13-19 digit card number (spaces/dashes allowed) → '[card]'
 *   redact_ip(s [, with])          every IPv4 and IPv6 address → '[ip]'
 *   redact_secrets(s [, with])     private keys, JWTs, bearer tokens, cloud keys, and the value of
 *                                  password=/secret=/token=/AccountKey=/api_key=… pairs → '[secret]'
 *   parse_cef_dictionary(s)        the key=value extension of a CEF message as a property bag
 *   geo_location(ip)               {Country, Region, State, City, Latitude, Longitude} (transformations, with a GeoIP database)
 *   base64_encodestring / base64_decodestring   the spellings Azure's transformation list uses
 *
 * The patterns are shared with the private-data scanner (src/governance/private-data-patterns.ts).
 */
import { createHmac } from 'node:crypto';
import { BindFailure, type ArgInfo, type EmitContext, type ScalarFunction, type SqlArg } from '../bound.js';
import { KqlError } from '../errors.js';
import { sqlString } from '../sql.js';
import { toStringSql } from '../sqlexpr.js';
import type { KqlType } from '../types.js';
import { CARD_CANDIDATE, EMAIL, IPV4, IPV6, SECRET_PATTERNS } from '../../governance/private-data-patterns.js';
import { STRING_FUNCTIONS } from './strings.js';

const str = (a: SqlArg): string => toStringSql(a.sql, a.type, a.jsonText);

function requireStringish(args: ArgInfo[], name: string): void {
  args.forEach((a, i) => {
    if (a.type === 'dynamic' || a.type === 'string') return;
    if (i > 0) throw new BindFailure(`${name}(): argument #${i + 1} must be a string, got '${a.type}'`, i);
  });
}

/** A function of one string (and an optional replacement string) returning a string. */
function stringFn(name: string, maxArgs: number, emit: (s: string, args: SqlArg[], ctx: EmitContext) => string): ScalarFunction {
  return {
    name,
    minArgs: 1,
    maxArgs,
    bind(args): KqlType {
      requireStringish(args, name);
      return 'string';
    },
    emit: (args, ctx) => emit(str(args[0]!), args, ctx),
  };
}

const replacement = (args: SqlArg[], fallback: string) => (args[1] ? str(args[1]) : sqlString(fallback));

// ───────────── keyed pseudonym ─────────────

/** The key a workspace's pseudonyms are made with, from its secret (see keys/workspace-keys.ts). */
export function pseudonymKeyFrom(workspaceSecret: Uint8Array): Buffer {
  return createHmac('sha256', workspaceSecret).update('vigil/hash_hmac_sha256_ws/v1').digest();
}

/** HMAC-SHA256 (RFC 2104) in SQL: sha256((K⊕opad) ‖ sha256((K⊕ipad) ‖ m)), K the 32-byte key padded to 64. */
function hmacSql(message: string, key: Uint8Array): string {
  const block = Buffer.alloc(64);
  Buffer.from(key).copy(block);
  const ipad = Buffer.from(block.map((b) => b ^ 0x36)).toString('hex');
  const opad = Buffer.from(block.map((b) => b ^ 0x5c)).toString('hex');
  return `sha256(unhex('${opad}') || unhex(sha256(unhex('${ipad}') || encode(${message}))))`;
}

const hmacWs = stringFn('hash_hmac_sha256_ws', 1, (s, _args, ctx) => {
  if (!ctx.pseudonymKey) {
    throw new KqlError('SemanticError', 'hash_hmac_sha256_ws() needs a workspace: it is keyed with the secret of the workspace the query or transformation runs in', 1, 1);
  }
  return hmacSql(s, ctx.pseudonymKey);
});

// ───────────── redaction ─────────────

const luhnSql = (c: string) => {
  const d = `regexp_replace(${c}, '[^0-9]', '', 'g')`;
  const digit = 'CAST(_x AS INTEGER)';
  return `(list_sum(list_transform(string_split(reverse(${d}), ''), (_x, _i) -> CASE WHEN _i % 2 = 0 THEN ${digit} * 2 - CASE WHEN ${digit} * 2 > 9 THEN 9 ELSE 0 END ELSE ${digit} END)) % 10 = 0)`;
};

const redactEmail = stringFn('redact_email', 2, (s, args) => `regexp_replace(${s}, ${sqlString(EMAIL)}, ${replacement(args, '[email]')}, 'g')`);

const redactCard = stringFn('redact_card', 2, (s, args) =>
  // Replace each Luhn-valid candidate (list_reduce over [s, c1, c2, …] with s as the start value).
  `list_reduce(list_prepend(${s}, list_filter(regexp_extract_all(${s}, ${sqlString(CARD_CANDIDATE)}), _c -> ${luhnSql('_c')})), (_acc, _c) -> replace(_acc, _c, ${replacement(args, '[card]')}))`);

const redactIp = stringFn('redact_ip', 2, (s, args) => {
  const r = replacement(args, '[ip]');
  return `regexp_replace(regexp_replace(${s}, ${sqlString(IPV6)}, ${r}, 'g'), ${sqlString(IPV4)}, ${r}, 'g')`;
});

const redactSecrets = stringFn('redact_secrets', 2, (s, args) => {
  const r = replacement(args, '[secret]');
  let sql = s;
  for (const p of SECRET_PATTERNS) {
    // RE2 replacement: '\1' keeps the name part of name=value pairs; a literal backslash in `with` is doubled.
    const withText = p.keepPrefix ? `'\\1' || replace(${r}, '\\', '\\\\')` : `replace(${r}, '\\', '\\\\')`;
    sql = `regexp_replace(${sql}, ${sqlString(p.regex)}, ${withText}, 'g')`;
  }
  return sql;
});

// ───────────── Azure transformation functions ─────────────

/**
 * parse_cef_dictionary(s): the CEF extension `k1=v1 k2=v 2 …` as a bag. A value runs to the next
 * ` key=`; `\=` and `\\` are unescaped; text before the first key= (the CEF header) is ignored.
 */
const parseCefDictionary: ScalarFunction = {
  name: 'parse_cef_dictionary',
  minArgs: 1,
  maxArgs: 1,
  bind(args) {
    requireStringish(args, 'parse_cef_dictionary');
    return 'dynamic';
  },
  emit(args) {
    const s = str(args[0]!);
    // Split at the positions where ` key=` starts (keys: letters, digits, _ . -); escaped \= is not a separator.
    const marked = `regexp_replace(${s}, '(^|[\\s|])([A-Za-z0-9_.\\-]+)=', '\\1\u0001\\2=', 'g')`;
    const pairs = `list_filter(string_split(${marked}, chr(1)), _p -> regexp_matches(_p, '^[A-Za-z0-9_.\\-]+='))`;
    const key = `regexp_extract(_p, '^([A-Za-z0-9_.\\-]+)=', 1)`;
    const value = `replace(replace(rtrim(regexp_replace(_p, '^[A-Za-z0-9_.\\-]+=', '')), '\\=', '='), '\\\\', '\\')`;
    return `CAST(COALESCE(to_json(map_from_entries(list_transform(${pairs}, _p -> struct_pack(k := ${key}, v := ${value})))), '{}') AS JSON)`;
  },
};

/**
 * geo_location(ip): Azure's transformation-only function, evaluated by the runtime function the
 * transformation engine registers from the operator's GeoIP database (src/ingest/transform/geo-location.ts).
 */
const geoLocation: ScalarFunction = {
  name: 'geo_location',
  minArgs: 1,
  maxArgs: 1,
  bind(args) {
    requireStringish(args, 'geo_location');
    return 'dynamic';
  },
  emit(args, ctx) {
    if (!ctx.geoLocation) {
      throw new KqlError('SemanticError', 'geo_location() exists only in ingestion-time transformations, on a server started with --geoip-database', 1, 1);
    }
    return `CAST(coalesce(kql_geo_location(${str(args[0]!)}), '{}') AS JSON)`;
  },
};

function alias(name: string, target: string): ScalarFunction {
  const f = STRING_FUNCTIONS.find((x) => x.name === target);
  if (!f) throw new Error(`masking.ts: ${target}() is not in the string functions`);
  return { ...f, name };
}

/** The masking family, plus Azure's transformation-only functions and spellings. */
export const MASKING_FUNCTIONS: ScalarFunction[] = [
  hmacWs, redactEmail, redactCard, redactIp, redactSecrets, parseCefDictionary, geoLocation,
  alias('base64_encodestring', 'base64_encode_tostring'),
  alias('base64_decodestring', 'base64_decode_tostring'),
];

/** The names above (the transformation subset allows them). */
export const MASKING_FUNCTION_NAMES: readonly string[] = ['hash_hmac_sha256_ws', 'redact_email', 'redact_card', 'redact_ip', 'redact_secrets'];
