/** The token audiences each plane accepts (DESIGN §2). */
export const AUDIENCES = {
  ingestion: ['https://monitor.azure.com'],
  query: ['https://api.loganalytics.io', 'https://api.loganalytics.azure.com'],
  control: ['https://management.azure.com', 'https://management.core.windows.net'],
  graph: ['https://graph.microsoft.com'],
  /** The query endpoint of Azure Monitor workspaces (Managed Prometheus, issue 19). */
  prometheus: ['https://prometheus.monitor.azure.com'],
} as const;

export const ALL_AUDIENCES: string[] = Object.values(AUDIENCES).flat();

/**
 * Vigil's own public base URL (`https://127.0.0.1:8443`, with or without trailing slashes) is an
 * audience of every plane it serves, besides the plane's Azure audience above. Clients derive their
 * token scope from the endpoint they are given when it is not Azure's: `@azure/arm-operationalinsights`
 * 9 (`{endpoint}/.default`), Python's `azure-monitor-query` 1.1 and the
 * Azure CLI (Graph as `{graphEndpoint}/.default`, i.e. `https://host:port//.default`). Such a token
 * is therefore valid for ingestion, query, the control plane and Graph alike; what it may do there
 * is decided, as for every token, only by the caller's role assignments, which do not depend on the
 * audience.
 */
export function withBaseUrl(audiences: readonly string[], publicBaseUrl: string): string[] {
  return publicBaseUrl ? [...audiences, publicBaseUrl] : [...audiences];
}
