/**
 * Splitting a syslog TCP/TLS byte stream into messages (RFC 6587 §3.4): octet-counting
 * (`MSG-LEN SP SYSLOG-MSG`, RFC 5425 over TLS) or non-transparent framing (each message ends with
 * LF; NUL and CR LF are accepted too). The method is recognised per message by its first byte, as
 * rsyslog and syslog-ng do: a digit starts an octet count, anything else a newline-framed message.
 *
 * Memory is bounded: a message longer than `maxMessageBytes` is truncated to that size (the rest is
 * read and skipped, never buffered) and flagged, as rsyslog and syslog-ng truncate over-long messages.
 */

export interface FrameSink {
  (message: Buffer, truncated: boolean): void;
}

/** The longest MSG-LEN accepted before the stream is declared broken (far above any message limit). */
const MAX_LENGTH_DIGITS = 10;

export class SyslogDeframer {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** idle: between messages; length: reading MSG-LEN digits; counted: inside an octet-counted message; line: inside a newline-framed one. */
  private mode: 'idle' | 'length' | 'counted' | 'line' = 'idle';
  /** Octet-counting: the bytes of the current message still to come. */
  private remaining = 0;
  private truncatedCurrent = false;

  constructor(
    private readonly maxMessageBytes: number,
    private readonly emit: FrameSink,
  ) {}

  /** Feeds bytes; calls emit for each complete message. */
  push(chunk: Buffer): void {
    let at = 0;
    while (at < chunk.length) {
      switch (this.mode) {
        case 'idle': {
          const c = chunk[at]!;
          // Separators left between messages (LF after an octet-counted frame, CR LF, NUL, spaces) are skipped.
          if (c === 0x0a || c === 0x0d || c === 0x00 || c === 0x20) {
            at++;
            break;
          }
          this.mode = c >= 0x30 && c <= 0x39 ? 'length' : 'line';
          this.truncatedCurrent = false;
          break;
        }
        case 'length':
          at = this.readLength(chunk, at);
          break;
        case 'counted':
          at = this.readCounted(chunk, at);
          break;
        case 'line':
          at = this.readLine(chunk, at);
          break;
      }
    }
  }

  private keep(part: Buffer): void {
    const room = this.maxMessageBytes - this.pendingBytes;
    if (part.length > room) this.truncatedCurrent = true;
    if (room <= 0) return;
    const kept = part.length > room ? part.subarray(0, room) : part;
    this.pending.push(kept);
    this.pendingBytes += kept.length;
  }

  private finish(message: Buffer): void {
    this.pending = [];
    this.pendingBytes = 0;
    this.mode = 'idle';
    const truncated = this.truncatedCurrent;
    this.truncatedCurrent = false;
    if (message.length > 0) this.emit(message, truncated);
  }

  /** MSG-LEN SP: digits then a space; anything else means the message was newline-framed after all. */
  private readLength(chunk: Buffer, at: number): number {
    let i = at;
    while (i < chunk.length && chunk[i]! >= 0x30 && chunk[i]! <= 0x39 && this.pendingBytes + (i - at) <= MAX_LENGTH_DIGITS) i++;
    this.keep(chunk.subarray(at, i));
    if (i === chunk.length) return i;
    if (chunk[i] === 0x20 && this.pendingBytes <= MAX_LENGTH_DIGITS) {
      const length = Number(Buffer.concat(this.pending).toString('latin1'));
      this.pending = [];
      this.pendingBytes = 0;
      this.remaining = length;
      this.mode = length === 0 ? 'idle' : 'counted';
      return i + 1;
    }
    // Digits not followed by a space: a newline-framed message that starts with a digit.
    this.mode = 'line';
    return i;
  }

  private readCounted(chunk: Buffer, at: number): number {
    const n = Math.min(this.remaining, chunk.length - at);
    this.keep(chunk.subarray(at, at + n));
    this.remaining -= n;
    if (this.remaining === 0) this.finish(Buffer.concat(this.pending));
    return at + n;
  }

  private readLine(chunk: Buffer, at: number): number {
    let end = chunk.indexOf(0x0a, at);
    // Some senders end a newline-framed message with NUL instead (RFC 6587 §3.4.2).
    const nul = chunk.indexOf(0x00, at);
    if (nul >= 0 && (end < 0 || nul < end)) end = nul;
    if (end < 0) {
      this.keep(chunk.subarray(at));
      return chunk.length;
    }
    this.keep(chunk.subarray(at, end));
    const line = Buffer.concat(this.pending);
    this.finish(line[line.length - 1] === 0x0d ? line.subarray(0, line.length - 1) : line);
    return end + 1;
  }

  /** At the end of the stream: a last newline-framed message without its LF is still a message. */
  end(): void {
    if (this.mode === 'line') this.finish(Buffer.concat(this.pending));
  }
}
