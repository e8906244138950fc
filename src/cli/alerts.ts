/**
 * `vigil alerts install-security-rules --workspace <id>`: installs the standard security alert over
 * the query audit — "unauthorized query attempts": `LAQueryLogs` rows with ResponseCode 403, counted
 * per `AADObjectId` over 5 minutes, firing when a principal has any — as a scheduled query rule with a
 * system-assigned identity, and grants that identity exactly what the query needs: `workspaces/read`
 * and `workspaces/query/read` on the workspace (a custom role, created once per subscription) and
 * Reader on `…/tables/LAQueryLogs` — nothing of the application's tables.
 *
 * It talks to a running Vigil through the public ARM API, signed in with `<data-dir>/bootstrap.json`
 * (or --client-id and VIGIL_CLIENT_SECRET), which must be allowed to write rules and role assignments.
 */
import { createHash, randomUUID } from 'node:crypto';
import { runningVigil } from './running-vigil.js';
import { call, describe } from './service-principals.js';

export interface InstallSecurityRulesOptions {
  dataDir: string;
  /** The workspace that receives the query audit: ARM id, customerId GUID or name; default: bootstrap's. */
  workspace?: string;
  actionGroup: string[];
  frequency: string;
  window: string;
  severity: number;
  endpoint?: string;
  clientId?: string;
}

const ARM = 'https://management.azure.com';
export const UNAUTHORIZED_QUERY_RULE = 'unauthorized-query-attempts';
const READER_ROLE = 'acdd72a7-3385-48ef-bd42-f606fba81ae7';

/** A GUID derived from a text (stable across runs, so the command is idempotent). */
function stableGuid(text: string): string {
  const h = createHash('sha256').update(text).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export async function installSecurityRules(o: InstallSecurityRulesOptions): Promise<Record<string, unknown>> {
  const { b, endpoint, clientId, clientSecret, ca } = runningVigil(o);
  const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret, scope: `${ARM}/.default` });
  const token = await call(`${endpoint}/${b.tenantId}/oauth2/v2.0/token`, ca, 'POST', { 'content-type': 'application/x-www-form-urlencoded' }, form.toString());
  if (token.status !== 200) throw new Error(`sign-in as ${clientId} failed: ${describe(token)}`);
  const headers = { authorization: `Bearer ${(token.body as { access_token: string }).access_token}`, 'content-type': 'application/json' };
  const arm = async (method: string, path: string, body?: unknown, ok = [200, 201]) => {
    const r = await call(`${endpoint}${path}`, ca, method, headers, body === undefined ? undefined : JSON.stringify(body));
    if (!ok.includes(r.status)) throw new Error(`${method} ${path.split('?')[0]} failed: ${describe(r)}`);
    return r.body as any;
  };

  // The workspace, by ARM id, customerId or name.
  const ref = o.workspace ?? b.workspaceResourceId;
  const list = (await arm('GET', `/subscriptions/${b.subscriptionId}/providers/Microsoft.OperationalInsights/workspaces?api-version=2023-09-01`)) as {
    value: { id: string; name: string; properties: { customerId: string } }[];
  };
  const matches = list.value.filter(
    (w) => w.id.toLowerCase() === ref.toLowerCase() || w.properties.customerId.toLowerCase() === ref.toLowerCase() || w.name.toLowerCase() === ref.toLowerCase(),
  );
  if (matches.length !== 1) throw new Error(matches.length === 0 ? `no workspace '${ref}' in subscription ${b.subscriptionId}.` : `'${ref}' names several workspaces; pass the ARM id.`);
  const ws = matches[0]!;
  const rg = ws.id.split('/').slice(0, 5).join('/');

  const rulePath = `${rg}/providers/Microsoft.Insights/scheduledQueryRules/${UNAUTHORIZED_QUERY_RULE}?api-version=2023-12-01`;
  const rule = await arm('PUT', rulePath, {
    location: 'local',
    kind: 'LogAlert',
    identity: { type: 'SystemAssigned' },
    properties: {
      displayName: 'Unauthorized query attempts',
      description: 'A principal had queries refused with 403 (no access to the workspace or a table): probing, a stolen credential, or a missing role assignment.',
      severity: o.severity,
      enabled: true,
      scopes: [ws.id],
      evaluationFrequency: o.frequency,
      windowSize: o.window,
      criteria: {
        allOf: [
          {
            query: 'LAQueryLogs\n| where ResponseCode == 403\n| project TimeGenerated, AADObjectId, AADClientId, RequestTarget, CorrelationId',
            timeAggregation: 'Count',
            dimensions: [{ name: 'AADObjectId', operator: 'Include', values: ['*'] }],
            operator: 'GreaterThan',
            threshold: 0,
            failingPeriods: { numberOfEvaluationPeriods: 1, minFailingPeriodsToAlert: 1 },
          },
        ],
      },
      autoMitigate: true,
      actions: { actionGroups: o.actionGroup },
    },
  });
  const principalId = (rule as { identity: { principalId: string } }).identity.principalId;

  // Exactly what the query needs: query the workspace (custom role) and read LAQueryLogs (Reader on the table).
  const subScope = `/subscriptions/${b.subscriptionId}`;
  const roleGuid = stableGuid(`vigil-security-alert-reader:${b.subscriptionId.toLowerCase()}`);
  await arm('PUT', `${subScope}/providers/Microsoft.Authorization/roleDefinitions/${roleGuid}?api-version=2022-04-01`, {
    properties: {
      roleName: 'Vigil Security Alert Query',
      description: 'May run queries against a workspace; which tables it reads comes from table-level assignments. Used by the identities of Vigil security alert rules.',
      type: 'CustomRole',
      permissions: [{ actions: ['Microsoft.OperationalInsights/workspaces/read', 'Microsoft.OperationalInsights/workspaces/query/read'], notActions: [] }],
      assignableScopes: [subScope],
    },
  });
  const assignments: string[] = [];
  for (const [scope, role] of [
    [ws.id, `${subScope}/providers/Microsoft.Authorization/roleDefinitions/${roleGuid}`],
    [`${ws.id}/tables/LAQueryLogs`, `${subScope}/providers/Microsoft.Authorization/roleDefinitions/${READER_ROLE}`],
  ] as const) {
    const existing = (await arm('GET', `${scope}/providers/Microsoft.Authorization/roleAssignments?api-version=2022-04-01&$filter=${encodeURIComponent(`principalId eq '${principalId}'`)}`)) as {
      value: { id: string; properties: { roleDefinitionId: string; scope: string } }[];
    };
    const same = existing.value.find((a) => a.properties.roleDefinitionId.toLowerCase() === role.toLowerCase() && a.properties.scope.toLowerCase() === scope.toLowerCase());
    if (same) {
      assignments.push(same.id);
      continue;
    }
    const created = await arm('PUT', `${scope}/providers/Microsoft.Authorization/roleAssignments/${randomUUID()}?api-version=2022-04-01`, {
      properties: { roleDefinitionId: role, principalId, principalType: 'ServicePrincipal' },
    });
    assignments.push((created as { id: string }).id);
  }
  return { rule: (rule as { id: string }).id, principalId, workspace: ws.id, roleAssignments: assignments, actionGroups: o.actionGroup };
}
