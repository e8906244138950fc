// Bundles the portal (portal/) into dist/portal with esbuild: the app, Monaco's editor worker and
// monaco-kusto's language worker, their CSS and fonts. Everything is served by Vigil itself (no CDN).
//
// For a fast first load (issue 18) every bundle is named by its content hash (`portal-3UT75UIC.js`),
// so src/portal/routes.ts serves it `immutable` for a year; index.html (served `no-cache`) is rewritten
// to name them, and the app learns the workers' names at build time (`define`). signin.css keeps its
// name: the server-rendered sign-in page names it (it is revalidated by ETag instead). The large text
// assets are pre-compressed next to themselves (`.br`, `.gz`) so the server never compresses per request.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { kustoWorkerPatches } from './kusto-worker-patches.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'dist', 'portal');
const assets = join(out, 'assets');
mkdirSync(assets, { recursive: true });

const common = {
  bundle: true,
  minify: true,
  sourcemap: false,
  target: 'es2022',
  legalComments: 'none',
  logLevel: 'warning',
  // Bridge.NET (the Kusto language service) looks for Node's `global` when it sees `module`.
  define: { global: 'globalThis' },
  loader: { '.ttf': 'file' },
  // Only reached under Node (Bridge.isNode), never in a browser.
  external: ['fs'],
  entryNames: '[name]-[hash]',
  assetNames: '[name]-[hash]',
  metafile: true,
};

/** The output file (under assets/) built from the named entry point. */
const outputOf = (result, entry) => {
  const [file] = Object.entries(result.metafile.outputs).find(([, o]) => o.entryPoint !== undefined && basename(o.entryPoint).startsWith(entry)) ?? [];
  if (!file) throw new Error(`esbuild produced no output for ${entry}`);
  return basename(file);
};

// The Kusto language worker, with two changes for a faster start (issue 18): the edits of
// kusto-worker-patches.mjs (the unused V1 rules provider built lazily), and XRegExp without its Unicode
// add-ons — the worker's one XRegExp, '[\\w_]*$', needs none, and building their tables at start-up
// cost ~70 ms of the worker's CPU.
const kustoWorkerOptions = {
  ...common,
  entryPoints: { 'kusto.worker': '@kusto/monaco-kusto/release/esm/kusto.worker.js' },
  outdir: assets,
  format: 'iife',
  plugins: [kustoWorkerPatches],
  alias: { xregexp: 'xregexp/lib/xregexp.js' },
};
const [editorWorker, kustoWorker] = await Promise.all([
  build({ ...common, entryPoints: { 'editor.worker': 'monaco-editor/esm/vs/editor/editor.worker.js' }, outdir: assets, format: 'iife' }),
  build(kustoWorkerOptions),
]);
const workers = { editor: `/portal/assets/${outputOf(editorWorker, 'editor.worker')}`, kusto: `/portal/assets/${outputOf(kustoWorker, 'kusto.worker')}` };

// Split: the entry signs in, and the app (shell.ts and what it imports) is a chunk loaded after that.
const app = await build({
  ...common,
  define: { ...common.define, __PORTAL_WORKERS__: JSON.stringify(workers) },
  entryPoints: { portal: join(root, 'portal', 'src', 'main.ts') },
  outdir: assets,
  format: 'esm',
  splitting: true,
  chunkNames: 'app-[hash]',
});
const entryJs = Object.entries(app.metafile.outputs).find(([f, o]) => o.entryPoint && f.endsWith('.js'));
if (!entryJs) throw new Error('esbuild produced no portal entry');
const entryCss = entryJs[1].cssBundle;
if (!entryCss) throw new Error('esbuild produced no portal stylesheet');

const html = readFileSync(join(root, 'portal', 'index.html'), 'utf8');
const named = html
  .replace('/portal/assets/portal.js', `/portal/assets/${basename(entryJs[0])}`)
  .replace('/portal/assets/portal.css', `/portal/assets/${basename(entryCss)}`);
if (named === html) throw new Error('portal/index.html no longer names /portal/assets/portal.js and portal.css');
writeFileSync(join(out, 'index.html'), named);
copyFileSync(join(root, 'portal', 'signin.css'), join(assets, 'signin.css'));

// Pre-compressed variants of what is worth compressing (brotli 9: within a few percent of 11 at a
// twentieth of the build time on the 8 MB language worker).
for (const name of readdirSync(assets)) {
  if (!/\.(js|css|ttf|svg)$/.test(name)) continue;
  const body = readFileSync(join(assets, name));
  if (body.length < 1024) continue;
  writeFileSync(join(assets, `${name}.br`), brotliCompressSync(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 9, [constants.BROTLI_PARAM_SIZE_HINT]: body.length } }));
  writeFileSync(join(assets, `${name}.gz`), gzipSync(body, { level: 9 }));
}

