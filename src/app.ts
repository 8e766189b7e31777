import { OpenAPIHono } from "@hono/zod-openapi";
import { bodyLimit } from "hono/body-limit";
import { isUploadRequest, registerAttachmentRoutes } from "./attachments/routes";
import { devSignIn } from "./auth/dev-sign-in";
import { withServices } from "./auth/middleware";
import { registerArchiveRoutes } from "./chat/archive-routes";
import { registerChatRoutes } from "./chat/routes";
import { registerConsultationActionRoutes } from "./consultations/routes-actions";
import { registerAdminRoutes } from "./consultations/routes-admin";
import { registerConsultationReadRoutes } from "./consultations/routes-read";
import { ApiError } from "./domain/errors";
import type { AppEnv } from "./http/app-env";
import { crossOrigin } from "./http/cross-origin";
import { handleError } from "./http/error-response";
import { registerOpenApiDoc, validationHook } from "./http/openapi";
import { registerSystemRoutes } from "./http/system-routes";
import { securityHeaders } from "./http/security-headers";
import { serveAppOrNotFound } from "./http/static-app";
import { registerInboxRoutes } from "./live/routes";
import { registerStompRoutes } from "./live/stomp-routes";
import { registerPushRoutes } from "./push/routes";
import { registerWebhookRoutes } from "./webhooks/routes";

/** SPEC section 3: request bodies over 64 KiB are refused before anything reads them. */
const MAX_BODY_BYTES = 64 * 1024;

/**
 * The Worker's HTTP surface. Each area registers its routes with a `registerXRoutes(app)`
 * function; routes are @hono/zod-openapi definitions, so validation and /openapi.json
 * come from the same source.
 */
export function createApp() {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  // Outermost, so error answers carry the headers too.
  app.use("*", securityHeaders);
  // Every request, /health included, first needs a valid configuration (500 otherwise).
  app.use("*", withServices);
  app.use("/api/*", crossOrigin);
  const limitBody = bodyLimit({
    maxSize: MAX_BODY_BYTES,
    onError: () => {
      throw new ApiError("TOO_LARGE", `Request body is over ${MAX_BODY_BYTES / 1024} KiB`);
    },
  });
  // An attachment upload streams up to ATTACHMENT_MAX_BYTES and checks its own length.
  app.use("/api/*", (c, next) => (isUploadRequest(c.req.method, c.req.path) ? next() : limitBody(c, next)));

  registerSystemRoutes(app);
  registerConsultationActionRoutes(app);
  registerConsultationReadRoutes(app);
  registerAdminRoutes(app);
  registerChatRoutes(app);
  registerArchiveRoutes(app);
  registerAttachmentRoutes(app);
  registerInboxRoutes(app);
  registerStompRoutes(app);
  registerPushRoutes(app);
  registerWebhookRoutes(app);
  app.route("/api/dev/sign-in", devSignIn); // 404 unless DEV_AUTH=true (local demo users)
  registerOpenApiDoc(app);

  app.notFound(serveAppOrNotFound);
  app.onError(handleError);
  return app;
}
