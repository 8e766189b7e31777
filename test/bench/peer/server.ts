import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { randomUUID } from "node:crypto";
import type { Duplex } from "node:stream";
import { jwtVerify } from "jose";
import { createClient } from "redis";
import { WebSocket, WebSocketServer } from "ws";

/**
 * The benchmark's peer: the chat server a team writes by hand instead of the product,
 * doing per message what the seeds' Spring `ChatController` does, on Node.js with `ws`
 * and a real redis-server. The JWT is verified once, at connect (HS256, the product's
 * secret and claims); a `send` is `RPUSH` + `EXPIRE` of `chat:room:{id}` (36 hours, as
 * the seeds' `ChatServiceImpl.saveMessage`), then an `ack` and the `message` to every
 * socket of the room. Same frames as the product (SPEC section 4), only what the
 * benchmark uses: ready, send/ack/message, sync/history, ping/pong, error.
 *
 * What a one-process server keeps in its memory: the room's seq (assigned here, so one
 * process per room: the seeds' design has the same limit), the dedupe of clientMsgId, the
 * room's participants (the seeds read them from MariaDB) and its sockets. Left out, which
 * favours the peer: the seeds' per-message `isParticipant`, `markStartedIfNeeded` and
 * `updateLastActivityTime` database calls, rate limits, the lifecycle and archiving.
 *
 * Environment: PEER_PORT, REDIS_URL, JWT_SECRET. Prints `listening <port>` when ready.
 */

const TTL_SECONDS = 36 * 3600;
const MAX_FRAME_BYTES = 16 * 1024;
const MAX_CONTENT_CHARS = 2000;

interface User {
  userCode: string;
  name: string;
  role: string;
}

interface StoredMessage {
  id: string;
  seq: number;
  requestIdx: number;
  sender: string;
  senderName: string;
  type: "NORMAL";
  content: string;
  sentAt: string;
  clientMsgId: string;
}

interface Room {
  requestIdx: number;
  participants: Set<string>;
  lastSeq: number;
  sockets: Set<WebSocket>;
  /** sender + clientMsgId → the message once stored (or being stored): a retry gets the same ack. */
  sent: Map<string, Promise<StoredMessage>>;
}

const env = (name: string) => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is required`);
  return v;
};

const secret = new TextEncoder().encode(env("JWT_SECRET"));
const redis = createClient({ url: env("REDIS_URL") });
redis.on("error", (e: Error) => console.error("redis:", e.message));
await redis.connect();

const rooms = new Map<number, Room>();
const key = (requestIdx: number) => `chat:room:${requestIdx}`;

/** The bearer token's user, or null when it is missing, forged, expired or lacks a subject. */
async function authenticate(req: IncomingMessage): Promise<User | null> {
  const token = req.headers.authorization?.match(/^Bearer\s+(\S+)$/i)?.[1];
  if (!token) return null;
  try {
    const { payload } = await jwtVerify(token, secret, { algorithms: ["HS256"], requiredClaims: ["exp", "sub"] });
    if (typeof payload.role !== "string") return null;
    return { userCode: payload.sub!, name: typeof payload.name === "string" ? payload.name : payload.sub!, role: payload.role };
  } catch {
    return null;
  }
}

const roomId = (raw: string | undefined) => (raw && /^[1-9]\d{0,15}$/.test(raw) ? Number(raw) : null);

function reply(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
}

async function storedAfter(requestIdx: number, afterSeq: number): Promise<StoredMessage[]> {
  const rows = await redis.lRange(key(requestIdx), 0, -1);
  return rows.map((r) => JSON.parse(r) as StoredMessage).filter((m) => m.seq > afterSeq);
}

async function handleHttp(req: IncomingMessage, res: ServerResponse) {
  const url = new URL(req.url ?? "/", "http://peer");
  if (url.pathname === "/health") return reply(res, 200, { ok: true });
  const user = await authenticate(req);
  if (!user) return reply(res, 401, { error: "unauthorized", code: "UNAUTHORIZED" });
  if (req.method === "POST" && url.pathname === "/api/rooms") {
    // What the product's create + approve amount to here: a room of two known users.
    let body: { requestIdx?: unknown; recipientUserCode?: unknown };
    try {
      body = JSON.parse(await readBody(req)) as typeof body;
    } catch {
      return reply(res, 400, { error: "malformed JSON", code: "VALIDATION" });
    }
    const requestIdx = roomId(String(body.requestIdx));
    if (requestIdx === null || typeof body.recipientUserCode !== "string" || !body.recipientUserCode) {
      return reply(res, 400, { error: "requestIdx and recipientUserCode are required", code: "VALIDATION" });
    }
    if (rooms.has(requestIdx)) return reply(res, 409, { error: "room exists", code: "CONFLICT" });
    rooms.set(requestIdx, {
      requestIdx, participants: new Set([user.userCode, body.recipientUserCode]), lastSeq: 0, sockets: new Set(), sent: new Map(),
    });
    return reply(res, 201, { requestIdx });
  }
  const listed = url.pathname.match(/^\/api\/chat\/messages\/([^/]+)$/);
  if (req.method === "GET" && listed) {
    const room = rooms.get(roomId(listed[1]) ?? -1);
    if (!room) return reply(res, 404, { error: "no such room", code: "NOT_FOUND" });
    if (!room.participants.has(user.userCode)) return reply(res, 403, { error: "not a participant", code: "FORBIDDEN" });
    const afterSeq = Number(url.searchParams.get("afterSeq") ?? 0) || 0;
    const messages = await storedAfter(room.requestIdx, afterSeq);
    return reply(res, 200, { requestIdx: room.requestIdx, messageCount: messages.length, messages });
  }
  return reply(res, 404, { error: "not found", code: "NOT_FOUND" });
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (chunk: string) => {
      body += chunk;
      if (body.length > MAX_FRAME_BYTES) req.destroy(new Error("body too large"));
    });
    req.on("end", () => resolve(body));
    req.on("error", reject);
  });
}

const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME_BYTES, perMessageDeflate: false });

/** Refused before the upgrade, with the product's statuses (SPEC section 4). */
function refuse(socket: Duplex, status: number, text: string) {
  socket.end(`HTTP/1.1 ${status} ${text}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`);
}

async function handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer) {
  const match = new URL(req.url ?? "/", "http://peer").pathname.match(/^\/api\/chat\/ws\/([^/]+)$/);
  const room = match ? rooms.get(roomId(match[1]) ?? -1) : undefined;
  if (!room) return refuse(socket, 404, "Not Found");
  const user = await authenticate(req);
  if (!user) return refuse(socket, 401, "Unauthorized");
  if (!room.participants.has(user.userCode)) return refuse(socket, 403, "Forbidden");
  wss.handleUpgrade(req, socket, head, (ws) => {
    room.sockets.add(ws);
    ws.on("close", () => room.sockets.delete(ws));
    ws.on("message", (data, isBinary) => void onFrame(room, user, ws, isBinary ? null : String(data)));
    ws.send(JSON.stringify({ type: "ready", requestIdx: room.requestIdx, status: "IN_PROGRESS", lastSeq: room.lastSeq, you: user }));
  });
}

const sendError = (ws: WebSocket, code: string, message: string, clientMsgId?: string) =>
  ws.send(JSON.stringify({ type: "error", code, message, ...(clientMsgId ? { clientMsgId } : {}) }));

async function onFrame(room: Room, user: User, ws: WebSocket, text: string | null) {
  let frame: { type?: unknown; clientMsgId?: unknown; content?: unknown; afterSeq?: unknown };
  try {
    frame = JSON.parse(text ?? "") as typeof frame;
    if (typeof frame !== "object" || frame === null) throw new Error("not an object");
  } catch {
    return sendError(ws, "BAD_FRAME", "frames are JSON objects");
  }
  switch (frame.type) {
    case "ping":
      return ws.send('{"type":"pong"}');
    case "sync": {
      const afterSeq = Number.isInteger(frame.afterSeq) ? (frame.afterSeq as number) : 0;
      return ws.send(JSON.stringify({ type: "history", messages: await storedAfter(room.requestIdx, afterSeq) }));
    }
    case "send":
      return onSend(room, user, ws, frame.clientMsgId, frame.content);
    default:
      return sendError(ws, "BAD_FRAME", "unknown frame type");
  }
}

async function onSend(room: Room, user: User, ws: WebSocket, clientMsgId: unknown, rawContent: unknown) {
  const content = typeof rawContent === "string" ? rawContent.trim() : "";
  if (typeof clientMsgId !== "string" || !clientMsgId || clientMsgId.length > 100) {
    return sendError(ws, "VALIDATION", "clientMsgId is required");
  }
  if (!content || content.length > MAX_CONTENT_CHARS) {
    return sendError(ws, "VALIDATION", `content must be 1 to ${MAX_CONTENT_CHARS} characters`, clientMsgId);
  }
  const dedupeKey = `${user.userCode}\n${clientMsgId}`;
  const earlier = room.sent.get(dedupeKey);
  if (earlier) {
    // A retry: the same ack, no second message.
    const m = await earlier;
    return ws.send(JSON.stringify({ type: "ack", clientMsgId, id: m.id, seq: m.seq }));
  }
  const message: StoredMessage = {
    id: randomUUID(),
    seq: ++room.lastSeq,
    requestIdx: room.requestIdx,
    sender: user.userCode,
    senderName: user.name,
    type: "NORMAL",
    content,
    sentAt: new Date().toISOString(),
    clientMsgId,
  };
  // Both commands leave in the same tick, so node-redis pipelines them on its one
  // connection; redis answers in order, so rooms broadcast in seq order.
  const stored = Promise.all([redis.rPush(key(room.requestIdx), JSON.stringify(message)), redis.expire(key(room.requestIdx), TTL_SECONDS)]).then(
    () => message,
  );
  room.sent.set(dedupeKey, stored);
  try {
    await stored;
  } catch (e) {
    // Not stored: say so; the seq is spent (a gap the benchmark's order check reports).
    room.sent.delete(dedupeKey);
    return sendError(ws, "UNAVAILABLE", `not stored: ${(e as Error).message}`, clientMsgId);
  }
  ws.send(JSON.stringify({ type: "ack", clientMsgId, id: message.id, seq: message.seq }));
  const frame = JSON.stringify({ type: "message", message });
  for (const socket of room.sockets) if (socket.readyState === WebSocket.OPEN) socket.send(frame);
}

const server = createServer((req, res) => {
  handleHttp(req, res).catch((e: Error) => reply(res, 500, { error: e.message, code: "INTERNAL" }));
});
server.on("upgrade", (req, socket, head) => {
  handleUpgrade(req, socket, head).catch(() => refuse(socket, 500, "Internal Server Error"));
});
server.listen(Number(env("PEER_PORT")), "127.0.0.1", () => console.log(`listening ${env("PEER_PORT")}`));

for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.once(signal, () => {
    server.close();
    for (const ws of wss.clients) ws.terminate();
    void redis.quit().finally(() => process.exit(0));
  });
}
