import { z } from "@hono/zod-openapi";
import { StatsSchema } from "./schemas";

/** Query, window rules and response of GET /api/admin/stats (SPEC section 15). */

export const GROUP_BYS = ["day", "counselor", "category"] as const;

export const StatsQuery = z.object({
  from: z.iso.datetime({ offset: true }).optional().openapi({ description: "Window start (inclusive), ISO-8601; default `to` minus 30 days" }),
  to: z.iso.datetime({ offset: true }).optional().openapi({ description: "Window end (exclusive), ISO-8601; default now" }),
  groupBy: z.enum(GROUP_BYS).optional().openapi({ description: "Groups: local days (TRANSCRIPT_TIMEZONE), counselors or categories" }),
  format: z.enum(["json", "csv"]).optional().openapi({ description: "`csv`: the groups (and a totals row) as text/csv" }),
});

const meanP90 = z.object({ mean: z.number().nullable(), p90: z.number().nullable() });

const MeasuresSchema = z.object({
  created: z.number().int().openapi({ description: "Created in the window" }),
  completed: z.number().int().openapi({ description: "Completed (endedAt) in the window" }),
  rejected: z.number().int().openapi({ description: "Rejected in the window" }),
  cancelled: z.number().int().openapi({ description: "Cancelled in the window" }),
  messages: z.number().int().openapi({ description: "messageCount of the consultations started in the window" }),
  waitSeconds: meanP90.openapi({ description: "createdAt → startedAt of the consultations started in the window" }),
  firstResponseSeconds: meanP90.openapi({ description: "startedAt → the recipient's first message, same consultations" }),
  durationMinutes: z.object({ mean: z.number().nullable() }).openapi({ description: "Of the consultations completed in the window" }),
});

export const MetricsSchema = StatsSchema.extend({
  from: z.iso.datetime(),
  to: z.iso.datetime(),
  groupBy: z.enum(GROUP_BYS).nullable(),
  totals: MeasuresSchema,
  groups: z.array(
    MeasuresSchema.extend({
      key: z.string().nullable().openapi({ description: "YYYY-MM-DD, a counselor's user code or a category; null: none" }),
    }),
  ),
}).openapi("ServiceMetrics");

/** Default window length, and the longest window one request may ask for (bounded work). */
export const DEFAULT_WINDOW_MS = 30 * 24 * 3600_000;
export const MAX_WINDOW_MS = 366 * 24 * 3600_000;
