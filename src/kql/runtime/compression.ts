/**
 * compression.ts — gzip_compress_to_base64_string / zlib_compress_to_base64_string and their
 * decompressing inverses (gzip-base64-compress.md, zlib-base64-compress-function.md, …), on node:zlib.
 *
 * Compression writes stored (level 0) deflate blocks and a gzip header with no OS (0xff), which is
 * what Kusto's own outputs in the docs are byte for byte. Decompression accepts any valid stream;
 * invalid input gives '' (the docs' "x0x0x0" examples). Vigil's own cap: a decompressed value of
 * more than 16 MiB gives '' too, so that a small compressed text cannot exhaust memory.
 */
import { VARCHAR } from '@duckdb/node-api';
import { deflateSync, gunzipSync, gzipSync, inflateSync } from 'node:zlib';
import { runtimeFunction } from './udf.js';

export const MAX_DECOMPRESSED_BYTES = 16 * 1024 * 1024;
const BASE64_RE = /^[A-Za-z0-9+/]*={0,2}$/;

function decompress(text: string, inflate: (b: Buffer, o: { maxOutputLength: number }) => Buffer): string {
  if (!BASE64_RE.test(text) || text.length % 4 !== 0) return '';
  try {
    return inflate(Buffer.from(text, 'base64'), { maxOutputLength: MAX_DECOMPRESSED_BYTES }).toString('utf8');
  } catch {
    return '';
  }
}

export const COMPRESSION_FUNCTIONS = [
  runtimeFunction('kql_gzip_compress_to_base64_string', [VARCHAR], VARCHAR, (text: string) => {
    const gz = gzipSync(Buffer.from(text, 'utf8'), { level: 0 });
    gz[8] = 0; // XFL
    gz[9] = 0xff; // OS: unknown
    return gz.toString('base64');
  }),
  runtimeFunction('kql_zlib_compress_to_base64_string', [VARCHAR], VARCHAR, (text: string) =>
    deflateSync(Buffer.from(text, 'utf8'), { level: 0 }).toString('base64')),
  runtimeFunction('kql_gzip_decompress_from_base64_string', [VARCHAR], VARCHAR, (text: string) => decompress(text, gunzipSync)),
  runtimeFunction('kql_zlib_decompress_from_base64_string', [VARCHAR], VARCHAR, (text: string) => decompress(text, inflateSync)),
];
