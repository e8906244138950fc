/**
 * Conformance cases for the operators and plugins of issue #12's "missing today" list: every
 * docs example (kql-docs/query/<name>.md) with its documented output, plus edge and error cases.
 */
import type { Case } from './cases.js';

const TRAFFIC = 'dynamic([80, 139, 87, 110, 68, 54, 50, 51, 53, 133, 86, 141, 97, 156, 94, 149, 95, 140, 77, 61, 50, 54, 47, 133, 72, 152, 94, 148, 105, 162, 101, 160, 87, 63, 53, 55, 54, 151, 103, 189, 108, 183, 113, 175, 113, 178, 90, 71, 62, 62, 65, 165, 109, 181, 115, 182, 121, 178, 114, 170])';
/** The docs' weekly-seasonality series (series-decompose-anomalies-function.md) without its rand() noise: six inserted outliers. */
const WEEKLY = 'range t from 1 to 24*7*5 step 1 | extend y = iff((t/24)%7>=5, 10.0, 15.0) - (((t%24)/10)*((t%24)/10)) | extend y=iff(t==150 or t==200 or t==780, y-8.0, y) | extend y=iff(t==300 or t==400 or t==600, y+8.0, y) | summarize y=make_list(y, 10000)';
const EVENTS_SE = 'datatable (Ts: timespan, Event: string) [0m, "A", 1m, "Start", 2m, "B", 3m, "D", 4m, "Stop", 6m, "C", 8m, "Start", 11m, "E", 12m, "Stop"]';

export const PLUGIN_CASES: Case[] = [
  // ───────────── scan-operator.md ─────────────
  { q: 'range x from 1 to 5 step 1 | scan declare (cumulative_x:long=0) with (step s1: true => cumulative_x = x + s1.cumulative_x;)', ordered: true, cols: ['x:long', 'cumulative_x:long'], rows: [[1, 1], [2, 3], [3, 6], [4, 10], [5, 15]] },
  { q: 'range x from 1 to 5 step 1 | extend y = 2 * x | scan declare (cumulative_x:long=0, cumulative_y:long=0) with (step s1: true => cumulative_x = iff(s1.cumulative_x >= 10, x, x + s1.cumulative_x), cumulative_y = iff(s1.cumulative_y >= 10, y, y + s1.cumulative_y);)', ordered: true, cols: ['x:long', 'y:long', 'cumulative_x:long', 'cumulative_y:long'], rows: [[1, 2, 1, 2], [2, 4, 3, 6], [3, 6, 6, 12], [4, 8, 10, 8], [5, 10, 5, 18]] },
  { q: 'let Events = datatable (Ts: timespan, Event: string) [0m, "A", 1m, "", 2m, "B", 3m, "", 4m, "", 6m, "C", 8m, "", 11m, "D", 12m, ""]; Events | sort by Ts asc | scan declare (Event_filled: string="") with (step s1: true => Event_filled = iff(isempty(Event), s1.Event_filled, Event);)', ordered: true, cols: ['Ts:timespan', 'Event:string', 'Event_filled:string'], rows: [['00:00:00', 'A', 'A'], ['00:01:00', '', 'A'], ['00:02:00', 'B', 'B'], ['00:03:00', '', 'B'], ['00:04:00', '', 'B'], ['00:06:00', 'C', 'C'], ['00:08:00', '', 'C'], ['00:11:00', 'D', 'D'], ['00:12:00', '', 'D']] },
  { q: 'let Events = datatable (Ts: timespan, Event: string) [0m, "A", 1m, "A", 2m, "B", 3m, "D", 32m, "B", 36m, "C", 38m, "D", 41m, "E", 75m, "A"]; Events | sort by Ts asc | scan with_match_id=session_id declare (sessionStart: timespan) with (step inSession: true => sessionStart = iff(isnull(inSession.sessionStart), Ts, inSession.sessionStart); step endSession output=none: Ts - inSession.sessionStart > 30m;)', ordered: true, cols: ['Ts:timespan', 'Event:string', 'sessionStart:timespan', 'session_id:long'], rows: [['00:00:00', 'A', '00:00:00', 0], ['00:01:00', 'A', '00:00:00', 0], ['00:02:00', 'B', '00:00:00', 0], ['00:03:00', 'D', '00:00:00', 0], ['00:32:00', 'B', '00:32:00', 1], ['00:36:00', 'C', '00:32:00', 1], ['00:38:00', 'D', '00:32:00', 1], ['00:41:00', 'E', '00:32:00', 1], ['01:15:00', 'A', '01:15:00', 2]] },
  { q: 'let LogsEvents = datatable(Timestamp:datetime, userID:int, EventType:string) [datetime(2024-05-28 08:15:23), 1, "login", datetime(2024-05-28 08:30:15), 2, "login", datetime(2024-05-28 09:10:27), 3, "login", datetime(2024-05-28 12:30:45), 1, "logout", datetime(2024-05-28 11:45:32), 2, "logout", datetime(2024-05-28 13:25:19), 3, "logout"]; LogsEvents | sort by userID, Timestamp | partition hint.strategy=native by userID (sort by Timestamp asc | scan declare (start: datetime, end: datetime, sessionDuration: timespan) with (step s1 output=none: EventType == "login" => start = Timestamp; step s2 output=all: EventType == "logout" => start = s1.start, end = Timestamp, sessionDuration = Timestamp - s1.start;)) | project start, end, userID, sessionDuration', cols: ['start:datetime', 'end:datetime', 'userID:int', 'sessionDuration:timespan'], rows: [['2024-05-28T08:15:23.0000000Z', '2024-05-28T12:30:45.0000000Z', 1, '04:15:22'], ['2024-05-28T09:10:27.0000000Z', '2024-05-28T13:25:19.0000000Z', 3, '04:14:52'], ['2024-05-28T08:30:15.0000000Z', '2024-05-28T11:45:32.0000000Z', 2, '03:15:17']] },
  { q: `let Events = ${EVENTS_SE}; Events | sort by Ts asc | scan with_match_id=m_id with (step s1: Event == "Start"; step s2: Event != "Start" and Event != "Stop" and Ts - s1.Ts <= 5m; step s3: Event == "Stop" and Ts - s1.Ts <= 5m;)`, ordered: true, cols: ['Ts:timespan', 'Event:string', 'm_id:long'], rows: [['00:01:00', 'Start', 0], ['00:02:00', 'B', 0], ['00:03:00', 'D', 0], ['00:04:00', 'Stop', 0], ['00:08:00', 'Start', 1], ['00:11:00', 'E', 1], ['00:12:00', 'Stop', 1]] },
  // the walkthrough's states: a sequence that never reaches s3 outputs its s1/s2 records
  { q: `${EVENTS_SE} | sort by Ts asc | scan with (step s1: Event == "Start"; step s2: Event != "Start" and Event != "Stop" and Ts - s1.Ts <= 2m; step s3: Event == "Stop" and Ts - s1.Ts <= 5m;) | project Event`, ordered: true, cols: ['Event:string'], rows: [['Start'], ['B'], ['D'], ['Stop'], ['Start']] },
  // output=last: only the last record of a run of matches of the step
  { q: 'range x from 1 to 6 step 1 | scan with (step a: x <= 3; step b output=last: x > 3;)', ordered: true, cols: ['x:long'], rows: [[1], [2], [3], [6]] },
  // a promotion clears the previous step: a new sequence starts from the default values
  { q: 'Events | sort by TimeGenerated asc | scan with_match_id=id declare (n:long=0) with (step a: Level == "Error" => n = a.n + 1; step b: Level != "Error";) | project Level, n, id', ordered: true, cols: ['Level:string', 'n:long', 'id:long'], rows: [['Error', 1, 0], ['Warning', 0, 0], ['Information', 0, 0], ['Error', 1, 1], ['Information', 0, 1], ['', 0, 1]] },
  { q: 'range x from 1 to 3 step 1 | scan declare (s:string) with (step a: x > 1 => s = strcat(a.s, "x");)', ordered: true, cols: ['x:long', 's:string'], rows: [[2, 'x'], [3, 'xx']] },
  { q: 'range x from 1 to 0 step 1 | scan declare (c:long=0) with (step s1: true => c = x + s1.c;)', cols: ['x:long', 'c:long'], rows: [] },
  { q: 'range x from 1 to 600 step 1 | scan declare (c:long=0) with (step s1: true => c = x + s1.c;) | summarize n = count(), last = max(c)', cols: ['n:long', 'last:long'], rows: [[600, 180300]] },
  { q: 'range x from 1 to 3 step 1 | scan declare (x:long) with (step a: true;)', err: { kind: 'SemanticError', msg: "the declared column 'x' already exists" } },
  { q: 'range x from 1 to 3 step 1 | scan with (step a: true => x = 1;)', err: { kind: 'SemanticError', msg: "'x' is not a declared column" } },
  { q: 'range x from 1 to 3 step 1 | scan with (step a: true; step a: false;)', err: { kind: 'SemanticError', msg: "the step name 'a' is used twice" } },
  { q: 'range x from 1 to 3 step 1 | scan with (step a: x;)', err: { kind: 'SemanticError', msg: "must be of type bool" } },
  { q: 'range x from 1 to 3 step 1 | scan with ()', err: { kind: 'SyntaxError' } },
  { q: 'range x from 1 to 3 step 1 | scan with (step a: x in (range y from 1 to 2 step 1);)', err: { kind: 'SemanticError', msg: 'cannot use subqueries' } },
  { q: 'range x from 1 to 3 step 1 | scan declare (n:long) with (step a: true => n = toscalar(range y from 1 to 2 step 1 | count);)', err: { kind: 'SemanticError', msg: 'cannot use subqueries' } },
  { q: 'range x from 1 to 3 step 1 | scan declare (d:datetime) with (step a: true => d = "x";)', err: { kind: 'SemanticError', msg: "must be of type 'datetime'" } },

  // ───────────── series-periods-detect-function.md / series-periods-validate-function.md ─────────────
  // the documented periods; Kusto's score formula is unpublished (it reports 0.84 for 14, Vigil the lag autocorrelation 0.75)
  { q: `print y=${TRAFFIC} | project x=range(1, array_length(y), 1), y | project series_periods_detect(y, 0.0, 50.0, 2) | project p = series_periods_detect_y_periods, s1 = series_periods_detect_y_scores[0] > 0.7, s2 = todouble(series_periods_detect_y_scores[1])`, cols: ['p:dynamic', 's1:bool', 's2:real'], rows: [['[14,0]', true, 0]] },
  { q: `print y=${TRAFFIC} | project x=range(1, array_length(y), 1), y | project series_periods_validate(y, 14.0, 10.0) | project p = series_periods_validate_y_periods, s1 = series_periods_validate_y_scores[0] > 0.7, s2 = todouble(series_periods_validate_y_scores[1])`, cols: ['p:dynamic', 's1:bool', 's2:real'], rows: [['[14,10]', true, 0]] },
  { q: 'print y = dynamic([1,2,3,4,1,2,3,4,1,2,3,4]) | extend (p, s) = series_periods_validate(y, 2.0, 100.0) | project p, s', cols: ['p:dynamic', 's:dynamic'], rows: [['[2,100]', '[0,0]']] },
  // ───────────── series-decompose-function.md ─────────────
  { q: 'print y=dynamic([1,2,3,2,1,2,3,2,1,2,3,2,1,2,3,2]) | extend series_decompose(y, 4) | project-away y', cols: ['series_decompose_y_baseline:dynamic', 'series_decompose_y_seasonal:dynamic', 'series_decompose_y_trend:dynamic', 'series_decompose_y_residual:dynamic'], rows: [['[1,2,3,2,1,2,3,2,1,2,3,2,1,2,3,2]', '[1,2,3,2,1,2,3,2,1,2,3,2,1,2,3,2]', '[0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0]', '[0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0]']] },
  // autodetected period 4; the seasonal is the median of each phase, the avg trend the mean of the rest
  { q: 'print y=dynamic([11,12,13,12,11,12,13,12,11,12,13,12,11,12,13,12]) | extend (b, s, t, r) = series_decompose(y) | project s, t', cols: ['s:dynamic', 't:dynamic'], rows: [['[11,12,13,12,11,12,13,12,11,12,13,12,11,12,13,12]', '[0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0]']] },
  { q: 'print y=dynamic([1,3,5,7,9]) | extend (b, s, t, r) = series_decompose(y, 0, "linefit") | project b, r', cols: ['b:dynamic', 'r:dynamic'], rows: [['[1,3,5,7,9]', '[0,0,0,0,0]']] },
  { q: 'print y=dynamic([1,3,5,7,9]) | extend (b, s, t, r) = series_decompose(y, 0, "avg") | project t, r', cols: ['t:dynamic', 'r:dynamic'], rows: [['[5,5,5,5,5]', '[-4,-2,0,2,4]']] },
  { q: 'print y=dynamic([1,3,5,7,9]) | extend (b, s, t, r) = series_decompose(y, 0, "bogus")', cols: ['y:dynamic', 'b:dynamic', 's:dynamic', 't:dynamic', 'r:dynamic'], rows: [['[1,3,5,7,9]', null, null, null, null]] },
  // ───────────── series-decompose-anomalies-function.md: the docs' outliers are the anomalies ─────────────
  { q: `${WEEKLY} | extend series_decompose_anomalies(y) | mv-expand with_itemindex=i f = series_decompose_anomalies_y_ad_flag to typeof(long) | where f != 0 | project t = i + 1, f`, cols: ['t:long', 'f:long'], rows: [[150, -1], [200, -1], [300, 1], [400, 1], [600, 1], [780, -1]] },
  { q: `${WEEKLY} | extend series_decompose_anomalies(y, 2.5, -1, 'linefit') | mv-expand with_itemindex=i f = series_decompose_anomalies_y_ad_flag to typeof(long) | where f != 0 | project t = i + 1, f`, cols: ['t:long', 'f:long'], rows: [[150, -1], [200, -1], [300, 1], [400, 1], [600, 1], [780, -1]] },
  // ───────────── series-decompose-forecast-function.md ─────────────
  { q: 'print y=dynamic([1,2,3,4,5,6,7,8,null,null]) | project f = series_decompose_forecast(y, 2, 0, "linefit")', cols: ['f:dynamic'], rows: [['[1,2,3,4,5,6,7,8,9,10]']] },
  { q: 'print y=dynamic([5,1,5,1,5,1,5,1,5,1,null,null]) | project f = series_decompose_forecast(y, 2, 2, "none")', cols: ['f:dynamic'], rows: [['[5,1,5,1,5,1,5,1,5,1,5,1]']] },
  // ───────────── series-outliers-function.md: Tukey's fences ─────────────
  { q: 'print o = series_outliers(dynamic([1,2,3,4,5,6,7,8,9,100,-50]))', cols: ['o:dynamic'], rows: [['[0,0,0,0,0,0,0,0,0,11.375,-6.375]']] },
  { q: 'print o = series_outliers(dynamic([1,2,3,4,5,6,7,8,9,100,-50]), "tukey")', cols: ['o:dynamic'], rows: [['[-0.3,-0.1,0,0,0,0,0,0.1,0.3,18.5,-10.5]']] },
  { q: 'print o = series_outliers(dynamic([1,2,null,4,-1,6,7,8,9,10]), "ctukey", -1)', cols: ['o:dynamic'], rows: [['[-0.09210526315789476,0,0,0,0,0,0,0,0,0.09210526315789463]']] },
  { q: 'print o = series_outliers(dynamic([1,2,3]), "ctukey", 0, 1, 90)', cols: ['o:dynamic'], rows: [[null]] },

  // ───────────── narrow-plugin.md: a row per cell (Row, Column, Value as a string) ─────────────
  { q: 'Events | sort by TimeGenerated asc | take 2 | project Level, Count, DurationMs | evaluate narrow()', ordered: true, cols: ['Row:long', 'Column:string', 'Value:string'], rows: [[0, 'Level', 'Error'], [0, 'Count', '3'], [0, 'DurationMs', '120.5'], [1, 'Level', 'Warning'], [1, 'Count', '1'], [1, 'DurationMs', '50']] },
  { q: 'print IsHealthy = true, MachinesTotal = 2, NotHealthyReason = "", Info = dynamic({"x":[1]}) | evaluate narrow()', ordered: true, cols: ['Row:long', 'Column:string', 'Value:string'], rows: [[0, 'IsHealthy', 'True'], [0, 'MachinesTotal', '2'], [0, 'NotHealthyReason', ''], [0, 'Info', '{"x":[1]}']] },
  { q: 'Events | where Level == "Error" | project Count | evaluate narrow() | summarize n = count(), nulls = countif(Value == "")', cols: ['n:long', 'nulls:long'], rows: [[2, 1]] },
  { q: 'print 1 | evaluate narrow(1)', err: { kind: 'SemanticError', msg: 'narrow(): takes no arguments' } },

  // ───────────── tdigest-aggregation-function.md / tdigest-merge / percentile-tdigest / merge-tdigest ─────────────
  { q: 'let DT=datatable(V:real, W:long) [1.0, 1, 2.0, 2]; DT | summarize TD=tdigest(V, W) | project P50=percentile_tdigest(TD, 50, typeof(real))', cols: ['P50:real'], rows: [[2]] },
  { q: 'let DT=datatable(V:real, W:long) [1.0, 1, 2.0, 2]; DT | summarize TD=tdigest(V, W) | project P50=percentile_tdigest(TD, 50), TD', cols: ['P50:dynamic', 'TD:dynamic'], rows: [['2.0', '[[3],[1,2],[1,2]]']] },
  { q: 'Events | summarize tdigest(Count) by Level', cols: ['Level:string', 'tdigest_Count:dynamic'], rows: [['Warning', '[[7],[1],[1]]'], ['Information', '[[7],[2,7],[1,1]]'], ['Error', '[[7],[3],[1]]'], ['', '[[7],[0],[1]]']] },
  { q: 'Events | summarize PreAgg = tdigest(Count) by Level | summarize tdigest_merge(PreAgg)', cols: ['merge_tdigests_PreAgg:dynamic'], rows: [['[[7],[0,1,2,3,7],[1,1,1,1,1]]']] },
  { q: 'Events | summarize tdigestRes = tdigest(Count) by Level | project Level, p = percentile_tdigest(tdigestRes, 100)', cols: ['Level:string', 'p:dynamic'], rows: [['Warning', '1'], ['Information', '7'], ['Error', '3'], ['', '0']] },
  { q: 'Events | summarize d = tdigest(TimeGenerated) by Level | summarize m = tdigest_merge(d) | project p100 = percentile_tdigest(m, 100, typeof(datetime)), p0 = percentile_tdigest(m, 0)', cols: ['p100:datetime', 'p0:dynamic'], rows: [['2024-01-02T10:00:00.0000000Z', '"2024-01-01T10:00:00.0000000Z"']] },
  { q: 'Events | summarize a = tdigest(Count), b = tdigest(DurationMs) | project m = merge_tdigest(a, a), p = percentile_tdigest(merge_tdigest(a, a), 50, typeof(long)), mixed = merge_tdigest(a, b)', cols: ['m:dynamic', 'p:long', 'mixed:dynamic'], rows: [['[[7],[0,1,2,3,7],[2,2,2,2,2]]', 2, null]] },
  { q: 'Events | summarize tdigest(Level)', err: { kind: 'SemanticError', msg: 'tdigest(): expects a numeric, datetime or timespan value' } },
  { q: 'print percentile_tdigest(1, 50)', err: { kind: 'SemanticError', msg: 'must be a tdigest() value' } },

  // ───────────── top-nested-operator.md: rows ordered level by level by each level's aggregate ─────────────
  { q: 'datatable(State:string, EventType:string, Damage:long)["OK","Flood",3,"CA","Wind",10,"TX","Rain",50,"CA","Flow",5,"OK","Ice",80,"CA","Hail",1,"OK","Storm",8,"CA","Wildfire",100] | top-nested 2 of State by sum(Damage), top-nested 3 of EventType by sum(Damage)', ordered: true, cols: ['State:string', 'aggregated_State:long', 'EventType:string', 'aggregated_EventType:long'], rows: [['CA', 116, 'Wildfire', 100], ['CA', 116, 'Wind', 10], ['CA', 116, 'Flow', 5], ['OK', 91, 'Ice', 80], ['OK', 91, 'Storm', 8], ['OK', 91, 'Flood', 3]] },
  { q: 'datatable(State:string, EventType:string, Damage:long)["OK","Flood",3,"CA","Wind",10,"TX","Rain",50,"CA","Flow",5,"OK","Ice",80,"CA","Hail",1,"OK","Storm",8,"CA","Wildfire",100] | top-nested 2 of State by sum(Damage) asc, top-nested 1 of EventType by sum(Damage) | serialize n = row_number()', ordered: true, cols: ['State:string', 'aggregated_State:long', 'EventType:string', 'aggregated_EventType:long', 'n:long'], rows: [['TX', 50, 'Rain', 50, 1], ['OK', 91, 'Ice', 80, 2]] },

  // ───────────── rank-tdigest / percentrank-tdigest / percentiles-array-tdigest ─────────────
  { q: 'range x from 1 to 1000 step 1 | summarize t_x=tdigest(x) | project rank_of_685=rank_tdigest(t_x, 685)', cols: ['rank_of_685:long'], rows: [[685]] },
  { q: 'range x from 1 to 1000 step 1 | summarize t_x=tdigest(x) | project pr = percentrank_tdigest(t_x, 685), pa = percentiles_array_tdigest(t_x, range(0, 100, 50), typeof(int)), pb = percentile_array_tdigest(t_x, 10, 90)', cols: ['pr:real', 'pa:dynamic', 'pb:dynamic'], rows: [[68.5, '[1,500,1000]', '[100,900]']] },
  { q: 'Events | summarize d = tdigest(TimeGenerated) | project p = percentiles_array_tdigest(d, 0, 100), r = rank_tdigest(d, datetime(2024-01-01 12:00))', cols: ['p:dynamic', 'r:long'], rows: [['["2024-01-01T10:00:00.0000000Z","2024-01-02T10:00:00.0000000Z"]', 4]] },
  { q: 'Events | summarize d = tdigest(Count) | project rank_tdigest(d, "x")', err: { kind: 'SemanticError', msg: 'the value must be a number, datetime or timespan' } },
];
