/** statistics.ts — beta_cdf(), beta_inv(), beta_pdf(), welch_test() (runtime: src/kql/runtime/statistics.ts). */
import { type ScalarFunction } from '../bound.js';
import { as, fn, numericOrDyn } from './define.js';

const realFn = (name: string, arity: number): ScalarFunction =>
  fn(name, Array(arity).fill(numericOrDyn), 0, 'real', (a) => `kql_${name}(${a.map((x) => as(x, 'real')).join(', ')})`, 'numeric');

export const STATISTICS_FUNCTIONS: ScalarFunction[] = [
  realFn('beta_cdf', 3),
  realFn('beta_inv', 3),
  realFn('beta_pdf', 3),
  realFn('welch_test', 6),
];
