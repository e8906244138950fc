/**
 * The TLS policy of every Vigil listener, and the operator-provided certificate with live reload.
 *
 * - TLS 1.2 and 1.3 only. TLS 1.2 offers only ECDHE key exchange with AEAD ciphers (AES-GCM,
 *   ChaCha20-Poly1305); TLS 1.3 its three standard AEAD suites. No RSA key exchange, no CBC, no SHA-1 MACs.
 * - HSTS on every answer (`Strict-Transport-Security`, set in app.ts).
 * - The certificate: the self-made local CA's leaf (tls.ts) by default, or the operator's PEM files
 *   (`--tls-cert`, the leaf followed by its chain; `--tls-key`). Those files are watched: when they
 *   change and form a valid pair again, every listener switches to them with `setSecureContext` —
 *   new handshakes get the new certificate, open connections keep theirs, nothing restarts. A
 *   half-written or mismatched pair is logged and ignored until the files are consistent.
 */
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFileSync, unwatchFile, watchFile } from 'node:fs';
import type { SecureContextOptions } from 'node:tls';

export const TLS_MIN_VERSION = 'TLSv1.2' as const;
export const TLS_MAX_VERSION = 'TLSv1.3' as const;

/** TLS 1.3 suites (all AEAD), then TLS 1.2: ECDHE only, AEAD only, strongest first. */
export const TLS_CIPHERS = [
  'TLS_AES_256_GCM_SHA384',
  'TLS_CHACHA20_POLY1305_SHA256',
  'TLS_AES_128_GCM_SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305',
  'ECDHE-RSA-CHACHA20-POLY1305',
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES128-GCM-SHA256',
].join(':');

/** Key-exchange groups offered for ECDHE. */
export const TLS_ECDH_CURVES = 'X25519:P-256:P-384';

/** `Strict-Transport-Security` on every answer: one year, subdomains included. */
export const HSTS_VALUE = 'max-age=31536000; includeSubDomains';

/** The protocol and cipher part of every listener's options. */
export function tlsPolicy(): SecureContextOptions & { honorCipherOrder: boolean } {
  return {
    minVersion: TLS_MIN_VERSION,
    maxVersion: TLS_MAX_VERSION,
    ciphers: TLS_CIPHERS,
    ecdhCurve: TLS_ECDH_CURVES,
    honorCipherOrder: true,
  };
}

export interface CertificatePair {
  /** The leaf certificate followed by its chain, PEM. */
  cert: string;
  key: string;
}

/**
 * Reads an operator's certificate (with chain) and key and checks that they form a usable pair:
 * both parse, the key belongs to the first certificate, and the certificate is currently valid.
 */
export function readCertificatePair(certPath: string, keyPath: string): CertificatePair {
  const cert = readFileSync(certPath, 'utf8');
  const key = readFileSync(keyPath, 'utf8');
  let leaf: X509Certificate;
  try {
    const first = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(cert);
    leaf = new X509Certificate(first ? first[0] : cert);
  } catch {
    throw new Error(`The TLS certificate file ${certPath} does not hold a PEM certificate.`);
  }
  let privateKey;
  try {
    privateKey = createPrivateKey(key);
  } catch {
    throw new Error(`The TLS key file ${keyPath} does not hold a PEM private key (an encrypted key is not supported).`);
  }
  if (!leaf.checkPrivateKey(privateKey)) throw new Error(`The TLS key in ${keyPath} does not belong to the first certificate of ${certPath}.`);
  const now = Date.now();
  if (Date.parse(leaf.validTo) < now) throw new Error(`The TLS certificate in ${certPath} expired on ${leaf.validTo}.`);
  return { cert, key };
}

/**
 * Watches the operator's certificate and key files (by path, so an atomic rename into place is
 * seen too) and calls `apply` with each new valid pair. Polls the files' metadata every `intervalMs`.
 */
export class CertificateWatcher {
  private last: string;
  private lastError = '';

  constructor(
    private readonly certPath: string,
    private readonly keyPath: string,
    current: CertificatePair,
    private readonly apply: (pair: CertificatePair) => void,
    private readonly log: (level: 'info' | 'warn', message: string) => void,
    private readonly intervalMs = 1000,
  ) {
    this.last = current.cert + current.key;
    const onChange = () => this.check();
    watchFile(certPath, { interval: intervalMs, persistent: false }, onChange);
    watchFile(keyPath, { interval: intervalMs, persistent: false }, onChange);
  }

  check(): void {
    let pair: CertificatePair;
    try {
      pair = readCertificatePair(this.certPath, this.keyPath);
    } catch (err) {
      const message = `The TLS certificate files changed but are not usable yet; still serving the previous certificate: ${(err as Error).message}`;
      if (message !== this.lastError) this.log('warn', message);
      this.lastError = message;
      return;
    }
    this.lastError = '';
    if (pair.cert + pair.key === this.last) return;
    this.last = pair.cert + pair.key;
    this.apply(pair);
    const leaf = new X509Certificate(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(pair.cert)![0]);
    this.log('info', `TLS certificate reloaded from ${this.certPath}: subject ${leaf.subject.replace(/\n/g, ', ')}, serial ${leaf.serialNumber}, valid to ${leaf.validTo}`);
  }

  close(): void {
    unwatchFile(this.certPath);
    unwatchFile(this.keyPath);
  }
}
