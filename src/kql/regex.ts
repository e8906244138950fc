/**
 * regex.ts — a regular expression as Kusto reads it (regex.md), rewritten for RE2, DuckDB's engine.
 *
 * Works on the pattern text from the query, before any SQL exists. Kusto's Perl classes are
 * Unicode-aware (UTS#18): `\d` is `\p{Nd}`, `\s` is `\p{White_Space}`, `\w` is alphabetic, marks,
 * digits, connector punctuation and the joiners; RE2's are ASCII, so they are spelled out with the
 * general categories RE2 knows. `(?<name>…)` becomes `(?P<name>…)`; `\uXXXX`, `\u{X}`, `\UXXXXXXXX`
 * and `\U{X}` become `\x{…}`. Inside a character class the negated Perl classes (`\S`, `\W`) stay
 * as RE2 reads them.
 */

const WHITE_SPACE = '\\t\\n\\v\\f\\r \\x{85}\\p{Z}';
const WORD = '\\p{L}\\p{Nl}\\p{M}\\p{Nd}\\p{Pc}\\x{200C}\\x{200D}';

export function kustoRegexToRe2(re: string): string {
  let out = '';
  let inClass = false;
  for (let i = 0; i < re.length; i++) {
    const ch = re[i]!;
    if (ch === '\\' && i + 1 < re.length) {
      const e = re[i + 1]!;
      i++;
      switch (e) {
        case 'd':
          out += '\\p{Nd}';
          continue;
        case 'D':
          out += '\\P{Nd}';
          continue;
        case 's':
          out += inClass ? WHITE_SPACE : `[${WHITE_SPACE}]`;
          continue;
        case 'S':
          out += inClass ? '\\S' : `[^${WHITE_SPACE}]`;
          continue;
        case 'w':
          out += inClass ? WORD : `[${WORD}]`;
          continue;
        case 'W':
          out += inClass ? '\\W' : `[^${WORD}]`;
          continue;
        case 'u':
        case 'U': {
          const braced = /^\{([0-9A-Fa-f]{1,8})\}/.exec(re.slice(i + 1));
          const fixed = new RegExp(`^[0-9A-Fa-f]{${e === 'u' ? 4 : 8}}`).exec(re.slice(i + 1));
          const m = braced ?? fixed;
          if (m) {
            out += `\\x{${braced ? braced[1] : m[0]}}`;
            i += m[0].length;
            continue;
          }
          out += '\\' + e;
          continue;
        }
        default:
          out += '\\' + e;
          continue;
      }
    }
    if (inClass) {
      if (ch === ']') inClass = false;
      out += ch;
      continue;
    }
    if (ch === '[') {
      inClass = true;
      out += ch;
      // a ']' right after '[' or '[^' is a literal member
      if (re[i + 1] === '^') out += re[++i];
      if (re[i + 1] === ']') out += re[++i];
      continue;
    }
    if (ch === '(' && re.startsWith('(?<', i) && /^\(\?<[A-Za-z_]/.test(re.slice(i))) {
      out += '(?P<';
      i += 2;
      continue;
    }
    out += ch;
  }
  return out;
}

/** Escape text so that an RE2 regular expression matches it literally. */
export function regexEscape(s: string): string {
  return s.replace(/[\\^$.|?*+()[\]{}\-]/g, (c) => '\\' + c);
}

/** An RE2 character class matching any character but those of `chars`. */
export function regexNegatedClass(chars: string): string {
  return '[^' + chars.replace(/[\\\]^-]/g, (c) => '\\' + c) + ']';
}
