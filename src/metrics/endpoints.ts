/** The paths of an Azure Monitor workspace's data planes on Vigil's listeners (README "Managed Prometheus"). */

/** The stream segment of the remote-write URL (and of the default rule's data flow). */
export const PROMETHEUS_STREAM = 'Microsoft-PrometheusMetrics';

export const REMOTE_WRITE_API_VERSIONS = ['2023-04-24', '2021-11-01-preview'] as const;

/** `properties.metrics.prometheusQueryEndpoint` is the base URL plus this; the Prometheus HTTP API hangs below it. */
export const queryEndpointPath = (accountId: string) => `/monitor-accounts/${accountId}`;

/** Prometheus remote write into a data collection rule (as Azure's DCE metrics ingestion URL). */
export const remoteWritePath = (immutableId: string) =>
  `/dataCollectionRules/${immutableId}/streams/${PROMETHEUS_STREAM}/api/v1/write?api-version=${REMOTE_WRITE_API_VERSIONS[0]}`;
