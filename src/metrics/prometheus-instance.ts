/**
 * One Prometheus server behind one Azure Monitor workspace: started by Vigil on 127.0.0.1 and a free
 * port, its TSDB in the account's folder under the data folder, the remote-write receiver on, the admin
 * API off, and HTTP basic auth with a password that only this Vigil process knows (regenerated at every
 * start), so other local users cannot read or write the account's metrics around Vigil's checks.
 * Supervised: an unexpected exit restarts it after a growing pause; stop() ends it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { join } from 'node:path';
import bcrypt from 'bcryptjs';
import { writeFileAtomic } from '../util/atomic-file.js';

export type Log = (level: 'info' | 'warn' | 'error', message: string) => void;

export interface InstanceOptions {
  binary: string;
  /** The account's folder: `<data>/prometheus/<accountId>` (config, web config, pid file, `data/`). */
  dir: string;
  /** `--storage.tsdb.retention.time`, e.g. `540d`. */
  retention: string;
  /** For log lines: the account's ARM id. */
  label: string;
  log: Log;
  /** How long a start may take before it counts as failed (ms). */
  readyTimeoutMs?: number;
}

export interface Upstream {
  port: number;
  /** The `Authorization` header Prometheus requires. */
  authorization: string;
}

const USER = 'vigil';
const MAX_BACKOFF_MS = 30_000;
const STOP_GRACE_MS = 30_000;

/** A free TCP port on 127.0.0.1 (closed again at once; Prometheus binds it next). */
async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => res(port));
    });
  });
}

function probeReady(port: number, authorization: string): Promise<boolean> {
  return new Promise((res) => {
    const req = request({ host: '127.0.0.1', port, path: '/-/ready', headers: { authorization }, timeout: 2000 }, (r) => {
      r.resume();
      res(r.statusCode === 200);
    });
    req.on('error', () => res(false));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

export class PrometheusInstance {
  private child: ChildProcess | undefined;
  private upstream: Upstream | undefined;
  private stopping = false;
  private restarts = 0;
  private restartTimer: NodeJS.Timeout | undefined;
  private readonly stderrTail: string[] = [];
  private startedAt = 0;

  constructor(private readonly opts: InstanceOptions) {}

  /** Where to reach Prometheus, once it answers /-/ready; undefined while (re)starting. */
  get target(): Upstream | undefined {
    return this.upstream;
  }

  /** The last lines Prometheus wrote to stderr (for errors). */
  get lastOutput(): string {
    return this.stderrTail.join('\n');
  }

  /** Starts Prometheus and waits until it is ready; throws (and leaves nothing running) if it does not get there. */
  async start(): Promise<void> {
    this.stopping = false;
    try {
      await this.launch();
    } catch (err) {
      // A first start that failed is not supervised: the caller decides what to do.
      await this.stop();
      throw err;
    }
  }

  private async launch(): Promise<void> {
    const { dir } = this.opts;
    mkdirSync(join(dir, 'data'), { recursive: true, mode: 0o700 });
    this.killOrphan();
    const password = randomBytes(24).toString('base64url');
    const authorization = `Basic ${Buffer.from(`${USER}:${password}`).toString('base64')}`;
    // JSON is YAML: both files are written as JSON.
    writeFileAtomic(join(dir, 'web.yml'), JSON.stringify({ basic_auth_users: { [USER]: bcrypt.hashSync(password, 8) } }));
    writeFileAtomic(join(dir, 'prometheus.yml'), JSON.stringify({ global: { scrape_interval: '1m', evaluation_interval: '1m' } }));
    const port = await freePort();
    const child = spawn(
      this.opts.binary,
      [
        `--config.file=${join(dir, 'prometheus.yml')}`,
        `--web.config.file=${join(dir, 'web.yml')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        `--storage.tsdb.path=${join(dir, 'data')}`,
        `--storage.tsdb.retention.time=${this.opts.retention}`,
        '--web.enable-remote-write-receiver',
        '--query.timeout=2m',
        '--log.level=warn',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'], cwd: dir },
    );
    this.child = child;
    this.startedAt = Date.now();
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (chunk: string) => {
      for (const line of chunk.split('\n').filter(Boolean)) {
        this.stderrTail.push(line);
        if (this.stderrTail.length > 20) this.stderrTail.shift();
      }
    });
    const exited = new Promise<number | string | null>((res) => {
      child.once('exit', (code, signal) => res(code ?? signal));
      child.once('error', (err) => res(err.message));
    });
    if (child.pid) writeFileAtomic(join(dir, 'prometheus.pid'), `${child.pid}\n`);
    void exited.then((how) => this.onExit(child, how));

    const deadline = Date.now() + (this.opts.readyTimeoutMs ?? 120_000);
    for (;;) {
      if (this.child !== child || child.exitCode !== null || child.signalCode !== null) {
        const how = await exited;
        throw new Error(`Prometheus exited (${String(how)}) before it was ready: ${this.lastOutput || 'no output'}`);
      }
      if (await probeReady(port, authorization)) break;
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`Prometheus did not become ready within ${Math.round((this.opts.readyTimeoutMs ?? 120_000) / 1000)} s: ${this.lastOutput || 'no output'}`);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    this.upstream = { port, authorization };
  }

  private onExit(child: ChildProcess, how: number | string | null): void {
    if (this.child !== child) return;
    this.child = undefined;
    this.upstream = undefined;
    rmSync(join(this.opts.dir, 'prometheus.pid'), { force: true });
    if (this.stopping) return;
    // A run of a minute or more was a good one: start the pause from the beginning again.
    if (Date.now() - this.startedAt > 60_000) this.restarts = 0;
    const pause = Math.min(MAX_BACKOFF_MS, 1000 * 2 ** this.restarts++);
    this.opts.log('error', `Prometheus of ${this.opts.label} exited (${String(how)}); restarting in ${pause / 1000} s. Last output: ${this.lastOutput || 'none'}`);
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      if (this.stopping) return;
      this.launch().catch((err: Error) => this.opts.log('error', `Prometheus of ${this.opts.label} did not restart: ${err.message}`));
    }, pause);
    this.restartTimer.unref();
  }

  /**
   * A Prometheus left running by a Vigil that was killed still holds the TSDB lock: end it, but
   * only if the pid file's process is a prometheus working on this very folder.
   */
  private killOrphan(): void {
    const pidFile = join(this.opts.dir, 'prometheus.pid');
    if (!existsSync(pidFile)) return;
    const pid = Number(readFileSync(pidFile, 'utf8').trim());
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      if (Number.isInteger(pid) && pid > 1 && cmdline.includes(`--storage.tsdb.path=${join(this.opts.dir, 'data')}`)) {
        process.kill(pid, 'SIGKILL');
        this.opts.log('warn', `ended a Prometheus (pid ${pid}) left running for ${this.opts.label} by an earlier Vigil`);
      }
    } catch {
      /* gone already */
    }
    rmSync(pidFile, { force: true });
  }

  /** Ends Prometheus (SIGTERM, then SIGKILL after a grace period) and stops supervising it. */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = undefined;
    const child = this.child;
    this.upstream = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const gone = new Promise<void>((res) => child.once('exit', () => res()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
    await gone;
    clearTimeout(timer);
  }

  /** The Prometheus process id (tests use it to simulate a crash). */
  get pid(): number | undefined {
    return this.child?.pid;
  }
}
