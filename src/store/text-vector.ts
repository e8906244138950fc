/**
 * Text values into a DuckDB VARCHAR vector with as few native calls as possible. The node API's
 * `setItem` + `flush` makes one N-API call per string (`vector_assign_string_element`), which was
 * the largest cost of the memory tier's append after DuckDB's own work (bench/README). A VARCHAR
 * vector holds one 16-byte `string_t` per row — the length (uint32, little endian), then either
 * the string itself when it has at most 12 UTF-8 bytes ("inlined"), or a 4-byte prefix and a
 * pointer into the vector's string heap. So:
 *   - a short string (levels, service names, table names, codes) is written inline from JS;
 *   - a long string equal to the previous long one (a tenant id, a resource id: the same for a
 *     whole request) is assigned once and its `string_t` copied to the following rows, all
 *     pointing at the same heap bytes — which DuckDB copies into the table on append like any
 *     other string (only the previous value is compared: a lookup table cost more than it saved
 *     on columns of distinct values);
 *   - the other long strings cross into DuckDB with one call per column chunk: their UTF-8 bytes
 *     one after the other, assigned as one string, so they sit in the vector's own string heap;
 *     each row's string_t then points at its part of that block (writeLongStrings).
 * The layout is the one the node API itself reads strings with (`getStringBytes` in its
 * dataAccessors). The node API's numeric vectors are filled the same way: values written into a JS
 * buffer, copied into the vector with one `copy_data_to_vector`. Should a later node API hold its
 * vector differently, every value goes through `setItem` as before.
 */
import bindings from '@duckdb/node-bindings';
import type { DuckDBVector } from '@duckdb/node-api';
import { utf8 as utf8Bytes } from '../util/utf8.js';

/** Bytes of a `string_t`; strings of up to INLINE_BYTES UTF-8 bytes live inside it. */
const STRING_T = 16;
const INLINE_BYTES = 12;

const encoder = new TextEncoder();
const utf8 = new Uint8Array(INLINE_BYTES);

/** The native vector behind a node API VARCHAR vector (undefined if this node API holds it otherwise). */
function nativeVector(vec: DuckDBVector): bindings.Vector | undefined {
  const v = (vec as unknown as { vector?: unknown }).vector;
  return typeof v === 'object' && v !== null ? (v as bindings.Vector) : undefined;
}

/**
 * Makes VARCHAR vector `vec` a constant vector of `s` — one value for every row, which DuckDB reads
 * as such (no per-row string_t) — when `s` is ASCII (its bytes are then the same however encoded).
 * False, with nothing done, otherwise or when this node API holds its vectors otherwise. The
 * vector must not be flushed afterwards (its buffer is no longer the one the node API wrote into).
 */
export function setConstantText(vec: DuckDBVector, s: string): boolean {
  const native = nativeVector(vec);
  if (!native) return false;
  for (let k = 0; k < s.length; k++) if (s.charCodeAt(k) > 0x7f) return false;
  bindings.vector_reference_value(native, bindings.create_varchar(s));
  return true;
}

/** Makes INTEGER vector `vec` a constant vector of `v` (see setConstantText); false when it cannot. */
export function setConstantInteger(vec: DuckDBVector, v: number): boolean {
  const native = nativeVector(vec);
  if (!native) return false;
  bindings.vector_reference_value(native, bindings.create_int32(v));
  return true;
}

/** Writes `s` inline into `st` (row `i`'s string_t) when it has at most 12 UTF-8 bytes; false (nothing written) otherwise. */
function writeInline(st: Uint8Array, i: number, s: string): boolean {
  const len = s.length;
  if (len > INLINE_BYTES) return false;
  let ascii = true;
  for (let k = 0; k < len; k++) {
    if (s.charCodeAt(k) > 0x7f) {
      ascii = false;
      break;
    }
  }
  let bytes = len;
  if (ascii) {
    for (let k = 0; k < len; k++) utf8[k] = s.charCodeAt(k);
  } else {
    const r = encoder.encodeInto(s, utf8);
    if (r.read < len) return false;
    bytes = r.written;
  }
  const at = i * STRING_T;
  // Length, little endian (a string_t's first four bytes).
  st[at] = bytes;
  st[at + 1] = 0;
  st[at + 2] = 0;
  st[at + 3] = 0;
  // The unused bytes must be zero: DuckDB compares inlined strings as whole 16-byte values.
  for (let k = 0; k < INLINE_BYTES; k++) st[at + 4 + k] = k < bytes ? utf8[k]! : 0;
  return true;
}

/**
 * Sets rows 0..n-1 of VARCHAR vector `vec` to `text(i)` (null: SQL NULL) and flushes it.
 * `text` is called once per row, in order.
 */
export function fillTextVector(vec: DuckDBVector, n: number, text: (i: number) => string | null): void {
  const native = nativeVector(vec);
  if (!native) {
    for (let i = 0; i < n; i++) vec.setItem(i, text(i));
    vec.flush();
    return;
  }
  // Row i's string_t, for every row but the nulls (those are marked in the validity mask).
  const st = new Uint8Array(n * STRING_T);
  const mine = new Uint8Array(n);
  // The distinct long strings, in row order, and their rows; rows that repeat the previous one (row, its row).
  const longs: string[] = [];
  const longRows: number[] = [];
  let last: string | undefined;
  let lastRow = -1;
  let copies: number[] | undefined;
  for (let i = 0; i < n; i++) {
    const s = text(i);
    if (s === null) vec.setItem(i, null);
    else if (writeInline(st, i, s)) mine[i] = 1;
    else if (s === last) {
      (copies ??= []).push(i, lastRow);
      mine[i] = 1;
    } else {
      last = s;
      lastRow = i;
      longs.push(s);
      longRows.push(i);
      mine[i] = 1;
    }
  }
  // The validity mask (nulls).
  vec.flush();
  if (longs.length > 0) writeLongStrings(native, st, longs, longRows);
  if (copies) {
    for (let k = 0; k < copies.length; k += 2) {
      const from = copies[k + 1]! * STRING_T;
      st.copyWithin(copies[k]! * STRING_T, from, from + STRING_T);
    }
  }
  // Copy runs of rows written here (every row but the nulls), leaving the null rows as they are.
  for (let i = 0; i < n; ) {
    if (!mine[i]) {
      i++;
      continue;
    }
    let j = i;
    while (j < n && mine[j]) j++;
    bindings.copy_data_to_vector(native, i * STRING_T, st.buffer, i * STRING_T, (j - i) * STRING_T);
    i = j;
  }
}

const TWO_32 = 2 ** 32;

/**
 * A text column already in UTF-8 — a log record's TEXT column (record-binary.ts): the bytes of the
 * non-null values one after the other; row i's are `bytes[starts[i], starts[i + 1])`, and a null row
 * (`valid[i] === 0`) has an empty range. The memory tier's append then needs no second encoding.
 */
export interface EncodedText {
  bytes: Uint8Array;
  starts: Uint32Array;
  /** One byte per row, 0 for null; undefined when no row is null. */
  valid: Uint8Array | undefined;
}

/** Several columns' encoded text as one, rows in the order given. */
export function concatEncodedText(parts: readonly EncodedText[]): EncodedText {
  const rows = parts.reduce((n, p) => n + p.starts.length - 1, 0);
  const bytes = Buffer.concat(parts.map((p) => p.bytes));
  const starts = new Uint32Array(rows + 1);
  const valid = parts.some((p) => p.valid) ? new Uint8Array(rows).fill(1) : undefined;
  let row = 0;
  let base = 0;
  for (const p of parts) {
    const n = p.starts.length - 1;
    for (let i = 0; i < n; i++) starts[row + i] = base + p.starts[i]!;
    if (valid && p.valid) valid.set(p.valid, row);
    row += n;
    base += p.bytes.length;
  }
  starts[rows] = base;
  return { bytes, starts, valid };
}

/**
 * Sets rows 0..n-1 of VARCHAR vector `vec` to rows `from`..`from + n` of `text` and flushes it: short
 * strings inline, the long ones' bytes assigned to the vector's heap with one call (as
 * writeLongStrings does) — no string crosses from JavaScript. False, with nothing written, when this
 * node API holds its vectors otherwise.
 */
export function fillEncodedText(vec: DuckDBVector, n: number, text: EncodedText, from: number): boolean {
  const native = nativeVector(vec);
  if (!native) return false;
  const { bytes, starts, valid } = text;
  const st = new Uint8Array(n * STRING_T);
  let firstLong = -1;
  let lastLong = -1;
  for (let i = 0; i < n; i++) {
    const r = from + i;
    if (valid && !valid[r]) {
      vec.setItem(i, null);
      continue;
    }
    const at = starts[r]!;
    const len = starts[r + 1]! - at;
    if (len > INLINE_BYTES) {
      if (firstLong < 0) firstLong = i;
      lastLong = i;
      continue;
    }
    const o = i * STRING_T;
    st[o] = len;
    // The rest stays zero (DuckDB compares inlined strings as whole 16-byte values).
    for (let k = 0; k < len; k++) st[o + 4 + k] = bytes[at + k]!;
  }
  // The validity mask (nulls).
  vec.flush();
  if (firstLong >= 0) {
    // The bytes from the first long string to the end of the last, as one string of the first long row.
    const blockStart = starts[from + firstLong]!;
    const base = assignBlock(native, firstLong, bytes.subarray(blockStart, starts[from + lastLong + 1]!));
    for (let i = firstLong; i <= lastLong; i++) {
      const r = from + i;
      if (valid && !valid[r]) continue;
      const at = starts[r]!;
      const len = starts[r + 1]! - at;
      if (len > INLINE_BYTES) writeLongStringT(st, i * STRING_T, bytes, at, len, base, at - blockStart);
    }
  }
  // Copy runs of non-null rows, leaving the null rows as they are.
  for (let i = 0; i < n; ) {
    if (valid && !valid[from + i]) {
      i++;
      continue;
    }
    let j = i;
    while (j < n && !(valid && !valid[from + j])) j++;
    bindings.copy_data_to_vector(native, i * STRING_T, st.buffer, i * STRING_T, (j - i) * STRING_T);
    i = j;
  }
  return true;
}

/**
 * The long strings of a chunk's column with one native call instead of one per string: their UTF-8
 * bytes, one after the other, are assigned to the first of their rows — so they are in the vector's
 * own string heap, alive as long as the vector and copied by DuckDB on append like any string — and
 * each row's string_t (length, first four bytes, pointer) is written into `st` pointing at its part
 * of that block. The pointer comes from the string_t DuckDB wrote for the block.
 */
function writeLongStrings(native: bindings.Vector, st: Uint8Array, longs: string[], rows: number[]): void {
  const joined = longs.length === 1 ? longs[0]! : longs.join('');
  const bytes = utf8Bytes(joined);
  const base = assignBlock(native, rows[0]!, bytes);
  // ASCII text (the usual case) has one byte per character; otherwise each string is measured.
  const ascii = bytes.length === joined.length;
  let offset = 0;
  for (let k = 0; k < longs.length; k++) {
    const len = ascii ? longs[k]!.length : Buffer.byteLength(longs[k]!, 'utf8');
    writeLongStringT(st, rows[k]! * STRING_T, bytes, offset, len, base, offset);
    offset += len;
  }
}

/**
 * Assigns `block` as row `row`'s string — into the vector's own string heap — and returns the
 * address DuckDB gave it, as the two 32-bit halves of the string_t's pointer.
 */
function assignBlock(native: bindings.Vector, row: number, block: Uint8Array): { lo: number; hi: number } {
  bindings.vector_assign_string_element_len(native, row, block);
  const head = bindings.vector_get_data(native, (row + 1) * STRING_T);
  const view = new DataView(head.buffer, head.byteOffset + row * STRING_T, STRING_T);
  // The block's length proves DuckDB holds it as given (it sets a row null instead when it refuses the bytes).
  if (view.getUint32(0, true) !== block.length) throw new Error('DuckDB did not take the text block as given');
  return { lo: view.getUint32(8, true), hi: view.getUint32(12, true) };
}

/**
 * Writes at `o` of `st` the string_t of a long string whose `len` UTF-8 bytes are `bytes[at..]` and lie
 * `offset` bytes into a block assigned at `base`: the length, the first four bytes (a long string has
 * more than twelve) and the pointer, little endian.
 */
function writeLongStringT(st: Uint8Array, o: number, bytes: Uint8Array, at: number, len: number, base: { lo: number; hi: number }, offset: number): void {
  writeU32(st, o, len);
  st[o + 4] = bytes[at]!;
  st[o + 5] = bytes[at + 1]!;
  st[o + 6] = bytes[at + 2]!;
  st[o + 7] = bytes[at + 3]!;
  const lo = base.lo + offset;
  const carry = lo >= TWO_32 ? 1 : 0;
  writeU32(st, o + 8, lo - carry * TWO_32);
  writeU32(st, o + 12, base.hi + carry);
}

function writeU32(b: Uint8Array, at: number, v: number): void {
  b[at] = v & 0xff;
  b[at + 1] = (v >>> 8) & 0xff;
  b[at + 2] = (v >>> 16) & 0xff;
  b[at + 3] = (v >>> 24) & 0xff;
}
