/** ARM ids of the blob store's resources. */
export const STORAGE_ACCOUNT_TYPE = 'Microsoft.Storage/storageAccounts';

export const accountResourceId = (a: { subscriptionId: string; resourceGroup: string; name: string }) =>
  `/subscriptions/${a.subscriptionId}/resourceGroups/${a.resourceGroup}/providers/${STORAGE_ACCOUNT_TYPE}/${a.name}`;

export const containerResourceId = (a: { subscriptionId: string; resourceGroup: string; name: string }, container: string) =>
  `${accountResourceId(a)}/blobServices/default/containers/${container}`;

/** Parses `/subscriptions/{s}/resourceGroups/{rg}/providers/Microsoft.Storage/storageAccounts/{name}` (any casing). */
export function parseStorageAccountId(id: string): { subscriptionId: string; resourceGroup: string; name: string } | undefined {
  const m = /^\/?subscriptions\/([^/]+)\/resourcegroups\/([^/]+)\/providers\/microsoft\.storage\/storageaccounts\/([^/]+)\/?$/i.exec(id);
  return m ? { subscriptionId: m[1]!, resourceGroup: m[2]!, name: m[3]! } : undefined;
}
