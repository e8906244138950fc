/**
 * Loaded into a Vigil server by bench/query-split.ts (`--import`, through VIGIL_SERVER_NODE_ARGS): for
 * every `/query` request, the time from Node's HTTP layer handing the request over (its headers
 * parsed) to the response's last byte handed to the socket, appended to the file named by
 * VIGIL_QUERY_SPLIT_FILE (milliseconds, one per line). Node's own diagnostics channels, so the server's
 * code is unchanged and any build can be probed.
 */
import { subscribe } from 'node:diagnostics_channel';
import { appendFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';

const file = process.env.VIGIL_QUERY_SPLIT_FILE;
const started = new WeakMap<IncomingMessage, bigint>();

if (file) {
  subscribe('http.server.request.start', (m) => {
    const { request } = m as { request: IncomingMessage };
    if (request.url && /\/query(\?|$)/.test(request.url)) started.set(request, process.hrtime.bigint());
  });
  subscribe('http.server.response.finish', (m) => {
    const { request } = m as { request: IncomingMessage };
    const since = started.get(request);
    if (since === undefined) return;
    const ms = Number(process.hrtime.bigint() - since) / 1e6;
    // After the answer is out: the write is not on the measured path.
    setImmediate(() => appendFileSync(file, `${ms.toFixed(3)}\n`));
  });
}
