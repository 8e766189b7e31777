import type { Context } from "hono";
import type { AppEnv } from "./app-env";
import { handleNotFound } from "./error-response";

/** Paths the API owns: an unknown one is a JSON 404, never the app's index.html. */
const API_PATH = /^\/(api|ws)\/|^\/(health|openapi\.json)$/;

/**
 * Every other path is the browser app (public/, the ASSETS binding, whose single-page
 * fallback answers deep links with index.html). It is served through the Worker
 * (wrangler.toml `run_worker_first = true`) so that the app gets the same security headers
 * as the API, with the Content-Security-Policy of this deployment's storage.
 */
export function serveAppOrNotFound(c: Context<AppEnv>): Response | Promise<Response> {
  const assets = c.env.ASSETS as Fetcher | undefined;
  if (API_PATH.test(c.req.path) || !assets) return handleNotFound(c);
  return assets.fetch(c.req.raw);
}
