/**
 * The patterns of private data Vigil recognises, in one place: the redaction functions of KQL
 * (src/kql/functions/masking.ts, evaluated by DuckDB's RE2) and the private-data scanner
 * (src/governance/private-data-scanner.ts, evaluated in JS) use the same expressions, so a value
 * the scanner reports is one the matching redact_*() removes. Every pattern is written in the
 * syntax RE2 and JavaScript share (no look-behind, no named groups).
 */

/** An e-mail address (local part, @, a domain with a dot and a 2+ letter top-level label). */
export const EMAIL = String.raw`[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}`;

/** A payment-card candidate: 13 to 19 digits, optionally grouped by single spaces or dashes; only Luhn-valid ones count. */
export const CARD_CANDIDATE = String.raw`\b\d(?:[ -]?\d){12,18}\b`;

/** A dotted-quad IPv4 address (each part 0-255). */
export const IPV4 = String.raw`\b(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\b`;

/**
 * An IPv6 address: the full eight groups, or a compressed form with `::` and at least one group
 * (`fe80::1`, `2001:db8::`, `::1`). Times such as 12:30:45 are not matched (they have neither).
 */
export const IPV6 = String.raw`(?:\b(?:[0-9A-Fa-f]{1,4}:){7}[0-9A-Fa-f]{1,4}\b|\b(?:[0-9A-Fa-f]{1,4}:){1,7}:(?:[0-9A-Fa-f]{1,4}(?::[0-9A-Fa-f]{1,4}){0,6}\b)?|::(?:[0-9A-Fa-f]{1,4}:){0,6}[0-9A-Fa-f]{1,4}\b)`;

/**
 * Secrets, each with how the redaction keeps the surrounding text: `name=value` pairs keep the name
 * (group 1) and lose the value; tokens that are recognisable by their shape are removed whole.
 */
export const SECRET_PATTERNS: readonly { name: string; regex: string; keepPrefix: boolean }[] = [
  {
    name: 'private-key',
    regex: String.raw`-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----`,
    keepPrefix: false,
  },
  {
    // Connection strings and config lines: Password=…; AccountKey=…; api_key: …; client_secret=…
    name: 'key-value',
    regex: String.raw`(?i)(\b(?:password|passwd|pwd|secret|client[_-]?secret|token|access[_-]?token|refresh[_-]?token|api[_-]?key|apikey|access[_-]?key|account[_-]?key|shared[_-]?access[_-]?key|sig)\s*[=:]\s*)(?:"[^"]*"|'[^']*'|[^\s;,&"']+)`,
    keepPrefix: true,
  },
  { name: 'bearer-token', regex: String.raw`(?i)(\bbearer\s+)[A-Za-z0-9._~+/-]+=*`, keepPrefix: true },
  { name: 'jwt', regex: String.raw`\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*`, keepPrefix: false },
  { name: 'aws-access-key', regex: String.raw`\b(?:AKIA|ASIA)[0-9A-Z]{16}\b`, keepPrefix: false },
  { name: 'github-token', regex: String.raw`\bgh[pousr]_[A-Za-z0-9]{36,}\b`, keepPrefix: false },
];

/** National identifier formats the scanner looks for unless a workspace configures its own list. */
export const DEFAULT_NATIONAL_ID_PATTERNS: readonly { name: string; regex: string }[] = [
  { name: 'us-ssn', regex: String.raw`\b(?:00[1-9]|0[1-9]\d|[1-578]\d\d|6[0-57-9]\d|66[0-57-9])-(?:0[1-9]|[1-9]\d)-(?:000[1-9]|00[1-9]\d|0[1-9]\d\d|[1-9]\d{3})\b` },
  { name: 'uk-nino', regex: String.raw`\b[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z] ?\d{2} ?\d{2} ?\d{2} ?[A-D]\b` },
  { name: 'fr-nir', regex: String.raw`\b[12] ?\d{2} ?(?:0[1-9]|1[0-2]) ?(?:\d{2}|2[AB]) ?\d{3} ?\d{3} ?\d{2}\b` },
];

/** The Luhn checksum of a digit string (other characters ignored): true when valid. */
export function luhnValid(text: string): boolean {
  const digits = text.replace(/\D/g, '');
  if (digits.length < 13 || digits.length > 19) return false;
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

/** The RE2 `(?i)` prefix is not JavaScript: turn it into the `i` flag. */
export function jsRegExp(re2: string, flags = 'g'): RegExp {
  return re2.startsWith('(?i)') ? new RegExp(re2.slice(4), `${flags}i`) : new RegExp(re2, flags);
}
