/**
 * TOTP re-enrolment (issue 18), a Vigil extension beside Graph's users:
 *
 *   POST /v1.0/me/authentication/vigilTotp/renew           {currentPassword, vigilTotpCode} → 200 {secret, uri}
 *        a user's own: the current password and a code of the current authenticator (a lost phone: ask
 *        an admin instead)
 *   POST /v1.0/users/{id | userPrincipalName}/authentication/vigilTotp/reset   → 200 {secret, uri}
 *        an admin's (Microsoft.Authorization/roleAssignments/write on a subscription, as for managing
 *        users; `vigil user reset-totp`)
 *
 * Either way a new secret replaces the old one at once (the old one's codes stop working), the new one
 * is answered this once (`no-store`), and — as for a password change — every sign-in session and
 * refresh token of the user ends and the access tokens issued before stop working.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Caller } from '../authz/authorize.js';
import type { FailureThrottle } from '../identity/routes.js';
import type { TotpSecretSeal } from '../identity/totp-secrets.js';
import { signInSessionsValidFromNow } from '../identity/user-accounts.js';
import { MAX_PASSWORD_LENGTH, newTotpSecret, totpUri, verifyPassword, type TotpVerifier } from '../identity/user-credentials.js';
import type { MetadataStore } from '../metadata/metadata-store.js';
import type { UserRecord } from '../metadata/records.js';
import { denied, graphError, notFound, parse } from './routes.js';

export interface TotpEnrolmentDeps {
  metadata: MetadataStore;
  /** The Graph caller of a request (directory-routes.ts: Graph audience, this tenant). */
  authenticate: (req: FastifyRequest) => Promise<Caller>;
  mayManage: (caller: Caller) => boolean;
  findUser: (ref: string) => UserRecord | undefined;
  endSessionsOf: (userId: string) => void;
  totpSecrets: TotpSecretSeal;
  totpCodes: TotpVerifier;
  /** Wrong passwords or codes per user: shared with the password change, so the two give no extra guesses. */
  failures: FailureThrottle;
}

const Renew = z.object({ currentPassword: z.string().max(MAX_PASSWORD_LENGTH), vigilTotpCode: z.string().max(16) }).strict();

export function registerTotpEnrolmentRoutes(app: FastifyInstance, deps: TotpEnrolmentDeps): void {
  const { metadata } = deps;

  /** Stores a new secret for the user and ends its sessions and earlier tokens; answers the secret once. */
  const replaceSecret = (reply: FastifyReply, u: UserRecord) => {
    const secret = newTotpSecret();
    metadata.mutate((state) => {
      const target = (state.users ?? []).find((x) => x.objectId === u.objectId);
      if (!target) throw notFound(u.objectId);
      target.totpSecret = deps.totpSecrets.seal(u.objectId, secret);
      target.signInSessionsValidFrom = signInSessionsValidFromNow();
    });
    deps.endSessionsOf(u.objectId);
    void reply.header('cache-control', 'no-store').header('pragma', 'no-cache');
    return { secret, uri: totpUri(secret, u.userPrincipalName) };
  };

  app.post('/v1.0/me/authentication/vigilTotp/renew', async (req, reply) => {
    const caller = await deps.authenticate(req);
    const u = metadata.userByObjectId(caller.objectId);
    if (!u) throw graphError(400, 'Request_BadRequest', 'Only a user has an authenticator to renew.');
    const body = parse(Renew, req.body);
    const key = u.objectId.toLowerCase();
    const retryAfter = deps.failures.retryAfterSeconds(key);
    if (retryAfter !== undefined) {
      void reply.header('retry-after', String(retryAfter));
      throw graphError(429, 'TooManyRequests', 'Too many wrong passwords or authenticator codes: try again later.');
    }
    deps.failures.recordFailure(key);
    // The code is checked only after the password, so it cannot be probed without it.
    const ok = (await verifyPassword(body.currentPassword, u.passwordHash)) && deps.totpCodes.check(u, body.vigilTotpCode.trim());
    if (!ok) {
      req.log.info({ userId: u.objectId }, 'authenticator renewal refused: wrong current password or authenticator code');
      throw graphError(400, 'Request_BadRequest', 'The current password or the authenticator code is wrong.');
    }
    deps.failures.forgive(key);
    const answer = replaceSecret(reply, u);
    req.log.info({ userId: u.objectId }, 'authenticator renewed by the user');
    return answer;
  });

  app.post<{ Params: { ref: string } }>('/v1.0/users/:ref/authentication/vigilTotp/reset', async (req, reply) => {
    const caller = await deps.authenticate(req);
    if (!deps.mayManage(caller)) throw denied();
    const u = deps.findUser(req.params.ref);
    if (!u) throw notFound(req.params.ref);
    const answer = replaceSecret(reply, u);
    req.log.info({ userId: u.objectId, by: caller.objectId }, 'authenticator reset by an admin');
    return answer;
  });
}
