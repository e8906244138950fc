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
 *   - only the other long strings cross into DuckDB, one call each.
 * The layout is the one the node API itself reads strings with (`getStringBytes` in its
 * dataAccessors). The node API's numeric vectors are filled the same way: values written into a JS
 * buffer, copied into the vector with one `copy_data_to_vector`. Should a later node API hold its
 * vector differently, every value goes through `setItem` as before.
 */
import bindings from '@duckdb/node-bindings';
import type { DuckDBVector } from '@duckdb/node-api';

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
  // Row i's string_t, for the rows written here (inline ones and repeats); the rest are assigned natively.
  const st = new Uint8Array(n * STRING_T);
  const mine = new Uint8Array(n);
  // The last long string assigned natively and its row; rows that repeat it (row, its row).
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
      vec.setItem(i, s);
    }
  }
  // Native assignments and the validity mask.
  vec.flush();
  if (copies) {
    // The natively assigned string_t's (their heap pointers), for the rows that repeat them.
    const assigned = bindings.vector_get_data(native, n * STRING_T);
    for (let k = 0; k < copies.length; k += 2) {
      const from = copies[k + 1]! * STRING_T;
      st.set(assigned.subarray(from, from + STRING_T), copies[k]! * STRING_T);
    }
  }
  // Copy runs of rows written here, leaving the natively assigned ones as they are.
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
