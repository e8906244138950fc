/**
 * Issue #15 end to end: the root of trust of the keys lives outside the data folder. A real server
 * runs with a SoftHSM v2 token (initialised here in a temporary SOFTHSM2_CONF) and with a
 * passphrase; data ingested before a restart is readable after it; a start without the HSM, with a
 * wrong PIN, without or with a wrong passphrase, or with --insecure-dev-keys on a protected folder
 * refuses with a message naming what to provide; no plaintext key material is in the data folder
 * (every file is scanned for the master key and the signing key, raw, base64 and hex);
 * `rotate-master-key` works under each; `vigil verify` names a flipped wrapped key; and
 * `vigil protect-keys` moves a plain-file folder to a passphrase.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { JWK } from 'jose';
import { openSealedSigningKey, SEALED_SIGNING_KEY_FILE } from '../../src/identity/signing-keys.js';
import { readSealedMasterKey, sealedKeyFile } from '../../src/keys/master-key.js';
import { passphraseProtector, type Argon2idParams } from '../../src/keys/passphrase-protector.js';
import { pkcs11Protector, type Pkcs11Params } from '../../src/keys/pkcs11-protector.js';
import { readProtectorRecord, type KeyProtector } from '../../src/keys/protector.js';
import { createLogTable, ingest, LOGS_AUDIENCE, MONITOR_AUDIENCE, queryWithStatistics, tokenFor } from '../support/log-table.js';
import { createSoftHsm, softhsmMissing, type SoftHsm } from '../support/softhsm.js';
import { CLI, startVigil, type VigilProcess } from '../support/vigil-process.js';
import { seedTestCa } from '../support/test-ca.js';

const SERVE_ARGS = ['--seal-age', '1'];
const PASSPHRASE = 'correct horse battery staple, twice';

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

/** A clean environment for a child: no root-of-trust variables unless given. */
function envWith(extra: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !/^VIGIL_(MASTER|PKCS11)/.test(k) && k !== 'SOFTHSM2_CONF') env[k] = v;
  return { ...env, ...extra };
}

function cli(args: string[], env: Record<string, string>) {
  return spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: envWith(env), timeout: 120_000 });
}

/** `vigil serve` on `dataDir` must refuse to start, saying `message`. */
function assertRefuses(dataDir: string, args: string[], env: Record<string, string>, message: RegExp) {
  const r = cli(['serve', '--data-dir', dataDir, '--host', '127.0.0.1', '--port', '0', ...SERVE_ARGS, ...args], env);
  assert.equal(r.status, 1, `serve should refuse: ${r.stdout}${r.stderr}`);
  assert.doesNotMatch(r.stdout, /serving on/);
  assert.match(r.stderr, message);
}

async function startWith(dataDir: string | undefined, args: string[], env: Record<string, string>): Promise<VigilProcess> {
  // startVigil merges env over process.env: blank the root-of-trust variables the test process may carry.
  const blank = Object.fromEntries(Object.keys(process.env).filter((k) => /^VIGIL_(MASTER|PKCS11)/.test(k)).map((k) => [k, '']));
  return startVigil({ dataDir, args: [...SERVE_ARGS, ...args], env: { ...blank, ...env }, insecureDevKeys: false });
}

async function ingestAndCount(vigil: VigilProcess, rows: number, marker: string): Promise<void> {
  const ruleId = await createLogTable(vigil.bootstrap, 'Trust_CL', 'Trust', [
    { name: 'TimeGenerated', type: 'datetime' },
    { name: 'Message', type: 'string' },
  ]);
  const token = await tokenFor(vigil.bootstrap, MONITOR_AUDIENCE);
  const now = Date.now();
  assert.equal(await ingest(vigil.bootstrap, token, ruleId, 'Trust', Array.from({ length: rows }, (_, i) => ({ TimeGenerated: new Date(now - i * 1000).toISOString(), Message: `${marker} ${i}` }))), 204);
  assert.equal(await count(vigil), rows);
}

async function count(vigil: VigilProcess): Promise<number> {
  const token = await tokenFor(vigil.bootstrap, LOGS_AUDIENCE);
  const deadline = Date.now() + 30_000;
  for (;;) {
    const r = await queryWithStatistics(vigil.bootstrap, token, 'Trust_CL | count', 'P1D');
    if (r.status === 200) return Number(r.rows[0]![0]);
    if (Date.now() > deadline) assert.fail(`query failed: ${JSON.stringify(r.body)}`);
    await new Promise((res) => setTimeout(res, 300));
  }
}

/** Opens the sealed keys with the protector, then searches every file of the folder for them in any common encoding. */
function assertNoPlaintextKeys(dataDir: string, protector: KeyProtector): void {
  try {
    for (const f of ['storage-master.key', 'storage-master.next.key', 'token-signing.json']) assert.equal(existsSync(join(dataDir, 'keys', f)), false, `plain key file ${f} in a protected folder`);
    const master = readSealedMasterKey(sealedKeyFile(dataDir), protector).key;
    const signing = openSealedSigningKey(readFileSync(join(dataDir, 'keys', SEALED_SIGNING_KEY_FILE), 'utf8'), 'signing', protector).jwk as JWK;
    const needles: Buffer[] = [];
    const add = (raw: Buffer) => {
      needles.push(raw, Buffer.from(raw.toString('base64')), Buffer.from(raw.toString('base64url')), Buffer.from(raw.toString('hex')));
    };
    add(master);
    for (const p of ['d', 'p', 'q', 'dp', 'dq', 'qi'] as const) add(Buffer.from(signing[p]!, 'base64url'));
    const files = filesUnder(dataDir);
    assert.ok(files.length > 5);
    for (const f of files) {
      const bytes = readFileSync(f);
      for (const n of needles) assert.equal(bytes.indexOf(n), -1, `${f} holds plaintext key material`);
    }
  } finally {
    protector.close();
  }
}

function flipSealed(path: string): string {
  const original = readFileSync(path, 'utf8');
  const j = JSON.parse(original) as { sealed: string };
  const b = Buffer.from(j.sealed, 'base64');
  b[b.length - 20]! ^= 0x01;
  writeFileSync(path, JSON.stringify({ ...j, sealed: b.toString('base64') }));
  return original;
}

const hsmSkip = softhsmMissing();
if (hsmSkip) process.stderr.write(`# root-of-trust e2e: ${hsmSkip}\n`);

describe('root of trust: PKCS#11 HSM (SoftHSM v2)', { timeout: 300_000, skip: hsmSkip }, () => {
  let hsm: SoftHsm;
  let dataDir: string;
  let hsmArgs: string[];
  let hsmEnv: Record<string, string>;
  const marker = `HSM-MARKER-${process.pid}`;

  before(() => {
    hsm = createSoftHsm();
    dataDir = mkdtempSync(join(tmpdir(), 'vigil-hsm-'));
    seedTestCa(dataDir);
    hsmArgs = ['--pkcs11-module', hsm.module, '--pkcs11-token-label', hsm.tokenLabel];
    hsmEnv = { SOFTHSM2_CONF: hsm.conf, VIGIL_PKCS11_PIN: hsm.pin };
  });
  after(() => {
    rmSync(dataDir, { recursive: true, force: true });
    hsm?.dispose();
  });

  it('starts with the HSM, ingests, and reads the data after a restart with the HSM', async () => {
    let vigil = await startWith(dataDir, hsmArgs, hsmEnv);
    try {
      assert.match(vigil.output(), /keys:\s+sealed by PKCS#11 token 'vigil-test', key 'vigil-master-wrap'/);
      await ingestAndCount(vigil, 50, marker);
    } finally {
      await vigil.stop();
    }
    const record = readProtectorRecord(dataDir)!;
    assert.equal(record.protector, 'pkcs11');
    assert.equal((record.params.pkcs11 as Pkcs11Params).mechanism, 'CKM_AES_GCM');
    vigil = await startWith(dataDir, hsmArgs, hsmEnv);
    try {
      assert.equal(await count(vigil), 50);
    } finally {
      await vigil.stop();
    }
  });

  it('refuses to start without the HSM, with a wrong PIN, without a PIN, or with plain files asked for', () => {
    assertRefuses(dataDir, [], {}, /sealed by a PKCS#11 HSM: provide the HSM: --pkcs11-module/);
    assertRefuses(dataDir, hsmArgs, { ...hsmEnv, VIGIL_PKCS11_PIN: '111111' }, /HSM refused the PIN .*CKR_PIN_INCORRECT.*VIGIL_PKCS11_PIN/);
    assertRefuses(dataDir, hsmArgs, { SOFTHSM2_CONF: hsm.conf }, /No PIN for the HSM/);
    assertRefuses(dataDir, hsmArgs, { ...hsmEnv, SOFTHSM2_CONF: hsm.emptyConf }, /The HSM is absent: no PKCS#11 token labelled 'vigil-test'/);
    assertRefuses(dataDir, ['--pkcs11-module', '/nonexistent/libpkcs11.so', '--pkcs11-token-label', hsm.tokenLabel], hsmEnv, /PKCS#11 module \/nonexistent\/libpkcs11.so does not exist/);
    assertRefuses(dataDir, ['--insecure-dev-keys'], hsmEnv, /never bypasses it/);
    assertRefuses(dataDir, [], { VIGIL_MASTER_PASSPHRASE: PASSPHRASE }, /sealed by a PKCS#11 HSM, not a passphrase/);
    // Nothing fell back to plain files.
    assert.equal(existsSync(join(dataDir, 'keys', 'storage-master.key')), false);
  });

  it('keeps no plaintext key material in the data folder', () => {
    process.env.SOFTHSM2_CONF = hsm.conf;
    const record = readProtectorRecord(dataDir)!;
    assertNoPlaintextKeys(dataDir, pkcs11Protector({ module: hsm.module, tokenLabel: hsm.tokenLabel, pin: hsm.pin, keyLabel: 'vigil-master-wrap' }, record.params.pkcs11 as Pkcs11Params));
  });

  it('rotates the master key under the HSM; the data stays readable', async () => {
    const before = JSON.parse(readFileSync(sealedKeyFile(dataDir), 'utf8')) as { id: string };
    const r = cli(['rotate-master-key', '--data-dir', dataDir, ...hsmArgs], hsmEnv);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /re-wrapped 1 workspace key\(s\).*PKCS#11 token 'vigil-test'/);
    const now = JSON.parse(readFileSync(sealedKeyFile(dataDir), 'utf8')) as { id: string };
    assert.notEqual(now.id, before.id);
    const v = cli(['verify', '--data-dir', dataDir, ...hsmArgs], hsmEnv);
    assert.equal(v.status, 0, v.stdout + v.stderr);
    const vigil = await startWith(dataDir, hsmArgs, hsmEnv);
    try {
      assert.equal(await count(vigil), 50);
    } finally {
      await vigil.stop();
    }
  });

  it('vigil verify names a flipped wrapped master key and a flipped sealed signing key', () => {
    const original = flipSealed(sealedKeyFile(dataDir));
    try {
      const v = cli(['verify', '--data-dir', dataDir, ...hsmArgs], hsmEnv);
      assert.equal(v.status, 1, v.stdout + v.stderr);
      assert.match(v.stdout, /ERROR \S*storage-master\.sealed\.json \(keys\): .*failed authentication in the HSM/);
      assertRefuses(dataDir, hsmArgs, hsmEnv, /storage-master\.sealed\.json failed authentication/);
    } finally {
      writeFileSync(sealedKeyFile(dataDir), original);
    }
    const signingFile = join(dataDir, 'keys', SEALED_SIGNING_KEY_FILE);
    const originalSigning = flipSealed(signingFile);
    try {
      const v = cli(['verify', '--data-dir', dataDir, ...hsmArgs], hsmEnv);
      assert.equal(v.status, 1, v.stdout + v.stderr);
      assert.match(v.stdout, /ERROR \S*token-signing\.sealed\.json \(keys\)/);
    } finally {
      writeFileSync(signingFile, originalSigning);
    }
    assert.equal(cli(['verify', '--data-dir', dataDir, ...hsmArgs], hsmEnv).status, 0);
  });
});

describe('root of trust: passphrase (argon2id)', { timeout: 300_000 }, () => {
  let dataDir: string;
  const marker = `PASS-MARKER-${process.pid}`;
  const env = { VIGIL_MASTER_PASSPHRASE: PASSPHRASE };

  before(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'vigil-pass-'));
    seedTestCa(dataDir);
  });
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  it('refuses a first start with no root of trust, naming the choices', () => {
    assertRefuses(dataDir, [], {}, /Vigil needs a root of trust for the keys: a passphrase \(VIGIL_MASTER_PASSPHRASE or --master-passphrase-file\), or a PKCS#11 HSM .*--insecure-dev-keys/);
    assertRefuses(dataDir, ['--insecure-dev-keys'], env, /Choose one root of trust/);
  });

  it('starts with the passphrase, ingests, and reads the data after a restart (passphrase from a file)', async () => {
    let vigil = await startWith(dataDir, [], env);
    try {
      assert.match(vigil.output(), /keys:\s+sealed by passphrase \(argon2id m=65536 KiB, t=3, p=4\)/);
      await ingestAndCount(vigil, 40, marker);
    } finally {
      await vigil.stop();
    }
    const file = join(mkdtempSync(join(tmpdir(), 'vigil-pass-file-')), 'passphrase');
    writeFileSync(file, `${PASSPHRASE}\n`, { mode: 0o600 });
    vigil = await startWith(dataDir, ['--master-passphrase-file', file], {});
    try {
      assert.equal(await count(vigil), 40);
    } finally {
      await vigil.stop();
    }
  });

  it('refuses to start without the passphrase or with a wrong one', () => {
    assertRefuses(dataDir, [], {}, /sealed by a passphrase: provide the passphrase in VIGIL_MASTER_PASSPHRASE/);
    assertRefuses(dataDir, [], { VIGIL_MASTER_PASSPHRASE: 'wrong horse battery staple' }, /The master passphrase is wrong/);
    assertRefuses(dataDir, ['--insecure-dev-keys'], {}, /never bypasses it/);
  });

  it('keeps no plaintext key material in the data folder', async () => {
    const record = readProtectorRecord(dataDir)!;
    const params = record.params.argon2id as Argon2idParams;
    assert.deepEqual({ m: params.memoryKiB, t: params.iterations, p: params.parallelism }, { m: 65536, t: 3, p: 4 });
    assertNoPlaintextKeys(dataDir, await passphraseProtector(PASSPHRASE, params));
  });

  it('rotates the master key under the passphrase; verify names a flipped wrapped key', async () => {
    const r = cli(['rotate-master-key', '--data-dir', dataDir], env);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /re-wrapped 1 workspace key\(s\).*passphrase \(argon2id/);
    assert.equal(cli(['verify', '--data-dir', dataDir], env).status, 0);
    const vigil = await startWith(dataDir, [], env);
    try {
      assert.equal(await count(vigil), 40);
    } finally {
      await vigil.stop();
    }
    const original = flipSealed(sealedKeyFile(dataDir));
    try {
      const v = cli(['verify', '--data-dir', dataDir], env);
      assert.equal(v.status, 1);
      assert.match(v.stdout, /ERROR \S*storage-master\.sealed\.json \(keys\): .*failed authentication/);
    } finally {
      writeFileSync(sealedKeyFile(dataDir), original);
    }
    // A workspace key wrapped by the master key, flipped: named too.
    const keyring = filesUnder(join(dataDir, 'storage')).find((f) => f.endsWith('keyring.json'))!;
    const ring = readFileSync(keyring, 'utf8');
    const parsed = JSON.parse(ring) as { wraps: { wrapped: string }[] };
    const w = Buffer.from(parsed.wraps[0]!.wrapped, 'base64');
    w[20]! ^= 0x04;
    parsed.wraps[0]!.wrapped = w.toString('base64');
    writeFileSync(keyring, JSON.stringify(parsed));
    try {
      const v = cli(['verify', '--data-dir', dataDir], env);
      assert.equal(v.status, 1);
      assert.ok(v.stdout.includes(keyring), v.stdout);
      assert.match(v.stdout, /failed authentication/);
    } finally {
      writeFileSync(keyring, ring);
    }
    assert.equal(cli(['verify', '--data-dir', dataDir], env).status, 0);
  });
});

describe('root of trust: migration from plain files (vigil protect-keys)', { timeout: 300_000 }, () => {
  let vigil: VigilProcess | undefined;
  after(async () => vigil?.dispose());

  it('an insecure folder is refused without the flag, sealed by protect-keys, then served with the passphrase', async () => {
    vigil = await startVigil({ args: SERVE_ARGS });
    assert.match(vigil.output(), /WARNING: --insecure-dev-keys/);
    assert.match(vigil.output(), /keys:\s+NOT PROTECTED: plain key files/);
    const dataDir = vigil.dataDir;
    await ingestAndCount(vigil, 30, `MIGRATE-${process.pid}`);
    await vigil.stop();
    const plainMaster = JSON.parse(readFileSync(join(dataDir, 'keys', 'storage-master.key'), 'utf8')) as { key: string };
    const plainSigning = JSON.parse(readFileSync(join(dataDir, 'keys', 'token-signing.json'), 'utf8')) as { kid: string };

    assertRefuses(dataDir, [], {}, /plain files .*vigil protect-keys/);
    assertRefuses(dataDir, [], { VIGIL_MASTER_PASSPHRASE: PASSPHRASE }, /seal them first with 'vigil protect-keys/);

    const r = cli(['protect-keys', '--data-dir', dataDir], { VIGIL_MASTER_PASSPHRASE: PASSPHRASE });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /sealed by passphrase .*1 workspace key\(s\) re-wrapped, removed .*storage-master\.key.*token-signing\.json/);
    assert.equal(existsSync(join(dataDir, 'keys', 'storage-master.key')), false);
    assert.equal(existsSync(join(dataDir, 'keys', 'token-signing.json')), false);

    // A new master key (the old one may have been copied), the same signing key (tokens stay valid).
    const protector = await passphraseProtector(PASSPHRASE, readProtectorRecord(dataDir)!.params.argon2id as Argon2idParams);
    try {
      assert.notEqual(readSealedMasterKey(sealedKeyFile(dataDir), protector).key.toString('base64'), plainMaster.key);
      assert.equal(JSON.parse(readFileSync(join(dataDir, 'keys', SEALED_SIGNING_KEY_FILE), 'utf8')).kid, plainSigning.kid);
    } finally {
      protector.close();
    }
    assertNoPlaintextKeys(dataDir, await passphraseProtector(PASSPHRASE, readProtectorRecord(dataDir)!.params.argon2id as Argon2idParams));
    // Every keyring is wrapped by the new sealed key only: the old plain key opens nothing any more.
    const sealedId = (JSON.parse(readFileSync(sealedKeyFile(dataDir), 'utf8')) as { id: string }).id;
    const keyrings = filesUnder(join(dataDir, 'storage')).filter((f) => f.endsWith('keyring.json'));
    assert.ok(keyrings.length >= 1);
    for (const f of keyrings) assert.deepEqual((JSON.parse(readFileSync(f, 'utf8')) as { wraps: { masterKeyId: string }[] }).wraps.map((w) => w.masterKeyId), [sealedId]);

    vigil = await startWith(dataDir, [], { VIGIL_MASTER_PASSPHRASE: PASSPHRASE });
    assert.doesNotMatch(vigil.output(), /WARNING: --insecure-dev-keys/);
    assert.equal(await count(vigil), 30);
    await vigil.stop();
  });
});

describe('root of trust: documented', () => {
  it('every root-of-trust option of `vigil serve --help` is in the README, and the README commands exist', () => {
    const help = cli(['serve', '--help'], {}).stdout;
    const readme = readFileSync(join(process.cwd(), 'README.md'), 'utf8');
    const options = ['--insecure-dev-keys', '--master-passphrase-file', '--pkcs11-module', '--pkcs11-token-label', '--pkcs11-slot', '--pkcs11-pin-file', '--pkcs11-key-label'];
    for (const o of options) {
      assert.ok(help.includes(o), `serve --help lists ${o}`);
      assert.ok(readme.includes(o), `README documents ${o}`);
    }
    for (const v of ['VIGIL_MASTER_PASSPHRASE', 'VIGIL_PKCS11_PIN', 'VIGIL_PKCS11_MODULE', 'VIGIL_PKCS11_TOKEN_LABEL', 'VIGIL_PKCS11_KEY_LABEL']) assert.ok(readme.includes(v) && help.includes(v), v);
    for (const c of ['protect-keys', 'rotate-master-key', 'verify']) {
      const h = cli([c, '--help'], {});
      assert.equal(h.status, 0);
      for (const o of options.slice(1)) assert.ok(h.stdout.includes(o), `${c} --help lists ${o}`);
    }
    const pkg = JSON.parse(readFileSync(join(process.cwd(), 'package.json'), 'utf8')) as { scripts: { start: string } };
    assert.match(pkg.scripts.start, /serve --insecure-dev-keys$/, 'npm start is the explicit, warned development mode the README describes');
  });
});
