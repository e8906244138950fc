/**
 * Issue #15, unit level: each KeyProtector (passphrase through argon2id; PKCS#11 on a SoftHSM v2
 * token initialised here), the choice of the root of trust (never a silent fallback), sealed master
 * and signing keys, and rotation under a protector.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadOrCreateSigningKeys, SEALED_SIGNING_KEY_FILE } from '../../src/identity/signing-keys.js';
import { loadSealedMasterKeys, sealedKeyFile } from '../../src/keys/master-key.js';
import { ARGON2ID_DEFAULTS, passphraseProtector } from '../../src/keys/passphrase-protector.js';
import { pkcs11Protector, type Pkcs11Params } from '../../src/keys/pkcs11-protector.js';
import { RootOfTrustError, SealError, type KeyProtector } from '../../src/keys/protector.js';
import { rotateMasterKey } from '../../src/keys/rotate.js';
import { openRootOfTrust } from '../../src/keys/root-of-trust.js';
import { loadOrCreateWorkspaceKeys } from '../../src/keys/workspace-keys.js';
import { createSoftHsm, softhsmMissing, type SoftHsm } from '../support/softhsm.js';

const PASS = 'a long enough test passphrase';
const tmp = (p: string) => mkdtempSync(join(tmpdir(), p));

/** What every protector must do: round trip, bound to its context, authenticated. */
function contract(p: KeyProtector): void {
  const secret = Buffer.from('0123456789abcdef0123456789abcdef');
  const sealed = p.seal(secret, 'ctx-a');
  assert.ok(!sealed.includes(secret), 'the sealed form does not contain the plaintext');
  assert.deepEqual(p.open(sealed, 'ctx-a', 'x'), secret);
  assert.notDeepEqual(p.seal(secret, 'ctx-a'), sealed, 'a fresh nonce every time');
  assert.throws(() => p.open(sealed, 'ctx-b', 'x'), SealError, 'bound to its context');
  for (const i of [0, 13, sealed.length - 1]) {
    const flipped = Buffer.from(sealed);
    flipped[i]! ^= 0x80;
    assert.throws(() => p.open(flipped, 'ctx-a', 'x'), SealError, `a flipped byte ${i} is refused`);
  }
  assert.throws(() => p.open(sealed.subarray(0, 10), 'ctx-a', 'x'), SealError);
  const big = Buffer.alloc(4096, 7);
  assert.deepEqual(p.open(p.seal(big, 'signing'), 'signing', 'x'), big, 'seals a token-signing key (kilobytes)');
}

describe('passphrase protector (argon2id)', () => {
  it('states and records its argon2id parameters (RFC 9106 second recommendation)', async () => {
    assert.deepEqual(ARGON2ID_DEFAULTS, { memoryKiB: 65536, iterations: 3, parallelism: 4 });
    const p = await passphraseProtector(PASS);
    const params = p.params.argon2id as { salt: string; memoryKiB: number };
    assert.equal(Buffer.from(params.salt, 'base64').length, 16);
    assert.equal(params.memoryKiB, 65536);
    contract(p);
    p.close();
  });

  it('opens only with the same passphrase and salt', async () => {
    const a = await passphraseProtector(PASS);
    const sealed = a.seal(Buffer.from('key'), 'c');
    const params = a.params.argon2id as never;
    assert.deepEqual((await passphraseProtector(PASS, params)).open(sealed, 'c', 'x'), Buffer.from('key'));
    await assert.rejects(async () => (await passphraseProtector('another long passphrase', params)).open(sealed, 'c', 'x'), SealError);
    await assert.rejects(async () => (await passphraseProtector(PASS)).open(sealed, 'c', 'x'), SealError, 'another salt');
  });

  it('refuses a short new passphrase and weakened parameters', async () => {
    await assert.rejects(passphraseProtector('short'), /at least 12 characters/);
    await assert.rejects(passphraseProtector(PASS, { salt: 'AAAA', memoryKiB: 1024, iterations: 1, parallelism: 1 }), /below Vigil's minimum/);
  });
});

describe('choosing the root of trust', () => {
  let dir: string;
  before(() => (dir = tmp('vigil-rot-')));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('refuses when none is given, or several, and never falls back to plain files', async () => {
    await assert.rejects(openRootOfTrust(dir, { env: {} }, { create: true }), (e: Error) => e instanceof RootOfTrustError && /VIGIL_MASTER_PASSPHRASE.*--pkcs11-module.*--insecure-dev-keys/.test(e.message));
    await assert.rejects(openRootOfTrust(dir, { env: { VIGIL_MASTER_PASSPHRASE: PASS }, insecureDevKeys: true }, { create: true }), /Choose one root of trust/);
    await assert.rejects(openRootOfTrust(dir, { env: { VIGIL_MASTER_PASSPHRASE: PASS }, pkcs11Module: '/x.so' }, { create: true }), /Choose one root of trust/);
    assert.equal(existsSync(join(dir, 'keys')), false, 'nothing created by a refused start');
  });

  it('the insecure mode is explicit and has no protector', async () => {
    const insecure = tmp('vigil-insecure-');
    const r = await openRootOfTrust(insecure, { insecureDevKeys: true, env: {} }, { create: true });
    assert.equal(r.mode, 'insecure-dev-keys');
    assert.equal(r.protector, undefined);
    rmSync(insecure, { recursive: true, force: true });
  });

  it('a passphrase folder: seals the master and signing keys, refuses a wrong passphrase, the insecure flag and another protector', async () => {
    const env = { VIGIL_MASTER_PASSPHRASE: PASS };
    const root = await openRootOfTrust(dir, { env }, { create: true });
    const master = loadSealedMasterKeys(dir, root.protector!, { create: true });
    const signing = await loadOrCreateSigningKeys(join(dir, 'keys'), root.protector);
    root.protector!.close();
    assert.ok(existsSync(sealedKeyFile(dir)) && existsSync(join(dir, 'keys', SEALED_SIGNING_KEY_FILE)));
    assert.ok(!existsSync(join(dir, 'keys', 'token-signing.json')) && !existsSync(join(dir, 'keys', 'storage-master.key')));
    for (const f of [sealedKeyFile(dir), join(dir, 'keys', SEALED_SIGNING_KEY_FILE)]) assert.ok(!readFileSync(f).includes(master.current.key.toString('base64')));

    const again = await openRootOfTrust(dir, { env }, { create: true });
    assert.equal(loadSealedMasterKeys(dir, again.protector!, { create: false }).current.id, master.current.id);
    assert.equal((await loadOrCreateSigningKeys(join(dir, 'keys'), again.protector)).kid, signing.kid);
    again.protector!.close();

    await assert.rejects(openRootOfTrust(dir, { env: { VIGIL_MASTER_PASSPHRASE: 'the wrong passphrase!' } }, { create: true }), /The master passphrase is wrong/);
    await assert.rejects(openRootOfTrust(dir, { env: {} }, { create: true }), /sealed by a passphrase: provide the passphrase/);
    await assert.rejects(openRootOfTrust(dir, { env: {}, insecureDevKeys: true }, { create: true }), /never bypasses it/);
    await assert.rejects(openRootOfTrust(dir, { env: { VIGIL_PKCS11_PIN: '1' }, pkcs11Module: '/x.so' }, { create: true }), /sealed by a passphrase, not a PKCS#11 HSM/);
    await assert.rejects(openRootOfTrust(dir, { env: { ...env, VIGIL_MASTER_KEY_FILE: '/k' } }, { create: true }), /VIGIL_MASTER_KEY_FILE names a plain master key file/);
    // A plain key file appearing beside the sealed ones (an unfinished migration) is refused too.
    writeFileSync(join(dir, 'keys', 'token-signing.json'), '{}');
    await assert.rejects(openRootOfTrust(dir, { env }, { create: true }), /Plain key files remain/);
    rmSync(join(dir, 'keys', 'token-signing.json'));
  });

  it('the passphrase file must be private', async () => {
    const f = join(dir, 'pass');
    writeFileSync(f, `${PASS}\n`, { mode: 0o644 });
    await assert.rejects(openRootOfTrust(dir, { env: {}, masterPassphraseFile: f }, { create: true }), /readable by other users: run 'chmod 600/);
  });

  it('rotates the master key under the passphrase: workspace keys stay the same', async () => {
    const env = { VIGIL_MASTER_PASSPHRASE: PASS };
    let root = await openRootOfTrust(dir, { env }, { create: false });
    const ws = join(dir, 'storage', 'ws1');
    const before = loadOrCreateWorkspaceKeys(ws, 'ws1', loadSealedMasterKeys(dir, root.protector!, { create: false }));
    await assert.rejects(rotateMasterKey(dir, '/some/key', root.protector), /insecure plain-file mode only/);
    const r = await rotateMasterKey(dir, undefined, root.protector);
    root.protector!.close();
    assert.equal(r.workspaces, 1);
    assert.notEqual(r.from, r.to);
    root = await openRootOfTrust(dir, { env }, { create: false });
    const master = loadSealedMasterKeys(dir, root.protector!, { create: false });
    root.protector!.close();
    assert.equal(master.current.id, r.to);
    assert.deepEqual(loadOrCreateWorkspaceKeys(ws, 'ws1', master, false), before);
  });
});

const hsmSkip = softhsmMissing();
describe('PKCS#11 protector (SoftHSM v2)', { skip: hsmSkip }, () => {
  let hsm: SoftHsm;
  const cfg = () => ({ module: hsm.module, tokenLabel: hsm.tokenLabel, pin: hsm.pin, keyLabel: 'unit-wrap' });
  before(() => {
    hsm = createSoftHsm('unit-token');
    process.env.SOFTHSM2_CONF = hsm.conf;
  });
  after(() => hsm?.dispose());

  it('generates a sensitive, non-extractable AES key in the HSM on first use, and seals with AES-GCM there', () => {
    const p = pkcs11Protector(cfg());
    const params = p.params.pkcs11 as Pkcs11Params;
    assert.equal(params.mechanism, 'CKM_AES_GCM');
    assert.match(params.keyId, /^[0-9a-f]{32}$/);
    contract(p);
    p.close();
    // Look at the key from outside: it cannot leave the HSM.
    const pk = createRequire(import.meta.url)('pkcs11js') as typeof import('pkcs11js');
    const p11 = new pk.PKCS11();
    p11.load(hsm.module);
    p11.C_Initialize();
    try {
      const slot = p11.C_GetSlotList(true).find((s) => p11.C_GetTokenInfo(s).label.trim() === 'unit-token')!;
      const session = p11.C_OpenSession(slot, pk.CKF_SERIAL_SESSION);
      p11.C_Login(session, pk.CKU_USER, hsm.pin);
      p11.C_FindObjectsInit(session, [{ type: pk.CKA_LABEL, value: 'unit-wrap' }]);
      const [key] = p11.C_FindObjects(session, 2);
      p11.C_FindObjectsFinal(session);
      const attrs = p11.C_GetAttributeValue(session, key!, [{ type: pk.CKA_EXTRACTABLE }, { type: pk.CKA_SENSITIVE }, { type: pk.CKA_TOKEN }, { type: pk.CKA_VALUE_LEN }]);
      assert.equal((attrs[0]!.value as Buffer)[0], 0, 'CKA_EXTRACTABLE false');
      assert.equal((attrs[1]!.value as Buffer)[0], 1, 'CKA_SENSITIVE true');
      assert.equal((attrs[2]!.value as Buffer)[0], 1, 'a token object: it survives a restart');
      assert.equal((attrs[3]!.value as Buffer).readUInt32LE(0), 32, 'AES-256');
      assert.throws(() => p11.C_GetAttributeValue(session, key!, [{ type: pk.CKA_VALUE }]), /ATTRIBUTE_SENSITIVE/);
      p11.C_Logout(session);
      p11.C_CloseSession(session);
    } finally {
      p11.C_Finalize();
      p11.close();
    }
  });

  it('reopens with the recorded key, and opens what it sealed before', () => {
    const first = pkcs11Protector(cfg());
    const params = first.params.pkcs11 as Pkcs11Params;
    const sealed = first.seal(Buffer.from('master key'), 'm');
    first.close();
    const again = pkcs11Protector(cfg(), params);
    assert.deepEqual(again.open(sealed, 'm', 'x'), Buffer.from('master key'));
    again.close();
  });

  it('finds the token by slot id too', () => {
    const slots = spawnSync('softhsm2-util', ['--show-slots'], { encoding: 'utf8', env: { ...process.env, SOFTHSM2_CONF: hsm.conf } }).stdout;
    const slot = /Slot (\d+)\s[\s\S]*?Label:\s+unit-token/.exec(slots.split(/(?=^Slot )/m).find((b) => /Label:\s+unit-token/.test(b)) ?? '')?.[1];
    assert.ok(slot, slots);
    const p = pkcs11Protector({ module: hsm.module, slot, pin: hsm.pin, keyLabel: 'unit-wrap' });
    assert.match(p.description, /token 'unit-token'/);
    p.close();
  });

  it('names what is wrong: wrong PIN, absent token, missing module, another HSM key', () => {
    assert.throws(() => pkcs11Protector({ ...cfg(), pin: '000000' }), /HSM refused the PIN .*CKR_PIN_INCORRECT/);
    assert.throws(() => pkcs11Protector({ ...cfg(), tokenLabel: 'no-such-token' }), /HSM is absent: no PKCS#11 token labelled 'no-such-token'.*tokens present: 'unit-token'/);
    assert.throws(() => pkcs11Protector({ ...cfg(), module: '/nonexistent/pkcs11.so' }), /does not exist/);
    assert.throws(() => pkcs11Protector({ ...cfg(), slot: 'first' }), /--pkcs11-slot takes a slot id/);
    assert.throws(() => pkcs11Protector(cfg(), { tokenLabel: 'unit-token', keyLabel: 'unit-wrap', keyId: '00'.repeat(16), mechanism: 'CKM_AES_GCM' }), /not the HSM \(or token\) the data folder was set up with/);
    const other = pkcs11Protector({ ...cfg(), keyLabel: 'another-key' });
    const mine = pkcs11Protector(cfg());
    try {
      assert.throws(() => mine.open(other.seal(Buffer.from('k'), 'c'), 'c', 'x'), SealError);
    } finally {
      other.close();
      mine.close();
    }
  });
});
