/**
 * The portal's entry: sign-in first, then the app. The access token lives in memory only, so every
 * new page load passes through the authorization endpoint; this entry holds only the sign-in code, and
 * the app (the shell, then each page's chunk: shell.ts, pages.ts) is fetched once a sign-in is under way
 * — not on the page load that only redirects to sign in.
 *
 * For a first load under 2 s (issue 18) the load that redeems a code starts everything it will need
 * at once, in parallel: the shell's and the first page's chunks, the Kusto language worker (Logs), and —
 * as soon as the token is in hand — the workspace list.
 */
import '../portal.css';
import { listWorkspaces } from './api';
import { completeSignIn, expireAccessToken, startSignIn, token } from './auth';
import { clear, h } from './dom';
import { currentPage, pageModule } from './pages';
import { startKustoWorker } from './workers';

async function boot(): Promise<void> {
  const app = document.getElementById('app')!;
  const redeeming = new URL(location.href).searchParams.has('code');
  // The sign-in redirect comes back with a code: fetch and compile the app while the code is redeemed.
  const shell = redeeming ? import('./shell') : undefined;
  if (redeeming) {
    shell!.catch(() => {}); // reported below if still needed
    pageModule(currentPage()).catch(() => {});
    // The language worker compiles (seconds of CPU) while the code is redeemed and the app loads.
    if (currentPage() === 'logs') startKustoWorker();
  }
  try {
    await completeSignIn();
    await token(); // signs in when there is no token yet
  } catch (err) {
    clear(app);
    app.append(h('main', { className: 'signed-out' }, h('h1', {}, 'Vigil'), h('p', { role: 'alert' }, (err as Error).message), h('button', { type: 'button', className: 'primary', onclick: () => void startSignIn() }, 'Sign in again')));
    return;
  }
  if (currentPage() === 'logs') startKustoWorker(); // (idempotent) a page load that had a token already
  const workspaces = listWorkspaces();
  workspaces.catch(() => {}); // startPortal awaits (and reports) it
  pageModule(currentPage()).catch(() => {});
  const { startPortal } = await (shell ?? import('./shell'));
  await startPortal(app, workspaces);
}

(window as any).vigilExpireToken = expireAccessToken; // for the browser tests: the next API call refreshes the token
void boot();
