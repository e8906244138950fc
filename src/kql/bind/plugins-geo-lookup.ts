/**
 * bind/plugins-geo-lookup.ts — binds `evaluate geo_polygon_lookup(LookupTable, LookupPolygonKey,
 * SourceLongitude, SourceLatitude [, radius] [, return_unmatched] [, lookup_area_radius]
 * [, return_lookup_key])` and `geo_line_lookup(LookupTable, LookupLineKey, SourceLongitude,
 * SourceLatitude, Radius [, …])` into a match lookup (plan-match-lookup.ts). Containment is
 * geo_point_in_polygon(); with a radius, geo_distance_point_to_polygon()/_to_line() ≤ radius. The
 * LookupTable goes through the binder's table resolution (tools.table), so it is authorized as any other.
 */
import type * as A from '../ast.js';
import type { BoundExpr } from '../bound.js';
import type { Span } from '../errors.js';
import type { MatchLookupPlan } from '../plan-match-lookup.js';
import type { PlanNode } from '../planner.js';
import { isNumeric, type ColumnSchema } from '../types.js';

export interface GeoLookupBindTools {
  table(e: A.Expr): PlanNode;
  constant(e: A.Expr): BoundExpr;
  /** A bound call of a scalar function or operator (types checked as in any query). */
  call(name: string, args: BoundExpr[], span: Span): BoundExpr;
  error(span: Span, message: string): Error;
}

export const GEO_LOOKUP_PLUGINS = new Set(['geo_polygon_lookup', 'geo_line_lookup']);

export function bindGeoLookup(left: PlanNode, op: A.EvaluateOp, t: GeoLookupBindTools): MatchLookupPlan {
  const name = op.plugin;
  const polygon = name === 'geo_polygon_lookup';
  const required = polygon ? 4 : 5;
  if (op.args.length < required) throw t.error(op.pluginSpan, `${name}(): expects LookupTable, ${polygon ? 'LookupPolygonKey' : 'LookupLineKey'}, SourceLongitude, SourceLatitude${polygon ? '' : ', Radius'}`);
  const optionalNames = polygon ? ['radius', 'return_unmatched', 'lookup_area_radius', 'return_lookup_key'] : ['return_unmatched', 'lookup_area_radius', 'return_lookup_key'];
  const named = new Map<string, A.Expr>();
  if (!polygon) named.set('radius', op.args[4]!);
  let position = 0;
  for (const a of op.args.slice(required)) {
    if (a.kind === 'binary' && a.op === '=' && a.left.kind === 'name') {
      if (!optionalNames.includes(a.left.name)) throw t.error(a.span, `${name}(): unknown argument '${a.left.name}'`);
      named.set(a.left.name, a.right);
    } else {
      if (position >= optionalNames.length) throw t.error(a.span, `${name}(): too many arguments`);
      named.set(optionalNames[position]!, a);
    }
    position++;
  }
  const flag = (key: string): boolean => {
    const a = named.get(key);
    if (!a) return false;
    const v = t.constant(a);
    if (v.type !== 'bool' || v.k !== 'lit') throw t.error(a.span, `${name}(): ${key} must be a bool constant`);
    return v.value === true;
  };
  const number = (key: string): BoundExpr | undefined => {
    const a = named.get(key);
    if (!a) return undefined;
    const v = t.constant(a);
    if (!isNumeric(v.type)) throw t.error(a.span, `${name}(): ${key} must be a number, got '${v.type}'`);
    if (v.k === 'lit' && !(Number(v.value) >= 0)) throw t.error(a.span, `${name}(): ${key} must not be negative`);
    return v;
  };
  const unmatched = flag('return_unmatched');
  const returnKey = flag('return_lookup_key');
  const radius = number('radius');
  number('lookup_area_radius'); // a performance hint in Kusto: checked, no effect on the result
  const right = t.table(op.args[0]!);
  const column = (plan: PlanNode, a: A.Expr, what: string): number => {
    const i = a.kind === 'name' ? plan.schema.findIndex((c) => c.name === a.name) : -1;
    if (i < 0) throw t.error(a.span, `${name}(): ${what} must be a column name${a.kind === 'name' ? `; '${a.name}' is not a column` : ''}`);
    return i;
  };
  const key = column(right, op.args[1]!, polygon ? 'LookupPolygonKey' : 'LookupLineKey');
  if (right.schema[key]!.type !== 'dynamic') throw t.error(op.args[1]!.span, `${name}(): the lookup key column must be dynamic (GeoJSON), got '${right.schema[key]!.type}'`);
  const n = left.schema.length;
  const col = (index: number, c: ColumnSchema): BoundExpr => ({ k: 'col', index, name: c.name, type: c.type });
  const lon = column(left, op.args[2]!, 'SourceLongitude');
  const lat = column(left, op.args[3]!, 'SourceLatitude');
  const point = [col(lon, left.schema[lon]!), col(lat, left.schema[lat]!)];
  const shape = col(n + key, right.schema[key]!);
  const match = radius
    ? t.call('<=', [t.call(polygon ? 'geo_distance_point_to_polygon' : 'geo_distance_point_to_line', [...point, shape], op.pluginSpan), radius], op.pluginSpan)
    : t.call('geo_point_in_polygon', [...point, shape], op.pluginSpan);
  const rightColumns = right.schema.map((_, i) => i).filter((i) => returnKey || i !== key);
  const names = new Set(left.schema.map((c) => c.name));
  const schema: ColumnSchema[] = [...left.schema];
  for (const i of rightColumns) {
    const c = right.schema[i]!;
    if (names.has(c.name)) throw t.error(op.pluginSpan, `${name}(): the LookupTable's column '${c.name}' is also a column of the input; rename it`);
    names.add(c.name);
    schema.push(c);
  }
  return { kind: 'matchLookup', schema, left, right, match, keys: [], rightColumns, unmatched, serialized: false };
}
