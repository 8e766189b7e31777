import { createRoute } from "@hono/zod-openapi";
import { requireUser } from "../auth/middleware";
import { ApiError } from "../domain/errors";
import type { ApiApp } from "../http/app-env";
import { bearerSecurity, errorResponses, json } from "../http/openapi";
import { StatsSchema } from "./schemas";

const stats = createRoute({
  middleware: requireUser,
  security: bearerSecurity,
  tags: ["admin"],
  method: "get",
  path: "/api/admin/stats",
  summary: "Admins: counts by status, mean duration (minutes), messages in the last 24 h",
  responses: { 200: json(StatsSchema, "Statistics"), ...errorResponses(401, 403) },
});

export function registerAdminRoutes(app: ApiApp): void {
  app.openapi(stats, async (c) => {
    if (!c.var.user.isAdmin) throw new ApiError("FORBIDDEN", "Only admins may see statistics");
    return c.json(await c.var.services.repository.stats(new Date()), 200);
  });
}
