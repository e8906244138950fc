/**
 * One syslog message, RFC 5424 or RFC 3164 (BSD), parsed into the fields the `Syslog` table keeps.
 *
 * RFC 5424 is parsed strictly by its ABNF (§6); a message that announces version 1 but breaks the
 * grammar is read as RFC 3164 instead, which never fails: RFC 3164 §4.3 says a relay must accept
 * anything, so what cannot be recognised becomes the message text. A message without a PRI gets
 * user.notice (RFC 3164 §4.3.3); one without a timestamp gets the time it was received.
 */

export interface SyslogMessage {
  format: 'rfc5424' | 'rfc3164';
  facility: number;
  severity: number;
  /** The sender's timestamp as ISO 8601 (offset kept), or undefined when the message has none. */
  timestamp?: string;
  hostname?: string;
  appName?: string;
  procId?: string;
  msgId?: string;
  /** RFC 5424 STRUCTURED-DATA as sent (`[id k="v"]…`), undefined for `-` or RFC 3164. */
  structuredData?: string;
  message: string;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,6})?(Z|[+-]\d{2}:\d{2})$/;
/** RFC 3164 TIMESTAMP: `Mmm dd hh:mm:ss`, the day space-padded (some senders pad with 0). */
const BSD_TIME = /^(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) ([ \d]\d) (\d{2}):(\d{2}):(\d{2}) /;
const BOM = '\uFEFF';

function validRfc3339(text: string): boolean {
  const m = RFC3339.exec(text);
  if (!m) return false;
  const [, y, mo, d, h, mi, s, , zone] = m;
  const month = Number(mo), day = Number(d);
  if (month < 1 || month > 12 || day < 1 || Number(h) > 23 || Number(mi) > 59 || Number(s) > 60) return false;
  if (new Date(Date.UTC(Number(y), month - 1, day)).getUTCDate() !== day) return false;
  if (zone !== 'Z' && (Number(zone!.slice(1, 3)) > 23 || Number(zone!.slice(4)) > 59)) return false;
  return true;
}

/** PRI at the start: `<n>` with n in 0..191 (1-3 digits, no leading zero except `<0>`). */
function readPri(text: string): { pri: number; rest: string } | undefined {
  const m = /^<(\d{1,3})>/.exec(text);
  if (!m) return undefined;
  const pri = Number(m[1]);
  if (pri > 191 || (m[1]!.length > 1 && m[1]![0] === '0')) return undefined;
  return { pri, rest: text.slice(m[0].length) };
}

/** A header field of printable US-ASCII, at most `max` long, `-` meaning none. */
function field(token: string | undefined, max: number): string | undefined | null {
  if (token === undefined || token.length === 0 || token.length > max || !/^[\x21-\x7e]+$/.test(token)) return null;
  return token === '-' ? undefined : token;
}

/** STRUCTURED-DATA at the start of `text`: its length (including the brackets), or -1 if malformed. */
function structuredDataLength(text: string): number {
  if (text.startsWith('-')) return 1;
  let i = 0;
  if (text[i] !== '[') return -1;
  while (text[i] === '[') {
    i++;
    const id = /^[^\s=\]"]{1,32}/.exec(text.slice(i));
    if (!id) return -1;
    i += id[0].length;
    while (text[i] === ' ') {
      i++;
      const name = /^[^\s=\]"]{1,32}="/.exec(text.slice(i));
      if (!name) return -1;
      i += name[0].length;
      // PARAM-VALUE: UTF-8 with `"`, `\` and `]` escaped by a backslash.
      for (;;) {
        const c = text[i];
        if (c === undefined) return -1;
        if (c === '\\') {
          i += 2;
          continue;
        }
        if (c === '"') break;
        if (c === ']') return -1;
        i++;
      }
      i++;
    }
    if (text[i] !== ']') return -1;
    i++;
  }
  return i;
}

function parseRfc5424(facility: number, severity: number, rest: string): SyslogMessage | undefined {
  // VERSION SP TIMESTAMP SP HOSTNAME SP APP-NAME SP PROCID SP MSGID SP STRUCTURED-DATA [SP MSG]
  const head = /^1 (\S+) (\S+) (\S+) (\S+) (\S+) /.exec(rest);
  if (!head) return undefined;
  const [, ts, host, app, proc, msgid] = head;
  if (ts !== '-' && !validRfc3339(ts!)) return undefined;
  const hostname = field(host, 255), appName = field(app, 48), procId = field(proc, 128), msgId = field(msgid, 32);
  if (hostname === null || appName === null || procId === null || msgId === null) return undefined;
  const after = rest.slice(head[0].length);
  const sdLength = structuredDataLength(after);
  if (sdLength < 0) return undefined;
  const sd = after.slice(0, sdLength);
  let message = after.slice(sdLength);
  if (message.length > 0) {
    if (message[0] !== ' ') return undefined;
    message = message.slice(1);
  }
  if (message.startsWith(BOM)) message = message.slice(1);
  return {
    format: 'rfc5424',
    facility,
    severity,
    ...(ts !== '-' ? { timestamp: ts } : {}),
    ...(hostname ? { hostname } : {}),
    ...(appName ? { appName } : {}),
    ...(procId ? { procId } : {}),
    ...(msgId ? { msgId } : {}),
    ...(sd !== '-' ? { structuredData: sd } : {}),
    message,
  };
}

/**
 * The year of an RFC 3164 timestamp (which has none): the current one, or the previous one when
 * that would put the message more than a day in the future (a December message read in January).
 */
function bsdTimestamp(m: RegExpExecArray, now: Date): string {
  const month = MONTHS.indexOf(m[1]!);
  const day = Number(m[2]!.trim());
  const [h, mi, s] = [Number(m[3]), Number(m[4]), Number(m[5])];
  // RFC 3164 timestamps are the sender's local time; Vigil reads them in its own time zone.
  let date = new Date(now.getFullYear(), month, day, h, mi, s);
  if (date.getTime() - now.getTime() > 86_400_000) date = new Date(now.getFullYear() - 1, month, day, h, mi, s);
  return date.toISOString();
}

function validBsdTime(m: RegExpExecArray): boolean {
  const day = Number(m[2]!.trim());
  return day >= 1 && day <= 31 && Number(m[3]) <= 23 && Number(m[4]) <= 59 && Number(m[5]) <= 60;
}

/** A TAG (program name, optionally `[pid]`) followed by `:` — or undefined when the text has none. */
const TAG = /^([^\s:[\]]{1,48})(?:\[([^\s\]]{1,128})\])?: ?/;
/** A hostname token: letters, digits, `.-_:` (IPv6) and no trailing `:` (which would make it a tag). */
const HOSTNAME = /^([A-Za-z0-9][A-Za-z0-9._\-:%]{0,254}) /;

function parseRfc3164(facility: number, severity: number, rest: string, now: Date): SyslogMessage {
  let text = rest;
  let timestamp: string | undefined;
  const bsd = BSD_TIME.exec(text);
  if (bsd && validBsdTime(bsd)) {
    timestamp = bsdTimestamp(bsd, now);
    text = text.slice(bsd[0].length);
  } else {
    // rsyslog's RSYSLOG_ForwardFormat and others put an RFC 3339 timestamp in a BSD header.
    const iso = /^(\S+) /.exec(text);
    if (iso && validRfc3339(iso[1]!)) {
      timestamp = iso[1];
      text = text.slice(iso[0].length);
    }
  }
  let hostname: string | undefined;
  // With a timestamp the next word is the HOSTNAME, unless it is the tag itself (`prog:`/`prog[1]:`).
  if (timestamp !== undefined) {
    const host = HOSTNAME.exec(text);
    if (host && !host[1]!.endsWith(':') && !TAG.test(text)) {
      hostname = host[1];
      text = text.slice(host[0].length);
    }
  }
  let appName: string | undefined;
  let procId: string | undefined;
  const tag = TAG.exec(text);
  if (tag) {
    appName = tag[1];
    procId = tag[2];
    text = text.slice(tag[0].length);
  }
  return {
    format: 'rfc3164',
    facility,
    severity,
    ...(timestamp !== undefined ? { timestamp } : {}),
    ...(hostname ? { hostname } : {}),
    ...(appName ? { appName } : {}),
    ...(procId ? { procId } : {}),
    message: text,
  };
}

/** Parses one syslog message (one frame, without its framing); never throws. */
export function parseSyslogMessage(raw: string, now: Date = new Date()): SyslogMessage {
  // Trailing newlines and NULs are framing left-overs (RFC 6587 non-transparent framing, UDP senders).
  const text = raw.replace(/[\r\n\0]+$/, '');
  const pri = readPri(text);
  const facility = pri ? pri.pri >> 3 : 1;
  const severity = pri ? pri.pri & 7 : 5;
  const rest = pri ? pri.rest : text;
  if (pri && rest.startsWith('1 ')) {
    const strict = parseRfc5424(facility, severity, rest);
    if (strict) return strict;
  }
  return parseRfc3164(facility, severity, rest, now);
}
