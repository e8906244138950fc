/** Contracts between the identity plane and the rest of Vigil. */

/** A service principal (app registration) as the token endpoint needs it. */
export interface ServicePrincipalRecord {
  objectId: string;
  appId: string;
  displayName: string;
  tenantId: string;
  /** Client secrets: argon2id hashes only (see secrets.ts), never the secret itself. */
  secrets: { keyId: string; hash: string; endDateTime: string }[];
}

/** Lookup of principals; implemented over the metadata store. */
export interface PrincipalDirectory {
  findServicePrincipalByAppId(appId: string): ServicePrincipalRecord | undefined;
  /**
   * False once the principal is deleted or disabled: its outstanding tokens stop working. With
   * `issuedAtSeconds` (a token's `iat`), also false for a user's token issued before its sessions were
   * revoked (password changed or reset).
   */
  isActive(objectId: string, issuedAtMs?: number): boolean;
}

/** The authenticated caller of a request, from a verified access token. */
export interface Principal {
  objectId: string;
  appId: string;
  tenantId: string;
  kind: 'ServicePrincipal' | 'ManagedIdentity' | 'User';
  /** All claims of the verified token. */
  claims: Record<string, unknown>;
}
