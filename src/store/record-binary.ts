/**
 * The binary layout of a log record's plaintext (written since issue 20's storage work): one batch
 * held by columns, without JSON — a request's record was JSON.stringify'd into a rope of string
 * parts that encoding to UTF-8 first had to flatten (a copy of ~250 KB per request), then encoded.
 * Here text columns are their values' UTF-8 bytes one after the other (one join, one encode) and
 * numbers are 8-byte little-endian values:
 *
 *   magic "\0VCB" ‖ u32 header length ‖ header JSON {t: table, c: [[name, type]], n: rowCount}
 *   then per column: u8 layout, and
 *     NULLS  (0)  nothing more: every row is null
 *     CONST  (1)  u32 length ‖ JSON of the value every row has (bigints as in the JSON layout)
 *     TEXT   (2)  validity ‖ u32 length ‖ UTF-8 of the non-null values ‖ u32 byte length of each
 *     F64    (3)  validity ‖ f64 per row (0 for nulls)
 *     I64    (4)  validity ‖ i64 per row (0 for nulls)
 *     BOOL   (5)  validity ‖ u8 per row
 *     JSON   (6)  u32 length ‖ JSON array of the column (bigints as strings): whatever the others cannot hold exactly
 *   validity: u8 0 (no nulls) or 1 followed by one byte per row (0: null).
 *
 * A column takes a typed layout only when every non-null value has that layout's JavaScript type
 * (and text is well-formed UTF-16), so every value reads back exactly as it was written. Datetimes
 * are ticks. A JSON record starts with '{', so the two layouts never mix up (record-codec.ts).
 */
import { ColumnBatch } from './column-batch.js';
import type { StoredValue } from './column-types.js';
import type { StoredColumn } from './manifest.js';
import type { KqlType } from '../kql/index.js';
import { endianness } from 'node:os';
import { utf8 } from '../util/utf8.js';
import type { EncodedText } from './text-vector.js';

const LITTLE_ENDIAN = endianness() === 'LE';

export const BINARY_MAGIC = Buffer.from([0, 0x56, 0x43, 0x42]); // "\0VCB"

const NULLS = 0;
const CONST = 1;
const TEXT = 2;
const F64 = 3;
const I64 = 4;
const BOOL = 5;
const JSON_COLUMN = 6;

/** A UTF-16 surrogate without its pair (UTF-8 cannot hold it; JSON can). */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

const I64_MIN = -(2n ** 63n);
const I64_MAX = 2n ** 63n - 1n;

/** Bytes appended piece by piece, then joined once. */
class Writer {
  readonly parts: Uint8Array[] = [];
  length = 0;
  push(b: Uint8Array): void {
    this.parts.push(b);
    this.length += b.length;
  }
  u8(v: number): void {
    this.push(Uint8Array.of(v));
  }
  u32(v: number): void {
    const b = Buffer.allocUnsafe(4);
    b.writeUInt32LE(v);
    this.push(b);
  }
  /** u32 length ‖ UTF-8 of `text`. */
  text(text: string): void {
    const b = utf8(text);
    this.u32(b.length);
    this.push(b);
  }
}

/**
 * The binary record of a batch held by columns (`batch.values[j]` is `columns[j]`'s). When `texts`
 * is given, `texts[j]` is set to column j's UTF-8 as written in a TEXT layout (undefined for the other
 * layouts), for the memory tier's append to reuse.
 */
export function encodeBinaryRecord(table: string, columns: readonly StoredColumn[], batch: ColumnBatch, texts?: (EncodedText | undefined)[]): Buffer {
  const w = new Writer();
  w.push(BINARY_MAGIC);
  w.text(JSON.stringify({ t: table, c: columns.map((c) => [c.name, c.type]), n: batch.rowCount }));
  columns.forEach((_, j) => {
    const text = encodeColumn(w, batch.values[j]!, batch.rowCount);
    if (texts) texts[j] = text;
  });
  return Buffer.concat(w.parts, w.length);
}

/** Writes one column; returns its encoded text when it took the TEXT layout. */
function encodeColumn(w: Writer, values: readonly StoredValue[], n: number): EncodedText | undefined {
  let nulls = 0;
  let kind: string | undefined;
  let mixed = false;
  let constant = n > 1;
  const first = values[0] ?? null;
  for (let i = 0; i < n; i++) {
    const v = values[i] ?? null;
    if (constant && v !== first) constant = false;
    if (v === null) {
      nulls++;
      continue;
    }
    const t = typeof v;
    if (kind === undefined) kind = t;
    else if (kind !== t) mixed = true;
  }
  if (nulls === n) return void w.u8(NULLS);
  if (constant) {
    w.u8(CONST);
    return void w.text(JSON.stringify(jsonCell(first)));
  }
  if (!mixed && kind === 'string') {
    const text = encodeText(w, values, n, nulls);
    if (text) return text;
  }
  if (!mixed && kind === 'number') return void encodeNumbers(w, F64, values, n, nulls);
  if (!mixed && kind === 'bigint' && values.every((v) => v === null || v === undefined || ((v as bigint) >= I64_MIN && (v as bigint) <= I64_MAX))) return void encodeNumbers(w, I64, values, n, nulls);
  if (!mixed && kind === 'boolean') return void encodeNumbers(w, BOOL, values, n, nulls);
  w.u8(JSON_COLUMN);
  w.text(JSON.stringify(Array.from({ length: n }, (_, i) => jsonCell(values[i] ?? null))));
  return undefined;
}

const jsonCell = (v: StoredValue): StoredValue | string => (typeof v === 'bigint' ? v.toString() : v);

function validity(w: Writer, values: readonly StoredValue[], n: number, nulls: number): void {
  if (nulls === 0) return w.u8(0);
  w.u8(1);
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = values[i] === null || values[i] === undefined ? 0 : 1;
  w.push(b);
}

/**
 * TEXT, or undefined (nothing written) when a value is not well-formed UTF-16 (a lone surrogate: JSON
 * keeps it, UTF-8 cannot). Returns the column's bytes and each row's range in them.
 */
function encodeText(w: Writer, values: readonly StoredValue[], n: number, nulls: number): EncodedText | undefined {
  const texts: string[] = [];
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (typeof v === 'string') texts.push(v);
  }
  const joined = texts.join('');
  const bytes = utf8(joined);
  const lengths = Buffer.allocUnsafe(texts.length * 4);
  // ASCII: one byte per character.
  const ascii = bytes.length === joined.length;
  // Each row's start in `bytes` too (null rows: an empty range), for the memory tier's append.
  const starts = new Uint32Array(n + 1);
  const valid = nulls > 0 ? new Uint8Array(n) : undefined;
  let at = 0;
  for (let i = 0, k = 0; i < n; i++) {
    starts[i] = at;
    const s = values[i];
    if (typeof s !== 'string') continue;
    if (!ascii && LONE_SURROGATE.test(s)) return undefined;
    const len = ascii ? s.length : Buffer.byteLength(s, 'utf8');
    lengths.writeUInt32LE(len, 4 * k++);
    at += len;
    if (valid) valid[i] = 1;
  }
  starts[n] = at;
  w.u8(TEXT);
  validity(w, values, n, nulls);
  w.u32(bytes.length);
  w.push(bytes);
  w.push(lengths);
  return { bytes, starts, valid };
}

function encodeNumbers(w: Writer, layout: number, values: readonly StoredValue[], n: number, nulls: number): void {
  w.u8(layout);
  validity(w, values, n, nulls);
  if (layout === BOOL) {
    const b = new Uint8Array(n);
    for (let i = 0; i < n; i++) b[i] = values[i] === true ? 1 : 0;
    return w.push(b);
  }
  if (LITTLE_ENDIAN) {
    // The typed array's own bytes are the little-endian values.
    if (layout === F64) {
      const a = new Float64Array(n);
      for (let i = 0; i < n; i++) if (typeof values[i] === 'number') a[i] = values[i] as number;
      return w.push(new Uint8Array(a.buffer));
    }
    const a = new BigInt64Array(n);
    for (let i = 0; i < n; i++) if (typeof values[i] === 'bigint') a[i] = values[i] as bigint;
    return w.push(new Uint8Array(a.buffer));
  }
  const b = Buffer.alloc(n * 8);
  if (layout === F64) for (let i = 0; i < n; i++) b.writeDoubleLE(typeof values[i] === 'number' ? (values[i] as number) : 0, i * 8);
  else for (let i = 0; i < n; i++) b.writeBigInt64LE(typeof values[i] === 'bigint' ? (values[i] as bigint) : 0n, i * 8);
  w.push(b);
}

/** Reads a binary record back: its table, columns and rows held by columns (throws on a malformed record). */
export function decodeBinaryRecord(payload: Buffer): { table: string; columns: StoredColumn[]; batch: ColumnBatch } {
  const r = new Reader(payload, BINARY_MAGIC.length);
  const header = JSON.parse(r.text()) as { t: string; c: [string, KqlType][]; n: number };
  const n = header.n;
  if (!Number.isInteger(n) || n < 0) throw new Error('log record has a bad row count');
  const columns = header.c.map(([name, type]) => ({ name, type }));
  const values = columns.map(() => decodeColumn(r, n));
  if (r.at !== payload.length) throw new Error(`log record of table '${header.t}' has bytes after its last column`);
  return { table: header.t, columns, batch: new ColumnBatch(n, values) };
}

class Reader {
  constructor(
    readonly buf: Buffer,
    public at: number,
  ) {}
  need(bytes: number): number {
    if (bytes < 0 || this.at + bytes > this.buf.length) throw new Error('log record ends early');
    const at = this.at;
    this.at += bytes;
    return at;
  }
  u8(): number {
    return this.buf[this.need(1)]!;
  }
  u32(): number {
    return this.buf.readUInt32LE(this.need(4));
  }
  text(): string {
    const len = this.u32();
    const at = this.need(len);
    return this.buf.toString('utf8', at, at + len);
  }
  /** The validity of `n` rows: undefined when none is null. */
  validity(n: number): Uint8Array | undefined {
    const has = this.u8();
    if (has === 0) return undefined;
    if (has !== 1) throw new Error('log record has a bad validity flag');
    const at = this.need(n);
    return this.buf.subarray(at, at + n);
  }
}

function decodeColumn(r: Reader, n: number): StoredValue[] {
  const layout = r.u8();
  switch (layout) {
    case NULLS:
      return new Array<StoredValue>(n).fill(null);
    case CONST:
      return new Array<StoredValue>(n).fill(JSON.parse(r.text()) as StoredValue);
    case JSON_COLUMN: {
      const col = JSON.parse(r.text()) as StoredValue[];
      if (!Array.isArray(col) || col.length !== n) throw new Error('log record has a column of the wrong length');
      return col;
    }
    case TEXT:
      return decodeText(r, n);
    case F64:
    case I64:
    case BOOL: {
      const valid = r.validity(n);
      const width = layout === BOOL ? 1 : 8;
      const at = r.need(n * width);
      const out = new Array<StoredValue>(n);
      for (let i = 0; i < n; i++) {
        if (valid && valid[i] === 0) out[i] = null;
        else if (layout === F64) out[i] = r.buf.readDoubleLE(at + i * 8);
        else if (layout === I64) out[i] = r.buf.readBigInt64LE(at + i * 8);
        else out[i] = r.buf[at + i] === 1;
      }
      return out;
    }
    default:
      throw new Error(`log record has an unknown column layout ${layout}`);
  }
}

function decodeText(r: Reader, n: number): StoredValue[] {
  const valid = r.validity(n);
  const len = r.u32();
  const at = r.need(len);
  let count = 0;
  for (let i = 0; i < n; i++) if (!valid || valid[i] !== 0) count++;
  const lengthsAt = r.need(count * 4);
  const text = r.buf.toString('utf8', at, at + len);
  // ASCII (one character per byte): values are slices of the decoded block; otherwise each is decoded alone.
  const ascii = text.length === len;
  const out = new Array<StoredValue>(n);
  let offset = 0;
  let k = 0;
  for (let i = 0; i < n; i++) {
    if (valid && valid[i] === 0) {
      out[i] = null;
      continue;
    }
    const bytes = r.buf.readUInt32LE(lengthsAt + k++ * 4);
    if (offset + bytes > len) throw new Error('log record has text lengths beyond its text');
    out[i] = ascii ? text.slice(offset, offset + bytes) : r.buf.toString('utf8', at + offset, at + offset + bytes);
    offset += bytes;
  }
  if (offset !== len) throw new Error('log record has text lengths that do not cover its text');
  return out;
}
