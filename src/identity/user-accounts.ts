/**
 * What changing a user's account does to the sign-ins it already has (issue 18): a disabled user's
 * tokens stop at once (the directory treats the user as inactive), and a password change or reset
 * makes every token issued before it invalid, through Graph's `signInSessionsValidFromDateTime`.
 * Portal sign-in sessions (cookies) are ended by the caller in both cases.
 */
import type { UserRecord } from '../metadata/records.js';

/** The moment from which a user's tokens are valid again: now, in whole seconds (the `iat` claim's unit). */
export function signInSessionsValidFromNow(now = Date.now()): string {
  return new Date(Math.floor(now / 1000) * 1000).toISOString();
}

/**
 * Whether a token issued at `issuedAtSeconds` (its `iat`) is still honoured for this principal. `iat`
 * has whole seconds, so a token issued within the very second of the change is kept: refusing those
 * would also refuse the new sign-in that follows the change in that second.
 */
export function tokenStillValid(user: Pick<UserRecord, 'signInSessionsValidFrom'> | undefined, issuedAtSeconds: number | undefined): boolean {
  if (!user?.signInSessionsValidFrom) return true;
  if (issuedAtSeconds === undefined) return false;
  return issuedAtSeconds * 1000 >= Date.parse(user.signInSessionsValidFrom);
}
