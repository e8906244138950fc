/**
 * A GDPR purge whose server dies (SIGKILL) in the middle of removing the rows, through
 * `@azure/arm-operationalinsights`' workspacePurge: the request is accepted (202, operation
 * `pending`); the server kills itself right after deleting the matching hot rows from memory, before
 * their write-ahead log is rewritten (the test hook VIGIL_CRASH_AT=purge:hot-deleted). Restarted, the
 * log replays those rows — and the pending operation resumes and removes them again: it becomes
 * `completed`, and from then on no query returns a purged row, also after one more restart (log
 * replay); every other row is there exactly once.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { sdkClients } from '../support/clients.js';
import { createLogTable, type Column } from '../support/log-table.js';
import { AUD, call, Principals } from '../support/principals.js';
import { startVigil, type VigilProcess } from '../support/vigil-process.js';

const COLUMNS: Column[] = [
  { name: 'TimeGenerated', type: 'datetime' },
  { name: 'UserEmail', type: 'string' },
  { name: 'N', type: 'int' },
];
// Rows stay hot (in memory and in the log) for the whole test: the crash is between the two.
const ARGS = ['--seal-age', '3600'];

describe('purge under SIGKILL, end to end', { timeout: 600_000 }, () => {
  let vigil: VigilProcess | undefined;
  after(async () => {
    await vigil?.dispose();
  });

  const rowsOf = async (v: VigilProcess, q: string): Promise<unknown[][]> => {
    const token = await new Principals(v.bootstrap).adminToken(AUD.logs);
    const r = await call(v.bootstrap, token, 'POST', `/v1/workspaces/${v.bootstrap.workspaceId}/query`, { query: q, timespan: 'P7D' });
    assert.equal(r.status, 200, r.text);
    return r.json<{ tables: { rows: unknown[][] }[] }>().tables[0]!.rows;
  };
  const byUser = (v: VigilProcess) => rowsOf(v, 'Gdpr_CL | summarize n = count() by UserEmail | order by UserEmail asc');

  it('the pending purge resumes after the crash and completes; the replayed rows are removed and never come back', async () => {
    vigil = await startVigil({ args: ARGS, env: { VIGIL_CRASH_AT: 'purge:hot-deleted' } });
    const dataDir = vigil.dataDir;
    let b = vigil.bootstrap;
    const { logAnalytics, ingestion } = sdkClients(b);
    const ruleId = await createLogTable(b, 'Gdpr_CL', 'Gdpr', COLUMNS);
    const now = Date.now();
    const users = ['alice@example.com', 'bob@example.com', 'ALICE@example.com', 'carol@example.com', 'alice@example.com'];
    await ingestion.upload(ruleId, 'Custom-Gdpr', users.map((u, i) => ({ TimeGenerated: new Date(now - (i + 1) * 1000).toISOString(), UserEmail: u, N: i + 1 })));
    assert.deepEqual(await byUser(vigil), [['ALICE@example.com', 1], ['alice@example.com', 2], ['bob@example.com', 1], ['carol@example.com', 1]]);

    // Accepted, then the server dies in the middle of the job. (Should the crash come before the 202
    // reached the client, the operation is still stored as pending: only its status cannot be followed.)
    const exited = new Promise<NodeJS.Signals | null>((res) => vigil!.child.once('exit', (_code, signal) => res(signal)));
    const accepted = await logAnalytics.workspacePurge
      .purge(b.resourceGroup, b.workspaceName, { table: 'Gdpr_CL', filters: [{ column: 'UserEmail', operator: '=~', value: 'alice@example.com' }] })
      .then((r) => r.operationId, () => undefined);
    assert.equal(vigil.child.signalCode ?? (await exited), 'SIGKILL', `the server killed itself in the purge:\n${vigil.output().slice(-2000)}`);

    vigil = await startVigil({ dataDir, args: ARGS });
    b = vigil.bootstrap;
    const purge = sdkClients(b).logAnalytics.workspacePurge;
    const deadline = Date.now() + 120_000;
    for (;;) {
      // The operation's status when it could be followed; its effect in any case.
      const status = accepted ? (await purge.getPurgeStatus(b.resourceGroup, b.workspaceName, accepted)).status : undefined;
      const left = await byUser(vigil);
      if ((status === undefined || status === 'completed') && left.length === 2) {
        if (status === 'completed') assert.deepEqual(left, [['bob@example.com', 1], ['carol@example.com', 1]], 'once completed, no purged row is returned');
        break;
      }
      assert.notEqual(status, 'completed', `completed, but rows are left: ${JSON.stringify(left)}`);
      if (Date.now() > deadline) throw new Error(`the purge did not complete after the restart (status ${status}, rows ${JSON.stringify(left)}):\n${vigil.output().slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 250));
    }
    assert.deepEqual(await byUser(vigil), [['bob@example.com', 1], ['carol@example.com', 1]]);
    assert.deepEqual(await rowsOf(vigil, 'search "alice"'), []);

    // Once more: a clean restart replays the rewritten log — the purged rows stay gone.
    await vigil.stop();
    vigil = await startVigil({ dataDir, args: ARGS });
    assert.deepEqual(await byUser(vigil), [['bob@example.com', 1], ['carol@example.com', 1]]);
    if (accepted) assert.equal((await sdkClients(vigil.bootstrap).logAnalytics.workspacePurge.getPurgeStatus(vigil.bootstrap.resourceGroup, vigil.bootstrap.workspaceName, accepted)).status, 'completed');
  });
});
