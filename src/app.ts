import { OpenAPIHono } from "@hono/zod-openapi";
import { bodyLimit } from "hono/body-limit";
import { devSignIn } from "./auth/dev-sign-in";
import { withServices } from "./auth/middleware";
import { registerArchiveRoutes } from "./chat/archive-routes";
import { registerChatRoutes } from "./chat/routes";
import { registerConsultationActionRoutes } from "./consultations/routes-actions";
import { registerAdminRoutes } from "./consultations/routes-admin";
import { registerConsultationReadRoutes } from "./consultations/routes-read";
import { ApiError } from "./domain/errors";
import type { AppEnv } from "./http/app-env";
import { handleError, handleNotFound } from "./http/error-response";
import { registerOpenApiDoc, validationHook } from "./http/openapi";
import { registerSystemRoutes } from "./http/system-routes";
import { registerInboxRoutes } from "./live/routes";

/** SPEC section 3: request bodies over 64 KiB are refused before anything reads them. */
const MAX_BODY_BYTES = 64 * 1024;

/**
 * The Worker's HTTP surface. Each area registers its routes with a `registerXRoutes(app)`
 * function; routes are @hono/zod-openapi definitions, so validation and /openapi.json
 * come from the same source.
 */
export function createApp() {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  // Every request, /health included, first needs a valid configuration (500 otherwise).
  app.use("*", withServices);
  app.use(
    "/api/*",
    bodyLimit({
      maxSize: MAX_BODY_BYTES,
      onError: () => {
        throw new ApiError("TOO_LARGE", `Request body is over ${MAX_BODY_BYTES / 1024} KiB`);
      },
    }),
  );

  registerSystemRoutes(app);
  registerConsultationActionRoutes(app);
  registerConsultationReadRoutes(app);
  registerAdminRoutes(app);
  registerChatRoutes(app);
  registerArchiveRoutes(app);
  registerInboxRoutes(app);
  app.route("/api/dev/sign-in", devSignIn); // 404 unless DEV_AUTH=true (local demo users)
  registerOpenApiDoc(app);

  app.notFound(handleNotFound);
  app.onError(handleError);
  return app;
}
