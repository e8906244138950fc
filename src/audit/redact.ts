/**
 * Scrubbing obfuscated-literal secrets (`h"…"`, reference §10) out of whatever Vigil derives from a
 * request — error messages, activity-log entries, log lines — given the secrets the request carried.
 */
import { ApiError } from '../errors/api-error.js';
import { obfuscatedSecrets } from '../kql/obfuscate.js';

export const REDACTED = '******';

/** Shortest run of a secret's leading characters that counts as the secret (messages often cut long tokens short). */
const MIN_PREFIX = 6;

/**
 * Replaces every occurrence of each secret — and every run of at least MIN_PREFIX of its leading
 * characters, as a message that truncates a long token shows it — with stars.
 */
export function redactString(s: string, secrets: readonly string[]): string {
  let out = s;
  for (const secret of secrets) {
    if (secret.length === 0) continue;
    if (out.includes(secret)) out = out.split(secret).join(REDACTED);
    if (secret.length <= MIN_PREFIX) continue;
    const head = secret.slice(0, MIN_PREFIX);
    let from = 0;
    for (let at = out.indexOf(head, from); at >= 0; at = out.indexOf(head, from)) {
      let n = MIN_PREFIX;
      while (n < secret.length && at + n < out.length && out[at + n] === secret[n]) n++;
      out = out.slice(0, at) + REDACTED + out.slice(at + n);
      from = at + REDACTED.length;
    }
  }
  return out;
}

/** A deep copy of a JSON-like value with every string scrubbed. */
export function redactValue<T>(v: T, secrets: readonly string[]): T {
  if (secrets.length === 0) return v;
  if (typeof v === 'string') return redactString(v, secrets) as T;
  if (Array.isArray(v)) return v.map((x) => redactValue(x, secrets)) as T;
  if (v && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
    return Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, redactValue(x, secrets)])) as T;
  }
  return v;
}

/** Every obfuscated-literal secret in any string of a request body (KQL can sit in any field, e.g. a rule's transformKql). */
export function secretsInBody(body: unknown, depth = 0): string[] {
  if (depth > 20) return [];
  if (typeof body === 'string') return obfuscatedSecrets(body);
  const out: string[] = [];
  if (Array.isArray(body)) for (const x of body) out.push(...secretsInBody(x, depth + 1));
  else if (body && typeof body === 'object') for (const x of Object.values(body)) out.push(...secretsInBody(x, depth + 1));
  return [...new Set(out)].sort((a, b) => b.length - a.length);
}

/** The error with every secret scrubbed from its message and body; other errors become a scrubbed plain Error. */
export function redactError(err: unknown, secrets: readonly string[]): unknown {
  if (secrets.length === 0) return err;
  if (err instanceof ApiError) {
    const message = redactString(err.message, secrets);
    const extra = redactValue(err.extra as Record<string, unknown>, secrets);
    if (message === err.message && JSON.stringify(extra) === JSON.stringify(err.extra)) return err;
    return new ApiError(err.status, err.code, message, extra, err.headers);
  }
  if (err instanceof Error) {
    const copy = new Error(redactString(err.message, secrets));
    copy.name = err.name;
    copy.stack = err.stack === undefined ? undefined : redactString(err.stack, secrets);
    return copy;
  }
  return err;
}
