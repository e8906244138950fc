import type { Caller } from '../authz/authorize.js';
import type { MetadataStore } from '../metadata/metadata-store.js';
import type { LogStore } from '../store/store.js';

/** What every control-plane handler receives. */
export interface ControlContext {
  caller: Caller;
  query: URLSearchParams;
  body: unknown;
  deps: ControlDeps;
}

export interface ControlDeps {
  metadata: MetadataStore;
  store: LogStore;
  /** Scheme, host and port clients reach Vigil at (for URLs handed out, e.g. the managed-identity endpoint). */
  publicBaseUrl?: () => string;
}
