/**
 * Alert data at rest (issue #15, "CMK for alerts"): the sensitive parts of scheduled query rules
 * (query, description, custom and action properties), the evaluation state (alert states, the
 * evaluation history with the notification payloads still to send, the fired alerts and their
 * context) and action groups' receiver addresses are sealed (AES-256-GCM) before they reach the disk.
 *
 * - A rule's parts and its evaluation state are sealed under a subkey of the workspace key of the
 *   rule's (first) scope. That key is the one the workspace's logs are sealed under: wrapped by the
 *   master key, and for a workspace linked to a dedicated cluster with a customer-managed key, also by
 *   the cluster's key in the key vault. While that key is inaccessible, the evaluator refuses to use
 *   the workspace's alert data (evaluations fail with CustomerManagedKeyInaccessible, notifications are
 *   held back) — see AlertService.
 * - Action groups are subscription resources shared by rules of many workspaces, so their receivers'
 *   addresses (webhook URLs, Logic App callback URLs, function trigger URLs, email addresses) are
 *   sealed under a service keyring of their own, `D/alert-secrets/keyring.json`, wrapped by the master
 *   key (re-wrapped by `vigil rotate-master-key` and `protect-keys` with every other keyring).
 *
 * A sealed value names the keyring it is sealed under: `sealed:v1:<ref>:<nonce>.<ciphertext>.<tag>`,
 * `<ref>` a workspace's customerId or `service`; the AAD binds it to that ref and to its purpose.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decrypt, deriveKey, encrypt } from '../keys/crypto.js';
import type { MasterKeys } from '../keys/master-key.js';
import { loadOrCreateWorkspaceKeys, readWorkspaceKey, keyringPath } from '../keys/workspace-keys.js';
import { parseWorkspaceResourceId } from '../metadata/resource-ids.js';
import type { MetadataState } from '../metadata/records.js';
import type { ActionGroupRecord, ScheduledQueryRuleRecord } from './records.js';

const PREFIX = 'sealed:v1:';
/** The keyring of values not tied to one workspace (action groups' receivers). */
export const SERVICE_REF = 'service';
const SERVICE_KEYRING_ID = 'vigil-alert-secrets';

export const alertSecretsDir = (dataDir: string) => join(dataDir, 'alert-secrets');

export class AlertSeal {
  private readonly keys = new Map<string, Buffer>();

  /** `create`: a missing keyring is created (the server); `vigil verify` reports it instead. */
  constructor(
    private readonly dataDir: string,
    private readonly master: MasterKeys,
    private readonly create = true,
  ) {}

  static isSealed(value: unknown): value is string {
    return typeof value === 'string' && value.startsWith(PREFIX);
  }

  /** The key of a ref: a subkey of the workspace key, or the service keyring's key. */
  private key(ref: string): Buffer {
    const cached = this.keys.get(ref);
    if (cached) return cached;
    let key: Buffer;
    if (ref === SERVICE_REF) {
      key = loadOrCreateWorkspaceKeys(alertSecretsDir(this.dataDir), SERVICE_KEYRING_ID, this.master, this.create).wrapKey;
    } else {
      if (!/^[0-9a-f-]{36}$/.test(ref)) throw new Error(`'${ref}' is not a workspace id`);
      const dir = join(this.dataDir, 'storage', ref);
      // A workspace without tables has no keyring yet: it is created as the storage engine would.
      if (!existsSync(keyringPath(dir))) loadOrCreateWorkspaceKeys(dir, ref, this.master, this.create);
      const wsKey = readWorkspaceKey(dir, this.master);
      key = deriveKey(wsKey, 'vigil alert data');
      wsKey.fill(0);
    }
    this.keys.set(ref, key);
    return key;
  }

  seal(ref: string, purpose: string, plaintext: string): string {
    const { nonce, ciphertext, tag } = encrypt(this.key(ref), Buffer.from(plaintext, 'utf8'), aad(ref, purpose));
    return `${PREFIX}${ref}:${nonce.toString('base64')}.${ciphertext.toString('base64')}.${tag.toString('base64')}`;
  }

  /** The ref a sealed value is sealed under. */
  static refOf(sealed: string): string {
    return sealed.slice(PREFIX.length, sealed.indexOf(':', PREFIX.length));
  }

  open(sealed: string, purpose: string): string {
    const ref = AlertSeal.refOf(sealed);
    const [nonce, ciphertext, tag] = sealed.slice(PREFIX.length + ref.length + 1).split('.').map((p) => Buffer.from(p, 'base64'));
    if (!nonce || !ciphertext || !tag) throw new Error(`a sealed ${purpose} is malformed`);
    return decrypt(this.key(ref), nonce, ciphertext, tag, aad(ref, purpose), `the sealed ${purpose}${ref === SERVICE_REF ? '' : ` of workspace ${ref}`}`).toString('utf8');
  }

  /** The workspace whose key seals a rule's data: its first scope's customerId (or the service keyring). */
  static refOfScopes(scopes: string[], workspaces: { subscriptionId: string; resourceGroup: string; name: string; customerId: string }[]): string {
    for (const scope of scopes) {
      const ref = parseWorkspaceResourceId(scope);
      const w = ref && workspaces.find((x) => eqi(x.subscriptionId, ref.subscriptionId) && eqi(x.resourceGroup, ref.resourceGroup) && eqi(x.name, ref.name));
      if (w) return w.customerId.toLowerCase();
    }
    return SERVICE_REF;
  }

  // ---- metadata.json: the catalog's form on disk (a CatalogCodec of the MetadataStore) ----------

  encode(state: MetadataState): MetadataState {
    return this.encodeCatalog(state);
  }

  decode(state: MetadataState): MetadataState {
    return this.decodeCatalog(state);
  }

  /** The catalog as written to disk: rules' and action groups' sensitive parts sealed (`state` is not changed). */
  encodeCatalog(state: MetadataState): MetadataState {
    const disk = { ...state };
    disk.scheduledQueryRules = (state.scheduledQueryRules ?? []).map((r) => {
      const ref = AlertSeal.refOfScopes(r.scopes, state.workspaces);
      const secret: RuleSecrets = { criteria: r.criteria, description: r.description, customProperties: r.actions.customProperties, actionProperties: r.actions.actionProperties };
      const { description: _d, ...rest } = r;
      return { ...rest, criteria: { allOf: [] }, actions: { actionGroups: r.actions.actionGroups }, sealed: this.seal(ref, RULE_PURPOSE, JSON.stringify(secret)) };
    });
    disk.actionGroups = (state.actionGroups ?? []).map((g) => {
      const secret: GroupSecrets = {
        webhook: g.webhookReceivers.map((r) => r.serviceUri),
        email: (g.emailReceivers ?? []).map((r) => r.emailAddress),
        logicApp: (g.logicAppReceivers ?? []).map((r) => r.callbackUrl),
        fn: (g.azureFunctionReceivers ?? []).map((r) => r.httpTriggerUrl),
      };
      return {
        ...g,
        webhookReceivers: g.webhookReceivers.map((r) => ({ ...r, serviceUri: '' })),
        ...(g.emailReceivers ? { emailReceivers: g.emailReceivers.map((r) => ({ ...r, emailAddress: '' })) } : {}),
        ...(g.logicAppReceivers ? { logicAppReceivers: g.logicAppReceivers.map((r) => ({ ...r, callbackUrl: '' })) } : {}),
        ...(g.azureFunctionReceivers ? { azureFunctionReceivers: g.azureFunctionReceivers.map((r) => ({ ...r, httpTriggerUrl: '' })) } : {}),
        sealed: this.seal(SERVICE_REF, GROUP_PURPOSE, JSON.stringify(secret)),
      };
    });
    return disk;
  }

  /** The catalog as read from disk, with the sealed parts opened (values written in the clear by an earlier release stay as they are). */
  decodeCatalog(state: MetadataState): MetadataState {
    for (const r of (state.scheduledQueryRules ?? []) as (ScheduledQueryRuleRecord & { sealed?: string })[]) {
      if (!AlertSeal.isSealed(r.sealed)) continue;
      const s = JSON.parse(this.open(r.sealed, RULE_PURPOSE)) as RuleSecrets;
      r.criteria = s.criteria;
      if (s.description !== undefined) r.description = s.description;
      if (s.customProperties) r.actions.customProperties = s.customProperties;
      if (s.actionProperties) r.actions.actionProperties = s.actionProperties;
      delete r.sealed;
    }
    for (const g of (state.actionGroups ?? []) as (ActionGroupRecord & { sealed?: string })[]) {
      if (!AlertSeal.isSealed(g.sealed)) continue;
      const s = JSON.parse(this.open(g.sealed, GROUP_PURPOSE)) as GroupSecrets;
      g.webhookReceivers.forEach((r, i) => (r.serviceUri = s.webhook[i] ?? ''));
      g.emailReceivers?.forEach((r, i) => (r.emailAddress = s.email[i] ?? ''));
      g.logicAppReceivers?.forEach((r, i) => (r.callbackUrl = s.logicApp[i] ?? ''));
      g.azureFunctionReceivers?.forEach((r, i) => (r.httpTriggerUrl = s.fn[i] ?? ''));
      delete g.sealed;
    }
    return state;
  }

  /** Does the catalog on disk hold alert secrets in the clear (written by an earlier release)? */
  needsRewrite(state: MetadataState): boolean {
    const rules = (state.scheduledQueryRules ?? []) as { sealed?: string }[];
    const groups = (state.actionGroups ?? []) as { sealed?: string }[];
    return rules.some((r) => !AlertSeal.isSealed(r.sealed)) || groups.some((g) => !AlertSeal.isSealed(g.sealed));
  }
}

const RULE_PURPOSE = 'scheduled query rule';
const GROUP_PURPOSE = 'action group receivers';

interface RuleSecrets {
  criteria: ScheduledQueryRuleRecord['criteria'];
  description?: string;
  customProperties?: Record<string, string>;
  actionProperties?: Record<string, string>;
}

interface GroupSecrets {
  webhook: string[];
  email: string[];
  logicApp: string[];
  fn: string[];
}

const aad = (ref: string, purpose: string) => Buffer.from(`vigil-alert-data:${ref}:${purpose}`);
const eqi = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/**
 * For `vigil verify`: opens every sealed alert value — the rules and action groups in metadata.json,
 * the parts of alerts/state.json — and names each that does not open. Changes nothing.
 */
export function verifyAlertData(dataDir: string, master: MasterKeys): { file: string; message: string }[] {
  const seal = new AlertSeal(dataDir, master, false);
  const problems: { file: string; message: string }[] = [];
  const tryOpen = (file: string, what: string, sealed: string, purpose: string) => {
    try {
      seal.open(sealed, purpose);
    } catch (err) {
      problems.push({ file, message: `${what}: ${(err as Error).message}` });
    }
  };
  const metadata = join(dataDir, 'metadata.json');
  if (existsSync(metadata)) {
    const state = JSON.parse(readFileSync(metadata, 'utf8')) as { scheduledQueryRules?: { name: string; sealed?: string }[]; actionGroups?: { name: string; sealed?: string }[] };
    for (const r of state.scheduledQueryRules ?? []) if (AlertSeal.isSealed(r.sealed)) tryOpen(metadata, `scheduled query rule ${r.name}`, r.sealed, RULE_PURPOSE);
    for (const g of state.actionGroups ?? []) if (AlertSeal.isSealed(g.sealed)) tryOpen(metadata, `action group ${g.name}`, g.sealed, GROUP_PURPOSE);
  }
  const alertState = join(dataDir, 'alerts', 'state.json');
  if (existsSync(alertState)) {
    const state = JSON.parse(readFileSync(alertState, 'utf8')) as { sealed?: Record<string, string> };
    for (const [ref, sealed] of Object.entries(state.sealed ?? {})) {
      if (AlertSeal.refOf(sealed) !== ref) problems.push({ file: alertState, message: `the alert state of ${ref} is sealed under ${AlertSeal.refOf(sealed)}: it was moved` });
      else tryOpen(alertState, `the alert state of ${ref === SERVICE_REF ? 'rules without a workspace' : `workspace ${ref}`}`, sealed, STATE_PURPOSE);
    }
  }
  return problems;
}

/** The purpose (AAD) of the sealed parts of alerts/state.json (src/alerts/alert-service.ts). */
export const STATE_PURPOSE = 'alert evaluation state';
