import { createRoute, z } from "@hono/zod-openapi";
import { createMiddleware } from "hono/factory";
import { requireUser } from "../auth/middleware";
import { ApiError } from "../domain/errors";
import type { ApiApp, AppEnv } from "../http/app-env";
import { bearerSecurity, errorResponses, json } from "../http/openapi";
import { statsCsv } from "./stats-csv";
import { DEFAULT_WINDOW_MS, MAX_WINDOW_MS, MetricsSchema, StatsQuery } from "./stats-schemas";

/** Admins only, checked before the query is validated: a non-admin learns nothing from a 400. */
const requireAdmin = createMiddleware<AppEnv>(async function requireAdmin(c, next) {
  if (!c.var.user.isAdmin) throw new ApiError("FORBIDDEN", "Only admins may see statistics");
  await next();
});

const stats = createRoute({
  middleware: [requireUser, requireAdmin] as const,
  security: bearerSecurity,
  tags: ["admin"],
  method: "get",
  path: "/api/admin/stats",
  summary: "Admins: service metrics of a window (created, completed, wait, first response, duration, messages), optionally grouped",
  request: { query: StatsQuery },
  responses: {
    200: {
      description: "Statistics (JSON), or with `format=csv` the groups and totals as CSV",
      content: { "application/json": { schema: MetricsSchema }, "text/csv": { schema: z.string() } },
    },
    ...errorResponses(400, 401, 403, 503),
  },
});

/** The window of the query: defaults, order and size checked (400 VALIDATION with details). */
function windowOf(query: { from?: string; to?: string }, now: Date): { from: Date; to: Date } {
  const to = query.to ? new Date(query.to) : now;
  const from = query.from ? new Date(query.from) : new Date(to.getTime() - DEFAULT_WINDOW_MS);
  if (from > to) throw new ApiError("VALIDATION", "`from` is after `to`", [{ path: "from", message: "must not be after `to`" }]);
  if (to.getTime() - from.getTime() > MAX_WINDOW_MS) {
    throw new ApiError("VALIDATION", "The window is longer than 366 days", [{ path: "from", message: "at most 366 days before `to`" }]);
  }
  return { from, to };
}

export function registerAdminRoutes(app: ApiApp): void {
  app.openapi(stats, async (c) => {
    const query = c.req.valid("query");
    const { repository, config, now } = c.var.services;
    const at = now();
    const { from, to } = windowOf(query, at);
    const groupBy = query.groupBy ?? null;
    const [metrics, earlier] = await Promise.all([
      repository.metrics({ from, to, groupBy, timeZone: config.transcript.timezone }),
      repository.stats(at),
    ]);
    if (query.format === "csv") {
      const name = `consultation-stats-${groupBy ?? "totals"}.csv`;
      return c.body(statsCsv(metrics), 200, {
        "Content-Type": "text/csv; charset=utf-8",
        "Content-Disposition": `attachment; filename="${name}"`,
      });
    }
    return c.json({ ...earlier, from: from.toISOString(), to: to.toISOString(), groupBy, ...metrics }, 200);
  });
}
