/**
 * What changing a user's account does to the sign-ins it already has (issue 18): a disabled user's
 * tokens stop at once (the directory treats the user as inactive), and a password change or reset
 * makes every token issued before it invalid, through Graph's `signInSessionsValidFromDateTime`.
 * Portal sign-in sessions (cookies) are ended by the caller in both cases.
 */
import type { UserRecord } from '../metadata/records.js';

/** The moment from which a user's tokens are valid again: now, to the millisecond (tokens carry their issuance in ms). */
export function signInSessionsValidFromNow(now = Date.now()): string {
  return new Date(now).toISOString();
}

/**
 * Whether a token issued at `issuedAtMs` (Vigil's `vigil_iat_ms` claim, token-issuer.ts) is still
 * honoured for this principal: issued at or after the change. Milliseconds, not `iat`'s whole
 * seconds, so that a token issued just before the change in the same second is refused while the
 * new sign-in that follows it is kept.
 */
export function tokenStillValid(user: Pick<UserRecord, 'signInSessionsValidFrom'> | undefined, issuedAtMs: number | undefined): boolean {
  if (!user?.signInSessionsValidFrom) return true;
  if (issuedAtMs === undefined) return false;
  return issuedAtMs >= Date.parse(user.signInSessionsValidFrom);
}
