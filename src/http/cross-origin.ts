import { cors } from "hono/cors";
import { createMiddleware } from "hono/factory";
import type { MiddlewareHandler } from "hono";
import { ApiError } from "../domain/errors";
import type { AppEnv } from "./app-env";

/** How long a browser may cache a preflight answer, in seconds. */
const PREFLIGHT_MAX_AGE = 600;

const corsByList = new WeakMap<readonly string[], MiddlewareHandler>();

/** hono/cors for exactly the listed origins (built once per parsed config). */
function corsFor(allowed: readonly string[]): MiddlewareHandler {
  let handler = corsByList.get(allowed);
  if (!handler) {
    handler = cors({
      origin: [...allowed],
      allowMethods: ["GET", "POST", "OPTIONS"],
      allowHeaders: ["Authorization", "Content-Type"],
      // A cross-origin app reads the transcript's file name from it.
      exposeHeaders: ["Content-Disposition"],
      maxAge: PREFLIGHT_MAX_AGE,
    });
    corsByList.set(allowed, handler);
  }
  return handler;
}

/**
 * SPEC section 14: REST answers no cross-origin request unless ALLOWED_ORIGINS lists the
 * origin. Requests without `Origin` (apps, servers, curl) and same-origin ones (the browser
 * app) pass; a listed origin gets CORS, preflight included; any other origin gets 403
 * FORBIDDEN, preflight included, so the browser never sends the real request.
 *
 * A WebSocket upgrade is not REST: SPEC section 4 refuses other Origins only when
 * ALLOWED_ORIGINS is set, so it passes here and the connect route checks it
 * (chat/access.ts assertOriginAllowed); a socket needs no CORS headers either.
 */
export const crossOrigin = createMiddleware<AppEnv>(async function crossOrigin(c, next) {
  if (c.req.header("upgrade")?.toLowerCase() === "websocket") return next();
  const origin = c.req.header("origin");
  if (origin === undefined || origin === new URL(c.req.url).origin) return next();
  const allowed = c.var.services.config.allowedOrigins ?? [];
  if (!allowed.includes(origin)) throw new ApiError("FORBIDDEN", `Cross-origin requests from ${origin} are not allowed`);
  return corsFor(allowed)(c, next);
});
