/**
 * Conformance cases for the activity evaluate plugins of issue #12: sliding_window_counts
 * (sliding-window-counts-plugin.md), activity_counts_metrics (activity-counts-metrics-plugin.md),
 * activity_metrics (activity-metrics-plugin.md), new_activity_metrics (new-activity-metrics-plugin.md; its
 * Users table rebuilt from the docs' per-day sets),
 * active_users_count (active-users-count-plugin.md), rolling_percentile, ipv4_lookup/ipv6_lookup, geo_polygon_lookup/geo_line_lookup and dcount_intersect (dcount-intersect-plugin.md). The docs' examples are here with their
 * documented output; the other expectations are derived by hand from the documented definitions:
 * a row at timeline t is in period k = floor((t − Start) ÷ Step) when 0 ≤ k and Start + k × Step ≤ End;
 * only periods (and dimension combinations) with rows are output, in period order.
 */
import type { Case } from './cases.js';

const D = (day: string) => `${day}T00:00:00.0000000Z`;

const SLIDING_DOC = `let start = datetime(2017 - 08 - 01);
let end = datetime(2017 - 08 - 07);
let lookbackWindow = 3d;
let bin = 1d;
let T = datatable(UserId: string, Timestamp: datetime)
    [
    'Bob', datetime(2017 - 08 - 01), 'David', datetime(2017 - 08 - 01), 'David', datetime(2017 - 08 - 01),
    'John', datetime(2017 - 08 - 01), 'Bob', datetime(2017 - 08 - 01), 'Ananda', datetime(2017 - 08 - 02),
    'Atul', datetime(2017 - 08 - 02), 'John', datetime(2017 - 08 - 02), 'Ananda', datetime(2017 - 08 - 03),
    'Atul', datetime(2017 - 08 - 03), 'Atul', datetime(2017 - 08 - 03), 'John', datetime(2017 - 08 - 03),
    'Bob', datetime(2017 - 08 - 03), 'Betsy', datetime(2017 - 08 - 04), 'Bob', datetime(2017 - 08 - 05),
];
T
| evaluate sliding_window_counts(UserId, Timestamp, start, end, lookbackWindow, bin)`;

const ACTIVITY_DOC = `let start=datetime(2017-08-01);
let end=datetime(2017-08-04);
let window=1d;
let T = datatable(UserId:string, Timestamp:datetime)
['A', datetime(2017-08-01), 'D', datetime(2017-08-01), 'J', datetime(2017-08-01), 'B', datetime(2017-08-01),
'C', datetime(2017-08-02), 'T', datetime(2017-08-02), 'J', datetime(2017-08-02), 'H', datetime(2017-08-03),
'T', datetime(2017-08-03), 'T', datetime(2017-08-03), 'J', datetime(2017-08-03), 'B', datetime(2017-08-03),
'S', datetime(2017-08-03), 'S', datetime(2017-08-04)];
 T
 | evaluate activity_counts_metrics(UserId, Timestamp, start, end, window)`;

/** Two regions over three days, with one row before Start and one after End (both ignored). */
const REGIONS = `datatable(Id:string, T:datetime, R:string)['a',datetime(2024-01-01),'x', 'b',datetime(2024-01-01),'x', 'a',datetime(2024-01-02),'x', 'a',datetime(2024-01-02),'y', 'c',datetime(2024-01-03),'x', 'z',datetime(2023-12-31),'x', 'z',datetime(2024-01-05),'x']`;
/** A numeric timeline: periods T − 1. */
const NUMERIC = 'datatable(Id:long, T:long)[1,1, 2,1, 1,2, 3,5]';
const AM_COLS = ['T:long', 'dcount_values:long', 'dcount_newvalues:long', 'retention_rate:real', 'churn_rate:real'];
const SWC_COLS = ['Timestamp:datetime', 'Count:long', 'dcount:long'];
const ACM_COLS = ['Timestamp:datetime', 'count:long', 'dcount:long', 'new_dcount:long', 'aggregated_dcount:long'];

const ACTIVE_DOC = `let Start = datetime(2018-07-01);
let End = datetime(2018-07-31);
let LookbackWindow = 8d;
let Period = 1d;
let ActivePeriods = 3;
let Bin = 7d;
let T =  datatable(User:string, Timestamp:datetime)
[
    "B", datetime(2018-06-29), "B", datetime(2018-06-30), "A", datetime(2018-07-02), "B", datetime(2018-07-04), "B", datetime(2018-07-08),
    "A", datetime(2018-07-10), "A", datetime(2018-07-14), "A", datetime(2018-07-17), "A", datetime(2018-07-20), "B", datetime(2018-07-24)
];
T | evaluate active_users_count(User, Timestamp, Start, End, LookbackWindow, Period, ActivePeriods, Bin)`;

const ROLLING_T = `let T =
    range idx from 0 to 24 * 10 - 1 step 1
    | project Timestamp = datetime(2018-01-01) + 1h * idx, val=idx + 1
    | extend EvenOrOdd = iff(val % 2 == 0, "Even", "Odd");
T`;
/** The documented rolling 3-day medians, day by day (the Odd series is one less). */
const ROLLING_DOC = [12, 24, 36, 60, 84, 108, 132, 156, 180, 204];

/** new-activity-metrics-plugin.md's Users table, from the docs' per-day sets. */
const USERS = `let Users = datatable(user:long, Timestamp:datetime)[0,datetime(2019-11-01), 2,datetime(2019-11-01), 3,datetime(2019-11-01), 4,datetime(2019-11-01), 0,datetime(2019-11-02), 1,datetime(2019-11-02), 3,datetime(2019-11-02), 4,datetime(2019-11-02), 5,datetime(2019-11-02), 0,datetime(2019-11-03), 2,datetime(2019-11-03), 4,datetime(2019-11-03), 5,datetime(2019-11-03), 0,datetime(2019-11-04), 1,datetime(2019-11-04), 2,datetime(2019-11-04), 3,datetime(2019-11-04), 0,datetime(2019-11-05), 1,datetime(2019-11-05), 2,datetime(2019-11-05), 3,datetime(2019-11-05), 4,datetime(2019-11-05)];`;
const NAM_COLS = ['from_Timestamp:datetime', 'to_Timestamp:datetime', 'dcount_new_values:long', 'dcount_retained_values:long', 'dcount_churn_values:long', 'retention_rate:real', 'churn_rate:real'];
const NAM_DOC: unknown[][] = [
  ['2019-11-01', '2019-11-01', 4, 4, 0, 1, 0], ['2019-11-01', '2019-11-02', 2, 3, 1, 0.75, 0.25], ['2019-11-01', '2019-11-03', 1, 3, 1, 0.75, 0.25],
  ['2019-11-01', '2019-11-04', 1, 3, 1, 0.75, 0.25], ['2019-11-01', '2019-11-05', 1, 4, 0, 1, 0], ['2019-11-01', '2019-11-06', 0, 0, 4, 0, 1],
  ['2019-11-02', '2019-11-02', 2, 2, 0, 1, 0], ['2019-11-02', '2019-11-03', 0, 1, 1, 0.5, 0.5], ['2019-11-02', '2019-11-04', 0, 1, 1, 0.5, 0.5],
  ['2019-11-02', '2019-11-05', 0, 1, 1, 0.5, 0.5], ['2019-11-02', '2019-11-06', 0, 0, 2, 0, 1],
].map(([f, t, ...rest]) => [D(f as string), D(t as string), ...rest]);

const DCOUNT_DOC = `range x from 1 to 100 step 1
| extend isEven = (x % 2 == 0), isMod3 = (x % 3 == 0), isMod5 = (x % 5 == 0)
| summarize hll_even = hll(iif(isEven, x, 0), 2),
            hll_mod3 = hll(iif(isMod3, x, 0), 2),
            hll_mod5 = hll(iif(isMod5, x, 0), 2)
| evaluate dcount_intersect(hll_even, hll_mod3, hll_mod5)
| project evenNumbers = s0 - 1, even_and_mod3 = s1 - 1, even_and_mod3_and_mod5 = s2 - 1`;

const IP_DATA = `let IP_Data = datatable(network:string, continent_code:string ,continent_name:string, country_iso_code:string, country_name:string)
["111.68.128.0/17","AS","Asia","JP","Japan", "5.8.0.0/19","EU","Europe","RU","Russia", "223.255.254.0/24","AS","Asia","SG","Singapore",
 "46.36.200.51/32","OC","Oceania","CK","Cook Islands", "2.20.183.0/24","EU","Europe","GB","United Kingdom"];
let IPs = datatable(ip:string)['2.20.183.12', '5.8.1.2', '192.165.12.17'];`;
const IP_COLS = ['ip:string', 'network:string', 'continent_code:string', 'continent_name:string', 'country_iso_code:string', 'country_name:string'];
const IPV6_DATA = `let IP_Data = datatable(network:string, continent_code:string, continent_name:string, country_iso_code:string, country_name:string)
["2001:0db8:85a3::/48","NA","North America","US","United States", "2404:6800:4001::/48","AS","Asia","JP","Japan",
 "2a00:1450:4001::/48","EU","Europe","DE","Germany", "2800:3f0:4001::/48","SA","South America","BR","Brazil"];
let IPs = datatable(ip:string)['2001:0db8:85a3:0000:0000:8a2e:0370:7334', '2404:6800:4001:0001:0000:8a2e:0370:7334', '2a02:26f0:4001:0006:0000:8a2e:0370:7334'];`;

const SQUARE_JSON = '{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1],[0,0]]]}';
const SQUARE = `datatable(area:string, poly:dynamic)["sq", dynamic(${SQUARE_JSON})]`;
const PTS = 'datatable(name:string, lon:real, lat:real)["in",0.5,0.5, "near",1.0005,0.5, "out",5,5]';

export const PLUGIN3_CASES: Case[] = [
  // ───────────── ipv4-lookup-plugin.md ─────────────
  { q: `${IP_DATA} IPs | evaluate ipv4_lookup(IP_Data, ip, network)`, cols: IP_COLS, rows: [['2.20.183.12', '2.20.183.0/24', 'EU', 'Europe', 'GB', 'United Kingdom'], ['5.8.1.2', '5.8.0.0/19', 'EU', 'Europe', 'RU', 'Russia']] },
  { q: `${IP_DATA} IPs | evaluate ipv4_lookup(IP_Data, ip, network, return_unmatched = true)`, cols: IP_COLS, rows: [['2.20.183.12', '2.20.183.0/24', 'EU', 'Europe', 'GB', 'United Kingdom'], ['5.8.1.2', '5.8.0.0/19', 'EU', 'Europe', 'RU', 'Russia'], ['192.165.12.17', '', '', '', '', '']] },
  // the docs' extra-keys example (its external_data is a datatable here): extra keys match by equality and appear once
  { q: `let IP_Data = datatable(network:string, geoname_id:long, continent_code:string, continent_name:string, country_iso_code:string, country_name:string)["2.20.183.0/24",2635167,"EU","Europe","GB","United Kingdom", "5.8.0.0/19",2017370,"EU","Europe","RU","Russia", "192.165.8.0/21",2661886,"EU","Europe","SE","Sweden"];
let IPs = datatable(ip:string, continent_name:string, country_iso_code:string)['2.20.183.12', 'Europe', 'GB', '5.8.1.2', 'Europe', 'RU', '192.165.12.17', 'Europe', ''];
IPs | evaluate ipv4_lookup(IP_Data, ip, network, continent_name, country_iso_code)`, cols: ['ip:string', 'continent_name:string', 'country_iso_code:string', 'network:string', 'geoname_id:long', 'continent_code:string', 'country_name:string'], rows: [['2.20.183.12', 'Europe', 'GB', '2.20.183.0/24', 2635167, 'EU', 'United Kingdom'], ['5.8.1.2', 'Europe', 'RU', '5.8.0.0/19', 2017370, 'EU', 'Russia']] },
  // a masked source matches the lookup prefix it falls in; a row matching two lookup rows appears twice
  { q: 'datatable(ip:string)["10.1.0.0/16", "10.2.3.4", "not an ip"] | evaluate ipv4_lookup(datatable(net:string, name:string)["10.0.0.0/8","ten", "10.2.0.0/16","ten-two"], ip, net)', cols: ['ip:string', 'net:string', 'name:string'], rows: [['10.1.0.0/16', '10.0.0.0/8', 'ten'], ['10.2.3.4', '10.0.0.0/8', 'ten'], ['10.2.3.4', '10.2.0.0/16', 'ten-two']] },
  { q: `${IP_DATA} IPs | evaluate ipv4_lookup(IP_Data, ip)`, err: { kind: 'SemanticError', msg: 'ipv4_lookup(): expects LookupTable, SourceKey and LookupKey' } },
  { q: `${IP_DATA} IPs | evaluate ipv4_lookup(IP_Data, ip, nope)`, err: { kind: 'SemanticError', msg: "ipv4_lookup(): LookupKey must be a column name; 'nope' is not a column" } },
  { q: `${IP_DATA} IPs | evaluate ipv4_lookup(IP_Data, ip, network, return_unmatched = 1)`, err: { kind: 'SemanticError', msg: 'ipv4_lookup(): return_unmatched must be a bool constant' } },
  { q: `${IP_DATA} IPs | extend country_name = "x" | evaluate ipv4_lookup(IP_Data, ip, network)`, err: { kind: 'SemanticError', msg: "ipv4_lookup(): the LookupTable's column 'country_name' is also a column of the input" } },
  { q: 'print ip = 1 | evaluate ipv4_lookup(datatable(net:string)["10.0.0.0/8"], ip, net)', err: { kind: 'SemanticError', msg: "ipv4_lookup(): the SourceKey column must be a string, got 'long'" } },
  { q: 'print ip = "1.2.3.4" | evaluate ipv4_lookup(42, ip, net)', err: { kind: 'SemanticError', msg: 'ipv4_lookup(): LookupTable must be a table' } },
  // ───────────── geo-polygon-lookup-plugin.md, geo-line-lookup-plugin.md ─────────────
  { q: `${PTS} | evaluate geo_polygon_lookup(${SQUARE}, poly, lon, lat)`, cols: ['name:string', 'lon:real', 'lat:real', 'area:string'], rows: [['in', 0.5, 0.5, 'sq']] },
  { q: `${PTS} | evaluate geo_polygon_lookup(${SQUARE}, poly, lon, lat, return_unmatched = true, return_lookup_key = true)`, cols: ['name:string', 'lon:real', 'lat:real', 'area:string', 'poly:dynamic'], rows: [['in', 0.5, 0.5, 'sq', SQUARE_JSON], ['near', 1.0005, 0.5, '', null], ['out', 5, 5, '', null]] },
  // a radius (meters): "near" is about 56 m east of the square's edge
  { q: `${PTS} | evaluate geo_polygon_lookup(${SQUARE}, poly, lon, lat, radius = 100)`, cols: ['name:string', 'lon:real', 'lat:real', 'area:string'], rows: [['in', 0.5, 0.5, 'sq'], ['near', 1.0005, 0.5, 'sq']] },
  { q: `${PTS} | evaluate geo_polygon_lookup(${SQUARE}, poly, lon, lat, 10)`, cols: ['name:string', 'lon:real', 'lat:real', 'area:string'], rows: [['in', 0.5, 0.5, 'sq']] },
  // about 556 m and 5.6 km from the road
  { q: 'datatable(name:string, lon:real, lat:real)["a",0.5,0.005, "b",0.5,0.05] | evaluate geo_line_lookup(datatable(road:string, line:dynamic)["r", dynamic({"type":"LineString","coordinates":[[0,0],[1,0]]})], line, lon, lat, 1000)', cols: ['name:string', 'lon:real', 'lat:real', 'road:string'], rows: [['a', 0.5, 0.005, 'r']] },
  { q: 'datatable(name:string, lon:real, lat:real)["a",0.5,0.005, "b",0.5,0.05] | evaluate geo_line_lookup(datatable(road:string, line:dynamic)["r", dynamic({"type":"LineString","coordinates":[[0,0],[1,0]]})], line, lon, lat, 10000, return_unmatched = true) | count', cols: ['Count:long'], rows: [[2]] },
  { q: `${PTS} | evaluate geo_polygon_lookup(${SQUARE}, poly, lon, lat, nope = 1)`, err: { kind: 'SemanticError', msg: "geo_polygon_lookup(): unknown argument 'nope'" } },
  { q: `${PTS} | evaluate geo_polygon_lookup(${SQUARE}, area, lon, lat)`, err: { kind: 'SemanticError', msg: "geo_polygon_lookup(): the lookup key column must be dynamic (GeoJSON), got 'string'" } },
  { q: `${PTS} | evaluate geo_line_lookup(${SQUARE}, poly, lon, lat)`, err: { kind: 'SemanticError', msg: 'geo_line_lookup(): expects LookupTable, LookupLineKey, SourceLongitude, SourceLatitude, Radius' } },
  { q: `${PTS} | evaluate geo_polygon_lookup(${SQUARE}, poly, lon, lat, radius = -1)`, err: { kind: 'SemanticError', msg: 'geo_polygon_lookup(): radius must not be negative' } },
  { q: `${PTS} | evaluate geo_polygon_lookup(${SQUARE}, poly, lon, lat, return_unmatched = "yes")`, err: { kind: 'SemanticError', msg: 'geo_polygon_lookup(): return_unmatched must be a bool constant' } },

  // ───────────── ipv6-lookup-plugin.md ─────────────
  // ipv6_lookup lists the LookupTable's columns first (ipv6-lookup-plugin.md)
  { q: `${IPV6_DATA} IPs | evaluate ipv6_lookup(IP_Data, ip, network)`, cols: [...IP_COLS.slice(1), IP_COLS[0]!], rows: [['2001:0db8:85a3::/48', 'NA', 'North America', 'US', 'United States', '2001:0db8:85a3:0000:0000:8a2e:0370:7334'], ['2404:6800:4001::/48', 'AS', 'Asia', 'JP', 'Japan', '2404:6800:4001:0001:0000:8a2e:0370:7334']] },
  { q: `${IPV6_DATA} IPs | evaluate ipv6_lookup(IP_Data, ip, network, true) | count`, cols: ['Count:long'], rows: [[3]] },

  // ───────────── sliding-window-counts-plugin.md ─────────────
  { q: SLIDING_DOC, ordered: true, cols: SWC_COLS, rows: [[D('2017-08-01'), 5, 3], [D('2017-08-02'), 8, 5], [D('2017-08-03'), 13, 5], [D('2017-08-04'), 9, 5], [D('2017-08-05'), 7, 5], [D('2017-08-06'), 2, 2], [D('2017-08-07'), 1, 1]] },
  // a numeric timeline; period 3 (T = 4) has no rows in its window and is not output
  { q: `${NUMERIC} | evaluate sliding_window_counts(Id, T, 1, 5, 2, 1)`, ordered: true, cols: ['T:long', 'Count:long', 'dcount:long'], rows: [[1, 2, 2], [2, 3, 2], [3, 1, 1], [5, 1, 1]] },
  // LookbackWindow is rounded down to a multiple of Bin (2.5 → 2 periods)
  { q: `${NUMERIC} | evaluate sliding_window_counts(Id, T, 1, 5, 2.5, 1)`, ordered: true, cols: ['T:long', 'Count:long', 'dcount:long'], rows: [[1, 2, 2], [2, 3, 2], [3, 1, 1], [5, 1, 1]] },
  // a LookbackWindow shorter than Bin counts each period alone; End bounds the periods
  { q: `${NUMERIC} | evaluate sliding_window_counts(Id, T, 1, 4, 0.5, 1)`, ordered: true, cols: ['T:long', 'Count:long', 'dcount:long'], rows: [[1, 2, 2], [2, 1, 1]] },
  // dimensions: one group per combination, after the timeline column; rows outside Start..End are ignored
  { q: `${REGIONS} | evaluate sliding_window_counts(Id, T, datetime(2024-01-01), datetime(2024-01-03), 2d, 1d, R)`, ordered: true, cols: ['T:datetime', 'R:string', 'Count:long', 'dcount:long'], rows: [[D('2024-01-01'), 'x', 3, 3], [D('2024-01-02'), 'x', 3, 2], [D('2024-01-02'), 'y', 1, 1], [D('2024-01-03'), 'x', 2, 2], [D('2024-01-03'), 'y', 1, 1]] },
  // a row before Start still counts in the windows after it that reach into the range
  { q: `${REGIONS} | evaluate sliding_window_counts(Id, T, datetime(2024-01-01), datetime(2024-01-01), 2d, 1d)`, ordered: true, cols: ['T:datetime', 'Count:long', 'dcount:long'], rows: [[D('2024-01-01'), 3, 3]] },
  { q: 'datatable(Id:string, T:datetime)[] | evaluate sliding_window_counts(Id, T, datetime(2024-01-01), datetime(2024-01-03), 1d, 1d)', cols: ['T:datetime', 'Count:long', 'dcount:long'], rows: [] },
  { q: `${NUMERIC} | evaluate sliding_window_counts(Id, T, 1, 5, 2)`, err: { kind: 'SemanticError', msg: 'sliding_window_counts(): expects at least 6 arguments, got 5' } },
  { q: `${NUMERIC} | evaluate sliding_window_counts(Id, T + 1, 1, 5, 2, 1)`, err: { kind: 'SemanticError', msg: 'sliding_window_counts(): TimelineColumn must be a column of the input' } },
  { q: 'datatable(Id:long, T:string)[] | evaluate sliding_window_counts(Id, T, 1, 5, 2, 1)', err: { kind: 'SemanticError', msg: "TimelineColumn must be a datetime, timespan or numeric column, got 'string'" } },
  { q: `${NUMERIC} | evaluate sliding_window_counts(Id, T, datetime(2024-01-01), 5, 2, 1)`, err: { kind: 'SemanticError', msg: "sliding_window_counts(): Start must be of the TimelineColumn's type (long), got 'datetime'" } },
  { q: `${REGIONS} | evaluate sliding_window_counts(Id, T, datetime(2024-01-01), datetime(2024-01-03), 2d, 1)`, err: { kind: 'SemanticError', msg: "sliding_window_counts(): Bin must be a timespan, got 'long'" } },
  { q: `${REGIONS} | evaluate sliding_window_counts(Id, T, datetime(2024-01-01), datetime(2024-01-03), 2d, 'week')`, err: { kind: 'SemanticError', msg: "Bin as 'week', 'month' or 'year' is not supported by Vigil" } },
  { q: `${NUMERIC} | evaluate sliding_window_counts(Id, T, 1, 5, 2, 0)`, err: { kind: 'SemanticError', msg: 'sliding_window_counts(): Bin must be greater than zero' } },
  { q: `${NUMERIC} | evaluate sliding_window_counts(Id, T, 1, 5, 2, 1, T + 1)`, err: { kind: 'SemanticError', msg: 'sliding_window_counts(): dimensions must be columns of the input' } },
  { q: `${NUMERIC} | extend Count = 1 | evaluate sliding_window_counts(Id, T, 1, 5, 2, 1, Count)`, err: { kind: 'SemanticError', msg: "sliding_window_counts(): duplicate column 'Count' in the output" } },

  // ───────────── activity-counts-metrics-plugin.md ─────────────
  { q: ACTIVITY_DOC, ordered: true, cols: ACM_COLS, rows: [[D('2017-08-01'), 4, 4, 4, 4], [D('2017-08-02'), 3, 3, 2, 6], [D('2017-08-03'), 6, 5, 2, 8], [D('2017-08-04'), 1, 1, 0, 8]] },
  // dimensions: new and aggregated distinct counts are per combination
  { q: `${REGIONS} | evaluate activity_counts_metrics(Id, T, datetime(2024-01-01), datetime(2024-01-03), 1d, R)`, ordered: true, cols: ['T:datetime', 'R:string', 'count:long', 'dcount:long', 'new_dcount:long', 'aggregated_dcount:long'], rows: [[D('2024-01-01'), 'x', 2, 2, 2, 2], [D('2024-01-02'), 'x', 1, 1, 0, 2], [D('2024-01-02'), 'y', 1, 1, 1, 1], [D('2024-01-03'), 'x', 1, 1, 1, 3]] },
  // a 2-day step; the period starting on End (2024-01-03) is the last one
  { q: `${REGIONS} | evaluate activity_counts_metrics(Id, T, datetime(2024-01-01), datetime(2024-01-03), 2d)`, ordered: true, cols: ['T:datetime', 'count:long', 'dcount:long', 'new_dcount:long', 'aggregated_dcount:long'], rows: [[D('2024-01-01'), 4, 2, 2, 2], [D('2024-01-03'), 1, 1, 1, 3]] },
  // a numeric timeline
  { q: `${NUMERIC} | evaluate activity_counts_metrics(Id, T, 1, 5, 1)`, ordered: true, cols: ['T:long', 'count:long', 'dcount:long', 'new_dcount:long', 'aggregated_dcount:long'], rows: [[1, 2, 2, 2, 2], [2, 1, 1, 0, 2], [5, 1, 1, 1, 3]] },
  { q: `${NUMERIC} | evaluate activity_counts_metrics(Id, T, 1, 5)`, err: { kind: 'SemanticError', msg: 'activity_counts_metrics(): expects at least 5 arguments, got 4' } },
  { q: `${NUMERIC} | evaluate activity_counts_metrics(Id, T, 1, 5, -1)`, err: { kind: 'SemanticError', msg: 'activity_counts_metrics(): Step must be greater than zero' } },
  { q: `${REGIONS} | evaluate activity_counts_metrics(Id, T, datetime(2024-01-01), 3d, 1d)`, err: { kind: 'SemanticError', msg: "activity_counts_metrics(): End must be of the TimelineColumn's type (datetime), got 'timespan'" } },

  // ───────────── activity-metrics-plugin.md (the docs' examples use rand()) ─────────────
  { q: 'datatable(Id:string, T:long)["a",1, "b",1, "a",2, "c",2, "c",3, "c",3, "z",9] | evaluate activity_metrics(Id, T, 1, 4, 1)', ordered: true, cols: AM_COLS, rows: [[1, 2, 2, 'NaN', 'NaN'], [2, 2, 1, 0.5, 0.5], [3, 1, 0, 0.5, 0.5]] },
  // a gap: the period after an empty one has no previous IDs; dimensions come last
  { q: 'datatable(Id:string, T:long, R:string)["a",1,"x", "a",3,"x", "a",4,"x", "b",4,"y"] | evaluate activity_metrics(Id, T, 1, 4, 1, R)', ordered: true, cols: [...AM_COLS, 'R:string'], rows: [[1, 1, 1, 'NaN', 'NaN', 'x'], [3, 1, 1, 'NaN', 'NaN', 'x'], [4, 1, 0, 1, 0, 'x'], [4, 1, 1, 'NaN', 'NaN', 'y']] },
  { q: `${REGIONS} | evaluate activity_metrics(Id, T, datetime(2024-01-01), datetime(2024-01-03), 1d) | project T, dcount_values, dcount_newvalues, retention_rate`, ordered: true, cols: ['T:datetime', 'dcount_values:long', 'dcount_newvalues:long', 'retention_rate:real'], rows: [[D('2024-01-01'), 2, 2, 'NaN'], [D('2024-01-02'), 1, 0, 0.5], [D('2024-01-03'), 1, 1, 0]] },
  { q: `${REGIONS} | evaluate activity_metrics(Id, T, 1d)`, err: { kind: 'SemanticError', msg: 'activity_metrics(): Vigil needs Start and End' } },

  // ───────────── new-activity-metrics-plugin.md ─────────────
  { q: `${USERS} let StartDate = datetime(2019-11-01 00:00:00); let EndDate = datetime(2019-11-07 00:00:00); Users | evaluate new_activity_metrics(user, Timestamp, StartDate, EndDate-1tick, 1d) | where from_Timestamp < datetime(2019-11-03 00:00:00.0000000)`, ordered: true, cols: NAM_COLS, rows: NAM_DOC },
  // Cohort: only the cohort of 2019-11-02
  { q: `${USERS} Users | evaluate new_activity_metrics(user, Timestamp, datetime(2019-11-01), datetime(2019-11-06), 1d, datetime(2019-11-02))`, ordered: true, cols: NAM_COLS, rows: NAM_DOC.slice(6) },
  // every pair of periods per dimension combination; an empty cohort has NaN rates
  { q: 'datatable(Id:string, T:long, R:string)["a",1,"x", "b",1,"y", "a",2,"x"] | evaluate new_activity_metrics(Id, T, 1, 2, 1, R)', ordered: true, cols: ['from_T:long', 'to_T:long', 'dcount_new_values:long', 'dcount_retained_values:long', 'dcount_churn_values:long', 'retention_rate:real', 'churn_rate:real', 'R:string'], rows: [[1, 1, 1, 1, 0, 1, 0, 'x'], [1, 1, 1, 1, 0, 1, 0, 'y'], [1, 2, 0, 1, 0, 1, 0, 'x'], [1, 2, 0, 0, 1, 0, 1, 'y'], [2, 2, 0, 0, 0, 'NaN', 'NaN', 'x'], [2, 2, 0, 0, 0, 'NaN', 'NaN', 'y']] },
  { q: 'datatable(Id:string, T:long)[] | evaluate new_activity_metrics(Id, T, 1, 2, 1)', cols: ['from_T:long', 'to_T:long', 'dcount_new_values:long', 'dcount_retained_values:long', 'dcount_churn_values:long', 'retention_rate:real', 'churn_rate:real'], rows: [] },
  { q: 'datatable(Id:string, T:long)[] | evaluate new_activity_metrics(Id, T, 1, 2, 1, (datatable(Id:string)["a"]))', err: { kind: 'SemanticError', msg: 'new_activity_metrics(): the Lookback table is not supported by Vigil' } },
  { q: 'datatable(Id:string, T:long)[] | evaluate new_activity_metrics(Id, T, 1, 2, 1, 1d)', err: { kind: 'SemanticError', msg: "new_activity_metrics(): Cohort must be of the TimelineColumn's type (long), got 'timespan'" } },

  // ───────────── active-users-count-plugin.md ─────────────
  { q: ACTIVE_DOC, ordered: true, cols: ['Timestamp:datetime', 'dcount:long'], rows: [[D('2018-07-01'), 1], [D('2018-07-15'), 1]] },
  // Id 1 is active at T = 2 and 3 (two distinct periods in (T − 3, T]), not at 1 or 10; Id 2's two rows share one period
  { q: 'datatable(Id:long, T:long)[1,1, 1,2, 1,3, 2,3, 2,3, 1,10] | evaluate active_users_count(Id, T, 1, 10, 3, 1, 2, 5)', ordered: true, cols: ['T:long', 'dcount:long'], rows: [[1, 1]] },
  // the lookback window excludes its start: (4 − 3, 4] misses T = 1, (4 − 4, 4] holds it
  { q: 'datatable(Id:long, T:long)[1,1, 1,4] | evaluate active_users_count(Id, T, 1, 10, 3, 1, 2, 5)', cols: ['T:long', 'dcount:long'], rows: [] },
  { q: 'datatable(Id:long, T:long)[1,1, 1,4] | evaluate active_users_count(Id, T, 1, 10, 4, 1, 2, 5)', cols: ['T:long', 'dcount:long'], rows: [[1, 1]] },
  // appearances count per dimension combination
  { q: 'datatable(Id:string, T:long, R:string)["a",1,"x", "a",2,"y", "a",3,"y"] | evaluate active_users_count(Id, T, 1, 3, 3, 1, 2, 1, R)', cols: ['T:long', 'R:string', 'dcount:long'], rows: [[3, 'y', 1]] },
  { q: 'datatable(Id:long, T:long)[] | evaluate active_users_count(Id, T, 1, 10, 3, 1, "two", 5)', err: { kind: 'SemanticError', msg: "active_users_count(): ActivePeriodsCount must be a number, got 'string'" } },
  { q: 'datatable(Id:long, T:long)[] | evaluate active_users_count(Id, T, 1, 10, 3, 1, 2)', err: { kind: 'SemanticError', msg: 'active_users_count(): expects at least 8 arguments, got 7' } },
  { q: 'datatable(Id:long, T:datetime)[] | evaluate active_users_count(Id, T, datetime(2024-01-01), datetime(2024-01-02), 3d, 0d, 2, 1d)', err: { kind: 'SemanticError', msg: 'active_users_count(): Period must be greater than zero' } },

  // ───────────── rolling-percentile-plugin.md ─────────────
  { q: `${ROLLING_T} | evaluate rolling_percentile(val, 50, Timestamp, 1d, 3)`, ordered: true, cols: ['Timestamp:datetime', 'rolling_3_percentile_val_50:long'], rows: ROLLING_DOC.map((v, i) => [D(`2018-01-${String(i + 1).padStart(2, '0')}`), v]) },
  { q: `${ROLLING_T} | evaluate rolling_percentile(val, 50, Timestamp, 1d, 3, EvenOrOdd)`, ordered: true, cols: ['Timestamp:datetime', 'EvenOrOdd:string', 'rolling_3_percentile_val_50:long'], rows: [...ROLLING_DOC.map((v, i) => [D(`2018-01-${String(i + 1).padStart(2, '0')}`), 'Even', v]), ...ROLLING_DOC.map((v, i) => [D(`2018-01-${String(i + 1).padStart(2, '0')}`), 'Odd', v - 1])] },
  // bins of 2 over a long index; bin 2 (index 4) holds only its own row and bin 1's
  { q: 'datatable(i:long, v:long)[0,5, 1,1, 2,9, 5,3] | evaluate rolling_percentile(v, 50, i, 2, 2)', ordered: true, cols: ['i:long', 'rolling_2_percentile_v_50:long'], rows: [[0, 1], [2, 5], [4, 3]] },
  { q: 'datatable(i:real, v:real)[0.2,1.5, 0.7,2.5, 1.1,0.5] | evaluate rolling_percentile(v, 99.5, i, 0.5, 1)', ordered: true, cols: ['i:real', 'rolling_1_percentile_v_99.5:real'], rows: [[0, 1.5], [0.5, 2.5], [1, 0.5]] },
  { q: 'datatable(i:long, v:long)[] | evaluate rolling_percentile(v, 50, i, 2)', err: { kind: 'SemanticError', msg: 'rolling_percentile(): expects at least 5 arguments, got 4' } },
  { q: 'datatable(i:long, v:long)[] | evaluate rolling_percentile(v, 101, i, 2, 2)', err: { kind: 'SemanticError', msg: 'rolling_percentile(): Percentile must be a number between 0 and 100' } },
  { q: 'datatable(i:long, v:long)[] | evaluate rolling_percentile(v, 50, i, 2, 0)', err: { kind: 'SemanticError', msg: 'rolling_percentile(): BinsPerWindow must be an integer from 1 to 10000' } },
  { q: 'datatable(i:long, v:long)[] | evaluate rolling_percentile(v, 50, i, 2, 10001)', err: { kind: 'SemanticError', msg: 'rolling_percentile(): BinsPerWindow must be an integer from 1 to 10000' } },
  { q: 'datatable(i:datetime, v:long)[] | evaluate rolling_percentile(v, 50, i, 2, 2)', err: { kind: 'SemanticError', msg: "rolling_percentile(): BinSize must be a timespan, got 'long'" } },
  { q: 'datatable(i:long, v:string)[] | evaluate rolling_percentile(v, 50, i, 2, 2)', err: { kind: 'SemanticError', msg: 'rolling_percentile(): ValueColumn must be a numeric, datetime or timespan column of the input' } },

  // ───────────── dcount-intersect-plugin.md ─────────────
  { q: DCOUNT_DOC, cols: ['evenNumbers:long', 'even_and_mod3:long', 'even_and_mod3_and_mod5:long'], rows: [[50, 16, 3]] },
  { q: 'datatable(a:long, b:long)[1,1, 2,2, 3,5] | summarize h1 = hll(a), h2 = hll(b) | evaluate dcount_intersect(h1, h2) | project-away h1, h2', cols: ['s0:long', 's1:long'], rows: [[3, 2]] },
  // one row per input row (here per group of summarize … by)
  { q: 'datatable(g:string, a:long, b:long)["x",1,1, "x",2,3, "y",4,4] | summarize h1 = hll(a), h2 = hll(b) by g | evaluate dcount_intersect(h1, h2) | project-away h1, h2', cols: ['g:string', 's0:long', 's1:long'], rows: [['x', 2, 1], ['y', 1, 1]] },
  // past the sketch's 4096 values the intersection is an estimate from the union's smallest hashes
  { q: 'range x from 1 to 20000 step 1 | summarize h1 = hll(x), h2 = hll(iif(x % 2 == 0, x, long(null))) | evaluate dcount_intersect(h1, h2) | project all = s0 between (19000 .. 21000), even = s1 between (9000 .. 11000)', cols: ['all:bool', 'even:bool'], rows: [[true, true]] },
  // a value that is not an hll() state gives null
  { q: 'print h1 = dynamic(null), h2 = dynamic([1]) | evaluate dcount_intersect(h1, h2)', cols: ['h1:dynamic', 'h2:dynamic', 's0:long', 's1:long'], rows: [[null, '[1]', null, null]] },
  // the input's columns come first; an output name already taken is de-duplicated (s0 → s01)
  { q: 'print s0 = 7, h1 = dynamic([1, 2]), h2 = dynamic([2]) | evaluate dcount_intersect(h1, h2) | project-away h1, h2', cols: ['s0:long', 's01:long', 's1:long'], rows: [[7, 2, 1]] },
  { q: 'print h1 = dynamic([1]) | evaluate dcount_intersect(h1)', err: { kind: 'SemanticError', msg: 'dcount_intersect(): expects at least two hll() values' } },
  { q: 'print h1 = 1, h2 = dynamic([1]) | evaluate dcount_intersect(h1, h2)', err: { kind: 'SemanticError', msg: "dcount_intersect(): the arguments must be hll() values (dynamic), got 'long'" } },
  { q: `print h = dynamic([1]) | evaluate dcount_intersect(${Array.from({ length: 17 }, () => 'h').join(', ')})`, err: { kind: 'SemanticError', msg: 'dcount_intersect(): expects at most 16 hll() values' } },
];
