/**
 * The portal's web workers, by their content-hashed names (scripts/build-portal.mjs defines
 * __PORTAL_WORKERS__). The Kusto language worker is a large script to compile, so it is started as soon
 * as a sign-in code is in hand (main.ts), in parallel with redeeming it, the app chunks and the workspace
 * list, and Monaco is handed that same worker when it asks for one.
 */
declare const __PORTAL_WORKERS__: { editor: string; kusto: string };

let kusto: Worker | undefined;

/** Starts the Kusto language worker now (idempotent); Monaco takes it over at its first request. */
export function startKustoWorker(): void {
  kusto ??= new Worker(__PORTAL_WORKERS__.kusto);
}

/** Monaco's MonacoEnvironment.getWorker: the prestarted Kusto worker once, fresh workers otherwise. */
export function monacoWorker(label: string): Worker {
  if (label === 'kusto') {
    const w = kusto ?? new Worker(__PORTAL_WORKERS__.kusto);
    kusto = undefined;
    return w;
  }
  return new Worker(__PORTAL_WORKERS__.editor);
}
