/**
 * The portal's static files as HTTP representations: content type, a strong ETag, the cache policy,
 * and the pre-compressed variants (`name.br`, `name.gz`, written by scripts/build-portal.mjs).
 *
 * Files named by their content hash (`portal-3UT75UIC.js`: esbuild's `[name]-[hash]`) never change
 * under that name, so browsers may keep them a year without asking (`immutable`); everything else
 * (index.html, signin.css) is `no-cache`: revalidated each time, cheaply, with If-None-Match → 304.
 * Files are read once and kept in memory (the bundle is fixed for the life of the process).
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { extname } from 'node:path';

export const IMMUTABLE = 'public, max-age=31536000, immutable';
export const REVALIDATE = 'no-cache';

/** esbuild's `[hash]`: eight characters of base32 before the extension. */
const HASHED_NAME = /-[A-Z2-7]{8}\.[a-z]+$/;

export const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.ttf': 'font/ttf',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

export type ContentCoding = 'br' | 'gzip' | 'identity';
const SUFFIX: Record<Exclude<ContentCoding, 'identity'>, string> = { br: '.br', gzip: '.gz' };

export interface StaticAsset {
  contentType: string;
  cacheControl: string;
  /** The bodies by content coding; identity always present. */
  bodies: Map<ContentCoding, Buffer>;
  /** The strong ETag of each representation (the content hash, suffixed by the coding). */
  etags: Map<ContentCoding, string>;
}

const readFile = (path: string): Buffer | undefined => (existsSync(path) && statSync(path).isFile() ? readFileSync(path) : undefined);

/** Loads a file and its pre-compressed variants; undefined when the file does not exist. */
export function loadAsset(path: string): StaticAsset | undefined {
  const identity = readFile(path);
  if (!identity) return undefined;
  const hash = createHash('sha256').update(identity).digest('base64url').slice(0, 27);
  const bodies = new Map<ContentCoding, Buffer>([['identity', identity]]);
  const etags = new Map<ContentCoding, string>([['identity', `"${hash}"`]]);
  for (const coding of ['br', 'gzip'] as const) {
    const body = readFile(path + SUFFIX[coding]);
    if (body) {
      bodies.set(coding, body);
      etags.set(coding, `"${hash}-${coding}"`);
    }
  }
  const name = path.split('/').pop()!;
  return {
    contentType: CONTENT_TYPES[extname(name)] ?? 'application/octet-stream',
    cacheControl: HASHED_NAME.test(name) ? IMMUTABLE : REVALIDATE,
    bodies,
    etags,
  };
}

/**
 * The coding to send for an Accept-Encoding header (RFC 9110 §12.5.3): the smallest available one
 * the client accepts with a non-zero q; identity unless the client refuses it outright, which
 * nothing does for a static file (then identity is still sent, as the RFC allows).
 */
export function chooseCoding(acceptEncoding: string | undefined, available: Iterable<ContentCoding>): ContentCoding {
  if (!acceptEncoding) return 'identity';
  const q = new Map<string, number>();
  for (const part of acceptEncoding.split(',')) {
    const [token, ...params] = part.trim().toLowerCase().split(';');
    if (!token) continue;
    const qParam = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    const value = qParam ? Number(qParam.slice(2)) : 1;
    q.set(token, Number.isFinite(value) ? value : 0);
  }
  const accepted = (coding: string) => (q.get(coding) ?? (coding === 'gzip' ? q.get('x-gzip') : undefined) ?? q.get('*') ?? 0) > 0;
  const have = new Set(available);
  for (const coding of ['br', 'gzip'] as const) if (have.has(coding) && accepted(coding)) return coding;
  return 'identity';
}

/**
 * Whether an If-None-Match header names the representation the client would get (weak comparison,
 * RFC 9110 §13.1.2, so `W/` is ignored). Any of this file's tags counts: the content is the same in
 * every coding. Anything else — a tag of other content, garbage — is no match, and the full body is sent.
 */
export function notModified(ifNoneMatch: string | undefined, asset: StaticAsset): boolean {
  if (!ifNoneMatch || ifNoneMatch.length > 4096) return false;
  if (ifNoneMatch.trim() === '*') return true;
  const tags = new Set(asset.etags.values());
  return ifNoneMatch.split(',').some((t) => tags.has(t.trim().replace(/^W\//, '')));
}
