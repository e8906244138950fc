/**
 * session.ts — what a query knows about who runs it and where: current_principal(),
 * current_principal_details(), current_principal_is_member_of(), current_database(),
 * current_cluster_endpoint().
 *
 * The values come from the query's session (CompileOptions.session, built by the Query API from
 * the authenticated caller: src/query/query-session.ts) and are constants of the compiled
 * statement — never data another caller could see. Without a session (ingestion-time
 * transformations, internal scans) the functions are refused rather than answering for nobody.
 */
import { type ArgInfo, type EmitContext, type QuerySession, type ScalarFunction, type SqlArg } from '../bound.js';
import { KqlError } from '../errors.js';
import { sqlString } from '../sql.js';
import { constArray, constString, fail } from './define.js';

function sessionOf(ctx: EmitContext, name: string): QuerySession {
  if (!ctx.session) throw new KqlError('SemanticError', `${name}() is not supported here: it reports the caller of a query, and only queries of the Query API have one`, 1, 1);
  return ctx.session;
}

const noArgs = (name: string, type: 'string' | 'dynamic', value: (s: QuerySession) => string): ScalarFunction => ({
  name, minArgs: 0, maxArgs: 0, bind: () => type,
  emit: (_a, ctx) => value(sessionOf(ctx, name)),
});

/** The names a current_principal_is_member_of() argument lists (string literals, or a dynamic array of them). */
function namesOf(a: ArgInfo | SqlArg, i: number): string[] {
  const s = constString(a);
  if (s !== undefined) return [s];
  const arr = constArray(a);
  if (arr && arr.every((x) => typeof x === 'string')) return arr as string[];
  return fail('current_principal_is_member_of(): every argument must be a string literal or a dynamic array of string literals', i);
}

export const SESSION_FUNCTIONS: ScalarFunction[] = [
  noArgs('current_principal', 'string', (s) => sqlString(s.principalFqn)),
  noArgs('current_principal_details', 'dynamic', (s) => `CAST(${sqlString(JSON.stringify(s.principalDetails))} AS JSON)`),
  noArgs('current_database', 'string', (s) => sqlString(s.database)),
  noArgs('current_cluster_endpoint', 'string', (s) => sqlString(s.clusterEndpoint)),
  {
    name: 'current_principal_is_member_of', minArgs: 1, maxArgs: 64,
    bind(args) {
      args.forEach((a, i) => namesOf(a, i));
      return 'bool';
    },
    emit(args, ctx) {
      const session = sessionOf(ctx, 'current_principal_is_member_of');
      const names = args.flatMap((a, i) => namesOf(a, i));
      return names.some((n) => session.memberOf.has(n.trim().toLowerCase())) ? 'TRUE' : 'FALSE';
    },
  },
];
