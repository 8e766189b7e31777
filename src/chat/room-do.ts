import { DurableObject } from "cloudflare:workers";
import { TicketBook } from "../auth/tickets";
import { getConfig } from "../config";
import { lifecycleDeps, startOnFirstMessage } from "../consultations/service";
import type { ChatMessage, Consultation, User } from "../domain/types";
import type { Env } from "../env";
import { ApiError, upstreamError } from "../errors";
import { getServices } from "../services";
import type { ArchiveStore } from "../stores/archive-store/port";
import { AlarmScheduler } from "./alarm-scheduler";
import { ArchiveLog } from "./archive-log";
import { byteLength, CLOSE, MAX_FRAME_BYTES, parseClientFrame, type ClientFrame, type ReadReceipt, type SendFrame } from "./frames";
import { buildMessageStore, type RoomMessageStore } from "./message-store-factory";
import { MessageWriter, type Outgoing } from "./message-writer";
import { assertCanPost, describeChange, endedText, SYSTEM_SENDER, systemSenderName } from "./room-lifecycle";
import { roomResult, type RoomResult } from "./room-gateway";
import { armTokenExpiry, closeExpiredSockets, expireHotStore } from "./room-deadlines";
import { forwardTyping, markRead, sendHistory } from "./room-presence";
import { RoomArchive } from "./room-archive";
import { RoomState } from "./room-state";
import { attachmentOf, broadcast, closeAll, CONNECT_GRANT_HEADER, openSockets, sendFrame, userTag } from "./room-sockets";
import { RateLimiter } from "./rate-limiter";
import { RoomInboxNotices } from "../room/inbox-notices";

/** How often, at most, the room reports lastActivityAt/messageCount to the repository. */
export const ACTIVITY_FLUSH_MS = 30_000;

/** What the Worker hands the room on connect, after it verified the caller. */
export interface ConnectGrant {
  user: User;
  consultation: Consultation;
}

export interface MessagePage {
  messageCount: number;
  messages: ChatMessage[];
  reads: ReadReceipt[];
}

/**
 * One consultation room (DESIGN.md): the single writer of its chat. It assigns `seq`,
 * de-duplicates clientMsgIds, stores through one write queue, and only then acks and
 * broadcasts. Sockets use the hibernation API; everything else lives in the room's SQLite
 * (RoomState, tickets, rate buckets, deadlines, the embedded hot store), so a wake rebuilds
 * the room from storage and socket attachments alone. Timers are alarm deadlines.
 *
 * The Worker reaches it by `fetch` (WebSocket connect, with a grant it built itself) and
 * by the RPC methods below.
 */
export class RoomDO extends DurableObject<Env> {
  private readonly state: RoomState;
  private readonly tickets: TicketBook;
  private readonly limiter: RateLimiter;
  private readonly scheduler: AlarmScheduler;
  private readonly hot: RoomMessageStore;
  private readonly writer: MessageWriter;
  private readonly archiver: RoomArchive;
  private readonly inbox: RoomInboxNotices;
  /** The in-flight auto-start (first message in a SCHEDULED room), shared by racing sends. */
  private starting: Promise<void> | null = null;
  /** The in-flight archive() run, shared by concurrent ends. */
  private archiving: Promise<RoomResult<{ chatLogKey: string | null }>> | null = null;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    const sql = ctx.storage.sql;
    this.state = new RoomState(sql);
    this.tickets = new TicketBook(sql);
    this.limiter = new RateLimiter(sql);
    this.scheduler = new AlarmScheduler(sql, ctx.storage);
    this.hot = buildMessageStore(getConfig(env), sql);
    this.writer = new MessageWriter(this.state, this.hot.store, () => this.requestIdx, (batch) => this.delivered(batch));
    this.scheduler.on("ttl", () => expireHotStore(this.hot.localExpiry, this.scheduler));
    this.scheduler.on("token-expiry", () => closeExpiredSockets(ctx, this.scheduler));
    this.scheduler.on("activity", () => this.flushActivity());
    this.archiver = new RoomArchive({
      log: new ArchiveLog(sql),
      hot: this.hot.store,
      scheduler: this.scheduler,
      requestIdx: () => this.requestIdx,
      lastSeq: () => this.state.lastSeq,
      sealed: () => this.state.sealed,
      archive: () => this.archiveStore(),
      transcript: () => getConfig(env).transcript,
    });
    this.scheduler.on("snapshot", () => this.archiver.snapshotIfDirty());
    this.inbox = new RoomInboxNotices(sql, {
      env,
      consultation: () => this.state.consultation,
      lastSeq: () => this.state.lastSeq,
      list: (afterSeq) => this.hot.store.list(this.requestIdx, { afterSeq }),
      background: (task) => this.background(task),
    });
    // Answered by the runtime without waking a hibernated room.
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair('{"type":"ping"}', '{"type":"pong"}'));
  }

  private get requestIdx(): number {
    const idx = this.state.requestIdx ?? Number(this.ctx.id.name);
    if (!Number.isInteger(idx)) throw new Error("room does not know its consultation yet");
    return idx;
  }

  private get locale() {
    return getConfig(this.env).transcript.locale;
  }

  // ---- connect (from the Worker's /api/chat/ws route) ----

  override async fetch(request: Request): Promise<Response> {
    const grantHeader = request.headers.get(CONNECT_GRANT_HEADER);
    if (request.headers.get("Upgrade")?.toLowerCase() !== "websocket" || !grantHeader) {
      return Response.json({ error: "Expected a WebSocket connect from the Worker", code: "VALIDATION" }, { status: 400 });
    }
    const grant = JSON.parse(decodeURIComponent(grantHeader)) as ConnectGrant;
    const c = this.state.rememberConsultation(grant.consultation);
    const { 0: client, 1: server } = new WebSocketPair();
    this.ctx.acceptWebSocket(server, [userTag(grant.user.userCode)]);
    server.serializeAttachment({ user: grant.user });
    const { userCode, name, role } = grant.user;
    sendFrame(server, {
      type: "ready",
      requestIdx: c.requestIdx,
      status: c.status,
      lastSeq: this.state.lastSeq,
      you: { userCode, name, role },
      reads: this.state.reads(),
    });
    if (grant.user.exp !== null) await armTokenExpiry(this.ctx, this.scheduler);
    return new Response(null, { status: 101, webSocket: client });
  }

  // ---- frames ----

  override async webSocketMessage(ws: WebSocket, data: string | ArrayBuffer): Promise<void> {
    if (byteLength(data) > MAX_FRAME_BYTES) return ws.close(CLOSE.TOO_BIG, "Frame exceeds 16 KiB");
    const user = attachmentOf(ws)?.user;
    if (!user) return ws.close(1011, "Unknown connection");
    const parsed = parseClientFrame(data);
    if (!parsed.ok) return sendFrame(ws, { type: "error", ...parsed.error });
    try {
      await this.handleFrame(ws, user, parsed.frame);
    } catch (e) {
      const err = e instanceof ApiError ? e : (console.error("room frame failed", e), new ApiError("INTERNAL", "Internal error"));
      const clientMsgId = parsed.frame.type === "send" ? parsed.frame.clientMsgId : undefined;
      sendFrame(ws, { type: "error", code: err.code, message: err.message, ...(clientMsgId ? { clientMsgId } : {}) });
    }
  }

  override async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
    // Complete the close handshake: without it a hibernatable socket's peer waits for its
    // own timeout (seen under wrangler dev). Harmless where the runtime already replied.
    try {
      // Echo the peer's code when it may be sent; 1005/1006/1015 and the like may not.
      ws.close(code === 1000 || (code >= 3000 && code <= 4999) ? code : 1000, reason);
    } catch {
      // already closed
    }
    // The token-expiry deadline may point at the socket that just left.
    await armTokenExpiry(this.ctx, this.scheduler);
  }

  override async webSocketError(_ws: WebSocket, error: unknown): Promise<void> {
    console.warn("room socket error", error);
    await armTokenExpiry(this.ctx, this.scheduler);
  }

  private async handleFrame(ws: WebSocket, user: User, frame: ClientFrame): Promise<void> {
    switch (frame.type) {
      case "ping":
        return sendFrame(ws, { type: "pong" });
      case "send":
        return this.handleSend(ws, user, frame);
      case "sync":
        return sendHistory(ws, await this.hot.store.list(this.requestIdx, { afterSeq: frame.afterSeq }));
      case "read":
        if (markRead(this.ctx, this.state, user, frame.upToSeq)) this.inbox.read(user.userCode, frame.upToSeq);
        return;
      case "typing":
        return forwardTyping(this.ctx, user);
    }
  }

  /**
   * A `send`. After the last await, the dedupe lookup, every check and the seq assignment
   * run synchronously, so no other event can slip between "new and allowed" and
   * "numbered" (two copies of one clientMsgId racing each other included). Ack and
   * broadcast follow from `delivered` once the message is stored.
   */
  private async handleSend(ws: WebSocket, user: User, frame: SendFrame): Promise<void> {
    assertCanPost(this.state.consultation, this.state.sealed, user);
    if (this.state.consultation?.status === "SCHEDULED") await this.ensureStarted(user);
    let found = this.writer.lookup(user.userCode, frame.clientMsgId);
    while (found && "inFlight" in found) {
      await found.inFlight;
      found = this.writer.lookup(user.userCode, frame.clientMsgId);
    }
    if (found) return sendFrame(ws, { type: "ack", clientMsgId: frame.clientMsgId, id: found.stored.id, seq: found.stored.seq });
    assertCanPost(this.state.consultation, this.state.sealed, user);
    if (!this.limiter.take(user.userCode)) {
      throw new ApiError("RATE_LIMITED", "Too many messages: at most 10 a second (burst 20)");
    }
    const draft = { sender: user.userCode, senderName: user.name, type: "NORMAL" as const, content: frame.content, clientMsgId: frame.clientMsgId };
    try {
      await this.writer.post(draft, ws).stored;
    } catch (e) {
      this.limiter.refund(user.userCode);
      throw e instanceof ApiError ? e : upstreamError("The message store", e);
    }
  }

  /** After a batch is stored, in seq order: broadcast, ack the sender, arm TTL, activity and backup. */
  private delivered(batch: readonly Outgoing[]): void {
    const sockets = openSockets(this.ctx);
    for (const { message, origin } of batch) {
      broadcast(sockets, { type: "message", message });
      if (origin && message.clientMsgId) sendFrame(origin, { type: "ack", clientMsgId: message.clientMsgId, id: message.id, seq: message.seq });
    }
    this.inbox.stored(batch.map((o) => o.message)); // unread counts and the participants' inbox activity
    const expiresAt = this.hot.localExpiry?.expiresAt() ?? null;
    this.background(async () => {
      if (expiresAt !== null) await this.scheduler.schedule("ttl", expiresAt);
      // Throttle: at most one repository write per ACTIVITY_FLUSH_MS while the room is
      // busy, instead of one per message; ending flushes whatever is left at once.
      await this.scheduler.scheduleIfAbsent("activity", Date.now() + ACTIVITY_FLUSH_MS);
      await this.archiver.noteStored();
    });
  }

  private background(task: () => Promise<void>): void {
    this.ctx.waitUntil(task().catch((e) => console.error("room background task failed", e)));
  }

  /** Stores a SYSTEM message and waits until it is stored and delivered. */
  private async postSystem(content: string): Promise<void> {
    const draft = { sender: SYSTEM_SENDER, senderName: systemSenderName(this.locale), type: "SYSTEM" as const, content, clientMsgId: null };
    await this.writer.post(draft).stored;
  }

  /** The first message of a participant moves a SCHEDULED consultation to IN_PROGRESS. */
  private async ensureStarted(sender: User): Promise<void> {
    this.starting ??= (async () => {
      try {
        const deps = lifecycleDeps(this.env, (p) => this.ctx.waitUntil(p));
        const before = this.state.consultation!;
        const after = (await startOnFirstMessage(deps, this.requestIdx, sender)) ?? (await deps.repository.findById(this.requestIdx));
        if (after) await this.applyChange(after, before);
      } finally {
        this.starting = null;
      }
    })();
    await this.starting;
  }

  /**
   * The room's side of a state change: the SYSTEM message first (stored and delivered),
   * then `status` frames, then closes (4003 for a replaced recipient, 4009 when over).
   */
  private async applyChange(next: Consultation, hint: Consultation): Promise<void> {
    const prev = this.state.consultation ?? hint;
    if (this.state.rememberConsultation(next) !== next) return; // an older row than the room's
    const change = describeChange(prev, next, this.locale);
    if (change.terminal) this.state.sealed = true;
    // A sealed room is being archived: a late "started" must not land after "ended".
    if (change.systemText && !this.state.sealed) {
      try {
        await this.postSystem(change.systemText);
      } catch (e) {
        console.error("room could not store a SYSTEM message", e);
      }
    }
    if (change.statusFrame) broadcast(openSockets(this.ctx), { type: "status", status: next.status });
    for (const userCode of change.closeUsers) closeAll(openSockets(this.ctx, userTag(userCode)), CLOSE.TRANSFERRED, "Transferred");
    if (change.terminal) closeAll(openSockets(this.ctx), CLOSE.ENDED, `Consultation ${next.status}`);
  }

  // ---- alarm deadlines ----

  override async alarm(): Promise<void> {
    await this.scheduler.run();
  }

  /** Reports pending activity (lastActivityAt, messageCount) to the repository. */
  private async flushActivity(): Promise<void> {
    const pending = this.state.pendingActivity();
    if (!pending) return;
    await getServices(this.env).repository.recordActivity(this.requestIdx, new Date(pending.at), pending.messageCount);
    this.state.markActivityReported(pending.messageCount);
  }

  // ---- RPC from the Worker ----

  async issueTicket(user: User, consultation: Consultation): Promise<{ ticket: string; expiresIn: number }> {
    this.state.rememberConsultation(consultation);
    return this.tickets.issue(user);
  }

  async redeemTicket(ticket: string): Promise<User | null> {
    return this.tickets.redeem(ticket);
  }

  /** The user's unread count in this room (SPEC section 9), for their inbox's `ready`. */
  async unreadFor(userCode: string): Promise<number> {
    return this.inbox.unreadFor(userCode);
  }

  async listMessages(consultation: Consultation, options: { afterSeq?: number; last?: number } = {}): Promise<MessagePage> {
    this.state.rememberConsultation(consultation);
    const messages = await this.hot.store.list(this.requestIdx, options);
    return { messageCount: await this.hot.store.count(this.requestIdx), messages, reads: this.state.reads() };
  }

  /** RoomGateway.statusChanged: SYSTEM message, `status` frames, 4003 closes on transfer. */
  async statusChanged(after: Consultation, before: Consultation): Promise<void> {
    await this.applyChange(after, before);
  }

  /**
   * RoomGateway.archive (SPEC section 6, steps 1-2): seal, let every accepted send finish,
   * store the "ended" SYSTEM message (once, and only in a room with messages), report the
   * activity, then write the archive. On failure the room is unsealed and the refusal
   * returned. Concurrent calls (two ends racing) share one run.
   */
  async archive(consultation: Consultation, endedBy: string): Promise<RoomResult<{ chatLogKey: string | null }>> {
    this.state.rememberConsultation(consultation);
    this.archiving ??= roomResult(() => this.sealAndArchive(endedBy)).finally(() => (this.archiving = null));
    return this.archiving;
  }

  private async sealAndArchive(endedBy: string): Promise<{ chatLogKey: string | null }> {
    this.state.sealed = true;
    try {
      await this.writer.idle();
      if ((await this.archiver.hasMessages()) && this.state.endedSeq !== this.state.lastSeq) {
        await this.postSystem(endedText(this.locale));
        this.state.endedSeq = this.state.lastSeq;
      }
      await this.flushActivity().catch((e) => console.error("room activity flush failed while ending", e));
      return await this.writeArchive(endedBy);
    } catch (e) {
      this.state.sealed = false;
      throw e instanceof ApiError ? e : upstreamError("The archive", e);
    }
  }

  /**
   * Write the final transcript to the archive store, then delete the hot messages and the
   * room's snapshots; return the key (null when there was nothing to archive). Runs with
   * the room sealed and every message stored; a throw aborts the end (the room unseals)
   * with nothing deleted. See RoomArchive.writeFinal.
   */
  protected async writeArchive(_endedBy: string): Promise<{ chatLogKey: string | null }> {
    return this.archiver.writeFinal();
  }

  /** The archive store of this room (tests replace it on an instance to inject failures). */
  protected archiveStore(): ArchiveStore {
    return getServices(this.env).archive;
  }

  /** RoomGateway.completed: every socket gets `status` COMPLETED and closes with 4009. */
  async completed(consultation: Consultation): Promise<void> {
    this.state.rememberConsultation(consultation);
    this.state.sealed = true;
    broadcast(openSockets(this.ctx), { type: "status", status: consultation.status });
    closeAll(openSockets(this.ctx), CLOSE.ENDED, "Consultation ended");
  }
}
