/**
 * emit/top-nested.ts — top-nested: one grouped, ranked SELECT per level, joined on the levels above.
 *
 * A level `with others = C` adds, under each group of the level above that is kept, one row whose
 * key is C and whose aggregate is over that group's rows not in the level's top; the levels below
 * an others row are null.  Rows are ordered level by level: by the level's aggregate, others last.
 */
import type { EmitContext } from '../bound.js';
import { emitPlan } from '../emitter.js';
import type { TopNestedPlan } from '../plan-operators.js';
import { sqlType } from '../types.js';
import { constSql, exprSql, selectList } from './common.js';

const keyCol = (i: number): string => `ms_k${i}`;
const aggCol = (i: number): string => `ms_a${i}`;
const othersCol = (i: number): string => `ms_o${i}`;

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
  /** The levels 0…j joined: the groups kept down to level j. */
  const chain = (j: number): string => {
    let from = `(${parts[0]}) AS L0`;
    for (let k = 1; k <= j; k++) {
      const on = levels.slice(0, k).map((_, i) => `L${k - 1}.${keyCol(i)} IS NOT DISTINCT FROM L${k}.${keyCol(i)}`).join(' AND ');
      from += ` JOIN (${parts[k]}) AS L${k} ON ${on}`;
    }
    return from;
  };
  const last = levels.length - 1;
  const flags = (others: number) => levels.map((_, j) => `${j === others ? 1 : 0} AS ${othersCol(j)}`);
  const named = (cols: string[]) => cols.map((c, i) => `${c} AS ${i % 2 ? aggCol(i >> 1) : keyCol(i >> 1)}`);
  const rows = [`SELECT ${[...named(levels.flatMap((_, j) => [`L${last}.${keyCol(j)}`, `L${j}.${aggCol(j)}`])), ...flags(-1)].join(', ')} FROM ${chain(last)}`];
  levels.forEach((l, j) => {
    if (!l.others) return;
    // the rows of each kept group of level j-1 whose level-j key is not in the level's top
    const parentKeys = levels.slice(0, j).map((x, i) => `${ex(x.of)} AS ${keyCol(i)}`);
    const notTop = levels.slice(0, j + 1).map((x, i) => `X.${keyCol(i)} IS NOT DISTINCT FROM ${ex(x.of)}`).join(' AND ');
    const othersSql = `SELECT ${[...parentKeys, `${ex(l.agg)} AS ${aggCol(j)}`].join(', ')} FROM (${sql}) AS t WHERE NOT EXISTS (SELECT 1 FROM (${parts[j]}) AS X WHERE ${notTop})`
      + `${parentKeys.length ? ` GROUP BY ${parentKeys.map((_, i) => i + 1).join(', ')}` : ''} HAVING count(*) > 0`;
    const cols = levels.flatMap((x, i) => {
      if (i < j) return [`L${j - 1}.${keyCol(i)}`, `L${i}.${aggCol(i)}`];
      if (i === j) return [`CAST(${constSql(l.others!, ctx)} AS ${sqlType(x.of.type)})`, `O.${aggCol(j)}`];
      return [`CAST(NULL AS ${sqlType(x.of.type)})`, `CAST(NULL AS ${sqlType(x.agg.type)})`];
    });
    const on = levels.slice(0, j).map((_, i) => `L${j - 1}.${keyCol(i)} IS NOT DISTINCT FROM O.${keyCol(i)}`).join(' AND ');
    rows.push(`SELECT ${[...named(cols), ...flags(j)].join(', ')} FROM ${j ? `${chain(j - 1)} JOIN ` : ''}(${othersSql}) AS O${j ? ` ON ${on}` : ''}`);
  });
  const outCols = levels.flatMap((_, j) => [`u.${keyCol(j)}`, `u.${aggCol(j)}`]);
  // Kusto's output order: by the first level's aggregate, then the next level's (each in its level's order), others last
  const order = levels.map((l, j) => `u.${othersCol(j)}, u.${aggCol(j)} ${l.descending ? 'DESC' : 'ASC'} NULLS LAST`).join(', ');
  return `SELECT ${selectList(outCols)} FROM (${rows.join(' UNION ALL ')}) AS u ORDER BY ${order}`;
}
