/**
 * geo_info_from_ip_address(ip) in queries: the location of an IP address from the MaxMind DB file the
 * operator gives with `vigil serve --geoip-database <file>` — the same database that geo_location()
 * uses in ingestion-time transformations (src/ingest/transform/geo-location.ts).
 *
 * The function is registered on every DuckDB instance with the rest of the runtime (so the statement
 * guard knows it); it reads the database the server installs at start (`installGeoIpInfo`). Without
 * one the compiler refuses the call with a 400 (functions/ip.ts), so it never runs unconfigured.
 */
import { VARCHAR } from '@duckdb/node-api';
import { runtimeFunction, type RuntimeFunction } from './udf.js';

/** Kusto's bag for an address as JSON text ({country, state, city, latitude, longitude}), or null. */
export type GeoIpInfoLookup = (ip: string) => string | null;

let lookup: GeoIpInfoLookup | undefined;

/** Installs the server's GeoIP database (once, at start). */
export function installGeoIpInfo(l: GeoIpInfoLookup): void {
  lookup = l;
}

/** Whether queries may call geo_info_from_ip_address(). */
export function geoIpInfoInstalled(): boolean {
  return lookup !== undefined;
}

export const GEO_IP_INFO_FUNCTIONS: readonly RuntimeFunction[] = [
  runtimeFunction('kql_geo_info_from_ip_address', [VARCHAR], VARCHAR, (ip: string) => (lookup ? lookup(ip) : null)),
];
