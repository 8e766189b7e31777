/**
 * The answer of `GET /api/admin/stats` (SPEC section 15), read defensively: a server
 * without the grouped metrics (older, or the endpoint missing) still gives the counts by
 * status, and the view says what it cannot show rather than breaking. Pure, unit-tested.
 */

export interface Spread {
  mean: number | null;
  p90: number | null;
}

export interface Figures {
  created: number;
  completed: number;
  rejected: number;
  cancelled: number;
  messages: number;
  waitSeconds: Spread;
  firstResponseSeconds: Spread;
  durationMinutes: { mean: number | null };
}

export type GroupBy = "day" | "counselor" | "category";

export type StatsView =
  | { kind: "full"; from: string; to: string; groupBy: GroupBy; totals: Figures; groups: (Figures & { key: string })[]; byStatus: Record<string, number> }
  | { kind: "legacy"; byStatus: Record<string, number>; meanDurationMinutes: number | null; messagesLast24h: number | null };

const num = (v: unknown): number => (typeof v === "number" && Number.isFinite(v) ? v : 0);
const maybe = (v: unknown): number | null => (typeof v === "number" && Number.isFinite(v) ? v : null);
const obj = (v: unknown): Record<string, unknown> => (typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {});

function figures(raw: unknown): Figures {
  const f = obj(raw);
  const spread = (v: unknown): Spread => ({ mean: maybe(obj(v).mean), p90: maybe(obj(v).p90) });
  return {
    created: num(f.created),
    completed: num(f.completed),
    rejected: num(f.rejected),
    cancelled: num(f.cancelled),
    messages: num(f.messages),
    waitSeconds: spread(f.waitSeconds),
    firstResponseSeconds: spread(f.firstResponseSeconds),
    durationMinutes: { mean: maybe(obj(f.durationMinutes).mean) },
  };
}

function byStatusOf(raw: unknown): Record<string, number> {
  return Object.fromEntries(Object.entries(obj(raw)).map(([k, v]) => [k, num(v)]));
}

export function readStats(raw: unknown): StatsView {
  const r = obj(raw);
  if (Array.isArray(r.groups) && typeof r.totals === "object" && r.totals !== null) {
    const groupBy: GroupBy = r.groupBy === "counselor" || r.groupBy === "category" ? r.groupBy : "day";
    return {
      kind: "full",
      from: String(r.from ?? ""),
      to: String(r.to ?? ""),
      groupBy,
      totals: figures(r.totals),
      groups: (r.groups as unknown[]).map((g) => ({ key: String(obj(g).key ?? ""), ...figures(g) })),
      byStatus: byStatusOf(r.byStatus),
    };
  }
  return { kind: "legacy", byStatus: byStatusOf(r.byStatus), meanDurationMinutes: maybe(r.meanDurationMinutes), messagesLast24h: maybe(r.messagesLast24h) };
}

/** The query of a stats request: dates from `<input type="date">` (local days) as ISO instants. */
export function statsQuery(fromDay: string, toDay: string, groupBy: GroupBy, format?: "csv"): string {
  const q = new URLSearchParams({ groupBy });
  if (fromDay) q.set("from", new Date(`${fromDay}T00:00:00`).toISOString());
  // `to` is exclusive of nothing: the end of the chosen day.
  if (toDay) q.set("to", new Date(new Date(`${toDay}T00:00:00`).getTime() + 86_400_000 - 1).toISOString());
  if (format) q.set("format", format);
  return `/api/admin/stats?${q}`;
}
