/**
 * Loaded into a Vigil server by bench/query-split.ts (`--import`, through VIGIL_SERVER_NODE_ARGS): for
 * every `/query` request, appended to the file named by VIGIL_QUERY_SPLIT_FILE as one line of
 * milliseconds `lastByte before after`:
 *   lastByte  from Node's HTTP layer handing the request over (its headers parsed) to the answer's
 *             last byte handed to the socket;
 *   before    from that hand-over to the answer's headers being written, minus the answer's
 *             Server-Timing `total` (routing, body parsing, hooks: the server's work outside `total`
 *             before the answer is written);
 *   after     from the headers being written to the last byte (the write of the answer).
 * Node's own diagnostics channels and one wrapped `writeHead`, so the server's code is unchanged and
 * any build can be probed.
 */
import { subscribe } from 'node:diagnostics_channel';
import { appendFileSync } from 'node:fs';
import { ServerResponse, type IncomingMessage, type OutgoingHttpHeaders } from 'node:http';

const file = process.env.VIGIL_QUERY_SPLIT_FILE;
const started = new WeakMap<IncomingMessage, bigint>();
const headed = new WeakMap<ServerResponse, { at: bigint; total: number }>();

if (file) {
  const writeHead = ServerResponse.prototype.writeHead;
  ServerResponse.prototype.writeHead = function (this: ServerResponse, ...args: unknown[]) {
    if (started.has(this.req)) {
      const h = args.find((a): a is OutgoingHttpHeaders => typeof a === 'object' && a !== null && !Array.isArray(a));
      const timing = String(h?.['server-timing'] ?? this.getHeader('server-timing') ?? '');
      headed.set(this, { at: process.hrtime.bigint(), total: Number(/total;dur=([0-9.]+)/.exec(timing)?.[1] ?? NaN) });
    }
    return (writeHead as (...a: unknown[]) => ServerResponse).apply(this, args);
  } as typeof writeHead;
  subscribe('http.server.request.start', (m) => {
    const { request } = m as { request: IncomingMessage };
    if (request.url && /\/query(\?|$)/.test(request.url)) started.set(request, process.hrtime.bigint());
  });
  subscribe('http.server.response.finish', (m) => {
    const { request, response } = m as { request: IncomingMessage; response: ServerResponse };
    const since = started.get(request);
    if (since === undefined) return;
    const now = process.hrtime.bigint();
    const head = headed.get(response);
    const ms = (a: bigint, b: bigint) => Number(b - a) / 1e6;
    const line = `${ms(since, now).toFixed(3)} ${head ? (ms(since, head.at) - head.total).toFixed(3) : 'NaN'} ${head ? ms(head.at, now).toFixed(3) : 'NaN'}\n`;
    // After the answer is out: the write is not on the measured path.
    setImmediate(() => appendFileSync(file, line));
  });
}
