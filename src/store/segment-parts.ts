/**
 * Segment files of format VGLSEG02: the Parquet file encrypted in parts — each column chunk apart,
 * and the bytes between them (the magic, bloom filters, page indexes, the footer) as parts every
 * reader decrypts — so a query decrypts only the column chunks it reads.
 *
 *   "VGLSEG02" ‖ body length u32 ‖ body (JSON header, as VGLSEG01) ‖ wrapped data key (60) ‖
 *   table length u32 ‖ part table (encrypted) ‖ tag (16) ‖ part 0 (encrypted) ‖ tag ‖ part 1 ‖ tag …
 *
 * The part table (JSON: the Parquet file's size; per part its offset, length and column, null for
 * the parts every reader needs) and each part are AES-256-GCM under the segment's own data key (a
 * fresh key per segment, so a nonce per part from its index is never reused). Everything before the
 * table is the authenticated data of the key wrap, the table and every part; a part's also holds its
 * index and byte range, so parts cannot be moved, swapped, or taken from another segment.
 * A reader writes a part into its plaintext file only once its tag was checked; the parts it does not
 * need stay holes (of a sparse file on the tmpfs: they cost no memory), which DuckDB never reads,
 * as the columns asked for are those the query's plan reads.
 */
import { closeSync, ftruncateSync, openSync, readSync, rmSync, fstatSync, writeSync } from 'node:fs';
import { createCipheriv, createDecipheriv, createHash } from 'node:crypto';
import { AuthenticationError, newKey, TAG_BYTES, unwrapKey, WRAPPED_KEY_BYTES, wrapKey } from '../keys/crypto.js';
import { authenticatedHeader, context, segmentHeaderOf, type SegmentExpect, type SegmentHeader } from './segment.js';

const MAGIC = Buffer.from('VGLSEG02');

export const isPartsFormat = (bytes: Uint8Array) => bytes.length >= MAGIC.length && MAGIC.equals(bytes.subarray(0, MAGIC.length));

/** A column chunk of the Parquet file (from its metadata): its top-level column and byte range. */
export interface ColumnChunk {
  column: string;
  at: number;
  length: number;
}

/** A part: its byte range in the Parquet file, and its column (lower case), null when every reader needs it. */
type Part = [at: number, length: number, column: string | null];

interface PartTable {
  size: number;
  parts: Part[];
}

/** What of a decrypted segment its plaintext file holds (segment-cache.ts). */
export interface SegmentFill {
  /** Bytes written (the holes not counted). */
  bytes: number;
  /** Whether a reader of the columns `want` (lower case; undefined: all) finds all it reads. */
  covers(want: ReadonlySet<string> | undefined): boolean;
}

const nonceOf = (kind: 1 | 2, index: number) => {
  const n = Buffer.alloc(12);
  n.writeUInt32BE(kind, 0);
  n.writeUInt32BE(index, 8);
  return n;
};
const TABLE_NONCE = nonceOf(1, 0);
const tableAad = (authenticated: Buffer) => Buffer.concat([authenticated, Buffer.from('part-table')]);
const partAad = (authenticated: Buffer, index: number, p: Part) => {
  const b = Buffer.alloc(4 + 8 + 8);
  b.writeUInt32BE(index, 0);
  b.writeBigUInt64BE(BigInt(p[0]), 4);
  b.writeBigUInt64BE(BigInt(p[1]), 12);
  return Buffer.concat([authenticated, Buffer.from('part'), b]);
};

/**
 * The parts of a Parquet file of `size` bytes with these column chunks: each chunk, and the gaps as
 * parts for every reader. Chunks that overlap or leave the file (never from DuckDB's writer) make
 * the whole file one part every reader needs: correct, only not partial.
 */
export function partsOf(size: number, chunks: readonly ColumnChunk[]): Part[] {
  const sorted = [...chunks].filter((c) => c.length > 0).sort((a, b) => a.at - b.at);
  const parts: Part[] = [];
  let pos = 0;
  for (const c of sorted) {
    if (!Number.isSafeInteger(c.at) || !Number.isSafeInteger(c.length) || c.at < pos || c.at + c.length > size) return [[0, size, null]];
    if (c.at > pos) parts.push([pos, c.at - pos, null]);
    parts.push([c.at, c.length, c.column.toLowerCase()]);
    pos = c.at + c.length;
  }
  if (pos < size) parts.push([pos, size - pos, null]);
  return parts;
}

/** Encrypts Parquet bytes into a VGLSEG02 segment file image; returns it with its SHA-256. */
export function sealSegmentParts(wrapKeyBuf: Buffer, header: SegmentHeader, parquet: Uint8Array, chunks: readonly ColumnChunk[]): { bytes: Buffer; sha256: string } {
  const authenticated = authenticatedHeader(MAGIC, header);
  const dataKey = newKey();
  try {
    const wrapped = wrapKey(wrapKeyBuf, dataKey, context(header, authenticated));
    const parts = partsOf(parquet.length, chunks);
    const seal = (nonce: Buffer, aad: Buffer, plain: Uint8Array) => {
      const c = createCipheriv('aes-256-gcm', dataKey, nonce);
      c.setAAD(aad);
      const out = c.update(plain);
      c.final();
      return [out, c.getAuthTag()];
    };
    const table = seal(TABLE_NONCE, tableAad(authenticated), Buffer.from(JSON.stringify({ size: parquet.length, parts } satisfies PartTable)));
    const tableLen = Buffer.alloc(4);
    tableLen.writeUInt32BE(table[0]!.length);
    const pieces: Buffer[] = [authenticated, wrapped, tableLen, ...table];
    parts.forEach((p, i) => pieces.push(...seal(nonceOf(2, i), partAad(authenticated, i, p), parquet.subarray(p[0], p[0] + p[1]))));
    const bytes = Buffer.concat(pieces);
    return { bytes, sha256: createHash('sha256').update(bytes).digest('hex') };
  } finally {
    dataKey.fill(0);
  }
}

/** An opened VGLSEG02 file: its key, its authenticated part table, and where each part's ciphertext is. */
interface Opened {
  dataKey: Buffer;
  authenticated: Buffer;
  table: PartTable;
  /** File offset of each part's ciphertext. */
  offsets: number[];
}

/** Reads, checks and decrypts everything before the parts; `read(at, n)` returns n bytes of the file at `at` (or throws). */
function openParts(wrapKeyBuf: Buffer, fileSize: number, read: (at: number, n: number) => Buffer, expect: SegmentExpect): Opened {
  const truncated = () => new AuthenticationError('the segment file is truncated');
  if (fileSize < MAGIC.length + 4) throw truncated();
  const bodyLen = read(MAGIC.length, 4).readUInt32BE(0);
  const bodyEnd = MAGIC.length + 4 + bodyLen;
  if (fileSize < bodyEnd + WRAPPED_KEY_BYTES + 4 + TAG_BYTES) throw truncated();
  const authenticated = read(0, bodyEnd);
  const header = segmentHeaderOf(authenticated, expect);
  const dataKey = unwrapKey(wrapKeyBuf, read(bodyEnd, WRAPPED_KEY_BYTES), context(header, authenticated), 'the segment data key');
  const tableAt = bodyEnd + WRAPPED_KEY_BYTES + 4;
  const tableLen = read(tableAt - 4, 4).readUInt32BE(0);
  if (fileSize < tableAt + tableLen + TAG_BYTES) throw truncated();
  let table: PartTable;
  try {
    const d = createDecipheriv('aes-256-gcm', dataKey, TABLE_NONCE);
    d.setAAD(tableAad(authenticated));
    d.setAuthTag(read(tableAt + tableLen, TAG_BYTES));
    const plain = d.update(read(tableAt, tableLen));
    d.final();
    table = JSON.parse(plain.toString('utf8')) as PartTable;
  } catch {
    dataKey.fill(0);
    throw new AuthenticationError('the segment part table failed authentication: it was altered, or it was sealed with another key');
  }
  // Authenticated, so written by Vigil; its ranges must still tile the Parquet file exactly.
  const offsets: number[] = [];
  let pos = 0;
  let at = tableAt + tableLen + TAG_BYTES;
  for (const p of table.parts) {
    if (p[0] !== pos || !(p[1] > 0)) {
      dataKey.fill(0);
      throw new AuthenticationError('the segment part table is not consistent');
    }
    offsets.push(at);
    pos += p[1];
    at += p[1] + TAG_BYTES;
  }
  if (pos !== table.size || at !== fileSize) {
    dataKey.fill(0);
    throw at > fileSize ? truncated() : new AuthenticationError(pos !== table.size ? 'the segment part table is not consistent' : 'the segment file has bytes after its last part');
  }
  return { dataKey, authenticated, table, offsets };
}

const partName = (p: Part, i: number) => (p[2] === null ? `part ${i} (Parquet metadata)` : `part ${i} (a chunk of column ${p[2]})`);

function openPart(o: Opened, i: number, ciphertextAndTag: Buffer): Buffer {
  const p = o.table.parts[i]!;
  try {
    const d = createDecipheriv('aes-256-gcm', o.dataKey, nonceOf(2, i));
    d.setAAD(partAad(o.authenticated, i, p));
    d.setAuthTag(ciphertextAndTag.subarray(p[1]));
    const plain = d.update(ciphertextAndTag.subarray(0, p[1]));
    d.final();
    return plain;
  } catch {
    throw new AuthenticationError(`the segment's ${partName(p, i)} failed authentication: it was altered, or it was sealed with another key`);
  }
}

/** Authenticates and decrypts a whole VGLSEG02 file image (`vigil verify`): every part. */
export function openSegmentParts(wrapKeyBuf: Buffer, bytes: Buffer, expect: SegmentExpect): Buffer {
  const read = (at: number, n: number) => {
    if (at + n > bytes.length) throw new AuthenticationError('the segment file is truncated');
    return bytes.subarray(at, at + n);
  };
  const o = openParts(wrapKeyBuf, bytes.length, read, expect);
  try {
    const out = Buffer.alloc(o.table.size);
    o.table.parts.forEach((p, i) => openPart(o, i, read(o.offsets[i]!, p[1] + TAG_BYTES)).copy(out, p[0]));
    return out;
  } finally {
    o.dataKey.fill(0);
  }
}

/** The parts a reader of `want` needs: all when `want` is undefined or names a column no part holds (a column the plan names but the file does not label: correct first). */
function needed(table: PartTable, want: ReadonlySet<string> | undefined): number[] {
  const all = table.parts.map((_, i) => i);
  if (want === undefined) return all;
  const labelled = new Set(table.parts.map((p) => p[2]));
  for (const c of want) if (!labelled.has(c)) return all;
  return all.filter((i) => {
    const c = table.parts[i]![2];
    return c === null || want.has(c);
  });
}

class PartsFill implements SegmentFill {
  bytes = 0;
  readonly done = new Set<number>();
  constructor(readonly table: PartTable) {}
  covers(want: ReadonlySet<string> | undefined): boolean {
    return needed(this.table, want).every((i) => this.done.has(i));
  }
}

function writeAt(fd: number, buf: Buffer, at: number): void {
  let done = 0;
  while (done < buf.length) {
    const n = writeSync(fd, buf, done, buf.length - done, at + done);
    if (n <= 0) throw Object.assign(new Error('no space left on device, write (wrote 0 bytes)'), { code: 'ENOSPC' });
    done += n;
  }
}

function readFully(fd: number, n: number, at: number): Buffer {
  const buf = Buffer.allocUnsafe(n);
  let got = 0;
  while (got < n) {
    const k = readSync(fd, buf, got, n - got, at + got);
    if (k === 0) throw new AuthenticationError('the segment file is truncated');
    got += k;
  }
  return buf;
}

/**
 * Decrypts into the plaintext Parquet file `dest` the parts a reader of the columns `want` needs
 * (lower-case names; undefined: all) that `fill` (what an earlier call wrote there; undefined: `dest`
 * is new, created 0600 at the Parquet file's size, all holes) does not hold yet. Each part is written
 * only once its tag was checked; on a failure the parts written before stay (they are authentic), a
 * new `dest` is removed. Throws AuthenticationError naming the part that failed.
 */
export function fillSegmentParts(wrapKeyBuf: Buffer, source: string, expect: SegmentExpect, dest: string, fill: SegmentFill | undefined, want: ReadonlySet<string> | undefined): SegmentFill {
  if (fill !== undefined && !(fill instanceof PartsFill)) throw new Error(`segment ${expect.segmentId} changed format under its decrypted copy`);
  const fd = openSync(source, 'r');
  let out: number | undefined;
  let ok = false;
  let o: Opened | undefined;
  try {
    o = openParts(wrapKeyBuf, fstatSync(fd).size, (at, n) => readFully(fd, n, at), expect);
    const f = fill ?? new PartsFill(o.table);
    if (JSON.stringify(f.table) !== JSON.stringify(o.table)) throw new AuthenticationError('the segment file changed under its decrypted copy');
    out = openSync(dest, fill ? 'r+' : 'wx', 0o600);
    if (!fill) ftruncateSync(out, o.table.size);
    for (const i of needed(o.table, want)) {
      if (f.done.has(i)) continue;
      const p = o.table.parts[i]!;
      const plain = openPart(o, i, readFully(fd, p[1] + TAG_BYTES, o.offsets[i]!));
      writeAt(out, plain, p[0]);
      f.done.add(i);
      f.bytes += p[1];
    }
    ok = true;
    return f;
  } finally {
    o?.dataKey.fill(0);
    closeSync(fd);
    if (out !== undefined) {
      closeSync(out);
      if (!ok && !fill) rmSync(dest, { force: true });
    }
  }
}

/** Where each part of a VGLSEG02 file image is (for diagnostics and tests): its column (null: every reader's) and its ciphertext's byte range in the file, tag included. */
export function partsLayout(wrapKeyBuf: Buffer, bytes: Buffer, expect: SegmentExpect): { column: string | null; at: number; length: number }[] {
  const o = openParts(wrapKeyBuf, bytes.length, (at, n) => bytes.subarray(at, at + n), expect);
  o.dataKey.fill(0);
  return o.table.parts.map((p, i) => ({ column: p[2], at: o.offsets[i]!, length: p[1] + TAG_BYTES }));
}
