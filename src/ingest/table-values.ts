import type { KqlType } from '../kql/index.js';
import type { StoredValue } from '../store/column-types.js';
import { CoercionError } from './coerce.js';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * A stored value of type `from` (a stream column's, or a transformation output's) converted to the
 * compatible type `to` of the destination table column (compatibility is checked when the rule is saved).
 */
export function toTableType(v: StoredValue, from: KqlType, to: KqlType): StoredValue {
  if (v === null) return null;
  if (to === 'real' && typeof v === 'bigint') return Number(v);
  if (to === 'real' && typeof v === 'number') return v;
  if (to === 'long' && typeof v === 'number') return BigInt(v);
  if (to === 'guid') {
    if (typeof v !== 'string' || !GUID.test(v)) throw new CoercionError(`${typeof v === 'string' ? JSON.stringify(v) : String(v)} is not a GUID`);
    return v.toLowerCase();
  }
  if (to === 'dynamic' && from === 'string') return JSON.stringify(v);
  return v;
}

/** Approximate size of a record (Azure's `_BilledSize`): names, values and JSON punctuation. */
export function billedSize(names: readonly string[], values: readonly StoredValue[]): number {
  let billed = 2;
  for (let c = 0; c < names.length; c++) {
    const v = values[c];
    billed += names[c]!.length + 4 + (typeof v === 'string' ? Buffer.byteLength(v) + 2 : v === null || v === undefined ? 4 : 8);
  }
  return billed;
}
