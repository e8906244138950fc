/**
 * geo_location(ip) for ingestion-time transformations: the location of an IP address from a MaxMind
 * DB file (GeoLite2-City, GeoIP2-City, DB-IP City Lite… — any `.mmdb` with the City layout) that the
 * operator supplies with `vigil serve --geoip-database <file>`. Vigil ships no database (their
 * licences ask for registration or attribution, and they go stale); without one, a rule using
 * geo_location() is refused when it is saved.
 *
 * The result is Azure's bag: {Country, Region, State, City, Latitude, Longitude} — Region the
 * continent, State the first subdivision; an address the database does not know gives `{}`.
 * It runs in JavaScript inside the transformation engine's DuckDB (src/kql/runtime/udf.ts).
 */
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { VARCHAR } from '@duckdb/node-api';
import { Reader, type CityResponse } from 'mmdb-lib';
import { runtimeFunction, type RuntimeFunction } from '../../kql/runtime/udf.js';

interface CityRecord {
  continent?: { names?: Record<string, string> };
  country?: { names?: Record<string, string> };
  subdivisions?: { names?: Record<string, string> }[];
  city?: { names?: Record<string, string> };
  location?: { latitude?: number; longitude?: number };
}

export class GeoIpDatabase {
  private readonly reader: Reader<CityResponse>;

  constructor(readonly path: string) {
    try {
      this.reader = new Reader<CityResponse>(readFileSync(path));
    } catch (err) {
      throw new Error(`--geoip-database ${path}: not a readable MaxMind DB file (${(err as Error).message})`);
    }
  }

  /** The bag as JSON text, `{}` for an address the database does not know, null for text that is no IP address. */
  lookup(ip: string): string | null {
    const bag = this.location(ip);
    return bag === null ? null : JSON.stringify(bag);
  }

  /**
   * geo_info_from_ip_address()'s bag as JSON text — {country, state, city, latitude, longitude} as
   * Kusto names them —, `{}` for an address the database does not know, null for text that is no IP address.
   */
  info(ip: string): string | null {
    const a = this.location(ip);
    if (a === null) return null;
    const bag: Record<string, string | number> = {};
    for (const [from, to] of [['Country', 'country'], ['State', 'state'], ['City', 'city'], ['Latitude', 'latitude'], ['Longitude', 'longitude']] as const) {
      if (a[from] !== undefined) bag[to] = a[from]!;
    }
    return JSON.stringify(bag);
  }

  /** Azure's bag for an address ({} when unknown), null for text that is no IP address. */
  private location(ip: string): Record<string, string | number> | null {
    const text = ip.trim();
    if (isIP(text) === 0) return null;
    const r = this.reader.get(text) as CityRecord | null;
    const bag: Record<string, string | number> = {};
    if (!r) return bag;
    const name = (n?: Record<string, string>) => n?.en ?? (n ? Object.values(n)[0] : undefined);
    const set = (k: string, v: string | number | undefined) => {
      if (v !== undefined && v !== '') bag[k] = v;
    };
    set('Country', name(r.country?.names));
    set('Region', name(r.continent?.names));
    set('State', name(r.subdivisions?.[0]?.names));
    set('City', name(r.city?.names));
    set('Latitude', r.location?.latitude);
    set('Longitude', r.location?.longitude);
    return bag;
  }

  /** `kql_geo_location(VARCHAR) → VARCHAR`, registered on the transformation engine's instances. */
  runtimeFunction(): RuntimeFunction {
    return runtimeFunction('kql_geo_location', [VARCHAR], VARCHAR, (ip: string) => this.lookup(ip));
  }
}
