/**
 * Reads an OTLP/HTTP logs export (`ExportLogsServiceRequest`) in either encoding the OTLP spec allows —
 * binary protobuf (`application/x-protobuf`, decoded by protobufjs) or JSON (`application/json`,
 * lowerCamelCase keys, trace and span ids in hex, 64-bit integers as strings or numbers) — optionally
 * gzip-compressed, into one plain shape. Sizes are bounded before and after decompression.
 */
import { gunzipSync } from 'node:zlib';
import { ApiError } from '../../errors/api-error.js';
import { parseExactJson } from '../../util/exact-json.js';
import { ExportLogsServiceRequest } from './proto.js';

/** Azure's Logs Ingestion limit, applied to OTLP bodies too: compressed and uncompressed. */
export const MAX_OTLP_BYTES = 1024 * 1024;

export type OtlpValue = string | number | boolean | bigint | null | OtlpValue[] | { [key: string]: OtlpValue };

export interface OtlpLogRecord {
  timeUnixNano?: bigint;
  observedTimeUnixNano?: bigint;
  severityNumber?: number;
  severityText?: string;
  body?: OtlpValue;
  attributes: Record<string, OtlpValue>;
  droppedAttributesCount?: number;
  traceId?: string;
  spanId?: string;
  eventName?: string;
}

export interface OtlpScopeLogs {
  scope: { name?: string; version?: string };
  logRecords: OtlpLogRecord[];
}

export interface OtlpResourceLogs {
  resource: Record<string, OtlpValue>;
  scopeLogs: OtlpScopeLogs[];
}

export type OtlpEncoding = 'protobuf' | 'json';

const invalid = (message: string) => new ApiError(400, 'InvalidPayload', `The OTLP logs export is not valid: ${message}.`);
const tooLarge = () => new ApiError(413, 'ContentLengthLimitExceeded', `The OTLP request body is larger than the limit of ${MAX_OTLP_BYTES} bytes (1 MB), compressed or uncompressed. Export smaller batches.`);

/** The encoding a Content-Type names (415 for anything else). */
export function otlpEncoding(contentType: string | undefined): OtlpEncoding {
  const type = String(contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (type === 'application/x-protobuf' || type === 'application/protobuf') return 'protobuf';
  if (type === 'application/json') return 'json';
  throw new ApiError(415, 'UnsupportedMediaType', `Content-Type must be application/x-protobuf or application/json for OTLP/HTTP (got '${type || 'none'}').`);
}

export function decodeOtlpLogs(raw: Buffer, encoding: OtlpEncoding, contentEncoding: string | undefined): OtlpResourceLogs[] {
  if (raw.length > MAX_OTLP_BYTES) throw tooLarge();
  const ce = (contentEncoding ?? 'identity').trim().toLowerCase();
  let body: Buffer;
  if (ce === 'gzip' || ce === 'x-gzip') {
    try {
      body = gunzipSync(raw, { maxOutputLength: MAX_OTLP_BYTES });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' || err instanceof RangeError) throw tooLarge();
      throw new ApiError(400, 'InvalidContentEncoding', 'The body could not be decompressed as gzip: it is not valid gzip data.');
    }
  } else if (ce === 'identity' || ce === '') body = raw;
  else throw new ApiError(415, 'UnsupportedContentEncoding', `Content-Encoding '${ce}' is not supported: send gzip or uncompressed OTLP.`);

  let message: unknown;
  if (encoding === 'protobuf') {
    try {
      message = ExportLogsServiceRequest.toObject(ExportLogsServiceRequest.decode(body), { longs: String, bytes: String, defaults: false });
    } catch (err) {
      throw invalid(`the body is not a protobuf ExportLogsServiceRequest (${(err as Error).message})`);
    }
  } else {
    try {
      message = parseExactJson(body.toString('utf8'));
    } catch (err) {
      throw new ApiError(400, 'InvalidJson', `The request body is not valid JSON: ${(err as Error).message}. Send an OTLP ExportLogsServiceRequest.`);
    }
  }
  return readRequest(message, encoding === 'protobuf' ? 'base64' : 'hex');
}

type IdEncoding = 'base64' | 'hex';

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

function list(v: unknown, at: string): unknown[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw invalid(`${at} must be an array`);
  return v;
}

function obj(v: unknown, at: string): Record<string, unknown> {
  if (v === undefined || v === null) return {};
  if (!isObject(v)) throw invalid(`${at} must be an object`);
  return v;
}

function str(v: unknown, at: string): string | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v !== 'string') throw invalid(`${at} must be a string`);
  return v;
}

function uint(v: unknown, at: string): number | undefined {
  if (v === undefined || v === null) return undefined;
  const n = typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : typeof v === 'bigint' ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) throw invalid(`${at} must be a non-negative integer`);
  return n;
}

/** A fixed64 nanosecond timestamp (a decimal string from protobufjs; a string or number in JSON). 0 means unset. */
function nanos(v: unknown, at: string): bigint | undefined {
  if (v === undefined || v === null) return undefined;
  let n: bigint;
  if (typeof v === 'bigint') n = v;
  else if (typeof v === 'string' && /^\d{1,20}$/.test(v)) n = BigInt(v);
  else if (typeof v === 'number' && Number.isInteger(v) && v >= 0) n = BigInt(v);
  else throw invalid(`${at} must be an unsigned 64-bit integer of nanoseconds`);
  return n === 0n ? undefined : n;
}

function id(v: unknown, bytes: number, encoding: IdEncoding, at: string): string | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v !== 'string') throw invalid(`${at} must be a string`);
  const hex = encoding === 'hex' ? v.toLowerCase() : Buffer.from(v, 'base64').toString('hex');
  if (!new RegExp(`^[0-9a-f]{${bytes * 2}}$`).test(hex)) throw invalid(`${at} must be ${bytes} bytes`);
  return /^0+$/.test(hex) ? undefined : hex;
}

/** An AnyValue as plain JSON: strings, booleans, numbers (int64 beyond 2^53 stays exact), arrays, objects; bytes as base64. */
function anyValue(v: unknown, at: string, depth = 0): OtlpValue {
  if (depth > 32) throw invalid(`${at} nests deeper than 32 levels`);
  if (v === undefined || v === null) return null;
  if (!isObject(v)) throw invalid(`${at} must be an AnyValue object`);
  if ('stringValue' in v) return str(v.stringValue, `${at}.stringValue`) ?? '';
  if ('boolValue' in v) {
    if (typeof v.boolValue !== 'boolean') throw invalid(`${at}.boolValue must be a boolean`);
    return v.boolValue;
  }
  if ('intValue' in v) {
    const raw = v.intValue;
    let n: bigint;
    if (typeof raw === 'bigint') n = raw;
    else if (typeof raw === 'number' && Number.isInteger(raw)) n = BigInt(raw);
    else if (typeof raw === 'string' && /^-?\d{1,20}$/.test(raw)) n = BigInt(raw);
    else throw invalid(`${at}.intValue must be a 64-bit integer`);
    if (n < -(2n ** 63n) || n >= 2n ** 63n) throw invalid(`${at}.intValue is outside the 64-bit range`);
    return n >= BigInt(Number.MIN_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n;
  }
  if ('doubleValue' in v) {
    const d = v.doubleValue;
    if (typeof d === 'number') return Number.isFinite(d) ? d : String(d);
    if (typeof d === 'bigint') return Number(d);
    if (typeof d === 'string' && /^(NaN|-?Infinity)$/.test(d)) return d;
    throw invalid(`${at}.doubleValue must be a number`);
  }
  if ('bytesValue' in v) return str(v.bytesValue, `${at}.bytesValue`) ?? '';
  if ('arrayValue' in v) return list(obj(v.arrayValue, `${at}.arrayValue`).values, `${at}.arrayValue.values`).map((x, i) => anyValue(x, `${at}.arrayValue.values[${i}]`, depth + 1));
  if ('kvlistValue' in v) return keyValues(obj(v.kvlistValue, `${at}.kvlistValue`).values, `${at}.kvlistValue.values`, depth + 1);
  return null;
}

function keyValues(v: unknown, at: string, depth = 0): Record<string, OtlpValue> {
  const out: Record<string, OtlpValue> = {};
  list(v, at).forEach((kv, i) => {
    const o = obj(kv, `${at}[${i}]`);
    const key = str(o.key, `${at}[${i}].key`);
    if (key === undefined) throw invalid(`${at}[${i}].key is required`);
    out[key] = anyValue(o.value, `${at}[${i}].value`, depth);
  });
  return out;
}

function readRequest(message: unknown, ids: IdEncoding): OtlpResourceLogs[] {
  if (!isObject(message)) throw invalid('the body must be an ExportLogsServiceRequest object');
  return list(message.resourceLogs, 'resourceLogs').map((rl, i) => {
    const at = `resourceLogs[${i}]`;
    const r = obj(rl, at);
    return {
      resource: keyValues(obj(r.resource, `${at}.resource`).attributes, `${at}.resource.attributes`),
      scopeLogs: list(r.scopeLogs, `${at}.scopeLogs`).map((sl, j) => {
        const sat = `${at}.scopeLogs[${j}]`;
        const s = obj(sl, sat);
        const scope = obj(s.scope, `${sat}.scope`);
        return {
          scope: { name: str(scope.name, `${sat}.scope.name`), version: str(scope.version, `${sat}.scope.version`) },
          logRecords: list(s.logRecords, `${sat}.logRecords`).map((lr, k): OtlpLogRecord => {
            const lat = `${sat}.logRecords[${k}]`;
            const l = obj(lr, lat);
            const severity = uint(l.severityNumber, `${lat}.severityNumber`);
            if (severity !== undefined && severity > 24) throw invalid(`${lat}.severityNumber must be between 0 and 24`);
            return {
              timeUnixNano: nanos(l.timeUnixNano, `${lat}.timeUnixNano`),
              observedTimeUnixNano: nanos(l.observedTimeUnixNano, `${lat}.observedTimeUnixNano`),
              severityNumber: severity || undefined,
              severityText: str(l.severityText, `${lat}.severityText`),
              body: l.body === undefined ? undefined : anyValue(l.body, `${lat}.body`),
              attributes: keyValues(l.attributes, `${lat}.attributes`),
              droppedAttributesCount: uint(l.droppedAttributesCount, `${lat}.droppedAttributesCount`),
              traceId: id(l.traceId, 16, ids, `${lat}.traceId`),
              spanId: id(l.spanId, 8, ids, `${lat}.spanId`),
              eventName: str(l.eventName, `${lat}.eventName`),
            };
          }),
        };
      }),
    };
  });
}
