/**
 * The portal shell, loaded once signed in (main.ts): navigation (#/logs, #/insights, #/access, #/account), and the pages.
 * Each page is a chunk of its own, fetched when first shown (pages.ts), so the first page's critical path holds only
 * what it needs (the Logs page: Monaco, not ECharts, Insights or Access).
 */
import type { Workspace } from './api';
import { claims, signOut, startSignIn } from './auth';
import { clear, h } from './dom';
import { currentPage, PAGES, pageModule } from './pages';

/** `workspaces`: the list main.ts started fetching while this chunk loaded. */
export async function startPortal(app: HTMLElement, workspaces: Promise<Workspace[]>): Promise<void> {
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
  const listed = await workspaces;
  const show = async () => {
    const key = currentPage();
    const page = PAGES[key];
    for (const a of nav.querySelectorAll('a')) a.toggleAttribute('aria-current', a.getAttribute('href') === `#/${key}`);
    clear(main);
    document.title = `${page.title} — Vigil`;
    if (!listed.length && page.needsWorkspace) {
      main.append(h('h1', {}, page.title), h('p', { role: 'note' }, 'You may not read any workspace. Ask an owner for a role (e.g. Log Analytics Reader).'));
      return;
    }
    main.dataset.page = key;
    delete main.dataset.ready;
    const { render } = await pageModule(key);
    await render(main, listed);
    main.dataset.ready = 'true';
  };
  window.addEventListener('hashchange', () => void show());
  await show();
}
