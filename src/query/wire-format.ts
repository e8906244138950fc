/**
 * wire-format.ts — turns compiled query results into the values the Log
 * Analytics Query API sends ({tables:[{name, columns, rows}]}).
 *
 * wrapForWire() casts every column into a form that is cheap and lossless to
 * read from @duckdb/node-api's getRowsJS(); toWireRow() then formats values as
 * Kusto does:
 *   datetime → "2024-01-01T10:00:00.1234567Z" (ISO 8601 UTC, 7 fractional digits, from the ticks)
 *   timespan → "[-][d.]hh:mm:ss[.fffffff]"
 *   int/long → JSON number with every digit, as Kusto writes it: longs outside ±(2^53−1)
 *              are returned as bigint and written by wireRowWriter() as their exact digits
 *              (a JS client's JSON.parse rounds them; Python, .NET and Java keep them).
 *              `longAsString` sends them as decimal strings instead.
 *   real     → number; NaN/±Infinity → "NaN", "Infinity", "-Infinity"
 *   bool     → true/false;  guid, decimal → string;  dynamic → its JSON text as a string
 *   string   → string (never null: Kusto has no null strings);  other nulls → null
 */
import { sqlIdent } from '../kql/sql.js';
import type { ColumnSchema, KqlType } from '../kql/types.js';
import { formatDatetimeTicks, formatTimespanTicks, ticksFromUnixMicros } from '../kql/literals.js';

/**
 * The statement the query service runs for a compiled result table: its wire form (wrapForWire),
 * capped at one row past `maxRows` (so that a larger answer is seen to be truncated).
 */
export function wireStatement(compiledSql: string, columns: ColumnSchema[], maxRows: number): string {
  return `SELECT * FROM (${wrapForWire(compiledSql, columns)}) LIMIT ${maxRows + 1}`;
}

/** A SELECT over the compiled query that casts each column into its wire-friendly SQL form. */
export function wrapForWire(compiledSql: string, columns: ColumnSchema[]): string {
  if (columns.length === 0) return `SELECT * FROM (${compiledSql}) AS q`;
  const aliases = columns.map((_, i) => sqlIdent(`w${i}`));
  const used = new Set<string>();
  const select = columns.map((c, i) => {
    // DuckDB names are case-insensitive: keep output names distinct for SELECT * over this.
    let name = c.name;
    for (let k = 1; used.has(name.toLowerCase()); k++) name = `${c.name}_${k}`;
    used.add(name.toLowerCase());
    return `${wireCast(aliases[i]!, c.type)} AS ${sqlIdent(name)}`;
  });
  return `SELECT ${select.join(', ')} FROM (${compiledSql}) AS q(${aliases.join(', ')})`;
}

function wireCast(col: string, type: KqlType): string {
  switch (type) {
    case 'datetime':
      return `CAST(${col} AS BIGINT)`; // ticks since 0001-01-01 (src/kql/types.ts)
    case 'timespan':
    case 'long':
      return `CAST(${col} AS BIGINT)`;
    case 'int':
      return `CAST(${col} AS INTEGER)`;
    case 'real':
      return `CAST(${col} AS DOUBLE)`;
    case 'bool':
      return `CAST(${col} AS BOOLEAN)`;
    case 'string':
      return `coalesce(CAST(${col} AS VARCHAR), '')`;
    case 'decimal':
      // DECIMAL(38,18) prints 18 fractional digits; Kusto prints the shortest form
      return `rtrim(rtrim(CAST(${col} AS VARCHAR), '0'), '.')`;
    case 'guid':
      return `CAST(${col} AS VARCHAR)`;
    case 'dynamic':
      // a JSON null (e.g. a property whose value is null) is a null dynamic value
      return `(CASE WHEN json_type(${col}) = 'NULL' THEN NULL ELSE CAST(${col} AS VARCHAR) END)`;
  }
}

export interface WireOptions {
  /** Send longs as decimal strings (exact) instead of numbers. Default false. */
  longAsString?: boolean;
}

/** Converts one row as read by getRowsJS() from a wrapForWire() query into Kusto wire values. */
export function toWireRow(row: unknown[], columns: ColumnSchema[], options: WireOptions = {}): unknown[] {
  return columns.map((c, i) => toWireValue(row[i], c.type, options));
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

type CellWriter = (v: unknown) => string;

/**
 * The JSON text of result rows of these columns — exactly `stringifyRow(toWireRow(row, columns))` —
 * written cell by cell by a writer chosen per column type, without the intermediate wire row: the
 * serialisation of a large answer (a 2,016-row `bin()` summary) is mostly this loop. The appender
 * pushes the row's pieces (`[`, cells, commas, `]`) onto `out` and returns their length in UTF-16
 * units; a table's rows joined once (`out.join('')`) make one flat string, where a string per row
 * would be a rope the final join must walk.
 */
export function wireRowAppender(columns: ColumnSchema[], options: WireOptions = {}): (row: unknown[], out: string[]) => number {
  const cells = columns.map((c) => cellWriter(c.type, options));
  const n = cells.length;
  return (row, out) => {
    out.push('[');
    let length = 2;
    for (let i = 0; i < n; i++) {
      const cell = cells[i]!(row[i]);
      if (i > 0) out.push(',');
      out.push(cell);
      length += cell.length + (i > 0 ? 1 : 0);
    }
    out.push(']');
    return length;
  };
}

/** One row's JSON text (`wireRowAppender`'s pieces joined). */
export function wireRowWriter(columns: ColumnSchema[], options: WireOptions = {}): (row: unknown[]) => string {
  const append = wireRowAppender(columns, options);
  return (row) => {
    const out: string[] = [];
    append(row, out);
    return out.join('');
  };
}

/** The common values of a type take a short path; every other value goes through toWireValue. */
function cellWriter(type: KqlType, options: WireOptions): CellWriter {
  const general: CellWriter = (v) => {
    const w = toWireValue(v, type, options);
    return typeof w === 'bigint' ? w.toString() : (JSON.stringify(w) ?? 'null');
  };
  switch (type) {
    case 'datetime':
      // The formatted text has only digits, '-', ':', '.', 'T' and 'Z': nothing to escape.
      return (v) => (typeof v === 'bigint' ? `"${formatDatetimeTicks(v)}"` : general(v));
    case 'long':
    case 'int':
      if (options.longAsString) return general;
      // A bigint's digits are the JSON number, in range or not (beyond ±(2^53−1): every digit).
      return (v) => (typeof v === 'bigint' ? v.toString() : typeof v === 'number' && Number.isSafeInteger(v) ? String(v) : general(v));
    case 'real':
      // A finite number's JSON text is its String() (−0 included: "0"); NaN and ±Infinity become strings.
      return (v) => (typeof v === 'number' && Number.isFinite(v) ? String(v) : general(v));
    case 'bool':
      return (v) => (v === true ? 'true' : v === false ? 'false' : general(v));
    case 'string':
    case 'guid':
    case 'decimal':
    case 'dynamic':
      return (v) => (typeof v === 'string' ? JSON.stringify(v) : general(v));
    default:
      return general;
  }
}

function toBigInt(v: unknown): bigint | undefined {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number' && Number.isFinite(v)) return BigInt(Math.trunc(v));
  if (typeof v === 'string' && /^-?\d+$/.test(v)) return BigInt(v);
  return undefined;
}

export function toWireValue(v: unknown, type: KqlType, options: WireOptions = {}): unknown {
  if (v === null || v === undefined) return type === 'string' ? '' : null;
  switch (type) {
    case 'datetime': {
      if (v instanceof Date) return formatDatetimeTicks(ticksFromUnixMicros(BigInt(v.getTime()) * 1000n));
      const ticks = toBigInt(v);
      return ticks === undefined ? String(v) : formatDatetimeTicks(ticks);
    }
    case 'timespan': {
      const t = toBigInt(v);
      return t === undefined ? String(v) : formatTimespanTicks(t);
    }
    case 'long':
    case 'int': {
      const n = toBigInt(v);
      if (n === undefined) return null;
      if (options.longAsString) return n.toString();
      return n >= -MAX_SAFE && n <= MAX_SAFE ? Number(n) : n;
    }
    case 'real': {
      const n = typeof v === 'number' ? v : Number(v);
      if (Number.isNaN(n)) return 'NaN';
      if (n === Infinity) return 'Infinity';
      if (n === -Infinity) return '-Infinity';
      return n;
    }
    case 'bool':
      return typeof v === 'boolean' ? v : Boolean(v);
    case 'string':
    case 'guid':
    case 'decimal':
      return String(v);
    case 'dynamic':
      return typeof v === 'string' ? v : JSON.stringify(v);
  }
}

/** Column descriptors for the wire (names and KQL type names are sent as-is). */
export function toWireColumns(columns: ColumnSchema[]): { name: string; type: KqlType }[] {
  return columns.map((c) => ({ name: c.name, type: c.type }));
}
