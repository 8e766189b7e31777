import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { ConfigError } from "../config";
import { ApiError } from "../errors";

/** Maps every thrown error to SPEC's `{error, code}`; unknown errors are logged, never leaked. */
export function handleError(err: Error, c: Context) {
  if (err instanceof ApiError) {
    const body: Record<string, unknown> = { error: err.message, code: err.code };
    if (err.details !== undefined) body.details = err.details;
    return c.json(body, err.status as ContentfulStatusCode);
  }
  if (err instanceof ConfigError) {
    console.error(err.message);
    return c.json({ error: "The service is misconfigured", code: "INTERNAL" }, 500);
  }
  if (err instanceof HTTPException) {
    const status = err.status;
    const code = status === 401 ? "UNAUTHORIZED" : status === 413 ? "TOO_LARGE" : status === 404 ? "NOT_FOUND" : "VALIDATION";
    return c.json({ error: err.message || "Bad request", code }, status as ContentfulStatusCode);
  }
  console.error("unhandled error", err.stack ?? err);
  return c.json({ error: "Internal error", code: "INTERNAL" }, 500);
}

export function handleNotFound(c: Context) {
  return c.json({ error: `No route for ${c.req.method} ${new URL(c.req.url).pathname}`, code: "NOT_FOUND" }, 404);
}
