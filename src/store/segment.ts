/**
 * Segment files: one zstd Parquet file, encrypted whole with its own random data key.
 *
 *   "VGLSEG01" ‖ body length u32 ‖ body (JSON: segment id, workspace, table, created) ‖
 *   wrapped data key (60 bytes, under the workspace wrap key) ‖ nonce (12) ‖ ciphertext ‖ tag (16)
 *
 * Everything before the nonce is authenticated data of both the key wrap and the payload, so a
 * segment cannot be renamed, moved to another workspace or table, or altered without failing.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { nodeIo, StorageError, writeAllSync, type StorageIo } from '../util/storage-io.js';
import { decrypt, encrypt, newKey, unwrapKey, wrapKey, NONCE_BYTES, TAG_BYTES, WRAPPED_KEY_BYTES, AuthenticationError } from '../keys/crypto.js';

const MAGIC = Buffer.from('VGLSEG01');

export interface SegmentHeader {
  segmentId: string;
  workspaceId: string;
  table: string;
  createdAt: string;
}

export const newSegmentId = () => `seg-${Date.now().toString(36)}-${randomBytes(8).toString('hex')}`;
export const segmentFileName = (segmentId: string) => `${segmentId}.vseg`;

const context = (h: SegmentHeader, authenticated: Buffer) => `vigil-segment:${h.workspaceId.toLowerCase()}:${h.segmentId}:${authenticated.toString('base64')}`;

/** Encrypts Parquet bytes into a segment file image; returns it with its SHA-256. */
export function sealSegment(wrapKeyBuf: Buffer, header: SegmentHeader, parquet: Uint8Array): { bytes: Buffer; sha256: string } {
  const body = Buffer.from(JSON.stringify(header));
  const len = Buffer.alloc(4);
  len.writeUInt32BE(body.length);
  const authenticated = Buffer.concat([MAGIC, len, body]);
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

/** Authenticates and decrypts a segment file image; throws AuthenticationError naming what failed. */
export function openSegment(wrapKeyBuf: Buffer, bytes: Buffer, expect: { segmentId: string; workspaceId: string; table: string }): Buffer {
  if (bytes.length < MAGIC.length + 4 || !bytes.subarray(0, MAGIC.length).equals(MAGIC)) throw new AuthenticationError('not a Vigil segment file (bad header)');
  const bodyLen = bytes.readUInt32BE(MAGIC.length);
  const bodyEnd = MAGIC.length + 4 + bodyLen;
  if (bytes.length < bodyEnd + WRAPPED_KEY_BYTES + NONCE_BYTES + TAG_BYTES) throw new AuthenticationError('the segment file is truncated');
  const authenticated = bytes.subarray(0, bodyEnd);
  let header: SegmentHeader;
  try {
    header = JSON.parse(authenticated.subarray(MAGIC.length + 4).toString('utf8')) as SegmentHeader;
  } catch {
    throw new AuthenticationError('the segment header is not readable');
  }
  if (header.segmentId !== expect.segmentId || header.workspaceId.toLowerCase() !== expect.workspaceId.toLowerCase() || header.table !== expect.table) {
    throw new AuthenticationError(`the segment file claims to be ${header.segmentId} of table ${header.table}, not ${expect.segmentId} of ${expect.table}`);
  }
  const dataKey = unwrapKey(wrapKeyBuf, bytes.subarray(bodyEnd, bodyEnd + WRAPPED_KEY_BYTES), context(header, authenticated), 'the segment data key');
  const nonceAt = bodyEnd + WRAPPED_KEY_BYTES;
  const out = decrypt(dataKey, bytes.subarray(nonceAt, nonceAt + NONCE_BYTES), bytes.subarray(nonceAt + NONCE_BYTES, bytes.length - TAG_BYTES), bytes.subarray(bytes.length - TAG_BYTES), authenticated, 'the segment contents');
  dataKey.fill(0);
  return out;
}

export function readSegmentFile(path: string): Buffer {
  return readFileSync(path);
}
