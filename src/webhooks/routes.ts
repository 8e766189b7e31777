import { createRoute, z } from "@hono/zod-openapi";
import { requireUser } from "../auth/middleware";
import { ApiError, upstreamError } from "../domain/errors";
import type { ApiApp } from "../http/app-env";
import { bearerSecurity, errorResponses, json } from "../http/openapi";

const DeliverySchema = z
  .object({
    eventId: z.string(),
    type: z.string(),
    url: z.string(),
    attempts: z.number().int(),
    lastStatus: z.number().int().nullable(),
    lastAttemptAt: z.string().nullable(),
    deliveredAt: z.string().nullable(),
    deadLetteredAt: z.string().nullable(),
  })
  .openapi("WebhookDelivery");

const deliveries = createRoute({
  middleware: requireUser,
  security: bearerSecurity,
  tags: ["admin"],
  method: "get",
  path: "/api/admin/webhooks",
  summary: "Admins: recent webhook deliveries, newest first (one row per event and URL; dead letters marked)",
  request: { query: z.object({ limit: z.coerce.number().int().min(1).max(500).optional() }) },
  responses: { 200: json(z.object({ deliveries: z.array(DeliverySchema) }).openapi("WebhookDeliveries"), "Deliveries"), ...errorResponses(400, 401, 403, 503) },
});

export function registerWebhookRoutes(app: ApiApp): void {
  app.openapi(deliveries, async (c) => {
    if (!c.var.user.isAdmin) throw new ApiError("FORBIDDEN", "Only admins may see webhook deliveries");
    const limit = c.req.valid("query").limit ?? 100;
    try {
      return c.json({ deliveries: await c.var.services.notify.webhookLog().list(limit) }, 200);
    } catch (e) {
      throw upstreamError("The webhook log", e);
    }
  });
}
