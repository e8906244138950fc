/** Shared fixtures for the identity tests (not a test file itself). */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { PrincipalDirectory, ServicePrincipalRecord } from '../../src/identity/types.js';

export const TENANT_ID = '72f988bf-86f1-41af-91ab-2d7cd011db47';
export const APP_ID = '3f1a5e2c-4b6d-4e8f-9a0b-1c2d3e4f5a6b';
export const OBJECT_ID = '9d8c7b6a-5f4e-4d3c-8b2a-1908f7e6d5c4';
export const MONITOR = 'https://monitor.azure.com';
export const LOG_ANALYTICS = 'https://api.loganalytics.io';

export function tempDir(t: { after(fn: () => void): void }, prefix = 'vigil-id-'): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** An in-memory PrincipalDirectory; `disabled` holds object ids that are no longer active. */
export class MemoryDirectory implements PrincipalDirectory {
  readonly disabled = new Set<string>();
  constructor(readonly principals: ServicePrincipalRecord[] = []) {}
  findServicePrincipalByAppId(appId: string): ServicePrincipalRecord | undefined {
    return this.principals.find((p) => p.appId.toLowerCase() === appId.toLowerCase());
  }
  isActive(objectId: string): boolean {
    return !this.disabled.has(objectId) && this.principals.some((p) => p.objectId === objectId);
  }
}

export function servicePrincipal(hash: string, over: Partial<ServicePrincipalRecord> = {}): ServicePrincipalRecord {
  return {
    objectId: OBJECT_ID,
    appId: APP_ID,
    displayName: 'test-app',
    tenantId: TENANT_ID,
    secrets: [{ keyId: 'b4b6c2f0-0000-4000-8000-000000000001', hash, endDateTime: new Date(Date.now() + 86_400_000).toISOString() }],
    ...over,
  };
}

export const issuerFor = (base: string) => (tenantId: string) => `${base}/${tenantId}/v2.0`;
