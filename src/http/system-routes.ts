import { createRoute, z } from "@hono/zod-openapi";
import type { ApiApp } from "./app-env";
import { errorResponses, json } from "./openapi";

const health = createRoute({
  method: "get",
  path: "/health",
  tags: ["system"],
  summary: "Liveness (no auth); 500 INTERNAL when the configuration is invalid",
  responses: { 200: json(z.object({ ok: z.literal(true) }), "The service is up"), ...errorResponses() },
});

export function registerSystemRoutes(app: ApiApp): void {
  app.openapi(health, (c) => c.json({ ok: true as const }, 200));
}
