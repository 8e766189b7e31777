import { DurableObject } from "cloudflare:workers";
import { armEarliest } from "./earliest-alarm";
import { getServices } from "../config/services";
import type { Consultation, User } from "../domain/types";
import { CLOSE } from "../protocol/close-codes";
import { byteLength, MAX_FRAME_BYTES } from "../protocol/frames";
import { decodeInboxGrant, INBOX_GRANT_HEADER } from "../protocol/inbox-connect";
import type { InboxConsultation, QueueItem, RoomActivityNotice } from "../protocol/inbox-frames";
// Generic hibernation parts, shared with the room (single-use tickets, socket helpers).
import { attachmentOf, closeAll, earliestExpiryMs, sendRaw } from "../room/sockets";
import { TicketBook } from "../room/tickets";
import { ActivityCoalescer } from "./activity-coalescer";
import { InboxSockets } from "./inbox-sockets";
import { OnlineListing } from "./online-listing";
import { NoticeOrder } from "./notice-order";
import type { InboxServices } from "./inbox-services";
import { QueueVersions } from "./queue-versions";
import { buildReady } from "./ready";
import { StompHosts } from "./stomp-hosts";
import { isOpen } from "../domain/open";

/** SPEC section 14: at most 10 inbox sockets per user; the next connect is refused with 429. */
export const INBOX_MAX_SOCKETS = 10;

/**
 * One user's inbox (SPEC section 9): their app sockets, one per signed-in tab or device,
 * and the live view of their consultations. A view, never a source of truth: `ready` is
 * rebuilt from the repository and the rooms on every connect; the RPC methods below are
 * notices of changes (from src/live/inbox-client.ts) turned into frames.
 *
 * Hibernation API throughout: the user is in each socket's attachment, held activity and
 * tickets are in SQLite, and the one alarm serves both the activity flush and token expiry.
 */
export class InboxDO extends DurableObject<Env> {
  private readonly tickets: TicketBook;
  private readonly activity: ActivityCoalescer;
  private readonly order: NoticeOrder;
  private readonly sockets: InboxSockets;
  private readonly queueVersions: QueueVersions;
  private readonly services: InboxServices;
  private readonly stompHosts: StompHosts;
  private readonly online: OnlineListing;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.services = this.servicesOf(env);
    this.tickets = new TicketBook(ctx.storage.sql);
    this.activity = new ActivityCoalescer(ctx.storage.sql);
    this.order = new NoticeOrder(ctx.storage.sql);
    this.sockets = new InboxSockets(ctx);
    this.queueVersions = new QueueVersions(ctx.storage.sql);
    this.stompHosts = new StompHosts(ctx.storage.sql);
    this.online = new OnlineListing(ctx.storage.sql, ctx.id.name, this.services.inboxes, (gone) => {
      return this.sockets.open().some((ws) => !gone.includes(ws)) || this.stompHosts.list().length > 0;
    });
    // Answered by the runtime without waking a hibernated inbox.
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair('{"type":"ping"}', '{"type":"pong"}'));
  }

  /** What the inbox is given (src/config/services.ts); it reads no `env` itself. */
  protected servicesOf(env: Env): InboxServices {
    return getServices(env);
  }

  // ---- connect (from the Worker's /api/inbox/ws route) ----

  override async fetch(request: Request): Promise<Response> {
    const grant = request.headers.get(INBOX_GRANT_HEADER);
    if (request.headers.get("Upgrade")?.toLowerCase() !== "websocket" || !grant) {
      return Response.json({ error: "Expected a WebSocket connect from the Worker", code: "VALIDATION" }, { status: 400 });
    }
    const user = decodeInboxGrant(grant);
    // Checked and accepted in one synchronous step, so racing connects cannot pass the cap together.
    if (this.sockets.open().length >= INBOX_MAX_SOCKETS) {
      return Response.json({ error: `At most ${INBOX_MAX_SOCKETS} inbox sockets per user`, code: "RATE_LIMITED" }, { status: 429 });
    }
    const { 0: client, 1: server } = new WebSocketPair();
    this.sockets.accept(server, user);
    try {
      // Listed first: a change stored from here on reaches this inbox, one stored before is in `ready`.
      await this.online.sync();
      const ready = await buildReady(user, {
        repository: this.services.repository,
        // The room tells this inbox about its messages again (it may have stopped); a
        // notice newer than its answer may have come meanwhile (NoticeOrder).
        unreadIn: async (requestIdx) => {
          const state = await this.services.rooms.inboxOpened(requestIdx, user.userCode);
          return this.order.fromReady(requestIdx, state, this.sockets.open().length === 1);
        },
      });
      this.order.listed(ready.consultations);
      this.sockets.started(server, ready, (frame) => this.order.refresh(frame));
    } catch (e) {
      console.error("inbox ready failed", e);
      this.sockets.forget(server);
      server.close(1011, "Unavailable");
      this.ctx.waitUntil(this.online.sync([server]).catch(() => undefined));
      return Response.json({ error: "The consultation store is unavailable", code: "UPSTREAM_UNAVAILABLE" }, { status: 503 });
    }
    if (user.isCounselor) await this.watchQueue(user.userCode, true);
    if (user.isAdmin) await this.watch("all", user.userCode, true);
    await this.rearm();
    return new Response(null, { status: 101, webSocket: client });
  }

  // ---- socket events ----

  override async webSocketMessage(ws: WebSocket, data: string | ArrayBuffer): Promise<void> {
    if (byteLength(data) > MAX_FRAME_BYTES) return ws.close(CLOSE.TOO_BIG, "Frame exceeds 16 KiB");
    // The inbox takes no frames but `ping` (the exact spelling is answered by the runtime).
    let type: unknown;
    try {
      type = typeof data === "string" ? (JSON.parse(data) as { type?: unknown })?.type : undefined;
    } catch {
      type = undefined;
    }
    if (type === "ping") return sendRaw(ws, '{"type":"pong"}');
    sendRaw(ws, JSON.stringify({ type: "error", code: "BAD_FRAME", message: "The inbox accepts only ping frames" }));
  }

  override async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
    try {
      ws.close(code === 1000 || (code >= 3000 && code <= 4999) ? code : 1000, reason);
    } catch {
      // already closed
    }
    await this.left(ws);
  }

  override async webSocketError(ws: WebSocket, error: unknown): Promise<void> {
    console.warn("inbox socket error", error);
    await this.left(ws);
  }

  private async left(ws: WebSocket): Promise<void> {
    this.sockets.forget(ws);
    const user = attachmentOf(ws)?.user;
    const rest = this.sockets.open().filter((s) => s !== ws);
    if (user?.isCounselor && !rest.some((s) => attachmentOf(s)?.user.isCounselor)) await this.watchQueue(user.userCode, false);
    if (user?.isAdmin && !rest.some((s) => attachmentOf(s)?.user.isAdmin)) await this.watch("all", user.userCode, false);
    if (rest.length === 0) {
      this.activity.clear();
      this.order.clear();
      this.queueVersions.clear();
    }
    await this.online.sync([ws]).catch((e) => console.error("online registry: unlisting failed", e));
    await this.rearm();
  }

  /** Registers (or unregisters) this counselor for `queue` frames; a failure only delays them until the next connect. */
  private watchQueue(userCode: string, on: boolean): Promise<void> {
    return this.watch("queue", userCode, on);
  }

  /** A watcher registration: counselors for `queue` frames, admins for every change. */
  private async watch(what: "queue" | "all", userCode: string, on: boolean): Promise<void> {
    try {
      await (what === "queue" ? this.services.inboxes.watchQueue(userCode, on) : this.services.inboxes.watchAll(userCode, on));
    } catch (e) {
      console.error(`${what} watcher registration failed`, e);
    }
  }

  // ---- the alarm: held activity and token expiry ----

  override async alarm(): Promise<void> {
    const now = Date.now();
    for (const a of this.activity.due(now)) {
      // Held up to a second: a read since then may have lowered the count.
      const current = this.order.refresh({ type: "activity", ...a });
      if (current) this.sockets.broadcast(current);
    }
    const expired = this.sockets.open().filter((ws) => {
      const exp = attachmentOf(ws)?.user.exp;
      return exp !== null && exp !== undefined && exp * 1000 <= now;
    });
    closeAll(expired, CLOSE.TOKEN_EXPIRED, "Token expired");
    if (expired.length > 0) await this.online.sync(expired).catch((e) => console.error("online registry: unlisting failed", e));
    await this.rearm(expired);
  }

  /** Points the alarm at the earliest of: a held activity notice, a socket's token expiry. */
  private async rearm(gone: readonly WebSocket[] = []): Promise<void> {
    const live = this.sockets.open().filter((ws) => !gone.includes(ws));
    await armEarliest(this.ctx.storage, [this.activity.nextDue(), earliestExpiryMs(live)]);
  }

  // ---- RPC (src/live/inbox-client.ts) ----

  async issueTicket(user: User): Promise<{ ticket: string; expiresIn: number }> {
    return this.tickets.issue(user);
  }

  async redeemTicket(ticket: string): Promise<User | null> {
    return this.tickets.redeem(ticket);
  }

  /**
   * A consultation of this user was created, or changed status, recipient or queue place.
   * Returns the sockets reached (none when the notice is older than one already sent).
   */
  async consultationChanged(consultation: InboxConsultation | Consultation): Promise<number> {
    if (isOpen(consultation)) this.followRoom(consultation.requestIdx);
    this.healIfNothingOpen();
    if (this.sockets.open().length === 0 || !this.order.consultation(consultation)) return 0;
    return this.sockets.broadcast({ type: "consultation", consultation });
  }

  /** The user's STOMP connections follow every open consultation's room, new ones included. */
  private followRoom(requestIdx: number): void {
    for (const host of this.stompHosts.list()) {
      this.ctx.waitUntil(
        this.services.stomp.watchRoom(host, requestIdx).then(
          (alive) => alive || this.hostGone(host),
          (e) => console.error(`stomp host ${host}: watch ${requestIdx} failed`, e),
        ),
      );
    }
  }

  private hostGone(host: string): void {
    this.stompHosts.remove(host);
    this.ctx.waitUntil(this.online.sync().catch((e) => console.error("online registry: unlisting failed", e)));
  }

  /** A notice came while nothing is open here: the online registry still lists this user. */
  private healIfNothingOpen(): void {
    if (this.sockets.open().length === 0 && this.stompHosts.list().length === 0) this.online.heal();
  }

  /**
   * A STOMP connection of this user opened (false: the user has the maximum) or closed.
   * A connection counts as online: the inbox tells it to follow rooms that open later.
   */
  async stompHost(host: string, on: boolean): Promise<boolean> {
    if (!on) {
      this.stompHosts.remove(host);
      await this.online.sync().catch((e) => console.error("online registry: unlisting failed", e));
      return true;
    }
    const added = await this.stompHosts.add(host, (h) => this.services.stomp.alive(h));
    if (added) await this.online.sync();
    return added;
  }

  /**
   * Admins (the live dashboard): any consultation changed. To this user's admin sockets
   * only; returns how many there are (0: the registry drops this inbox).
   */
  async watchedChange(consultation: InboxConsultation | Consultation): Promise<number> {
    const admins = this.sockets.open().filter((ws) => attachmentOf(ws)?.user.isAdmin === true);
    if (admins.length > 0 && this.order.consultation(consultation)) this.sockets.broadcast({ type: "consultation", consultation }, admins);
    return admins.length;
  }

  /**
   * New messages in one of this user's rooms: at most one frame a second per room.
   * Returns whether the user has an inbox socket open: a room stops telling an inbox that
   * has none until the user connects again (src/room/inbox-notices.ts).
   */
  async roomActivity(notice: RoomActivityNotice): Promise<boolean> {
    if (this.sockets.open().length === 0) {
      this.healIfNothingOpen();
      return false;
    }
    const activity = this.order.activity(notice);
    if (!activity) return true; // about messages older than ones already announced
    const now = this.activity.offer(activity);
    if (now) this.sockets.broadcast({ type: "activity", ...now });
    else await this.rearm();
    return true;
  }

  /** This user's unread count in a room fell (they read on some device); dropped when older than a count already sent. */
  async unreadChanged(requestIdx: number, unread: number, version: number): Promise<void> {
    this.healIfNothingOpen();
    if (this.sockets.open().length === 0 || !this.order.unread(requestIdx, unread, version)) return;
    this.sockets.broadcast({ type: "unread", requestIdx, unread });
  }

  /**
   * A category's waiting queue changed: to this user's counselor sockets, unless a newer
   * snapshot (by `version`, see broadcastQueue) was sent already. Returns how many counselor
   * sockets there are (0: the registry drops this inbox).
   */
  async queueChanged(category: string, items: QueueItem[], version: string): Promise<number> {
    const counselors = this.sockets.counselors();
    if (counselors.length > 0 && this.queueVersions.advance(category, version)) {
      this.sockets.broadcast({ type: "queue", category, items }, counselors);
    }
    return counselors.length;
  }

  /** How many sockets are open (tests, diagnostics). */
  async socketCount(): Promise<number> {
    return this.sockets.open().length;
  }
}
