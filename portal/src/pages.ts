/**
 * The portal's pages, each a chunk of its own (esbuild splits at these dynamic imports): showing a page
 * fetches and compiles only its code. main.ts starts the first page's chunk while the sign-in completes.
 */
import type { Workspace } from './api';

export type PageKey = 'logs' | 'insights' | 'access' | 'account';
type Render = (host: HTMLElement, ws: Workspace[]) => Promise<void>;

export const PAGES: Record<PageKey, { title: string; needsWorkspace: boolean }> = {
  logs: { title: 'Logs', needsWorkspace: true },
  insights: { title: 'Insights', needsWorkspace: true },
  access: { title: 'Access', needsWorkspace: true },
  account: { title: 'Account', needsWorkspace: false },
};

const loaders: Record<PageKey, () => Promise<{ render: Render }>> = {
  logs: async () => ({ render: (await import('./logs')).logsPage }),
  insights: async () => ({ render: (await import('./insights')).insightsPage }),
  access: async () => ({ render: (await import('./access')).accessPage }),
  account: async () => {
    const { accountPage } = await import('./account');
    return { render: (host) => accountPage(host) };
  },
};

const loading = new Map<PageKey, Promise<{ render: Render }>>();

/** The page's module, fetched once (a failed fetch is tried again next time). */
export function pageModule(key: PageKey): Promise<{ render: Render }> {
  let p = loading.get(key);
  if (!p) {
    p = loaders[key]();
    loading.set(key, p);
    p.catch(() => loading.delete(key));
  }
  return p;
}

/** The page the address names (#/logs when none or unknown). */
export function currentPage(): PageKey {
  const key = location.hash.replace(/^#\//, '') || 'logs';
  return key in PAGES ? (key as PageKey) : 'logs';
}
