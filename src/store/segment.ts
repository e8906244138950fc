/**
 * Segment files: one zstd Parquet file encrypted with its own random data key. New segments are
 * written in parts (format VGLSEG02, segment-parts.ts: each column chunk apart, so a query decrypts
 * only the columns it reads); files of the first format, encrypted whole, stay readable:
 *
 *   "VGLSEG01" ‖ body length u32 ‖ body (JSON: segment id, workspace, table, created) ‖
 *   wrapped data key (60 bytes, under the workspace wrap key) ‖ nonce (12) ‖ ciphertext ‖ tag (16)
 *
 * Everything before the nonce is authenticated data of both the key wrap and the payload, so a
 * segment cannot be renamed, moved to another workspace or table, or altered without failing.
 */
import { createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { closeSync, fstatSync, openSync, readFileSync, readSync, rmSync } from 'node:fs';
import { nodeIo, StorageError, writeAllSync, type StorageIo } from '../util/storage-io.js';
import { fillSegmentParts, isPartsFormat, openSegmentParts, type SegmentFill } from './segment-parts.js';
import { decrypt, encrypt, newKey, unwrapKey, wrapKey, NONCE_BYTES, TAG_BYTES, WRAPPED_KEY_BYTES, AuthenticationError } from '../keys/crypto.js';

const MAGIC = Buffer.from('VGLSEG01');

export interface SegmentHeader {
  segmentId: string;
  workspaceId: string;
  table: string;
  createdAt: string;
}

/** The segment a file is read as (its header must say so). */
export interface SegmentExpect {
  segmentId: string;
  workspaceId: string;
  table: string;
}

export const newSegmentId = () => `seg-${Date.now().toString(36)}-${randomBytes(8).toString('hex')}`;
export const segmentFileName = (segmentId: string) => `${segmentId}.vseg`;

export const context = (h: SegmentHeader, authenticated: Buffer) => `vigil-segment:${h.workspaceId.toLowerCase()}:${h.segmentId}:${authenticated.toString('base64')}`;

/** What both formats authenticate of a segment file's start: magic ‖ body length u32 ‖ body (the header as JSON). */
export function authenticatedHeader(magic: Buffer, header: SegmentHeader): Buffer {
  const body = Buffer.from(JSON.stringify(header));
  const len = Buffer.alloc(4);
  len.writeUInt32BE(body.length);
  return Buffer.concat([magic, len, body]);
}

/** Encrypts Parquet bytes into a segment file image of the first format (encrypted whole); returns it with its SHA-256. New segments: sealSegmentParts. */
export function sealSegmentWhole(wrapKeyBuf: Buffer, header: SegmentHeader, parquet: Uint8Array): { bytes: Buffer; sha256: string } {
  const authenticated = authenticatedHeader(MAGIC, header);
  const dataKey = newKey();
  const wrapped = wrapKey(wrapKeyBuf, dataKey, context(header, authenticated));
  const { nonce, ciphertext, tag } = encrypt(dataKey, parquet, authenticated);
  dataKey.fill(0);
  const bytes = Buffer.concat([authenticated, wrapped, nonce, ciphertext, tag]);
  return { bytes, sha256: createHash('sha256').update(bytes).digest('hex') };
}

/** Writes a segment file durably (fsync); the caller fsyncs the folder with the manifest update. */
/** Writes a new segment file completely and fsyncs it; on failure the partial file is removed (and a full disk is a StorageError). */
export function writeSegmentFile(path: string, bytes: Uint8Array, io: StorageIo = nodeIo): void {
  try {
    const fd = io.openSync(path, 'wx', 0o600);
    try {
      writeAllSync(io, fd, bytes);
      io.fsyncSync(fd);
    } finally {
      io.closeSync(fd);
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
      try {
        io.unlinkSync(path);
      } catch {
        /* not created */
      }
    }
    throw StorageError.from(err, path, 'writing a segment');
  }
}

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Where a segment file image's parts are, from its first bytes (everything up to the ciphertext). */
interface SegmentLayout {
  header: SegmentHeader;
  /** MAGIC ‖ length ‖ body: the authenticated data of the key wrap and the payload. */
  authenticated: Buffer;
  wrappedKey: Buffer;
  nonce: Buffer;
  /** Offset of the ciphertext in the file image. */
  ciphertextAt: number;
}

const headLength = (prefix: Buffer): number => {
  if (prefix.length < MAGIC.length + 4 || !prefix.subarray(0, MAGIC.length).equals(MAGIC)) throw new AuthenticationError('not a Vigil segment file (bad header)');
  return MAGIC.length + 4 + prefix.readUInt32BE(MAGIC.length) + WRAPPED_KEY_BYTES + NONCE_BYTES;
};

/** Reads and checks the parts before the ciphertext; `prefix` holds at least `headLength(prefix)` bytes (copied: the caller may reuse it). */
function segmentLayout(prefix: Buffer, total: number, expect: SegmentExpect): SegmentLayout {
  const ciphertextAt = headLength(prefix);
  const bodyEnd = ciphertextAt - WRAPPED_KEY_BYTES - NONCE_BYTES;
  if (total < ciphertextAt + TAG_BYTES) throw new AuthenticationError('the segment file is truncated');
  const authenticated = Buffer.from(prefix.subarray(0, bodyEnd));
  const header = segmentHeaderOf(authenticated, expect);
  return {
    header,
    authenticated,
    wrappedKey: Buffer.from(prefix.subarray(bodyEnd, bodyEnd + WRAPPED_KEY_BYTES)),
    nonce: Buffer.from(prefix.subarray(bodyEnd + WRAPPED_KEY_BYTES, ciphertextAt)),
    ciphertextAt,
  };
}

/** The header in `authenticated` (magic ‖ length ‖ body), checked against the segment it should be (authenticated later, with the key). */
export function segmentHeaderOf(authenticated: Buffer, expect: SegmentExpect): SegmentHeader {
  let header: SegmentHeader;
  try {
    header = JSON.parse(authenticated.subarray(MAGIC.length + 4).toString('utf8')) as SegmentHeader;
  } catch {
    throw new AuthenticationError('the segment header is not readable');
  }
  if (header.segmentId !== expect.segmentId || header.workspaceId.toLowerCase() !== expect.workspaceId.toLowerCase() || header.table !== expect.table) {
    throw new AuthenticationError(`the segment file claims to be ${header.segmentId} of table ${header.table}, not ${expect.segmentId} of ${expect.table}`);
  }
  return header;
}

const dataKeyOf = (wrapKeyBuf: Buffer, l: SegmentLayout) => unwrapKey(wrapKeyBuf, l.wrappedKey, context(l.header, l.authenticated), 'the segment data key');

/** Authenticates and decrypts a segment file image (either format) whole; throws AuthenticationError naming what failed. */
export function openSegment(wrapKeyBuf: Buffer, bytes: Buffer, expect: SegmentExpect): Buffer {
  if (isPartsFormat(bytes)) return openSegmentParts(wrapKeyBuf, bytes, expect);
  const l = segmentLayout(bytes, bytes.length, expect);
  const dataKey = dataKeyOf(wrapKeyBuf, l);
  const out = decrypt(dataKey, l.nonce, bytes.subarray(l.ciphertextAt, bytes.length - TAG_BYTES), bytes.subarray(bytes.length - TAG_BYTES), l.authenticated, 'the segment contents');
  dataKey.fill(0);
  return out;
}

/**
 * Pieces a segment file is read and decrypted in by `decryptSegmentFile`. Reading the whole file and
 * decrypting it at once allocated two fresh buffers of its size (and `Buffer.concat` a third): on a
 * cold process every page of them is a page fault, which cost more than the AES-GCM itself.
 */
export const SEGMENT_CHUNK_BYTES = 256 * 1024;
/** The read buffer, reused by every call (synchronous, so never shared): it holds ciphertext only. */
let chunkBuffer: Buffer | undefined;

function readFullySync(fd: number, buf: Buffer, length: number, position: number): void {
  let done = 0;
  while (done < length) {
    const n = readSync(fd, buf, done, length - done, position + done);
    if (n === 0) throw new AuthenticationError('the segment file is truncated');
    done += n;
  }
}

/**
 * Authenticates and decrypts the segment file at `source` into a new file `dest` (created 0600; it
 * must not exist), in pieces, and returns the plaintext's length. The GCM tag is checked by the last
 * step, once every piece was written: until this returns, `dest` must not be read (the caller hands
 * its path to nobody before), and on any failure it is removed before the error is thrown
 * (AuthenticationError naming what failed; an I/O error as it is, ENOENT when `source` is missing).
 */
export function decryptSegmentFile(wrapKeyBuf: Buffer, source: string, expect: SegmentExpect, dest: string): number {
  const fd = openSync(source, 'r');
  let out: number | undefined;
  let ok = false;
  try {
    const size = fstatSync(fd).size;
    const buf = (chunkBuffer ??= Buffer.allocUnsafeSlow(SEGMENT_CHUNK_BYTES));
    let got = Math.min(size, buf.length);
    readFullySync(fd, buf, got, 0);
    let prefix = buf.subarray(0, got);
    const need = headLength(prefix);
    if (size < need + TAG_BYTES) throw new AuthenticationError('the segment file is truncated');
    if (need > got) {
      // A header longer than a piece (never written by Vigil, but not refused for it): read it whole.
      prefix = Buffer.alloc(need);
      readFullySync(fd, prefix, need, 0);
      got = 0;
    }
    const l = segmentLayout(prefix, size, expect);
    const dataKey = dataKeyOf(wrapKeyBuf, l);
    const decipher = createDecipheriv('aes-256-gcm', dataKey, l.nonce);
    dataKey.fill(0);
    decipher.setAAD(l.authenticated);
    const tag = Buffer.alloc(TAG_BYTES);
    readFullySync(fd, tag, TAG_BYTES, size - TAG_BYTES);
    decipher.setAuthTag(tag);
    out = openSync(dest, 'wx', 0o600);
    const end = size - TAG_BYTES;
    // The ciphertext already read with the header, then the rest piece by piece.
    let pos = l.ciphertextAt;
    if (got > pos) {
      const upto = Math.min(got, end);
      writeAllSync(nodeIo, out, decipher.update(buf.subarray(pos, upto)));
      pos = upto;
    }
    while (pos < end) {
      const n = Math.min(buf.length, end - pos);
      readFullySync(fd, buf, n, pos);
      writeAllSync(nodeIo, out, decipher.update(buf.subarray(0, n)));
      pos += n;
    }
    try {
      decipher.final();
    } catch {
      throw new AuthenticationError('the segment contents failed authentication: it was altered, or it was sealed with another key');
    }
    ok = true;
    return end - l.ciphertextAt;
  } finally {
    closeSync(fd);
    if (out !== undefined) {
      closeSync(out);
      if (!ok) rmSync(dest, { force: true });
    }
  }
}

/** What of a decrypted segment file is there when it was written whole (the first format, or a segment just sealed). */
export const wholeFill = (bytes: number): SegmentFill => ({ bytes, covers: () => true });

/**
 * Decrypts into `dest` what a reader of the columns `want` (lower-case names; undefined: all) needs
 * of the segment file at `source`, either format; `fill` is what an earlier call put in `dest`
 * (undefined: `dest` is new). Every byte written was authenticated first, or — the first format —
 * `dest` is removed on failure (see decryptSegmentFile).
 */
export function decryptSegmentInto(wrapKeyBuf: Buffer, source: string, expect: SegmentExpect, dest: string, fill: SegmentFill | undefined, want: ReadonlySet<string> | undefined): SegmentFill {
  if (fill?.covers(want)) return fill;
  const fd = openSync(source, 'r');
  const magic = Buffer.alloc(MAGIC.length);
  try {
    readSync(fd, magic, 0, magic.length, 0);
  } finally {
    closeSync(fd);
  }
  if (isPartsFormat(magic)) return fillSegmentParts(wrapKeyBuf, source, expect, dest, fill, want);
  if (fill) throw new Error(`segment ${expect.segmentId} changed format under its decrypted copy`);
  return wholeFill(decryptSegmentFile(wrapKeyBuf, source, expect, dest));
}

export function readSegmentFile(path: string): Buffer {
  return readFileSync(path);
}
