/**
 * The CA every test trusts. `npm test` runs this file first, then starts the test runner with
 * NODE_EXTRA_CA_CERTS pointing at the CA (Node reads that variable only at start-up, so it must
 * exist before any test process). Test servers are seeded with this CA, so the official SDKs in
 * the test processes trust them with no code changes — exactly as a user would set things up.
 */
import { copyFileSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureTlsMaterial } from '../../src/server/tls.js';

export const TEST_CA_DIR = resolve(fileURLToPath(new URL('../../../.test-ca', import.meta.url)));

/** Copies the test CA into a fresh data folder so the server issues its certificate from it. */
export function seedTestCa(dataDir: string): void {
  const tlsDir = join(dataDir, 'tls');
  mkdirSync(tlsDir, { recursive: true, mode: 0o700 });
  copyFileSync(join(TEST_CA_DIR, 'tls', 'ca.pem'), join(tlsDir, 'ca.pem'));
  copyFileSync(join(TEST_CA_DIR, 'tls', 'ca-key.pem'), join(tlsDir, 'ca-key.pem'));
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const material = await ensureTlsMaterial(TEST_CA_DIR);
  process.stdout.write(`test CA: ${material.caPath}\n`);
}
