import { createRoute, z } from "@hono/zod-openapi";
import { requireUser } from "../auth/middleware";
import { isParticipant } from "../domain/rules";
import { loadConsultation } from "../consultations/service";
import { ApiError } from "../domain/errors";
import type { ApiApp } from "../http/app-env";
import { bearerSecurity, errorResponses } from "../http/openapi";
import { archiveKeys } from "../stores/archive-store/port";
import { attachmentHeader, TRANSCRIPT_CONTENT_TYPE } from "../protocol/transcript";

const Params = z.object({
  requestIdx: z.coerce
    .number()
    .int()
    .positive()
    .max(Number.MAX_SAFE_INTEGER)
    .openapi({ param: { name: "requestIdx", in: "path" }, example: 123 }),
});

const download = createRoute({
  middleware: [requireUser],
  security: bearerSecurity,
  tags: ["chat"],
  method: "get",
  path: "/api/chat/archive/download/{requestIdx}",
  summary: "The archived transcript of an ended consultation (participants and admins)",
  request: { params: Params },
  responses: {
    200: {
      description: "The final transcript (SPEC section 7), as an attachment",
      content: { [TRANSCRIPT_CONTENT_TYPE]: { schema: z.string() } },
    },
    ...errorResponses(400, 401, 403, 404, 503),
  },
});

export function registerArchiveRoutes(app: ApiApp): void {
  app.openapi(download, async (c) => {
    const { requestIdx } = c.req.valid("param");
    const { repository, archive } = c.var.services;
    const user = c.var.user;
    const consultation = await loadConsultation(repository, requestIdx);
    if (!isParticipant(consultation, user) && !user.isAdmin) {
      throw new ApiError("FORBIDDEN", "Only the participants or an admin may download the archive");
    }
    // The key is fixed per consultation, so an archive written by an end whose final
    // repository update has not landed yet is found as well.
    const transcript = await archive.get(consultation.chatLogKey ?? archiveKeys.final(requestIdx));
    if (transcript === null) throw new ApiError("NOT_FOUND", `Consultation ${requestIdx} has no archived transcript`);
    return c.text(transcript, 200, {
      "Content-Type": TRANSCRIPT_CONTENT_TYPE,
      "Content-Disposition": attachmentHeader(`archived-chat-log-${requestIdx}.txt`),
    });
  });
}
