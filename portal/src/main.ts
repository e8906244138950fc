/**
 * The portal's entry: sign-in first, then the app. The access token lives in memory only, so every
 * new page load passes through the authorization endpoint; this entry holds only the sign-in code, and
 * the app (Monaco, ECharts, the pages: shell.ts) is fetched once a token is in hand — not on the page
 * load that only redirects to sign in.
 */
import '../portal.css';
import { completeSignIn, startSignIn, token } from './auth';
import { clear, h } from './dom';
import { startKustoWorker } from './workers';

async function boot(): Promise<void> {
  const app = document.getElementById('app')!;
  try {
    await completeSignIn();
    await token(); // signs in when there is no token yet
  } catch (err) {
    clear(app);
    app.append(h('main', { className: 'signed-out' }, h('h1', {}, 'Vigil'), h('p', { role: 'alert' }, (err as Error).message), h('button', { type: 'button', className: 'primary', onclick: () => void startSignIn() }, 'Sign in again')));
    return;
  }
  // The language worker compiles (seconds of CPU) while the app chunk loads and the workspaces are listed.
  if ((location.hash.replace(/^#\//, '') || 'logs') === 'logs') startKustoWorker();
  const { startPortal } = await import('./shell');
  await startPortal(app);
}

void boot();
