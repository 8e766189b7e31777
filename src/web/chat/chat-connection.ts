import ReconnectingWebSocket from "partysocket/ws";
import { CLOSE } from "../../protocol/close-codes";
import { ApiFailure, api } from "../api";
import {
  addPending,
  applyAck,
  applyDelivered,
  applyMessages,
  applyRead,
  emptyChatState,
  hasGap,
  latestFromOthers,
  markFailed,
  markRetrying,
  sendsToRetry,
  type ChatState,
  type FileRef,
  type PendingMessage,
  type WireMessage,
} from "./chat-state";
import { loadPending, savePending } from "./pending-store";

export type ConnectionStatus = "connecting" | "online" | "offline" | "closed";
/** Why the chat stopped for good (no reconnect): ended 4009, transferred away 4003, token expired 4001, or refused. */
export type CloseReason = "ended" | "transferred" | "expired" | "refused";

export interface ChatEvents {
  state(state: ChatState): void;
  connection(status: ConnectionStatus, reason?: CloseReason): void;
  status(status: string): void;
  typing(userCode: string): void;
  /** A `ready` arrived (its read and delivered marks applied). */
  ready?(state: ChatState): void;
}

type ServerFrame =
  | { type: "ready"; status: string; lastSeq: number; reads?: { userCode: string; upToSeq: number }[]; delivered?: { userCode: string; upToSeq: number }[] }
  | { type: "delivered"; userCode: string; upToSeq: number }
  | { type: "message"; message: WireMessage }
  | { type: "ack"; clientMsgId: string; id: string; seq: number }
  | { type: "history"; messages: WireMessage[] }
  | { type: "read"; userCode: string; upToSeq: number }
  | { type: "typing"; userCode: string }
  | { type: "status"; status: string }
  | { type: "error"; code: string; message: string; clientMsgId?: string }
  | { type: "pong" };

const CLOSE_REASONS: Record<number, CloseReason> = { [CLOSE.TOKEN_EXPIRED]: "expired", [CLOSE.TRANSFERRED]: "transferred", [CLOSE.ENDED]: "ended" };
/** Refusals of the ticket that another attempt cannot fix. */
const FATAL_STATUSES: Record<number, CloseReason> = { 401: "expired", 403: "refused", 404: "refused", 409: "refused" };
const HEARTBEAT_MS = 25_000;
const PONG_TIMEOUT_MS = 10_000;
const TYPING_EVERY_MS = 2_500;
const RATE_LIMIT_RETRY_MS = 1_500;

/**
 * One consultation's live chat. partysocket reconnects with exponential backoff; the URL
 * provider adds jitter (so a restarted server is not hit by every client at once) and
 * fetches a fresh single-use ticket for every attempt. After each `ready` the client asks
 * for everything after its last seq and re-sends its unacknowledged messages with their
 * original clientMsgId, which the room de-duplicates: nothing is lost, nothing doubled.
 */
export class ChatConnection {
  private state: ChatState;
  private readonly socket: ReconnectingWebSocket;
  private ready = false;
  private fatal: CloseReason | null = null;
  /** Closed for good (left the page, or a CloseReason): later socket events change nothing. */
  private closed = false;
  private lastReadSent = 0;
  /** The highest seq reported with `received` on this connection's device. */
  private lastReceivedSent = 0;
  /** The room's last seq as of `ready`: a history that stops short of it was one page. */
  private serverLastSeq = 0;
  private lastTypingSent = 0;
  private heartbeat: ReturnType<typeof setInterval> | undefined;
  private pongTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly requestIdx: number,
    private readonly me: string,
    private readonly readOnly: boolean,
    private readonly events: ChatEvents,
  ) {
    this.state = emptyChatState(loadPending(me, requestIdx));
    this.socket = new ReconnectingWebSocket(() => this.nextUrl(), undefined, {
      minReconnectionDelay: 500,
      maxReconnectionDelay: 10_000,
      reconnectionDelayGrowFactor: 1.7,
      connectionTimeout: 8_000,
      // Unsent frames are not queued by the socket: pending messages are re-sent after
      // `ready` from the chat state, exactly once per connection.
      maxEnqueuedMessages: 0,
      shouldReconnectOnClose: (e) => !(e.code in CLOSE_REASONS),
    });
    this.socket.addEventListener("message", (e) => this.onFrame(e.data as string));
    this.socket.addEventListener("close", (e) => this.onClose(e.code));
    this.socket.addEventListener("error", () => {
      if (this.closed) return;
      if (this.fatal) this.stop(this.fatal);
      else this.events.connection(navigator.onLine ? "connecting" : "offline");
    });
    window.addEventListener("offline", this.onOffline);
    window.addEventListener("online", this.onOnline);
    // After the constructor returns, so that listeners may already use this connection.
    queueMicrotask(() => {
      this.events.connection("connecting");
      this.events.state(this.state);
    });
  }

  /** Queues a message (shown as pending at once) and sends it when connected. */
  send(content: string): void {
    const clientMsgId = crypto.randomUUID();
    this.update(addPending(this.state, clientMsgId, content, new Date()));
    this.transmit(this.state.pending.find((p) => p.clientMsgId === clientMsgId)!);
  }

  /** Announces an uploaded file as a FILE message (pending at once, like a text). */
  sendFile(attachment: FileRef, caption = ""): void {
    const clientMsgId = crypto.randomUUID();
    this.update(addPending(this.state, clientMsgId, caption, new Date(), attachment));
    this.transmit(this.state.pending.find((p) => p.clientMsgId === clientMsgId)!);
  }

  retry(clientMsgId: string): void {
    this.update(markRetrying(this.state, clientMsgId));
    const p = this.state.pending.find((x) => x.clientMsgId === clientMsgId);
    if (p?.state === "sending") this.transmit(p);
  }

  typing(): void {
    const now = Date.now();
    if (this.readOnly || now - this.lastTypingSent < TYPING_EVERY_MS) return;
    this.lastTypingSent = now;
    this.frame({ type: "typing" });
  }

  /** The user sees the chat: tell the other side what they have read. */
  markRead(): void {
    const upToSeq = latestFromOthers(this.state, this.me);
    if (this.readOnly || upToSeq <= this.lastReadSent || !this.ready) return;
    this.lastReadSent = upToSeq;
    this.frame({ type: "read", upToSeq });
  }

  close(): void {
    this.closed = true;
    this.stopTimers();
    window.removeEventListener("offline", this.onOffline);
    window.removeEventListener("online", this.onOnline);
    this.socket.close(1000, "left the page");
  }

  private async nextUrl(): Promise<string> {
    // Jitter on top of partysocket's exponential delay; none for the first attempt.
    if (this.socket.retryCount > 1) await sleep(Math.random() * Math.min(3_000, 250 * 2 ** this.socket.retryCount));
    try {
      const { ticket } = await api<{ ticket: string }>("POST", `/api/chat/ticket/${this.requestIdx}`);
      const scheme = location.protocol === "https:" ? "wss:" : "ws:";
      return `${scheme}//${location.host}/api/chat/ws/${this.requestIdx}?ticket=${encodeURIComponent(ticket)}`;
    } catch (e) {
      if (e instanceof ApiFailure && e.status in FATAL_STATUSES) this.fatal = FATAL_STATUSES[e.status]!;
      throw e;
    }
  }

  private onFrame(data: string): void {
    let frame: ServerFrame;
    try {
      frame = JSON.parse(data) as ServerFrame;
    } catch {
      return;
    }
    switch (frame.type) {
      case "ready":
        this.ready = true;
        this.serverLastSeq = frame.lastSeq;
        this.events.connection("online");
        this.events.status(frame.status);
        this.startTimers();
        // Read receipts so far (the room keeps them), so "읽음" survives a reload.
        for (const r of frame.reads ?? []) {
          this.update(applyRead(this.state, r.userCode, r.upToSeq));
          if (r.userCode === this.me) this.lastReadSent = Math.max(this.lastReadSent, r.upToSeq);
        }
        for (const d of frame.delivered ?? []) {
          this.update(applyDelivered(this.state, d.userCode, d.upToSeq));
          if (d.userCode === this.me) this.lastReceivedSent = Math.max(this.lastReceivedSent, d.upToSeq);
        }
        this.events.ready?.(this.state);
        // Always sync after a (re)connect: broadcasts sent while we were away are only
        // in the store. Then re-send what was never acknowledged, oldest first.
        this.frame({ type: "sync", afterSeq: this.state.syncedSeq });
        for (const p of sendsToRetry(this.state)) this.transmit(p);
        this.noteReceived();
        break;
      case "message":
        this.update(applyMessages(this.state, [frame.message]));
        if (hasGap(this.state)) this.frame({ type: "sync", afterSeq: this.state.syncedSeq });
        break;
      case "history":
        this.update(applyMessages(this.state, frame.messages, true));
        if (frame.messages.length > 0 && this.state.syncedSeq < this.serverLastSeq) this.frame({ type: "sync", afterSeq: this.state.syncedSeq });
        break;
      case "ack":
        this.update(applyAck(this.state, frame.clientMsgId, frame.seq));
        break;
      case "read":
        this.update(applyRead(this.state, frame.userCode, frame.upToSeq));
        break;
      case "delivered":
        this.update(applyDelivered(this.state, frame.userCode, frame.upToSeq));
        break;
      case "typing":
        if (frame.userCode !== this.me) this.events.typing(frame.userCode);
        break;
      case "status":
        this.events.status(frame.status);
        break;
      case "error":
        this.onError(frame);
        break;
      case "pong":
        clearTimeout(this.pongTimer);
        break;
    }
  }

  private onError(frame: { code: string; message: string; clientMsgId?: string }): void {
    if (!frame.clientMsgId) return;
    const id = frame.clientMsgId;
    this.update(markFailed(this.state, id, frame.code));
    // Too fast: try again shortly, same clientMsgId. Other refusals wait for the user.
    if (frame.code === "RATE_LIMITED") setTimeout(() => this.retry(id), RATE_LIMIT_RETRY_MS * (1 + Math.random()));
  }

  private onClose(code: number): void {
    this.ready = false;
    if (this.closed) return;
    this.stopTimers();
    const reason = CLOSE_REASONS[code];
    if (reason) this.stop(reason);
    else if (!this.fatal) this.events.connection(navigator.onLine ? "connecting" : "offline");
  }

  private stop(reason: CloseReason): void {
    this.closed = true;
    this.stopTimers();
    this.socket.close();
    this.events.connection("closed", reason);
  }

  private transmit(p: PendingMessage): void {
    if (!this.ready) return;
    if (p.attachment) this.frame({ type: "send", clientMsgId: p.clientMsgId, attachmentId: p.attachment.id, ...(p.content ? { content: p.content } : {}) });
    else this.frame({ type: "send", clientMsgId: p.clientMsgId, content: p.content });
  }

  private frame(frame: Record<string, unknown>): void {
    if (this.ready && this.socket.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify(frame));
  }

  private update(next: ChatState): void {
    if (next === this.state) return;
    if (next.pending !== this.state.pending) savePending(this.me, this.requestIdx, next.pending);
    const arrived = next.messages !== this.state.messages;
    this.state = next;
    this.events.state(next);
    if (arrived) this.noteReceived();
  }

  /** SPEC section 13: the other side's messages reached this device (whether shown or not). */
  private noteReceived(): void {
    const upToSeq = latestFromOthers(this.state, this.me);
    if (this.readOnly || !this.ready || upToSeq <= this.lastReceivedSent) return;
    this.lastReceivedSent = upToSeq;
    this.frame({ type: "received", upToSeq });
  }

  private startTimers(): void {
    this.stopTimers();
    // A half-open socket (sleeping laptop, dead NAT entry) never errors: a ping without
    // a pong forces a reconnect, which re-syncs and re-sends.
    this.heartbeat = setInterval(() => {
      this.frame({ type: "ping" });
      this.pongTimer = setTimeout(() => this.socket.reconnect(4000, "no pong"), PONG_TIMEOUT_MS);
    }, HEARTBEAT_MS);
  }

  private stopTimers(): void {
    clearInterval(this.heartbeat);
    clearTimeout(this.pongTimer);
  }

  // The browser knows the network is gone before the socket does: drop it now so the
  // banner shows and pending messages wait; reconnect at once when the network returns.
  private readonly onOffline = () => {
    if (this.closed || this.fatal) return;
    this.ready = false;
    this.socket.reconnect(4000, "offline");
    this.events.connection("offline");
  };

  private readonly onOnline = () => {
    if (!this.closed && !this.fatal) this.socket.reconnect(4000, "online");
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
