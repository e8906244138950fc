/**
 * lexer.ts — turns KQL text into tokens with source spans.
 *
 * KQL has almost no reserved words, so words are all 'ident' tokens and the
 * parser decides by context.  A few lexical quirks are resolved here:
 *  - hyphenated operator names (`project-away`, `mv-expand`, …) are one token;
 *  - negated string operators (`!contains`, `!in~`, …) and `in~` are one token;
 *  - `datetime(…)`, `time(…)`, `timespan(…)`, `guid(…)` capture their raw
 *    contents, whose syntax is not made of ordinary tokens (e.g. `2024-01-01 10:00`);
 *  - timespan literals such as `1.5h`, `100ms`, `1tick` become 'timespan' tokens.
 */
import { SourceText, type Span } from './errors.js';

export type TokenKind = 'ident' | 'string' | 'int' | 'real' | 'timespan' | 'typed' | 'op' | 'eof';

export interface Token {
  kind: TokenKind;
  /** Source text of the token (for 'ident'/'op': the word/operator itself). */
  text: string;
  span: Span;
  /** 'string': decoded value. 'typed': the raw text between the parentheses. */
  value?: string;
  /** 'int': exact integer value; 'timespan': ticks. */
  big?: bigint;
  /** 'real': numeric value. */
  num?: number;
  /** 'typed': the type word (datetime/date/time/timespan/guid). */
  typeName?: string;
  /** 'string': true when the literal was h"…" (obfuscated). */
  obfuscated?: boolean;
  /** Whether whitespace/comments precede the token (needed for e.g. `d.a` vs `d .a`). */
  spaceBefore: boolean;
}

export const MAX_QUERY_LENGTH = 1_000_000;

const HYPHENATED = new Set([
  'project-away', 'project-rename', 'project-keep', 'project-reorder', 'project-by-names', 'project-smart',
  'mv-expand', 'mv-apply', 'make-series', 'top-nested', 'top-hitters', 'parse-where', 'parse-kv', 'sample-distinct',
  'make-graph', 'graph-match', 'graph-to-table', 'graph-shortest-paths', 'graph-mark-components', 'partitioned-by',
]);
/** Every proper prefix of a hyphenated name with several hyphens (`graph-to` of `graph-to-table`). */
const HYPHENATED_PREFIXES = new Set([...HYPHENATED].flatMap((h) => {
  const parts = h.split('-');
  return parts.slice(2).map((_, i) => parts.slice(0, i + 2).join('-'));
}));

const NEGATABLE = new Set([
  'contains', 'contains_cs', 'has', 'has_cs', 'hasprefix', 'hasprefix_cs', 'hassuffix', 'hassuffix_cs',
  'startswith', 'startswith_cs', 'endswith', 'endswith_cs', 'in', 'between', 'has_any', 'has_all',
]);

const RAW_LITERAL_WORDS = new Set(['datetime', 'date', 'time', 'timespan', 'guid']);

/** Timespan unit suffix → ticks per unit. */
export const TIMESPAN_UNITS: Record<string, bigint> = {
  d: 864000000000n, day: 864000000000n, days: 864000000000n,
  h: 36000000000n, hr: 36000000000n, hrs: 36000000000n, hour: 36000000000n, hours: 36000000000n,
  m: 600000000n, min: 600000000n, minute: 600000000n, minutes: 600000000n,
  s: 10000000n, sec: 10000000n, second: 10000000n, seconds: 10000000n,
  ms: 10000n, milli: 10000n, millis: 10000n, millisecond: 10000n, milliseconds: 10000n,
  microsecond: 10n, microseconds: 10n,
  tick: 1n, ticks: 1n,
};

const OPERATORS = ['..', '==', '!=', '<>', '<=', '>=', '=~', '!~', '=>', '|', '(', ')', '[', ']', '{', '}', ',', ';', '.', '=', '<', '>', '+', '-', '*', '/', '%', ':', '!', '?', '~'];

function isIdentStart(c: string): boolean {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c === '_' || c === '$';
}
function isIdentPart(c: string): boolean {
  return isIdentStart(c) || (c >= '0' && c <= '9');
}
function isDigit(c: string): boolean {
  return c >= '0' && c <= '9';
}

/**
 * Converts a decimal number text (digits, optional fraction) times a unit in ticks into
 * exact ticks, rounding to the nearest tick.
 */
export function decimalTimesTicks(numText: string, unit: bigint): bigint | undefined {
  const m = /^(\d*)(?:\.(\d*))?$/.exec(numText);
  if (!m) return undefined;
  const intPart = m[1] || '0';
  const frac = m[2] ?? '';
  const scale = 10n ** BigInt(frac.length);
  const scaled = BigInt(intPart + frac) * unit;
  return (scaled * 2n + scale) / (scale * 2n);
}

export function tokenize(src: SourceText): Token[] {
  const text = src.text;
  if (text.length > MAX_QUERY_LENGTH) {
    throw src.syntaxError({ start: 0, end: 0 }, `the query is longer than ${MAX_QUERY_LENGTH} characters`);
  }
  const tokens: Token[] = [];
  let i = 0;
  let spaceBefore = false;

  const err = (start: number, end: number, detail?: string) => src.syntaxError({ start, end: Math.max(end, start + 1) }, detail);

  const push = (t: Omit<Token, 'spaceBefore'>) => {
    tokens.push({ ...t, spaceBefore });
    spaceBefore = false;
  };

  while (i < text.length) {
    const c = text[i]!;
    // whitespace and comments
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f' || c === '\v' || c === '\u00a0' || c === '\ufeff') {
      i++;
      spaceBefore = true;
      continue;
    }
    if (c === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i] !== '\n' && text[i] !== '\r') i++;
      spaceBefore = true;
      continue;
    }
    const start = i;

    // strings: '…' "…" @'…' h'…' h@'…' ```…```
    {
      let j = i;
      let obfuscated = false;
      let verbatim = false;
      if ((text[j] === 'h' || text[j] === 'H') && (text[j + 1] === '"' || text[j + 1] === "'" || (text[j + 1] === '@' && (text[j + 2] === '"' || text[j + 2] === "'")))) {
        obfuscated = true;
        j++;
      }
      if (text[j] === '@' && (text[j + 1] === '"' || text[j + 1] === "'")) {
        verbatim = true;
        j++;
      }
      if (text.startsWith('```', j) && !verbatim) {
        const close = text.indexOf('```', j + 3);
        if (close < 0) throw err(start, text.length, 'unterminated multi-line string literal');
        push({ kind: 'string', text: text.slice(start, close + 3), span: { start, end: close + 3 }, value: text.slice(j + 3, close), obfuscated });
        i = close + 3;
        continue;
      }
      const q = text[j];
      if (q === '"' || q === "'") {
        j++;
        let value = '';
        for (;;) {
          if (j >= text.length || text[j] === '\n' || text[j] === '\r') throw err(start, j, 'unterminated string literal');
          const ch = text[j]!;
          if (ch === q) {
            if (verbatim && text[j + 1] === q) { value += q; j += 2; continue; }
            j++;
            break;
          }
          if (ch === '\\' && !verbatim) {
            const e = text[j + 1];
            if (e === undefined) throw err(start, j, 'unterminated string literal');
            j += 2;
            switch (e) {
              case 'n': value += '\n'; break;
              case 't': value += '\t'; break;
              case 'r': value += '\r'; break;
              case '0': value += '\0'; break;
              case 'a': value += '\x07'; break;
              case 'b': value += '\b'; break;
              case 'f': value += '\f'; break;
              case 'v': value += '\v'; break;
              case '\\': case '"': case "'": value += e; break;
              case 'u': case 'x': {
                const n = e === 'u' ? 4 : 2;
                const hex = text.slice(j, j + n);
                if (!new RegExp(`^[0-9a-fA-F]{${n}}$`).test(hex)) throw err(j - 2, j + n, 'invalid escape sequence');
                value += String.fromCharCode(parseInt(hex, 16));
                j += n;
                break;
              }
              case 'U': {
                const hex = text.slice(j, j + 8);
                const cp = /^[0-9a-fA-F]{8}$/.test(hex) ? parseInt(hex, 16) : NaN;
                if (!(cp <= 0x10ffff)) throw err(j - 2, j + 8, 'invalid escape sequence');
                value += String.fromCodePoint(cp);
                j += 8;
                break;
              }
              default:
                throw err(j - 2, j, 'invalid escape sequence');
            }
            continue;
          }
          value += ch;
          j++;
        }
        push({ kind: 'string', text: text.slice(start, j), span: { start, end: j }, value, obfuscated });
        i = j;
        continue;
      }
    }

    // numbers and timespan literals
    if (isDigit(c) || (c === '.' && isDigit(text[i + 1] ?? ''))) {
      let j = i;
      if (c === '0' && (text[i + 1] === 'x' || text[i + 1] === 'X') && /[0-9a-fA-F]/.test(text[i + 2] ?? '')) {
        j = i + 2;
        while (j < text.length && /[0-9a-fA-F]/.test(text[j]!)) j++;
        if (isIdentPart(text[j] ?? '')) throw err(start, j + 1, 'invalid number');
        const big = BigInt(text.slice(i, j));
        push({ kind: 'int', text: text.slice(start, j), span: { start, end: j }, big });
        i = j;
        continue;
      }
      while (isDigit(text[j] ?? '')) j++;
      let isReal = false;
      if (text[j] === '.' && isDigit(text[j + 1] ?? '')) {
        isReal = true;
        j++;
        while (isDigit(text[j] ?? '')) j++;
      } else if (text[j] === '.' && text[j + 1] !== '.' && !isIdentStart(text[j + 1] ?? '')) {
        // "1." is a real literal
        isReal = true;
        j++;
      }
      const mantissaEnd = j;
      if ((text[j] === 'e' || text[j] === 'E') && (isDigit(text[j + 1] ?? '') || ((text[j + 1] === '+' || text[j + 1] === '-') && isDigit(text[j + 2] ?? '')))) {
        isReal = true;
        j += 2;
        while (isDigit(text[j] ?? '')) j++;
      }
      if (isIdentStart(text[j] ?? '') && mantissaEnd === j) {
        // timespan literal: number immediately followed by a unit
        let k = j;
        while (isIdentPart(text[k] ?? '')) k++;
        const unit = text.slice(j, k);
        const ticksPer = Object.prototype.hasOwnProperty.call(TIMESPAN_UNITS, unit) ? TIMESPAN_UNITS[unit] : undefined;
        if (ticksPer === undefined) throw err(start, k, 'invalid number or timespan literal');
        const ticks = decimalTimesTicks(text.slice(i, j).replace(/\.$/, ''), ticksPer);
        if (ticks === undefined) throw err(start, k, 'invalid timespan literal');
        push({ kind: 'timespan', text: text.slice(start, k), span: { start, end: k }, big: ticks });
        i = k;
        continue;
      }
      if (isIdentPart(text[j] ?? '')) throw err(start, j + 1, 'invalid number');
      const numText = text.slice(i, j);
      if (isReal) push({ kind: 'real', text: numText, span: { start, end: j }, num: Number(numText) });
      else push({ kind: 'int', text: numText, span: { start, end: j }, big: BigInt(numText) });
      i = j;
      continue;
    }

    // identifiers, keywords, `!word`, `in~`, hyphenated operator names, raw typed literals
    if (isIdentStart(c) || (c === '!' && isIdentStart(text[i + 1] ?? ''))) {
      let j = c === '!' ? i + 1 : i;
      while (isIdentPart(text[j] ?? '')) j++;
      let word = text.slice(i, j);
      if (c === '!') {
        if (!NEGATABLE.has(word.slice(1))) {
          push({ kind: 'op', text: '!', span: { start, end: start + 1 } });
          i = start + 1;
          continue;
        }
      }
      if ((word === 'in' || word === '!in') && text[j] === '~') {
        j++;
        word += '~';
      }
      // the longest hyphenated name that starts here (`graph-shortest-paths`), else the word alone
      for (let h = word, k = j; text[k] === '-' && isIdentStart(text[k + 1] ?? ''); ) {
        let m = k + 1;
        while (isIdentPart(text[m] ?? '')) m++;
        h = h + '-' + text.slice(k + 1, m);
        k = m;
        if (HYPHENATED.has(h)) {
          word = h;
          j = k;
        } else if (!HYPHENATED_PREFIXES.has(h)) break;
      }
      if (RAW_LITERAL_WORDS.has(word)) {
        let k = j;
        while (text[k] === ' ' || text[k] === '\t') k++;
        if (text[k] === '(') {
          const close = text.indexOf(')', k + 1);
          if (close < 0) throw err(start, text.length, `unterminated ${word} literal`);
          push({ kind: 'typed', text: text.slice(start, close + 1), span: { start, end: close + 1 }, value: text.slice(k + 1, close).trim(), typeName: word });
          i = close + 1;
          continue;
        }
      }
      push({ kind: 'ident', text: word, span: { start, end: j } });
      i = j;
      continue;
    }

    // operators / punctuation (longest match)
    let op: string | undefined;
    for (const o of OPERATORS) {
      if (text.startsWith(o, i)) { op = o; break; }
    }
    if (op === undefined) throw err(start, start + 1, 'unexpected character');
    push({ kind: 'op', text: op, span: { start, end: start + op.length } });
    i += op.length;
  }
  tokens.push({ kind: 'eof', text: '', span: { start: text.length, end: text.length }, spaceBefore });
  return tokens;
}
