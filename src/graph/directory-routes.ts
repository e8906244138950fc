/**
 * Users and groups in the Graph-shaped API (issue 18), beside service principals (routes.ts):
 *
 *   POST   /v1.0/users                       {displayName, userPrincipalName, passwordProfile:{password}, accountEnabled?}
 *                                            → 201 the user, plus `vigilTotp: {secret, uri}` shown this once
 *   GET    /v1.0/users                       → {value:[…]}
 *   GET    /v1.0/users/{id | userPrincipalName}
 *   GET    /v1.0/me                          the signed-in user (or service principal) itself
 *   DELETE /v1.0/users/{id}                  → 204; the user's tokens and sign-in sessions stop working
 *   PATCH  /v1.0/users/{id}                  {accountEnabled?, displayName?, passwordProfile?:{password}} → 204 (an admin's
 *                                            disable or password reset: the user's sign-in sessions end, and its tokens stop
 *                                            working — at once when disabled, those issued before a reset)
 *   POST   /v1.0/me/changePassword           {currentPassword, newPassword, vigilTotpCode} → 204 (a user's own change: the
 *                                            current password and an authenticator code; every session and token ends)
 *   POST   /v1.0/me/authentication/vigilTotp/renew, /v1.0/users/{id}/authentication/vigilTotp/reset
 *                                            a new authenticator secret (totp-enrolment-routes.ts)
 *   POST   /v1.0/groups                      {displayName} → 201
 *   GET    /v1.0/groups, /v1.0/groups/{id}, /v1.0/groups/{id}/members
 *   POST   /v1.0/groups/{id}/members/$ref    {"@odata.id": "…/directoryObjects/{memberId}"} → 204
 *   DELETE /v1.0/groups/{id}/members/{memberId}/$ref → 204
 *   DELETE /v1.0/groups/{id}                 → 204 (and its role assignments)
 *
 * Rights as for service principals: managing needs `Microsoft.Authorization/roleAssignments/write` on a
 * subscription, reading `…/roleAssignments/read`; anybody may read itself.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { isAllowed, type Caller } from '../authz/authorize.js';
import { AUDIENCES } from '../identity/audiences.js';
import type { Authenticate } from '../identity/authenticate.js';
import { FailureThrottle } from '../identity/routes.js';
import { signInSessionsValidFromNow } from '../identity/user-accounts.js';
import { checkPasswordPolicy, hashPassword, MAX_PASSWORD_LENGTH, newTotpSecret, totpUri, verifyPassword, type TotpVerifier } from '../identity/user-credentials.js';
import type { MetadataStore } from '../metadata/metadata-store.js';
import type { GroupRecord, UserRecord } from '../metadata/records.js';
import { denied, graphError, notFound, parse } from './routes.js';
import { registerTotpEnrolmentRoutes } from './totp-enrolment-routes.js';
import type { TotpSecretSeal } from '../identity/totp-secrets.js';

export interface DirectoryRouteDeps {
  metadata: MetadataStore;
  authenticate: Authenticate;
  /** Signs a deleted user out of the portal. */
  endSessionsOf: (userId: string) => void;
  /** Seals users' TOTP secrets before they are stored (src/identity/totp-secrets.ts). */
  totpSecrets: TotpSecretSeal;
  /** Checks authenticator codes for a password change; shared with sign-in, so a code serves once. */
  totpCodes: TotpVerifier;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** user@domain: printable, no spaces, one @. */
const UPN = /^[A-Za-z0-9._%+'-]{1,64}@[A-Za-z0-9.-]{1,190}$/;
const MAX_GROUP_MEMBERS = 10_000;

const CreateUser = z.object({
  displayName: z.string().trim().min(1, 'displayName is required').max(256),
  userPrincipalName: z.string().trim().regex(UPN, "userPrincipalName must look like 'alias@domain'"),
  accountEnabled: z.boolean().optional(),
  passwordProfile: z.object({ password: z.string(), forceChangePasswordNextSignIn: z.boolean().optional() }).catchall(z.unknown()),
  mailNickname: z.string().optional(),
});

const CreateGroup = z
  .object({
    displayName: z.string().trim().min(1, 'displayName is required').max(256),
    securityEnabled: z.boolean().optional(),
    mailEnabled: z.boolean().optional(),
    mailNickname: z.string().optional(),
  })
  .catchall(z.unknown());

const AddMember = z.object({ '@odata.id': z.string().max(512) });

const UpdateUser = z
  .object({
    displayName: z.string().trim().min(1, 'displayName may not be empty').max(256).optional(),
    accountEnabled: z.boolean().optional(),
    passwordProfile: z.object({ password: z.string(), forceChangePasswordNextSignIn: z.boolean().optional() }).catchall(z.unknown()).optional(),
  })
  .strict();

const ChangePassword = z.object({
  currentPassword: z.string().max(MAX_PASSWORD_LENGTH),
  newPassword: z.string(),
  vigilTotpCode: z.string().max(16),
});

/** Wrong current passwords or codes per user before password changes are refused for the rest of the window. */
const CHANGE_PASSWORD_FAILURES = { max: 5, windowMs: 5 * 60_000 };

export async function directoryRoutes(app: FastifyInstance, deps: DirectoryRouteDeps): Promise<void> {
  const { metadata } = deps;
  const subscriptionScopes = () => metadata.subscriptions().map((s) => `/subscriptions/${s.subscriptionId}`);
  const mayManage = (c: Caller) => subscriptionScopes().some((s) => isAllowed(metadata, c, 'Microsoft.Authorization/roleAssignments/write', s));
  const mayRead = (c: Caller) => subscriptionScopes().some((s) => isAllowed(metadata, c, 'Microsoft.Authorization/roleAssignments/read', s));
  const authenticate = async (req: FastifyRequest) => {
    const caller = await deps.authenticate(req.headers.authorization, AUDIENCES.graph);
    if (caller.tenantId.toLowerCase() !== metadata.tenantId.toLowerCase()) throw denied();
    return caller;
  };
  const context = (suffix: string) => `https://graph.microsoft.com/v1.0/$metadata#${suffix}`;
  const userShape = (u: UserRecord) => ({
    '@odata.type': '#microsoft.graph.user',
    id: u.objectId,
    userPrincipalName: u.userPrincipalName,
    displayName: u.displayName,
    accountEnabled: u.accountEnabled,
    createdDateTime: u.createdAt,
  });
  const groupShape = (g: GroupRecord) => ({
    '@odata.type': '#microsoft.graph.group',
    id: g.objectId,
    displayName: g.displayName,
    securityEnabled: true,
    mailEnabled: false,
    createdDateTime: g.createdAt,
  });
  const findUser = (ref: string) => (GUID.test(ref) ? metadata.userByObjectId(ref) : metadata.userByPrincipalName(ref));
  const findGroup = (ref: string) => (GUID.test(ref) ? metadata.groupByObjectId(ref) : undefined);
  const isSelf = (c: Caller, id: string) => c.objectId.toLowerCase() === id.toLowerCase();

  app.post('/v1.0/users', async (req, reply) => {
    const caller = await authenticate(req);
    if (!mayManage(caller)) throw denied();
    const body = parse(CreateUser, req.body);
    const weak = checkPasswordPolicy(body.passwordProfile.password);
    if (weak) throw graphError(400, 'Request_BadRequest', `Invalid value for 'passwordProfile.password': ${weak}.`);
    if (metadata.userByPrincipalName(body.userPrincipalName)) {
      throw graphError(400, 'Request_BadRequest', `Another object with the same value for property userPrincipalName already exists: '${body.userPrincipalName}'.`);
    }
    const totpSecret = newTotpSecret();
    const objectId = randomUUID();
    const user: UserRecord = {
      objectId,
      userPrincipalName: body.userPrincipalName,
      displayName: body.displayName,
      passwordHash: await hashPassword(body.passwordProfile.password),
      totpSecret: deps.totpSecrets.seal(objectId, totpSecret),
      accountEnabled: body.accountEnabled ?? true,
      createdAt: new Date().toISOString(),
    };
    metadata.mutate((state) => {
      if ((state.users ??= []).some((u) => u.userPrincipalName.toLowerCase() === user.userPrincipalName.toLowerCase())) {
        throw graphError(400, 'Request_BadRequest', `Another object with the same value for property userPrincipalName already exists: '${user.userPrincipalName}'.`);
      }
      state.users.push(user);
    });
    void reply.header('cache-control', 'no-store');
    return reply
      .code(201)
      .header('location', `/v1.0/users/${user.objectId}`)
      .send({ '@odata.context': context('users/$entity'), ...userShape(user), vigilTotp: { secret: totpSecret, uri: totpUri(totpSecret, user.userPrincipalName) } });
  });

  app.get('/v1.0/users', async (req) => {
    const caller = await authenticate(req);
    const all = metadata.users();
    const visible = mayRead(caller) ? all : all.filter((u) => isSelf(caller, u.objectId));
    return { '@odata.context': context('users'), value: visible.map(userShape) };
  });

  app.get<{ Params: { ref: string } }>('/v1.0/users/:ref', async (req) => {
    const caller = await authenticate(req);
    const u = findUser(req.params.ref);
    if (!(u && isSelf(caller, u.objectId)) && !mayRead(caller)) throw denied();
    if (!u) throw notFound(req.params.ref);
    return { '@odata.context': context('users/$entity'), ...userShape(u) };
  });

  app.get('/v1.0/me', async (req) => {
    const caller = await authenticate(req);
    const u = metadata.userByObjectId(caller.objectId);
    if (u) return { '@odata.context': context('users/$entity'), ...userShape(u) };
    const sp = metadata.servicePrincipalByObjectId(caller.objectId);
    return { '@odata.type': '#microsoft.graph.servicePrincipal', id: caller.objectId, appId: caller.appId, displayName: sp?.displayName ?? caller.appId };
  });

  app.delete<{ Params: { id: string } }>('/v1.0/users/:id', async (req, reply) => {
    const caller = await authenticate(req);
    if (!mayManage(caller)) throw denied();
    const u = findUser(req.params.id);
    if (!u) throw notFound(req.params.id);
    metadata.mutate((state) => {
      state.users = (state.users ?? []).filter((x) => x.objectId !== u.objectId);
      state.roleAssignments = state.roleAssignments.filter((a) => a.principalId.toLowerCase() !== u.objectId.toLowerCase());
      for (const g of state.groups ?? []) g.members = g.members.filter((m) => m.toLowerCase() !== u.objectId.toLowerCase());
    });
    deps.endSessionsOf(u.objectId);
    return reply.code(204).send();
  });

  app.patch<{ Params: { id: string } }>('/v1.0/users/:id', async (req, reply) => {
    const caller = await authenticate(req);
    if (!mayManage(caller)) throw denied();
    const u = findUser(req.params.id);
    if (!u) throw notFound(req.params.id);
    const body = parse(UpdateUser, req.body);
    const password = body.passwordProfile?.password;
    if (password !== undefined) {
      const weak = checkPasswordPolicy(password);
      if (weak) throw graphError(400, 'Request_BadRequest', `Invalid value for 'passwordProfile.password': ${weak}.`);
    }
    const passwordHash = password === undefined ? undefined : await hashPassword(password);
    metadata.mutate((state) => {
      const target = (state.users ?? []).find((x) => x.objectId === u.objectId);
      if (!target) throw notFound(req.params.id);
      if (body.displayName !== undefined) target.displayName = body.displayName;
      if (body.accountEnabled !== undefined) target.accountEnabled = body.accountEnabled;
      if (passwordHash) {
        target.passwordHash = passwordHash;
        target.signInSessionsValidFrom = signInSessionsValidFromNow();
      }
    });
    if (body.accountEnabled === false || passwordHash) deps.endSessionsOf(u.objectId);
    req.log.info({ userId: u.objectId, by: caller.objectId, accountEnabled: body.accountEnabled, passwordReset: !!passwordHash }, 'user updated');
    return reply.code(204).send();
  });

  const changeFailures = new FailureThrottle(CHANGE_PASSWORD_FAILURES.max, CHANGE_PASSWORD_FAILURES.windowMs);
  app.post('/v1.0/me/changePassword', async (req, reply) => {
    const caller = await authenticate(req);
    const u = metadata.userByObjectId(caller.objectId);
    if (!u) throw graphError(400, 'Request_BadRequest', 'Only a user has a password to change.');
    const body = parse(ChangePassword, req.body);
    const key = u.objectId.toLowerCase();
    const retryAfter = changeFailures.retryAfterSeconds(key);
    if (retryAfter !== undefined) {
      void reply.header('retry-after', String(retryAfter));
      throw graphError(429, 'TooManyRequests', 'Too many wrong passwords or authenticator codes: try again later.');
    }
    const weak = checkPasswordPolicy(body.newPassword);
    if (weak) throw graphError(400, 'Request_BadRequest', `Invalid value for 'newPassword': ${weak}.`);
    if (body.newPassword === body.currentPassword) throw graphError(400, 'Request_BadRequest', 'The new password must differ from the current one.');
    changeFailures.recordFailure(key);
    // The code is checked only after the password, so it cannot be probed without it.
    const ok = (await verifyPassword(body.currentPassword, u.passwordHash)) && deps.totpCodes.check(u, body.vigilTotpCode.trim());
    if (!ok) {
      req.log.info({ userId: u.objectId }, 'password change refused: wrong current password or authenticator code');
      throw graphError(400, 'Request_BadRequest', 'The current password or the authenticator code is wrong.');
    }
    changeFailures.forgive(key);
    const passwordHash = await hashPassword(body.newPassword);
    metadata.mutate((state) => {
      const target = (state.users ?? []).find((x) => x.objectId === u.objectId);
      if (!target) throw notFound(u.objectId);
      target.passwordHash = passwordHash;
      target.signInSessionsValidFrom = signInSessionsValidFromNow();
    });
    deps.endSessionsOf(u.objectId);
    req.log.info({ userId: u.objectId }, 'password changed');
    return reply.code(204).send();
  });

  // TOTP re-enrolment: the user's own (password + current code) and an admin's reset.
  registerTotpEnrolmentRoutes(app, { metadata, authenticate, mayManage, findUser, endSessionsOf: deps.endSessionsOf, totpSecrets: deps.totpSecrets, totpCodes: deps.totpCodes, failures: changeFailures });

  app.post('/v1.0/groups', async (req, reply) => {
    const caller = await authenticate(req);
    if (!mayManage(caller)) throw denied();
    const body = parse(CreateGroup, req.body);
    if (body.securityEnabled === false) throw graphError(400, 'Request_BadRequest', 'Vigil has security groups only: securityEnabled must be true.');
    const g: GroupRecord = { objectId: randomUUID(), displayName: body.displayName, members: [], createdAt: new Date().toISOString() };
    metadata.mutate((state) => {
      (state.groups ??= []).push(g);
    });
    return reply.code(201).header('location', `/v1.0/groups/${g.objectId}`).send({ '@odata.context': context('groups/$entity'), ...groupShape(g) });
  });

  app.get('/v1.0/groups', async (req) => {
    const caller = await authenticate(req);
    const all = metadata.groups();
    const visible = mayRead(caller) ? all : all.filter((g) => g.members.some((m) => isSelf(caller, m)));
    return { '@odata.context': context('groups'), value: visible.map(groupShape) };
  });

  app.get<{ Params: { id: string } }>('/v1.0/groups/:id', async (req) => {
    const caller = await authenticate(req);
    const g = findGroup(req.params.id);
    if (!(g && g.members.some((m) => isSelf(caller, m))) && !mayRead(caller)) throw denied();
    if (!g) throw notFound(req.params.id);
    return { '@odata.context': context('groups/$entity'), ...groupShape(g) };
  });

  app.get<{ Params: { id: string } }>('/v1.0/groups/:id/members', async (req) => {
    const caller = await authenticate(req);
    if (!mayRead(caller)) throw denied();
    const g = findGroup(req.params.id);
    if (!g) throw notFound(req.params.id);
    const value = g.members.map((m) => {
      const u = metadata.userByObjectId(m);
      if (u) return userShape(u);
      const sp = metadata.servicePrincipalByObjectId(m);
      return { '@odata.type': '#microsoft.graph.servicePrincipal', id: m, displayName: sp?.displayName ?? null, appId: sp?.appId ?? null };
    });
    return { '@odata.context': context('directoryObjects'), value };
  });

  app.post<{ Params: { id: string } }>('/v1.0/groups/:id/members/$ref', async (req, reply) => {
    const caller = await authenticate(req);
    if (!mayManage(caller)) throw denied();
    const g = findGroup(req.params.id);
    if (!g) throw notFound(req.params.id);
    const ref = parse(AddMember, req.body)['@odata.id'];
    const memberId = /\/directoryObjects\/([0-9a-f-]{36})$/i.exec(ref)?.[1];
    if (!memberId || !GUID.test(memberId)) throw graphError(400, 'Request_BadRequest', "'@odata.id' must be 'https://graph.microsoft.com/v1.0/directoryObjects/{id}'.");
    const type = metadata.principalTypeOf(memberId);
    if (!type) throw notFound(memberId);
    if (type === 'Group') throw graphError(400, 'Request_BadRequest', 'Vigil does not nest groups: add users and service principals.');
    if (g.members.some((m) => m.toLowerCase() === memberId.toLowerCase())) {
      throw graphError(400, 'Request_BadRequest', 'One or more added object references already exist for the following modified properties: \'members\'.');
    }
    if (g.members.length >= MAX_GROUP_MEMBERS) throw graphError(400, 'Request_BadRequest', `A group has at most ${MAX_GROUP_MEMBERS} members.`);
    metadata.mutate((state) => {
      state.groups!.find((x) => x.objectId === g.objectId)!.members.push(memberId.toLowerCase());
    });
    return reply.code(204).send();
  });

  app.delete<{ Params: { id: string; member: string } }>('/v1.0/groups/:id/members/:member/$ref', async (req, reply) => {
    const caller = await authenticate(req);
    if (!mayManage(caller)) throw denied();
    const g = findGroup(req.params.id);
    if (!g) throw notFound(req.params.id);
    if (!g.members.some((m) => m.toLowerCase() === req.params.member.toLowerCase())) throw notFound(req.params.member);
    metadata.mutate((state) => {
      const target = state.groups!.find((x) => x.objectId === g.objectId)!;
      target.members = target.members.filter((m) => m.toLowerCase() !== req.params.member.toLowerCase());
    });
    return reply.code(204).send();
  });

  app.delete<{ Params: { id: string } }>('/v1.0/groups/:id', async (req, reply) => {
    const caller = await authenticate(req);
    if (!mayManage(caller)) throw denied();
    const g = findGroup(req.params.id);
    if (!g) throw notFound(req.params.id);
    metadata.mutate((state) => {
      state.groups = (state.groups ?? []).filter((x) => x.objectId !== g.objectId);
      state.roleAssignments = state.roleAssignments.filter((a) => a.principalId.toLowerCase() !== g.objectId.toLowerCase());
    });
    return reply.code(204).send();
  });
}
