import { createMiddleware } from "hono/factory";
import { ApiError } from "../domain/errors";
import type { AppEnv } from "../http/app-env";
import { getServices } from "../config/services";
import { verifyToken } from "./verify-token";

/**
 * Puts the services (config + adapters, built once per env) on the context. A bad
 * configuration throws ConfigError here, which the error handler answers with 500
 * INTERNAL after logging the missing variables by name.
 */
export const withServices = createMiddleware<AppEnv>(async function withServices(c, next) {
  c.set("services", getServices(c.env));
  await next();
});

/** `Authorization: Bearer <jwt>` → the token, or null when the header is absent. */
export function bearerToken(header: string | undefined): string | null {
  if (header === undefined) return null;
  const match = /^Bearer[ ]+([^ ]+)[ ]*$/i.exec(header);
  if (!match) throw new ApiError("UNAUTHORIZED", "Authorization header must be `Bearer <token>`");
  return match[1]!;
}

/** Requires a valid bearer JWT and sets `c.var.user`. Runs after `withServices`. */
export const requireUser = createMiddleware<AppEnv>(async function requireUser(c, next) {
  const token = bearerToken(c.req.header("authorization"));
  if (!token) throw new ApiError("UNAUTHORIZED", "Missing bearer token");
  c.set("user", await verifyToken(token, c.var.services.config));
  await next();
});
