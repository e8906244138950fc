/**
 * plan-activity.ts — the plan nodes of the activity evaluate plugins (issue #12):
 * sliding_window_counts, activity_counts_metrics and dcount_intersect. Like plan-operators.ts,
 * each node carries bound expressions and plain data only; emit/activity.ts writes their SQL.
 */
import type { BoundExpr } from './bound.js';
import type { PlanNode } from './planner.js';
import type { ColumnSchema } from './types.js';

interface ActivityBase {
  schema: ColumnSchema[];
  serialized?: boolean;
  asName?: string;
  input: PlanNode;
}

/** The analysis periods of a timeline plugin: Start + k × Step for k = 0 … while ≤ End. */
export interface TimelinePeriods {
  /** The ID column (any scalar of the input row). */
  id: BoundExpr;
  /** The timeline column: datetime, timespan or a number. */
  timeline: BoundExpr;
  start: BoundExpr;
  end: BoundExpr;
  step: BoundExpr;
  /** Dimension columns: output after the timeline column, one group per combination. */
  dimensions: BoundExpr[];
}

/** sliding_window_counts-plugin.md: Count and dcount of IDs in the lookback window ending with each period. */
export interface SlidingWindowCountsPlan extends ActivityBase, TimelinePeriods {
  kind: 'slidingWindowCounts';
  lookback: BoundExpr;
}

/** activity-counts-metrics-plugin.md: count, dcount, new_dcount, aggregated_dcount per period. */
export interface ActivityCountsMetricsPlan extends ActivityBase, TimelinePeriods {
  kind: 'activityCountsMetrics';
}

/**
 * activity-metrics-plugin.md: per period, distinct IDs, IDs not in the previous period, and the
 * retention and churn rates against the previous period (NaN without one).
 */
export interface ActivityMetricsPlan extends ActivityBase, TimelinePeriods {
  kind: 'activityMetrics';
}

/** new-activity-metrics-plugin.md: cohort (first-seen period) × later period metrics. */
export interface NewActivityMetricsPlan extends ActivityBase, TimelinePeriods {
  kind: 'newActivityMetrics';
  /** Cohort: only the cohort of the period holding this value. */
  cohort?: BoundExpr;
}

/**
 * active-users-count-plugin.md: per period, the distinct IDs with an active appearance in it — one
 * whose lookback window (t − LookbackWindow, t] holds appearances in at least ActivePeriodsCount
 * distinct periods of length Period.
 */
export interface ActiveUsersCountPlan extends ActivityBase, TimelinePeriods {
  kind: 'activeUsersCount';
  lookback: BoundExpr;
  period: BoundExpr;
  activePeriods: BoundExpr;
}

/**
 * rolling-percentile-plugin.md: per bin of the index (and dimension combination) present in the
 * input, the percentile of the values in that bin and the BinsPerWindow − 1 bins before it.
 */
export interface RollingPercentilePlan extends ActivityBase {
  kind: 'rollingPercentile';
  value: BoundExpr;
  /** 0 … 100 */
  percentile: number;
  index: BoundExpr;
  binSize: BoundExpr;
  binsPerWindow: number;
  dimensions: BoundExpr[];
}

/** dcount-intersect-plugin.md: per input row, the estimated distinct counts of S1, S1∩S2, …. */
export interface DcountIntersectPlan extends ActivityBase {
  kind: 'dcountIntersect';
  sketches: BoundExpr[];
}

/**
 * funnel-sequence-completion-plugin.md: per bin, per MaxSequenceStepWindow and per step of the
 * sequence, the distinct IDs that went from its first state to that step (each next state later
 * than the one before) within the window from the first step.
 */
export interface FunnelSequenceCompletionPlan extends ActivityBase, TimelinePeriods {
  kind: 'funnelSequenceCompletion';
  state: BoundExpr;
  /** The sequence's states (constants). */
  sequence: string[];
  /** The windows: a constant dynamic array, `windowCount` elements read as `windowType`. */
  windows: BoundExpr;
  windowCount: number;
  windowType: 'timespan' | 'long' | 'real';
}

/**
 * session-count-plugin.md: per period, the sessions with a row in it — a row starts a new session of
 * its ID (within its dimensions) unless the ID has a row at most LookBackWindow before it.
 */
export interface SessionCountPlan extends ActivityBase, TimelinePeriods {
  kind: 'sessionCount';
  lookback: BoundExpr;
}

export type ActivityPluginPlan = SessionCountPlan | SlidingWindowCountsPlan | ActivityCountsMetricsPlan | ActivityMetricsPlan | NewActivityMetricsPlan | ActiveUsersCountPlan | RollingPercentilePlan | DcountIntersectPlan
  | FunnelSequenceCompletionPlan;
