import { DurableObject } from "cloudflare:workers";
import { armEarliest } from "./earliest-alarm";
import { verifyToken } from "../auth/verify-token";
import { getServices } from "../config/services";
import { ApiError } from "../domain/errors";
import type { ChatMessage } from "../domain/types";
import { STOMP_HEARTBEAT } from "../protocol/stomp-codec";
import { SOCKJS_OPEN, sockjsArrayFrame, sockjsClientFrame, sockjsOutput, parseSockjsMessage, sockjsCloseFrame, SOCKJS_BROKEN_FRAMING } from "../protocol/sockjs-framing";
import { STOMP_CONNECT_HEADERS, type StompTransport } from "../protocol/stomp-connect";
import { openConsultationsOf } from "./ready";
import { RoomFeeds } from "./stomp-feeds";
import { beatWhileAwake, planLiveness } from "./stomp-liveness";
import { StompSession, type StompAttachment, type StompSessionPorts } from "./stomp-session";
import type { StompServices } from "./stomp-services";

/** Everything the connection needs after a wake: the session, the followed rooms, the heart-beat clock. */
interface ConnectionState {
  transport: StompTransport;
  session: StompAttachment;
  /** Per followed room, the highest seq handed to the session. */
  seen: Record<string, number>;
  lastSentAt: number;
  lastReceivedAt: number;
}

interface Live {
  ws: WebSocket;
  state: ConnectionState;
  session: StompSession;
  feeds: RoomFeeds;
}

/** Concurrent room calls while a subscription loads its history. */
const ROOM_CONCURRENCY = 8;

/**
 * One STOMP connection (SPEC section 12), plain or SockJS, on the hibernation API. The
 * Worker cannot know the user before CONNECT (the JWT is in that frame, not in the
 * upgrade), and a WebSocket cannot move between objects, so each connection gets its own
 * object, named by a random id at the upgrade: it authenticates CONNECT with the REST
 * verifier, registers with the user's inbox (which tells it of consultations that open
 * later), follows the rooms of the user's open consultations (each room forwards its stored
 * batches to the connections that follow it) and sends through the room's send path.
 *
 * Heart-beats are echoed by the runtime's auto-response (src/inbox/stomp-liveness.ts); the
 * one alarm serves the liveness check, beats the client asked for but does not earn by
 * beating itself, and the token's expiry.
 */
export class StompDO extends DurableObject<Env> {
  private readonly services: StompServices;
  private live: Live | null = null;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.services = this.servicesOf(env);
    const ws = ctx.getWebSockets()[0];
    const state = ws?.deserializeAttachment() as ConnectionState | null | undefined;
    if (state) this.echoHeartBeats(state.transport);
  }

  protected servicesOf(env: Env): StompServices {
    return getServices(env);
  }

  private get host(): string {
    return this.ctx.id.name ?? this.ctx.id.toString();
  }

  // ---- connect (from the Worker's /ws/chat routes) ----

  override async fetch(request: Request): Promise<Response> {
    const transport = request.headers.get(STOMP_CONNECT_HEADERS.transport) as StompTransport | null;
    if (request.headers.get("Upgrade")?.toLowerCase() !== "websocket" || (transport !== "plain" && transport !== "sockjs")) {
      return Response.json({ error: "Expected a WebSocket connect from the Worker", code: "VALIDATION" }, { status: 400 });
    }
    if (this.ctx.getWebSockets().length > 0) return Response.json({ error: "This connection id is taken", code: "INVALID_STATE" }, { status: 409 });
    const subprotocol = request.headers.get(STOMP_CONNECT_HEADERS.subprotocol) || null;
    const { 0: client, 1: server } = new WebSocketPair();
    this.ctx.acceptWebSocket(server);
    this.echoHeartBeats(transport);
    const now = Date.now();
    const state: ConnectionState = { transport, session: undefined as unknown as StompAttachment, seen: {}, lastSentAt: now, lastReceivedAt: now };
    const session = StompSession.create(this.ports(server, state), { subprotocol, sessionId: this.host });
    state.session = session.toAttachment();
    this.live = { ws: server, state, session, feeds: this.feedsOf(server, state, () => this.live!.session) };
    this.save();
    if (transport === "sockjs") server.send(SOCKJS_OPEN);
    return new Response(null, { status: 101, webSocket: client, headers: subprotocol ? { "Sec-WebSocket-Protocol": subprotocol } : {} });
  }

  // ---- socket events ----

  override async webSocketMessage(ws: WebSocket, data: string | ArrayBuffer): Promise<void> {
    const live = this.connection(ws);
    if (!live) return ws.close(1011, "Unknown connection");
    live.state.lastReceivedAt = Date.now();
    let done: Promise<void>;
    if (live.state.transport === "sockjs") {
      const parsed = typeof data === "string" ? parseSockjsMessage(data) : { ok: false as const, message: "binary" };
      if (!parsed.ok) {
        ws.send(sockjsCloseFrame(SOCKJS_BROKEN_FRAMING, "Broken framing."));
        ws.close(SOCKJS_BROKEN_FRAMING, "Broken framing.");
        return this.ended(live);
      }
      done = Promise.resolve();
      for (const message of parsed.messages) done = live.session.receive(message);
    } else {
      done = live.session.receive(data);
    }
    await done;
    const now = Date.now();
    if (live.session.phase === "connected" && beatWhileAwake(live.session.heartBeat, now, this.lastSentAt(live))) this.beat(live);
    this.save();
    await this.rearm(live);
  }

  override async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
    try {
      ws.close(code === 1000 || (code >= 3000 && code <= 4999) ? code : 1000, reason);
    } catch {
      // already closed
    }
    const live = this.connection(ws);
    if (live) await this.ended(live);
  }

  override async webSocketError(ws: WebSocket, error: unknown): Promise<void> {
    console.warn("stomp socket error", error);
    const live = this.connection(ws);
    if (live) await this.ended(live);
  }

  // ---- the alarm: heart-beats, liveness, token expiry ----

  override async alarm(): Promise<void> {
    const live = this.connection();
    if (!live || live.session.phase !== "connected") return;
    const now = Date.now();
    const exp = live.session.user?.exp;
    if (exp !== null && exp !== undefined && exp * 1000 <= now) {
      live.session.expire();
      return this.ended(live);
    }
    const check = planLiveness(live.session.heartBeat, { now, lastSentAt: this.lastSentAt(live), lastReceivedAt: this.lastReceivedAt(live) });
    if (check.clientTimedOut) {
      // STOMP 1.2: "the connection is considered dead"; there is no frame to send.
      live.ws.close(1002, "Heart-beat timeout");
      return this.ended(live);
    }
    if (check.sendNow) this.beat(live);
    this.save();
    await this.rearm(live);
  }

  // ---- RPC (src/live/stomp-client.ts) ----

  /** A room's stored batch; false when this connection is gone (the room forgets it). */
  async deliver(batch: ChatMessage[]): Promise<boolean> {
    const live = this.connection();
    if (!live || live.session.phase === "closed") return false;
    await live.feeds.forward(batch);
    return true;
  }

  /** One of the user's consultations opened: follow its room if a subscription wants it. */
  async watchRoom(requestIdx: number): Promise<boolean> {
    const live = this.connection();
    if (!live || live.session.phase === "closed") return false;
    if (live.session.subscriptionIds.length > 0) await live.feeds.follow(requestIdx);
    return true;
  }

  async alive(): Promise<boolean> {
    const live = this.connection();
    return live !== null && live.session.phase !== "closed";
  }

  // ---- the connection ----

  private connection(ws?: WebSocket): Live | null {
    const socket = ws ?? this.ctx.getWebSockets().find((s) => s.readyState === WebSocket.OPEN);
    if (!socket) return null;
    if (this.live?.ws === socket) return this.live;
    const state = socket.deserializeAttachment() as ConnectionState | null;
    if (!state) return null;
    const session = StompSession.fromAttachment(state.session, this.ports(socket, state), { subprotocol: state.session.subprotocol, sessionId: state.session.sessionId });
    this.live = { ws: socket, state, session, feeds: this.feedsOf(socket, state, () => session) };
    return this.live;
  }

  private ports(ws: WebSocket, state: ConnectionState): StompSessionPorts {
    const out = state.transport === "sockjs" ? sockjsOutput(ws) : { write: (d: string) => ws.send(d), close: (code: number, reason: string) => ws.close(code, reason) };
    const { config, repository, rooms, inboxes } = this.services;
    return {
      verify: async (token) => {
        let user;
        try {
          user = await verifyToken(token, config);
        } catch (e) {
          const err = e instanceof ApiError ? e : new ApiError("UNAUTHORIZED", "Token is invalid");
          return { ok: false, code: err.code, message: err.message };
        }
        if (user.isAdmin) return { ok: false, code: "FORBIDDEN", message: "Admins have no chat queue: the STOMP API is for participants" };
        if (!(await inboxes.stompHost(user.userCode, this.host, true))) {
          return { ok: false, code: "RATE_LIMITED", message: "At most 10 STOMP connections per user" };
        }
        return { ok: true, user };
      },
      send: async (request) => {
        const live = this.live;
        if (live && live.session.subscriptionIds.length > 0 && !live.feeds.followed(request.requestIdx)) {
          // So that the sender's own subscription gets this room, from its first message.
          await live.feeds.follow(request.requestIdx).catch(() => undefined);
        }
        try {
          return await rooms.stub(request.requestIdx).stompSend(request.user, { content: request.content, clientMsgId: request.clientMsgId });
        } catch (e) {
          console.error("stomp send: room unavailable", e);
          return { ok: false, code: "UPSTREAM_UNAVAILABLE", message: "The chat room is unavailable; retry with the same client-msg-id" };
        }
      },
      write: (data) => {
        state.lastSentAt = Date.now();
        try {
          out.write(data);
        } catch {
          // The peer is gone; its close event cleans up.
        }
      },
      close: (code, reason) => {
        try {
          out.close(code, reason);
        } catch {
          // already closed
        }
      },
      history: async (user) => {
        const open = await openConsultationsOf(repository, user.userCode);
        const live = this.connection(ws)!;
        const byRoom = new Map<number, ChatMessage[]>();
        const queue = [...open];
        const worker = async () => {
          for (let c = queue.shift(); c; c = queue.shift()) {
            byRoom.set(c.requestIdx, await rooms.stub(c.requestIdx).stompAttach(this.host, user.userCode, 0));
          }
        };
        await Promise.all(Array.from({ length: Math.min(ROOM_CONCURRENCY, queue.length) }, worker));
        const messages = open.flatMap((c) => byRoom.get(c.requestIdx) ?? []);
        for (const c of open) live.state.seen[String(c.requestIdx)] ??= 0;
        live.feeds.noteSeen(messages);
        return messages;
      },
      persist: (attachment) => {
        state.session = attachment;
      },
    };
  }

  private feedsOf(ws: WebSocket, state: ConnectionState, session: () => StompSession): RoomFeeds {
    return new RoomFeeds({
      attach: (requestIdx, afterSeq) => this.services.rooms.stub(requestIdx).stompAttach(this.host, session().user!.userCode, afterSeq),
      deliver: (message) => void session().deliver(message),
      seen: state.seen,
      changed: () => this.live?.ws === ws && this.save(),
    });
  }

  /** Runtime echo of the client's heart-beat (exact text), so idle connections stay asleep. */
  private echoHeartBeats(transport: StompTransport): void {
    const pair = transport === "sockjs" ? [sockjsClientFrame(STOMP_HEARTBEAT), sockjsArrayFrame([STOMP_HEARTBEAT])] : [STOMP_HEARTBEAT, STOMP_HEARTBEAT];
    this.ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair(pair[0]!, pair[1]!));
  }

  private beat(live: Live): void {
    live.state.lastSentAt = Date.now();
    try {
      live.ws.send(live.state.transport === "sockjs" ? sockjsArrayFrame([STOMP_HEARTBEAT]) : STOMP_HEARTBEAT);
    } catch {
      // gone
    }
  }

  private lastSentAt(live: Live): number {
    return Math.max(live.state.lastSentAt, this.ctx.getWebSocketAutoResponseTimestamp(live.ws)?.getTime() ?? 0);
  }

  private lastReceivedAt(live: Live): number {
    return Math.max(live.state.lastReceivedAt, this.ctx.getWebSocketAutoResponseTimestamp(live.ws)?.getTime() ?? 0);
  }

  private save(): void {
    const live = this.live;
    if (!live) return;
    try {
      live.ws.serializeAttachment({ ...live.state, session: live.session.toAttachment() });
    } catch {
      // A closed socket keeps no attachment; nothing is left to save.
    }
  }

  /** Points the alarm at the earliest of: the heart-beat check, the token's expiry. */
  private async rearm(live: Live): Promise<void> {
    if (live.session.phase !== "connected") return this.ended(live);
    const check = planLiveness(live.session.heartBeat, { now: Date.now(), lastSentAt: this.lastSentAt(live), lastReceivedAt: this.lastReceivedAt(live) });
    const exp = live.session.user?.exp;
    await armEarliest(this.ctx.storage, [check.nextCheckAt, exp === null || exp === undefined ? null : exp * 1000]);
  }

  /** The connection ended: the user's inbox forgets it (rooms forget it at their next forward). */
  private async ended(live: Live): Promise<void> {
    const user = live.session.user;
    // A socket that is not open is never found again (connection()), so nothing more is sent.
    await this.ctx.storage.deleteAlarm();
    if (user) await this.services.inboxes.stompHost(user.userCode, this.host, false).catch((e) => console.error("stomp host unregister failed", e));
  }
}
