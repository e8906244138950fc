/** units.ts — convert_angle(), convert_energy(), … convert_volume() (runtime: src/kql/runtime/units.ts). */
import { type ScalarFunction } from '../bound.js';
import { sqlString } from '../sql.js';
import { as, str, fn, numericOrDyn, anyScalar } from './define.js';

const convert = (kind: string): ScalarFunction =>
  fn(`convert_${kind}`, [numericOrDyn, anyScalar, anyScalar], 0, 'real', (a) => `kql_convert_units(${sqlString(kind)}, ${as(a[0]!, 'real')}, ${str(a[1]!)}, ${str(a[2]!)})`, 'numeric');

export const UNIT_FUNCTIONS: ScalarFunction[] = ['angle', 'energy', 'force', 'length', 'mass', 'speed', 'temperature', 'volume'].map(convert);
