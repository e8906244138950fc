/**
 * The one error model of every Vigil API: Azure's `{"error":{"code","message",…}}` shape.
 * Modules throw ApiError; the server turns it into a response with the status and body below.
 */
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
