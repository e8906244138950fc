/**
 * Issue #15, `vigil change-key-protector` against a real Vigil: passphrase → new passphrase → SoftHSM
 * v2 token → passphrase, each time re-sealing only the master and signing keys. The master key (its
 * id) and every workspace keyring stay byte for byte the same, rows ingested at the start stay
 * readable, tokens issued before keep working (the signing key is the same), and after each change
 * the folder opens only with the new root of trust. Plain key files are not a target.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { readProtectorRecord } from '../../src/keys/protector.js';
import { createLogTable, ingest, LOGS_AUDIENCE, MONITOR_AUDIENCE, queryWithStatistics, tokenFor } from '../support/log-table.js';
import { createSoftHsm, softhsmMissing, type SoftHsm } from '../support/softhsm.js';
import { seedTestCa } from '../support/test-ca.js';
import { CLI, startVigil, type VigilProcess } from '../support/vigil-process.js';

const A = 'first passphrase of twelve+';
const B = 'second passphrase of twelve+';
const hsmSkip = softhsmMissing();

function envWith(extra: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !/^VIGIL_(MASTER|PKCS11|NEW)/.test(k) && k !== 'SOFTHSM2_CONF') env[k] = v;
  return { ...env, ...extra };
}
const cli = (args: string[], env: Record<string, string>) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: envWith(env), timeout: 180_000 });

/** The files that wrap workspace data keys: they must not change when only the protector does. */
function keyrings(dataDir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (dir: string) => {
    for (const n of readdirSync(dir)) {
      const p = join(dir, n);
      if (statSync(p).isDirectory()) walk(p);
      else if (n === 'keyring.json') out.set(p, readFileSync(p, 'utf8'));
    }
  };
  walk(dataDir);
  return out;
}

describe('vigil change-key-protector', { timeout: 600_000, skip: hsmSkip }, () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'vigil-protector-'));
  let hsm: SoftHsm | undefined;
  let vigil: VigilProcess | undefined;
  after(async () => {
    await vigil?.stop();
    hsm?.dispose();
    rmSync(dataDir, { recursive: true, force: true });
  });
  let port = '0';
  const start = async (args: string[], env: Record<string, string>) => {
    const blank = Object.fromEntries(Object.keys(process.env).filter((k) => /^VIGIL_(MASTER|PKCS11)/.test(k) || k === 'SOFTHSM2_CONF').map((k) => [k, '']));
    vigil = await startVigil({ dataDir, args: ['--port', port, '--seal-age', '1', ...args], env: { ...blank, ...env }, insecureDevKeys: false });
    port = new URL(vigil.endpoint).port;
    return vigil;
  };
  const count = async (v: VigilProcess, token: string) => {
    const r = await queryWithStatistics(v.bootstrap, token, 'Moved_CL | count', 'P1D');
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return Number(r.rows[0]![0]);
  };

  it('re-seals without rotating the master key: passphrase → passphrase → HSM → passphrase', async () => {
    seedTestCa(dataDir);
    let v = await start([], { VIGIL_MASTER_PASSPHRASE: A });
    const rule = await createLogTable(v.bootstrap, 'Moved_CL', 'Moved', [
      { name: 'TimeGenerated', type: 'datetime' },
      { name: 'Message', type: 'string' },
    ]);
    assert.equal(await ingest(v.bootstrap, await tokenFor(v.bootstrap, MONITOR_AUDIENCE), rule, 'Moved', [{ TimeGenerated: new Date().toISOString(), Message: 'kept' }]), 204);
    const oldToken = await tokenFor(v.bootstrap, LOGS_AUDIENCE);
    assert.equal(await count(v, oldToken), 1);
    await v.stop();
    const masterId = () => (JSON.parse(readFileSync(join(dataDir, 'keys', 'storage-master.sealed.json'), 'utf8')) as { id: string }).id;
    const id = masterId();
    const rings = keyrings(dataDir);
    assert.ok(rings.size >= 1);

    // Plain files are not a target; and the current root of trust must be the right one.
    const noTarget = cli(['change-key-protector', '--data-dir', dataDir], { VIGIL_MASTER_PASSPHRASE: A });
    assert.equal(noTarget.status, 1);
    assert.match(noTarget.stderr, /Name the new root of trust/);
    const wrongOld = cli(['change-key-protector', '--data-dir', dataDir], { VIGIL_MASTER_PASSPHRASE: B, VIGIL_NEW_MASTER_PASSPHRASE: B });
    assert.equal(wrongOld.status, 1);
    assert.match(wrongOld.stderr, /passphrase is wrong/);

    const steps: { args: string[]; env: Record<string, string>; serve: { args: string[]; env: Record<string, string> }; kind: string }[] = [];
    hsm = createSoftHsm();
    const hsmServe = { args: ['--pkcs11-module', hsm.module, '--pkcs11-token-label', hsm.tokenLabel], env: { SOFTHSM2_CONF: hsm.conf, VIGIL_PKCS11_PIN: hsm.pin } };
    steps.push({ args: [], env: { VIGIL_MASTER_PASSPHRASE: A, VIGIL_NEW_MASTER_PASSPHRASE: B }, serve: { args: [], env: { VIGIL_MASTER_PASSPHRASE: B } }, kind: 'passphrase' });
    steps.push({
      args: ['--new-pkcs11-module', hsm.module, '--new-pkcs11-token-label', hsm.tokenLabel],
      env: { VIGIL_MASTER_PASSPHRASE: B, VIGIL_NEW_PKCS11_PIN: hsm.pin, SOFTHSM2_CONF: hsm.conf },
      serve: hsmServe,
      kind: 'pkcs11',
    });
    steps.push({ args: [...hsmServe.args], env: { ...hsmServe.env, VIGIL_NEW_MASTER_PASSPHRASE: A }, serve: { args: [], env: { VIGIL_MASTER_PASSPHRASE: A } }, kind: 'passphrase' });
    let previous = { args: [] as string[], env: { VIGIL_MASTER_PASSPHRASE: A } as Record<string, string> };
    for (const step of steps) {
      const r = cli(['change-key-protector', '--data-dir', dataDir, ...step.args], step.env);
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, new RegExp(`master key ${id} unchanged`));
      assert.equal(readProtectorRecord(dataDir)!.protector, step.kind);
      assert.equal(masterId(), id);
      assert.deepEqual(keyrings(dataDir), rings, 'no workspace key re-wrapped');
      // The folder now opens only with the new root of trust.
      const refused = cli(['serve', '--data-dir', dataDir, '--port', '0', ...previous.args], previous.env);
      assert.equal(refused.status, 1, refused.stdout);
      v = await start(step.serve.args, step.serve.env);
      assert.equal(await count(v, oldToken), 1, 'rows and tokens from before stay good');
      await v.stop();
      previous = step.serve;
    }
    vigil = undefined;
  });
});
