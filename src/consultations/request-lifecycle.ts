import type { Context } from "hono";
import type { AppEnv } from "../http/app-env";
import { withLive, type LifecycleDeps } from "./service";

/** The lifecycle for one request: the services, and live notices kept running by the request's waitUntil. */
export function requestLifecycle(c: Context<AppEnv>): LifecycleDeps {
  const services = c.var.services;
  return withLive(services, services, (p) => c.executionCtx.waitUntil(p));
}
