import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { bearerToken, requireUser } from "../auth/middleware";
import { verifyToken } from "../auth/verify-token";
import { assertOriginAllowed } from "../chat/access";
import { ApiError, upstreamError } from "../domain/errors";
import type { User } from "../domain/types";
import type { ApiApp, AppEnv } from "../http/app-env";
import { bearerSecurity, errorResponses, json } from "../http/openapi";
import { encodeInboxGrant, INBOX_GRANT_HEADER } from "../protocol/inbox-connect";
import { decodeInboxTicket, encodeInboxTicket } from "./inbox-tickets";

const common = { security: bearerSecurity, tags: ["inbox"] };
const ErrorBody = z.object({ error: z.string(), code: z.string() });

const ticket = createRoute({
  ...common,
  middleware: requireUser,
  method: "post",
  path: "/api/inbox/ticket",
  summary: "A single-use ticket for the caller's inbox socket (valid up to 60 s)",
  responses: {
    200: json(z.object({ ticket: z.string(), expiresIn: z.number().int() }).openapi("InboxTicket"), "Use as ?ticket= on /api/inbox/ws"),
    ...errorResponses(401, 503),
  },
});

const connect = createRoute({
  ...common,
  method: "get",
  path: "/api/inbox/ws",
  summary: "The inbox socket (SPEC section 9): `?ticket=` or `Authorization: Bearer`; live list, unread counts and, for counselors, the queues",
  request: { query: z.object({ ticket: z.string().min(1).max(400).optional() }) },
  responses: {
    101: { description: "Switching protocols; the first frame is `ready`, then `consultation`, `activity`, `unread`, `queue`" },
    ...errorResponses(400, 401, 403, 503),
    426: json(ErrorBody, "VALIDATION: not a WebSocket upgrade"),
    429: json(ErrorBody, "RATE_LIMITED: the user already has 10 inbox sockets"),
  },
});

export function registerInboxRoutes(app: ApiApp): void {
  app.openapi(ticket, async (c) => {
    const user = c.var.user;
    const issued = await callInbox(() => c.var.services.inboxes.issueTicket(user));
    return c.json({ ticket: encodeInboxTicket(user.userCode, issued.ticket), expiresIn: issued.expiresIn }, 200);
  });

  app.openapi(connect, async (c) => {
    if (c.req.header("upgrade")?.toLowerCase() !== "websocket") {
      throw new ApiError("VALIDATION", "Expected a WebSocket upgrade (Upgrade: websocket)", undefined, 426);
    }
    assertOriginAllowed(c.req.header("origin"), new URL(c.req.url).origin, c.var.services.config.allowedOrigins);
    const user = await connectingUser(c, c.req.valid("query").ticket);
    // A fresh request: nothing the client sent reaches the inbox but the Worker's verified user.
    return c.var.services.inboxes.stub(user.userCode).fetch("https://inbox.internal/connect", {
      headers: { Upgrade: "websocket", [INBOX_GRANT_HEADER]: encodeInboxGrant(user) },
    }) as unknown as Response as never;
  });
}

async function connectingUser(c: Context<AppEnv>, ticket: string | undefined): Promise<User> {
  if (ticket !== undefined) {
    const parts = decodeInboxTicket(ticket);
    const user = parts && (await callInbox(() => c.var.services.inboxes.redeemTicket(parts.userCode, parts.secret)));
    if (!user || user.userCode !== parts.userCode) throw new ApiError("UNAUTHORIZED", "The ticket is unknown, expired or already used");
    return user;
  }
  const token = bearerToken(c.req.header("authorization"));
  if (!token) throw new ApiError("UNAUTHORIZED", "A ticket or a bearer token is required");
  return verifyToken(token, c.var.services.config);
}

async function callInbox<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (e) {
    throw upstreamError("The inbox", e);
  }
}
