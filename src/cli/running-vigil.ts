/**
 * How a CLI command reaches a running Vigil: its bootstrap.json (endpoint, tenant, CA, admin
 * principal) in the data folder, or another principal whose secret is in VIGIL_CLIENT_SECRET.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { BootstrapInfo } from '../server/bootstrap.js';

export interface RunningVigil {
  b: BootstrapInfo;
  /** The endpoint without trailing slashes. */
  endpoint: string;
  clientId: string;
  clientSecret: string;
  /** Vigil's CA (PEM), when bootstrap.json names one that can be read. */
  ca?: string;
}

/** `withoutSecret`: only where Vigil is (endpoint, tenant, CA); the caller signs in with credentials of its own. */
export function runningVigil(o: { dataDir: string; endpoint?: string; clientId?: string; withoutSecret?: boolean }): RunningVigil {
  const dataDir = resolve(o.dataDir);
  let b: BootstrapInfo;
  try {
    b = JSON.parse(readFileSync(join(dataDir, 'bootstrap.json'), 'utf8')) as BootstrapInfo;
  } catch (err) {
    throw new Error(`cannot read ${join(dataDir, 'bootstrap.json')} (${(err as Error).message}); start Vigil first, or pass --data-dir.`);
  }
  const endpoint = (o.endpoint ?? b.endpoint).replace(/\/+$/, '');
  const clientId = o.clientId ?? b.clientId;
  const clientSecret = o.clientId ? process.env.VIGIL_CLIENT_SECRET : (process.env.VIGIL_CLIENT_SECRET ?? b.clientSecret);
  if (!clientSecret && !o.withoutSecret) throw new Error('no client secret to sign in with: set VIGIL_CLIENT_SECRET.');
  let ca: string | undefined;
  try {
    ca = b.caPath ? readFileSync(b.caPath, 'utf8') : undefined;
  } catch {
    ca = undefined;
  }
  return { b, endpoint, clientId, clientSecret: clientSecret ?? '', ca };
}
