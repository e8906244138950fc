import type { Caller } from '../authz/authorize.js';

/** Verifies a request's bearer token for one of the given audiences; throws a 401 ApiError otherwise. */
export type Authenticate = (authorizationHeader: string | undefined, audiences: readonly string[]) => Promise<Caller>;
