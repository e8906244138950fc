/**
 * The passphrase protector, for a laptop or a single host without an HSM: the key-encryption key is
 * argon2id(passphrase, salt) with RFC 9106's second recommended parameters — 64 MiB of memory, 3
 * passes, 4 lanes, 32-byte output, a random 16-byte salt per data folder — and seals with
 * AES-256-GCM (random 96-bit nonce, the context as AAD). The passphrase comes from
 * VIGIL_MASTER_PASSPHRASE or a 0600 file, never from the command line.
 */
import { randomBytes } from 'node:crypto';
import { Algorithm, hashRaw } from '@node-rs/argon2';
import { KEY_BYTES } from './crypto.js';
import { kekSealing } from './kek-sealing.js';
import { RootOfTrustError, type KeyProtector } from './protector.js';

export interface Argon2idParams {
  salt: string;
  memoryKiB: number;
  iterations: number;
  parallelism: number;
}

/** RFC 9106 §4, second recommended option. */
export const ARGON2ID_DEFAULTS = { memoryKiB: 64 * 1024, iterations: 3, parallelism: 4 } as const;
export const MIN_PASSPHRASE_LENGTH = 12;

export async function passphraseProtector(passphrase: string, existing?: Argon2idParams): Promise<KeyProtector> {
  if (!existing && passphrase.length < MIN_PASSPHRASE_LENGTH) {
    throw new RootOfTrustError(`The master passphrase must be at least ${MIN_PASSPHRASE_LENGTH} characters long (a few random words are best).`);
  }
  const params: Argon2idParams = existing ?? { salt: randomBytes(16).toString('base64'), ...ARGON2ID_DEFAULTS };
  if (params.memoryKiB < 8 * 1024 || params.iterations < 1 || params.parallelism < 1) throw new RootOfTrustError('The argon2id parameters in protector.json are below Vigil\'s minimum: restore the file from your backup.');
  const kek = await hashRaw(passphrase.normalize('NFC'), {
    algorithm: Algorithm.Argon2id,
    salt: Buffer.from(params.salt, 'base64'),
    memoryCost: params.memoryKiB,
    timeCost: params.iterations,
    parallelism: params.parallelism,
    outputLen: KEY_BYTES,
  });
  return {
    kind: 'passphrase',
    description: `passphrase (argon2id m=${params.memoryKiB} KiB, t=${params.iterations}, p=${params.parallelism})`,
    params: { argon2id: params },
    ...kekSealing(kek),
  };
}
