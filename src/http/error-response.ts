import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { ApiError, ConfigError, type ErrorCode } from "../domain/errors";

/** Maps every thrown error to SPEC's `{error, code}`; unknown errors are logged, never leaked. */
export function handleError(err: Error, c: Context) {
  if (err instanceof ConfigError) {
    // The operator needs the variable names; the client only learns that it is our fault.
    console.error(err.message);
    return errorResponse(c, new ApiError("INTERNAL", "The service is misconfigured"));
  }
  if (err instanceof ApiError) return errorResponse(c, err);
  if (err instanceof HTTPException) return errorResponse(c, fromHttpException(err));
  console.error("unhandled error", err.stack ?? err);
  return c.json({ error: "Internal error", code: "INTERNAL" }, 500);
}

export function errorResponse(c: Context, err: ApiError) {
  const body: Record<string, unknown> = { error: err.message, code: err.code };
  if (err.details !== undefined) body.details = err.details;
  if (err.status === 401) c.header("WWW-Authenticate", 'Bearer realm="consultation-chat"');
  return c.json(body, err.status as ContentfulStatusCode);
}

/** Hono's own exceptions (malformed JSON, media type, body limit) in SPEC's vocabulary. */
function fromHttpException(err: HTTPException): ApiError {
  const byStatus: Partial<Record<number, ErrorCode>> = { 401: "UNAUTHORIZED", 403: "FORBIDDEN", 404: "NOT_FOUND", 413: "TOO_LARGE" };
  const code = byStatus[err.status];
  if (code) return new ApiError(code, err.message || code);
  if (err.status === 415) return new ApiError("VALIDATION", "The request body must be JSON (Content-Type: application/json)");
  if (err.status < 500) return new ApiError("VALIDATION", err.message || "Bad request");
  return new ApiError("INTERNAL", "Internal error");
}

export function handleNotFound(c: Context) {
  return c.json({ error: `No route for ${c.req.method} ${new URL(c.req.url).pathname}`, code: "NOT_FOUND" }, 404);
}
