/** The portal shell, loaded once signed in (main.ts): navigation (#/logs, #/insights, #/access, #/account), and the pages. */
import { accessPage } from './access';
import { accountPage } from './account';
import { listWorkspaces, type Workspace } from './api';
import { claims, signOut, startSignIn } from './auth';
import { clear, h } from './dom';
import { insightsPage } from './insights';
import { logsPage } from './logs';

const PAGES: Record<string, { title: string; render: (host: HTMLElement, ws: Workspace[]) => Promise<void>; needsWorkspace: boolean }> = {
  logs: { title: 'Logs', render: logsPage, needsWorkspace: true },
  insights: { title: 'Insights', render: insightsPage, needsWorkspace: true },
  access: { title: 'Access', render: accessPage, needsWorkspace: true },
  account: { title: 'Account', render: (host) => accountPage(host), needsWorkspace: false },
};

export async function startPortal(app: HTMLElement): Promise<void> {
  const c = claims();
  const nav = h('nav', { 'aria-label': 'Portal sections' }, ...Object.entries(PAGES).map(([k, p]) => h('a', { href: `#/${k}`, id: `nav-${k}` }, p.title)));
  const main = h('main', { id: 'main' });
  const signOutButton = h('button', { type: 'button', id: 'sign-out' }, 'Sign out');
  clear(app);
  app.append(
    h('header', { className: 'top' }, h('span', { className: 'brand' }, 'Vigil'), nav, h('span', { className: 'user', id: 'user-name' }, String(c.name ?? c.upn ?? '')), signOutButton),
    main,
  );
  signOutButton.addEventListener('click', async () => {
    await signOut();
    clear(app);
    app.append(h('main', { className: 'signed-out' }, h('h1', {}, 'Signed out'), h('button', { type: 'button', className: 'primary', onclick: () => void startSignIn() }, 'Sign in')));
  });
  const workspaces = await listWorkspaces();
  const show = async () => {
    const key = location.hash.replace(/^#\//, '') || 'logs';
    const page = PAGES[key] ?? PAGES.logs!;
    for (const a of nav.querySelectorAll('a')) a.toggleAttribute('aria-current', a.getAttribute('href') === `#/${key}`);
    clear(main);
    document.title = `${page.title} — Vigil`;
    if (!workspaces.length && page.needsWorkspace) {
      main.append(h('h1', {}, page.title), h('p', { role: 'note' }, 'You may not read any workspace. Ask an owner for a role (e.g. Log Analytics Reader).'));
      return;
    }
    main.dataset.page = key;
    delete main.dataset.ready;
    await page.render(main, workspaces);
    main.dataset.ready = 'true';
  };
  window.addEventListener('hashchange', () => void show());
  await show();
}
