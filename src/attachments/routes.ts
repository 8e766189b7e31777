import { createRoute, z } from "@hono/zod-openapi";
import { requireUser } from "../auth/middleware";
import { assertCanRead } from "../chat/access";
import { loadConsultation } from "../consultations/service";
import type { ApiApp } from "../http/app-env";
import { bearerSecurity, errorResponses, json } from "../http/openapi";
import { DOWNLOAD_URL_SECONDS, findDownload, presignedDownload, serveDownload } from "./download";
import { createGrant } from "./grants";
import { AttachmentParams, DownloadLink, GrantRequest, GrantResponse, UploadQuery } from "./schemas";
import { IdParams } from "../consultations/schemas";
import { receiveUpload } from "./upload";

const UPLOAD_PATH = /^\/api\/chat\/attachments\/[^/]+\/[^/]+$/;

/**
 * The Worker-served upload streams its body (up to ATTACHMENT_MAX_BYTES) and checks the
 * length itself, so the 64 KiB limit of other bodies does not apply to it.
 */
export function isUploadRequest(method: string, pathname: string): boolean {
  return method === "PUT" && UPLOAD_PATH.test(pathname);
}

const tags = ["attachments"];

const grant = createRoute({
  tags,
  security: bearerSecurity,
  middleware: requireUser,
  method: "post",
  path: "/api/chat/attachments/{id}",
  summary: "An upload grant for one file (SPEC section 11); send it with a `send` frame carrying `attachmentId`",
  request: { params: IdParams, body: { content: { "application/json": { schema: GrantRequest } }, required: true } },
  responses: {
    201: json(GrantResponse, "PUT the file to `upload.url` within `expiresIn` seconds"),
    ...errorResponses(400, 401, 403, 404, 409, 413, 429, 503),
  },
});

const upload = createRoute({
  tags,
  method: "put",
  path: "/api/chat/attachments/{id}/{attachmentId}",
  summary: "The upload of a granted file when the archive is the R2 binding (the signed URL of the grant; no bearer token)",
  request: {
    params: AttachmentParams,
    query: UploadQuery,
    body: { content: { "application/octet-stream": { schema: z.string().openapi({ format: "binary" }) } }, description: "Exactly the granted size, with the granted Content-Type" },
  },
  responses: {
    200: json(z.object({ attachmentId: z.string(), size: z.number().int() }), "Stored"),
    ...errorResponses(400, 403, 404, 409, 413, 503),
  },
});

const download = createRoute({
  tags,
  security: bearerSecurity,
  middleware: requireUser,
  method: "get",
  path: "/api/chat/attachments/{id}/{attachmentId}",
  summary: "A file of the chat (participants and admins): the file itself, or a redirect to a short presigned GET",
  request: {
    params: AttachmentParams,
    query: z.object({
      link: z.enum(["true"]).optional().openapi({
        description: "`true`: answer `{url, expiresIn}` instead, the presigned GET (S3 adapter) or null (R2 binding: fetch this path with the token)",
      }),
    }),
  },
  responses: {
    200: {
      description: "The file; `Content-Disposition: attachment` (inline for png, jpeg, gif, webp), nosniff. With `?link=true`: `{url, expiresIn}`",
      content: {
        "application/octet-stream": { schema: z.string().openapi({ format: "binary" }) },
        "application/json": { schema: DownloadLink },
      },
    },
    302: { description: "S3 adapter: `Location` is a presigned GET valid for 5 minutes" },
    ...errorResponses(400, 401, 403, 404, 503),
  },
});

export function registerAttachmentRoutes(app: ApiApp): void {
  app.openapi(grant, async (c) => {
    const { id } = c.req.valid("param");
    const { repository, archive, config } = c.var.services;
    const consultation = await loadConsultation(repository, id);
    const deps = { config, repository, archive, origin: new URL(c.req.url).origin, now: new Date() };
    return c.json(await createGrant(deps, consultation, c.var.user, c.req.valid("json")), 201);
  });

  app.openapi(upload, async (c) => {
    const { id, attachmentId } = c.req.valid("param");
    const { exp, sig } = c.req.valid("query");
    const { repository, archive, config } = c.var.services;
    const stored = await receiveUpload(
      { config, repository, archive, now: new Date() },
      {
        requestIdx: id,
        attachmentId,
        exp: Number(exp),
        sig,
        contentType: c.req.header("content-type"),
        contentLength: c.req.header("content-length"),
        body: c.req.raw.body,
      },
    );
    return c.json(stored, 200);
  });

  app.openapi(download, async (c) => {
    const { id, attachmentId } = c.req.valid("param");
    const { repository, archive } = c.var.services;
    const consultation = await loadConsultation(repository, id);
    assertCanRead(consultation, c.var.user);
    const attachment = await findDownload(repository, consultation, c.var.user, attachmentId);
    // A browser shows a presigned file by URL (img src, a link): no CORS, no token at the
    // bucket, and no tainted-origin redirect as fetch would follow.
    if (c.req.valid("query").link) return c.json({ url: await presignedDownload(archive, attachment), expiresIn: DOWNLOAD_URL_SECONDS }, 200, { "Cache-Control": "no-store" });
    return (await serveDownload(archive, attachment)) as never;
  });
}
