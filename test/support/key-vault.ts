/**
 * Reaching a Vigil key vault from tests: vault NAME is served at https://NAME.vault.localhost:PORT.
 * `*.localhost` resolves to loopback with systemd-resolved and in browsers, but not with plain glibc
 * (CI), so the clients get an https.Agent whose `lookup` sends `*.vault.localhost` to 127.0.0.1 —
 * the Azure SDK's standard `agent` client option. Nothing leaves loopback.
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { Agent, request } from 'node:https';
import type { LookupFunction } from 'node:net';

const loopbackLookup: LookupFunction = (hostname, options, callback) => {
  if (!/\.vault\.localhost$/i.test(hostname)) return dnsLookup(hostname, options, callback as never);
  if ((options as { all?: boolean }).all) (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, [{ address: '127.0.0.1', family: 4 }]);
  else callback(null, '127.0.0.1', 4);
};

/** The agent for the SDK clients' `agent` option. */
export const vaultAgent = new Agent({ lookup: loopbackLookup, keepAlive: false });

export interface VaultReply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: <T = any>() => T;
}

/** A raw HTTPS call to a vault URL (for the challenge and bad input, which the SDK cannot express). */
export function vaultRequest(url: string, method: string, token?: string, body?: unknown): Promise<VaultReply> {
  return new Promise((resolvePromise, reject) => {
    const data = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const req = request(
      url,
      {
        method,
        agent: vaultAgent,
        headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(data ? { 'content-type': 'application/json', 'content-length': String(data.length) } : {}) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolvePromise({ status: res.statusCode ?? 0, headers: res.headers, text, json: () => JSON.parse(text) });
        });
      },
    );
    req.on('error', reject);
    req.end(data);
  });
}
