/**
 * The portal's entry: sign-in first, then the app. The access token lives in memory only, so every
 * new page load signs in again: silently, in this same document, while the sign-in session lasts
 * (auth.ts silentSignIn), else through the sign-in form. This entry holds only the sign-in code, and
 * the app (the shell, then each page's chunk: shell.ts, pages.ts) is fetched once a sign-in code is in
 * hand — not on the page load that only redirects to the sign-in form.
 *
 * For a first load under 2 s (issue 18), as soon as a code is in hand everything the page will need
 * starts at once, in parallel with redeeming it: the shell's and the first page's chunks, the Kusto
 * language worker (Logs), and — as soon as the token is in hand — the workspace list.
 */
import '../portal.css';
import { listWorkspaces } from './api';
import { completeSignIn, onSignInCode, startSignIn, token, expireAccessToken } from './auth';
import { clear, h } from './dom';
import { currentPage, pageModule } from './pages';
import { startKustoWorker } from './workers';

let shell: Promise<typeof import('./shell')> | undefined;

/** Fetches and compiles the app (idempotent): the shell, the first page, and the Logs page's language worker. */
function startApp(): Promise<typeof import('./shell')> {
  if (!shell) {
    shell = import('./shell');
    shell.catch(() => {}); // reported by boot if still needed
    pageModule(currentPage()).catch(() => {});
    // The language worker compiles (seconds of CPU) while the code is redeemed and the app loads.
    if (currentPage() === 'logs') startKustoWorker();
  }
  return shell;
}

async function boot(): Promise<void> {
  const app = document.getElementById('app')!;
  onSignInCode(() => void startApp());
  try {
    await completeSignIn(); // back from the sign-in form with a code
    await token(); // else signs in (silently while the session lasts)
  } catch (err) {
    clear(app);
    app.append(h('main', { className: 'signed-out' }, h('h1', {}, 'Vigil'), h('p', { role: 'alert' }, (err as Error).message), h('button', { type: 'button', className: 'primary', onclick: () => void startSignIn() }, 'Sign in again')));
    return;
  }
  const workspaces = listWorkspaces();
  workspaces.catch(() => {}); // startPortal awaits (and reports) it
  const { startPortal } = await startApp();
  await startPortal(app, workspaces);
}

(window as any).vigilExpireToken = expireAccessToken; // for the browser tests: the next API call refreshes the token
void boot();
