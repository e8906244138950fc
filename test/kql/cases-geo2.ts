/**
 * Issue #12: the geospatial overlays, buffers, simplification and H3 coverings, and series_seasonal.
 *
 * Expectations with coordinates are the docs' examples (kql-docs/query/geo-*.md) compared with
 * `approx` (1e-9 degrees, polygon rings from their smallest vertex: Kusto lists a ring from another
 * start and prints the last digits of its own rounding). Where the docs print no coordinates
 * (buffers: `[ ... ]`), the cases check what a buffer is — every vertex at the radius (within the
 * tolerance) from the shape, the shape inside — with the other geo functions. Then the edges: nulls,
 * invalid GeoJSON, shapes across the antimeridian, shapes too far apart for one overlay.
 */
import type { Case } from './cases.js';

const A = 1e-9;
const poly = (coords: string) => `dynamic({"type":"Polygon","coordinates":${coords}})`;
const line = (coords: string) => `dynamic({"type":"LineString","coordinates":${coords}})`;

/** A buffer's first ring, one vertex a row, with its distance `d` (meters) from the shape `distance`. */
const ringDistances = (buffer: string, distance: (lon: string, lat: string) => string) =>
  `let b = ${buffer};\nprint t = tostring(b.type), v = b.coordinates[0]\n| mv-expand v\n| extend d = ${distance('todouble(v[0])', 'todouble(v[1])')}`;

export const GEO2_CASES: Case[] = [
  // ───────────── geo_intersection_2lines (geo-intersection-2lines-function.md) ─────────────
  { q: `let lineString1 = ${line('[[-73.978929,40.785155],[-73.980903,40.782621]]')};\nlet lineString2 = ${line('[[-73.985195,40.788275],[-73.974552,40.779761]]')};\nprint intersection = geo_intersection_2lines(lineString1, lineString2)`,
    cols: ['intersection:dynamic'], rows: [['{"type": "Point","coordinates": [-73.979837116670978,40.783989289772165]}']], approx: A },
  { q: `let line = ${line('[[-73.978929,40.785155],[-73.980903,40.782621]]')};\nprint intersection = geo_intersection_2lines(line, line)`,
    cols: ['intersection:dynamic'], rows: [['{"type":"LineString","coordinates":[[-73.978929,40.785155],[-73.980903,40.782621]]}']] },
  { q: `let lineString1 = ${line('[[1, 1],[2, 2]]')};\nlet lineString2 = ${line('[[3, 3],[4, 4]]')};\nprint intersection = geo_intersection_2lines(lineString1, lineString2)`,
    cols: ['intersection:dynamic'], rows: [['{"type":"GeometryCollection","geometries":[]}']] },
  { q: `let lineString1 = ${line('[[1, 1],[2, 2]]')};\nlet lineString2 = ${line('[[3, 3]]')};\nprint invalid = isnull(geo_intersection_2lines(lineString1, lineString2))`,
    cols: ['invalid:bool'], rows: [[true]] },
  // crossing lines, several points, and a shared stretch (edges are geodesics: the crossing of the X is north of [1,1])
  { q: `print x = geo_intersection_2lines(${line('[[0,0],[2,2]]')}, ${line('[[0,2],[2,0]]')}),\n y = geo_intersection_2lines(dynamic({"type":"MultiLineString","coordinates":[[[0,0],[2,0]],[[0,1],[2,1]]]}), ${line('[[1,-1],[1,3]]')}),\n z = geo_intersection_2lines(${line('[[0,0],[2,0],[3,1]]')}, ${line('[[1,0],[2,0],[2,3]]')})`,
    cols: ['x:dynamic', 'y:dynamic', 'z:dynamic'],
    rows: [['{"type":"Point","coordinates":[1,1.00045705372412]}', '{"type":"MultiPoint","coordinates":[[1,0],[1,1.0001522971042085]]}', '{"type":"LineString","coordinates":[[1,0],[2,0]]}']], approx: A },

  // ───────────── geo_intersection_2polygons (geo-intersection-2polygons-function.md) ─────────────
  { q: `let polygon1 = ${poly('[[[-73.9630937576294,40.77498840732385],[-73.963565826416,40.774383111780914],[-73.96205306053162,40.773745311181585],[-73.96160781383514,40.7743912365898],[-73.9630937576294,40.77498840732385]]]')};\nlet polygon2 = ${poly('[[[-73.96213352680206,40.775045280447145],[-73.9631313085556,40.774578106920345],[-73.96207988262177,40.77416780398293],[-73.96213352680206,40.775045280447145]]]')};\nprint intersection = geo_intersection_2polygons(polygon1, polygon2)`,
    cols: ['intersection:dynamic'], rows: [['{"type": "Polygon",  "coordinates": [[[-73.962105776437156,40.774591360999679],[-73.962642403166868,40.774807020251778],[-73.9631313085556,40.774578106920352],[-73.962079882621765,40.774167803982927],[-73.962105776437156,40.774591360999679]]]}']], approx: A },
  { q: `let polygon1 = ${poly('[[[2,45],[0,45],[1,44],[2,45]]]')};\nlet polygon2 = ${poly('[[[3,44],[2,45],[2,43],[3,44]]]')};\nprint intersection = geo_intersection_2polygons(polygon1, polygon2)`,
    cols: ['intersection:dynamic'], rows: [['{"type":"Point","coordinates":[2,45]}']] },
  { q: `let polygon1 = ${poly('[[[2,45],[0,45],[1,44],[2,45]]]')};\nlet polygon2 = dynamic({"type":"MultiPolygon","coordinates":[[[[3,44],[2,45],[2,43],[3,44]]],[[[1.192,45.265],[1.005,44.943],[1.356,44.937],[1.192,45.265]]]]});\nprint intersection = geo_intersection_2polygons(polygon1, polygon2)`,
    cols: ['intersection:dynamic'], rows: [['{"type": "GeometryCollection","geometries": [{ "type": "Point", "coordinates": [2, 45]},{ "type": "Polygon", "coordinates": [[[1.3227075526410679,45.003909145068739],[1.0404565374899824,45.004356403066552],[1.005,44.943],[1.356,44.937],[1.3227075526410679,45.003909145068739]]]}]}']], approx: A },
  { q: `let polygon1 = ${poly('[[[2,45],[0,45],[1,44],[2,45]]]')};\nlet polygon2 = ${poly('[[[3,44],[3,45],[2,43],[3,44]]]')};\nprint intersection = geo_intersection_2polygons(polygon1, polygon2)`,
    cols: ['intersection:dynamic'], rows: [['{"type":"GeometryCollection","geometries":[]}']] },
  { q: `let central_park_polygon = ${poly('[[[-73.9495,40.7969],[-73.95807266235352,40.80068603561921],[-73.98201942443848,40.76825672305777],[-73.97317886352539,40.76455136505513],[-73.9495,40.7969]]]')};\nlet invalid_polygon = dynamic({"type":"Polygon"});\nprint isnull(geo_intersection_2polygons(invalid_polygon, central_park_polygon))`,
    cols: ['print_0:bool'], rows: [[true]] },
  // polygons sharing an edge meet in a line; polygons on opposite sides of the Earth do not meet
  { q: `print s = geo_intersection_2polygons(${poly('[[[0,0],[1,0],[1,1],[0,1],[0,0]]]')}, ${poly('[[[1,0],[2,0],[2,1],[1,1],[1,0]]]')}),\n  far = geo_intersection_2polygons(${poly('[[[0,0],[1,0],[1,1],[0,0]]]')}, ${poly('[[[170,0],[171,0],[171,1],[170,0]]]')})`,
    cols: ['s:dynamic', 'far:dynamic'], rows: [['{"type":"LineString","coordinates":[[1,0],[1,1]]}', '{"type":"GeometryCollection","geometries":[]}']] },
  // across the antimeridian
  { q: `let p1 = ${poly('[[[179,0],[-179,0],[-179,2],[179,2],[179,0]]]')};\nlet p2 = ${poly('[[[179.5,1],[-178,1],[-178,3],[179.5,3],[179.5,1]]]')};\nprint i = geo_intersection_2polygons(p1, p2), u = geo_union_polygons_array(pack_array(p1, p2))`,
    cols: ['i:dynamic', 'u:dynamic'],
    rows: [['{"type":"Polygon","coordinates":[[[179.5,1],[-179,1.0002284616014554],[-179,2],[179.5,2.0002283050233194],[179.5,1]]]}',
      '{"type":"Polygon","coordinates":[[[179,0],[-179,0],[-179,1.0002284616014554],[-178,1],[-178,3],[179.5,3],[179.5,2.0002283050233194],[179,2],[179,0]]]}']], approx: A },

  // ───────────── geo_intersection_line_with_polygon (geo-intersection-line-with-polygon-function.md) ─────────────
  { q: `let lineString = ${line('[[-73.985195,40.788275],[-73.974552,40.779761]]')};\nlet polygon = ${poly('[[[-73.9712905883789,40.78580561168767],[-73.98004531860352,40.775276834803655],[-73.97000312805176,40.77852663535664],[-73.9712905883789,40.78580561168767]]]')};\nprint intersection = geo_intersection_line_with_polygon(lineString, polygon)`,
    cols: ['intersection:dynamic'], rows: [['{"type": "LineString","coordinates": [[-73.975611956578192,40.78060906714618],[-73.974552,40.779761]]}']], approx: A },
  { q: `let lineString = ${line('[[-110.522, 39.198],[-91.428, 40.880]]')};\nlet polygon = ${poly('[[[-90.263,36.738],[-102.041,45.274],[-109.335,36.527],[-90.263,36.738]],[[-100.393,41.705],[-103.139,38.925],[-97.558,39.113],[-100.393,41.705]]]')};\nprint intersection = geo_intersection_line_with_polygon(lineString, polygon)`,
    cols: ['intersection:dynamic'], rows: [['{"type": "MultiLineString","coordinates": [[[  -106.89353655881905,  39.769226209776306],[  -101.74448553679453,  40.373506008712525]],[[-99.136499431328858,  40.589336512699994],[-95.284527737311791,  40.799060242246348]]]}']], approx: A },
  { q: `let lineString = ${line('[[1, 1],[2, 2]]')};\nlet polygon = ${poly('[[[-73.9712905883789,40.78580561168767],[-73.98004531860352,40.775276834803655],[-73.97000312805176,40.77852663535664],[-73.9712905883789,40.78580561168767]]]')};\nprint intersection = geo_intersection_line_with_polygon(lineString, polygon)`,
    cols: ['intersection:dynamic'], rows: [['{"type":"GeometryCollection","geometries":[]}']] },
  { q: `let lineString = ${line('[[-73.985195,40.788275]]')};\nlet polygon = ${poly('[[[-73.95768642425537,40.80065354924362],[-73.9582872390747,40.80089719667298],[-73.95869493484497,40.80050736035672],[-73.9580512046814,40.80019873831593],[-73.95768642425537,40.80065354924362]]]')};\nprint is_invalid = isnull(geo_intersection_2lines(lineString, polygon))`,
    cols: ['is_invalid:bool'], rows: [[true]] },
  { q: `let lineString = ${line('[[-73.97159099578857,40.794513338780895],[-73.96738529205322,40.792758888618756],[-73.96978855133057,40.789769718601505]]')};\nlet polygon = dynamic({"type":"Polygon","coordinates":[]});\nprint is_invalid = isnull(geo_intersection_2lines(lineString, polygon)), also = isnull(geo_intersection_line_with_polygon(lineString, polygon))`,
    cols: ['is_invalid:bool', 'also:bool'], rows: [[true, true]] },
  // a line dipping into a polygon through its (geodesic) top edge; a line only touching a polygon's corner
  { q: `print t = geo_intersection_line_with_polygon(${line('[[0,2],[1,1],[2,2]]')}, ${poly('[[[0,0],[2,0],[2,1],[0,1],[0,0]]]')}),\n  touch = geo_intersection_line_with_polygon(${line('[[3,-1],[2,0],[3,1]]')}, ${poly('[[[0,0],[2,0],[2,1],[0,1],[0,0]]]')})`,
    cols: ['t:dynamic', 'touch:dynamic'], rows: [['{"type":"LineString","coordinates":[[0.99984779564636,1.0001522971006804],[1,1],[1.0001522043536397,1.00015229710068]]}', '{"type":"Point","coordinates":[2,0]}']], approx: A },

  // ───────────── geo_union_lines_array (geo-union-lines-array-function.md) ─────────────
  { q: `datatable(lines:dynamic)\n[\n    ${line('[[-73.95683884620665,40.80502891480884],[-73.95633727312088,40.8057171711177],[-73.95489156246185,40.80510200431311]]')},\n    ${line('[[-73.95633727312088,40.8057171711177],[-73.95489156246185,40.80510200431311],[-73.95537436008453,40.804413741624515]]')},\n    ${line('[[-73.95633727312088,40.8057171711177],[-73.95489156246185,40.80510200431311]]')}\n]\n| summarize lines_arr = make_list(lines)\n| project lines_union = geo_union_lines_array(lines_arr)`,
    cols: ['lines_union:dynamic'], rows: [['{"type": "LineString", "coordinates": [[-73.956838846206651, 40.805028914808844], [-73.95633727312088, 40.8057171711177], [ -73.954891562461853, 40.80510200431312], [-73.955374360084534, 40.804413741624522]]}']], approx: A },
  { q: `datatable(line1:dynamic, line2:dynamic)\n[\n    ${line('[[-73.95683884620665,40.80502891480884],[-73.95633727312088,40.8057171711177],[-73.95489156246185,40.80510200431311]]')}, ${line('[[-73.95633727312088,40.8057171711177],[-73.95489156246185,40.80510200431311],[-73.95537436008453,40.804413741624515]]')}\n]\n| project lines_arr = pack_array(line1, line2)\n| project lines_union = geo_union_lines_array(lines_arr)`,
    cols: ['lines_union:dynamic'], rows: [['{"type": "LineString", "coordinates":[[-73.956838846206651, 40.805028914808844], [-73.95633727312088, 40.8057171711177], [-73.954891562461853, 40.80510200431312], [-73.955374360084534, 40.804413741624522]]}']], approx: A },
  { q: `datatable(lines:dynamic)\n[\n    ${line('[[-73.95683884620665,40.80502891480884],[-73.95633727312088,40.8057171711177],[-73.95489156246185,40.80510200431311]]')},\n    ${line('[[1, 1]]')}\n]\n| summarize lines_arr = make_list(lines)\n| project invalid_union = isnull(geo_union_lines_array(lines_arr))`,
    cols: ['invalid_union:bool'], rows: [[true]] },
  // crossing lines are cut where they cross; lines on opposite sides of the Earth are listed side by side; not an array → null
  { q: `print u = geo_union_lines_array(dynamic([{"type":"LineString","coordinates":[[0,0],[2,2]]}, {"type":"LineString","coordinates":[[0,2],[2,0]]}])),\n  far = geo_union_lines_array(dynamic([{"type":"LineString","coordinates":[[0,0],[1,1]]}, {"type":"LineString","coordinates":[[179,0],[-179,1]]}])),\n  notarray = isnull(geo_union_lines_array(${line('[[0,0],[2,2]]')}))`,
    cols: ['u:dynamic', 'far:dynamic', 'notarray:bool'],
    rows: [['{"type":"MultiLineString","coordinates":[[[0,0],[1,1.00045705372412]],[[1,1.00045705372412],[2,2]],[[1,1.00045705372412],[0,2]],[[1,1.00045705372412],[2,0]]]}',
      '{"type":"MultiLineString","coordinates":[[[0,0],[1,1]],[[179,0],[-179,1]]]}', true]], approx: A },

  // ───────────── geo_union_polygons_array (geo-union-polygons-array-function.md) ─────────────
  { q: `datatable(polygons:dynamic)\n[\n    ${poly('[[[-73.9495,40.7969],[-73.95807,40.80068],[-73.98201,40.76825],[-73.97317,40.76455],[-73.9495,40.7969]]]')},\n    ${poly('[[[-73.94622,40.79249],[-73.96888,40.79282],[-73.9577,40.7789],[-73.94622,40.79249]]]')},\n    ${poly('[[[-73.97335,40.77274],[-73.9936,40.76630],[-73.97171,40.75655],[-73.97335,40.77274]]]')}\n]\n| summarize polygons_arr = make_list(polygons)\n| project polygons_union = geo_union_polygons_array(polygons_arr)`,
    cols: ['polygons_union:dynamic'], rows: [['{"type":"Polygon","coordinates":[[[-73.972599326729608,40.765330371902991],[-73.960302383706178,40.782140794645024],[-73.9577,40.7789],[-73.94622,40.79249],[-73.9526593223173,40.792584227716468],[-73.9495,40.7969],[-73.95807,40.80068],[-73.9639277517478,40.792748258673875],[-73.96888,40.792819999999992],[-73.9662719791645,40.7895734224338],[-73.9803360309571,40.770518810606404],[-73.9936,40.7663],[-73.97171,40.756550000000004],[-73.972599326729608,40.765330371902991]]]}']], approx: A },
  { q: `datatable(polygon1:dynamic, polygon2:dynamic)\n[\n    ${poly('[[[-73.9495,40.7969],[-73.95807,40.80068],[-73.98201,40.76825],[-73.97317,40.76455],[-73.9495,40.7969]]]')}, ${poly('[[[-73.94622,40.79249],[-73.96888,40.79282],[-73.9577,40.7789],[-73.94622,40.79249]]]')}\n]\n| project polygons_arr = pack_array(polygon1, polygon2)\n| project polygons_union = geo_union_polygons_array(polygons_arr)`,
    cols: ['polygons_union:dynamic'], rows: [['{"type":"Polygon","coordinates":[[[-73.9495,40.7969],[-73.95807,40.80068],[-73.9639277517478,40.792748258673875],[-73.96888,40.792819999999992],[-73.9662719791645,40.7895734224338],[-73.98201,40.76825],[-73.97317,40.76455],[-73.960302383706178,40.782140794645024],[-73.9577,40.7789],[-73.94622,40.79249],[-73.9526593223173,40.792584227716468],[-73.9495,40.7969]]]}']], approx: A },
  { q: `datatable(polygons:dynamic)\n[\n    ${poly('[[[-73.9495,40.7969],[-73.95807,40.80068],[-73.98201,40.76825],[-73.97317,40.76455],[-73.9495,40.7969]]]')},\n    ${poly('[[[-73.94622,40.79249]]]')}\n]\n| summarize polygons_arr = make_list(polygons)\n| project invalid_union = isnull(geo_union_polygons_array(polygons_arr))`,
    cols: ['invalid_union:bool'], rows: [[true]] },
  { q: `print empty = isnull(geo_union_polygons_array(dynamic([]))), nul = isnull(geo_union_polygons_array(dynamic(null))),\n  two = geo_union_polygons_array(dynamic([{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]}, {"type":"Polygon","coordinates":[[[170,0],[171,0],[171,1],[170,0]]]}]))`,
    cols: ['empty:bool', 'nul:bool', 'two:dynamic'], rows: [[true, true, '{"type":"MultiPolygon","coordinates":[[[[0,0],[1,0],[1,1],[0,0]]],[[[170,0],[171,0],[171,1],[170,0]]]]}']], approx: A },

  // ───────────── geo_point_buffer (geo-point-buffer-function.md) ─────────────
  // every vertex is at the radius; the polygon's area is between the inscribed (radius − tolerance) and the full circle
  { q: `${ringDistances('geo_point_buffer(-115.1745008278, 36.1497251277, 20000)', (lon, lat) => `geo_distance_2points(${lon}, ${lat}, -115.1745008278, 36.1497251277)`)}\n| summarize t = take_any(t), on_circle = countif(abs(d - 20000) <= 0.01) == count(), vertices_ok = count() >= 20\n| extend area_ok = geo_polygon_area(geo_point_buffer(-115.1745008278, 36.1497251277, 20000)) between (pi() * pow(20000 - 10, 2) .. pi() * pow(20000, 2)), centre_in = geo_point_in_polygon(-115.1745008278, 36.1497251277, geo_point_buffer(-115.1745008278, 36.1497251277, 20000))`,
    cols: ['t:string', 'on_circle:bool', 'vertices_ok:bool', 'area_ok:bool', 'centre_in:bool'], rows: [['Polygon', true, true, true, true]] },
  { q: `datatable(longitude:real, latitude:real, radius:real)\n[\n    real(-80.3212217992616), 25.268683367546604, 5000,\n    real(-80.81717403605833), 24.82658441221962, 3000\n]\n| project buffer = geo_point_buffer(longitude, latitude, radius)\n| summarize polygons = make_list(buffer)\n| project result = geo_union_polygons_array(polygons)\n| project t = tostring(result.type), members = array_length(result.coordinates)`,
    cols: ['t:string', 'members:long'], rows: [['MultiPolygon', 2]] },
  { q: 'print result = isnull(geo_point_buffer(200, 1,0.1)), radius = isnull(geo_point_buffer(10, 10, -1)), tolerance = isnull(geo_point_buffer(10, 10, 1000, 0.0001)), nul = isnull(geo_point_buffer(real(null), 10, 1000))',
    cols: ['result:bool', 'radius:bool', 'tolerance:bool', 'nul:bool'], rows: [[true, true, true, true]] },
  // a tighter tolerance gives more vertices; across the antimeridian the circle keeps both sides
  { q: `print coarse = array_length(geo_point_buffer(10, 10, 1000, 100).coordinates[0]) < array_length(geo_point_buffer(10, 10, 1000, 1).coordinates[0]),\n  east = geo_point_in_polygon(-179.95, 0, geo_point_buffer(179.99, 0, 10000)), west = geo_point_in_polygon(179.92, 0, geo_point_buffer(179.99, 0, 10000)), beyond = geo_point_in_polygon(179.9, 0, geo_point_buffer(179.99, 0, 10000))`,
    cols: ['coarse:bool', 'east:bool', 'west:bool', 'beyond:bool'], rows: [[true, true, true, false]] },

  // ───────────── geo_line_buffer (geo-line-buffer-function.md) ─────────────
  { q: `let line = ${line('[[-80.66634997047466,24.894526340592122],[-80.67373241820246,24.890808090321286]]')};\n${ringDistances('geo_line_buffer(line, 4, 0.1)', (lon, lat) => `geo_distance_point_to_line(${lon}, ${lat}, line)`)}\n| summarize t = take_any(t), off = max(abs(d - 4))\n| extend at_radius = off <= 0.1, ends_in = geo_point_in_polygon(-80.66634997047466,24.894526340592122, geo_line_buffer(line, 4, 0.1)) and geo_point_in_polygon(-80.67373241820246,24.890808090321286, geo_line_buffer(line, 4, 0.1))\n| project-away off`,
    cols: ['t:string', 'at_radius:bool', 'ends_in:bool'], rows: [['Polygon', true, true]] },
  { q: `datatable(line:dynamic)\n[\n    ${line('[[14.429214068940496,50.10043066548272],[14.431184174126173,50.10046525983731]]')},\n    ${line('[[14.43030222687753,50.100780677801936],[14.4303847111523,50.10020274910934]]')}\n]\n| project buffer = geo_line_buffer(line, 2, 0.1)\n| summarize polygons = make_list(buffer)\n| project result = geo_union_polygons_array(polygons)\n| project t = tostring(result.type), rings = array_length(result.coordinates)`,
    cols: ['t:string', 'rings:long'], rows: [['Polygon', 1]] },
  // across the antimeridian: 2,223.9 m of line buffered by 1 km on both sides, with round caps (the area of the ideal buffer, less at most the 10 m tolerance)
  { q: `let b = geo_line_buffer(${line('[[179.99,0],[-179.99,0]]')}, 1000);\nprint t = tostring(b.type), mid = geo_point_in_polygon(180, 0.005, b), far = geo_point_in_polygon(0, 0, b), off = geo_point_in_polygon(180, 0.02, b), area_ok = geo_polygon_area(b) between (2 * 2223.9 * 990 + pi() * 990 * 990 .. 2 * 2223.9 * 1000 + pi() * 1000 * 1000)`,
    cols: ['t:string', 'mid:bool', 'far:bool', 'off:bool', 'area_ok:bool'], rows: [['Polygon', true, false, false, true]] },
  { q: `print buffer = isnull(geo_line_buffer(dynamic({"type":"LineString"}), 5)), radius = isnull(geo_line_buffer(${line('[[0,0],[1,1]]')}, 0))`,
    cols: ['buffer:bool', 'radius:bool'], rows: [[true, true]] },

  // ───────────── geo_polygon_buffer (geo-polygon-buffer-function.md) ─────────────
  { q: `let polygon = ${poly('[[[139.813757,35.719666],[139.72558,35.71813],[139.727471,35.653231],[139.818721,35.657264],[139.813757,35.719666]]]')};\n${ringDistances('geo_polygon_buffer(polygon, 10000)', (lon, lat) => `geo_distance_point_to_polygon(${lon}, ${lat}, polygon)`)}\n| summarize t = take_any(t), off = max(abs(d - 10000))\n| extend at_radius = off <= 10\n| project-away off`,
    cols: ['t:string', 'at_radius:bool'], rows: [['Polygon', true]] },
  { q: `datatable(polygon:dynamic, radius:real )\n[\n    ${poly('[[[12.451218693639277,41.906457003556625],[12.445753852969375,41.90160968881543],[12.453514425793855,41.90361551885886],[12.451218693639277,41.906457003556625]]]')}, 100,\n    ${poly('[[[12.4566086734784,41.905119850039995],[12.453913683559591,41.903652663265234],[12.455485761012113,41.90146110630562],[12.4566086734784,41.905119850039995]]]')}, 20\n]\n| project buffer = geo_polygon_buffer(polygon, radius)\n| summarize polygons = make_list(buffer)\n| project result = geo_union_polygons_array(polygons)\n| project t = tostring(result.type), rings = array_length(result.coordinates)`,
    cols: ['t:string', 'rings:long'], rows: [['Polygon', 1]] },
  { q: `print p = geo_polygon_buffer(${poly('[[[179.9,-0.1],[-179.9,-0.1],[-179.9,0.1],[179.9,0.1],[179.9,-0.1]]]')}, 1000)\n| project t = tostring(p.type), c = geo_point_in_polygon(180, 0, p), edge = geo_point_in_polygon(-179.895, 0, p), beyond = geo_point_in_polygon(-179.88, 0, p)`,
    cols: ['t:string', 'c:bool', 'edge:bool', 'beyond:bool'], rows: [['Polygon', true, true, false]] },
  { q: `print buffer = isnull(geo_polygon_buffer(dynamic({"type":"p"}), 1)), radius = isnull(geo_polygon_buffer(${poly('[[[10,10],[0,10],[0,0],[10,10]]]')}, 0))`,
    cols: ['buffer:bool', 'radius:bool'], rows: [[true, true]] },

  // ───────────── geo_line_simplify (geo-line-simplify-function.md) ─────────────
  { q: `let line = ${line('[[-73.97033169865608,40.789063020152824],[-73.97039607167244,40.78897975920816],[-73.9704617857933,40.78888837512432],[-73.97052884101868,40.7887949601531],[-73.9706052839756,40.788698498903564],[-73.97065222263336,40.78862640672032],[-73.97072866559029,40.78852791445617],[-73.97079303860664,40.788434498977836]]')};\nprint simplified = geo_line_simplify(line, 10)`,
    cols: ['simplified:dynamic'], rows: [['{"type": "LineString", "coordinates": [[-73.97033169865608, 40.789063020152824], [-73.97079303860664, 40.788434498977836]]}']], approx: A },
  { q: `print is_invalid_line = isnull(geo_line_simplify(${line('[[1, 1]]')}))`, cols: ['is_invalid_line:bool'], rows: [[true]] },
  { q: `print is_invalid_line = isnull(geo_line_simplify(${line('[[1, 1],[2,2]]')}, -1))`, cols: ['is_invalid_line:bool'], rows: [[true]] },
  { q: `print is_invalid_line = isnull(geo_line_simplify(${line('[[1.1, 1.1],[1.2,1.2]]')}, 100000))`, cols: ['is_invalid_line:bool'], rows: [[true]] },
  // a MultiLineString is unified first; a bend larger than the tolerance stays
  { q: `print m = geo_line_simplify(dynamic({"type":"MultiLineString","coordinates":[[[0,0],[1,0.00001],[2,0]],[[1,0.00001],[2,0],[3,0]]]}), 10),\n  bend = geo_line_simplify(${line('[[0,0],[0.5,0.001],[1,0]]')}, 10)`,
    cols: ['m:dynamic', 'bend:dynamic'], rows: [['{"type":"LineString","coordinates":[[0,0],[3,0]]}', '{"type":"LineString","coordinates":[[0,0],[0.5,0.001],[1,0]]}']] },

  // ───────────── geo_polygon_simplify (geo-polygon-simplify-function.md) ─────────────
  { q: `let polygon = ${poly('[[[-73.94885122776031,40.79673476355657],[-73.94885927438736,40.79692258628347],[-73.94887939095497,40.79692055577034],[-73.9488673210144,40.79693476936093],[-73.94888743758202,40.79693476936093],[-73.9488834142685,40.796959135509105],[-73.94890084862709,40.79695304397289],[-73.94906312227248,40.79710736271788],[-73.94923612475395,40.7968708081794],[-73.94885122776031,40.79673476355657]]]')};\nprint simplified = geo_polygon_simplify(polygon)`,
    cols: ['simplified:dynamic'], rows: [['{"type": "Polygon", "coordinates": [[[-73.948851227760315, 40.796734763556572],[-73.949063122272477, 40.797107362717881],[-73.949236124753952, 40.7968708081794],[-73.948851227760315, 40.796734763556572]]]}']], approx: A },
  { q: `let polygon = ${poly('[[[5,48],[5,48]]]')};\nprint is_invalid_polygon = isnull(geo_polygon_simplify(polygon))`, cols: ['is_invalid_polygon:bool'], rows: [[true]] },
  { q: `let polygon = ${poly('[[[5,48],[0,50],[0,47],[4,47],[5,48]]]')};\nprint is_invalid_polygon = isnull(geo_polygon_simplify(polygon, -0.1))`, cols: ['is_invalid_polygon:bool'], rows: [[true]] },
  { q: `let polygon = ${poly('[[[5,48],[0,50],[0,47],[4,47],[5,48]]]')};\nprint is_invalid_polygon = isnull(geo_polygon_simplify(polygon, 1000000))`, cols: ['is_invalid_polygon:bool'], rows: [[true]] },
  // the members of a MultiPolygon are unified first; [1,0] lies on the geodesic [0,0]–[2,0] (the equator), [1,1] is 17 m off the one from [2,1] to [0,1]
  { q: 'print u = geo_polygon_simplify(dynamic({"type":"MultiPolygon","coordinates":[[[[0,0],[1,0],[1,1],[0,1],[0,0]]],[[[1,0],[2,0],[2,1],[1,1],[1,0]]]]}), 10)',
    cols: ['u:dynamic'], rows: [['{"type":"Polygon","coordinates":[[[0,0],[2,0],[2,1],[1,1],[0,1],[0,0]]]}']], approx: A },

  // ───────────── geo_simplify_polygons_array (geo-simplify-polygons-array-function.md) ─────────────
  { q: `datatable(polygons:dynamic)\n[\n    ${poly('[[[-73.9495,40.7969],[-73.95807,40.80068],[-73.98201,40.76825],[-73.97317,40.76455],[-73.9495,40.7969]]]')},\n    ${poly('[[[-73.94622,40.79249]]]')},\n    ${poly('[[[-73.97335,40.77274],[-73.9936,40.76630],[-73.97171,40.75655],[-73.97335,40.77274]]]')}\n]\n| summarize arr = make_list(polygons)\n| project is_invalid_polygon = isnull(geo_simplify_polygons_array(arr))`,
    cols: ['is_invalid_polygon:bool'], rows: [[true]] },
  { q: `datatable(polygons:dynamic)\n[\n    ${poly('[[[-73.9495,40.7969],[-73.95807,40.80068],[-73.98201,40.76825],[-73.97317,40.76455],[-73.9495,40.7969]]]')},\n    ${poly('[[[-73.94622,40.79249],[-73.96888,40.79282],[-73.9577,40.7789],[-73.94622,40.79249]]]')},\n    ${poly('[[[-73.97335,40.77274],[-73.9936,40.76630],[-73.97171,40.75655],[-73.97335,40.77274]]]')}\n]\n| summarize arr = make_list(polygons)\n| project is_null = isnull(geo_simplify_polygons_array(arr, -1)), disappears = isnull(geo_simplify_polygons_array(arr, 10000)), kept = array_length(geo_simplify_polygons_array(arr).coordinates)`,
    cols: ['is_null:bool', 'disappears:bool', 'kept:long'], rows: [[true, true, 3]] },
  // a shared border is simplified alike on both sides: the two results still tile (their union is one ring)
  { q: `let a = ${poly('[[[0,0],[1,0],[1,0.5],[1.0001,0.7],[1,1],[0,1],[0,0]]]')};\nlet b = ${poly('[[[1,0],[2,0],[2,1],[1,1],[1.0001,0.7],[1,0.5],[1,0]]]')};\nlet s = geo_simplify_polygons_array(pack_array(a, b), 100);\nprint simplified = s, u = geo_union_polygons_array(pack_array(bag_pack("type","Polygon","coordinates",s.coordinates[0]), bag_pack("type","Polygon","coordinates",s.coordinates[1])))`,
    cols: ['simplified:dynamic', 'u:dynamic'], rows: [['{"type":"MultiPolygon","coordinates":[[[[0,0],[1,0],[1,1],[0,1],[0,0]]],[[[1,0],[2,0],[2,1],[1,1],[1,0]]]]}', '{"type":"Polygon","coordinates":[[[0,0],[1,0],[2,0],[2,1],[1,1],[0,1],[0,0]]]}']], approx: A },

  // ───────────── geo_polygon_to_h3cells (geo-polygon-to-h3cells-function.md) ─────────────
  { q: `let polygon = ${poly('[[[-3.659,40.553],[-3.913,40.409],[-3.729,40.273],[-3.524,40.440],[-3.659,40.553]]]')};\nprint h3_cells = geo_polygon_to_h3cells(polygon)\n| mv-expand cell = h3_cells to typeof(string)\n| project cell`,
    cols: ['cell:string'], rows: ['86390cb57ffffff', '86390cb0fffffff', '86390ca27ffffff', '86390cb87ffffff', '86390cb07ffffff', '86390ca2fffffff', '86390ca37ffffff', '86390cb17ffffff', '86390cb1fffffff', '86390cb8fffffff', '86390cba7ffffff', '86390ca07ffffff', '86390cbafffffff'].map((c) => [c]) },
  { q: `let polygon = ${poly('[[[-3.659,40.553],[-3.913,40.409],[-3.729,40.273],[-3.524,40.440],[-3.659,40.553]]]')};\nprint h3_cells = geo_polygon_to_h3cells(polygon)\n| mv-expand cell = h3_cells to typeof(string)\n| project polygon_cell = geo_h3cell_to_polygon(cell)\n| project individual_polygon_coordinates = pack_array(polygon_cell.coordinates)\n| summarize multipolygon_coordinates = make_list(individual_polygon_coordinates)\n| project multipolygon = bag_pack("type","MultiPolygon", "coordinates", multipolygon_coordinates)\n| project t = tostring(multipolygon.type), members = array_length(multipolygon.coordinates)`,
    cols: ['t:string', 'members:long'], rows: [['MultiPolygon', 13]] },
  { q: `let polygon = ${poly('[[[0,0],[1,1]]]')};\nprint is_null = isnull(geo_polygon_to_h3cells(polygon))`, cols: ['is_null:bool'], rows: [[true]] },
  // a buffer radius grows the covering; resolution out of range, or a covering past the cell limit, is null; across the antimeridian
  { q: `let polygon = ${poly('[[[-3.659,40.553],[-3.913,40.409],[-3.729,40.273],[-3.524,40.440],[-3.659,40.553]]]')};\nprint grown = array_length(geo_polygon_to_h3cells(polygon, 6, 1000)) > 13, res16 = isnull(geo_polygon_to_h3cells(polygon, 16)), too_many = isnull(geo_polygon_to_h3cells(polygon, 15)), negative = isnull(geo_polygon_to_h3cells(polygon, 6, -1)),\n  antimeridian = geo_polygon_to_h3cells(${poly('[[[179,0],[-179,0],[-179,2],[179,2],[179,0]]]')}, 3)\n| mv-expand cell = antimeridian to typeof(string)\n| summarize grown = take_any(grown), res16 = take_any(res16), too_many = take_any(too_many), negative = take_any(negative), cells = count(), near_180 = countif(abs(todouble(geo_h3cell_to_central_point(cell).coordinates[0])) > 178) `,
    cols: ['grown:bool', 'res16:bool', 'too_many:bool', 'negative:bool', 'cells:long', 'near_180:long'], rows: [[true, true, true, true, 5, 5]] },

  // ───────────── geo_polygon_to_s2cells / geo_line_to_s2cells with a radius ─────────────
  // geo-line-to-s2cells-function.md's join of tube stations to streets (its `materialize(… new_guid())` ids
  // replaced by the street names). The docs' table lists only Buckingham Palace, but London Bridge
  // station is 273 m from the London Bridge line (geo_distance_point_to_line), within the 500 m the
  // query's own `where` keeps: both streets count.
  { q: "let radius = 500;\nlet tube_stations = datatable(tube_station_name:string, lng:real, lat: real)\n[\n    \"St. James' Park\",        -0.13451078568013486, 51.49919145858172,\n     \"London Bridge station\", -0.08492752160134387, 51.504876316440914,\n     // more points\n];\nlet streets = datatable(street_name:string, line:dynamic)\n[\n    \"Buckingham Palace\", dynamic({\"type\":\"LineString\",\"coordinates\":[[-0.1399656708283601,51.50190802248855],[-0.14088438832752104,51.50012082761452]]}),\n    \"London Bridge\",    dynamic({\"type\":\"LineString\",\"coordinates\":[[-0.087152,51.509596],[-0.088340,51.506110]]}),\n    // more lines\n];\nlet join_level = 14;\nlet res = \n    streets\n    | project street_name, covering = geo_line_to_s2cells(line, join_level, radius)\n    | mv-expand covering to typeof(string)\n    | join kind=inner hint.strategy=broadcast\n    (\n        tube_stations\n        | extend covering = geo_point_to_s2cell(lng, lat, join_level)\n    ) on covering;\nres | lookup streets on street_name\n| where geo_distance_point_to_line(lng, lat, line) <= radius\n| summarize count = count() by name = street_name",
    cols: ['name:string', 'count:long'], rows: [['Buckingham Palace', 1], ['London Bridge', 1]] },
  // the buffer grows the covering; radius 0 is the plain covering; a negative radius is null
  { q: `let p = ${poly('[[[-3.659,40.553],[-3.913,40.409],[-3.729,40.273],[-3.524,40.440],[-3.659,40.553]]]')};\nprint a = array_length(geo_polygon_to_s2cells(p, 10)), b = array_length(geo_polygon_to_s2cells(p, 10, 5000)), z = array_length(geo_polygon_to_s2cells(p, 10, 0)), n = isnull(geo_polygon_to_s2cells(p, 10, -1)),\n  l0 = array_length(geo_line_to_s2cells(${line('[[0,0],[0.1,0]]')}, 12)), l1 = array_length(geo_line_to_s2cells(${line('[[0,0],[0.1,0]]')}, 12, 3000))`,
    cols: ['a:long', 'b:long', 'z:long', 'n:bool', 'l0:long', 'l1:long'], rows: [[18, 28, 18, true, 10, 36]] },

  // ───────────── series_seasonal (series-seasonal-function.md) ─────────────
  { q: 'print s=dynamic([2, 5, 3, 4, 3, 2, 1, 2, 3, 4, 3, 2, 1, 2, 3, 4, 3, 2, 1, 2, 3, 4, 3, 2, 1])\n| union (print s=dynamic([8, 12, 14, 12, 10, 10, 12, 14, 12, 10, 10, 12, 14, 12, 10, 10, 12, 14, 12, 10]))\n| union (print s=dynamic([1, 3, 5, 2, 4, 6, 1, 3, 5, 2, 4, 6]))\n| extend s_seasonal = series_seasonal(s)',
    cols: ['s:dynamic', 's_seasonal:dynamic'], rows: [
      ['[2,5,3,4,3,2,1,2,3,4,3,2,1,2,3,4,3,2,1,2,3,4,3,2,1]', '[1,2,3,4,3,2,1,2,3,4,3,2,1,2,3,4,3,2,1,2,3,4,3,2,1]'],
      ['[8,12,14,12,10,10,12,14,12,10,10,12,14,12,10,10,12,14,12,10]', '[10,12,14,12,10,10,12,14,12,10,10,12,14,12,10,10,12,14,12,10]'],
      ['[1,3,5,2,4,6,1,3,5,2,4,6]', '[0,0,0,0,0,0,0,0,0,0,0,0]'],
    ] },
  { q: 'print s=dynamic([1, 3, 5, 1, 3, 5, 2, 4, 6]) \n| union (print s=dynamic([1, 3, 5, 2, 4, 6, 1, 3, 5, 2, 4, 6]))\n| extend s_seasonal = series_seasonal(s, 3)',
    cols: ['s:dynamic', 's_seasonal:dynamic'], rows: [['[1,3,5,1,3,5,2,4,6]', '[1,3,5,1,3,5,1,3,5]'], ['[1,3,5,2,4,6,1,3,5,2,4,6]', '[1.5,3.5,5.5,1.5,3.5,5.5,1.5,3.5,5.5,1.5,3.5,5.5]']] },
  // another period value gives zeros; missing values are skipped by the median; not an array → null
  { q: 'print z = series_seasonal(dynamic([1, 2, 3, 4]), 0), gaps = series_seasonal(dynamic([1, null, 1, 5, 3, 5]), 2), bad = isnull(series_seasonal(dynamic({"a":1}), 2))',
    cols: ['z:dynamic', 'gaps:dynamic', 'bad:bool'], rows: [['[0,0,0,0]', '[1,5,1,5,1,5]', true]] },
];
