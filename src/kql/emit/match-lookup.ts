/** emit/match-lookup.ts — ipv4/ipv6/geo lookups: a join on the match predicate and the extra keys. */
import type { EmitContext } from '../bound.js';
import { emitExpr, emitPlan } from '../emitter.js';
import type { MatchLookupPlan } from '../plan-match-lookup.js';
import { C, selectList } from './common.js';

export function emitMatchLookup(plan: MatchLookupPlan, ctx: EmitContext): string {
  const n = plan.left.schema.length;
  const match = emitExpr(plan.match, (i) => (i < n ? `l.${C(i)}` : `r.${C(i - n)}`), ctx);
  const on = [`coalesce(${match}, false)`, ...plan.keys.map((k) => `l.${C(k.l)} IS NOT DISTINCT FROM r.${C(k.r)}`)];
  const cols = [...plan.left.schema.map((_, i) => `l.${C(i)}`), ...plan.rightColumns.map((i) => `r.${C(i)}`)];
  return `SELECT ${selectList(cols)} FROM (${emitPlan(plan.left, ctx)}) AS l ${plan.unmatched ? 'LEFT JOIN' : 'JOIN'} (${emitPlan(plan.right, ctx)}) AS r ON ${on.join(' AND ')}`;
}
