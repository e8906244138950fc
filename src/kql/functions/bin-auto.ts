/**
 * bin-auto.ts — bin_auto(value) (bin-auto-function.md): bin() by the query option
 * `query_bin_auto_size`, aligned at `query_bin_auto_at` when it is set (bin_at()); both come from
 * `set` statements before the query. Without a size the call is refused with the option to set.
 */
import { BindFailure, type ArgInfo, type BoundExpr } from '../bound.js';
import { SCALAR_FUNCTIONS } from './index.js';

export const BIN_AUTO_OPTIONS: ReadonlySet<string> = new Set(['query_bin_auto_size', 'query_bin_auto_at']);

const info = (e: BoundExpr): ArgInfo => (e.k === 'lit' ? { type: e.type, literal: e, expr: e } : { type: e.type, expr: e });

/** `options`: the bound values of the set statements named in BIN_AUTO_OPTIONS. Throws BindFailure. */
export function bindBinAuto(value: BoundExpr, options: ReadonlyMap<string, BoundExpr>): BoundExpr {
  const size = options.get('query_bin_auto_size');
  if (!size) throw new BindFailure('bin_auto(): the bin size is not set: put `set query_bin_auto_size=<size>;` before the query');
  const at = options.get('query_bin_auto_at');
  const fn = SCALAR_FUNCTIONS.get(at ? 'bin_at' : 'bin')!;
  const args = at ? [value, size, at] : [value, size];
  return { k: 'call', fn, args, type: fn.bind(args.map(info)) };
}
