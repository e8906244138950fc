/**
 * Strings that look like SQL (issue #11), shared by the injection cases (injection.test.ts), the
 * injection property test (injection-property.test.ts) and the fuzzers' mutator (mutator.ts).
 * Each is meant to be *data*: placed in any KQL literal it must come back unchanged.
 */

/** A SQL string expression without any quote character: chr(..)||chr(..)… */
export const sqlChr = (s: string): string => `(${[...s].map((c) => `chr(${c.codePointAt(0)})`).join('||')})`;

/** The canary every forbidden table in the test databases holds; it must never come back. */
export const SECRET = 'TOPSECRET-11c4';

/** SQL expressions (no single quote) that read what a query must never read, in the test database and the store. */
export const FORBIDDEN_SQL = [
  'SELECT string_agg(s, chr(44)) FROM Secret',
  'SELECT string_agg(CAST(x AS VARCHAR), chr(44)) FROM segmem.main.t_1 AS x',
  'SELECT string_agg(s, chr(44)) FROM temp.main.vigil_00000000000000000000000000000002_Secret_CL',
  'SELECT string_agg(name || chr(61) || value, chr(44)) FROM duckdb_settings()',
  `current_setting(${sqlChr('temp_directory')})`,
];

export const SQL_PAYLOADS: string[] = [
  // SQL keywords and statements
  'SELECT * FROM Secret',
  "x' OR '1'='1",
  "'; DROP TABLE Canary; --",
  '1; DELETE FROM Canary',
  'UNION ALL SELECT s FROM Secret',
  // aggregate calls (the pivot FILTER rewrite matched these inside literals)
  'count(z)',
  'sum(x)',
  'COUNT(*)',
  'avg(x) min(y) max(z) any_value(a) list(b) stddev_samp(c) var_samp(d) quantile_disc(e, 0.5)',
  'sum(x) FILTER (WHERE 1=1)',
  "count(z)' || (SELECT s FROM Secret) || '",
  ...FORBIDDEN_SQL.map((e) => ` || (${e}) || `),
  ...FORBIDDEN_SQL.map((e) => `count(z) ' || (${e}) || '`),
  // quotes of every kind
  "'",
  "''",
  '"',
  '`',
  "a'b\"c`d",
  '\'"`\'"`',
  // backslashes
  '\\',
  "\\'",
  '\\\\\'',
  '\\"',
  'C:\\temp\\x',
  // JavaScript replacement patterns (the countif `$'` class)
  "$'",
  '$&',
  '$`',
  '$$',
  '$1',
  "$' || chr(39) || $'",
  "$' || CAST((SELECT s FROM Secret) AS INTEGER) || $'",
  // chr() and string building without quotes
  'chr(39)',
  'chr(39) || chr(39)',
  // comments and statement separators
  '--',
  '-- comment',
  '/* c */',
  '/*',
  '*/',
  'x /* a */ y -- b',
  ';',
  ';;',
  // NUL and other control characters
  'a\0b',
  '\0',
  'tab\there',
  // Unicode look-alikes of the apostrophe and quote
  'ʼ',
  '＇',
  '’',
  "ʼ' ＇' ’' “\" ”\"",
  'U+02BC ʼ U+FF07 ＇ U+2019 ’ U+FF02 ＂',
  // identifiers, JSON and format-ish text
  '"vigil_x"',
  '{"a":1}',
  '[1,2]',
  '%_',
  '%27',
  '%00',
  'yyyy-MM-dd HH:mm:ss',
  '{0}',
  '',
  ' ',
];
