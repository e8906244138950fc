/**
 * The web portal (issue 18), served by Vigil itself:
 *
 *   GET /portal            → 301 /portal/
 *   GET /portal/           the single-page app (dist/portal/index.html)
 *   GET /portal/assets/*   its bundle: app, Monaco and monaco-kusto workers, CSS, fonts (built by
 *                          scripts/build-portal.mjs during `npm run build`; nothing comes from a CDN),
 *                          content-hashed names cached `immutable`, brotli/gzip when accepted, and
 *                          ETag / If-None-Match → 304 (static-assets.ts)
 *
 * The app holds no cookie for the APIs: it signs the user in with the authorization code flow + PKCE
 * (identity/sign-in-routes.ts) and calls the same Query API, ARM and Graph routes as the SDKs with the
 * bearer token in memory, so every call meets the same authorization and cannot be forged cross-site.
 *
 * Every response carries a strict Content-Security-Policy: scripts and workers only from this origin,
 * no inline script and no eval; inline styles are allowed because Monaco positions its widgets with
 * them.
 */
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { CONTENT_TYPES, chooseCoding, loadAsset, notModified, type StaticAsset } from './static-assets.js';

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

export interface PortalRouteOptions {
  /** Folder of the built portal; default dist/portal next to this module's build output. */
  root?: string;
}

export async function portalRoutes(app: FastifyInstance, opts: PortalRouteOptions): Promise<void> {
  const root = opts.root ?? fileURLToPath(new URL('../../portal/', import.meta.url));
  const cache = new Map<string, StaticAsset>();

  const secure = (reply: FastifyReply) =>
    reply
      .header('content-security-policy', PORTAL_CSP)
      .header('x-content-type-options', 'nosniff')
      .header('x-frame-options', 'DENY')
      .header('referrer-policy', 'same-origin') // keeps Origin on the portal's own POSTs (sign-out)
      .header('cross-origin-opener-policy', 'same-origin');

  const asset = (path: string): StaticAsset | undefined => {
    let found = cache.get(path);
    if (!found) {
      found = loadAsset(path);
      if (found) cache.set(path, found);
    }
    return found;
  };

  /** The file in the representation the request asks for: 304 when its ETag is current. */
  const send = (req: FastifyRequest, reply: FastifyReply, file: StaticAsset) => {
    const coding = chooseCoding(req.headers['accept-encoding'], file.bodies.keys());
    secure(reply).header('cache-control', file.cacheControl).header('etag', file.etags.get(coding)!);
    if (file.bodies.size > 1) reply.header('vary', 'Accept-Encoding');
    if (notModified(req.headers['if-none-match'], file)) return reply.code(304).send();
    if (coding !== 'identity') reply.header('content-encoding', coding);
    return reply.type(file.contentType).send(file.bodies.get(coding)!);
  };

  const missing = (reply: FastifyReply) =>
    reply.code(503).send({ error: { code: 'PortalNotBuilt', message: 'The portal bundle is missing: run `npm run build` (it runs scripts/build-portal.mjs).' } });

  app.get('/portal', async (_req, reply) => reply.redirect('/portal/', 301));

  app.get('/portal/', async (req, reply) => {
    const file = asset(join(root, 'index.html'));
    if (!file) return missing(reply);
    return send(req, reply, file);
  });

  app.get<{ Params: { name: string } }>('/portal/assets/:name', async (req, reply) => {
    const name = req.params.name;
    // One path segment of safe characters: nothing outside the assets folder can be named.
    if (!/^[A-Za-z0-9._-]{1,100}$/.test(name) || name.startsWith('.') || !CONTENT_TYPES[extname(name)]) {
      return reply.code(404).send({ error: { code: 'PathNotFoundError', message: `No portal asset '${name.slice(0, 100)}'.` } });
    }
    const file = asset(join(root, 'assets', name));
    if (!file) return reply.code(404).send({ error: { code: 'PathNotFoundError', message: `No portal asset '${name}'.` } });
    return send(req, reply, file);
  });
}
