import { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "./http/app-env";
import { handleError, handleNotFound } from "./http/errors";

export function createApp() {
  const app = new OpenAPIHono<AppEnv>();
  app.get("/health", (c) => c.json({ ok: true }));
  app.notFound(handleNotFound);
  app.onError(handleError);
  return app;
}
