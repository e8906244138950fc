/** dynamic.ts — property bags, arrays and access paths into dynamic values. */
import { type ScalarFunction, type SqlArg } from '../bound.js';
import { jsonPointer, sqlString } from '../sql.js';
import { toDynamicSql, toStringSql } from '../sqlexpr.js';
import { isIntegral, isNumeric, type KqlType } from '../types.js';
import {
  fail, as, str, anyScalar, fn, isDynamic, intLike, constString, constArray, elems, fromElems, letSql, asJson, jsonText, elemNum, elemStr,
} from './define.js';
import { TICKS_DAY } from './datetime.js';
import { expressionResultName } from './result-names.js';

/** range()'s default step for datetimes and timespans: 1h (range-function.md). */
const TICKS_HOUR = TICKS_DAY / 24;

// ───────────── dynamic: bags and arrays ─────────────

export const asMap = (d: string) => `(CASE WHEN json_type(${d}) = 'OBJECT' THEN CAST(${d} AS MAP(VARCHAR, JSON)) END)`;
export const mapToJson = (m: string) => `CAST(to_json(${m}) AS JSON)`;

const bagPack = (name: string): ScalarFunction => ({
  name, minArgs: 0, maxArgs: 128,
  bind(args) {
    if (args.length % 2 !== 0) fail(`${name}(): expects key/value pairs`);
    return 'dynamic';
  },
  emit(a) {
    if (a.length === 0) return `CAST('{}' AS JSON)`;
    const items: string[] = [];
    for (let i = 0; i < a.length; i += 2) items.push(str(a[i]!), asJson(a[i + 1]!));
    return `CAST(json_object(${items.join(', ')}) AS JSON)`;
  },
});

/** array_slice(arr, start, end): end inclusive, negative indexes count from the end. */
function sliceSql(l: string, s: string, e: string): string {
  const n = `len(${l})`;
  const ns = `greatest(CASE WHEN ${s} < 0 THEN ${n} + ${s} ELSE ${s} END, 0)`;
  const ne = `least(CASE WHEN ${e} < 0 THEN ${n} + ${e} ELSE ${e} END, ${n} - 1)`;
  return `list_slice(${l}, ${ns} + 1, ${ne} + 1)`;
}
/**
 * array_sort_asc/desc(array1 [, …, arrayN] [, nulls_last]): array1 sorted; with several arrays, each
 * of the others reordered as array1 was (null where its length differs from array1's), one output
 * column per array (the argument's result name + `_sorted`, else `array1_sorted` …), or as an expression the
 * dynamic array of the sorted arrays (`array_sort_asc(a, b)[1]`).
 */
function arraySort(name: string, desc: boolean): ScalarFunction {
  const arrayCount = (args: { type: KqlType }[]) => (args.length > 1 && args[args.length - 1]!.type === 'bool' ? args.length - 1 : args.length);
  return {
    name, minArgs: 1, maxArgs: 64,
    bind(args) {
      const n = arrayCount(args);
      for (let i = 0; i < n; i++) if (args[i]!.type !== 'dynamic') fail(`${name}(): expects dynamic arrays${i > 0 ? ' and, last, a bool nulls_last' : ''}`, i);
      return 'dynamic';
    },
    callOutputs(args) {
      const n = arrayCount(args);
      if (n < 2) return undefined;
      return args.slice(0, n).map((a, i) => ({ key: i, type: 'dynamic' as const, name: `${expressionResultName(a) || `array${i + 1}`}_sorted` }));
    },
    emit(a) {
      const n = arrayCount(a);
      const nullsLast = n < a.length ? as(a[n]!, 'bool') : 'TRUE';
      // ascending on z (false first): nulls-last ⇒ z = is null; for desc the order of z flips
      const zExpr = (e: string) => `(CASE WHEN ${nullsLast} THEN ${desc ? `(${e} <> 'null')` : `(${e} = 'null')`} ELSE ${desc ? `(${e} = 'null')` : `(${e} <> 'null')`} END)`;
      const key = (e: string) => `{'z': ${zExpr(e)}, 'c': ${desc ? '-' : ''}(CASE WHEN json_type(${e}) IN ('BIGINT','UBIGINT','DOUBLE','HUGEINT') THEN 0 WHEN json_type(${e}) = 'VARCHAR' THEN 1 ELSE 2 END), 'n': TRY_CAST(${e} AS DOUBLE), 's': ${elemStr(e)}, 'e': ${e}`;
      if (n === 1) return fromElems(`list_transform(list_sort(list_transform(${elems(a[0]!.sql)}, _e -> ${key('_e')}}), '${desc ? 'DESC' : 'ASC'}', 'NULLS LAST'), _k -> _k.e)`);
      // sort array1's elements with their positions (a stable order: ties keep their order), then pick every array's element at those positions
      const order = `list_transform(list_sort(list_transform(${elems(a[0]!.sql)}, (_e, _i) -> ${key('_e')}, 'i': ${desc ? '-' : ''}_i}), '${desc ? 'DESC' : 'ASC'}', 'NULLS LAST'), _k -> ${desc ? '-' : ''}_k.i)`;
      const arrays = a.slice(0, n).map((x) => {
        const l = elems(x.sql);
        return `(CASE WHEN len(${l}) = len(_o) THEN ${fromElems(`list_transform(_o, _p -> (${l})[_p])`)} END)`;
      });
      return letSql(order, '_o', `CAST(to_json([${arrays.join(', ')}]) AS JSON)`);
    },
  };
}

/** Distinct preserving first occurrence. */
const distinctSql = (l: string) => letSql(l, '_dl', `list_filter(_dl, (_x, _i) -> list_position(_dl, _x) = _i)`);

function setFn(name: string, body: (lists: string[]) => string): ScalarFunction {
  return {
    name, minArgs: 2, maxArgs: 64,
    bind(args) {
      args.forEach((x, i) => { if (x.type !== 'dynamic') fail(`${name}(): expects dynamic arrays`, i); });
      return 'dynamic';
    },
    emit: (a) => {
      const lists = a.map((x) => elems(x.sql));
      return `(CASE WHEN ${a.map((x) => `json_type(${x.sql}) = 'ARRAY'`).join(' AND ')} THEN ${fromElems(body(lists))} END)`;
    },
  };
}

/** array_index_of(arr, value[, start[, length[, occurrence]]]). */
const arrayIndexOf: ScalarFunction = fn('array_index_of', [isDynamic, anyScalar, intLike, intLike, intLike], 3, 'long', (a) => {
  const l = elems(a[0]!.sql);
  const v = jsonText(a[1]!);
  if (a.length === 2) return `(CASE WHEN json_type(${a[0]!.sql}) = 'ARRAY' THEN coalesce(CAST(list_position(${l}, ${v}) - 1 AS BIGINT), -1) END)`;
  const st = as(a[2]!, 'long');
  const len = a[3] ? as(a[3], 'long') : 'CAST(-1 AS BIGINT)';
  const occ = a[4] ? as(a[4], 'long') : 'CAST(1 AS BIGINT)';
  const start = `(CASE WHEN ${st} < 0 THEN greatest(len(${l}) + ${st}, 0) ELSE ${st} END)`;
  const positions = `list_filter(range(len(${l})), _q -> (${l})[_q + 1] = ${v})`;
  const step = `(CASE WHEN _acc = 0 THEN 0 ELSE coalesce(list_min(list_filter(${positions}, _q -> _q >= _acc - 1 AND (${len} = -1 OR _q < _acc - 1 + ${len}))) + 2, 0) END)`;
  return `(CASE WHEN json_type(${a[0]!.sql}) <> 'ARRAY' OR ${len} < -1 OR ${occ} <= 0 THEN NULL ELSE CAST(greatest(list_reduce(list_concat([${start} + 1], range(${occ})), (_acc, _k) -> ${step}) - 2, -1) AS BIGINT) END)`;
}, 'dynamic');

function rotate(l: string, k: string): string {
  // left rotation by k (mod length)
  return letSql(l, '_rl', `(CASE WHEN len(_rl) = 0 THEN _rl ELSE list_concat(list_slice(_rl, ((${k}) % len(_rl) + len(_rl)) % len(_rl) + 1, len(_rl)), list_slice(_rl, 1, ((${k}) % len(_rl) + len(_rl)) % len(_rl))) END)`);
}
function shift(l: string, k: string, fill: string): string {
  // shift left by k (negative: right), filling with `fill`
  return letSql(l, '_sl', `list_transform(range(len(_sl)), _i -> CASE WHEN _i + (${k}) >= 0 AND _i + (${k}) < len(_sl) THEN _sl[_i + (${k}) + 1] ELSE ${fill} END)`);
}

/** range(start, stop[, step]) as an array (numbers, or datetimes/timespans with a timespan step). */
const rangeFn: ScalarFunction = {
  name: 'range', minArgs: 2, maxArgs: 3,
  bind(args) {
    const t = args[0]!.type;
    if (!isNumeric(t) && t !== 'datetime' && t !== 'timespan') fail('range(): start must be numeric, datetime or timespan', 0);
    return 'dynamic';
  },
  emit(a) {
    const t = a[0]!.type;
    const count = (span: string, step: string) => `least(greatest(CAST(floor((${span}) / (${step})) AS BIGINT) + 1, 0), 1048576)`;
    if (t === 'datetime') {
      const step = a[2] ? as(a[2], 'timespan') : `CAST(${TICKS_HOUR} AS BIGINT)`;
      const span = `CAST(${as(a[1]!, 'datetime')} - ${a[0]!.sql} AS DOUBLE)`;
      const item = `CAST(to_json(${toStringSql(`(${a[0]!.sql} + _i * ${step})`, 'datetime')}) AS VARCHAR)`;
      return `(CASE WHEN ${step} <> 0 THEN ${fromElems(`list_transform(range(${count(span, step)}), _i -> ${item})`)} END)`;
    }
    if (t === 'timespan') {
      const step = a[2] ? as(a[2], 'timespan') : `CAST(${TICKS_HOUR} AS BIGINT)`;
      const span = `(CAST(${as(a[1]!, 'timespan')} AS DOUBLE) - ${a[0]!.sql})`;
      const item = `CAST(to_json(${toStringSql(`(${a[0]!.sql} + _i * ${step})`, 'timespan')}) AS VARCHAR)`;
      return `(CASE WHEN ${step} <> 0 THEN ${fromElems(`list_transform(range(${count(span, step)}), _i -> ${item})`)} END)`;
    }
    const integral = isIntegral(t) && isIntegral(a[1]!.type) && (!a[2] || isIntegral(a[2].type));
    const step = a[2] ? as(a[2], 'real') : '1.0';
    const span = `(${as(a[1]!, 'real')} - ${as(a[0]!, 'real')})`;
    const item = integral ? `CAST(${as(a[0]!, 'long')} + _i * ${as(a[2] ?? { sql: '1', type: 'long' }, 'long')} AS VARCHAR)` : `CAST(to_json(${as(a[0]!, 'real')} + _i * ${step}) AS VARCHAR)`;
    return `(CASE WHEN ${step} <> 0 THEN ${fromElems(`list_transform(range(${count(span, step)}), _i -> ${item})`)} END)`;
  },
};

/** treepath(bag): ["['a']", "['a']['b']", "['arr'][0]", …] — arrays contribute their first element's shape. */
const treepath: ScalarFunction = fn('treepath', [isDynamic], 0, 'dynamic', (a) =>
  `(SELECT CAST(to_json(coalesce(list(DISTINCT p ORDER BY p), [])) AS JSON) FROM (SELECT regexp_replace(regexp_replace(regexp_replace(fullkey, '\\[[0-9]+\\]', '[0]', 'g'), '\\.([^.\\[]+)', '[''\\1'']', 'g'), '^\\$', '') AS p FROM json_tree(${a[0]!.sql}) WHERE fullkey <> '$' AND json_type(${a[0]!.sql}) = 'OBJECT' AND (regexp_matches(fullkey, '\\[0\\]$') OR NOT regexp_matches(fullkey, '\\[[0-9]+\\]$'))) AS tp)`, 'dynamic');

export const DYNAMIC_FUNCTIONS: ScalarFunction[] = [
  fn('bag_has_key', [isDynamic, anyScalar], 0, 'bool', (a) => {
    const k = constString(a[1]);
    if (k !== undefined && k.startsWith('$')) return `coalesce(json_type(${a[0]!.sql}) = 'OBJECT' AND json_exists(${a[0]!.sql}, ${sqlString(k)}), FALSE)`;
    return `coalesce(json_type(${a[0]!.sql}) = 'OBJECT' AND list_contains(json_keys(${a[0]!.sql}), ${str(a[1]!)}), FALSE)`;
  }, 'dynamic'),
  fn('array_length', [(t) => t === 'dynamic'], 0, 'long', (a) => `(CASE WHEN json_type(${a[0]!.sql}) = 'ARRAY' THEN CAST(json_array_length(${a[0]!.sql}) AS BIGINT) END)`, 'dynamic'),
  fn('bag_keys', [(t) => t === 'dynamic'], 0, 'dynamic', (a) => `(CASE WHEN json_type(${a[0]!.sql}) = 'OBJECT' THEN to_json(json_keys(${a[0]!.sql})) END)`, 'dynamic'),
  { ...fn('pack_array', [], 0, 'dynamic', () => ''), minArgs: 1, maxArgs: 64, bind: () => 'dynamic', emit: (a) => `CAST(json_array(${a.map((x) => toDynamicSql(x.sql, x.type, false)).join(', ')}) AS JSON)` },
  bagPack('bag_pack'),
  bagPack('pack'),
  bagPack('pack_dictionary'),
  fn('bag_merge', [isDynamic, isDynamic], 0, 'dynamic', () => ''),
  // a constant JSONPath key ('$.a.b') reaches into nested bags: computed in the runtime (runtime/bag-paths.ts)
  fn('bag_remove_keys', [isDynamic, isDynamic], 0, 'dynamic', (a) => constArray(a[1])?.some((k) => typeof k === 'string' && k.startsWith('$'))
    ? `CAST(kql_bag_remove_keys(CAST(${a[0]!.sql} AS VARCHAR), CAST(${a[1]!.sql} AS VARCHAR)) AS JSON)` :
    letSql(asMap(a[0]!.sql), '_m', `CASE WHEN _m IS NULL THEN NULL ELSE ${mapToJson(`map_from_entries(list_filter(map_entries(_m), _kv -> NOT coalesce(list_contains(list_transform(${elems(a[1]!.sql)}, _e -> ${elemStr('_e')}), _kv.key), FALSE)))`)} END`), 'dynamic'),
  fn('bag_set_key', [isDynamic, anyScalar, anyScalar], 0, 'dynamic', (a) => constString(a[1])?.startsWith('$')
    ? `CAST(kql_bag_set_key(CAST(${a[0]!.sql} AS VARCHAR), ${str(a[1]!)}, ${jsonText(a[2]!)}) AS JSON)` :
    letSql(asMap(a[0]!.sql), '_m', `CASE WHEN _m IS NULL THEN NULL ELSE ${mapToJson(`map_concat(_m, MAP([${str(a[1]!)}], [${asJson(a[2]!)}]))`)} END`), 'dynamic'),
  fn('bag_zip', [isDynamic, isDynamic], 0, 'dynamic', (a) =>
    `CAST('{' || array_to_string(list_transform(list_filter(range(len(${elems(a[0]!.sql)})), _i -> json_type((${elems(a[0]!.sql)})[_i + 1]) = 'VARCHAR'), _i -> (${elems(a[0]!.sql)})[_i + 1] || ':' || coalesce((${elems(a[1]!.sql)})[_i + 1], 'null')), ',') || '}' AS JSON)`, 'dynamic'),
  fn('array_concat', [isDynamic], 0, 'dynamic', () => ''),
  fn('array_slice', [isDynamic, intLike, intLike], 0, 'dynamic', (a) =>
    `(CASE WHEN json_type(${a[0]!.sql}) = 'ARRAY' THEN ${fromElems(sliceSql(elems(a[0]!.sql), as(a[1]!, 'long'), as(a[2]!, 'long')))} END)`, 'dynamic'),
  arrayIndexOf,
  fn('array_reverse', [isDynamic], 0, 'dynamic', (a) => fromElems(`list_reverse(${elems(a[0]!.sql)})`), 'dynamic'),
  arraySort('array_sort_asc', false),
  arraySort('array_sort_desc', true),
  fn('array_sum', [isDynamic], 0, 'real', (a) => `CAST(list_sum(list_transform(${elems(a[0]!.sql)}, _e -> ${elemNum('_e')})) AS DOUBLE)`, 'dynamic'),
  fn('array_iff', [isDynamic, anyScalar, anyScalar], 0, 'dynamic', (a) => {
    const c = elems(a[0]!.sql);
    const pick = (x: SqlArg) => (x.type === 'dynamic' ? `CASE WHEN json_type(${x.sql}) = 'ARRAY' THEN coalesce((${elems(x.sql)})[_i + 1], 'null') ELSE ${jsonText(x)} END` : jsonText(x));
    return `(CASE WHEN json_type(${a[0]!.sql}) = 'ARRAY' THEN ${fromElems(`list_transform(range(len(${c})), _i -> CASE (${c})[_i + 1] WHEN 'true' THEN ${pick(a[1]!)} WHEN 'false' THEN ${pick(a[2]!)} ELSE (CASE WHEN TRY_CAST((${c})[_i + 1] AS DOUBLE) IS NULL THEN 'null' WHEN TRY_CAST((${c})[_i + 1] AS DOUBLE) <> 0 THEN ${pick(a[1]!)} ELSE ${pick(a[2]!)} END) END)`)} END)`;
  }, 'dynamic'),
  fn('array_rotate_left', [isDynamic, intLike], 0, 'dynamic', (a) => fromElems(rotate(elems(a[0]!.sql), as(a[1]!, 'long'))), 'dynamic'),
  fn('array_rotate_right', [isDynamic, intLike], 0, 'dynamic', (a) => fromElems(rotate(elems(a[0]!.sql), `-(${as(a[1]!, 'long')})`)), 'dynamic'),
  fn('array_shift_left', [isDynamic, intLike, anyScalar], 1, 'dynamic', (a) => fromElems(shift(elems(a[0]!.sql), as(a[1]!, 'long'), a[2] ? jsonText(a[2]) : "'null'")), 'dynamic'),
  fn('array_shift_right', [isDynamic, intLike, anyScalar], 1, 'dynamic', (a) => fromElems(shift(elems(a[0]!.sql), `-(${as(a[1]!, 'long')})`, a[2] ? jsonText(a[2]) : "'null'")), 'dynamic'),
  fn('array_split', [isDynamic, anyScalar], 0, 'dynamic', (a) => {
    const l = elems(a[0]!.sql);
    const idx = a[1]!.type === 'dynamic' ? `list_transform(${elems(a[1]!.sql)}, _e -> TRY_CAST(_e AS BIGINT))` : `[${as(a[1]!, 'long')}]`;
    const norm = `list_sort(list_transform(${idx}, _j -> least(greatest(CASE WHEN _j < 0 THEN len(_l) + _j ELSE _j END, 0), len(_l))))`;
    const body = letSql(`list_concat([0], ${norm}, [len(_l)])`, '_b', `list_transform(range(len(_b) - 1), _k -> '[' || array_to_string(list_slice(_l, _b[_k + 1] + 1, _b[_k + 2]), ',') || ']')`);
    return `(CASE WHEN json_type(${a[0]!.sql}) = 'ARRAY' THEN ${fromElems(letSql(l, '_l', body))} END)`;
  }, 'dynamic'),
  setFn('set_union', (ls) => distinctSql(`list_concat(${ls.join(', ')})`)),
  setFn('set_intersect', (ls) => distinctSql(`list_filter(${ls[0]}, _x -> ${ls.slice(1).map((l) => `list_contains(${l}, _x)`).join(' AND ')})`)),
  setFn('set_difference', (ls) => distinctSql(`list_filter(${ls[0]}, _x -> NOT (${ls.slice(1).map((l) => `list_contains(${l}, _x)`).join(' OR ')}))`)),
  fn('set_has_element', [isDynamic, anyScalar], 0, 'bool', (a) => `(CASE WHEN json_type(${a[0]!.sql}) = 'ARRAY' THEN list_contains(${elems(a[0]!.sql)}, ${jsonText(a[1]!)}) END)`, 'dynamic'),
  fn('jaccard_index', [isDynamic, isDynamic], 0, 'real', (a) => {
    const x = distinctSql(elems(a[0]!.sql)), y = distinctSql(elems(a[1]!.sql));
    return letSql(x, '_jx', letSql(y, '_jy', `CAST(len(list_filter(_jx, _v -> list_contains(_jy, _v))) AS DOUBLE) / len(list_distinct(list_concat(_jx, _jy)))`));
  }, 'dynamic'),
  fn('repeat', [anyScalar, intLike], 0, 'dynamic', (a) =>
    `(CASE WHEN ${as(a[1]!, 'long')} IS NULL THEN NULL ELSE ${fromElems(`list_transform(range(least(greatest(${as(a[1]!, 'long')}, 0), 1048576)), _x -> ${jsonText(a[0]!)})`)} END)`),
  rangeFn,
  treepath,
];
// variadic ones
function replaceEntry(list: ScalarFunction[], f: ScalarFunction): void {
  list.splice(list.findIndex((x) => x.name === f.name), 1, f);
}
replaceEntry(DYNAMIC_FUNCTIONS, {
  name: 'bag_merge', minArgs: 2, maxArgs: 64,
  bind(args) {
    args.forEach((x, i) => { if (x.type !== 'dynamic') fail('bag_merge(): expects dynamic property bags', i); });
    return 'dynamic';
  },
  // the leftmost bag wins (and keys keep their first position): add only keys not seen yet
  emit: (a) => mapToJson(`list_reduce([${a.map((x) => `coalesce(${asMap(x.sql)}, CAST(MAP() AS MAP(VARCHAR, JSON)))`).join(', ')}], (_acc, _m) -> map_concat(_acc, map_from_entries(list_filter(map_entries(_m), _kv -> NOT list_contains(map_keys(_acc), _kv.key)))))`),
});
replaceEntry(DYNAMIC_FUNCTIONS, {
  name: 'array_concat', minArgs: 1, maxArgs: 64,
  bind(args) {
    args.forEach((x, i) => { if (x.type !== 'dynamic') fail('array_concat(): expects dynamic arrays', i); });
    return 'dynamic';
  },
  emit: (a) => `(CASE WHEN ${a.map((x) => `json_type(${x.sql}) = 'ARRAY'`).join(' AND ')} THEN ${fromElems(`list_concat(${a.map((x) => elems(x.sql)).join(', ')})`)} END)`,
});
DYNAMIC_FUNCTIONS.push({
  name: 'zip', minArgs: 2, maxArgs: 64,
  bind(args) {
    args.forEach((x, i) => { if (x.type !== 'dynamic') fail('zip(): expects dynamic arrays', i); });
    return 'dynamic';
  },
  emit(a) {
    const ls = a.map((x) => elems(x.sql));
    const n = `greatest(${ls.map((l) => `coalesce(len(${l}), 0)`).join(', ')})`;
    return fromElems(`list_transform(range(${n}), _i -> '[' || ${ls.map((l) => `coalesce((${l})[_i + 1], 'null')`).join(` || ',' || `)} || ']')`);
  },
});

// ───────────── dynamic access ─────────────

/**
 * SQL for target.a.b[0]["c"]: constant steps are grouped into one JSON pointer;
 * computed keys/indexes are applied one at a time.  Negative indexes count from the end.
 */
export function pathSql(target: string, steps: (string | number | SqlArg)[]): string {
  let sql = target;
  let group: (string | number)[] = [];
  const flush = () => {
    if (group.length) sql = `json_extract(${sql}, ${jsonPointer(group)})`;
    group = [];
  };
  for (const s of steps) {
    if (typeof s === 'string' || (typeof s === 'number' && s >= 0)) {
      group.push(s);
      continue;
    }
    flush();
    if (typeof s === 'number') {
      sql = `json_extract(${sql}, ${sqlString(`$[#${s}]`)})`;
    } else if (s.type === 'string') {
      sql = `json_extract(${sql}, '/' || replace(replace(${s.sql}, '~', '~0'), '/', '~1'))`;
    } else {
      const i = as(s, 'long');
      sql = `json_extract(${sql}, CASE WHEN ${i} < 0 THEN '$[#' || CAST(${i} AS VARCHAR) || ']' ELSE '$[' || CAST(${i} AS VARCHAR) || ']' END)`;
    }
  }
  flush();
  return sql;
}

/**
 * json_extract_string(target, pointer) for target.a.b[0] when every step is a constant key or a
 * non-negative index: the scalar text of the property in one call (the same value as
 * json_extract_string(pathSql(…), '$'), without materializing the intermediate JSON).
 */
export function pathScalarText(target: string, steps: (string | number | SqlArg)[]): string | undefined {
  if (steps.length === 0 || !steps.every((s) => typeof s === 'string' || (typeof s === 'number' && s >= 0))) return undefined;
  return `json_extract_string(${target}, ${jsonPointer(steps as (string | number)[])})`;
}

// ───────────── computed by the KQL runtime (src/kql/runtime/documents.ts) ─────────────

DYNAMIC_FUNCTIONS.push(
  // parse_xml(xml): Json.NET's conversion (parse-xml-function.md); invalid XML → null
  fn('parse_xml', [anyScalar], 0, 'dynamic', (a) => `CAST(kql_parse_xml(${str(a[0]!)}) AS JSON)`),
  // dynamic_to_json(x): canonical text, property names sorted; other types as tostring()
  fn('dynamic_to_json', [anyScalar], 0, 'string', (a) => (a[0]!.type === 'dynamic' ? `coalesce(kql_dynamic_to_json(CAST(${a[0]!.sql} AS VARCHAR)), '')` : str(a[0]!))),
);
