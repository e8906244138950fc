/** emit/join.ts — join (every kind) and lookup; null keys match null keys. */
import type { EmitContext } from '../bound.js';
import { emitPlan } from '../emitter.js';
import type { JoinPlan, LookupPlan } from '../plan-operators.js';
import { sqlType, type KqlType } from '../types.js';
import { C, selectList } from './common.js';

/**
 * Equality of a join key: null matches null, in every join kind and in lookup (issue #12); a string
 * is never null in Kusto (a missing one is ""), so a stored NULL and "" are the same key.
 */
function keyCompare(l: number, r: number, lt: KqlType, rt: KqlType): string {
  const a = `l.${C(l)}`, b = `r.${C(r)}`;
  if (lt === rt && lt === 'string') return `coalesce(${a}, '') = coalesce(${b}, '')`;
  if (lt === rt) return `${a} IS NOT DISTINCT FROM ${b}`;
  return `CAST(${a} AS ${sqlType(lt === 'real' || rt === 'real' ? 'real' : 'long')}) IS NOT DISTINCT FROM CAST(${b} AS ${sqlType(lt === 'real' || rt === 'real' ? 'real' : 'long')})`;
}

/** Deduplicates rows on the given columns, keeping the first row of each key (innerunique). */
function dedupFirst(sql: string, keyCols: number[]): string {
  const part = keyCols.map((k) => C(k)).join(', ');
  return `SELECT * EXCLUDE (__rn) FROM (SELECT *, row_number() OVER () AS __rn FROM (${sql}) AS d0) AS d1 QUALIFY row_number() OVER (PARTITION BY ${part} ORDER BY __rn) = 1`;
}

export function emitJoin(plan: JoinPlan, ctx: EmitContext): string {
  const { left, right, keys } = plan;
  const kind = plan.joinKind;
  const l = emitPlan(left, ctx), r = emitPlan(right, ctx);
  const on = keys.map((k) => keyCompare(k.l, k.r, left.schema[k.l]!.type, right.schema[k.r]!.type)).join(' AND ') || 'TRUE';
  const lsql = kind === 'innerunique' ? dedupFirst(l, keys.map((k) => k.l)) : l;
  switch (kind) {
    case 'leftsemi':
      return `SELECT l.* FROM (${lsql}) AS l SEMI JOIN (${r}) AS r ON ${on}`;
    case 'leftanti':
      return `SELECT l.* FROM (${lsql}) AS l ANTI JOIN (${r}) AS r ON ${on}`;
    case 'rightsemi':
      return `SELECT r.* FROM (${r}) AS r SEMI JOIN (${lsql}) AS l ON ${on}`;
    case 'rightanti':
      return `SELECT r.* FROM (${r}) AS r ANTI JOIN (${lsql}) AS l ON ${on}`;
    default: {
      const jt = kind === 'leftouter' ? 'LEFT JOIN' : kind === 'rightouter' ? 'RIGHT JOIN' : kind === 'fullouter' ? 'FULL JOIN' : 'JOIN';
      const lNullable = kind === 'rightouter' || kind === 'fullouter';
      const rNullable = kind === 'leftouter' || kind === 'fullouter';
      const pick = (alias: string, i: number, t: KqlType, nullable: boolean) => (nullable && t === 'string' ? `coalesce(${alias}.${C(i)}, '')` : `${alias}.${C(i)}`);
      const exprs = [
        ...left.schema.map((c, i) => pick('l', i, c.type, lNullable)),
        ...right.schema.map((c, i) => pick('r', i, c.type, rNullable)),
      ];
      return `SELECT ${selectList(exprs)} FROM (${lsql}) AS l ${jt} (${r}) AS r ON ${on}`;
    }
  }
}

export function emitLookup(plan: LookupPlan, ctx: EmitContext): string {
  const { left, right, keys } = plan;
  const on = keys.map((k) => keyCompare(k.l, k.r, left.schema[k.l]!.type, right.schema[k.r]!.type)).join(' AND ');
  const exprs = [
    ...left.schema.map((_, i) => `l.${C(i)}`),
    ...plan.rightColumns.map((i) => (plan.lookupKind === 'leftouter' && right.schema[i]!.type === 'string' ? `coalesce(r.${C(i)}, '')` : `r.${C(i)}`)),
  ];
  return `SELECT ${selectList(exprs)} FROM (${emitPlan(left, ctx)}) AS l ${plan.lookupKind === 'inner' ? 'JOIN' : 'LEFT JOIN'} (${emitPlan(right, ctx)}) AS r ON ${on}`;
}
