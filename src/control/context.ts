import type { Caller } from '../authz/authorize.js';
import type { MetadataStore } from '../metadata/metadata-store.js';
import type { LogStore } from '../store/store.js';
import type { ActivityLog } from '../audit/activity-log.js';
import type { PurgeService } from '../governance/purge.js';
import type { AlertService } from '../alerts/alert-service.js';

/** What every control-plane handler receives. */
export interface ControlContext {
  caller: Caller;
  query: URLSearchParams;
  body: unknown;
  deps: ControlDeps;
  /** `x-ms-client-request-id` (or the request id). */
  correlationId?: string;
}

export interface ControlDeps {
  metadata: MetadataStore;
  store: LogStore;
  /** Scheme, host and port clients reach Vigil at (for URLs handed out, e.g. the managed-identity endpoint). */
  publicBaseUrl?: () => string;
  /** The activity log of control-plane operations. */
  activity?: ActivityLog;
  /** Purge operations (GDPR). */
  purge?: PurgeService;
  /** Log search alerts: evaluation state and history. */
  alerts?: AlertService;
}
