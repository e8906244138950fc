/** The sign-in form of the authorization endpoint: static HTML, no script, styled by the portal's stylesheet. */

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** Served with every page of the sign-in flow: nothing but our stylesheet may load, forms post only to us. */
export const SIGN_IN_CSP = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

export interface SignInPageInput {
  /** The authorization request's parameters, carried through the form unchanged. */
  params: Record<string, string>;
  csrfToken: string;
  username?: string;
  error?: string;
}

export function signInPage(p: SignInPageInput): string {
  const hidden = Object.entries(p.params)
    .map(([k, v]) => `<input type="hidden" name="${escapeHtml(k)}" value="${escapeHtml(v)}">`)
    .join('\n      ');
  const error = p.error ? `<p class="signin-error" role="alert" id="signin-error">${escapeHtml(p.error)}</p>` : '';
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Sign in — Vigil</title>
  <link rel="stylesheet" href="/portal/assets/signin.css">
</head>
<body>
  <main class="signin">
    <h1>Sign in to Vigil</h1>
    ${error}
    <form method="post" autocomplete="on">
      ${hidden}
      <input type="hidden" name="csrf_token" value="${escapeHtml(p.csrfToken)}">
      <label for="username">User name</label>
      <input id="username" name="username" type="text" autocomplete="username" required maxlength="256" value="${escapeHtml(p.username ?? '')}"${p.error ? '' : ' autofocus'}>
      <label for="password">Password</label>
      <input id="password" name="password" type="password" autocomplete="current-password" required maxlength="256">
      <label for="otp">Authenticator code</label>
      <input id="otp" name="otp" type="text" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9]{6}" required maxlength="6">
      <button type="submit">Sign in</button>
    </form>
  </main>
</body>
</html>`;
}

export function errorPage(title: string, message: string): string {
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>${escapeHtml(title)} — Vigil</title><link rel="stylesheet" href="/portal/assets/signin.css"></head>
<body><main class="signin"><h1>${escapeHtml(title)}</h1><p role="alert">${escapeHtml(message)}</p></main></body>
</html>`;
}
