import { request, type IncomingMessage } from 'node:http';
import { ApiError } from '../errors/api-error.js';
import type { Upstream } from './prometheus-instance.js';

/**
 * One request to an account's Prometheus on loopback, with its basic-auth header and only the headers
 * given here (never the caller's Authorization or cookies). Resolves with the response, unread.
 */
export function forward(
  upstream: Upstream,
  method: 'GET' | 'POST',
  pathAndQuery: string,
  headers: Record<string, string>,
  body?: Buffer | string,
  timeoutMs = 150_000,
): Promise<IncomingMessage> {
  return new Promise((res, rej) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: upstream.port,
        method,
        path: pathAndQuery,
        headers: { ...headers, authorization: upstream.authorization, ...(body !== undefined ? { 'content-length': String(Buffer.byteLength(body)) } : {}) },
        timeout: timeoutMs,
      },
      res,
    );
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', (err) =>
      rej(new ApiError(503, 'ServiceUnavailable', `The metrics store of this Azure Monitor workspace did not answer (${err.message}); retry shortly.`, {}, { 'retry-after': '5' })),
    );
    req.end(body);
  });
}

/** Reads a response body up to a bound (for error messages). */
export async function readText(res: IncomingMessage, max = 4096): Promise<string> {
  let out = '';
  for await (const chunk of res) {
    if (out.length < max) out += (chunk as Buffer).toString('utf8');
  }
  return out.slice(0, max);
}
