/**
 * sql.ts — the ONE place where text that came from a query (or from a caller)
 * is embedded into SQL.  Every identifier goes through `sqlIdent`, every string
 * literal through `sqlString`; LIKE patterns, regular expressions and JSON
 * pointers are built here too, so that an audit of "how can user text reach
 * DuckDB" only has to read this file.
 */
import { storageSqlType, type KqlType } from './types.js';

/** Replace lone UTF-16 surrogates (which cannot be encoded as UTF-8) with U+FFFD. */
function wellFormed(s: string): string {
  // String.prototype.toWellFormed is Node 20+, but keep a fallback for typings.
  const f = (s as unknown as { toWellFormed?: () => string }).toWellFormed;
  if (typeof f === 'function') return f.call(s);
  return s.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
}

/** Quote an identifier for DuckDB: "name" with embedded quotes doubled. NUL is not representable and is rejected. */
export function sqlIdent(name: string): string {
  if (name.includes('\0')) throw new Error('identifier contains a NUL character');
  return '"' + wellFormed(name).replace(/"/g, '""') + '"';
}

/**
 * A DuckDB string literal.  DuckDB uses standard SQL strings: backslash is an
 * ordinary character, a quote is escaped by doubling it.  NUL characters are
 * spliced in with chr(0) because they cannot appear inside a literal.
 */
export function sqlString(s: string): string {
  const w = wellFormed(s);
  if (!w.includes('\0')) return "'" + w.replace(/'/g, "''") + "'";
  return '(' + w.split('\0').map((p) => "'" + p.replace(/'/g, "''") + "'").join(' || chr(0) || ') + ')';
}

/** Escape text for use inside a LIKE/ILIKE pattern whose ESCAPE character is backslash. */
export function likeEscape(s: string): string {
  return s.replace(/[\\%_]/g, (c) => '\\' + c);
}

/** A LIKE pattern literal: prefix/suffix are the raw wildcards ('%' or ''). Use with `ESCAPE '\\'`. */
export function sqlLikePattern(prefix: '%' | '', needle: string, suffix: '%' | ''): string {
  return sqlString(prefix + likeEscape(needle) + suffix);
}

// regular-expression escaping lives with the other regex helpers (regex.ts)
export { regexEscape, regexNegatedClass } from './regex.js';

/** A JSON pointer (RFC 6901) for DuckDB's json_extract: each step is a key or an array index. */
export function jsonPointer(steps: (string | number)[]): string {
  return sqlString(steps.map((s) => '/' + String(s).replace(/~/g, '~0').replace(/\//g, '~1')).join(''));
}

/**
 * A FROM-clause source with the given columns and no rows: what a table that exists but holds no
 * data (an Azure standard table nothing has written yet) resolves to; typed as stored columns are.
 */
export function emptyRelationSql(columns: readonly { name: string; type: KqlType }[]): string {
  const list = columns.map((c) => `CAST(NULL AS ${storageSqlType(c.type)}) AS ${sqlIdent(c.name)}`).join(', ');
  return `(SELECT ${list || 'NULL AS c0'} WHERE FALSE)`;
}
