/**
 * Kusto.Language (Microsoft's KQL parser and binder), from the `@kusto/language-service-next` package
 * the portal's editor ships, for the reports that measure Vigil against it (coverage.ts,
 * schema-oracle.ts). Bridge.NET defines it on the global object; it is loaded once.
 */
import { createRequire } from 'node:module';
import { join } from 'node:path';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
let loaded: any;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function kustoLanguage(): any {
  if (loaded) return loaded;
  const require = createRequire(import.meta.url);
  const dir = require.resolve('@kusto/language-service-next/package.json').replace(/package\.json$/, '');
  (globalThis as Record<string, unknown>).window ??= globalThis;
  require(join(dir, 'bridge.js'));
  require(join(dir, 'Kusto.Language.Bridge.js'));
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  loaded = (globalThis as any).Kusto.Language;
  return loaded;
}
