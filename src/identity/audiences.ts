/** The token audiences each plane accepts (DESIGN §2). */
export const AUDIENCES = {
  ingestion: ['https://monitor.azure.com'],
  query: ['https://api.loganalytics.io', 'https://api.loganalytics.azure.com'],
  control: ['https://management.azure.com', 'https://management.core.windows.net'],
  graph: ['https://graph.microsoft.com'],
} as const;

export const ALL_AUDIENCES: string[] = Object.values(AUDIENCES).flat();
