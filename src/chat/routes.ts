import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { AttachmentRefSchema } from "../attachments/schemas";
import { bearerToken, requireUser } from "../auth/middleware";
import { verifyToken } from "../auth/verify-token";
import { IdParams } from "../consultations/schemas";
import type { User } from "../domain/types";
import { ApiError } from "../domain/errors";
import type { ApiApp, AppEnv } from "../http/app-env";
import { bearerSecurity, errorResponses, json } from "../http/openapi";
import { loadConsultation } from "../consultations/service";
import { assertCanConnect, assertCanRead, assertOriginAllowed } from "./access";
import { callRoom } from "./room-client";
import { CONNECT_GRANT_HEADER, encodeConnectGrant } from "../protocol/room-connect";
import { attachmentHeader, formatTranscript, TRANSCRIPT_CONTENT_TYPE } from "../protocol/transcript";

const MessageSchema = z
  .object({
    id: z.string(),
    seq: z.number().int(),
    requestIdx: z.number().int(),
    sender: z.string(),
    senderName: z.string(),
    type: z.enum(["NORMAL", "SYSTEM", "FILE"]),
    content: z.string(),
    sentAt: z.string(),
    clientMsgId: z.string().nullable(),
    attachment: AttachmentRefSchema.optional().openapi({ description: "FILE messages: the file (GET /api/chat/attachments/{id}/{attachment.id})" }),
  })
  .openapi("ChatMessage");

const ReadReceiptSchema = z.object({ userCode: z.string(), upToSeq: z.number().int(), readAt: z.string() }).openapi("ReadReceipt");
const DeliveredMarkSchema = z.object({ userCode: z.string(), upToSeq: z.number().int() }).openapi("DeliveredMark");

const MessagesQuery = z.object({
  count: z.coerce.number().int().min(1).max(10_000).optional().openapi({ description: "Only the latest N messages" }),
  afterSeq: z.coerce.number().int().min(0).optional().openapi({ description: "Only messages with seq > afterSeq" }),
});

const common = { security: bearerSecurity, tags: ["chat"] };

const messages = createRoute({
  ...common,
  middleware: requireUser,
  method: "get",
  path: "/api/chat/messages/{id}",
  summary: "The room's messages not yet archived, oldest first (participants and admins)",
  request: { params: IdParams, query: MessagesQuery },
  responses: {
    200: json(
      z.object({ requestIdx: z.number().int(), messageCount: z.number().int(), messages: z.array(MessageSchema), reads: z.array(ReadReceiptSchema), delivered: z.array(DeliveredMarkSchema) }),
      "messageCount is the number of the room's messages not yet archived (whatever the page); reads are the participants' read marks; delivered their delivered marks (SPEC 13)",
    ),
    ...errorResponses(400, 401, 403, 404, 503),
  },
});

const historyDownload = createRoute({
  ...common,
  middleware: requireUser,
  method: "post",
  path: "/api/chat/history/download/{id}",
  summary: "The transcript of the messages so far (SPEC section 7)",
  request: { params: IdParams },
  responses: {
    200: { description: "chat-log-{id}.txt", content: { "text/plain": { schema: z.string() } } },
    ...errorResponses(400, 401, 403, 404, 503),
  },
});

const ticket = createRoute({
  ...common,
  middleware: requireUser,
  method: "post",
  path: "/api/chat/ticket/{id}",
  summary: "A single-use WebSocket ticket for this user and room (valid up to 60 s)",
  request: { params: IdParams },
  responses: {
    200: json(z.object({ ticket: z.string(), expiresIn: z.number().int() }), "Use as ?ticket= on /api/chat/ws/{id}"),
    ...errorResponses(400, 401, 403, 404, 409, 503),
  },
});

const connect = createRoute({
  ...common,
  method: "get",
  path: "/api/chat/ws/{id}",
  summary: "WebSocket upgrade (SPEC section 4): `?ticket=` or `Authorization: Bearer`",
  request: { params: IdParams, query: z.object({ ticket: z.string().min(1).max(200).optional() }) },
  responses: {
    101: { description: "Switching protocols; the first frame is `ready`" },
    ...errorResponses(400, 401, 403, 404, 409, 429, 503),
    426: json(z.object({ error: z.string(), code: z.string() }), "VALIDATION: not a WebSocket upgrade"),
  },
});

export function registerChatRoutes(app: ApiApp): void {
  app.openapi(messages, async (c) => {
    const { id } = c.req.valid("param");
    const { count, afterSeq } = c.req.valid("query");
    const consultation = await loadConsultation(c.var.services.repository, id);
    assertCanRead(consultation, c.var.user);
    const page = await callRoom("The chat room", () => c.var.services.rooms.stub(id).listMessages(consultation, { afterSeq, last: count }));
    return c.json({ requestIdx: id, ...page }, 200);
  });

  app.openapi(historyDownload, async (c) => {
    const { id } = c.req.valid("param");
    const consultation = await loadConsultation(c.var.services.repository, id);
    assertCanRead(consultation, c.var.user);
    const page = await callRoom("The chat room", () => c.var.services.rooms.stub(id).listMessages(consultation));
    const { timezone, locale } = c.var.services.config.transcript;
    const text = formatTranscript({ requestIdx: id, messages: page.messages, generatedAt: new Date(), timezone, locale });
    return c.text(text, 200, {
      "Content-Type": TRANSCRIPT_CONTENT_TYPE,
      "Content-Disposition": attachmentHeader(`chat-log-${id}.txt`),
    });
  });

  app.openapi(ticket, async (c) => {
    const { id } = c.req.valid("param");
    const consultation = await loadConsultation(c.var.services.repository, id);
    assertCanConnect(consultation, c.var.user);
    return c.json(await callRoom("The chat room", () => c.var.services.rooms.stub(id).issueTicket(c.var.user, consultation)), 200);
  });

  app.openapi(connect, async (c) => {
    if (c.req.header("upgrade")?.toLowerCase() !== "websocket") {
      throw new ApiError("VALIDATION", "Expected a WebSocket upgrade (Upgrade: websocket)", undefined, 426);
    }
    assertOriginAllowed(c.req.header("origin"), new URL(c.req.url).origin, c.var.services.config.allowedOrigins);
    const { id } = c.req.valid("param");
    const user = await connectingUser(c, id, c.req.valid("query").ticket);
    const consultation = await loadConsultation(c.var.services.repository, id);
    assertCanConnect(consultation, user);
    // A fresh request: nothing the client sent (headers included) reaches the room; the
    // grant is the Worker's own verified statement of who connects.
    const grant = encodeConnectGrant({ user, consultation });
    return c.var.services.rooms.stub(id).fetch("https://room.internal/connect", {
      headers: { Upgrade: "websocket", [CONNECT_GRANT_HEADER]: grant },
    }) as unknown as Response as never;
  });
}

/** The connecting user: a single-use ticket (redeemed at this room) or a bearer JWT. */
async function connectingUser(c: Context<AppEnv>, requestIdx: number, ticket: string | undefined): Promise<User> {
  if (ticket !== undefined) {
    const user = await callRoom("The chat room", () => c.var.services.rooms.stub(requestIdx).redeemTicket(ticket));
    if (!user) throw new ApiError("UNAUTHORIZED", "The ticket is unknown, expired or already used");
    return user;
  }
  const token = bearerToken(c.req.header("authorization"));
  if (!token) throw new ApiError("UNAUTHORIZED", "A ticket or a bearer token is required");
  return verifyToken(token, c.var.services.config);
}
