/**
 * Token verification per request (issue #20): the same bearer token verified over and over, as a
 * client's cached token is on every query, by one TokenVerifier (the server's: verified tokens are
 * remembered, so RSA runs once) against a fresh TokenVerifier per request (every request pays jose's
 * RS256 signature check: what Vigil did before). In process, alternating rounds; CPU time of the
 * process per verification. Ratio = remembered ÷ fresh (lower is better).
 *
 *   node dist/bench/token.js [--runs N]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadOrCreateSigningKeys } from '../src/identity/signing-keys.js';
import { TokenIssuer } from '../src/identity/token-issuer.js';
import { TokenVerifier } from '../src/identity/token-verifier.js';
import { emitResult, latency, parseOptions, progress } from './support.js';

const opts = parseOptions();
const PER_ROUND = 500;
const ROUNDS = Math.max(3, Math.min(opts.runs, 15));
const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const OID = '9d8c7b6a-5f4e-4d3c-8b2a-1908f7e6d5c4';
const AUD = 'https://api.loganalytics.io';
const BASE = 'https://127.0.0.1:8443';

const dir = mkdtempSync(join(tmpdir(), 'vigil-bench-token-'));
try {
  const keys = await loadOrCreateSigningKeys(join(dir, 'keys'));
  const issuer = new TokenIssuer(keys, (t) => `${BASE}/${t}/v2.0`);
  const { token } = await issuer.issue({ objectId: OID, appId: OID, tenantId: TENANT, kind: 'ServicePrincipal' }, AUD);
  const header = `Bearer ${token}`;
  const verifierOptions = { issuers: [`${BASE}/${TENANT}/v2.0`], directory: { findServicePrincipalByAppId: () => undefined, isActive: () => true } };
  const remembered = new TokenVerifier(keys, verifierOptions);
  const cpuUs = () => {
    const u = process.cpuUsage();
    return u.user + u.system;
  };
  const round = async (next: () => TokenVerifier): Promise<number> => {
    const from = cpuUs();
    for (let i = 0; i < PER_ROUND; i++) {
      const p = await next().verify(header, [AUD]);
      if (p.objectId !== OID) throw new Error('wrong principal');
    }
    return (cpuUs() - from) / PER_ROUND;
  };
  await round(() => remembered);
  await round(() => new TokenVerifier(keys, verifierOptions));
  const cached: number[] = [];
  const fresh: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    cached.push(await round(() => remembered));
    fresh.push(await round(() => new TokenVerifier(keys, verifierOptions)));
  }
  const c = latency(cached);
  const f = latency(fresh);
  const ratio = Math.round((c.medianMs / f.medianMs) * 1000) / 1000;
  progress(`token verification, CPU µs per request (median of ${ROUNDS} rounds of ${PER_ROUND}): remembered ${c.medianMs}, fresh (RS256 each time) ${f.medianMs}, ×${ratio}`);
  emitResult({ suite: 'token', unit: 'CPU µs per verification', perRound: PER_ROUND, rounds: ROUNDS, remembered: c, fresh: f, ratio });
} finally {
  rmSync(dir, { recursive: true, force: true });
}
