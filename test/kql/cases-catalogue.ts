/**
 * Conformance cases for the catalogue functions added for issue #12's coverage pass: each from its
 * doc page's examples (kql-docs/query/<name>-function.md) with the documented output, plus edges
 * (nulls, wrong types → a SemanticError that names the function).
 *
 * Reals the docs print with 15 significant digits are compared after round(): the docs show
 * rounded values. beta_inv's documented 0.226415022388749 is Kusto's approximation (its
 * beta_cdf is 0.1 − 3·10⁻¹⁰); Vigil's inverse is exact to 10⁻¹⁶, so the case compares 8 digits.
 * current_principal() & co. are refused here (no caller): the Query API test covers them
 * (test/e2e/kql-session-functions.test.ts).
 */
import type { Case } from './cases.js';

const J = (v: unknown) => JSON.stringify(v);
const NAN = 'NaN';

const PATHS = [
  ['C:\\temp\\file.txt', { Scheme: '', RootPath: 'C:', DirectoryPath: 'C:\\temp', DirectoryName: 'temp', Filename: 'file.txt', Extension: 'txt', AlternateDataStreamName: '' }],
  ['temp\\file.txt', { Scheme: '', RootPath: '', DirectoryPath: 'temp', DirectoryName: 'temp', Filename: 'file.txt', Extension: 'txt', AlternateDataStreamName: '' }],
  ['file://C:/temp/file.txt:some.exe', { Scheme: 'file', RootPath: 'C:', DirectoryPath: 'C:/temp', DirectoryName: 'temp', Filename: 'file.txt', Extension: 'txt', AlternateDataStreamName: 'some.exe' }],
  ['\\\\shared\\users\\temp\\file.txt.gz', { Scheme: '', RootPath: '', DirectoryPath: '\\\\shared\\users\\temp', DirectoryName: 'temp', Filename: 'file.txt.gz', Extension: 'gz', AlternateDataStreamName: '' }],
  ['/usr/lib/temp/file.txt', { Scheme: '', RootPath: '', DirectoryPath: '/usr/lib/temp', DirectoryName: 'temp', Filename: 'file.txt', Extension: 'txt', AlternateDataStreamName: '' }],
] as const;

export const CATALOGUE_CASES: Case[] = [
  // ───────────── convert_*() (UnitsNet conversions) ─────────────
  { q: "print result = round(convert_length(1.2, 'Meter', 'Foot'), 14)", cols: ['result:real'], rows: [[3.93700787401575]] },
  { q: "print result = convert_temperature(1.2, 'Kelvin', 'DegreeCelsius')", cols: ['result:real'], rows: [[-271.95]] },
  { q: "print result = convert_angle(1.2, 'Degree', 'Arcminute')", cols: ['result:real'], rows: [[72]] },
  { q: "print result = round(convert_energy(1.2, 'Joule', 'BritishThermalUnit'), 17)", cols: ['result:real'], rows: [[0.00113738054437598]] },
  { q: "print result = convert_force(1.2, 'Newton', 'Decanewton')", cols: ['result:real'], rows: [[0.12]] },
  { q: "print result = round(convert_mass(1.2, 'Kilogram', 'Pound'), 14)", cols: ['result:real'], rows: [[2.64554714621853]] },
  { q: "print result = round(convert_speed(1.2, 'MeterPerSecond', 'CentimeterPerHour'), 6)", cols: ['result:real'], rows: [[432000]] },
  { q: "print result = round(convert_volume(1.2, 'CubicMeter', 'AcreFoot'), 10)", cols: ['result:real'], rows: [[0.0009728568]] },
  // invalid units give null; so does a null value; integers are accepted
  { q: "print a = convert_length(1, 'Meter', 'Parsnip'), b = convert_length(1, 'Furlong', 'Meter'), c = convert_length(real(null), 'Meter', 'Foot'), d = convert_length(2, 'Kilometer', 'Meter')", cols: ['a:real', 'b:real', 'c:real', 'd:real'], rows: [[null, null, null, 2000]] },
  { q: "print convert_mass('x', 'Gram', 'Kilogram')", err: { kind: 'SemanticError', msg: 'convert_mass(): argument #1 must be numeric' } },

  // ───────────── beta_cdf / beta_inv / beta_pdf / welch_test ─────────────
  {
    q: 'datatable(x:double, alpha:double, beta:double, comment:string)[0.9, 10.0, 20.0, "Valid input", 1.5, 10.0, 20.0, "x > 1, yields NaN", double(-10), 10.0, 20.0, "x < 0, yields NaN", 0.1, double(-1.0), 20.0, "alpha is < 0, yields NaN"] | extend b = round(beta_cdf(x, alpha, beta), 15)',
    ordered: true, cols: ['x:real', 'alpha:real', 'beta:real', 'comment:string', 'b:real'],
    rows: [[0.9, 10, 20, 'Valid input', 0.999999999999959], [1.5, 10, 20, 'x > 1, yields NaN', NAN], [-10, 10, 20, 'x < 0, yields NaN', NAN], [0.1, -1, 20, 'alpha is < 0, yields NaN', NAN]],
  },
  {
    q: 'datatable(p:double, alpha:double, beta:double, comment:string)[0.1, 10.0, 20.0, "Valid input", 1.5, 10.0, 20.0, "p > 1, yields null", 0.1, double(-1.0), 20.0, "alpha is < 0, yields NaN"] | extend b = round(beta_inv(p, alpha, beta), 8)',
    ordered: true, cols: ['p:real', 'alpha:real', 'beta:real', 'comment:string', 'b:real'],
    rows: [[0.1, 10, 20, 'Valid input', 0.22641502], [1.5, 10, 20, 'p > 1, yields null', null], [0.1, -1, 20, 'alpha is < 0, yields NaN', NAN]],
  },
  {
    q: 'datatable(x:double, alpha:double, beta:double, comment:string)[0.5, 10.0, 20.0, "Valid input", 1.5, 10.0, 20.0, "x > 1, yields NaN", double(-10), 10.0, 20.0, "x < 0, yields NaN", 0.1, double(-1.0), 20.0, "alpha is < 0, yields NaN"] | extend r = round(beta_pdf(x, alpha, beta), 15)',
    ordered: true, cols: ['x:real', 'alpha:real', 'beta:real', 'comment:string', 'r:real'],
    rows: [[0.5, 10, 20, 'Valid input', 0.746176019310951], [1.5, 10, 20, 'x > 1, yields NaN', NAN], [-10, 10, 20, 'x < 0, yields NaN', NAN], [0.1, -1, 20, 'alpha is < 0, yields NaN', NAN]],
  },
  // the inverse really inverts; null in, null out; integers accepted
  { q: 'print a = round(beta_cdf(beta_inv(0.3, 2, 5), 2, 5), 12), b = beta_cdf(real(null), 1, 1), c = round(beta_cdf(0.5, 1, 1), 12)', cols: ['a:real', 'b:real', 'c:real'], rows: [[0.3, null, 0.5]] },
  { q: "print beta_pdf('a', 1, 1)", err: { kind: 'SemanticError', msg: 'beta_pdf(): argument #1 must be numeric' } },
  {
    // welch-test-function.md: pValue = 0.021 (the docs round to 3 digits)
    q: 'print s1 = dynamic([27.5, 21.0, 19.0, 23.6, 17.0, 17.9, 16.9, 20.1, 21.9, 22.6, 23.1, 19.6, 19.0, 21.7, 21.4]), s2 = dynamic([27.1, 22.0, 20.8, 23.4, 23.4, 23.5, 25.8, 22.0, 24.8, 20.2, 21.9, 22.1, 22.9, 20.5, 24.4]) | mv-expand s1 to typeof(double), s2 to typeof(double) | summarize m1=avg(s1), v1=variance(s1), c1=count(), m2=avg(s2), v2=variance(s2), c2=count() | project pValue=round(welch_test(m1,v1,c1,m2,v2,c2), 3)',
    cols: ['pValue:real'], rows: [[0.021]],
  },
  // fewer than two values per sample or no variance: undefined
  { q: 'print a = welch_test(1.0, 1.0, 1, 2.0, 1.0, 10), b = welch_test(1.0, 0.0, 5, 2.0, 0.0, 5), c = round(welch_test(1.0, 1.0, 10, 1.0, 1.0, 10), 6)', cols: ['a:real', 'b:real', 'c:real'], rows: [[NAN, NAN, 1]] },

  // ───────────── parse_path / parse_command_line / parse_version-free text formats ─────────────
  {
    q: `datatable(p:string)[${PATHS.map(([p]) => J(p)).join(', ')}] | extend path_parts = parse_path(p)`,
    ordered: true, cols: ['p:string', 'path_parts:dynamic'], rows: PATHS.map(([p, parts]) => [p, J(parts)]),
  },
  { q: "print a = parse_path(''), b = parse_path('file.txt')", cols: ['a:dynamic', 'b:dynamic'], rows: [[J({ Scheme: '', RootPath: '', DirectoryPath: '', DirectoryName: '', Filename: '', Extension: '', AlternateDataStreamName: '' }), J({ Scheme: '', RootPath: '', DirectoryPath: '', DirectoryName: '', Filename: 'file.txt', Extension: 'txt', AlternateDataStreamName: '' })]] },
  { q: 'print parse_command_line("echo \\"hello world!\\"", "windows")', cols: ['print_0:dynamic'], rows: [[J(['echo', 'hello world!'])]] },
  // CommandLineToArgvW: backslashes before quotes, "" inside quotes, a quoted program name, tabs
  { q: String.raw`print parse_command_line(@'"C:\Program Files\app.exe" a\\\"b "c d" e""f "g""h" \\server\x' , 'Windows')`, cols: ['print_0:dynamic'], rows: [[J(['C:\\Program Files\\app.exe', 'a\\"b', 'c d', 'ef', 'g"h', '\\\\server\\x'])]] },
  { q: "print a = parse_command_line('   ', 'windows'), b = parse_command_line('x', tostring('posix'))", cols: ['a:dynamic', 'b:dynamic'], rows: [['[]', null]] },
  { q: "print parse_command_line('a b', 'posix')", err: { kind: 'SemanticError', msg: "parse_command_line(): the parser type 'posix' is not supported" } },

  // ───────────── parse_user_agent (uap-core) ─────────────
  {
    q: 'print useragent = "Mozilla/5.0 (Windows; U; en-US) AppleWebKit/531.9 (KHTML, like Gecko) AdobeAIR/2.5.1" | extend x = parse_user_agent(useragent, "browser")',
    cols: ['useragent:string', 'x:dynamic'], rows: [['Mozilla/5.0 (Windows; U; en-US) AppleWebKit/531.9 (KHTML, like Gecko) AdobeAIR/2.5.1', J({ Browser: { Family: 'AdobeAIR', MajorVersion: '2', MinorVersion: '5', Patch: '1' } })]],
  },
  {
    q: 'print useragent = "Mozilla/5.0 (SymbianOS/9.2; U; Series60/3.1 NokiaN81-3/10.0.032 Profile/MIDP-2.0 Configuration/CLDC-1.1 ) AppleWebKit/413 (KHTML, like Gecko) Safari/4" | project x = parse_user_agent(useragent, dynamic(["browser","os","device"]))',
    cols: ['x:dynamic'],
    rows: [[J({ Browser: { Family: 'Nokia OSS Browser', MajorVersion: '3', MinorVersion: '1', Patch: '' }, OperatingSystem: { Family: 'Symbian OS', MajorVersion: '9', MinorVersion: '2', Patch: '', PatchMinor: '' }, Device: { Family: 'Nokia N81', Brand: 'Nokia', Model: 'N81-3' } })]],
  },
  // nothing recognised: "Other"
  { q: "print parse_user_agent('', dynamic(['os', 'device']))", cols: ['print_0:dynamic'], rows: [[J({ OperatingSystem: { Family: 'Other', MajorVersion: '', MinorVersion: '', Patch: '', PatchMinor: '' }, Device: { Family: 'Other', Brand: '', Model: '' } })]] },
  // only the first 1,024 characters are parsed: a long crafted value ends quickly and still parses its head
  { q: "print parse_user_agent(strcat('Mozilla/5.0 (Windows; U; en-US) AppleWebKit/531.9 (KHTML, like Gecko) AdobeAIR/2.5.1 ', strrep('(', 100000)), 'browser')", cols: ['print_0:dynamic'], rows: [[J({ Browser: { Family: 'AdobeAIR', MajorVersion: '2', MinorVersion: '5', Patch: '1' } })]] },
  { q: "print parse_user_agent('Mozilla/5.0', 'cpu')", err: { kind: 'SemanticError', msg: 'parse_user_agent(): the look-for target "cpu" is not one of' } },

  // ───────────── punycode ─────────────
  { q: "print encoded = punycode_from_string('académie-française')", cols: ['encoded:string'], rows: [['acadmie-franaise-npb1a']] },
  {
    q: "print domain='艺术.com' | extend domain_vec = split(domain, '.') | extend encoded_host = punycode_from_string(tostring(domain_vec[0])) | extend encoded_domain = strcat('xn--', encoded_host, '.', domain_vec[1])",
    cols: ['domain:string', 'domain_vec:dynamic', 'encoded_host:string', 'encoded_domain:string'], rows: [['艺术.com', J(['艺术', 'com']), 'cqv902d', 'xn--cqv902d.com']],
  },
  { q: "print decoded = punycode_to_string('acadmie-franaise-npb1a')", cols: ['decoded:string'], rows: [['académie-française']] },
  {
    q: 'datatable(encoded:string)["xn--Ge-mia.Bulg.edu", "xn--Lin-8na.Celtchair.org", "xn--Ry-lja8c.xn--Jng-uta63a.xn--Bng-9ka.com"] | extend domain=punycode_domain_from_string(encoded)',
    ordered: true, cols: ['encoded:string', 'domain:string'],
    rows: [['xn--Ge-mia.Bulg.edu', 'Gáe.Bulg.edu'], ['xn--Lin-8na.Celtchair.org', 'Lúin.Celtchair.org'], ['xn--Ry-lja8c.xn--Jng-uta63a.xn--Bng-9ka.com', 'Rúyì.Jīngū.Bàng.com']],
  },
  {
    q: "datatable(domain:string )['Lê Lợi。Thuận Thiên。com', 'Riðill｡Skáldskaparmál｡org', \"Kaledvoulc'h.Artorījos.edu\"] | extend str=punycode_domain_to_string(domain)",
    ordered: true, cols: ['domain:string', 'str:string'],
    rows: [['Lê Lợi。Thuận Thiên。com', 'xn--L Li-gpa4517b.xn--Thun Thin-s4a7194f.com'], ['Riðill｡Skáldskaparmál｡org', 'xn--Riill-jta.xn--Skldskaparml-dbbj.org'], ["Kaledvoulc'h.Artorījos.edu", "Kaledvoulc'h.xn--Artorjos-ejb.edu"]],
  },
  // longer than 1,024 characters: '' (encoding is quadratic); 1,024 still encode
  { q: "print a = punycode_from_string(strcat(strrep('é', 1024), 'é')), b = strlen(punycode_from_string(strrep('é', 1024))) > 0, c = punycode_domain_to_string(strrep('ü.', 600))", cols: ['a:string', 'b:bool', 'c:string'], rows: [['', true, '']] },
  // a failed decoding is the empty string; round trip
  { q: "print a = punycode_to_string('abc-?'), b = punycode_domain_from_string('xn--é.com'), c = punycode_to_string(punycode_from_string('ünïcödé'))", cols: ['a:string', 'b:string', 'c:string'], rows: [['', '', 'ünïcödé']] },

  // ───────────── IP, strings, comparisons ─────────────
  { q: 'print start_IP="1.1.128.0", end_IP="1.1.140.255" | project ipv4_range_list = ipv4_range_to_cidr_list(start_IP, end_IP)', cols: ['ipv4_range_list:dynamic'], rows: [[J(['1.1.128.0/21', '1.1.136.0/22', '1.1.140.0/24'])]] },
  { q: "print a = ipv4_range_to_cidr_list('0.0.0.0', '255.255.255.255'), b = ipv4_range_to_cidr_list('10.0.0.5', '10.0.0.5'), c = ipv4_range_to_cidr_list('10.0.0.9', '10.0.0.1'), d = ipv4_range_to_cidr_list('10.0.0.256', '10.0.1.0')", cols: ['a:dynamic', 'b:dynamic', 'c:dynamic', 'd:dynamic'], rows: [[J(['0.0.0.0/0']), J(['10.0.0.5/32']), null, null]] },
  {
    q: 'print idx1 = has_any_index("this is an example", dynamic([\'this\', \'example\'])), idx2 = has_any_index("this is an example", dynamic([\'not\', \'example\'])), idx3 = has_any_index("this is an example", dynamic([\'not\', \'found\'])), idx4 = has_any_index("Example number 2", range(1, 3, 1)), idx5 = has_any_index("this is an example", dynamic([]))',
    cols: ['idx1:long', 'idx2:long', 'idx3:long', 'idx4:long', 'idx5:long'], rows: [[0, 1, -1, 1, -1]],
  },
  // terms, not substrings; case-insensitive; a non-array is no match
  { q: "print a = has_any_index('examples here', dynamic(['example', 'HERE'])), b = has_any_index('x', dynamic({'a': 1}))", cols: ['a:long', 'b:long'], rows: [[1, -1]] },
  { q: "print has_any_index('x', 'x')", err: { kind: 'SemanticError', msg: 'has_any_index(): argument #2 must be a string and a dynamic array' } },
  {
    q: 'range dt from datetime(2021-01-01 01:00) to datetime(2021-01-01 02:00) step 1min | where around(dt, datetime(2021-01-01 01:30), 1min)',
    ordered: true, cols: ['dt:datetime'], rows: [['2021-01-01T01:29:00.0000000Z'], ['2021-01-01T01:30:00.0000000Z'], ['2021-01-01T01:31:00.0000000Z']],
  },
  { q: 'print a = around(1.5, 2, 0.5), b = around(5, 2, 1), c = around(int(null), 1, 1), d = around(90s, 1m, 30s), e = around(-3, -2, 1)', cols: ['a:bool', 'b:bool', 'c:bool', 'd:bool', 'e:bool'], rows: [[true, false, null, true, true]] },
  { q: "print around(datetime(2021-01-01), datetime(2021-01-01), 5)", err: { kind: 'SemanticError', msg: 'around(): expects' } },

  // ───────────── row functions: pack_all, bag_pack_columns, column_names_of, ingestion_time ─────────────
  {
    q: "datatable(Source:string,Target:string,CharsCount:long)['555-1234','555-1212',46, '555-1234','555-1213',50, '555-1313','',42, '','555-3456',74] | extend Packed=pack_all(), PackedIgnoreNullEmpty=pack_all(true)",
    ordered: true, cols: ['Source:string', 'Target:string', 'CharsCount:long', 'Packed:dynamic', 'PackedIgnoreNullEmpty:dynamic'],
    rows: [
      ['555-1234', '555-1212', 46, J({ Source: '555-1234', Target: '555-1212', CharsCount: 46 }), J({ Source: '555-1234', Target: '555-1212', CharsCount: 46 })],
      ['555-1234', '555-1213', 50, J({ Source: '555-1234', Target: '555-1213', CharsCount: 50 }), J({ Source: '555-1234', Target: '555-1213', CharsCount: 50 })],
      ['555-1313', '', 42, J({ Source: '555-1313', Target: '', CharsCount: 42 }), J({ Source: '555-1313', CharsCount: 42 })],
      ['', '555-3456', 74, J({ Source: '', Target: '555-3456', CharsCount: 74 }), J({ Target: '555-3456', CharsCount: 74 })],
    ],
  },
  // nulls of every type are left out by pack_all(true); a stored table's columns by their names
  { q: 'print a = int(null), b = dynamic(null), c = 1.5, d = dynamic([]) | project p = pack_all(true)', cols: ['p:dynamic'], rows: [[J({ c: 1.5, d: [] })]] },
  { q: "['My Table'] | where id == 1 | project p = pack_all()", cols: ['p:dynamic'], rows: [[J({ id: 1, Name: 'one' })]] },
  { q: 'print pack_all(1)', err: { kind: 'SemanticError', msg: 'pack_all(): ignore_null_empty must be a bool constant' } },
  {
    q: 'datatable(Id: string, Value: string, Other: long)["A", "val_a", 1, "B", "val_b", 2, "C", "val_c", 3] | extend Packed = bag_pack_columns(Id, Value)',
    ordered: true, cols: ['Id:string', 'Value:string', 'Other:long', 'Packed:dynamic'],
    rows: [['A', 'val_a', 1, J({ Id: 'A', Value: 'val_a' })], ['B', 'val_b', 2, J({ Id: 'B', Value: 'val_b' })], ['C', 'val_c', 3, J({ Id: 'C', Value: 'val_c' })]],
  },
  { q: 'print x = 1 | extend y = bag_pack_columns(x, 1)', err: { kind: 'SemanticError', msg: 'bag_pack_columns(): every argument must be a column name' } },
  { q: 'let T = datatable(A:string, B:int) []; print Columns=column_names_of(T)', cols: ['Columns:dynamic'], rows: [[J(['A', 'B'])]] },
  { q: 'let MyFunction1 = () { print A="", B=1 }; print Columns=column_names_of(MyFunction1())', cols: ['Columns:dynamic'], rows: [[J(['A', 'B'])]] },
  { q: 'let MyFunction1 = (param1:int) { print A="", B=1 }; print Columns=column_names_of(MyFunction1(1))', cols: ['Columns:dynamic'], rows: [[J(['A', 'B'])]] },
  { q: "print c = column_names_of(Events | project Level, Count)", cols: ['c:dynamic'], rows: [[J(['Level', 'Count'])]], tables: ['Events'] },
  { q: 'print column_names_of(1)', err: { kind: 'SemanticError', msg: 'column_names_of(): the argument must be a tabular expression' } },
  // ingestion_time(): the row's _TimeReceived while the row has it; null otherwise (no IngestionTime)
  { q: "datatable(_TimeReceived:datetime, x:long)[datetime(2024-01-02 03:04:05), 1] | project x, t = ingestion_time()", cols: ['x:long', 't:datetime'], rows: [[1, '2024-01-02T03:04:05.0000000Z']] },
  { q: 'Events | take 1 | project t = ingestion_time()', cols: ['t:datetime'], rows: [[null]] },
  { q: 'print ingestion_time(1)', err: { kind: 'SemanticError', msg: "The function 'ingestion_time' expects 0 arguments" } },

  // estimate_data_size(): long 8 + a 10-character string, ten rows (the docs' example); nulls count 0
  { q: "range x from 1 to 10 step 1 | extend Text = '1234567890' | summarize Total=sum(estimate_data_size(*))", cols: ['Total:long'], rows: [[180]] },
  { q: "print a=true, b=int(1), c=guid(null), d=dynamic({'a':1}), e='ü' | project all = estimate_data_size(*), two = estimate_data_size(e, d)", cols: ['all:long', 'two:long'], rows: [[14, 9]] },
  { q: 'print pack_all(*)', err: { kind: 'SemanticError', msg: "pack_all(): '*' is not an argument of this function" } },

  // ───────────── bin_auto() and its query options ─────────────
  {
    q: 'set query_bin_auto_size=1h; set query_bin_auto_at=datetime(2017-01-01 00:05); range Timestamp from datetime(2017-01-01 00:05) to datetime(2017-01-01 02:00) step 1m | summarize count() by bin_auto(Timestamp)',
    cols: ['Timestamp:datetime', 'count_:long'], rows: [['2017-01-01T00:05:00.0000000Z', 60], ['2017-01-01T01:05:00.0000000Z', 56]],
  },
  { q: 'set query_bin_auto_size=10; print a = bin_auto(27), b = bin_auto(real(-3))', cols: ['a:long', 'b:real'], rows: [[20, -10]] },
  { q: 'set query_bin_auto_size=5; set query_bin_auto_at=2; print bin_auto(8)', cols: ['print_0:long'], rows: [[7]] },
  { q: 'print bin_auto(1)', err: { kind: 'SemanticError', msg: 'bin_auto(): the bin size is not set' } },

  // ───────────── assert() ─────────────
  // the docs' valid call (a named argument followed by a positional one); the failing one is an engine error: test/e2e/kql-session-functions.test.ts
  {
    q: "let checkLength = (len:long, s:string) { assert(len > 0, 'Length must be greater than zero') and strlen(s) > len }; datatable(input:string)['123', '4567'] | where checkLength(len=3, input)",
    cols: ['input:string'], rows: [['4567']],
  },
  { q: "print assert(true, 'fine')", cols: ['print_0:bool'], rows: [[true]] },
  { q: "print assert(2 > 1, 'computed') and true", cols: ['print_0:bool'], rows: [[true]] },
  { q: "print assert(false, 'never')", err: { kind: 'SemanticError', msg: "assert() has failed with message: 'never'" } },
  { q: "print x = 1 | where assert(x > 0, 'reads x')", err: { kind: 'SemanticError', msg: 'assert(): the condition must be a constant' } },
  { q: "print assert(true, strcat('a', 'b'))", err: { kind: 'SemanticError', msg: 'assert(): the message must be a string literal' } },
  { q: "print assert(1, 'x')", err: { kind: 'SemanticError', msg: "assert(): the condition must be bool, got 'long'" } },

  // ───────────── buildschema() ─────────────
  {
    q: 'datatable(value: dynamic) [dynamic({"x":1, "y":3.5}), dynamic({"x":"somevalue", "z":[1, 2, 3]}), dynamic({"y":{"w":"zzz"}, "t":["aa", "bb"], "z":["foo"]})] | summarize buildschema(value)',
    cols: ['schema_value:dynamic'], rows: [[J({ x: ['long', 'string'], y: ['double', { w: 'string' }], z: { '`indexer`': ['long', 'string'] }, t: { '`indexer`': 'string' } })]],
  },
  { q: 'datatable(k:string, v:dynamic)["a", dynamic(true), "a", dynamic(null), "b", dynamic(null)] | summarize s = buildschema(v) by k', cols: ['k:string', 's:dynamic'], rows: [['a', '"bool"'], ['b', null]] },
  { q: 'print x = 1 | summarize buildschema(x)', err: { kind: 'SemanticError', msg: 'buildschema()' } },

  // ───────────── refused on purpose, and functions that need a caller ─────────────
  { q: "Events | where cursor_after('')", err: { kind: 'SemanticError', msg: 'cursor_after() is not supported: database cursors' } },
  { q: 'print cursor_current()', err: { kind: 'SemanticError', msg: 'cursor_current() is not supported' } },
  { q: 'Events | extend e = extent_id()', err: { kind: 'SemanticError', msg: 'extent_id() is not supported' } },
  { q: 'Events | extend e = extent_tags()', err: { kind: 'SemanticError', msg: 'extent_tags() is not supported' } },
  { q: 'print current_principal()', err: { kind: 'SemanticError', msg: 'current_principal() is not supported here' } },
  { q: 'print current_cluster_endpoint()', err: { kind: 'SemanticError', msg: 'current_cluster_endpoint() is not supported here' } },
  { q: 'print current_database()', err: { kind: 'SemanticError', msg: 'current_database() is not supported here' } },
  { q: "print current_principal_is_member_of(strcat('aad', 'user=x'))", err: { kind: 'SemanticError', msg: 'current_principal_is_member_of(): every argument must be a string literal' } },
];
