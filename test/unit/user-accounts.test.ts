/**
 * A password change, reset or TOTP renewal refuses the tokens issued before it and keeps those issued
 * after it — also within the same second, which `iat` (whole seconds) cannot tell apart: tokens carry
 * their issuance in ms (`vigil_iat_ms`). With second precision, a token issued a few ms before the
 * change survived it (the portal's TOTP renewal test caught it in CI).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { signInSessionsValidFromNow, tokenStillValid } from '../../src/identity/user-accounts.js';

describe('tokens against a user’s signInSessionsValidFrom', () => {
  const change = Date.UTC(2026, 11, 7, 7, 0, 0, 500);
  const user = { signInSessionsValidFrom: signInSessionsValidFromNow(change) };

  it('refuses a token issued earlier in the same second as the change', () => {
    assert.equal(tokenStillValid(user, change - 400), false);
    assert.equal(tokenStillValid(user, change - 1), false);
  });

  it('keeps tokens issued at or after the change, and every token of a user without a change', () => {
    assert.equal(tokenStillValid(user, change), true);
    assert.equal(tokenStillValid(user, change + 1), true);
    assert.equal(tokenStillValid({}, change - 10_000), true);
  });

  it('refuses a token without an issuance time once a change exists', () => {
    assert.equal(tokenStillValid(user, undefined), false);
  });
});
