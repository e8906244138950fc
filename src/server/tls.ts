/**
 * Local certificate authority and server certificate for Vigil's HTTPS listener.
 *
 * The Azure SDKs refuse bearer tokens over plain http, so Vigil always serves TLS. On first
 * start we create a private CA (clients trust it, e.g. with NODE_EXTRA_CA_CERTS) and a leaf
 * certificate for the local host names, signed by that CA. The leaf is re-issued on its own
 * (same CA, nothing to re-trust) when it nears expiry or when new host names are asked for.
 *
 * Layout of `<dataDir>/tls/` (directory 0700):
 *   ca.pem          CA certificate (0644: it is what users distribute)
 *   ca-key.pem      CA private key, PKCS#8 (0600)
 *   server.pem      leaf certificate (0600)
 *   server-key.pem  leaf private key, PKCS#8 (0600)
 */
import { createPrivateKey, randomBytes, webcrypto, X509Certificate as NodeX509, type KeyObject } from 'node:crypto';
import { isIP } from 'node:net';
import path from 'node:path';
import 'reflect-metadata'; // @peculiar/x509's DI container needs the Reflect metadata API before it loads
import * as x509 from '@peculiar/x509';
import { ensurePrivateDir, readIfExists, tightenMode } from '../identity/secure-files.js';
import { writeFileAtomic } from '../util/atomic-file.js';

export interface TlsMaterial {
  caPem: string;
  certPem: string;
  keyPem: string;
  caPath: string;
}

const DEFAULT_HOSTNAMES = ['localhost', '127.0.0.1', '::1'];
const DAY_MS = 24 * 60 * 60 * 1000;
const CA_VALIDITY_DAYS = 3650;
const LEAF_VALIDITY_DAYS = 365;
const LEAF_RENEW_BEFORE_DAYS = 30;
/** Back-date notBefore a little so a client whose clock runs slightly behind accepts a fresh cert. */
const BACKDATE_MS = 5 * 60 * 1000;

const EC_ALG = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const SIGNING_ALG = { name: 'ECDSA', hash: 'SHA-256' } as const;

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

/**
 * Creates or loads the local CA and server certificate under `dataDir/tls`.
 * `extraHostnames` (DNS names or IP literals) are added to the default SANs
 * (`localhost`, `127.0.0.1`, `::1`); the leaf is re-issued if it does not cover them all.
 */
export async function ensureTlsMaterial(dataDir: string, extraHostnames: readonly string[] = []): Promise<TlsMaterial> {
  const hostnames = normalizeHostnames([...DEFAULT_HOSTNAMES, ...extraHostnames]);
  const dir = path.join(dataDir, 'tls');
  await ensurePrivateDir(dir);

  const caPath = path.join(dir, 'ca.pem');
  const caKeyPath = path.join(dir, 'ca-key.pem');
  const certPath = path.join(dir, 'server.pem');
  const keyPath = path.join(dir, 'server-key.pem');

  const now = Date.now();
  let ca = await loadCa(caPath, caKeyPath, now);
  let reissueLeaf = false;
  if (!ca) {
    ca = await createCa(now);
    // Key first: a crash in between leaves a lone key, which is replaced on the next start.
    await writeFileAtomic(caKeyPath, ca.keyPem, 0o600);
    await writeFileAtomic(caPath, ca.certPem, 0o644);
    reissueLeaf = true;
  }

  let leaf = reissueLeaf ? undefined : await loadLeaf(certPath, keyPath, ca, hostnames, now);
  if (!leaf) {
    leaf = await createLeaf(ca, hostnames, now);
    await writeFileAtomic(keyPath, leaf.keyPem, 0o600);
    await writeFileAtomic(certPath, leaf.certPem, 0o600);
  }

  return { caPem: ca.certPem, certPem: leaf.certPem, keyPem: leaf.keyPem, caPath };
}

interface CaMaterial {
  certPem: string;
  keyPem: string;
  cert: NodeX509;
  key: KeyObject;
}

/**
 * Loads the CA. Returns undefined when there is none yet or it has (nearly) expired: a new one
 * is then made and must be trusted again. Throws when a CA certificate exists but its key is
 * missing or does not match: we never silently replace a CA that users may have trusted.
 * (A key without a certificate was never distributed, e.g. after a crash mid-creation, and is
 * simply replaced.)
 */
async function loadCa(caPath: string, caKeyPath: string, now: number): Promise<CaMaterial | undefined> {
  const dir = path.dirname(caPath);
  const [certPem, keyPem] = await Promise.all([readIfExists(caPath), readIfExists(caKeyPath)]);
  if (certPem === undefined) return undefined;
  let cert: NodeX509;
  try {
    cert = new NodeX509(certPem);
  } catch {
    throw new Error(`The local CA certificate ${caPath} cannot be parsed. Restore it, or delete ${dir} to create a new local CA.`);
  }
  if (Date.parse(cert.validTo) - now < LEAF_RENEW_BEFORE_DAYS * DAY_MS) return undefined;
  if (keyPem === undefined) {
    throw new Error(`The local CA key ${caKeyPath} is missing. Restore it, or delete ${dir} to create a new local CA.`);
  }
  let key: KeyObject;
  try {
    key = createPrivateKey(keyPem);
  } catch {
    throw new Error(`The local CA key ${caKeyPath} cannot be parsed. Restore it, or delete ${dir} to create a new local CA.`);
  }
  if (!cert.ca || !isP256(key) || !cert.checkPrivateKey(key)) {
    throw new Error(`The local CA in ${dir} is not a valid CA certificate and key pair. Restore it, or delete ${dir} to create a new local CA.`);
  }
  await tightenMode(caKeyPath, 0o600);
  return { certPem, keyPem, cert, key };
}

async function loadLeaf(
  certPath: string,
  keyPath: string,
  ca: CaMaterial,
  hostnames: string[],
  now: number,
): Promise<{ certPem: string; keyPem: string } | undefined> {
  const [certPem, keyPem] = await Promise.all([readIfExists(certPath), readIfExists(keyPath)]);
  if (certPem === undefined || keyPem === undefined) return undefined;
  try {
    const cert = new NodeX509(certPem);
    const key = createPrivateKey(keyPem);
    if (!cert.checkPrivateKey(key) || !cert.verify(ca.cert.publicKey) || !cert.checkIssued(ca.cert)) return undefined;
    if (Date.parse(cert.validTo) - now < LEAF_RENEW_BEFORE_DAYS * DAY_MS) return undefined;
    if (Date.parse(cert.validFrom) > now + BACKDATE_MS) return undefined;
    // DNS names must appear literally (so a wildcard entry only covers itself); IPs via checkIP,
    // which normalizes IPv6 spellings.
    const dnsSans = new Set((cert.subjectAltName ?? '').split(/,\s*/).filter((e) => e.startsWith('DNS:')).map((e) => e.slice(4).toLowerCase()));
    if (!hostnames.every((h) => (isIP(h) ? cert.checkIP(h) !== undefined : dnsSans.has(h)))) return undefined;
  } catch {
    return undefined; // unreadable leaf: just issue a new one
  }
  await tightenMode(keyPath, 0o600);
  await tightenMode(certPath, 0o600);
  return { certPem, keyPem };
}

async function createCa(now: number): Promise<CaMaterial> {
  const keys = (await webcrypto.subtle.generateKey(EC_ALG, true, ['sign', 'verify'])) as CryptoKeyPair;
  // A random suffix tells installations apart in a trust store.
  const cn = `Vigil Local CA ${randomBytes(4).toString('hex')}`;
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerial(),
    name: [{ CN: [cn] }, { O: ['Vigil'] }],
    notBefore: new Date(now - BACKDATE_MS),
    notAfter: new Date(now + CA_VALIDITY_DAYS * DAY_MS),
    signingAlgorithm: SIGNING_ALG,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true), // may sign leaves only, not sub-CAs
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  const certPem = cert.toString('pem');
  const keyPem = await exportPkcs8Pem(keys.privateKey);
  return { certPem, keyPem, cert: new NodeX509(certPem), key: createPrivateKey(keyPem) };
}

async function createLeaf(ca: CaMaterial, hostnames: string[], now: number): Promise<{ certPem: string; keyPem: string }> {
  const keys = (await webcrypto.subtle.generateKey(EC_ALG, true, ['sign', 'verify'])) as CryptoKeyPair;
  const caSigningKey = await webcrypto.subtle.importKey(
    'pkcs8',
    ca.key.export({ type: 'pkcs8', format: 'der' }),
    EC_ALG,
    false,
    ['sign'],
  );
  const caCert = new x509.X509Certificate(ca.certPem);
  const caSki = caCert.getExtension(x509.SubjectKeyIdentifierExtension);
  const notAfter = Math.min(now + LEAF_VALIDITY_DAYS * DAY_MS, Date.parse(ca.cert.validTo));
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    subject: [{ CN: [hostnames[0]!] }, { O: ['Vigil'] }],
    issuer: caCert.subjectName,
    notBefore: new Date(now - BACKDATE_MS),
    notAfter: new Date(notAfter),
    signingAlgorithm: SIGNING_ALG,
    publicKey: keys.publicKey,
    signingKey: caSigningKey,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension(hostnames.map((h) => ({ type: isIP(h) ? ('ip' as const) : ('dns' as const), value: h }))),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      ...(caSki ? [new x509.AuthorityKeyIdentifierExtension(caSki.keyId)] : []),
    ],
  });
  return { certPem: cert.toString('pem'), keyPem: await exportPkcs8Pem(keys.privateKey) };
}

const DNS_NAME = /^(?=.{1,253}$)(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;

function normalizeHostnames(names: string[]): string[] {
  const out: string[] = [];
  for (const raw of names) {
    const name = raw.trim().toLowerCase().replace(/^\[(.*)\]$/, '$1'); // accept "[::1]"
    if (!isIP(name) && !DNS_NAME.test(name)) throw new Error(`Invalid host name for the TLS certificate: ${JSON.stringify(raw)}`);
    if (!out.includes(name)) out.push(name);
  }
  return out;
}

/** A positive 128-bit serial (RFC 5280 asks for at most 20 octets, positive, unpredictable). */
function randomSerial(): string {
  const b = randomBytes(16);
  b[0] = (b[0]! & 0x7f) | 0x01;
  return b.toString('hex');
}

function isP256(key: KeyObject): boolean {
  return key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1';
}

async function exportPkcs8Pem(key: CryptoKey): Promise<string> {
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', key));
  return createPrivateKey({ key: der, format: 'der', type: 'pkcs8' }).export({ type: 'pkcs8', format: 'pem' }) as string;
}
