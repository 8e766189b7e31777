import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { assertOriginAllowed } from "../chat/access";
import { ApiError } from "../domain/errors";
import type { ApiApp, AppEnv } from "../http/app-env";
import { errorResponses, json } from "../http/openapi";
import { parseSockjsPath, sockjsInfo, SOCKJS_WEBSOCKET_TRANSPORT } from "../protocol/sockjs-framing";
import { STOMP_CONNECT_HEADERS, type StompTransport } from "../protocol/stomp-connect";
import { pickSubprotocol } from "../protocol/stomp-version";

/** The Spring system's endpoint (seed "WebSocket API"): STOMP over WebSocket, with SockJS. */
export const STOMP_ENDPOINT = "/ws/chat";

const common = { tags: ["stomp"] };
const ErrorBody = z.object({ error: z.string(), code: z.string() });

const plain = createRoute({
  ...common,
  method: "get",
  path: STOMP_ENDPOINT,
  summary: "STOMP 1.0-1.2 over a plain WebSocket (SPEC section 12); the JWT comes in the CONNECT frame, not the upgrade",
  description:
    "Offer subprotocols `v12.stomp`, `v11.stomp`, `v10.stomp` (the highest offered is answered in `Sec-WebSocket-Protocol`; none offered: the version comes from CONNECT's `accept-version`). " +
    "Then `CONNECT` with `Authorization: Bearer <jwt>`, `SUBSCRIBE /user/queue/chat`, `SEND /app/chat.send` with `{requestIdx, content}` (see README, \"Clients of the Spring system\").",
  responses: {
    101: { description: "Switching protocols; the server waits for CONNECT" },
    ...errorResponses(403),
    426: json(ErrorBody, "VALIDATION: not a WebSocket upgrade"),
  },
});

const info = createRoute({
  ...common,
  method: "get",
  path: `${STOMP_ENDPOINT}/info`,
  summary: "SockJS info: only the WebSocket transport is served (`websocket: true`)",
  responses: {
    200: json(
      z.object({ websocket: z.boolean(), origins: z.array(z.string()), cookie_needed: z.boolean(), entropy: z.number().int() }).openapi("SockjsInfo"),
      "What sockjs-client reads before it connects",
    ),
    ...errorResponses(403),
  },
});

const SockjsParams = z.object({
  server: z.string().openapi({ description: "SockJS server id (any, no `/` or `.`)" }),
  session: z.string().openapi({ description: "SockJS session id (any, no `/` or `.`)" }),
  transport: z.string().openapi({ description: "Only `websocket`; the others (xhr, xhr_streaming, eventsource, htmlfile, jsonp, ...) get 404" }),
});

const sockjs = createRoute({
  ...common,
  method: "get",
  path: `${STOMP_ENDPOINT}/{server}/{session}/{transport}`,
  summary: "SockJS WebSocket transport: STOMP frames inside SockJS framing (`o`, `a[...]`, `c[code,reason]`)",
  request: { params: SockjsParams },
  responses: {
    101: { description: "Switching protocols; the first message is `o`, then the server waits for CONNECT" },
    ...errorResponses(403),
    404: json(ErrorBody, "NOT_FOUND: a SockJS transport other than `websocket`, or a malformed path"),
    426: json(ErrorBody, "VALIDATION: not a WebSocket upgrade"),
  },
});

/**
 * `/ws/chat` (SPEC section 12). The upgrade carries no credentials (CONNECT does), so the
 * Worker checks only the origin (as for the other sockets) and hands the socket to a new
 * STOMP connection object (src/inbox/stomp-object.ts) named by a random id; that object
 * authenticates CONNECT with the REST verifier.
 */
export function registerStompRoutes(app: ApiApp): void {
  app.openapi(plain, (c) => upgrade(c, "plain", pickSubprotocol(c.req.header("sec-websocket-protocol"))));

  app.openapi(info, (c) => {
    const origin = allowedOrigin(c);
    const headers: Record<string, string> = { "Cache-Control": "no-store, no-cache, must-revalidate, max-age=0" };
    // sockjs-client reads /info with XHR: a page of an allowed other origin needs CORS for it.
    if (origin) Object.assign(headers, { "Access-Control-Allow-Origin": origin, "Access-Control-Allow-Credentials": "true", Vary: "Origin" });
    return c.json(sockjsInfo(), 200, headers);
  });

  app.openapi(sockjs, (c) => {
    const { server, session, transport } = c.req.valid("param");
    if (!parseSockjsPath(`/${server}/${session}/${transport}`) || transport !== SOCKJS_WEBSOCKET_TRANSPORT) throw notServed();
    return upgrade(c, "sockjs", null);
  });

  // Every other SockJS request (POST xhr, xhr_send, iframe.html, ...): refused visibly.
  app.all(`${STOMP_ENDPOINT}/*`, () => {
    throw notServed();
  });
}

function notServed(): ApiError {
  return new ApiError("NOT_FOUND", "Only the SockJS websocket transport is served here: allow sockjs-client the 'websocket' transport, or use STOMP over a plain WebSocket at /ws/chat");
}

/** The caller's Origin when it is another origin that may connect; throws 403 for one that may not. */
function allowedOrigin(c: Context<AppEnv>): string | null {
  const origin = c.req.header("origin");
  const own = new URL(c.req.url).origin;
  assertOriginAllowed(origin, own, c.var.services.config.allowedOrigins);
  return origin !== undefined && origin !== own ? origin : null;
}

function upgrade(c: Context<AppEnv>, transport: StompTransport, subprotocol: string | null): never {
  if (c.req.header("upgrade")?.toLowerCase() !== "websocket") {
    throw new ApiError("VALIDATION", "Expected a WebSocket upgrade (Upgrade: websocket)", undefined, 426);
  }
  allowedOrigin(c);
  // A fresh request: nothing the client sent reaches the object but the transport and subprotocol.
  return c.var.services.stomp.stub(crypto.randomUUID()).fetch("https://stomp.internal/connect", {
    headers: { Upgrade: "websocket", [STOMP_CONNECT_HEADERS.transport]: transport, [STOMP_CONNECT_HEADERS.subprotocol]: subprotocol ?? "" },
  }) as unknown as never;
}
