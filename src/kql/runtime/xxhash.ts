/**
 * xxhash.ts — Kusto's hash() / hash_xxhash64(): xxHash64 with seed 0 over the value's bytes, read
 * as a signed long. Checked against the docs: strings hash their UTF-8 bytes (hash("World") =
 * 1846988464401551951) and datetimes the little-endian 64-bit tick count (hash(datetime(2015-01-01))
 * = 1380966698541616202). Longs, timespans (ticks) and reals (IEEE-754) hash their 8
 * little-endian bytes the same way; a guid its 16 bytes in .NET order.
 */
import { xxh64 } from '@node-rs/xxhash';
import { BIGINT, DOUBLE, VARCHAR } from '@duckdb/node-api';
import { runtimeFunction } from './udf.js';

const signed = (h: bigint) => BigInt.asIntN(64, h);

function hashBytes(bytes: Uint8Array): bigint {
  return signed(xxh64(bytes, 0n));
}

function int64Bytes(v: bigint): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigInt64LE(BigInt.asIntN(64, v));
  return b;
}

/** .NET's Guid.ToByteArray(): the first three groups little-endian, the rest as written. */
function guidBytes(text: string): Buffer | null {
  const hex = text.replace(/-/g, '');
  if (!/^[0-9a-fA-F]{32}$/.test(hex)) return null;
  const b = Buffer.from(hex, 'hex');
  return Buffer.from([b[3]!, b[2]!, b[1]!, b[0]!, b[5]!, b[4]!, b[7]!, b[6]!, ...b.subarray(8)]);
}

export const XXHASH_FUNCTIONS = [
  runtimeFunction('kql_xxhash64_string', [VARCHAR], BIGINT, (s: string) => hashBytes(Buffer.from(s, 'utf8'))),
  runtimeFunction('kql_xxhash64_long', [BIGINT], BIGINT, (v: bigint) => hashBytes(int64Bytes(v))),
  runtimeFunction('kql_xxhash64_real', [DOUBLE], BIGINT, (v: number) => {
    const b = Buffer.alloc(8);
    b.writeDoubleLE(v);
    return hashBytes(b);
  }),
  runtimeFunction('kql_xxhash64_guid', [VARCHAR], BIGINT, (g: string) => {
    const b = guidBytes(g);
    return b ? hashBytes(b) : null;
  }),
];
