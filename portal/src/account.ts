/**
 * Account (#/account): who is signed in, changing the password — with the current password and a
 * fresh authenticator code, through Graph's POST /v1.0/me/changePassword — and renewing the
 * authenticator (a new TOTP secret: POST /v1.0/me/authentication/vigilTotp/renew, same proof). Either
 * ends every sign-in session and token of the user (this tab's too), so the page then asks to sign in again.
 */
import { ApiFailure, api } from './api';
import { forgetToken, startSignIn } from './auth';
import { clear, h } from './dom';

interface Me { id: string; displayName?: string; userPrincipalName?: string; accountEnabled?: boolean }

const field = (id: string, label: string, attrs: Record<string, unknown>) => {
  const input = h('input', { id, name: id, required: true, ...attrs });
  return { input, row: h('div', { className: 'form-row' }, h('label', { for: id }, label), input) };
};

export async function accountPage(host: HTMLElement): Promise<void> {
  const me = await api<Me>('GET', '/v1.0/me');
  host.append(
    h('h1', {}, 'Account'),
    h('p', { id: 'account-who' }, `Signed in as ${me.displayName ?? me.id}${me.userPrincipalName ? ` (${me.userPrincipalName})` : ''}.`),
  );
  if (!me.userPrincipalName) return; // a service principal has no password here
  const current = field('current-password', 'Current password', { type: 'password', autocomplete: 'current-password', maxlength: 256 });
  const next = field('new-password', 'New password (12 characters or more)', { type: 'password', autocomplete: 'new-password', minlength: 12, maxlength: 256 });
  const confirm = field('confirm-password', 'New password again', { type: 'password', autocomplete: 'new-password', minlength: 12, maxlength: 256 });
  const code = field('totp-code', 'Authenticator code', { type: 'text', inputmode: 'numeric', autocomplete: 'one-time-code', pattern: '[0-9]{6}', maxlength: 6 });
  const result = h('p', { id: 'password-result', role: 'status' });
  const submit = h('button', { type: 'submit', className: 'primary', id: 'change-password' }, 'Change password');
  const form = h('form', { className: 'panel account-form', 'aria-labelledby': 'password-title' },
    h('h2', { id: 'password-title' }, 'Change password'),
    h('p', { className: 'muted' }, 'You need your current password and a new code from your authenticator app. Every sign-in of yours ends, here and elsewhere.'),
    current.row, next.row, confirm.row, code.row, submit, result);
  host.append(form, renewForm(host));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    if (next.input.value !== confirm.input.value) {
      result.textContent = 'Not changed: the new passwords differ.';
      confirm.input.focus();
      return;
    }
    submit.disabled = true;
    result.textContent = 'Changing…';
    try {
      await api('POST', '/v1.0/me/changePassword', { currentPassword: current.input.value, newPassword: next.input.value, vigilTotpCode: code.input.value.trim() });
      forgetToken();
      clear(host);
      host.append(
        h('h1', {}, 'Password changed'),
        h('p', { role: 'status', id: 'password-changed' }, 'Your password was changed and every sign-in of yours has ended. Sign in with the new password.'),
        h('button', { type: 'button', className: 'primary', id: 'sign-in-again', onclick: () => void startSignIn() }, 'Sign in'),
      );
    } catch (err) {
      result.textContent = err instanceof ApiFailure ? `Not changed: ${err.message}` : String(err);
      submit.disabled = false;
    }
  });
}

/** A new authenticator secret: shown once, with its otpauth:// URI to enter in the app; the old one stops at once. */
function renewForm(host: HTMLElement): HTMLElement {
  const current = field('renew-password', 'Your password, to confirm it is you', { type: 'password', autocomplete: 'current-password', maxlength: 256 });
  const code = field('renew-code', 'Code from your current authenticator', { type: 'text', inputmode: 'numeric', autocomplete: 'one-time-code', pattern: '[0-9]{6}', maxlength: 6 });
  const result = h('p', { id: 'renew-result', role: 'status' });
  const submit = h('button', { type: 'submit', className: 'primary', id: 'renew-totp' }, 'Renew authenticator');
  const form = h('form', { className: 'panel account-form', 'aria-labelledby': 'renew-title' },
    h('h2', { id: 'renew-title' }, 'Renew authenticator'),
    h('p', { className: 'muted' }, 'A new secret for your authenticator app (a new phone, or a secret you think was seen). The current one stops working at once, and every sign-in of yours ends. Lost your authenticator? An administrator can reset it (vigil user reset-totp).'),
    current.row, code.row, submit, result);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    submit.disabled = true;
    result.textContent = 'Renewing…';
    try {
      const fresh = await api<{ secret: string; uri: string }>('POST', '/v1.0/me/authentication/vigilTotp/renew', { currentPassword: current.input.value, vigilTotpCode: code.input.value.trim() });
      forgetToken();
      clear(host);
      host.append(
        h('h1', {}, 'Authenticator renewed'),
        h('p', { role: 'status', id: 'totp-renewed' }, 'Enter this secret in your authenticator app now: it is not shown again. Every sign-in of yours has ended; sign in with a code of the new secret.'),
        h('p', {}, 'Secret: ', h('code', { id: 'totp-secret' }, fresh.secret)),
        h('p', {}, 'Or as a link (for a QR code): ', h('code', { id: 'totp-uri' }, fresh.uri)),
        h('button', { type: 'button', className: 'primary', id: 'sign-in-again', onclick: () => void startSignIn() }, 'Sign in'),
      );
    } catch (err) {
      result.textContent = err instanceof ApiFailure ? `Not renewed: ${err.message}` : String(err);
      submit.disabled = false;
    }
  });
  return form;
}
