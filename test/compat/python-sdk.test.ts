/**
 * The Azure SDK for Python, as Debian ships it (python3-azure: azure-identity 1.13, azure-mgmt-loganalytics
 * 13, azure-mgmt-monitor 5, azure-monitor-ingestion 1.0, azure-monitor-query 1.1, azure-mgmt-authorization 3),
 * against a real Vigil: workspace, table, data collection rule, upload (with longs beyond 2^53), query,
 * batch, workspace schema, role assignments and what they allow (test/compat/python/sdk_suite.py).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { missing, pythonWith } from '../support/debian-clients.js';
import { startVigil, type VigilProcess } from '../support/vigil-process.js';

const ROOT = resolve(fileURLToPath(new URL('../../..', import.meta.url)));
const MODULES = ['azure.identity', 'azure.mgmt.loganalytics', 'azure.mgmt.monitor', 'azure.mgmt.authorization', 'azure.monitor.ingestion', 'azure.monitor.query'];
const python = pythonWith(MODULES);
const skip = missing('The Azure SDK for Python', python, 'apt-get install -y python3-azure');

const STEPS = ['create workspace', 'create table', 'list tables', 'create data collection rule', 'upload', 'query', 'query exact long', 'batch', 'workspace schema', 'role assignments'];

describe('the Azure SDK for Python (Debian python3-azure)', { timeout: 300_000, skip }, () => {
  let vigil: VigilProcess;
  before(async () => {
    vigil = await startVigil();
  });
  after(async () => vigil?.dispose());

  it('creates a workspace, table and rule, uploads, queries, batches and manages role assignments', async () => {
    const result = await promisify(execFile)(python!, [join(ROOT, 'test/compat/python/sdk_suite.py'), join(vigil.dataDir, 'bootstrap.json')], {
      timeout: 240_000,
      env: { ...process.env, REQUESTS_CA_BUNDLE: vigil.bootstrap.caPath, PYTHONDONTWRITEBYTECODE: '1' },
    }).catch((e: { stdout?: string; stderr?: string; code?: number }) => ({ stdout: e.stdout ?? '', stderr: `${e.stderr ?? ''} (exit ${e.code})` }));
    const lines = result.stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { step?: string; ok?: boolean; error?: string; done?: boolean });
    const failures = lines.filter((l) => l.step && !l.ok).map((l) => `${l.step}: ${l.error}`);
    assert.deepEqual(failures, [], `${failures.join('\n')}\n${result.stderr}`);
    assert.deepEqual(lines.filter((l) => l.step).map((l) => l.step), STEPS, result.stdout + result.stderr);
    assert.ok(lines.some((l) => l.done), result.stderr);
  });
});
