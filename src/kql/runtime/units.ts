/**
 * units.ts — convert_angle/energy/force/length/mass/speed/temperature/volume.
 *
 * Kusto converts with UnitsNet; unitsnet-js is its TypeScript port (same unit names — the enums'
 * values are UnitsNet's singular names, `Meter`, `DegreeCelsius` — and the same conversion
 * formulas). A unit the quantity does not know gives null, as the docs say.
 */
import { DOUBLE, VARCHAR } from '@duckdb/node-api';
import { Angle, AngleUnits, Energy, EnergyUnits, Force, ForceUnits, Length, LengthUnits, Mass, MassUnits, Speed, SpeedUnits, Temperature, TemperatureUnits, Volume, VolumeUnits } from 'unitsnet-js';
import { runtimeFunction } from './udf.js';

interface Quantity {
  units: ReadonlySet<string>;
  convert(value: number, from: string, to: string): number;
}

function quantity<U extends string>(units: Record<string, U>, make: (value: number, unit: U) => { convert(to: U): number }): Quantity {
  return { units: new Set(Object.values(units)), convert: (value, from, to) => make(value, from as U).convert(to as U) };
}

/** The quantities by the suffix of their convert_… function. */
export const QUANTITIES: Readonly<Record<string, Quantity>> = {
  angle: quantity(AngleUnits, (v, u) => new Angle(v, u)),
  energy: quantity(EnergyUnits, (v, u) => new Energy(v, u)),
  force: quantity(ForceUnits, (v, u) => new Force(v, u)),
  length: quantity(LengthUnits, (v, u) => new Length(v, u)),
  mass: quantity(MassUnits, (v, u) => new Mass(v, u)),
  speed: quantity(SpeedUnits, (v, u) => new Speed(v, u)),
  temperature: quantity(TemperatureUnits, (v, u) => new Temperature(v, u)),
  volume: quantity(VolumeUnits, (v, u) => new Volume(v, u)),
};

export function convertUnits(kind: string, value: number, from: string, to: string): number | null {
  const q = QUANTITIES[kind];
  if (!q || !q.units.has(from) || !q.units.has(to)) return null;
  const r = q.convert(value, from, to);
  return typeof r === 'number' ? r : null;
}

export const UNIT_FUNCTIONS = [
  runtimeFunction('kql_convert_units', [VARCHAR, DOUBLE, VARCHAR, VARCHAR], DOUBLE, (kind: string, value: number, from: string, to: string) => convertUnits(kind, value, from, to)),
];
