import type { Context } from "hono";
import { getRoomGateway } from "../chat/room-gateway";
import type { AppEnv } from "../http/app-env";
import type { LifecycleDeps } from "./service";

/** The lifecycle's dependencies for a request (services from the init middleware). */
export function requestDeps(c: Context<AppEnv>): LifecycleDeps {
  const live = { env: c.env, waitUntil: (p: Promise<unknown>) => c.executionCtx.waitUntil(p) };
  return { repository: c.var.services.repository, gateway: getRoomGateway(c.env), live };
}
