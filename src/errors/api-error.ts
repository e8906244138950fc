/**
 * The one error model of every Vigil API: Azure's `{"error":{"code","message",…}}` shape.
 * Modules throw ApiError; the server turns it into a response with the status and body below.
 */
import { StorageError, storageErrorKind } from '../util/storage-io.js';
export interface ErrorBody {
  code: string;
  message: string;
  target?: string;
  details?: ErrorBody[];
  innererror?: Record<string, unknown>;
  [extra: string]: unknown;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly extra: Omit<ErrorBody, 'code' | 'message'> = {},
    /** Extra response headers, e.g. `retry-after` or `www-authenticate`. */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'ApiError';
  }

  body(): { error: ErrorBody } {
    return { error: { code: this.code, message: this.message, ...this.extra } };
  }
}

export const badRequest = (code: string, message: string, extra: Omit<ErrorBody, 'code' | 'message'> = {}) =>
  new ApiError(400, code, message, extra);
export const notFound = (code: string, message: string) => new ApiError(404, code, message);
export const unauthorized = (code: string, message: string) => new ApiError(401, code, message);
export const forbidden = (code: string, message: string) => new ApiError(403, code, message);

/** Seconds a client is asked to wait before retrying a request refused because storage is full or failing. */
export const STORAGE_RETRY_AFTER_SECONDS = 30;

/**
 * A full or failing disk (a StorageError, or a raw ENOSPC/EIO…) as Azure's retryable answer: 503 with
 * Retry-After, code `StorageFull` or `StorageUnavailable`. The Azure SDKs retry it. Undefined for
 * any other error.
 */
export function storageApiError(err: unknown): ApiError | undefined {
  const kind = storageErrorKind(err);
  if (!kind) return undefined;
  const what = err instanceof StorageError ? err.message : kind === 'full' ? "Vigil's storage is full." : "Vigil's storage is failing.";
  const message = `${what} Nothing of this request was stored; retry after the time in the Retry-After header${kind === 'full' ? ' (the operator must free space)' : ''}.`;
  return new ApiError(503, kind === 'full' ? 'StorageFull' : 'StorageUnavailable', message, {}, { 'retry-after': String(STORAGE_RETRY_AFTER_SECONDS) });
}
