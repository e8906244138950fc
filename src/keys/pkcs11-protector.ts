/**
 * The PKCS#11 protector: an AES-256 key inside an HSM (tested with SoftHSM v2) seals the master key
 * and the token-signing key with CKM_AES_GCM computed by the HSM (random 96-bit IV, the context as
 * AAD, 128-bit tag). The key is generated in the HSM on first start — a token object, sensitive and
 * not extractable, usable only to encrypt/decrypt — so it never leaves it. The PIN comes from
 * VIGIL_PKCS11_PIN or a 0600 file, never from the command line. Through the binding `pkcs11js`.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { RootOfTrustError, SealError, type KeyProtector } from './protector.js';

type Pkcs11Module = typeof import('pkcs11js');

const IV_BYTES = 12;
const TAG_BITS = 128;

export interface Pkcs11Config {
  module: string;
  tokenLabel?: string;
  /** A slot id, as `softhsm2-util --show-slots` prints it (decimal or 0x hex). */
  slot?: string;
  pin: string;
  keyLabel: string;
}

export interface Pkcs11Params {
  tokenLabel?: string;
  keyLabel: string;
  /** CKA_ID of the wrapping key (hex), recorded at first start. */
  keyId: string;
  mechanism: 'CKM_AES_GCM';
}

function loadBinding(): Pkcs11Module {
  try {
    return createRequire(import.meta.url)('pkcs11js') as Pkcs11Module;
  } catch (err) {
    throw new RootOfTrustError(`The PKCS#11 binding (pkcs11js, an optional dependency compiled at install) could not be loaded: ${(err as Error).message.split('\n')[0]}. Reinstall Vigil with 'npm ci' on a machine with python3, make and a C++ compiler.`);
  }
}

const codeName = (err: unknown) => (err instanceof Error ? err.message.split('\n')[0]! : String(err));
const slotNumber = (handle: Buffer) => {
  let n = 0n;
  for (let i = handle.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(handle[i]!);
  return n;
};

/**
 * Opens the token and logs in. `existing` is the recorded key (a later start: it must be there);
 * without it the wrapping key is found by label, or generated when the token has none (first start).
 */
export function pkcs11Protector(config: Pkcs11Config, existing?: Pkcs11Params): KeyProtector {
  if (config.slot !== undefined && !/^(\d+|0x[0-9a-f]+)$/i.test(config.slot)) throw new RootOfTrustError(`--pkcs11-slot takes a slot id, a number as 'softhsm2-util --show-slots' prints it (decimal or 0x hex); got '${config.slot}'.`);
  if (!existsSync(config.module)) {
    throw new RootOfTrustError(`The PKCS#11 module ${config.module} does not exist: install the HSM's PKCS#11 library (for SoftHSM: apt-get install softhsm2) and give its path with --pkcs11-module.`);
  }
  const pk = loadBinding();
  const p11 = new pk.PKCS11();
  try {
    p11.load(config.module);
  } catch (err) {
    throw new RootOfTrustError(`The PKCS#11 module ${config.module} could not be loaded (${codeName(err)}): give the path of the HSM's PKCS#11 library with --pkcs11-module.`);
  }
  let initialized = false;
  let session: Buffer | undefined;
  const release = () => {
    try {
      if (session) p11.C_CloseSession(session);
    } catch {
      /* already closed */
    }
    session = undefined;
    try {
      if (initialized) p11.C_Finalize();
    } catch {
      /* already finalized */
    }
    initialized = false;
    try {
      p11.close();
    } catch {
      /* already closed */
    }
  };
  try {
    try {
      p11.C_Initialize();
      initialized = true;
    } catch (err) {
      if ((err as { code?: number }).code !== pk.CKR_CRYPTOKI_ALREADY_INITIALIZED) throw err;
    }
    const slots = p11.C_GetSlotList(true);
    const tokens = slots.map((s) => ({ slot: s, label: p11.C_GetTokenInfo(s).label.trim() }));
    const wantedSlot = config.slot === undefined ? undefined : BigInt(config.slot);
    const match = tokens.filter((t) => (config.tokenLabel === undefined || t.label === config.tokenLabel) && (wantedSlot === undefined || slotNumber(t.slot) === wantedSlot));
    const available = tokens.length ? tokens.map((t) => `'${t.label}' (slot ${slotNumber(t.slot)})`).join(', ') : 'none';
    if (match.length === 0) {
      throw new RootOfTrustError(
        `The HSM is absent: no PKCS#11 token ${config.tokenLabel !== undefined ? `labelled '${config.tokenLabel}'` : ''}${config.slot !== undefined ? ` in slot ${config.slot}` : ''} in ${config.module} (tokens present: ${available}). Connect the HSM, or give its token with --pkcs11-token-label or --pkcs11-slot.`,
      );
    }
    if (match.length > 1) throw new RootOfTrustError(`Several PKCS#11 tokens match (${available}): choose one with --pkcs11-token-label or --pkcs11-slot.`);
    const token = match[0]!;
    session = p11.C_OpenSession(token.slot, pk.CKF_SERIAL_SESSION | pk.CKF_RW_SESSION);
    try {
      p11.C_Login(session, pk.CKU_USER, config.pin);
    } catch (err) {
      const code = (err as { code?: number }).code;
      if (code === pk.CKR_USER_ALREADY_LOGGED_IN) {
        /* another session of this process logged in */
      } else if (code === pk.CKR_PIN_INCORRECT || code === pk.CKR_PIN_INVALID || code === pk.CKR_PIN_LEN_RANGE) {
        throw new RootOfTrustError(`The HSM refused the PIN for token '${token.label}' (${codeName(err)}): provide the right user PIN in VIGIL_PKCS11_PIN or a file given with --pkcs11-pin-file.`);
      } else if (code === pk.CKR_PIN_LOCKED) {
        throw new RootOfTrustError(`The user PIN of token '${token.label}' is locked (too many wrong PINs): unlock it with the security officer PIN, then start Vigil with the right PIN.`);
      } else throw err;
    }
    const keyLabel = existing?.keyLabel ?? config.keyLabel;
    const template: { type: number; value: number | boolean | string | Buffer }[] = [
      { type: pk.CKA_CLASS, value: pk.CKO_SECRET_KEY },
      { type: pk.CKA_KEY_TYPE, value: pk.CKK_AES },
      { type: pk.CKA_LABEL, value: keyLabel },
    ];
    if (existing) template.push({ type: pk.CKA_ID, value: Buffer.from(existing.keyId, 'hex') });
    p11.C_FindObjectsInit(session, template);
    const found = p11.C_FindObjects(session, 2);
    p11.C_FindObjectsFinal(session);
    if (found.length > 1) throw new RootOfTrustError(`Token '${token.label}' holds several AES keys labelled '${keyLabel}': give Vigil its own label with --pkcs11-key-label.`);
    let key = found[0];
    let keyId = existing?.keyId;
    if (!key) {
      if (existing) {
        throw new RootOfTrustError(
          `Token '${token.label}' has no AES key labelled '${keyLabel}' with id ${existing.keyId}, which wraps this data folder's keys: this is not the HSM (or token) the data folder was set up with. Connect that HSM and give its token with --pkcs11-token-label.`,
        );
      }
      keyId = randomBytes(16).toString('hex');
      key = p11.C_GenerateKey(session, { mechanism: pk.CKM_AES_KEY_GEN }, [
        { type: pk.CKA_CLASS, value: pk.CKO_SECRET_KEY },
        { type: pk.CKA_KEY_TYPE, value: pk.CKK_AES },
        { type: pk.CKA_VALUE_LEN, value: 32 },
        { type: pk.CKA_LABEL, value: keyLabel },
        { type: pk.CKA_ID, value: Buffer.from(keyId, 'hex') },
        { type: pk.CKA_TOKEN, value: true },
        { type: pk.CKA_PRIVATE, value: true },
        { type: pk.CKA_SENSITIVE, value: true },
        { type: pk.CKA_EXTRACTABLE, value: false },
        { type: pk.CKA_ENCRYPT, value: true },
        { type: pk.CKA_DECRYPT, value: true },
        { type: pk.CKA_WRAP, value: false },
        { type: pk.CKA_UNWRAP, value: false },
        { type: pk.CKA_DERIVE, value: false },
      ]);
    } else if (!keyId) {
      const attrs = p11.C_GetAttributeValue(session, key, [{ type: pk.CKA_ID }, { type: pk.CKA_EXTRACTABLE }, { type: pk.CKA_SENSITIVE }]);
      keyId = Buffer.from(attrs[0]!.value as Buffer).toString('hex');
      const extractable = (attrs[1]!.value as Buffer)[0] === 1;
      const sensitive = (attrs[2]!.value as Buffer)[0] === 1;
      if (extractable || !sensitive) throw new RootOfTrustError(`The AES key '${keyLabel}' on token '${token.label}' can leave the HSM (extractable or not sensitive): Vigil wraps its keys only with a key that cannot. Use another --pkcs11-key-label, and Vigil generates one.`);
    }
    const aesKey = key;
    const s = session;
    const params: Pkcs11Params = { tokenLabel: token.label, keyLabel, keyId: keyId!, mechanism: 'CKM_AES_GCM' };
    const gcm = (iv: Buffer, context: string) => ({ mechanism: pk.CKM_AES_GCM, parameter: { type: pk.CK_PARAMS_AES_GCM, iv, ivBits: IV_BYTES * 8, aad: Buffer.from(context), tagBits: TAG_BITS } });
    return {
      kind: 'pkcs11',
      description: `PKCS#11 token '${token.label}', key '${keyLabel}' (${config.module})`,
      params: { pkcs11: params },
      seal(plaintext, context) {
        const iv = randomBytes(IV_BYTES);
        p11.C_EncryptInit(s, gcm(iv, context) as never, aesKey);
        const out = p11.C_Encrypt(s, plaintext, Buffer.alloc(plaintext.length + TAG_BITS / 8 + 16));
        return Buffer.concat([iv, out]);
      },
      open(sealed, context, what) {
        if (sealed.length < IV_BYTES + TAG_BITS / 8) throw new SealError(`${what} is truncated`);
        try {
          p11.C_DecryptInit(s, gcm(sealed.subarray(0, IV_BYTES), context) as never, aesKey);
          return Buffer.from(p11.C_Decrypt(s, sealed.subarray(IV_BYTES), Buffer.alloc(sealed.length)));
        } catch (err) {
          throw new SealError(`${what} failed authentication in the HSM (${codeName(err)}): it was altered, or it was sealed with another HSM key`);
        }
      },
      close() {
        try {
          p11.C_Logout(s);
        } catch {
          /* not logged in */
        }
        release();
      },
    };
  } catch (err) {
    release();
    if (err instanceof RootOfTrustError) throw err;
    throw new RootOfTrustError(`The HSM (${config.module}) failed: ${codeName(err)}.`);
  }
}
