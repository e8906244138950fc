/**
 * punycode.ts — punycode_from_string / punycode_to_string (one label, RFC 3492, no `xn--`) and
 * punycode_domain_to_string / punycode_domain_from_string (each label of a domain; labels are
 * separated by `.` or its ideographic and full-width forms). Letter case is kept, as the docs'
 * examples show (`xn--Ge-mia` → `Gáe`): no IDNA mapping. Failure → '' (the docs' "empty result").
 * Encoding takes time quadratic in the length, so a value longer than MAX_PUNYCODE_INPUT characters
 * (a DNS name has at most 253) fails too — a limit of Vigil's.
 */
import { createRequire } from 'node:module';
import { VARCHAR } from '@duckdb/node-api';
import { runtimeFunction } from './udf.js';

interface Punycode {
  encode(s: string): string;
  decode(s: string): string;
}
// the npm package, not Node's deprecated built-in module of the same name
const punycode = createRequire(import.meta.url)('punycode/punycode.js') as Punycode;

const LABEL_SEPARATORS = /[.\u3002\uFF0E\uFF61]/;
const ASCII = /^[\x00-\x7F]*$/;

export const MAX_PUNYCODE_INPUT = 1024;

function attempt(f: () => string): string {
  try {
    return f();
  } catch {
    return '';
  }
}

const bounded = (s: string, f: () => string): string => (s.length > MAX_PUNYCODE_INPUT ? '' : attempt(f));

export const punycodeFromString = (s: string): string => bounded(s, () => punycode.encode(s));
export const punycodeToString = (s: string): string => bounded(s, () => punycode.decode(s));

export function punycodeDomainToString(domain: string): string {
  return bounded(domain, () => domain.split(LABEL_SEPARATORS).map((l) => (ASCII.test(l) ? l : `xn--${punycode.encode(l)}`)).join('.'));
}
export function punycodeDomainFromString(encoded: string): string {
  return bounded(encoded, () => encoded.split(LABEL_SEPARATORS).map((l) => (/^xn--/i.test(l) ? punycode.decode(l.slice(4)) : l)).join('.'));
}

export const PUNYCODE_FUNCTIONS = [
  runtimeFunction('kql_punycode_from_string', [VARCHAR], VARCHAR, punycodeFromString),
  runtimeFunction('kql_punycode_to_string', [VARCHAR], VARCHAR, punycodeToString),
  runtimeFunction('kql_punycode_domain_to_string', [VARCHAR], VARCHAR, punycodeDomainToString),
  runtimeFunction('kql_punycode_domain_from_string', [VARCHAR], VARCHAR, punycodeDomainFromString),
];
