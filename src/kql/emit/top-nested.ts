/** emit/top-nested.ts — top-nested: one grouped, ranked SELECT per level, joined on the levels above. */
import type { EmitContext } from '../bound.js';
import { emitPlan } from '../emitter.js';
import type { TopNestedPlan } from '../plan-operators.js';
import { constSql, exprSql, selectList } from './common.js';

const keyCol = (i: number): string => `ms_k${i}`;
const aggCol = (i: number): string => `ms_a${i}`;

export function emitTopNested(plan: TopNestedPlan, ctx: EmitContext): string {
  const { levels } = plan;
  const sql = emitPlan(plan.input, ctx);
  const ex = (e: Parameters<typeof exprSql>[0]) => exprSql(e, 't', ctx);
  const parts = levels.map((l, j) => {
    const ks = levels.slice(0, j + 1).map((x, i) => `${ex(x.of)} AS ${keyCol(i)}`);
    const part = levels.slice(0, j).map((_, i) => keyCol(i)).join(', ');
    const order = `${aggCol(j)} ${l.descending ? 'DESC' : 'ASC'} NULLS LAST`;
    const q = l.count ? ` QUALIFY row_number() OVER (${part ? `PARTITION BY ${part} ` : ''}ORDER BY ${order}) <= ${constSql(l.count, ctx)}` : '';
    return `SELECT ${[...ks, `${ex(l.agg)} AS ${aggCol(j)}`].join(', ')} FROM (${sql}) AS t GROUP BY ${ks.map((_, i) => i + 1).join(', ')}${q}`;
  });
  let from = `(${parts[0]}) AS L0`;
  for (let j = 1; j < parts.length; j++) {
    const on = levels.slice(0, j).map((_, i) => `L${j - 1}.${keyCol(i)} IS NOT DISTINCT FROM L${j}.${keyCol(i)}`).join(' AND ');
    from += ` JOIN (${parts[j]}) AS L${j} ON ${on}`;
  }
  const last = levels.length - 1;
  const cols = levels.flatMap((_, j) => [`L${last}.${keyCol(j)}`, `L${j}.${aggCol(j)}`]);
  // Kusto's output order: by the first level's aggregate, then the next level's (each in its level's order)
  const order = levels.map((l, j) => `${2 * j + 2} ${l.descending ? 'DESC' : 'ASC'} NULLS LAST`).join(', ');
  return `SELECT ${selectList(cols)} FROM ${from} ORDER BY ${order}`;
}
