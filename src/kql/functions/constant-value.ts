/**
 * The value of a constant bound expression, computed while binding: literals and the operators below
 * over them (e.g. a let function's parameter compared with a number). assert() (conditional.ts) is
 * decided with it before the query runs, as Kusto decides it during query analysis.
 */
import type { BoundExpr, LiteralValue, ScalarFunction } from '../bound.js';
import { OPERATORS, SCALAR_FUNCTIONS } from './index.js';

const op = (name: string): ScalarFunction | undefined => OPERATORS.get(name) ?? SCALAR_FUNCTIONS.get(name);

const num = (v: LiteralValue): number | undefined => (typeof v === 'bigint' ? Number(v) : typeof v === 'number' ? v : undefined);

/** The value of a constant expression, or undefined when it is not one this evaluator knows. */
export function constantValue(e: BoundExpr): LiteralValue | undefined {
  if (e.k === 'lit') return e.value;
  if (e.k !== 'call' || e.subquery) return undefined;
  const args = e.args.map(constantValue);
  if (args.some((a) => a === undefined)) return undefined;
  const [a, b] = args as LiteralValue[];
  const is = (name: string) => e.fn === op(name);
  if (is('not')) return typeof a === 'boolean' ? !a : undefined;
  if (is('and') || is('or')) return typeof a === 'boolean' && typeof b === 'boolean' ? (is('and') ? a && b : a || b) : undefined;
  if (is('strcat')) return args.every((x) => typeof x === 'string') ? (args as string[]).join('') : undefined;
  if (is('strlen')) return typeof a === 'string' ? BigInt(Array.from(a).length) : undefined;
  if (is('isempty') || is('isnotempty')) return (a === null || a === '') === is('isempty');
  if (is('==') || is('!=')) {
    const x = num(a!) ?? a, y = num(b!) ?? b;
    return (x === y) === is('==');
  }
  const x = num(a!), y = num(b!);
  if (x === undefined || y === undefined) return undefined;
  if (is('<')) return x < y;
  if (is('<=')) return x <= y;
  if (is('>')) return x > y;
  if (is('>=')) return x >= y;
  if (is('unary -')) return typeof a === 'bigint' ? -a : -x;
  return undefined;
}

