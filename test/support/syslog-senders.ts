/**
 * Debian's rsyslog and syslog-ng as real senders: each runs as an ordinary foreground process with
 * its own configuration in a temporary folder, a plain TCP input on a free loopback port (which the
 * test writes messages to) and a TLS output to Vigil. The binaries come from the system, or from
 * .ci-debs/root where scripts/install-syslog-senders.sh unpacks them (the two packages conflict).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { missing } from './debian-clients.js';
import { freePort } from './free-port.js';

const ROOT = resolve(fileURLToPath(new URL('../../../.ci-debs/root', import.meta.url)));
const INSTALL = 'run scripts/install-syslog-senders.sh';

function firstExisting(paths: string[]): string | undefined {
  return paths.find((p) => existsSync(p));
}

function rsyslogModules(root: string): string | undefined {
  const lib = join(root, 'usr/lib');
  if (!existsSync(lib)) return undefined;
  for (const d of readdirSync(lib)) if (existsSync(join(lib, d, 'rsyslog/lmnsd_ossl.so'))) return join(lib, d, 'rsyslog');
  return undefined;
}

export interface Rsyslog {
  binary: string;
  modules: string;
}

export function findRsyslog(): Rsyslog | undefined {
  for (const root of [ROOT, '/']) {
    const binary = firstExisting([join(root, 'usr/sbin/rsyslogd')]);
    const modules = rsyslogModules(root);
    if (binary && modules) return { binary, modules };
  }
  return undefined;
}

export interface SyslogNg {
  binary: string;
  libraries: string;
  modules: string;
}

export function findSyslogNg(): SyslogNg | undefined {
  for (const root of [ROOT, '/']) {
    const binary = join(root, 'usr/sbin/syslog-ng');
    const libraries = join(root, 'usr/lib/syslog-ng');
    const modules = firstExisting([join(root, 'usr/lib/syslog-ng/3.38'), ...(existsSync(libraries) ? readdirSync(libraries).filter((d) => /^\d+\.\d+$/.test(d)).map((d) => join(libraries, d)) : [])]);
    if (existsSync(binary) && modules) return { binary, libraries, modules };
  }
  return undefined;
}

export const rsyslogMissing = () => missing("Debian's rsyslog (with rsyslog-openssl)", findRsyslog()?.binary, INSTALL);
export const syslogNgMissing = () => missing("Debian's syslog-ng (syslog-ng-core)", findSyslogNg()?.binary, INSTALL);

let instances = 0;


export interface SenderProcess {
  /** The loopback TCP port of the sender's input: newline-framed syslog lines written here are forwarded. */
  inputPort: number;
  output: () => string;
  stop(): Promise<void>;
}

async function waitForPort(port: number, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the sender exited with ${child.exitCode}:\n${output()}`);
    const ok = await new Promise<boolean>((r) => {
      const s = connect(port, '127.0.0.1', () => {
        s.destroy();
        r(true);
      });
      s.on('error', () => r(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`the sender did not open its input port in 60 s:\n${output()}`);
}

function run(command: string, args: string[], env: Record<string, string>): { child: ChildProcess; output: () => string; stop: () => Promise<void> } {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  return {
    child,
    output: () => out,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
    },
  };
}

export interface TlsFiles {
  /** CA that signed Vigil's certificate. */
  caFile: string;
  /** The sender's client certificate and key (mutual TLS). */
  certFile: string;
  keyFile: string;
}

/**
 * rsyslog: imtcp on loopback (plain) → omfwd over TLS (OpenSSL stream driver) to Vigil.
 * `format: 'rfc5424'` sends RSYSLOG_SyslogProtocol23Format octet-counted; `'rfc3164'` the
 * traditional forward format, newline-framed.
 */
export async function startRsyslog(dir: string, target: { port: number }, tls: TlsFiles, format: 'rfc5424' | 'rfc3164'): Promise<SenderProcess> {
  const r = findRsyslog()!;
  const inputPort = await freePort();
  const name = `rsyslog-${format}-${++instances}`;
  const conf = join(dir, `${name}.conf`);
  const work = join(dir, `${name}-work`);
  mkdirSync(work, { recursive: true });
  writeFileSync(
    conf,
    `global(workDirectory="${work}" maxMessageSize="64k"
  DefaultNetstreamDriverCAFile="${tls.caFile}" DefaultNetstreamDriverCertFile="${tls.certFile}" DefaultNetstreamDriverKeyFile="${tls.keyFile}")
module(load="imtcp" StreamDriver.Name="ptcp" StreamDriver.Mode="0" MaxSessions="16")
input(type="imtcp" address="127.0.0.1" port="${inputPort}")
main_queue(queue.type="LinkedList" queue.size="300000")
action(type="omfwd" target="127.0.0.1" port="${target.port}" protocol="tcp"
  StreamDriver="ossl" StreamDriverMode="1" StreamDriverAuthMode="x509/certvalid"
  ${format === 'rfc5424' ? 'template="RSYSLOG_SyslogProtocol23Format" TCP_Framing="octet-counted"' : 'template="RSYSLOG_TraditionalForwardFormat"'}
  action.resumeRetryCount="-1" action.resumeInterval="1"
  queue.type="LinkedList" queue.size="300000")
`,
  );
  const p = run(r.binary, ['-n', '-f', conf, '-i', join(dir, `${name}.pid`), '-M', r.modules], {});
  await waitForPort(inputPort, p.child, p.output);
  return { inputPort, output: p.output, stop: p.stop };
}

/**
 * syslog-ng: a network() source on loopback (plain TCP) → `syslog()` over TLS (RFC 5424, octet
 * counting, RFC 5425) or `network()` over TLS (RFC 3164, newline-framed) to Vigil.
 */
export async function startSyslogNg(dir: string, target: { port: number }, tls: TlsFiles, format: 'rfc5424' | 'rfc3164'): Promise<SenderProcess> {
  const s = findSyslogNg()!;
  const inputPort = await freePort();
  const name = `syslog-ng-${format}-${++instances}`;
  const conf = join(dir, `${name}.conf`);
  const driver = format === 'rfc5424' ? 'syslog' : 'network';
  writeFileSync(
    conf,
    `@version: 3.38
options { keep-hostname(yes); chain-hostnames(no); use-dns(no); use-fqdn(no); stats_freq(0); log-fifo-size(300000); };
source s_in { network(ip("127.0.0.1") port(${inputPort}) transport("tcp") max-connections(16) log-iw-size(10000)); };
destination d_vigil { ${driver}("127.0.0.1" port(${target.port}) transport("tls")
  tls(ca-file("${tls.caFile}") cert-file("${tls.certFile}") key-file("${tls.keyFile}") peer-verify(required-trusted))); };
log { source(s_in); destination(d_vigil); flags(flow-control); };
`,
  );
  const p = run(
    s.binary,
    ['-F', '--no-caps', '-f', conf, `--module-path=${s.modules}`, '-R', join(dir, `${name}.persist`), '-p', join(dir, `${name}.pid`), '-c', join(dir, `${name}.ctl`)],
    { LD_LIBRARY_PATH: s.libraries },
  );
  await waitForPort(inputPort, p.child, p.output);
  return { inputPort, output: p.output, stop: p.stop };
}

/** Writes newline-framed lines to a sender's input port, honouring TCP back-pressure. */
export async function writeLines(port: number, lines: Iterable<string>): Promise<void> {
  const socket = connect(port, '127.0.0.1');
  await new Promise<void>((r, j) => {
    socket.once('connect', () => r());
    socket.once('error', j);
  });
  let buffer = '';
  for (const line of lines) {
    buffer += `${line}\n`;
    if (buffer.length >= 64 * 1024) {
      if (!socket.write(buffer)) await new Promise((r) => socket.once('drain', r));
      buffer = '';
    }
  }
  await new Promise<void>((r) => socket.end(buffer, () => r()));
}
