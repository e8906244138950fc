import type { IncomingMessage } from 'node:http';
import type { Caller } from '../authz/authorize.js';

/**
 * Verifies a request's bearer token for one of the given audiences; throws a 401 ApiError otherwise.
 * The data planes also pass the request: without a token, a verified client certificate on a mutual
 * TLS listener signs the caller in (src/network/client-certificates.ts).
 */
export type Authenticate = (authorizationHeader: string | undefined, audiences: readonly string[], request?: IncomingMessage) => Promise<Caller>;
