/**
 * Syslog parsing (RFC 5424, RFC 3164), stream framing (RFC 6587 octet counting and newline
 * framing) and CEF: examples from the RFCs and real senders, and properties checked by fast-check —
 * what a sender writes comes back field for field, however the bytes are split into reads, and no
 * input makes a parser throw.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { cefEventOf, parseCef } from '../../src/syslog/cef.js';
import { SyslogDeframer } from '../../src/syslog/framing.js';
import { parseSyslogMessage } from '../../src/syslog/parse-message.js';
import { commonSecurityLogRow, syslogRow } from '../../src/syslog/rows.js';

const ctx = { senderIp: '192.0.2.1', collectorHostName: 'collector' };

describe('RFC 5424', () => {
  test('the RFC examples', () => {
    const a = parseSyslogMessage('<34>1 2003-10-11T22:14:15.003Z mymachine.example.com su - ID47 - \uFEFF\'su root\' failed for lonvick on /dev/pts/8');
    assert.deepEqual(a, { format: 'rfc5424', facility: 4, severity: 2, timestamp: '2003-10-11T22:14:15.003Z', hostname: 'mymachine.example.com', appName: 'su', msgId: 'ID47', message: "'su root' failed for lonvick on /dev/pts/8" });
    const b = parseSyslogMessage('<165>1 2003-10-11T22:14:15.003000-07:00 192.0.2.1 myproc 8710 - [exampleSDID@32473 iut="3" eventSource="Application" eventID="1011"] An application event log entry...');
    assert.equal(b.facility, 20);
    assert.equal(b.severity, 5);
    assert.equal(b.procId, '8710');
    assert.equal(b.structuredData, '[exampleSDID@32473 iut="3" eventSource="Application" eventID="1011"]');
    assert.equal(b.message, 'An application event log entry...');
    const c = parseSyslogMessage('<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut="3" x="a\\]b"][examplePriority@32473 class="high"]');
    assert.equal(c.structuredData, '[exampleSDID@32473 iut="3" x="a\\]b"][examplePriority@32473 class="high"]');
    assert.equal(c.message, '');
  });

  test('a message that announces version 1 but breaks the grammar is kept whole as RFC 3164 text', () => {
    const m = parseSyslogMessage('<13>1 not-a-time host app - - - hello');
    assert.equal(m.format, 'rfc3164');
    assert.equal(m.message, '1 not-a-time host app - - - hello');
  });

  test('property: every well-formed message parses back to its fields', () => {
    const printable = (max: number) => fc.stringMatching(new RegExp(`^[!-~]{1,${max}}$`)).filter((s) => s !== '-');
    const sdName = fc.stringMatching(/^[a-zA-Z0-9@.]{1,32}$/);
    const sdValue = fc.string({ maxLength: 20 }).map((s) => s.replace(/[\\"\]]/g, (c) => `\\${c}`));
    const sd = fc.array(fc.tuple(sdName, fc.array(fc.tuple(sdName, sdValue), { maxLength: 3 })), { maxLength: 3 }).map((elements) => elements.map(([id, params]) => `[${id}${params.map(([k, v]) => ` ${k}="${v}"`).join('')}]`).join(''));
    const time = fc.date({ min: new Date('1990-01-01T00:00:00Z'), max: new Date('2090-01-01T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString());
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 191 }),
        fc.option(time, { nil: undefined }),
        fc.option(printable(255), { nil: undefined }),
        fc.option(printable(48), { nil: undefined }),
        fc.option(printable(128), { nil: undefined }),
        fc.option(printable(32), { nil: undefined }),
        sd,
        fc.string({ unit: 'grapheme', maxLength: 200 }).map((s) => s.replace(/[\r\n\0]+$/, '')),
        (pri, ts, host, app, proc, msgid, structured, msg) => {
          const text = `<${pri}>1 ${ts ?? '-'} ${host ?? '-'} ${app ?? '-'} ${proc ?? '-'} ${msgid ?? '-'} ${structured || '-'}${msg ? ` ${msg}` : ''}`;
          const m = parseSyslogMessage(text);
          assert.equal(m.format, 'rfc5424', text);
          assert.equal(m.facility, pri >> 3);
          assert.equal(m.severity, pri & 7);
          assert.equal(m.timestamp, ts);
          assert.equal(m.hostname, host);
          assert.equal(m.appName, app);
          assert.equal(m.procId, proc);
          assert.equal(m.msgId, msgid);
          assert.equal(m.structuredData, structured || undefined);
          assert.equal(m.message, msg.startsWith('\uFEFF') ? msg.slice(1) : msg);
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('RFC 3164', () => {
  const now = new Date(2026, 11, 6, 12, 0, 0);
  test('the BSD forms real senders use', () => {
    const a = parseSyslogMessage('<34>Oct 11 22:14:15 mymachine su: \'su root\' failed for lonvick on /dev/pts/8', now);
    assert.deepEqual(
      { ...a, timestamp: undefined },
      { format: 'rfc3164', facility: 4, severity: 2, timestamp: undefined, hostname: 'mymachine', appName: 'su', message: "'su root' failed for lonvick on /dev/pts/8" },
    );
    assert.equal(a.timestamp, new Date(2026, 9, 11, 22, 14, 15).toISOString());
    const b = parseSyslogMessage('<13>Dec  6 10:00:00 web01 sshd[4242]: Accepted', now);
    assert.equal(b.hostname, 'web01');
    assert.equal(b.appName, 'sshd');
    assert.equal(b.procId, '4242');
    assert.equal(b.message, 'Accepted');
    // No hostname: the tag follows the timestamp directly.
    const c = parseSyslogMessage('<13>Dec  6 10:00:00 cron[7]: job', now);
    assert.equal(c.hostname, undefined);
    assert.equal(c.appName, 'cron');
    // A December message read on 1 January belongs to last year.
    const d = parseSyslogMessage('<13>Dec 31 23:59:59 h app: x', new Date(2027, 0, 1, 0, 0, 5));
    assert.equal(d.timestamp, new Date(2026, 11, 31, 23, 59, 59).toISOString());
    // RFC 3339 timestamp in a BSD header (rsyslog's RSYSLOG_ForwardFormat).
    const e = parseSyslogMessage('<14>2026-12-06T10:00:00.123456+01:00 host1 app[9]: fwd', now);
    assert.equal(e.timestamp, '2026-12-06T10:00:00.123456+01:00');
    assert.equal(e.hostname, 'host1');
    // No PRI at all: user.notice (RFC 3164 §4.3.3), everything is the message.
    const f = parseSyslogMessage('just some text', now);
    assert.deepEqual([f.facility, f.severity, f.message], [1, 5, 'just some text']);
  });

  test('property: header fields come back; the parser never throws on any input', () => {
    const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 191 }),
        fc.integer({ min: 0, max: 11 }),
        fc.integer({ min: 1, max: 28 }),
        fc.stringMatching(/^[a-z][a-z0-9.-]{0,30}$/),
        fc.stringMatching(/^[a-zA-Z][a-zA-Z0-9_-]{0,20}$/),
        fc.option(fc.integer({ min: 1, max: 4_000_000 }), { nil: undefined }),
        fc.string({ maxLength: 100 }).filter((s) => !/^[ \r\n\0]|[\r\n\0]/.test(s)),
        (pri, month, day, host, tag, pid, msg) => {
          const text = `<${pri}>${months[month]} ${String(day).padStart(2, ' ')} 01:02:03 ${host} ${tag}${pid ? `[${pid}]` : ''}: ${msg}`;
          const m = parseSyslogMessage(text, now);
          assert.equal(m.hostname, host, text);
          assert.equal(m.appName, tag);
          assert.equal(m.procId, pid === undefined ? undefined : String(pid));
          assert.equal(m.message, msg);
          assert.equal(new Date(m.timestamp!).getMonth(), month);
        },
      ),
      { numRuns: 500 },
    );
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (junk) => {
        const m = parseSyslogMessage(junk);
        assert.ok(m.facility >= 0 && m.facility <= 23 && m.severity >= 0 && m.severity <= 7);
        syslogRow(m, ctx);
        const cef = parseCef(junk);
        if (cef) commonSecurityLogRow(m, cef, ctx);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('framing', () => {
  const collect = (max: number) => {
    const out: { text: string; truncated: boolean }[] = [];
    const d = new SyslogDeframer(max, (b, truncated) => out.push({ text: b.toString('utf8'), truncated }));
    return { d, out };
  };

  test('property: octet-counted and newline-framed messages, mixed, survive any split into reads', () => {
    const message = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 80 }).map((s) => `<13>${s}`);
    fc.assert(
      fc.property(fc.array(fc.tuple(message, fc.boolean()), { minLength: 1, maxLength: 20 }), fc.array(fc.integer({ min: 1, max: 50 }), { maxLength: 40 }), (messages, cuts) => {
        const wire = Buffer.concat(
          messages.map(([m, counted]) => {
            if (counted) return Buffer.concat([Buffer.from(`${Buffer.byteLength(m)} `), Buffer.from(m)]);
            // Newline framing cannot carry an LF (or NUL) inside a message.
            return Buffer.from(`${m.replace(/[\n\0]/g, ' ')}\n`);
          }),
        );
        const { d, out } = collect(64 * 1024);
        let at = 0;
        for (const cut of cuts) {
          d.push(wire.subarray(at, Math.min(wire.length, at + cut)));
          at = Math.min(wire.length, at + cut);
        }
        d.push(wire.subarray(at));
        d.end();
        const expected = messages.map(([m, counted]) => (counted ? m : m.replace(/[\n\0]/g, ' ').replace(/\r$/, '')));
        assert.deepEqual(out.map((o) => o.text), expected);
      }),
      { numRuns: 500 },
    );
  });

  test('property: arbitrary bytes never throw, and no frame exceeds the limit', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 200 }), { maxLength: 20 }), fc.integer({ min: 1, max: 64 }), (chunks, max) => {
        const sizes: number[] = [];
        const d = new SyslogDeframer(max, (frame) => sizes.push(frame.length));
        for (const c of chunks) d.push(Buffer.from(c));
        d.end();
        for (const n of sizes) assert.ok(n > 0 && n <= max, `a frame of ${n} bytes (limit ${max})`);
      }),
      { numRuns: 1000 },
    );
  });

  test('the size limit: over-long messages are truncated to it and flagged, memory stays bounded', () => {
    const { d, out } = collect(10);
    const long = '<13>' + 'x'.repeat(100);
    d.push(Buffer.from(`${long.length} ${long}`));
    d.push(Buffer.from(`${long}\n<13>short\n`));
    assert.deepEqual(out, [
      { text: long.slice(0, 10), truncated: true },
      { text: long.slice(0, 10), truncated: true },
      { text: '<13>short', truncated: false },
    ]);
    // A huge announced length is read through, never buffered.
    const big = collect(16);
    big.d.push(Buffer.from(`${4 + 100 * 9999} <13>`));
    for (let i = 0; i < 100; i++) big.d.push(Buffer.alloc(9999, 0x61));
    big.d.push(Buffer.from('\n<13>after\n'));
    assert.equal(big.out.length, 2);
    assert.equal(big.out[0]!.truncated, true);
    assert.equal(big.out[1]!.text, '<13>after');
  });
});

describe('CEF', () => {
  test('the header, escapes and extension values with spaces', () => {
    const e = parseCef('CEF:0|Security|threatmanager|1.0|100|detected a \\| in message|10|src=10.0.0.1 act=blocked a \\= sign msg=line1\\nline2 path=C:\\\\Windows cs1Label=x')!;
    assert.equal(e.name, 'detected a | in message');
    assert.equal(e.severity, '10');
    assert.deepEqual(e.extension, [
      ['src', '10.0.0.1'],
      ['act', 'blocked a = sign'],
      ['msg', 'line1\nline2'],
      ['path', 'C:\\Windows'],
      ['cs1Label', 'x'],
    ]);
    assert.equal(parseCef('no cef here'), undefined);
    assert.equal(parseCef('CEF:0|too|few|fields'), undefined);
  });

  test('property: header fields and extension values round-trip through CEF escaping', () => {
    const headerField = fc.string({ maxLength: 20 });
    const key = fc.stringMatching(/^[a-zA-Z][a-zA-Z0-9]{0,10}$/);
    const value = fc.string({ minLength: 1, maxLength: 30 }).filter((v) => !/^ | $|\r/.test(v));
    fc.assert(
      fc.property(fc.array(headerField, { minLength: 6, maxLength: 6 }), fc.uniqueArray(fc.tuple(key, value), { selector: ([k]) => k, maxLength: 6 }), (fields, ext) => {
        const escHeader = (s: string) => s.replace(/\\/g, '\\\\').replace(/\|/g, '\\|');
        const escValue = (s: string) => s.replace(/\\/g, '\\\\').replace(/=/g, '\\=').replace(/\n/g, '\\n');
        const text = `CEF:0|${fields.map(escHeader).join('|')}|${ext.map(([k, v]) => `${k}=${escValue(v)}`).join(' ')}`;
        const e = parseCef(text)!;
        assert.deepEqual([e.deviceVendor, e.deviceProduct, e.deviceVersion, e.deviceEventClassId, e.name, e.severity], fields);
        // A value that itself looks like ` key=` would be read as two pairs: CEF cannot express that without escaping `=`, which escValue does.
        assert.deepEqual(e.extension, ext);
      }),
      { numRuns: 500 },
    );
  });

  test('CommonSecurityLog mapping: typed columns, what does not fit goes to AdditionalExtensions', () => {
    const m = parseSyslogMessage('<164>Dec  6 10:01:00 fw01 CEF:0|V|P|1|SIG|name|7|src=10.0.0.1 spt=notaport dpt=443 cn1=99999999999 cnt=3 start=1733479200000 extra=1 rt=Dec 06 2026 10:00:00');
    const row = commonSecurityLogRow(m, cefEventOf(m)!, { ...ctx, resourceId: '/subscriptions/s/resourceGroups/r/providers/Microsoft.Compute/virtualMachines/fw01' });
    assert.equal(row.SourceIP, '10.0.0.1');
    assert.equal(row.DestinationPort, 443);
    assert.equal(row.SourcePort, undefined);
    assert.equal(row.EventCount, 3);
    assert.equal(row.StartTime, new Date(1733479200000).toISOString());
    assert.equal(row.ReceiptTime, 'Dec 06 2026 10:00:00');
    assert.equal(row.AdditionalExtensions, 'spt=notaport;cn1=99999999999;extra=1');
    assert.equal(row.Computer, 'fw01');
    assert.equal(row._ResourceId, '/subscriptions/s/resourceGroups/r/providers/Microsoft.Compute/virtualMachines/fw01');
  });
});
