/**
 * The Prometheus servers of Vigil's Azure Monitor workspaces, one per account, each under
 * `<data>/prometheus/<accountId>/`: started when an account is created and for every account when Vigil
 * starts, stopped when Vigil stops, stopped and its folder deleted when the account is deleted.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { ApiError } from '../errors/api-error.js';
import { findPrometheusBinary, INSTALL_HINT, type BinaryLookup } from './prometheus-binary.js';
import { PrometheusInstance, type Log, type Upstream } from './prometheus-instance.js';

export interface SupervisorOptions {
  dataDir: string;
  /** `--prometheus-binary`; default: `prometheus` on PATH. */
  binary?: string;
  /** `--prometheus-retention` (Prometheus duration; default 540d, about Azure's 18 months). */
  retention?: string;
  log: Log;
  readyTimeoutMs?: number;
}

export const DEFAULT_PROMETHEUS_RETENTION = '540d';

export class PrometheusSupervisor {
  readonly binary: BinaryLookup;
  private readonly instances = new Map<string, PrometheusInstance>();
  private readonly starting = new Map<string, Promise<void>>();
  private closed = false;

  constructor(private readonly opts: SupervisorOptions) {
    this.binary = findPrometheusBinary(opts.binary);
  }

  /** The account's folder. */
  dirOf(accountId: string): string {
    return join(this.opts.dataDir, 'prometheus', accountId.toLowerCase());
  }

  /** Throws the error an account operation answers when there is no Prometheus to run. */
  requireBinary(): void {
    if (this.binary.found) return;
    throw new ApiError(
      409,
      'PrometheusNotInstalled',
      `Azure Monitor workspaces (Managed Prometheus) need a Prometheus server on the machine that runs Vigil, and there is none. ${this.binary.reason} ${INSTALL_HINT}`,
    );
  }

  /** Starts the account's Prometheus (if not running) and waits until it is ready. */
  async ensure(accountId: string, label: string): Promise<void> {
    this.requireBinary();
    if (this.closed) throw new ApiError(503, 'ServiceUnavailable', 'Vigil is stopping.');
    const key = accountId.toLowerCase();
    const pending = this.starting.get(key);
    if (pending) return pending;
    if (this.instances.has(key)) return;
    const instance = new PrometheusInstance({
      binary: (this.binary as { path: string }).path,
      dir: this.dirOf(key),
      retention: this.opts.retention ?? DEFAULT_PROMETHEUS_RETENTION,
      label,
      log: this.opts.log,
      readyTimeoutMs: this.opts.readyTimeoutMs,
    });
    const start = instance.start().then(
      () => {
        this.instances.set(key, instance);
      },
      (err: Error) => {
        throw new ApiError(500, 'PrometheusStartFailed', `The Prometheus server of ${label} did not start: ${err.message}`);
      },
    );
    this.starting.set(key, start);
    try {
      await start;
    } finally {
      this.starting.delete(key);
    }
  }

  /** Where the account's Prometheus answers, or a 503 (with Retry-After) while it is (re)starting. */
  upstream(accountId: string, label: string): Upstream {
    const key = accountId.toLowerCase();
    const target = this.instances.get(key)?.target;
    if (target) return target;
    this.requireBinary();
    // Its start failed (at Vigil's start, say): try again now, in the background.
    if (!this.instances.has(key) && !this.starting.has(key) && !this.closed) {
      this.ensure(accountId, label).catch((err: Error) => this.opts.log('error', err.message));
    }
    throw new ApiError(503, 'ServiceUnavailable', 'The metrics store of this Azure Monitor workspace is starting; retry shortly.', {}, { 'retry-after': '5' });
  }

  /** The account's running instance (tests and the delete path). */
  instance(accountId: string): PrometheusInstance | undefined {
    return this.instances.get(accountId.toLowerCase());
  }

  /** Stops the account's Prometheus and deletes its data (the account was deleted). */
  async remove(accountId: string): Promise<void> {
    const key = accountId.toLowerCase();
    await this.starting.get(key)?.catch(() => undefined);
    const instance = this.instances.get(key);
    this.instances.delete(key);
    await instance?.stop();
    rmSync(this.dirOf(key), { recursive: true, force: true });
  }

  /** Starts every existing account's Prometheus in the background (Vigil's start). */
  startAll(accounts: { accountId: string; label: string }[]): void {
    if (!this.binary.found) {
      if (accounts.length) this.opts.log('error', `${accounts.length} Azure Monitor workspace(s) cannot serve metrics: ${this.binary.reason} ${INSTALL_HINT}`);
      return;
    }
    for (const a of accounts) {
      this.ensure(a.accountId, a.label).catch((err: Error) => this.opts.log('error', err.message));
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.starting.values()].map((p) => p.catch(() => undefined)));
    await Promise.all([...this.instances.values()].map((i) => i.stop()));
    this.instances.clear();
  }
}
