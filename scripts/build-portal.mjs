// Bundles the portal (portal/) into dist/portal with esbuild: the app, Monaco's editor worker and
// monaco-kusto's language worker, their CSS and fonts. Everything is served by Vigil itself (no CDN).
import { build } from 'esbuild';
import { copyFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

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
};

await Promise.all([
  // Split: the entry signs in, and the app (shell.ts and what it imports) is a chunk loaded after that.
  build({ ...common, entryPoints: { portal: join(root, 'portal', 'src', 'main.ts') }, outdir: assets, format: 'esm', splitting: true, chunkNames: 'app-[hash]', assetNames: '[name]' }),
  build({ ...common, entryPoints: { 'editor.worker': 'monaco-editor/esm/vs/editor/editor.worker.js' }, outdir: assets, format: 'iife' }),
  build({ ...common, entryPoints: { 'kusto.worker': '@kusto/monaco-kusto/release/esm/kusto.worker.js' }, outdir: assets, format: 'iife' }),
]);
copyFileSync(join(root, 'portal', 'index.html'), join(out, 'index.html'));
copyFileSync(join(root, 'portal', 'signin.css'), join(assets, 'signin.css'));
