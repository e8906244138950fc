/**
 * Data export rules (`Microsoft.OperationalInsights/workspaces/dataExports`), persisted in
 * `D/exports/rules.json` (0600, atomic writes). The exporter (./exporter.ts) reads them.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../../util/atomic-file.js';
import type { ExternalDestination } from './destinations.js';

export interface DataExportRule {
  subscriptionId: string;
  resourceGroup: string;
  workspaceName: string;
  /** The workspace's customerId (the store's workspace id). */
  workspaceId: string;
  name: string;
  dataExportId: string;
  tableNames: string[];
  destinationResourceId: string;
  enable: boolean;
  createdDate: string;
  lastModifiedDate: string;
  /** Bumped whenever the rule is (re-)enabled or its tables change: the exporter starts those tables afresh. */
  generation: number;
}

export const MAX_ENABLED_RULES_PER_WORKSPACE = 10;

export class DataExportRules {
  private rules: DataExportRule[];
  private readonly path: string;

  constructor(
    dataDir: string,
    /** Storage accounts outside Vigil's blob store that the operator configured (export-destinations.json). */
    private readonly externalDestinations: readonly ExternalDestination[] = [],
  ) {
    this.path = join(dataDir, 'exports', 'rules.json');
    this.rules = existsSync(this.path) ? (JSON.parse(readFileSync(this.path, 'utf8')) as { rules: DataExportRule[] }).rules : [];
  }

  private save(): void {
    writeFileAtomic(this.path, JSON.stringify({ rules: this.rules }, null, 1));
  }

  /** The operator's mapping for a storage account outside Vigil, if any. */
  external(resourceId: string): ExternalDestination | undefined {
    return this.externalDestinations.find((d) => d.resourceId.toLowerCase() === resourceId.toLowerCase());
  }

  all(): readonly DataExportRule[] {
    return this.rules;
  }

  forWorkspace(workspaceId: string): DataExportRule[] {
    return this.rules.filter((r) => r.workspaceId.toLowerCase() === workspaceId.toLowerCase());
  }

  get(workspaceId: string, name: string): DataExportRule | undefined {
    return this.forWorkspace(workspaceId).find((r) => r.name.toLowerCase() === name.toLowerCase());
  }

  put(input: Omit<DataExportRule, 'dataExportId' | 'createdDate' | 'lastModifiedDate' | 'generation'>): { rule: DataExportRule; created: boolean } {
    const now = new Date().toISOString();
    const existing = this.get(input.workspaceId, input.name);
    if (existing) {
      const restart = (input.enable && !existing.enable) || input.tableNames.join('\0') !== existing.tableNames.join('\0') || input.destinationResourceId !== existing.destinationResourceId;
      Object.assign(existing, { tableNames: input.tableNames, destinationResourceId: input.destinationResourceId, enable: input.enable, lastModifiedDate: now });
      if (restart) existing.generation++;
      this.save();
      return { rule: existing, created: false };
    }
    const rule: DataExportRule = { ...input, dataExportId: randomUUID(), createdDate: now, lastModifiedDate: now, generation: 1 };
    this.rules.push(rule);
    this.save();
    return { rule, created: true };
  }

  delete(workspaceId: string, name: string): boolean {
    const r = this.get(workspaceId, name);
    if (!r) return false;
    this.rules = this.rules.filter((x) => x !== r);
    this.save();
    return true;
  }
}
