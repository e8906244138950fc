/**
 * ArcSight Common Event Format inside a syslog message:
 * `CEF:Version|Device Vendor|Device Product|Device Version|Device Event Class ID|Name|Severity|Extension`.
 * Header fields escape `|` and `\` with a backslash; extension values escape `=` and `\`, and
 * `\n`/`\r` stand for newlines. An extension is `key=value` pairs separated by spaces, where a value
 * runs up to the space before the next `key=` (values may contain spaces).
 */
import type { SyslogMessage } from './parse-message.js';

export interface CefEvent {
  version: string;
  deviceVendor: string;
  deviceProduct: string;
  deviceVersion: string;
  deviceEventClassId: string;
  name: string;
  severity: string;
  /** Extension pairs in the order sent (a key sent twice keeps both). */
  extension: [string, string][];
}

/** Splits the 7 header fields off `text` (which starts after `CEF:`); undefined if there are fewer. */
function splitHeader(text: string): { fields: string[]; rest: string } | undefined {
  const fields: string[] = [];
  let current = '';
  let i = 0;
  while (i < text.length && fields.length < 7) {
    const c = text[i]!;
    if (c === '\\' && (text[i + 1] === '|' || text[i + 1] === '\\')) {
      current += text[i + 1];
      i += 2;
      continue;
    }
    if (c === '|') {
      fields.push(current);
      current = '';
      i++;
      continue;
    }
    current += c;
    i++;
  }
  if (fields.length < 7) return undefined;
  return { fields, rest: text.slice(i) };
}

function unescapeValue(v: string): string {
  return v.replace(/\\([\\=nr])/g, (_, c: string) => (c === 'n' ? '\n' : c === 'r' ? '\r' : c));
}

/** Keys are letters, digits and `_` (vendors add `.`, `-` and `[]` in custom keys). */
const KEY_AT = /(?:^|(?<= ))([A-Za-z0-9_.\-[\]]+)=/g;

function parseExtension(text: string): [string, string][] {
  const starts: { key: string; keyAt: number; valueAt: number }[] = [];
  // An escaped `\=` inside a value is never a key boundary: a key cannot contain a backslash.
  for (const m of text.matchAll(KEY_AT)) {
    starts.push({ key: m[1]!, keyAt: m.index, valueAt: m.index + m[0].length });
  }
  return starts.map((s, i) => {
    const end = i + 1 < starts.length ? starts[i + 1]!.keyAt : text.length;
    return [s.key, unescapeValue(text.slice(s.valueAt, end).replace(/ +$/, ''))];
  });
}

/** The CEF event in a syslog MSG (CEF may follow a vendor prefix), or undefined when there is none. */
export function parseCef(message: string): CefEvent | undefined {
  const at = message.indexOf('CEF:');
  if (at < 0) return undefined;
  const header = splitHeader(message.slice(at + 4).replace(/^ +/, ''));
  if (!header) return undefined;
  const [version, deviceVendor, deviceProduct, deviceVersion, deviceEventClassId, name, severity] = header.fields as [string, string, string, string, string, string, string];
  if (!/^\d+(\.\d+)?$/.test(version.trim())) return undefined;
  return { version: version.trim(), deviceVendor, deviceProduct, deviceVersion, deviceEventClassId, name, severity, extension: parseExtension(header.rest) };
}

/** The CEF event a syslog message carries, if any. */
export function cefEventOf(message: SyslogMessage): CefEvent | undefined {
  // rsyslog (and the BSD grammar) read `CEF:0|…` after the header as the tag `CEF:`; rsyslog then forwards `CEF: 0|…`.
  if (message.format === 'rfc3164' && message.appName === 'CEF' && !message.procId) return parseCef(`CEF:${message.message}`);
  return parseCef(message.message);
}
