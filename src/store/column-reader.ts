/**
 * A result chunk's columns as JS values, column by column in bulk, instead of the node API's
 * `convertRows(JSDuckDBValueConverter)`: that one calls, per value, the vector's `getItem` (whose
 * validity check builds two BigInts), then the converter's dispatch by type id. The column types a
 * Vigil query returns most — BIGINT (long, datetime and timespan ticks), DOUBLE, INTEGER, BOOLEAN,
 * VARCHAR (string, dynamic JSON) — are read here straight from the typed arrays the node API's
 * vectors already hold over DuckDB's memory, the validity mask as 32-bit words. The values are the
 * ones `JSDuckDBValueConverter` gives (bigint, number, number, boolean, string; null for NULL):
 * test/store/column-reader.test.ts compares both on edge values. Any other type (DECIMAL, UUID,
 * HUGEINT, LIST...), or a vector this node API holds otherwise, goes through the generic converter.
 */
import {
  DuckDBBigIntVector,
  DuckDBBooleanVector,
  DuckDBDoubleVector,
  DuckDBIntegerVector,
  DuckDBVarCharVector,
  JSDuckDBValueConverter,
  type DuckDBDataChunk,
  type DuckDBVector,
} from '@duckdb/node-api';
import bindings from '@duckdb/node-bindings';

/** Bytes of a `string_t`; strings of up to INLINE_BYTES UTF-8 bytes live inside it. */
const STRING_T = 16;
const INLINE_BYTES = 12;
const decoder = new TextDecoder();

/** The node API's validity of a vector: null when every row is valid. */
interface Validity {
  data: BigUint64Array | null;
  offset: number;
}

/** Row i is valid iff `(words[(offset + i) >>> 5] >>> ((offset + i) & 31)) & 1`; undefined: all valid. */
interface Mask {
  words: Uint32Array | undefined;
  offset: number;
}

function maskOf(vec: DuckDBVector): Mask | undefined {
  const v = (vec as unknown as { validity?: Validity }).validity;
  if (typeof v !== 'object' || v === null || typeof v.offset !== 'number') return undefined;
  if (v.data === null) return { words: undefined, offset: 0 };
  if (!(v.data instanceof BigUint64Array)) return undefined;
  // The mask's 64-bit words as 32-bit ones (little endian, as DuckDB and the node API read them).
  return { words: new Uint32Array(v.data.buffer, v.data.byteOffset, v.data.length * 2), offset: v.offset };
}

function typedItems<T>(vec: DuckDBVector, ctor: abstract new (...a: never[]) => T, n: number): T | undefined {
  const items = (vec as unknown as { items?: unknown }).items;
  return items instanceof ctor && (items as unknown as { length: number }).length >= n ? items : undefined;
}

/** Column values of typed array `items` (rows 0..n-1), null where the mask says so. */
function readTyped<V>(items: ArrayLike<V>, mask: Mask, n: number): (V | null)[] {
  const out = new Array<V | null>(n);
  const { words, offset } = mask;
  if (!words) {
    for (let i = 0; i < n; i++) out[i] = items[i]!;
  } else {
    for (let i = 0; i < n; i++) {
      const b = offset + i;
      out[i] = (words[b >>> 5]! >>> (b & 31)) & 1 ? items[i]! : null;
    }
  }
  return out;
}

function readBoolean(vec: DuckDBVector, mask: Mask, n: number): (boolean | null)[] | undefined {
  if (bindings.sizeof_bool !== 1) return undefined;
  const dv = (vec as unknown as { dataView?: unknown }).dataView;
  if (!(dv instanceof DataView) || dv.byteLength < n) return undefined;
  const bytes = new Uint8Array(dv.buffer, dv.byteOffset, n);
  const out = new Array<boolean | null>(n);
  const { words, offset } = mask;
  for (let i = 0; i < n; i++) {
    const b = offset + i;
    out[i] = !words || (words[b >>> 5]! >>> (b & 31)) & 1 ? bytes[i] !== 0 : null;
  }
  return out;
}

/**
 * A VARCHAR column: each row's `string_t` (length; the bytes inline up to 12, else a prefix and a
 * pointer) — the layout the node API's own `getStringBytes` reads. Inline ASCII strings are made in
 * JS without a native call. Long strings whose bytes follow each other in DuckDB's string heap (as
 * a result's usually do) are fetched as one block with one native call instead of one each, and
 * decoded as one string when it is plain ASCII (then each row's is a slice of it); otherwise each
 * decodes as the node API does (UTF-8, TextDecoder).
 */
function readVarChar(vec: DuckDBVector, mask: Mask, n: number): (string | null)[] | undefined {
  const dv = (vec as unknown as { dataView?: unknown }).dataView;
  if (!(dv instanceof DataView) || dv.byteLength < n * STRING_T) return undefined;
  const bytes = new Uint8Array(dv.buffer, dv.byteOffset, n * STRING_T);
  const out = new Array<string | null>(n);
  const { words, offset } = mask;
  let longs: number[] | undefined;
  for (let i = 0; i < n; i++) {
    const b = offset + i;
    if (words && !((words[b >>> 5]! >>> (b & 31)) & 1)) {
      out[i] = null;
      continue;
    }
    const at = i * STRING_T;
    const len = dv.getUint32(at, true);
    if (len <= INLINE_BYTES) out[i] = inlineString(bytes, at + 4, len);
    else (longs ??= []).push(i);
  }
  if (longs) readLongStrings(dv, longs, out);
  return out;
}

/** Most bytes fetched as one block. */
const MAX_BLOCK = 1 << 20;

/** Rows `longs` (long strings, in row order) of the VARCHAR vector over `dv` into `out`. */
function readLongStrings(dv: DataView, longs: number[], out: (string | null)[]): void {
  const ptr = (i: number): number => dv.getUint32(i * STRING_T + 12, true) * 2 ** 32 + dv.getUint32(i * STRING_T + 8, true);
  for (let k = 0; k < longs.length; ) {
    const first = longs[k]!;
    const start = ptr(first);
    let total = dv.getUint32(first * STRING_T, true);
    let end = k + 1;
    // Extend the run while the next string starts where this one ends.
    while (end < longs.length) {
      const r = longs[end]!;
      const len = dv.getUint32(r * STRING_T, true);
      if (ptr(r) !== start + total || total + len > MAX_BLOCK) break;
      total += len;
      end++;
    }
    const block = bindings.get_data_from_pointer(dv.buffer as ArrayBuffer, dv.byteOffset + first * STRING_T + 8, total);
    if (end - k === 1) {
      out[first] = decoder.decode(block);
      k = end;
      continue;
    }
    const text = decoder.decode(block);
    // As many UTF-16 units as bytes and no replacement character: ASCII, one unit per byte.
    const ascii = text.length === total && text.indexOf('\uFFFD') < 0;
    let at = 0;
    for (let j = k; j < end; j++) {
      const r = longs[j]!;
      const len = dv.getUint32(r * STRING_T, true);
      out[r] = ascii ? text.slice(at, at + len) : decoder.decode(block.subarray(at, at + len));
      at += len;
    }
    k = end;
  }
}

function inlineString(bytes: Uint8Array, at: number, len: number): string {
  let s = '';
  for (let k = 0; k < len; k++) {
    const c = bytes[at + k]!;
    if (c > 0x7f) return decoder.decode(bytes.subarray(at, at + len));
    s += String.fromCharCode(c);
  }
  return s;
}

/** Column `c` of `chunk` with the generic converter (the values `convertRows` gives). */
function readGeneric(chunk: DuckDBDataChunk, c: number): unknown[] {
  const vec = chunk.getColumnVector(c);
  const type = vec.type;
  const n = chunk.rowCount;
  const out = new Array<unknown>(n);
  for (let i = 0; i < n; i++) out[i] = JSDuckDBValueConverter(vec.getItem(i), type, JSDuckDBValueConverter);
  return out;
}

/** Column `c` of `chunk` as JS values, in bulk when its type allows. */
export function readColumn(chunk: DuckDBDataChunk, c: number): unknown[] {
  const vec = chunk.getColumnVector(c);
  const n = chunk.rowCount;
  const mask = maskOf(vec);
  let out: unknown[] | undefined;
  if (mask) {
    if (vec instanceof DuckDBBigIntVector) {
      const items = typedItems(vec, BigInt64Array, n);
      out = items && readTyped(items, mask, n);
    } else if (vec instanceof DuckDBDoubleVector) {
      const items = typedItems(vec, Float64Array, n);
      out = items && readTyped(items, mask, n);
    } else if (vec instanceof DuckDBIntegerVector) {
      const items = typedItems(vec, Int32Array, n);
      out = items && readTyped(items, mask, n);
    } else if (vec instanceof DuckDBBooleanVector) {
      out = readBoolean(vec, mask, n);
    } else if (vec instanceof DuckDBVarCharVector) {
      out = readVarChar(vec, mask, n);
    }
  }
  return out ?? readGeneric(chunk, c);
}

/** Appends the rows of `chunk` to `rows`, as arrays of JS values in column order. */
export function appendChunkRows(chunk: DuckDBDataChunk, rows: unknown[][]): void {
  const n = chunk.rowCount;
  const nc = chunk.columnCount;
  const cols: unknown[][] = [];
  for (let c = 0; c < nc; c++) cols.push(readColumn(chunk, c));
  if (nc === 1) {
    const a = cols[0]!;
    for (let i = 0; i < n; i++) rows.push([a[i]]);
  } else if (nc === 2) {
    const a = cols[0]!;
    const b = cols[1]!;
    for (let i = 0; i < n; i++) rows.push([a[i], b[i]]);
  } else {
    for (let i = 0; i < n; i++) {
      const row = new Array<unknown>(nc);
      for (let c = 0; c < nc; c++) row[c] = cols[c]![i];
      rows.push(row);
    }
  }
}
