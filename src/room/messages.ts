import { ApiError, upstreamError } from "../domain/errors";
import { assertCanPost } from "../domain/posting";
import type { AttachmentRef, ChatMessage, User } from "../domain/types";
import type { SendFrame, ServerFrame } from "../protocol/frames";
import type { ArchiveLog } from "./archive-log";
import type { Connections } from "./connections";
import type { HotStore } from "./hot-store";
import { SYSTEM_SENDER, systemSenderName, type Locale } from "./lifecycle";
import { MessageWriter, type Outgoing } from "./message-writer";
import type { RateLimiter } from "./rate-limiter";
import { SendOrder } from "./send-order";
import { sendFrame } from "./sockets";
import type { RoomState } from "./state";

export interface MessagesDeps {
  state: RoomState;
  /** The room's log: every stored message until the final archive. */
  log: ArchiveLog;
  hot: HotStore;
  connections: Connections;
  limiter: RateLimiter;
  requestIdx(): number;
  locale(): Locale;
  now(): Date;
  newId(): string;
  /** A FILE send's grant, claimed for this message once its object is there (src/room/attachment-check.ts). */
  claimAttachment(sender: User, attachmentId: string, clientMsgId: string): Promise<AttachmentRef>;
  /**
   * Right after each stored batch, before RoomState records it: bookkeeping kept in memory
   * (the inbox's unread counters), written with the room's next meta checkpoint.
   */
  counted(batch: readonly ChatMessage[]): void;
  /** Right after each stored batch is delivered, in seq order (the inbox's notices). */
  delivered(batch: readonly ChatMessage[]): void;
  /** After each stored batch, in its turn: starts what the batch calls for in the background (activity report, backup deadline). */
  afterStored(): void;
  background(task: () => Promise<void>): void;
}

/**
 * Storing the room's messages: a participant's `send` (dedupe, checks, rate limit) and
 * the room's own SYSTEM messages, both through the one MessageWriter, then acks and
 * broadcasts in seq order once a batch is stored.
 */
export class Messages {
  private readonly writer: MessageWriter;
  /** Per-sender order while FILE sends wait for their checks (src/room/send-order.ts). */
  private readonly sendOrder = new SendOrder();

  constructor(private readonly deps: MessagesDeps) {
    this.writer = new MessageWriter(deps.state, deps.hot.writesRoomLog ? null : deps.log, deps.hot.store, deps.requestIdx, (batch) => this.delivered(batch), deps.now, deps.newId);
  }

  /**
   * A `send`. After the last await, the dedupe lookup, every check and the seq assignment
   * run synchronously, so no other event can slip between "new and allowed" and
   * "numbered" (two copies of one clientMsgId racing each other included). Ack and
   * broadcast follow from `delivered` once the message is stored. `start` gives the
   * auto-start to wait for first (SCHEDULED room, or a start in flight), or null. A FILE
   * send (`attachmentId`) then claims its grant, in its sender's turn (SendOrder), so a
   * later send of the same sender waits. `ws` is the sending socket (its `ack`); null for a
   * STOMP SEND, which gets the result.
   */
  async send(ws: WebSocket | null, user: User, frame: SendFrame, start: (user: User) => Promise<void> | null): Promise<{ id: string; seq: number }> {
    const { state } = this.deps;
    assertCanPost(state.consultation, state.sealed, user);
    // An auto-start queues "started" without storing it: held, the writer stores it in one
    // batch with this message (one write, one delivery), and with any send that waited too.
    const release = this.writer.hold();
    try {
      const starting = start(user);
      if (starting) await starting;
      return await this.post(ws, user, frame, start, release);
    } finally {
      release();
    }
  }

  /** The rest of a `send`, once no start is in flight; `release` lets the writer go (before any wait). */
  private async post(ws: WebSocket | null, user: User, frame: SendFrame, start: (user: User) => Promise<void> | null, release: () => void): Promise<{ id: string; seq: number }> {
    const { state, limiter } = this.deps;
    const { attachmentId, clientMsgId } = frame;
    const turn = this.sendOrder.turn(user.userCode, attachmentId === undefined ? null : () => this.claimAttachment(user, attachmentId, clientMsgId));
    if (turn) release();
    const attachment = turn ? await turn : undefined;
    let found = this.writer.lookup(user.userCode, frame.clientMsgId);
    while (found && "inFlight" in found) {
      release();
      await found.inFlight;
      found = this.writer.lookup(user.userCode, frame.clientMsgId);
    }
    if (found) {
      if (ws) sendFrame(ws, { type: "ack", clientMsgId: frame.clientMsgId, id: found.stored.id, seq: found.stored.seq });
      return found.stored;
    }
    // A FILE copy skipped its check for an original that then failed to store: check now.
    if (attachmentId !== undefined && !attachment) {
      release();
      return this.send(ws, user, frame, start);
    }
    assertCanPost(state.consultation, state.sealed, user);
    if (!limiter.take(user.userCode)) {
      throw new ApiError("RATE_LIMITED", "Too many messages: at most 10 a second (burst 20)");
    }
    const type = attachment ? ("FILE" as const) : ("NORMAL" as const);
    const draft = { sender: user.userCode, senderName: user.name, type, content: frame.content ?? "", clientMsgId: frame.clientMsgId, attachment };
    try {
      const { message, stored } = this.writer.post(draft, ws);
      release();
      await stored;
      return { id: message.id, seq: message.seq };
    } catch (e) {
      limiter.refund(user.userCode);
      throw e instanceof ApiError ? e : upstreamError("The message store", e);
    }
  }

  /** A copy of a message stored or in flight needs no check: dedupe answers it. */
  private async claimAttachment(user: User, attachmentId: string, clientMsgId: string): Promise<AttachmentRef | undefined> {
    if (this.writer.lookup(user.userCode, clientMsgId)) return undefined;
    return this.deps.claimAttachment(user, attachmentId, clientMsgId);
  }

  /**
   * Queues a SYSTEM message (its seq is taken at once); the promise resolves once it is
   * stored and delivered, with `follow` sent to every socket right after it.
   */
  postSystem(content: string, follow?: ServerFrame): Promise<void> {
    const draft = { sender: SYSTEM_SENDER, senderName: systemSenderName(this.deps.locale()), type: "SYSTEM" as const, content, clientMsgId: null };
    return this.writer.post(draft, null, follow).stored;
  }

  /** Messages accepted and not yet stored or dropped (ServerCloser waits for none). */
  get pending(): number {
    return this.writer.pending;
  }

  /** Resolves when every message accepted so far is stored (or dropped). */
  idle(): Promise<void> {
    return this.writer.idle();
  }

  /**
   * After a batch is stored, in seq order and in one turn: the counters, RoomState's record
   * (dedupe keys, the tail in memory; its log row is written already), broadcast, acks,
   * inbox notices; then the TTL, activity and backup deadlines (free while they are pending).
   */
  private delivered(batch: readonly Outgoing[]): void {
    const { connections, state } = this.deps;
    const stored = batch.map((o) => o.message);
    this.deps.counted(stored);
    state.recordStored(stored);
    const sockets = connections.open();
    for (const { message, origin, follow } of batch) {
      connections.broadcast({ type: "message", message }, sockets);
      if (origin && message.clientMsgId) sendFrame(origin, { type: "ack", clientMsgId: message.clientMsgId, id: message.id, seq: message.seq });
      if (follow) connections.broadcast(follow, sockets);
    }
    this.deps.delivered(stored);
    this.deps.afterStored();
  }
}
