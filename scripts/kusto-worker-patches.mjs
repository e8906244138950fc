// Build-time edits of monaco-kusto's language worker (@kusto/monaco-kusto 10.0.22, pinned), for the
// portal's first load (issue 18). Each edit must match the source exactly once, or the build fails: a new
// monaco-kusto release is then checked by hand instead of being patched blindly.
//
// What they do, and why nothing is lost:
// - The V1 IntelliSense rules provider (Kusto.Data's CslIntelliSenseRulesProvider, with its command
//   parser) is built when first used instead of at every configure()/setSchema(). The worker builds it
//   three times before the editor has its schema (~250 ms of CPU in the worker, a quarter of its start),
//   yet with `useIntellisenseV2` and an Engine schema — the portal's only configuration — only the V1 code
//   paths use it (V1 completion, V1 classification, client directives); they still get the one the last
//   configure()/setSchema() asked for, built from the same arguments at their first use.
// - parseDocumentV2 passes the rules provider to ParseProperties.isParseNeeded, whose answer does not
//   depend on it when no parse mode is given (it always answers true: V2 re-parses every time); it now
//   passes undefined, so a V2 parse does not build the V1 provider.
import { readFileSync } from 'node:fs';

const PATCHES = [
  {
    what: 'createRulesProvider deferred to the first use of _rulesProvider / _parser',
    from: '  createRulesProvider(schema, clusterType) {\n    let queryParameters',
    to: `  createRulesProvider(schema, clusterType) {
    this.__rulesProviderArgs = [schema, clusterType];
    this.__rulesProvider = undefined;
    this.__parser = undefined;
  }
  __buildRulesProvider() {
    const args = this.__rulesProviderArgs;
    if (args) {
      this.__rulesProviderArgs = undefined;
      this.__createRulesProviderNow(...args);
    }
  }
  get _rulesProvider() {
    this.__buildRulesProvider();
    return this.__rulesProvider;
  }
  set _rulesProvider(v) {
    this.__rulesProvider = v;
  }
  get _parser() {
    this.__buildRulesProvider();
    return this.__parser;
  }
  set _parser(v) {
    this.__parser = v;
  }
  __createRulesProviderNow(schema, clusterType) {
    let queryParameters`,
  },
  {
    what: 'parseDocumentV2 no longer builds the V1 rules provider',
    from: 'if (this._parsePropertiesV2 && !this._parsePropertiesV2.isParseNeeded(document, this._rulesProvider)) {',
    to: 'if (this._parsePropertiesV2 && !this._parsePropertiesV2.isParseNeeded(document, undefined)) {',
  },
];

/** The patched source of kusto.worker.js; throws if any edit does not match exactly once. */
export function patchKustoWorker(source) {
  let out = source;
  for (const p of PATCHES) {
    const n = out.split(p.from).length - 1;
    if (n !== 1) throw new Error(`monaco-kusto worker patch '${p.what}' matches ${n} times (expected 1): check the new release by hand`);
    out = out.replace(p.from, () => p.to);
  }
  return out;
}

/** An esbuild plugin applying patchKustoWorker to monaco-kusto's kusto.worker.js. */
export const kustoWorkerPatches = {
  name: 'kusto-worker-patches',
  setup(build) {
    build.onLoad({ filter: /[\\/]@kusto[\\/]monaco-kusto[\\/]release[\\/]esm[\\/]kusto\.worker\.js$/ }, (args) => ({
      contents: patchKustoWorker(readFileSync(args.path, 'utf8')),
      loader: 'js',
    }));
  },
};
