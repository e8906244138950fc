/**
 * Mutual TLS (issue 16): a listener declared with a client CA (`--client-ca FILE` for the public
 * listener, `,client-ca=FILE` on a `--private-listener`) asks every client for a certificate and
 * completes the handshake only with one issued by that CA. On the data planes (ingestion and query)
 * such a certificate also signs the client in: its subject CN is the client id (appId) of a
 * service principal, and a request that carries no bearer token acts as that principal — with its
 * role assignments, exactly as if it had presented one of its tokens. A bearer token, when present,
 * takes precedence. The control plane and the token endpoint ignore the certificate.
 */
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { Caller } from '../authz/authorize.js';
import { ApiError } from '../errors/api-error.js';
import type { MetadataStore } from '../metadata/metadata-store.js';

/** The subject CN of a verified client certificate on this request's connection, if any. */
export function verifiedClientCertificateCn(req: IncomingMessage): string | undefined {
  return verifiedSocketCertificateCn(req.socket as Partial<TLSSocket>);
}

/** The subject CN of the verified client certificate of a TLS connection (also the syslog listeners'), if any. */
export function verifiedSocketCertificateCn(socket: Partial<TLSSocket>): string | undefined {
  if (!socket.authorized || typeof socket.getPeerX509Certificate !== 'function') return undefined;
  const cert = socket.getPeerX509Certificate();
  if (!cert) return undefined;
  const cn = cert.subject.split('\n').find((line) => line.startsWith('CN='));
  return cn?.slice(3).trim();
}

/** The principal a verified client certificate maps to; undefined when the connection has none. */
export function clientCertificateCaller(req: IncomingMessage, metadata: MetadataStore): Caller | undefined {
  const cn = verifiedClientCertificateCn(req);
  if (cn === undefined) return undefined;
  const sp = certificatePrincipal(cn, metadata);
  if (!sp) {
    throw new ApiError(
      401,
      'InvalidAuthenticationToken',
      `The client certificate's subject CN '${cn.slice(0, 64)}' is not the client id of a service principal of this Vigil. Issue the certificate with CN=<appId>, or send a bearer token.`,
    );
  }
  return sp;
}

/** The service principal a certificate CN names (its client id), or undefined. */
export function certificatePrincipal(cn: string, metadata: MetadataStore): Caller | undefined {
  const sp = metadata.servicePrincipalByAppId(cn);
  return sp ? { objectId: sp.objectId, appId: sp.appId, tenantId: sp.tenantId } : undefined;
}
