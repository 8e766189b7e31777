import type { User } from "../domain/types";
import type { Services } from "../config/services";

/** Hono's environment: bindings plus what middleware puts on the context. */
export interface AppEnv {
  Bindings: Env;
  Variables: {
    services: Services;
    user: User;
  };
}

/** The application type route modules register on (`registerXRoutes(app: ApiApp)`). */
export type ApiApp = import("@hono/zod-openapi").OpenAPIHono<AppEnv>;
