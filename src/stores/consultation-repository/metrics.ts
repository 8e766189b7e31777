import { and, gte, lt, type SQL } from "drizzle-orm";
import type { ConsultationStatus } from "../../domain/types";
import type { Measures, MetricsQuery, MetricsResult } from "./port";
import type { ConsultationColumns } from "./query-parts";
import type { ConsultationRow } from "./row-mapping";

/**
 * Service metrics (SPEC section 15), shared by the D1 and PlanetScale adapters: one
 * portable SELECT of the few columns the measures need, bounded by the window, then the
 * counts, means and nearest-rank p90s computed here (percentiles are not portable SQL).
 *
 * Which consultations each measure counts (window W = from <= t < to):
 * - created: createdAt in W;
 * - completed: COMPLETED with endedAt in W; durationMinutes.mean over those;
 * - rejected / cancelled: in that status with updatedAt in W (a terminal row is never
 *   updated again, so updatedAt is the moment it was rejected or cancelled);
 * - the started cohort, startedAt in W: waitSeconds (createdAt → startedAt),
 *   firstResponseSeconds (startedAt → firstResponseAt, when the recipient has answered)
 *   and messages (their messageCount, SYSTEM lines included), so each consultation's
 *   messages are counted once, in one group, and the groups add up to the totals.
 * Groups: `day` is the day (in `timeZone`) of the event each measure counts; `counselor`
 * the current recipient (the last one after transfers); `category` the category.
 */

const METRICS_COLUMNS = [
  "status", "recipientUserCode", "category", "createdAt", "updatedAt", "startedAt", "endedAt", "durationMinutes", "messageCount", "firstResponseAt",
] as const;
type MetricsColumn = (typeof METRICS_COLUMNS)[number];

/** The columns the measures read. */
export type MetricsRow = Pick<ConsultationRow, MetricsColumn>;

/** The selected fields, typed by each dialect's own table (so rows come back typed). */
export function metricsFields<T extends Record<MetricsColumn, unknown>>(t: T): Pick<T, MetricsColumn> {
  return {
    status: t.status,
    recipientUserCode: t.recipientUserCode,
    category: t.category,
    createdAt: t.createdAt,
    updatedAt: t.updatedAt,
    startedAt: t.startedAt,
    endedAt: t.endedAt,
    durationMinutes: t.durationMinutes,
    messageCount: t.messageCount,
    firstResponseAt: t.firstResponseAt,
  };
}

/**
 * Every row with an event in the window: updatedAt is the latest of the row's state
 * changes (created, started, ended, rejected, cancelled), so it is >= from, and it was
 * created before `to`. The updatedAt index bounds the scan to rows touched since `from`.
 */
export function metricsWhere(t: ConsultationColumns, from: Date, to: Date): SQL {
  return and(gte(t.updatedAt, from), lt(t.createdAt, to))!;
}

const ROUND = 1000;
const round = (n: number) => Math.round(n * ROUND) / ROUND;

/** Mean (rounded to 3 decimals) and the nearest-rank 90th percentile; null when empty. */
function meanAndP90(values: readonly number[]): { mean: number | null; p90: number | null } {
  if (values.length === 0) return { mean: null, p90: null };
  const sorted = [...values].sort((a, b) => a - b);
  const mean = sorted.reduce((sum, v) => sum + v, 0) / sorted.length;
  return { mean: round(mean), p90: sorted[Math.ceil(0.9 * sorted.length) - 1]! };
}

interface Bucket {
  created: number;
  completed: number;
  rejected: number;
  cancelled: number;
  messages: number;
  waits: number[];
  firstResponses: number[];
  durations: number[];
}

const emptyBucket = (): Bucket => ({ created: 0, completed: 0, rejected: 0, cancelled: 0, messages: 0, waits: [], firstResponses: [], durations: [] });

function toMeasures(b: Bucket): Measures {
  const durations = meanAndP90(b.durations);
  return {
    created: b.created,
    completed: b.completed,
    rejected: b.rejected,
    cancelled: b.cancelled,
    messages: b.messages,
    waitSeconds: meanAndP90(b.waits),
    firstResponseSeconds: meanAndP90(b.firstResponses),
    durationMinutes: { mean: durations.mean },
  };
}

const dayFormats = new Map<string, Intl.DateTimeFormat>();

/** `YYYY-MM-DD` of `at` in `timeZone` (one formatter per zone: building one is the slow part). */
function dayKey(at: Date, timeZone: string): string {
  let format = dayFormats.get(timeZone);
  if (!format) dayFormats.set(timeZone, (format = new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" })));
  const parts = format.formatToParts(at);
  const part = (type: string) => parts.find((p) => p.type === type)!.value;
  return `${part("year")}-${part("month")}-${part("day")}`;
}

/** Every local day the window touches, so a per-day series has no gaps (12 h steps survive DST). */
function daysOf(from: Date, to: Date, timeZone: string): string[] {
  const keys = new Set<string>();
  for (let t = from.getTime(); t < to.getTime(); t += 12 * 3600_000) keys.add(dayKey(new Date(t), timeZone));
  if (to > from) keys.add(dayKey(new Date(to.getTime() - 1), timeZone));
  return [...keys];
}

const TERMINAL_BY_UPDATE: Partial<Record<ConsultationStatus, "rejected" | "cancelled">> = { REJECTED: "rejected", CANCELLED: "cancelled" };

/** Folds the selected rows into the window's totals and groups. */
export function aggregateMetrics(rows: readonly MetricsRow[], query: MetricsQuery): MetricsResult {
  const { from, to, groupBy, timeZone } = query;
  const inWindow = (d: Date | null): d is Date => d !== null && d >= from && d < to;
  const totals = emptyBucket();
  const groups = new Map<string | null, Bucket>();
  if (groupBy === "day") for (const key of daysOf(from, to, timeZone)) groups.set(key, emptyBucket());

  const keyOf = (row: MetricsRow, at: Date): string | null => {
    if (groupBy === "day") return dayKey(at, timeZone);
    if (groupBy === "counselor") return row.recipientUserCode;
    return row.category;
  };
  /** Applies `add` to the totals and, when grouping, to the event's group. */
  const count = (row: MetricsRow, at: Date, add: (b: Bucket) => void) => {
    add(totals);
    if (!groupBy) return;
    const key = keyOf(row, at);
    let bucket = groups.get(key);
    if (!bucket) groups.set(key, (bucket = emptyBucket()));
    add(bucket);
  };

  for (const row of rows) {
    if (inWindow(row.createdAt)) count(row, row.createdAt, (b) => b.created++);
    if (row.status === "COMPLETED" && inWindow(row.endedAt)) {
      const minutes = row.durationMinutes === null ? null : Number(row.durationMinutes);
      count(row, row.endedAt, (b) => {
        b.completed++;
        if (minutes !== null) b.durations.push(minutes);
      });
    }
    const terminal = TERMINAL_BY_UPDATE[row.status];
    if (terminal && inWindow(row.updatedAt)) count(row, row.updatedAt, (b) => b[terminal]++);
    if (inWindow(row.startedAt)) {
      const started = row.startedAt.getTime();
      const wait = (started - row.createdAt.getTime()) / 1000;
      const first = row.firstResponseAt ? Math.max(0, row.firstResponseAt.getTime() - started) / 1000 : null;
      const messages = Number(row.messageCount);
      count(row, row.startedAt, (b) => {
        b.waits.push(wait);
        if (first !== null) b.firstResponses.push(first);
        b.messages += messages;
      });
    }
  }

  const sorted = [...groups.entries()].sort(([a], [b]) => (a === b ? 0 : a === null ? 1 : b === null ? -1 : a < b ? -1 : 1));
  return { totals: toMeasures(totals), groups: sorted.map(([key, b]) => ({ key, ...toMeasures(b) })) };
}
