/**
 * A small Node server that hosts StompSession much as the product's StompDO does: `/ws/chat` as a
 * plain WebSocket with STOMP subprotocols, SockJS's `/ws/chat/info` and
 * `/ws/chat/{server}/{session}/websocket` built from sockjs-framing, heart-beat timers from
 * checkHeartBeat, and an in-memory stand-in for the rooms (participants, trimmed 1..2000
 * characters, dedupe by clientMsgId, seq per room). It exists so that unmodified
 * @stomp/stompjs and sockjs-client can be pointed at the protocol modules.
 */
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { WebSocketServer, type WebSocket } from "ws";
import type { ChatMessage, User } from "../../../../src/domain/types";
import { StompSession, type SendOutcome, type StompSessionPorts } from "../../../../src/inbox/stomp-session";
import { STOMP_HEARTBEAT } from "../../../../src/protocol/stomp-codec";
import { checkHeartBeat, type ServerHeartBeat } from "../../../../src/protocol/stomp-heartbeat";
import { pickSubprotocol } from "../../../../src/protocol/stomp-version";
import { parseSockjsMessage, parseSockjsPath, sockjsCloseFrame, sockjsInfo, sockjsOutput, SOCKJS_BROKEN_FRAMING, SOCKJS_OPEN, SOCKJS_WEBSOCKET_TRANSPORT } from "../../../../src/protocol/sockjs-framing";

export interface HarnessOptions {
  heartBeat?: ServerHeartBeat;
  /** false: never send heart-beats (to show that clients notice). */
  sendHeartBeats?: boolean;
}

export interface Room {
  participants: string[];
  messages: ChatMessage[];
}

export interface Harness {
  url: string;
  /** requestIdx -> room. */
  rooms: Map<number, Room>;
  users: Map<string, User>;
  /** Heart-beats each connection received from its client, by STOMP session id. */
  heartBeatsReceived: Map<string, number>;
  closes: Array<{ code: number; reason: string }>;
  close(): Promise<void>;
}

interface Transport {
  /** One STOMP frame or heart-beat, framed for the transport. */
  transmit(data: string): void;
  shut(code: number, reason: string): void;
  kill(): void;
}

interface Connection {
  session: StompSession;
  transport: Transport;
  lastSentAt: number;
  lastReceivedAt: number;
}

export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const rooms = new Map<number, Room>();
  const users = new Map<string, User>();
  const heartBeatsReceived = new Map<string, number>();
  const closes: Harness["closes"] = [];
  const live = new Set<Connection>();

  const deliverToParticipants = (room: Room, message: ChatMessage) => {
    for (const conn of live) if (room.participants.includes(conn.session.user?.userCode ?? "")) conn.session.deliver(message);
  };

  const send: StompSessionPorts["send"] = async ({ user, requestIdx, content, clientMsgId }): Promise<SendOutcome> => {
    const room = rooms.get(requestIdx);
    if (!room) return { ok: false, code: "NOT_FOUND", message: `no consultation ${requestIdx}` };
    if (!room.participants.includes(user.userCode)) return { ok: false, code: "FORBIDDEN", message: "not a participant of this consultation" };
    const trimmed = content.trim();
    if (trimmed.length === 0 || trimmed.length > 2000) return { ok: false, code: "VALIDATION", message: "content must be 1 to 2000 characters" };
    const existing = room.messages.find((m) => m.clientMsgId === clientMsgId && m.sender === user.userCode);
    if (existing) return { ok: true, id: existing.id, seq: existing.seq };
    await new Promise((r) => setTimeout(r, 2)); // a store is never synchronous
    const message: ChatMessage = {
      id: crypto.randomUUID(),
      seq: room.messages.length + 1,
      requestIdx,
      sender: user.userCode,
      senderName: user.name,
      type: "NORMAL",
      content: trimmed,
      sentAt: new Date().toISOString(),
      clientMsgId,
    };
    room.messages.push(message);
    deliverToParticipants(room, message);
    return { ok: true, id: message.id, seq: message.seq };
  };

  const host = (subprotocol: string | null, transport: Transport): Connection => {
    const conn: Connection = { session: undefined as unknown as StompSession, transport, lastSentAt: Date.now(), lastReceivedAt: Date.now() };
    const ports: StompSessionPorts = {
      verify: async (token) => {
        const user = users.get(token);
        return user ? { ok: true, user } : { ok: false, message: "invalid or expired token" };
      },
      send,
      write: (data) => {
        conn.lastSentAt = Date.now();
        transport.transmit(data);
      },
      close: (code, reason) => {
        closes.push({ code, reason });
        transport.shut(code, reason);
      },
      history: async (user) => {
        await new Promise((r) => setTimeout(r, 2)); // a room is a round trip away
        return [...rooms.values()].filter((room) => room.participants.includes(user.userCode)).flatMap((room) => [...room.messages]);
      },
    };
    conn.session = StompSession.create(ports, { subprotocol, ...(options.heartBeat ? { heartBeat: options.heartBeat } : {}) });
    live.add(conn);
    return conn;
  };

  const onInbound = (conn: Connection, data: string | Uint8Array) => {
    conn.lastReceivedAt = Date.now();
    if (typeof data === "string" && /^(\r?\n)+$/.test(data)) heartBeatsReceived.set(conn.session.sessionId, (heartBeatsReceived.get(conn.session.sessionId) ?? 0) + 1);
    void conn.session.receive(data);
  };

  const timer = setInterval(() => {
    const now = Date.now();
    for (const conn of live) {
      if (conn.session.phase !== "connected") continue;
      const check = checkHeartBeat(conn.session.heartBeat, { now, lastSentAt: conn.lastSentAt, lastReceivedAt: conn.lastReceivedAt });
      if (check.clientTimedOut) {
        closes.push({ code: 1002, reason: "heart-beat timeout" });
        live.delete(conn);
        conn.transport.kill();
      } else if (check.sendNow && options.sendHeartBeats !== false) {
        conn.lastSentAt = now;
        conn.transport.transmit(STOMP_HEARTBEAT);
      }
    }
  }, 50);

  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://x").pathname;
    if (req.method === "GET" && path === "/ws/chat/info") {
      res.writeHead(200, { "content-type": "application/json; charset=UTF-8", "cache-control": "no-store, no-cache, must-revalidate, max-age=0", "access-control-allow-origin": req.headers.origin ?? "*", "access-control-allow-credentials": "true" });
      res.end(JSON.stringify(sockjsInfo()));
      return;
    }
    res.writeHead(404, { "content-type": "application/json" });
    res.end(JSON.stringify({ error: "only the SockJS websocket transport is served", code: "NOT_FOUND" }));
  });

  const wss = new WebSocketServer({ noServer: true, handleProtocols: (offered) => pickSubprotocol([...offered]) ?? false });
  server.on("upgrade", (req: IncomingMessage, socket, head) => {
    const path = new URL(req.url ?? "/", "http://x").pathname;
    const sockjs = path.startsWith("/ws/chat/") ? parseSockjsPath(path.slice("/ws/chat".length)) : null;
    if (path !== "/ws/chat" && sockjs?.transport !== SOCKJS_WEBSOCKET_TRANSPORT) {
      socket.end("HTTP/1.1 404 Not Found\r\n\r\n");
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws: WebSocket) => (sockjs ? serveSockjs(ws) : servePlain(ws)));
  });

  const servePlain = (ws: WebSocket) => {
    const conn = host(ws.protocol || null, { transmit: (d) => ws.send(d), shut: (code, reason) => ws.close(code, reason), kill: () => ws.terminate() });
    ws.on("message", (data, isBinary) => onInbound(conn, isBinary ? new Uint8Array(data as Buffer) : data.toString()));
    ws.on("close", () => live.delete(conn));
  };

  const serveSockjs = (ws: WebSocket) => {
    ws.send(SOCKJS_OPEN);
    const out = sockjsOutput(ws);
    const conn = host(null, { transmit: out.write, shut: out.close, kill: () => ws.terminate() });
    ws.on("message", (data) => {
      const parsed = parseSockjsMessage(data.toString());
      if (!parsed.ok) {
        ws.send(sockjsCloseFrame(SOCKJS_BROKEN_FRAMING, "Broken framing."));
        ws.close(1000);
        return;
      }
      for (const m of parsed.messages) onInbound(conn, m);
    });
    ws.on("close", () => live.delete(conn));
  };

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    rooms,
    users,
    heartBeatsReceived,
    closes,
    close: async () => {
      clearInterval(timer);
      for (const ws of wss.clients) ws.terminate();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
