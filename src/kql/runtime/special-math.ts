/**
 * special-math.ts — erf() and erfc() (erf-function.md, erfc-function.md) to double precision, through
 * the regularized incomplete gamma function: erf(x) = P(½, x²), erfc(x) = Q(½, x²) for x ≥ 0 — a
 * power series where it converges fast (x² < 1.5) and Lentz's continued fraction elsewhere (Numerical
 * Recipes §6.2), which keeps erfc's relative precision far in the tail (erfc(3) = 2.209…e-5).
 */
import { DOUBLE } from '@duckdb/node-api';
import { runtimeFunction } from './udf.js';

const LN_GAMMA_HALF = Math.log(Math.sqrt(Math.PI));
const EPS = 1e-17;

/** P(½, z) by its series. */
function lowerSeries(z: number): number {
  let term = 2, sum = 2; // 1/a with a = ½
  for (let n = 1; n < 500; n++) {
    term *= z / (0.5 + n);
    sum += term;
    if (Math.abs(term) < Math.abs(sum) * EPS) break;
  }
  return sum * Math.exp(-z + 0.5 * Math.log(z) - LN_GAMMA_HALF);
}

/** Q(½, z) by its continued fraction. */
function upperFraction(z: number): number {
  const TINY = 1e-300;
  let b = z + 0.5, c = 1 / TINY, d = 1 / b, h = d;
  for (let i = 1; i < 500; i++) {
    const an = -i * (i - 0.5);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < TINY) d = TINY;
    c = b + an / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < EPS) break;
  }
  return Math.exp(-z + 0.5 * Math.log(z) - LN_GAMMA_HALF) * h;
}

/** erfc(|x|) for x ≠ 0 and erf(|x|), each from the form that is accurate for it. */
function erfParts(x: number): { erf: number; erfc: number } {
  const z = x * x;
  if (z < 1.5) {
    const p = lowerSeries(z);
    return { erf: p, erfc: 1 - p };
  }
  const q = upperFraction(z);
  return { erf: 1 - q, erfc: q };
}

export function erf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x === 0) return 0;
  if (!Number.isFinite(x)) return Math.sign(x);
  const e = erfParts(Math.abs(x)).erf;
  return x < 0 ? -e : e;
}

export function erfc(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x === 0) return 1;
  if (!Number.isFinite(x)) return x > 0 ? 0 : 2;
  const c = erfParts(Math.abs(x)).erfc;
  return x < 0 ? 2 - c : c;
}

export const SPECIAL_MATH_FUNCTIONS = [
  runtimeFunction('kql_erf', [DOUBLE], DOUBLE, (x: number) => erf(x)),
  runtimeFunction('kql_erfc', [DOUBLE], DOUBLE, (x: number) => erfc(x)),
];
