/**
 * obfuscate.ts — where a query's obfuscated string literals (`h"…"`, `h'…'`, `H@"…"`, reference §10) are,
 * found with the lexer itself so that "what is an obfuscated literal" has exactly one definition.
 *
 *  - `maskObfuscatedLiterals(text)` replaces every obfuscated literal with `h"******"` (a fixed number
 *    of stars, so not even the length of the secret is kept); the result is still valid KQL wherever the
 *    original was.
 *  - `obfuscatedSecrets(text)` lists the secret texts (decoded values and raw literal texts), so that
 *    messages derived from the query (errors, logs) can be scrubbed of them.
 *
 * Text the lexer cannot read is handled conservatively: lexing resumes just after the offending
 * character, and an unterminated obfuscated literal is masked to the end of its line.
 */
import { KqlError, SourceText } from './errors.js';
import { tokenize } from './lexer.js';

export const MASKED_LITERAL = 'h"******"';

interface Found {
  start: number;
  end: number;
  raw: string;
  value: string;
}

/** Offset of a 1-based line/column in `text`, with the line breaks SourceText uses. */
function offsetOf(text: string, line: number, column: number): number {
  let l = 1;
  let i = 0;
  while (l < line && i < text.length) {
    const c = text.charCodeAt(i);
    i++;
    if (c === 10 || (c === 13 && text.charCodeAt(i) !== 10)) l++;
  }
  return Math.min(text.length, i + column - 1);
}

const OBFUSCATED_START = /^[hH]@?["']/;

function findObfuscated(text: string): Found[] {
  const found: Found[] = [];
  let base = 0;
  // Every round either finishes the text or moves past the character the lexer refused.
  while (base < text.length) {
    const rest = text.slice(base);
    try {
      for (const t of tokenize(new SourceText(rest))) {
        if (t.kind === 'string' && t.obfuscated) {
          found.push({ start: base + t.span.start, end: base + t.span.end, raw: t.text, value: t.value ?? '' });
        }
      }
      break;
    } catch (err) {
      if (!(err instanceof KqlError)) throw err;
      const at = base + offsetOf(rest, err.line, err.column);
      // The tokens before the refused one were lost with the exception: read them again on their own.
      if (at > base) for (const f of findObfuscated(text.slice(base, at))) found.push({ ...f, start: base + f.start, end: base + f.end });
      if (OBFUSCATED_START.test(text.slice(at, at + 3))) {
        // An obfuscated literal the lexer could not finish: everything to the end of its line is secret.
        let end = at;
        while (end < text.length && text[end] !== '\n' && text[end] !== '\r') end++;
        const raw = text.slice(at, end);
        found.push({ start: at, end, raw, value: raw.replace(/^[hH]@?["']/, '') });
        base = end;
      } else {
        base = Math.max(at + 1, base + 1);
      }
    }
  }
  return found;
}

/** The query text with every obfuscated string literal replaced by `h"******"`. */
export function maskObfuscatedLiterals(text: string): string {
  if (typeof text !== 'string' || !/[hH]@?["']/.test(text)) return text;
  const found = findObfuscated(text);
  if (found.length === 0) return text;
  let out = '';
  let last = 0;
  for (const f of found) {
    out += text.slice(last, f.start) + MASKED_LITERAL;
    last = f.end;
  }
  return out + text.slice(last);
}

/** The texts that must not leave Vigil in anything derived from the query: each literal's value and its raw text. */
export function obfuscatedSecrets(text: string): string[] {
  if (typeof text !== 'string' || !/[hH]@?["']/.test(text)) return [];
  const out = new Set<string>();
  for (const f of findObfuscated(text)) {
    if (f.value.length > 0) out.add(f.value);
    out.add(f.raw);
  }
  // Longest first, so a secret that contains another is replaced whole.
  return [...out].sort((a, b) => b.length - a.length);
}
