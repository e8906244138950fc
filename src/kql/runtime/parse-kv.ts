/**
 * parse-kv.ts — the delimiter modes of the parse-kv operator (parse-kv-operator.md) as one pure
 * runtime function: `kql_parse_kv(text, options)` returns, as a JSON array, the value of each
 * requested key (null when the key does not appear), in the order of `options.keys`.
 *
 * Options (JSON, written by the compiler from constants): `keys`, `quotes` (pairs [open, close]),
 * `escapes` (characters), and either `pd`/`kd` (specified delimiters, optionally `greedy`) or
 * neither (nonspecified delimiters: any character other than a letter, digit or `_` delimits).
 * Documented rules: keys and values may be quoted (a quoted value may hold delimiters, an escape
 * character makes the next character literal); the first appearance of a key wins; leading and
 * trailing white space of keys and values is ignored; greedy values run to the next key
 * appearance (pair delimiter, key, kv delimiter) or the end of the text.
 */
import { VARCHAR } from '@duckdb/node-api';
import { runtimeFunction } from './udf.js';

export interface ParseKvOptions {
  keys: string[];
  quotes: [string, string][];
  escapes: string[];
  /** Pair and kv delimiters; both absent in the nonspecified-delimiter mode. */
  pd?: string;
  kd?: string;
  greedy?: boolean;
}

/** A quoted run starting at `i` (an opening quote): its unescaped content and the index past the closing quote (or the end). */
function readQuoted(text: string, i: number, close: string, escapes: string[]): { value: string; end: number } {
  let value = '';
  let j = i + 1;
  while (j < text.length) {
    const ch = text[j]!;
    if (escapes.includes(ch) && j + 1 < text.length) {
      value += text[j + 1];
      j += 2;
      continue;
    }
    if (ch === close) return { value, end: j + 1 };
    value += ch;
    j++;
  }
  return { value, end: j };
}

function quoteAt(text: string, i: number, quotes: [string, string][]): [string, string] | undefined {
  return quotes.find((q) => text.startsWith(q[0], i));
}

const isSpace = (ch: string | undefined): boolean => ch !== undefined && /\s/.test(ch);

/** Specified delimiters: key kd value pairs separated by pd. */
function specified(text: string, o: ParseKvOptions & { pd: string; kd: string }, found: Map<string, string>): void {
  const { pd, kd, quotes, escapes } = o;
  const n = text.length;
  let i = 0;
  const skipSpace = () => {
    while (i < n && isSpace(text[i]) && !text.startsWith(pd, i) && !text.startsWith(kd, i)) i++;
  };
  while (i < n) {
    // skip pair delimiters and white space before a key
    while (i < n && (text.startsWith(pd, i) || isSpace(text[i]))) i += text.startsWith(pd, i) ? pd.length : 1;
    if (i >= n) break;
    // key: quoted, or up to the kv delimiter (a pair delimiter first means this token is no pair)
    let key: string;
    const kq = quoteAt(text, i, quotes);
    if (kq) {
      const r = readQuoted(text, i, kq[1], escapes);
      key = r.value.trim();
      i = r.end;
      skipSpace();
      if (!text.startsWith(kd, i)) continue;
    } else {
      const k = text.indexOf(kd, i);
      const p = text.indexOf(pd, i);
      if (k < 0) break;
      if (p >= 0 && p < k) {
        i = p;
        continue;
      }
      key = text.slice(i, k).trim();
      i = k;
    }
    i += kd.length;
    skipSpace();
    // value: quoted (then anything up to the next pair delimiter is dropped), greedy, or up to pd
    let value: string;
    const vq = quoteAt(text, i, quotes);
    if (vq) {
      const r = readQuoted(text, i, vq[1], escapes);
      value = r.value;
      const p = text.indexOf(pd, r.end);
      i = p < 0 ? n : p;
    } else if (o.greedy) {
      const end = nextKeyAppearance(text, i, pd, kd, quotes);
      value = text.slice(i, end);
      i = end;
    } else {
      const p = text.indexOf(pd, i);
      const end = p < 0 ? n : p;
      value = text.slice(i, end);
      i = end;
    }
    if (!found.has(key)) found.set(key, value.trim());
  }
}

/** Greedy mode: where the value starting at `from` ends — at the next `pd key kd` (key free of both delimiters) or the end. */
function nextKeyAppearance(text: string, from: number, pd: string, kd: string, quotes: [string, string][]): number {
  let p = text.indexOf(pd, from);
  while (p >= 0) {
    let j = p + pd.length;
    while (j < text.length && text.startsWith(pd, j)) j += pd.length;
    const q = quoteAt(text, j, quotes);
    if (q) {
      const close = text.indexOf(q[1], j + q[0].length);
      if (close >= 0 && text.slice(close + q[1].length).trimStart().startsWith(kd)) return p;
    } else {
      const k = text.indexOf(kd, j);
      if (k > j && !text.slice(j, k).includes(pd)) return p;
    }
    p = text.indexOf(pd, p + pd.length);
  }
  return text.length;
}

const isWordChar = (ch: string): boolean => /[\p{L}\p{N}_]/u.test(ch);

/** Nonspecified delimiters: tokens are quoted runs or runs of letters, digits and `_`; a requested key's value is the token after it. */
function nonspecified(text: string, o: ParseKvOptions, found: Map<string, string>): void {
  const tokens: { text: string; quoted: boolean }[] = [];
  let i = 0;
  while (i < text.length) {
    const q = quoteAt(text, i, o.quotes);
    if (q) {
      const r = readQuoted(text, i, q[1], o.escapes);
      tokens.push({ text: r.value.trim(), quoted: true });
      i = r.end;
    } else if (isWordChar(text[i]!)) {
      let j = i;
      while (j < text.length && isWordChar(text[j]!)) j++;
      tokens.push({ text: text.slice(i, j), quoted: false });
      i = j;
    } else i++;
  }
  const wanted = new Set(o.keys);
  for (let t = 0; t + 1 < tokens.length; ) {
    const key = tokens[t]!.text;
    if (wanted.has(key)) {
      if (!found.has(key)) found.set(key, tokens[t + 1]!.text);
      t += 2;
    } else t++;
  }
}

/** The values of `o.keys` in `text` (null for a key that does not appear). */
export function parseKv(text: string, o: ParseKvOptions): (string | null)[] {
  const found = new Map<string, string>();
  if (o.pd !== undefined && o.kd !== undefined && o.pd !== '' && o.kd !== '') specified(text, { ...o, pd: o.pd, kd: o.kd }, found);
  else nonspecified(text, o, found);
  return o.keys.map((k) => found.get(k) ?? null);
}

function readOptions(json: string): ParseKvOptions | null {
  try {
    const v = JSON.parse(json) as ParseKvOptions;
    return Array.isArray(v.keys) && Array.isArray(v.quotes) && Array.isArray(v.escapes) ? v : null;
  } catch {
    return null;
  }
}

export const PARSE_KV_FUNCTIONS = [
  runtimeFunction('kql_parse_kv', [VARCHAR, VARCHAR], VARCHAR, (text: string, options: string) => {
    const o = readOptions(options);
    return o ? JSON.stringify(parseKv(text, o)) : null;
  }),
];
