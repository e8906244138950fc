/**
 * Refresh tokens for the portal (issue 18; OAuth 2.0 §6 with the rotation and reuse detection of the
 * OAuth 2.0 Security BCP, RFC 9700 §4.14.2), in memory like the sign-in sessions they hang from:
 *
 *  - a refresh token is 256 random bits; only its SHA-256 is kept;
 *  - each use rotates it: the answer carries a new refresh token and the used one is spent;
 *  - the tokens that descend from one authorization code form a family; presenting a spent token
 *    again (a copy was stolen and used by one side) revokes the whole family, so neither the thief's
 *    nor the user's copy works any more (the portal then gets a new code from the sign-in session);
 *  - a family lives only as long as the sign-in session whose code started it: it expires with it
 *    (8 h at most) and ends with it — sign-out, the user disabled or deleted, a password change or an
 *    admin's reset (they all end the user's sessions) — because every use checks that the session is
 *    still live;
 *  - bounded: at most MAX_FAMILIES families (the oldest goes first), MAX_FAMILIES_PER_USER per user (a
 *    signed-in user could otherwise fill the store by redeeming code after code; its oldest goes first)
 *    and MAX_ROTATIONS uses per family.
 */
import { createHash, randomBytes } from 'node:crypto';

const sha256Base64Url = (s: string) => createHash('sha256').update(s).digest('base64url');

export const MAX_FAMILIES = 10_000;
/** A user's browsers and tabs signed in at once. */
export const MAX_FAMILIES_PER_USER = 20;
/** Uses per family: one per access token lifetime (≥ 5 min) within an 8 h session is at most 96. */
export const MAX_ROTATIONS = 200;
/** Longer values are not ours (ours are 43 characters); refused before hashing. */
const MAX_TOKEN_LENGTH = 100;

export interface RefreshGrant {
  userId: string;
  clientId: string;
  resource: string;
  /** The SessionStore key of the sign-in session the family hangs from. */
  sessionKey: string;
}

interface Family extends RefreshGrant {
  id: string;
  /** The hash of the one token of the family that may be used now. */
  current: string;
  /** Hashes of the family's spent tokens (reuse detection). */
  spent: Set<string>;
  rotations: number;
}

export type RefreshOutcome =
  | { ok: true; grant: RefreshGrant; refreshToken: string }
  | { ok: false; reason: 'unknown' | 'reused' | 'client' | 'session' | 'exhausted' | 'resource' };

export class RefreshTokens {
  private readonly families = new Map<string, Family>();
  /** Token hash (current or spent) → family id. */
  private readonly byToken = new Map<string, string>();

  /** `sessionLive(key, userId)`: whether the sign-in session is still live and the user's (SessionStore.byKey). */
  constructor(private readonly sessionLive: (sessionKey: string, userId: string) => boolean) {}

  /** Starts a family (an authorization code was redeemed) and returns its first refresh token. */
  start(grant: RefreshGrant): string {
    const mine = [...this.families.values()].filter((f) => f.userId.toLowerCase() === grant.userId.toLowerCase());
    if (mine.length >= MAX_FAMILIES_PER_USER) this.drop(mine[0]!.id);
    if (this.families.size >= MAX_FAMILIES) {
      // Families of ended sessions go first, then the oldest.
      for (const f of [...this.families.values()]) if (!this.sessionLive(f.sessionKey, f.userId)) this.drop(f.id);
      if (this.families.size >= MAX_FAMILIES) this.drop(this.families.keys().next().value!);
    }
    const token = randomBytes(32).toString('base64url');
    const family: Family = { ...grant, id: randomBytes(16).toString('base64url'), current: sha256Base64Url(token), spent: new Set(), rotations: 0 };
    this.families.set(family.id, family);
    this.byToken.set(family.current, family.id);
    return token;
  }

  /**
   * Uses a refresh token: on success it is spent and the answer carries its successor. A spent token
   * revokes its family; a token of an ended session is refused (and its family dropped).
   * `sameResource`: whether the resource asked for (if any) is the family's.
   */
  use(token: string, clientId: string, sameResource: (resource: string) => boolean = () => true): RefreshOutcome {
    if (token.length > MAX_TOKEN_LENGTH) return { ok: false, reason: 'unknown' };
    const hash = sha256Base64Url(token);
    const id = this.byToken.get(hash);
    const family = id === undefined ? undefined : this.families.get(id);
    if (!family) return { ok: false, reason: 'unknown' };
    if (family.spent.has(hash)) {
      this.drop(family.id);
      return { ok: false, reason: 'reused' };
    }
    if (!this.sessionLive(family.sessionKey, family.userId)) {
      this.drop(family.id);
      return { ok: false, reason: 'session' };
    }
    // Another client presenting the token: it leaked; the family is no longer trustworthy.
    if (family.clientId.toLowerCase() !== clientId.toLowerCase()) {
      this.drop(family.id);
      return { ok: false, reason: 'client' };
    }
    // A refresh token is for the resource of its authorization request only (refused, not spent).
    if (!sameResource(family.resource)) return { ok: false, reason: 'resource' };
    if (family.rotations >= MAX_ROTATIONS) {
      this.drop(family.id);
      return { ok: false, reason: 'exhausted' };
    }
    const next = randomBytes(32).toString('base64url');
    family.spent.add(hash);
    family.current = sha256Base64Url(next);
    family.rotations++;
    this.byToken.set(family.current, family.id);
    const { userId, clientId: c, resource, sessionKey } = family;
    return { ok: true, grant: { userId, clientId: c, resource, sessionKey }, refreshToken: next };
  }

  /** Families currently kept (tests). */
  get size(): number {
    return this.families.size;
  }

  private drop(id: string): void {
    const f = this.families.get(id);
    if (!f) return;
    this.families.delete(id);
    this.byToken.delete(f.current);
    for (const h of f.spent) this.byToken.delete(h);
  }
}
