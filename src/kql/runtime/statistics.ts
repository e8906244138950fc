/**
 * statistics.ts — beta_cdf, beta_inv, beta_pdf and welch_test, with jStat's incomplete beta and
 * Student's t distribution. The domain rules are the docs' (beta-cdf-function.md, …): outside
 * them the result is NaN, or null where the docs' example tables show an empty cell.
 */
import { createRequire } from 'node:module';
import { DOUBLE } from '@duckdb/node-api';
import { runtimeFunction } from './udf.js';

interface JStat {
  ibeta(x: number, a: number, b: number): number;
  ibetainv(p: number, a: number, b: number): number;
  beta: { pdf(x: number, a: number, b: number): number };
  studentt: { cdf(x: number, dof: number): number };
}
const { jStat } = createRequire(import.meta.url)('jstat') as { jStat: JStat };

const finite = (...xs: number[]) => xs.every((x) => Number.isFinite(x));

/** beta-cdf-function.md: x outside [0, 1], or alpha/beta outside (0, 10000] → NaN. */
export function betaCdf(x: number, a: number, b: number): number {
  if (!finite(x, a, b) || x < 0 || x > 1 || a <= 0 || a > 10000 || b <= 0 || b > 10000) return NaN;
  return jStat.ibeta(x, a, b);
}

/** beta-inv-function.md, as its example table shows: p outside [0, 1] → null; alpha or beta ≤ 0 → NaN. */
export function betaInv(p: number, a: number, b: number): number | null {
  if (Number.isNaN(p) || p < 0 || p > 1) return null;
  if (!finite(a, b) || a <= 0 || b <= 0) return NaN;
  return jStat.ibetainv(p, a, b);
}

/** beta-pdf-function.md: x outside (0, 1), alpha or beta ≤ 0 → NaN. */
export function betaPdf(x: number, a: number, b: number): number {
  if (!finite(x, a, b) || x <= 0 || x >= 1 || a <= 0 || b <= 0) return NaN;
  return jStat.beta.pdf(x, a, b);
}

/**
 * welch-test-function.md: the two-sided p-value of Welch's t-test from two samples' mean, variance
 * and count (t = Δmean / √(v1/n1 + v2/n2), Welch–Satterthwaite degrees of freedom). Counts below 2
 * or no variance at all leave the test undefined: NaN.
 */
export function welchTest(m1: number, v1: number, n1: number, m2: number, v2: number, n2: number): number {
  if (!finite(m1, v1, n1, m2, v2, n2) || n1 < 2 || n2 < 2 || v1 < 0 || v2 < 0) return NaN;
  const s1 = v1 / n1, s2 = v2 / n2;
  if (s1 + s2 === 0) return NaN;
  const t = (m1 - m2) / Math.sqrt(s1 + s2);
  const dof = (s1 + s2) ** 2 / (s1 ** 2 / (n1 - 1) + s2 ** 2 / (n2 - 1));
  return 2 * jStat.studentt.cdf(-Math.abs(t), dof);
}

export const STATISTICS_FUNCTIONS = [
  runtimeFunction('kql_beta_cdf', [DOUBLE, DOUBLE, DOUBLE], DOUBLE, betaCdf),
  runtimeFunction('kql_beta_inv', [DOUBLE, DOUBLE, DOUBLE], DOUBLE, betaInv),
  runtimeFunction('kql_beta_pdf', [DOUBLE, DOUBLE, DOUBLE], DOUBLE, betaPdf),
  runtimeFunction('kql_welch_test', [DOUBLE, DOUBLE, DOUBLE, DOUBLE, DOUBLE, DOUBLE], DOUBLE, welchTest),
];
