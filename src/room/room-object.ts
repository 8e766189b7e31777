import { DurableObject } from "cloudflare:workers";
import { getServices } from "../config/services";
import type { RpcResult } from "../domain/rpc-result";
import type { ChatMessage, Consultation, User } from "../domain/types";
import type { DeliveredMark, ReadReceipt } from "../protocol/frames";
import type { UnreadState } from "../protocol/inbox-frames";
import type { AlarmScheduler } from "./alarm-scheduler";
import type { Connections } from "./connections";
import type { DeliveryMarks } from "./delivery-marks";
import type { Ending } from "./ending";
import type { FrameHandler } from "./frame-handler";
import { callsInFlight, countCallsInFlight } from "./calls-in-flight";
import type { RoomInboxNotices } from "./inbox-notices";
import type { RoomHistory } from "./history";
import { buildRoomParts } from "./parts";
import type { RoomServices } from "./room-services";
import type { RoomState } from "./state";
import type { StatusChanges } from "./status-changes";
import type { RoomStompBridge, StompSendOutcome, StompSendRequest } from "./stomp-bridge";
import type { TicketBook } from "./tickets";

export interface MessagePage {
  messageCount: number;
  messages: ChatMessage[];
  reads: ReadReceipt[];
  delivered: DeliveredMark[];
}

/**
 * One consultation room (DESIGN.md): the single writer of its chat. It assigns `seq`,
 * de-duplicates clientMsgIds, stores through one write queue, and only then acks and
 * broadcasts. Sockets use the hibernation API; everything else lives in the room's SQLite
 * (each part below owns its tables), so a wake rebuilds the room from storage and socket
 * attachments alone. Timers are alarm deadlines (AlarmScheduler).
 *
 * This class only dispatches the platform's handlers to the parts (built in parts.ts). The
 * Worker reaches it by `fetch` (WebSocket connect, with a grant it built itself) and by
 * the RPC methods below, through src/chat/room-client.ts.
 */
export class RoomDO extends DurableObject<Env> {
  readonly #state: RoomState;
  readonly #tickets: TicketBook;
  readonly #scheduler: AlarmScheduler;
  readonly #connections: Connections;
  readonly #history: RoomHistory;
  readonly #frames: FrameHandler;
  readonly #changes: StatusChanges;
  readonly #ending: Ending;
  readonly #inbox: RoomInboxNotices;
  readonly #stomp: RoomStompBridge;
  readonly #delivery: DeliveryMarks;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    const parts = buildRoomParts(this.partsContext(ctx), this.services(env), () => this.requestIdx, () => callsInFlight(this));
    this.#state = parts.state;
    this.#tickets = parts.tickets;
    this.#scheduler = parts.scheduler;
    this.#connections = parts.connections;
    this.#history = parts.history;
    this.#frames = parts.frames;
    this.#changes = parts.changes;
    this.#ending = parts.ending;
    this.#inbox = parts.inbox;
    this.#stomp = parts.stomp;
    this.#delivery = parts.delivery;
    // Answered by the runtime without waking a hibernated room.
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair('{"type":"ping"}', '{"type":"pong"}'));
  }

  /** The state the parts are built on; a test subclass may count its SQL statements. */
  protected partsContext(ctx: DurableObjectState): DurableObjectState {
    return ctx;
  }

  /** What the room is given (src/config/services.ts); a test subclass may hand it failing parts. */
  protected services(env: Env): RoomServices {
    return getServices(env);
  }

  private get requestIdx(): number {
    const idx = this.#state.requestIdx ?? Number(this.ctx.id.name);
    if (!Number.isInteger(idx)) throw new Error("room does not know its consultation yet");
    return idx;
  }

  // ---- platform handlers ----

  override fetch(request: Request): Promise<Response> {
    return this.#connections.accept(request, ({ user, consultation }) => {
      const c = this.#state.rememberConsultation(consultation);
      const { userCode, name, role } = user;
      return { type: "ready", requestIdx: c.requestIdx, status: c.status, lastSeq: this.#state.lastSeq, you: { userCode, name, role }, reads: this.#state.reads(), delivered: this.#delivery.all() };
    });
  }

  override webSocketMessage(ws: WebSocket, data: string | ArrayBuffer): Promise<void> {
    return this.#frames.handle(ws, data);
  }

  override webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
    return this.#connections.closed(ws, code, reason);
  }

  override webSocketError(_ws: WebSocket, error: unknown): Promise<void> {
    return this.#connections.errored(error);
  }

  override alarm(): Promise<void> {
    return this.#scheduler.run();
  }

  // ---- RPC from the Worker (src/chat/room-client.ts) ----

  async issueTicket(user: User, consultation: Consultation): Promise<{ ticket: string; expiresIn: number }> {
    this.#state.rememberConsultation(consultation);
    return this.#tickets.issue(user);
  }

  async redeemTicket(ticket: string): Promise<User | null> {
    return this.#tickets.redeem(ticket);
  }

  /** The user's unread count in this room (SPEC section 9), for a push. */
  async unreadFor(userCode: string): Promise<number> {
    return this.#inbox.unreadFor(userCode);
  }

  /** The user's inbox connected: the room tells it about new messages again; its `ready` gets the count. */
  async inboxOpened(userCode: string): Promise<UnreadState> {
    return this.#inbox.inboxOpened(userCode);
  }

  async listMessages(consultation: Consultation, options: { afterSeq?: number; last?: number } = {}): Promise<MessagePage> {
    this.#state.rememberConsultation(consultation);
    // The room's log, not the hot store: the hot list may have expired (SPEC section 6).
    const messages = await this.#history.list(options);
    return { messageCount: await this.#history.count(), messages, reads: this.#state.reads(), delivered: this.#delivery.all() };
  }

  // ---- RPC from STOMP connections (src/inbox/stomp-object.ts, SPEC section 12) ----

  /** `host` follows this room for `userCode`: registered, then the messages after `afterSeq`. */
  async stompAttach(host: string, userCode: string, afterSeq: number): Promise<ChatMessage[]> {
    return this.#stomp.attach(host, userCode, afterSeq);
  }

  /** `/app/chat.send`: the send path of a `send` frame; resolves once stored (or refused). */
  async stompSend(user: User, request: StompSendRequest): Promise<StompSendOutcome> {
    return this.#stomp.send(user, request);
  }

  /** RoomGateway.statusChanged: SYSTEM message, `status` frames, 4003 closes on transfer. */
  async statusChanged(after: Consultation, before: Consultation): Promise<void> {
    await this.#changes.changed(after, before);
  }

  /** RoomGateway.holdStarts: before a cancel or transfer of the SCHEDULED row; false: a start could not be recorded. */
  async holdStarts(): Promise<boolean> {
    return this.#changes.holdStarts();
  }

  /** RoomGateway.archive (SPEC section 6, steps 1-2); concurrent calls share one run. */
  archive(consultation: Consultation, endedBy: string): Promise<RpcResult<{ chatLogKey: string | null }>> {
    return this.#ending.archive(consultation, endedBy);
  }

  /** RoomGateway.completed: every socket gets `status` COMPLETED and closes with 4009. */
  async completed(consultation: Consultation): Promise<void> {
    this.#changes.completed(consultation);
  }
}

// The room resets itself (ServerCloser) only while none of these is running.
countCallsInFlight(RoomDO, [
  "fetch", "webSocketMessage", "webSocketClose", "webSocketError", "alarm",
  "issueTicket", "redeemTicket", "listMessages", "unreadFor", "inboxOpened", "statusChanged", "holdStarts", "archive", "completed", "stompAttach", "stompSend",
]);
