/** emit/sample.ts — consume, sample and sample-distinct. */
import type { EmitContext } from '../bound.js';
import { emitPlan } from '../emitter.js';
import type { ConsumePlan, SampleDistinctPlan, SamplePlan } from '../plan-operators.js';
import { constSql } from './common.js';

/** consume: reads its input; its columns and no rows. */
export function emitConsume(plan: ConsumePlan, ctx: EmitContext): string {
  return `SELECT * FROM (${emitPlan(plan.input, ctx)}) AS cs WHERE FALSE`;
}

export function emitSample(plan: SamplePlan, ctx: EmitContext): string {
  return `SELECT * FROM (${emitPlan(plan.input, ctx)}) AS t ORDER BY random() LIMIT greatest(${constSql(plan.count, ctx)}, 0)`;
}

export function emitSampleDistinct(plan: SampleDistinctPlan, ctx: EmitContext): string {
  return `SELECT DISTINCT * FROM (${emitPlan(plan.input, ctx)}) AS t LIMIT greatest(${constSql(plan.count, ctx)}, 0)`;
}
