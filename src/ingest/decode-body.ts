import { promisify } from 'node:util';
import { gunzip, inflate } from 'node:zlib';
import { ApiError } from '../errors/api-error.js';
import { parseJsonBody } from './parse-rows.js';

/** Azure's limit for one Logs Ingestion call, applied to the body before and after decompression. */
export const MAX_INGEST_BYTES = 1024 * 1024;

export const tooLarge = () =>
  new ApiError(413, 'ContentLengthLimitExceeded', `The request body is larger than the limit of ${MAX_INGEST_BYTES} bytes (1 MB), compressed or uncompressed. Send smaller batches.`);

/**
 * Decompresses (gzip or deflate, bounded so a gzip bomb stops at the limit) and parses the JSON array of
 * rows. Integers beyond ±(2^53−1) are read exactly, as bigint (Python's `json` and .NET send longs so).
 */
const gunzipAsync = promisify(gunzip);
/** Output chunk of the decompression: a typical 1,000-row batch (~250 KB) in one or two trips to the thread pool, not sixteen. */
const INFLATE_CHUNK = 256 * 1024;
const inflateAsync = promisify(inflate);

/**
 * Decompression runs on libuv's thread pool (not the event loop), so requests in flight decode in
 * parallel with each other and with the rest of the server's work.
 */
export async function decodeIngestBody(raw: Buffer, contentEncoding: string | undefined): Promise<unknown[]> {
  if (raw.length > MAX_INGEST_BYTES) throw tooLarge();
  const encoding = (contentEncoding ?? 'identity').trim().toLowerCase();
  let text: Buffer;
  try {
    if (encoding === 'gzip' || encoding === 'x-gzip') text = await gunzipAsync(raw, { maxOutputLength: MAX_INGEST_BYTES, chunkSize: INFLATE_CHUNK });
    else if (encoding === 'deflate') text = await inflateAsync(raw, { maxOutputLength: MAX_INGEST_BYTES, chunkSize: INFLATE_CHUNK });
    else if (encoding === 'identity' || encoding === '') text = raw;
    else throw new ApiError(415, 'UnsupportedContentEncoding', `Content-Encoding '${encoding}' is not supported: send gzip or uncompressed JSON.`);
  } catch (err) {
    if (err instanceof ApiError) throw err;
    if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' || err instanceof RangeError) throw tooLarge();
    throw new ApiError(400, 'InvalidContentEncoding', `The body could not be decompressed as ${encoding}: it is not valid ${encoding} data.`);
  }
  let parsed: unknown;
  try {
    parsed = parseJsonBody(text);
  } catch (err) {
    throw new ApiError(400, 'InvalidJson', `The request body is not valid JSON: ${(err as Error).message}. Send a JSON array of objects.`);
  }
  if (!Array.isArray(parsed)) throw new ApiError(400, 'InvalidJson', 'The request body must be a JSON array of objects, one per log entry.');
  return parsed;
}
