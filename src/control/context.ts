import type { Caller } from '../authz/authorize.js';
import type { MetadataStore } from '../metadata/metadata-store.js';
import type { LogStore } from '../store/store.js';
import type { ActivityLog } from '../audit/activity-log.js';
import type { PurgeService } from '../governance/purge.js';
import type { BlobStore } from '../blob/blob-store.js';
import type { DataExportRules } from '../governance/export/rules.js';
import type { AlertService } from '../alerts/alert-service.js';
import type { KeyVaultService } from '../keyvault/service.js';
import type { ClusterKeys } from '../keyvault/cluster-keys.js';
import type { LockboxService } from '../lockbox/lockbox-service.js';
import type { IngestionStatistics } from '../ingest/transform/ingestion-statistics.js';
import type { TransformFeatures } from '../ingest/transform/supported-kql.js';
import type { PrivateDataScanner } from '../governance/private-data-scanner.js';
import type { PrometheusSupervisor } from '../metrics/prometheus-supervisor.js';

/** What every control-plane handler receives. */
export interface ControlContext {
  caller: Caller;
  query: URLSearchParams;
  body: unknown;
  deps: ControlDeps;
  /** `x-ms-client-request-id` (or the request id). */
  correlationId?: string;
  /** The request's headers (lower-case names), e.g. If-Match. */
  headers?: Record<string, string | string[] | undefined>;
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
  /** Vigil's immutable blob store (storage accounts). */
  blobs?: BlobStore;
  /** Data export rules (the exporter reads them). */
  dataExports?: DataExportRules;
  /** The addresses of the private listeners (`--private-listener`), which private endpoints name. */
  privateListeners?: () => string[];
  /** Log search alerts: evaluation state and history. */
  alerts?: AlertService;
  /** Key vaults (issue #15): vault records, keys and the data plane's access decision. */
  keyVaults?: KeyVaultService;
  /** Customer-managed keys of dedicated clusters: linking, rotation, the revocation gate. */
  clusterKeys?: ClusterKeys;
  /** Customer Lockbox: operator access requests and their approval. */
  lockbox?: LockboxService;
  /** Rows received, dropped by transformations and ingested per data flow (shown in a rule's GET). */
  ingestionStatistics?: IngestionStatistics;
  /** What transformations may use on this server beyond the fixed subset (geo_location with a GeoIP database). */
  transformFeatures?: TransformFeatures;
  /** The private-data scanner (scanPrivateData action, scheduled scans). */
  privateDataScanner?: PrivateDataScanner;
  /** The Prometheus servers behind Azure Monitor workspaces (issue 19). */
  prometheus?: PrometheusSupervisor;
}
