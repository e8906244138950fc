/**
 * The web portal (issue 18), served by Vigil itself:
 *
 *   GET /portal            → 301 /portal/
 *   GET /portal/           the single-page app (dist/portal/index.html)
 *   GET /portal/assets/*   its bundle: app, Monaco and monaco-kusto workers, CSS, fonts (built by
 *                          scripts/build-portal.mjs during `npm run build`; nothing comes from a CDN)
 *
 * The app holds no cookie for the APIs: it signs the user in with the authorization code flow + PKCE
 * (identity/sign-in-routes.ts) and calls the same Query API, ARM and Graph routes as the SDKs with the
 * bearer token in memory, so every call meets the same authorization and cannot be forged cross-site.
 *
 * Every response carries a strict Content-Security-Policy: scripts and workers only from this origin,
 * no inline script and no eval; inline styles are allowed because Monaco positions its widgets with
 * them.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply } from 'fastify';

export const PORTAL_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "worker-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "font-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.ttf': 'font/ttf',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

export interface PortalRouteOptions {
  /** Folder of the built portal; default dist/portal next to this module's build output. */
  root?: string;
}

export async function portalRoutes(app: FastifyInstance, opts: PortalRouteOptions): Promise<void> {
  const root = opts.root ?? fileURLToPath(new URL('../../portal/', import.meta.url));
  const cache = new Map<string, Buffer>();

  const secure = (reply: FastifyReply) =>
    reply
      .header('content-security-policy', PORTAL_CSP)
      .header('x-content-type-options', 'nosniff')
      .header('x-frame-options', 'DENY')
      .header('referrer-policy', 'same-origin') // keeps Origin on the portal's own POSTs (sign-out)
      .header('cross-origin-opener-policy', 'same-origin');

  const file = (path: string): Buffer | undefined => {
    let body = cache.get(path);
    if (!body) {
      if (!existsSync(path) || !statSync(path).isFile()) return undefined;
      body = readFileSync(path);
      cache.set(path, body);
    }
    return body;
  };

  const missing = (reply: FastifyReply) =>
    reply.code(503).send({ error: { code: 'PortalNotBuilt', message: 'The portal bundle is missing: run `npm run build` (it runs scripts/build-portal.mjs).' } });

  app.get('/portal', async (_req, reply) => reply.redirect('/portal/', 301));

  app.get('/portal/', async (_req, reply) => {
    const body = file(join(root, 'index.html'));
    if (!body) return missing(reply);
    return secure(reply).header('cache-control', 'no-cache').type(TYPES['.html']!).send(body);
  });

  app.get<{ Params: { name: string } }>('/portal/assets/:name', async (req, reply) => {
    const name = req.params.name;
    // One path segment of safe characters: nothing outside the assets folder can be named.
    if (!/^[A-Za-z0-9._-]{1,100}$/.test(name) || name.startsWith('.') || !TYPES[extname(name)]) {
      return reply.code(404).send({ error: { code: 'PathNotFoundError', message: `No portal asset '${name.slice(0, 100)}'.` } });
    }
    const body = file(join(root, 'assets', name));
    if (!body) return reply.code(404).send({ error: { code: 'PathNotFoundError', message: `No portal asset '${name}'.` } });
    return secure(reply).header('cache-control', 'no-cache').type(TYPES[extname(name)]!).send(body);
  });
}
