/** strings.ts — string, regex, encoding and hashing functions. */
import { type ScalarFunction, type SqlArg } from '../bound.js';
import { sqlString } from '../sql.js';
import { convertSql, toStringSql } from '../sqlexpr.js';
import { isIntegral } from '../types.js';
import {
  fail, as, str, numericOrDyn, anyScalar, fn, strFn, isDynamic, intLike, constString, requireConst, constArray, elems, letSql, elemStr, regexArg, regexGroups, requireType,
} from './define.js';
import { stringMatchSql } from './operators.js';

/** A valid IPv4 octet and address, for RE2 (has_ipv4, has_ipv4_prefix). */
const IPV4_OCTET = '(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])';
const IPV4_RE = `${IPV4_OCTET}(?:\\.${IPV4_OCTET}){3}`;

/** substring(s, start[, length]) — 0-based; a negative start counts from the end. */
const substring: ScalarFunction = fn('substring', [anyScalar, numericOrDyn, numericOrDyn], 1, 'string', (args) => {
  const s = str(args[0]!);
  const st = as(args[1]!, 'long');
  const start = `((CASE WHEN ${st} < 0 THEN greatest(length(${s}) + ${st}, 0) ELSE ${st} END) + 1)`;
  if (args.length === 2) return `coalesce(substring(${s}, ${start}), '')`;
  return `coalesce(substring(${s}, ${start}, greatest(${as(args[2]!, 'long')}, 0)), '')`;
});

/** has_any(x, a, b, …) / has_all(...) — the list is expanded from dynamic arrays by the binder. */
function hasListFn(name: string, joiner: 'OR' | 'AND'): ScalarFunction {
  return {
    name,
    minArgs: 1,
    maxArgs: 100000,
    bind: () => 'bool',
    emit(args) {
      const [x, ...list] = args as [SqlArg, ...SqlArg[]];
      if (list.length === 0) return joiner === 'OR' ? 'FALSE' : 'TRUE';
      const hay = str(x);
      return '(' + list.map((n) => stringMatchSql('has', false, hay, n)).join(` ${joiner} `) + ')';
    },
  };
}

// ───────────── strings ─────────────

/** indexof(s, match[, start[, length[, occurrence]]]) — see indexof-function.md for the search-window rules. */
const indexofFn: ScalarFunction = fn('indexof', [anyScalar, anyScalar, intLike, intLike, intLike], 3, 'long', (a) => {
  const s = str(a[0]!), m = str(a[1]!);
  if (a.length === 2) return `CAST(strpos(${s}, ${m}) - 1 AS BIGINT)`;
  const st = as(a[2]!, 'long');
  const len = a[3] ? as(a[3], 'long') : 'CAST(-1 AS BIGINT)';
  const occ = a[4] ? as(a[4], 'long') : 'CAST(1 AS BIGINT)';
  const start = `(CASE WHEN ${st} < 0 THEN greatest(length(${s}) + ${st}, 0) ELSE ${st} END)`;
  const positions = `list_filter(range(greatest(length(${s}) - length(${m}) + 1, 0)), _q -> substring(${s}, _q + 1, length(${m})) = ${m})`;
  // accumulator = (next search start + 1); 0 = not found
  const step = `(CASE WHEN _acc = 0 THEN 0 ELSE coalesce(list_min(list_filter(${positions}, _q -> _q >= _acc - 1 AND (${len} = -1 OR _q + length(${m}) <= _acc - 1 + ${len}))) + 2, 0) END)`;
  const reduced = `list_reduce(list_concat([${start} + 1], range(${occ})), (_acc, _k) -> ${step})`;
  return `(CASE WHEN ${len} < -1 OR ${occ} <= 0 THEN NULL ELSE CAST(greatest(${reduced} - 2, -1) AS BIGINT) END)`;
});

/** replace_strings(text, lookups, rewrites): earlier lookups win; matches don't overlap (placeholders in U+F0000+). */
const replaceStrings: ScalarFunction = fn('replace_strings', [anyScalar, isDynamic, isDynamic], 0, 'string', (a) => {
  const text = str(a[0]!);
  const L = `list_transform(CAST(${a[1]!.sql} AS JSON[]), _e -> CASE WHEN json_type(_e) = 'VARCHAR' THEN json_extract_string(_e, '$') ELSE '' END)`;
  const R = `CAST(${a[2]!.sql} AS JSON[])`;
  const rewrites = `list_transform(range(len(${L})), _k -> CASE WHEN json_type((${R})[_k + 1]) = 'VARCHAR' THEN json_extract_string((${R})[_k + 1], '$') ELSE (${L})[_k + 1] END)`;
  const marked = `list_reduce(list_concat([${text}], ${L}), (_acc, _x, _i) -> CASE WHEN _x = '' THEN _acc ELSE replace(_acc, _x, chr(CAST(983040 + _i AS INTEGER))) END)`;
  const body = `list_reduce(list_concat([${marked}], ${rewrites}), (_acc, _x, _i) -> replace(_acc, chr(CAST(983040 + _i AS INTEGER)), _x))`;
  return `(CASE WHEN json_type(${a[1]!.sql}) = 'ARRAY' AND json_type(${a[2]!.sql}) = 'ARRAY' THEN ${body} ELSE ${text} END)`;
});

const splitFn: ScalarFunction = fn('split', [anyScalar, anyScalar, intLike], 1, 'dynamic', (a) => {
  const parts = `string_split(${str(a[0]!)}, ${str(a[1]!)})`;
  if (a.length === 2) return `CAST(to_json(${parts}) AS JSON)`;
  const i = as(a[2]!, 'long');
  // an index past the end gives null (issue #12); a negative one an empty array
  return letSql(parts, '_p', `CASE WHEN ${i} >= 0 AND ${i} < len(_p) THEN CAST(to_json([_p[${i} + 1]]) AS JSON) WHEN ${i} >= len(_p) THEN CAST(NULL AS JSON) ELSE CAST('[]' AS JSON) END`);
});

/** parse_csv: the first record only; quoted fields may contain commas, newlines and doubled quotes. */
const parseCsv: ScalarFunction = strFn('parse_csv', 1, 0, 'dynamic', ([s]) => {
  const record = `regexp_extract(${s}, '^((?:"(?:[^"]|"")*"|[^"\\r\\n])*)')`;
  const fields = `regexp_extract_all(${record} || ',', '("(?:[^"]|"")*"|[^,"]*),', 1)`;
  return `CAST(to_json(list_transform(${fields}, _f -> CASE WHEN starts_with(_f, '"') THEN replace(substring(_f, 2, length(_f) - 2), '""', '"') ELSE _f END)) AS JSON)`;
});

const countofFn: ScalarFunction = {
  name: 'countof',
  minArgs: 2,
  maxArgs: 3,
  bind(args) {
    if (args[2]) {
      const k = requireConst(args, 2, 'countof', 'kind');
      if (k !== 'normal' && k !== 'regex') fail(`countof(): kind must be 'normal' or 'regex', got '${k}'`, 2);
    }
    return 'long';
  },
  emit(a) {
    const s = str(a[0]!), n = str(a[1]!);
    if (constString(a[2]) === 'regex') return `CAST(len(list_filter(regexp_extract_all(${s}, ${regexArg(a[1]!)}), _m -> _m <> '')) AS BIGINT)`;
    return `(CASE WHEN length(${n}) = 0 THEN 0 ELSE CAST(len(list_filter(range(greatest(length(${s}) - length(${n}) + 1, 0)), _i -> substring(${s}, _i + 1, length(${n})) = ${n})) AS BIGINT) END)`;
  },
};

/** extract(regex, group, text [, typeof(T)]): the group's text ('' when no match), or it converted to T (null when no match/invalid). */
const extractFn: ScalarFunction = {
  name: 'extract',
  minArgs: 3,
  maxArgs: 4,
  typeLiteralArg: 3,
  bind(args) {
    const base = fn('extract', [anyScalar, intLike, anyScalar], 0, 'string', () => '');
    base.bind(args.slice(0, 3));
    if (args.length < 4) return 'string';
    const t = args[3]!.literal?.typeOf;
    if (!t) fail('extract(): the 4th argument must be a type literal such as typeof(long)', 3);
    return t;
  },
  emit(a) {
    const s = `coalesce(regexp_extract(${str(a[2]!)}, ${regexArg(a[0]!)}, ${as(a[1]!, 'int')}), '')`;
    const t = a[3]?.literal?.typeOf;
    if (!t || t === 'string') return s;
    return convertSql(s, 'string', t);
  },
};

/**
 * indexof_regex(string, match [, start [, length [, occurrence]]]) (indexof-regex-function.md): the
 * index of the occurrence-th non-overlapping match within length characters from start, -1 when
 * there is none, null when start or occurrence is negative or length below -1. The match's index
 * is the lengths of the text between the matches before it plus those matches.
 */
const indexofRegexBase = fn('indexof_regex', [anyScalar, anyScalar, intLike, intLike, intLike], 3, 'long', () => '');
const indexofRegex: ScalarFunction = {
  ...indexofRegexBase,
  emit(a) {
    const s = str(a[0]!);
    const re = regexArg(a[1]!);
    if (a.length === 2) return `coalesce(CAST(list_position(list_transform(range(length(${s}) + 1), _i -> regexp_matches(substring(${s}, _i + 1), '^(?:' || ${re} || ')')), TRUE) - 1 AS BIGINT), -1)`;
    const start = as(a[2]!, 'long');
    const length = a[3] ? as(a[3], 'long') : '-1';
    const occurrence = a[4] ? as(a[4], 'long') : '1';
    const sub = `substring(${s}, ${start} + 1, CASE WHEN ${length} = -1 THEN length(${s}) ELSE ${length} END)`;
    const lens = (list: string, n: string) => `coalesce(list_sum(list_transform((${list})[1:${n}], _x -> length(_x))), 0)`;
    const at = letSql(sub, '_sub', letSql(`regexp_extract_all(_sub, ${re})`, '_m',
      `CASE WHEN len(_m) < greatest(${occurrence}, 1) THEN -1 ELSE ${start} + ${lens(`regexp_split_to_array(_sub, ${re})`, `greatest(${occurrence}, 1)`)} + ${lens('_m', `greatest(${occurrence}, 1) - 1`)} END`));
    return `(CASE WHEN ${start} < 0 OR ${occurrence} < 0 OR ${length} < -1 THEN NULL ELSE CAST(${at} AS BIGINT) END)`;
  },
};

/** extract_json(jsonPath, dataSource [, typeof(T)]) (extract-json-function.md): the value at the path as a string ('' when absent), or converted to T. */
function extractJson(name: string): ScalarFunction {
  const base = fn(name, [anyScalar, anyScalar], 0, 'string', () => '');
  return {
    name,
    minArgs: 2,
    maxArgs: 3,
    typeLiteralArg: 2,
    bind(args) {
      base.bind(args.slice(0, 2));
      if (args.length < 3) return 'string';
      const t = args[2]!.literal?.typeOf;
      if (!t) fail(`${name}(): the 3rd argument must be a type literal such as typeof(long)`, 2);
      return t;
    },
    emit(a) {
      const s = `coalesce(json_extract_string(TRY_CAST(${str(a[1]!)} AS JSON), ${str(a[0]!)}), '')`;
      const t = a[2]?.literal?.typeOf;
      if (!t || t === 'string') return s;
      if (t === 'dynamic') return `json_extract(TRY_CAST(${str(a[1]!)} AS JSON), ${str(a[0]!)})`;
      return convertSql(`nullif(${s}, '')`, 'string', t);
    },
  };
}

/** extract_all(regex, [groups,] source): one group → flat array; several → array of arrays; no match → null. */
const extractAll: ScalarFunction = {
  name: 'extract_all',
  minArgs: 2,
  maxArgs: 3,
  bind(args) {
    if (args.length === 3 && args[1]!.type !== 'dynamic') fail('extract_all(): captureGroups must be a dynamic array', 1);
    return 'dynamic';
  },
  emit(a) {
    const source = str(a[a.length - 1]!);
    const re = regexArg(a[0]!);
    const reText = constString(a[0]!);
    const names = reText !== undefined ? regexGroups(reText) : [''];
    let groups: number[] = names.length === 0 ? [0] : names.map((_, i) => i + 1);
    if (a.length === 3) {
      const sel = constArray(a[1]!);
      if (!sel) fail('extract_all(): captureGroups must be a constant array', 1);
      groups = sel.map((g) => (typeof g === 'number' ? g : names.indexOf(String(g)) + 1));
      if (groups.some((g) => !(g >= 0 && g <= Math.max(names.length, 1)))) fail('extract_all(): invalid capture group', 1);
    }
    const lists = groups.map((g) => `regexp_extract_all(${source}, ${re}, ${g})`);
    if (lists.length === 1) return letSql(lists[0]!, '_l', `CASE WHEN len(_l) = 0 THEN NULL ELSE CAST(to_json(_l) AS JSON) END`);
    const zipped = `list_transform(range(len(${lists[0]})), _i -> [${lists.map((l) => `(${l})[_i + 1]`).join(', ')}])`;
    return letSql(zipped, '_l', `CASE WHEN len(_l) = 0 THEN NULL ELSE CAST(to_json(_l) AS JSON) END`);
  },
};

const replaceRegex = (name: string) => fn(name, [anyScalar, anyScalar, anyScalar], 0, 'string', (a) =>
  `regexp_replace(${str(a[0]!)}, ${regexArg(a[1]!)}, ${str(a[2]!)}, 'g')`);

/** translate(searchList, replacementList, source): a shorter replacement list repeats its last character. */
const translateFn: ScalarFunction = strFn('translate', 3, 0, 'string', ([from, to, s]) =>
  `translate(${s}, ${from}, (CASE WHEN length(${to}) = 0 THEN '' ELSE ${to} || repeat(right(${to}, 1), greatest(length(${from}) - length(${to}), 0)) END))`);

/** HttpUtility.UrlEncode: unreserved [A-Za-z0-9-_.!*()], space → '+' (or %20), others %xx (lower-case hex). */
function urlEncodeSql(s: string, space: string): string {
  return `array_to_string(list_transform(string_split(${s}, ''), _c -> CASE WHEN regexp_full_match(_c, '[A-Za-z0-9_.!*()\\-]') THEN _c WHEN _c = ' ' THEN ${sqlString(space)} ELSE regexp_replace(lower(hex(encode(_c))), '(..)', '%\\1', 'g') END), '')`;
}

/** .NET Guid byte order: the first three groups are little-endian. */
function guidBytesHex(g: string): string {
  const h = `replace(CAST(${g} AS VARCHAR), '-', '')`;
  const pair = (i: number) => `substring(${h}, ${i * 2 + 1}, 2)`;
  return [3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15].map(pair).join(' || ');
}
function hexToGuid(hex: string): string {
  const pair = (i: number) => `substring(${hex}, ${i * 2 + 1}, 2)`;
  const order = [3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15];
  const s = order.map(pair);
  return `TRY_CAST(${s.slice(0, 4).join(' || ')} || '-' || ${s.slice(4, 6).join(' || ')} || '-' || ${s.slice(6, 8).join(' || ')} || '-' || ${s.slice(8, 10).join(' || ')} || '-' || ${s.slice(10).join(' || ')} AS UUID)`;
}
function bytesArraySql(blob: string): string {
  return letSql(`hex(${blob})`, '_h', `CAST(to_json(list_transform(range(length(_h) // 2), _i -> CAST(('0x' || substring(_h, _i * 2 + 1, 2)) AS INTEGER))) AS JSON)`);
}

/** parse_url: RFC 3986-ish split into Kusto's bag (Scheme, Host, Port, Path, Username, Password, Query Parameters, Fragment). */
const URL_RE = '^([A-Za-z][A-Za-z0-9+.\\-]*)://(?:([^:@/?#]*)(?::([^@/?#]*))?@)?(\\[[^\\]]*\\]|[^:/?#]*)(?::([0-9]*))?([^?#]*)(?:\\?([^#]*))?(?:#(.*))?$';
function queryBagSql(q: string): string {
  const pairs = `list_filter(string_split(${q}, '&'), _kv -> _kv <> '')`;
  const item = `CAST(to_json(url_decode(replace(split_part(_kv, '=', 1), '+', ' '))) AS VARCHAR) || ':' || CAST(to_json(url_decode(replace(CASE WHEN strpos(_kv, '=') > 0 THEN substring(_kv, strpos(_kv, '=') + 1) ELSE '' END, '+', ' '))) AS VARCHAR)`;
  return `CAST('{' || array_to_string(list_transform(${pairs}, _kv -> ${item}), ',') || '}' AS JSON)`;
}
const parseUrl: ScalarFunction = strFn('parse_url', 1, 0, 'dynamic', ([s]) => {
  const g = ['scheme', 'user', 'pass', 'host', 'port', 'path', 'query', 'frag'];
  const r = `regexp_extract(${s}, ${sqlString(URL_RE)}, [${g.map((x) => sqlString(x)).join(', ')}])`;
  const body = `CASE WHEN _u.scheme = '' THEN CAST('{}' AS JSON) ELSE CAST(json_object('Scheme', _u.scheme, 'Host', _u.host, 'Port', _u.port, 'Path', _u.path, 'Username', _u.user, 'Password', _u.pass, 'Query Parameters', ${queryBagSql('_u.query')}, 'Fragment', _u.frag) AS JSON) END`;
  return letSql(r, '_u', body);
});
const parseUrlQuery: ScalarFunction = strFn('parse_urlquery', 1, 0, 'dynamic', ([s]) =>
  `CAST(json_object('Query Parameters', ${queryBagSql(`regexp_replace(${s}, '^\\?', '')`)}) AS JSON)`);

/** format_bytes(size[, precision[, units[, base]]]). */
const formatBytes: ScalarFunction = fn('format_bytes', [numericOrDyn, intLike, anyScalar, intLike], 3, 'string', (a) => {
  const size = as(a[0]!, 'real');
  const prec = a[1] ? as(a[1], 'int') : '0';
  const base = a[3] ? as(a[3], 'real') : '1024.0';
  const units = `['Bytes', 'KB', 'MB', 'GB', 'TB', 'PB', 'EB']`;
  const unitConst = constString(a[2]);
  const idx = unitConst !== undefined && unitConst !== ''
    ? String(Math.max(0, ['bytes', 'kb', 'mb', 'gb', 'tb', 'pb', 'eb'].indexOf(unitConst.toLowerCase())))
    : `CAST(CASE WHEN abs(_v) < ${base} THEN 0 ELSE least(floor(ln(abs(_v)) / ln(${base})), 6) END AS INTEGER)`;
  const body = letSql(idx, '_k', `${toStringSql(`round(_v / pow(${base}, _k), ${prec})`, 'real')} || ' ' || (${units})[_k + 1]`);
  return `(CASE WHEN ${size} IS NULL THEN '' ELSE ${letSql(size, '_v', body)} END)`;
});

/**
 * hash(x[, mod]) / hash_xxhash64: xxHash64 of the value's bytes, computed by the KQL runtime
 * (src/kql/runtime/xxhash.ts); with mod, the hash read as unsigned modulo mod (0 … mod-1).
 */
function xxhashSql(a: SqlArg): string {
  switch (a.type) {
    case 'string':
    case 'dynamic':
      return `kql_xxhash64_string(${str(a)})`;
    case 'real':
    case 'decimal':
      return `kql_xxhash64_real(${as(a, 'real')})`;
    case 'guid':
      return `kql_xxhash64_guid(CAST(${a.sql} AS VARCHAR))`;
    default:
      return `kql_xxhash64_long(${as(a, 'long')})`;
  }
}
const hashFn = (name: string) => fn(name, [anyScalar, intLike], 1, 'long', (a) => {
  const h = xxhashSql(a[0]!);
  if (!a[1]) return h;
  const m = as(a[1], 'long');
  return `(CASE WHEN ${m} > 0 THEN CAST(((CAST(${h} AS HUGEINT) + 18446744073709551616) % 18446744073709551616) % ${m} AS BIGINT) END)`;
});

/** strcat_array(arr, delimiter): the array's elements as strings, joined. */
const strcatArray = (name: string) =>
  fn(name, [isDynamic, anyScalar], 0, 'string', (a) =>
    `coalesce(array_to_string(list_transform(${elems(a[0]!.sql)}, _e -> ${elemStr('_e')}), ${str(a[1]!)}), '')`, 'dynamic');

export const STRING_FUNCTIONS: ScalarFunction[] = [
  strFn('tolower', 1, 0, 'string', ([s]) => `lower(${s})`),
  strFn('toupper', 1, 0, 'string', ([s]) => `upper(${s})`),
  strFn('reverse', 1, 0, 'string', ([s]) => `reverse(${s})`),
  { ...strFn('strcat', 64, 63, 'string', (s) => `concat(${s.join(', ')})`), minArgs: 1 },
  substring,
  strFn('replace_string', 3, 0, 'string', ([s, l, r]) => `(CASE WHEN ${l} = '' THEN ${s} ELSE replace(${s}, ${l}, ${r}) END)`),
  strFn('trim_start', 2, 0, 'string', ([, s], a) => `regexp_replace(${s}, '^(?:' || ${regexArg(a[0]!)} || ')+', '')`),
  strFn('trim_end', 2, 0, 'string', ([, s], a) => `regexp_replace(${s}, '(?:' || ${regexArg(a[0]!)} || ')+$', '')`),
  strFn('trim', 2, 0, 'string', ([, s], a) => `regexp_replace(regexp_replace(${s}, '^(?:' || ${regexArg(a[0]!)} || ')+', ''), '(?:' || ${regexArg(a[0]!)} || ')+$', '')`),
  hasListFn('has_any', 'OR'),
  hasListFn('has_all', 'AND'),
  strFn('strcmp', 2, 0, 'long', ([x, y]) => `CAST(CASE WHEN ${x} < ${y} THEN -1 WHEN ${x} > ${y} THEN 1 ELSE 0 END AS BIGINT)`),
  strFn('string_size', 1, 0, 'long', ([s]) => `CAST(octet_length(encode(${s})) AS BIGINT)`),
  strFn('strlen', 1, 0, 'long', ([s]) => `CAST(length(${s}) AS BIGINT)`),
  indexofFn,
  indexofRegex,
  replaceStrings,
  splitFn,
  parseCsv,
  countofFn,
  extractFn,
  extractAll,
  replaceRegex('replace_regex'),
  replaceRegex('replace'),
  translateFn,
  fn('regex_quote', [anyScalar], 0, 'string', (a) => `regexp_escape(${str(a[0]!)})`),
  { ...strFn('strcat_delim', 65, 63, 'string', ([d, ...s]) => `array_to_string([${s.join(', ')}], ${d})`), minArgs: 2 },
  strcatArray('strcat_array'),
  // strcat_array's older name, still in Kusto.Language's catalogue
  strcatArray('array_strcat'),
  strFn('strrep', 3, 1, 'string', ([s, n, d]) =>
    `coalesce(array_to_string(list_transform(range(least(greatest(TRY_CAST(${n} AS BIGINT), 0), 1024)), _x -> ${s}), ${d ?? "''"}), '')`),
  strFn('base64_encode_tostring', 1, 0, 'string', ([s]) => `to_base64(encode(${s}))`),
  strFn('base64encodestring', 1, 0, 'string', ([s]) => `to_base64(encode(${s}))`),
  strFn('base64_decode_tostring', 1, 0, 'string', ([s]) => `coalesce(try(decode(from_base64(${s}))), '')`),
  strFn('base64decodestring', 1, 0, 'string', ([s]) => `coalesce(try(decode(from_base64(${s}))), '')`),
  strFn('base64_decode_toarray', 1, 0, 'dynamic', ([s]) => `(CASE WHEN ${s} = '' THEN CAST('[]' AS JSON) ELSE ${bytesArraySql(`try(from_base64(${s}))`)} END)`),
  fn('base64_encode_fromarray', [isDynamic], 0, 'string', (a) =>
    `coalesce(to_base64(unhex(array_to_string(list_transform(${elems(a[0]!.sql)}, _e -> lpad(hex(CAST(TRY_CAST(_e AS BIGINT) & 255 AS INTEGER)), 2, '0')), ''))), '')`, 'dynamic'),
  fn('base64_encode_fromguid', [(t) => t === 'guid' || t === 'dynamic' || t === 'string'], 0, 'string', (a) =>
    `coalesce(to_base64(unhex(${guidBytesHex(as(a[0]!, 'guid'))})), '')`, 'a guid'),
  strFn('base64_decode_toguid', 1, 0, 'guid', ([s]) => letSql(`hex(try(from_base64(${s})))`, '_h', `CASE WHEN length(_h) = 32 THEN ${hexToGuid('_h')} END`)),
  strFn('url_encode', 1, 0, 'string', ([s]) => urlEncodeSql(s, '+')),
  strFn('url_encode_component', 1, 0, 'string', ([s]) => urlEncodeSql(s, '%20')),
  strFn('url_decode', 1, 0, 'string', ([s]) => `coalesce(try(url_decode(replace(${s}, '+', ' '))), '')`),
  parseUrl,
  parseUrlQuery,
  hashFn('hash'),
  hashFn('hash_xxhash64'),
  fn('hash_many', [anyScalar], 0, 'long', () => ''),
  strFn('hash_sha256', 1, 0, 'string', ([s]) => `sha256(${s})`),
  strFn('hash_sha1', 1, 0, 'string', ([s]) => `sha1(${s})`),
  strFn('hash_md5', 1, 0, 'string', ([s]) => `md5(${s})`),
  formatBytes,
  // gzip/zlib + base64 (gzip-base64-compress.md, zlib-base64-compress-function.md, …): computed in the runtime (runtime/compression.ts)
  ...['gzip_compress_to_base64_string', 'zlib_compress_to_base64_string', 'gzip_decompress_from_base64_string', 'zlib_decompress_from_base64_string']
    .map((name) => strFn(name, 1, 0, 'string', ([s]) => `coalesce(kql_${name}(${s}), '')`)),
  strFn('unicode_codepoints_from_string', 1, 0, 'dynamic', ([s]) =>
    `(CASE WHEN ${s} = '' THEN CAST('[]' AS JSON) ELSE CAST(to_json(list_transform(string_split(${s}, ''), _c -> unicode(_c))) AS JSON) END)`),
  // unicode_codepoints_to_string(values, …): each argument a code point or a dynamic array of them, in order
  {
    name: 'unicode_codepoints_to_string', minArgs: 1, maxArgs: 64,
    bind(args) {
      args.forEach((_, i) => requireType(args, i, (t) => isIntegral(t) || t === 'dynamic', 'an integer or a dynamic array', 'unicode_codepoints_to_string'));
      return 'string';
    },
    emit: (a) => {
      const points = a.map((x) => (x.type === 'dynamic' ? `list_transform(${elems(x.sql)}, _e -> TRY_CAST(_e AS BIGINT))` : `[CAST(${x.sql} AS BIGINT)]`));
      const all = points.length === 1 ? points[0]! : `flatten([${points.map((p) => `coalesce(${p}, [])`).join(', ')}])`;
      return `coalesce(array_to_string(list_transform(${all}, _e -> coalesce(try(chr(CAST(_e AS INTEGER))), '')), ''), '')`;
    },
  },
  strFn('to_utf8', 1, 0, 'dynamic', ([s]) => `(CASE WHEN ${s} = '' THEN CAST('[]' AS JSON) ELSE ${bytesArraySql(`encode(${s})`)} END)`),
  strFn('isascii', 1, 0, 'bool', ([s]) => `(NOT regexp_matches(${s}, '[^\\x00-\\x7F]'))`),
  strFn('isutf8', 1, 0, 'bool', () => 'TRUE'),
  // an int prints as its 32-bit two's complement (tohex(toint(-256)) is ffffff00), everything else as a long's
  fn('tohex', [intLike, intLike], 1, 'string', (a) => {
    const h = a[0]!.type === 'int' ? `lower(hex(CAST(${a[0]!.sql} AS BIGINT) & 4294967295))` : `lower(hex(${as(a[0]!, 'long')}))`;
    return `coalesce(${a[1] ? `lpad(${h}, CAST(greatest(${as(a[1], 'long')}, length(${h})) AS INTEGER), '0')` : h}, '')`;
  }),
  extractJson('extract_json'),
  extractJson('extractjson'),
  // has_ipv4 / has_ipv4_prefix (has-ipv4-function.md, has-ipv4-prefix-function.md): a valid IPv4 address of the text, delimited
  // by non-alphanumeric characters, equals the address / starts with the prefix (a valid address, or octets ending with a dot)
  fn('has_ipv4', [anyScalar, anyScalar], 0, 'bool', (a) =>
    `coalesce(regexp_full_match(${str(a[1]!)}, '${IPV4_RE}') AND list_contains(string_split_regex(${str(a[0]!)}, '[^0-9A-Za-z.]+'), ${str(a[1]!)}), FALSE)`),
  fn('has_ipv4_prefix', [anyScalar, anyScalar], 0, 'bool', (a) => {
    const p = str(a[1]!);
    return `coalesce((regexp_full_match(${p}, '${IPV4_RE}') OR regexp_full_match(${p}, '(?:${IPV4_OCTET}\\.){1,3}')) AND len(list_filter(string_split_regex(${str(a[0]!)}, '[^0-9A-Za-z.]+'), ` +
      `_t -> regexp_full_match(_t, '${IPV4_RE}') AND (_t = ${p} OR (suffix(${p}, '.') AND starts_with(_t, ${p}))))) > 0, FALSE)`;
  }),
  {
    // has_any_ipv4(source, ip, …) / (source, dynamic([ip, …])): one of the valid IPv4 addresses appears delimited in source (has-any-ipv4-function.md)
    name: 'has_any_ipv4', minArgs: 2, maxArgs: 64,
    bind: (args) => {
      args.slice(1).forEach((a, i) => { if (a.type !== 'string' && a.type !== 'dynamic') fail(`has_any_ipv4(): an IP address must be a string or a dynamic array, got '${a.type}'`, i + 1); });
      return 'bool';
    },
    emit: (a) => {
      const lists = a.slice(1).map((x) => (x.type === 'dynamic'
        ? `list_transform(${elems(x.sql)}, _e -> json_extract_string(_e, '$'))`
        : `[${str(x)}]`));
      const octet = '(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])';
      const valid = sqlString(`${octet}(\\.${octet}){3}`);
      const src = str(a[0]!);
      return `coalesce(len(list_filter(flatten([${lists.join(', ')}]), _ip -> regexp_full_match(_ip, ${valid}) AND regexp_matches(${src}, '(?:^|[^0-9.])' || regexp_escape(_ip) || '(?:$|[^0-9.])'))) > 0, FALSE)`;
    },
  },
  {
    // has_any_ipv4_prefix(source, prefix, …) / (source, dynamic([prefix, …])) (has-any-ipv4-prefix-function.md): as has_ipv4_prefix
    // for any of the prefixes. Each valid address of the text (delimited by non-alphanumerics) yields its prefixes 'a.', 'a.b.',
    // 'a.b.c.' and 'a.b.c.d', which are compared with the valid prefixes given.
    name: 'has_any_ipv4_prefix', minArgs: 2, maxArgs: 64,
    bind: (args) => {
      args.slice(1).forEach((a, i) => { if (a.type !== 'string' && a.type !== 'dynamic') fail(`has_any_ipv4_prefix(): a prefix must be a string or a dynamic array, got '${a.type}'`, i + 1); });
      return 'bool';
    },
    emit: (a) => {
      const lists = a.slice(1).map((x) => (x.type === 'dynamic'
        ? `list_transform(${elems(x.sql)}, _e -> json_extract_string(_e, '$'))`
        : `[${str(x)}]`));
      const prefixes = `list_filter(flatten([${lists.join(', ')}]), _p -> regexp_full_match(_p, '${IPV4_RE}') OR regexp_full_match(_p, '(?:${IPV4_OCTET}\\.){1,3}'))`;
      const part = (k: number) => `split_part(_t, '.', ${k})`;
      const own = `[${part(1)} || '.', ${part(1)} || '.' || ${part(2)} || '.', ${part(1)} || '.' || ${part(2)} || '.' || ${part(3)} || '.', _t]`;
      const addresses = `list_filter(string_split_regex(${str(a[0]!)}, '[^0-9A-Za-z.]+'), _t -> regexp_full_match(_t, '${IPV4_RE}'))`;
      return `coalesce(list_has_any(flatten(list_transform(${addresses}, _t -> ${own})), ${prefixes}), FALSE)`;
    },
  },
];
// hash_many: hash of all arguments together
STRING_FUNCTIONS.splice(STRING_FUNCTIONS.findIndex((f) => f.name === 'hash_many'), 1, {
  name: 'hash_many', minArgs: 1, maxArgs: 64, bind: () => 'long',
  emit: (a) => `CAST(hash(${a.map((x) => str(x)).join(', ')}) >> 1 AS BIGINT)`,
});


/** has_any_index(source, values) (has-any-index-function.md): index of the first element of `values` that `source` has (as a term), else -1. */
STRING_FUNCTIONS.push(fn('has_any_index', [anyScalar, isDynamic], 0, 'long', (a) => {
  const hits = `list_transform(${elems(a[1]!.sql)}, _e -> ${stringMatchSql('has', false, str(a[0]!), { sql: elemStr('_e'), type: 'string' })})`;
  return `coalesce(CAST(list_position(${hits}, TRUE) - 1 AS BIGINT), CAST(-1 AS BIGINT))`;
}, 'a string and a dynamic array'));
