/**
 * Result types against the docs (issue #12): for every function of Vigil's catalogue that has a page
 * in Microsoft's KQL reference (../shared/reference/kql-docs/query/<name>-function.md or
 * <name>-aggregation-function.md), the types its "Returns" section states are read from the text,
 * and the compiler is asked the result type of a call for each representative argument type
 * (int, long, real, decimal, datetime, timespan, string, dynamic, bool — the first argument; the others
 * the first combination the function accepts). Every type the compiler gives must be one the docs state.
 *
 * Where a Returns section names types of its inputs rather than of its result ("the length of the
 * input string"), READS_AS below says which type the docs mean, and why; a page that names no type is
 * counted as unstated (its types are pinned by cases-types.ts where Kusto's is known).
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { compile, type KqlType, type TableResolver } from '../../src/kql/index.js';
import { AGGREGATE_FUNCTIONS, SCALAR_FUNCTIONS } from '../../src/kql/functions/index.js';

const DOCS = fileURLToPath(new URL('../../../../shared/reference/kql-docs/query/', import.meta.url));
const NO_TABLES: TableResolver = { resolveTable: () => undefined };

/** A value of each representative type, as KQL source. */
const FIRST: Record<string, string> = {
  int: 'toint(3)', long: 'tolong(3)', real: '2.5', decimal: 'todecimal(2.5)', datetime: 'datetime(2024-01-01)',
  timespan: '1h', string: '"a"', dynamic: 'dynamic([1])', bool: 'true',
};
/** Values tried for the other arguments, in this order. */
const REST = ['"a"', 'tolong(3)', '1h', 'dynamic([1])', '2.5', 'true', 'datetime(2024-01-01)'];

/** Type words of a Returns section, and the KQL types they name ('integer' is int or long). */
const TYPE_WORDS: [RegExp, KqlType[]][] = [
  [/\bint\b|\bint32\b/i, ['int']],
  [/\blong\b|\bint64\b/i, ['long']],
  [/\binteger\b/i, ['int', 'long']],
  [/\breal\b|\bdouble\b|floating/i, ['real']],
  [/\bdecimal\b/i, ['decimal']],
  [/\bstring\b/i, ['string']],
  [/\bbool(ean)?\b|`true`|`false`|^Indicates whether/i, ['bool']],
  [/\bdatetime\b/i, ['datetime']],
  [/\btimespan\b/i, ['timespan']],
  [/\bdynamic\b|\barray\b|property bag|\bjson\b/i, ['dynamic']],
  [/\bguid\b/i, ['guid']],
];

/**
 * Pages whose Returns section names the types of inputs (or of a table's columns) rather than the
 * result's: the types the docs mean, read from the rest of the page.
 */
const READS_AS: Record<string, { types: KqlType[]; why: string }> = {
  array_index_of: { types: ['long'], why: '"zero-based index position … -1 if not found": an index; "array" is the input' },
  array_length: { types: ['long'], why: '"the number of elements in array": a count' },
  countof: { types: ['long'], why: '"the number of times …": a count; "string" is the input' },
  indexof: { types: ['long'], why: '"the zero-based index position": "string" is the input' },
  indexof_regex: { types: ['long'], why: '"the zero-based index position": "string" is the input' },
  has_any_index: { types: ['long'], why: '"zero-based index position": "string"/"array" are the inputs' },
  strlen: { types: ['long'], why: '"the length, in characters, of the input string"' },
  string_size: { types: ['long'], why: '"the length, in bytes, of the input string"' },
  coalesce: { types: ['int', 'long', 'real', 'decimal', 'datetime', 'timespan', 'string', 'dynamic', 'bool', 'guid'], why: '"the value of the first arg …": the arguments\' type' },
  isnull: { types: ['bool'], why: '"Returns `true` if the value is null": "arrays, property bags" are inputs' },
  set_has_element: { types: ['bool'], why: '"`true` or `false` depending on if the value exists in the array"' },
  ipv4_compare: { types: ['long'], why: '"0 / 1 / -1 … the long representation of the first IPv4 string" names no result type; Kusto.Language\'s Functions.cs declares long (schema-oracle.ts)' },
  ipv6_compare: { types: ['long'], why: 'as ipv4_compare' },
  ipv4_is_in_range: { types: ['bool'], why: '"true / false / null": "long"/"string" describe the inputs' },
  ipv4_is_match: { types: ['bool'], why: 'as ipv4_is_in_range' },
  ipv6_is_in_range: { types: ['bool'], why: 'as ipv4_is_in_range' },
  ipv6_is_match: { types: ['bool'], why: 'as ipv4_is_in_range' },
  ipv4_is_private: { types: ['bool'], why: '"true / false / null": "string" is the input' },
  ipv4_netmask_suffix: { types: ['long'], why: '"the value of the netmask suffix … 32" names no result type; Kusto.Language\'s Functions.cs declares long' },
  ceiling: { types: ['long', 'real'], why: '"the smallest integer …": an integral value, long for integers and real for reals' },
  round: { types: ['long', 'real', 'decimal'], why: '"the rounded number": the argument\'s kind (integers long, as Kusto\'s arithmetic)' },
  percentiles: { types: ['long', 'real', 'decimal', 'datetime', 'timespan'], why: '"a table … each in a separate column": one column per percentile, of the argument\'s type (int promoted to long)' },
  percentilesw: { types: ['long', 'real', 'decimal', 'datetime', 'timespan'], why: 'as percentiles' },
  series_fft: { types: ['dynamic'], why: '"two series": arrays; "real" names a component' },
  series_ifft: { types: ['dynamic'], why: 'as series_fft' },
  series_fill_linear: { types: ['dynamic'], why: '"a series": an array; "int"/"long" are its elements' },
  series_decompose: { types: ['dynamic'], why: '"the following respective series": arrays; "int"/"long" speak of elements' },
  series_fit_poly: { types: ['real', 'dynamic'], why: '"the following columns": rsquare, coefficients … (the first, rsquare, is a real)' },
  series_stats: { types: ['real', 'long', 'dynamic'], why: '"a column for each of the statistics": min/max/avg … real, min_idx/max_idx long' },
};

/** The Returns section of a docs page (up to the next heading), whitespace collapsed. */
function returnsOf(text: string): string | undefined {
  const m = /^#{2,3} Returns?\s*$/m.exec(text);
  if (!m) return undefined;
  const rest = text.slice(m.index + m[0].length);
  const end = rest.search(/^#{2,3} /m);
  return (end < 0 ? rest : rest.slice(0, end)).replace(/\s+/g, ' ').trim();
}

function statedTypes(returns: string): KqlType[] {
  // "where predicate evaluates to `true`" speaks of an argument, not of the result
  const text = returns.replace(/evaluates? to `true`/gi, '');
  return [...new Set(TYPE_WORDS.filter(([re]) => re.test(text)).flatMap(([, t]) => t))];
}

function resultType(query: string): KqlType | undefined {
  try {
    return compile(query, NO_TABLES, { now: new Date(0) }).columns[0]!.type;
  } catch {
    return undefined;
  }
}

function* restArgs(n: number): Generator<string[]> {
  if (n <= 0) { yield []; return; }
  for (const r of REST) for (const more of restArgs(n - 1)) yield [r, ...more];
}

/** Result type of f per representative first-argument type (only the types f accepts). */
function observedTypes(name: string): Map<string, KqlType> {
  const out = new Map<string, KqlType>();
  const scalar = SCALAR_FUNCTIONS.get(name);
  const agg = AGGREGATE_FUNCTIONS.get(name);
  const fn = scalar ?? agg!;
  if (scalar && fn.minArgs === 0) {
    const t = resultType(`print x = ${name}()`);
    if (t) out.set('()', t);
  }
  for (const [argType, value] of Object.entries(FIRST)) {
    for (const rest of restArgs(Math.min(fn.minArgs - 1, scalar ? 3 : 2))) {
      const t = scalar
        ? resultType(`print x = ${name}(${[value, ...rest].join(', ')})`)
        : resultType(`print X = ${value} | summarize x = ${name}(${['X', ...rest].join(', ')})`);
      if (t) { out.set(argType, t); break; }
    }
  }
  return out;
}

describe('function result types against the docs\' Returns sections', () => {
  const present = existsSync(DOCS);
  it('every documented result type is the one the compiler gives', { skip: !present && 'no ../shared/reference/kql-docs' }, () => {
    const pages = readdirSync(DOCS).filter((f) => f.endsWith('-function.md'));
    const mismatches: string[] = [];
    let checked = 0, unstated = 0, calls = 0, unprobed = 0;
    for (const file of pages) {
      const name = file.replace(/-aggregation-function\.md$|-function\.md$/, '').replace(/-/g, '_');
      if (!SCALAR_FUNCTIONS.has(name) && !AGGREGATE_FUNCTIONS.has(name)) continue;
      const returns = returnsOf(readFileSync(join(DOCS, file), 'utf8'));
      const expected = READS_AS[name]?.types ?? (returns ? statedTypes(returns) : []);
      if (expected.length === 0) { unstated++; continue; }
      const observed = observedTypes(name);
      // functions that take constants of their own (datetime_add's part, cursor_after's cursor …) are pinned by cases-types.ts
      if (observed.size === 0) { unprobed++; continue; }
      checked++;
      for (const [argType, t] of observed) {
        calls++;
        if (!expected.includes(t)) mismatches.push(`${name}(${argType}, …) → ${t}; ${file} states ${expected.join('/')}: "${(returns ?? '').slice(0, 120)}"`);
      }
    }
    // a floor, so that a docs folder the parser no longer reads cannot make this pass vacuously
    assert.ok(checked >= 150, `only ${checked} functions had a stated result type (${unstated} unstated)`);
    assert.ok(calls >= 600, `only ${calls} calls checked`);
    if (process.env.RESULT_TYPES_REPORT) console.log(`checked ${checked} functions (${calls} calls); ${unstated} pages state no type; ${unprobed} not probed`);
    assert.deepEqual(mismatches, []);
  });

  it('READS_AS names only catalogue functions that have a docs page', { skip: !present && 'no ../shared/reference/kql-docs' }, () => {
    for (const name of Object.keys(READS_AS)) {
      assert.ok(SCALAR_FUNCTIONS.has(name) || AGGREGATE_FUNCTIONS.has(name), `${name} is not in the catalogue`);
      const file = [`${name.replace(/_/g, '-')}-function.md`, `${name.replace(/_/g, '-')}-aggregation-function.md`].find((f) => existsSync(join(DOCS, f)));
      assert.ok(file, `${name} has no docs page`);
    }
  });
});
