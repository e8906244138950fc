/**
 * Users' credentials (issue 18): a password, stored only as an argon2id hash, and a TOTP second
 * factor (RFC 6238, 30 s, 6 digits, SHA-1 as every authenticator app supports). A code is accepted
 * once: the time step it was accepted for is remembered per user, so a shoulder-surfed or replayed
 * code does not sign in a second time.
 */
import { hash, verify } from '@node-rs/argon2';
import { Secret, TOTP } from 'otpauth';
import type { UserRecord } from '../metadata/records.js';

/**
 * OWASP's first argon2id profile for passwords (46 MiB, 1 pass, 1 lane). Passwords are guessable,
 * unlike client secrets, so this costs more than secrets.ts; the parameters travel in the PHC string.
 */
const PASSWORD_ARGON2 = { algorithm: 2 /* Argon2id */, memoryCost: 47104, timeCost: 1, parallelism: 1 } as const;

export const MIN_PASSWORD_LENGTH = 12;
export const MAX_PASSWORD_LENGTH = 256;
const TOTP_PERIOD = 30;

export function checkPasswordPolicy(password: string): string | undefined {
  if (password.length < MIN_PASSWORD_LENGTH) return `the password must have at least ${MIN_PASSWORD_LENGTH} characters`;
  if (password.length > MAX_PASSWORD_LENGTH) return `the password must have at most ${MAX_PASSWORD_LENGTH} characters`;
  return undefined;
}

export function hashPassword(password: string): Promise<string> {
  return hash(password, PASSWORD_ARGON2);
}

export async function verifyPassword(password: string, storedHash: string): Promise<boolean> {
  try {
    return await verify(storedHash, password);
  } catch {
    return false;
  }
}

/** A new random TOTP secret (160 bits), base32. */
export function newTotpSecret(): string {
  return new Secret({ size: 20 }).base32;
}

function totpFor(secretBase32: string, label = 'user', issuer = 'Vigil'): TOTP {
  return new TOTP({ issuer, label, algorithm: 'SHA1', digits: 6, period: TOTP_PERIOD, secret: Secret.fromBase32(secretBase32) });
}

/** The `otpauth://totp/…` URI an authenticator app enrols from (usually shown as a QR code). */
export function totpUri(secretBase32: string, userPrincipalName: string): string {
  return totpFor(secretBase32, userPrincipalName).toString();
}

/** The code for a moment (tests and the CLI's self-check). */
export function totpCode(secretBase32: string, timestamp = Date.now()): string {
  return totpFor(secretBase32).generate({ timestamp });
}

/**
 * Remembers, per user, the last TOTP time step that signed in, and checks new codes against it.
 * In memory: after a restart, a code from the last 30–60 s could be used once more, which a password
 * is still needed for.
 */
export class TotpVerifier {
  private readonly lastStep = new Map<string, number>();

  /** `secretOf`: the user's TOTP secret as stored, opened (src/identity/totp-secrets.ts). */
  constructor(
    private readonly secretOf: (user: Pick<UserRecord, 'objectId' | 'totpSecret'>) => string = (u) => u.totpSecret,
    private readonly now: () => number = Date.now,
  ) {}

  /** True when `code` is valid now (±1 step of clock drift) and newer than the last accepted one. */
  check(user: Pick<UserRecord, 'objectId' | 'totpSecret'>, code: string): boolean {
    if (!/^\d{6}$/.test(code)) return false;
    const timestamp = this.now();
    const delta = totpFor(this.secretOf(user)).validate({ token: code, timestamp, window: 1 });
    if (delta === null) return false;
    const step = Math.floor(timestamp / 1000 / TOTP_PERIOD) + delta;
    const key = user.objectId.toLowerCase();
    if (step <= (this.lastStep.get(key) ?? -1)) return false;
    this.lastStep.set(key, step);
    return true;
  }
}
