/**
 * One STOMP connection of a user (SPEC section 12), independent of the Durable Object and
 * of the transport: the host feeds it what the client sent (`receive`) and messages of the
 * user's rooms (`deliver`); it answers through `ports.write` / `ports.close`. Its state is
 * plain data (`toAttachment` / `fromAttachment`) so that it survives hibernation.
 */
import type { ChatMessage, User } from "../domain/types";
import { DEFAULT_STOMP_LIMITS, encodeFrame, readFrame, StompDecoder, StompProtocolError, type OutgoingFrame, type RawStompFrame, type StompFrame, type StompLimits } from "../protocol/stomp-codec";
import { DEFAULT_SERVER_HEARTBEAT, negotiateHeartBeat, type HeartBeatPlan, type ServerHeartBeat } from "../protocol/stomp-heartbeat";
import { negotiateVersion, STOMP_VERSIONS, type StompVersion } from "../protocol/stomp-version";
import { CHAT_QUEUE, CHAT_SEND, chatMessageBody, parseChatSend } from "./stomp-chat";

export type VerifyOutcome = { ok: true; user: User } | { ok: false; code?: string; message: string };

export interface ChatSendRequest {
  user: User;
  requestIdx: number;
  content: string;
  /** The `client-msg-id` header, or an id generated for this SEND. */
  clientMsgId: string;
}

export type SendOutcome = { ok: true; id: string; seq: number } | { ok: false; code: string; message: string };

export interface StompSessionPorts {
  /** The same bearer verification as the REST API. */
  verify(token: string): Promise<VerifyOutcome>;
  /** The room's send path; resolves once the message is stored (or refused). */
  send(request: ChatSendRequest): Promise<SendOutcome>;
  /** One STOMP frame (or heart-beat) as text, to be sent as one WebSocket / SockJS message. */
  write(data: string): void;
  close(code: number, reason: string): void;
  /**
   * The stored messages of the user's open consultations, each room in seq order, for a
   * new chat subscription. Live `deliver`s for that subscription wait until they are sent
   * (then go out unless already sent), so nothing is lost or repeated across the switch.
   */
  history?(user: User, subscriptionId: string): Promise<ChatMessage[]>;
  /** The state changed: store `attachment` (e.g. `ws.serializeAttachment`). */
  persist?(attachment: StompAttachment): void;
  /** Id for a SEND without `client-msg-id` (default crypto.randomUUID). */
  newClientMsgId?(): string;
}

export interface StompSessionOptions {
  /** The subprotocol the socket was opened with (null for SockJS or none). */
  subprotocol?: string | null;
  sessionId?: string;
  serverName?: string;
  heartBeat?: ServerHeartBeat;
  limits?: StompLimits;
  maxSubscriptions?: number;
}

export type AckMode = "auto" | "client" | "client-individual";
export type SessionPhase = "awaiting-connect" | "connected" | "closed";

export interface Subscription {
  id: string;
  ack: AckMode;
  /** Highest seq delivered on this subscription per room: never twice, never backwards. */
  seen: Record<string, number>;
}

/** Serializable state (structured-clone and JSON safe). */
export interface StompAttachment {
  v: 1;
  sessionId: string;
  subprotocol: string | null;
  phase: SessionPhase;
  version: StompVersion | null;
  user: User | null;
  heartBeat: HeartBeatPlan;
  subscriptions: Subscription[];
  /** Base64 of an incomplete frame received so far. */
  pending: string;
}

export const STOMP_SERVER_NAME = "consultation-chat/1.0";
const MAX_CLIENT_MSG_ID = 128;

/** WebSocket close code after an ERROR frame, by SPEC error code. */
export function stompCloseCode(code: string): number {
  switch (code) {
    case "UNAUTHORIZED":
      return 4001; // as for the JSON sockets: the token is bad or expired
    case "TOO_LARGE":
      return 1009;
    case "BAD_FRAME":
      return 1002;
    case "INTERNAL":
    case "UPSTREAM_UNAVAILABLE":
      return 1011;
    default:
      return 1008;
  }
}

class Refusal extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly extraHeaders: Record<string, string> = {},
  ) {
    super(message);
  }
}

export class StompSession {
  private readonly decoder: StompDecoder;
  /** Live messages held per subscription while its history is loading (never hibernates: an await is pending). */
  private readonly backfills = new Map<string, ChatMessage[]>();
  private chain: Promise<void> = Promise.resolve();
  private state: StompAttachment;

  private constructor(
    private readonly ports: StompSessionPorts,
    private readonly options: StompSessionOptions,
    state: StompAttachment,
  ) {
    this.state = state;
    this.decoder = new StompDecoder(options.limits ?? DEFAULT_STOMP_LIMITS, fromBase64(state.pending));
  }

  static create(ports: StompSessionPorts, options: StompSessionOptions = {}): StompSession {
    return new StompSession(ports, options, {
      v: 1,
      sessionId: options.sessionId ?? crypto.randomUUID(),
      subprotocol: options.subprotocol ?? null,
      phase: "awaiting-connect",
      version: null,
      user: null,
      heartBeat: { header: undefined, sendEveryMs: 0, expectEveryMs: 0 },
      subscriptions: [],
      pending: "",
    });
  }

  /** Restores a session after hibernation; pass the same options as to `create`. */
  static fromAttachment(attachment: StompAttachment, ports: StompSessionPorts, options: StompSessionOptions = {}): StompSession {
    if (attachment?.v !== 1) throw new Error("not a STOMP session attachment");
    return new StompSession(ports, options, structuredClone(attachment));
  }

  toAttachment(): StompAttachment {
    return structuredClone({ ...this.state, pending: toBase64(this.decoder.pending) });
  }

  get phase(): SessionPhase {
    return this.state.phase;
  }
  get sessionId(): string {
    return this.state.sessionId;
  }
  get version(): StompVersion | null {
    return this.state.version;
  }
  get user(): User | null {
    return this.state.user;
  }
  get heartBeat(): HeartBeatPlan {
    return this.state.heartBeat;
  }
  get subscriptionIds(): string[] {
    return this.state.subscriptions.map((s) => s.id);
  }

  /**
   * Handles one WebSocket (or SockJS) message. Frames are processed strictly in order; the
   * promise settles when all of them (including their sends) are done. Never rejects.
   */
  receive(data: string | ArrayBuffer | Uint8Array): Promise<void> {
    if (this.state.phase === "closed") return this.chain;
    let raws: RawStompFrame[];
    const hadPending = this.decoder.pending.length > 0;
    try {
      raws = this.decoder.push(data);
    } catch (err) {
      const e = err as StompProtocolError;
      this.fail(new Refusal(e.code ?? "BAD_FRAME", e.message));
      return this.chain;
    }
    // A heart-beat changes nothing; a partial frame must survive hibernation.
    if (hadPending || this.decoder.pending.length > 0) this.persist();
    for (const raw of raws) this.chain = this.chain.then(() => this.process(raw));
    return this.chain;
  }

  /**
   * Writes a MESSAGE frame for `message` to every chat subscription that has not had it
   * (a room's seq only moves forward per subscription). Returns how many were written.
   */
  deliver(message: ChatMessage): number {
    if (this.state.phase !== "connected") return 0;
    let written = 0;
    for (const sub of this.state.subscriptions) {
      const held = this.backfills.get(sub.id);
      if (held) held.push(message);
      else if (this.deliverTo(sub, message)) written++;
    }
    if (written) this.persist();
    return written;
  }

  private deliverTo(sub: Subscription, message: ChatMessage): boolean {
    const room = String(message.requestIdx);
    if ((sub.seen[room] ?? 0) >= message.seq) return false;
    sub.seen[room] = message.seq;
    const ack = sub.ack !== "auto" && this.state.version === "1.2" ? message.id : undefined;
    this.emit({
      command: "MESSAGE",
      headers: { subscription: sub.id, "message-id": message.id, destination: CHAT_QUEUE, "content-type": "application/json", ack },
      body: chatMessageBody(message),
    });
    return true;
  }

  /** The token ran out while connected: ERROR and close (4001), as the JSON sockets do. */
  expire(): void {
    if (this.state.phase === "connected") this.fail(new Refusal("UNAUTHORIZED", "token expired"));
  }

  private async process(raw: RawStompFrame): Promise<void> {
    if (this.state.phase === "closed") return;
    let receipt: string | undefined;
    try {
      const frame = readFrame(raw, this.state.version);
      receipt = frame.headers.receipt;
      await this.dispatch(frame);
    } catch (err) {
      if (err instanceof Refusal) this.fail(err, receipt);
      else if (err instanceof StompProtocolError) this.fail(new Refusal(err.code, err.message), receipt);
      else this.fail(new Refusal("INTERNAL", "internal error"), receipt);
    }
  }

  private async dispatch(frame: StompFrame): Promise<void> {
    const { command } = frame;
    if (this.state.phase === "awaiting-connect") {
      if (command !== "CONNECT" && command !== "STOMP") throw new Refusal("BAD_FRAME", `expected CONNECT, got ${command}`);
      return this.connect(frame);
    }
    switch (command) {
      case "CONNECT":
      case "STOMP":
        throw new Refusal("BAD_FRAME", "already connected");
      case "SUBSCRIBE":
        return this.subscribe(frame);
      case "UNSUBSCRIBE":
        return this.unsubscribe(frame);
      case "SEND":
        return this.send(frame);
      case "ACK":
      case "NACK":
        return this.ack(frame);
      case "DISCONNECT":
        return this.disconnect(frame);
      case "BEGIN":
      case "COMMIT":
      case "ABORT":
        throw new Refusal("BAD_FRAME", "transactions are not supported");
      default:
        throw new Refusal("BAD_FRAME", `unknown command ${command}`);
    }
  }

  private async connect(frame: StompFrame): Promise<void> {
    const negotiated = negotiateVersion(frame.headers["accept-version"], this.state.subprotocol);
    if (!negotiated.ok) throw new Refusal("BAD_FRAME", negotiated.message, { version: STOMP_VERSIONS.join(",") });
    const plan = negotiateHeartBeat(frame.headers["heart-beat"], negotiated.version, this.options.heartBeat ?? DEFAULT_SERVER_HEARTBEAT);
    const auth = frame.headers.Authorization ?? frame.headers.authorization;
    const token = auth === undefined ? undefined : /^Bearer[ ]+(\S+)\s*$/i.exec(auth)?.[1];
    if (!token) throw new Refusal("UNAUTHORIZED", "CONNECT needs an Authorization: Bearer <jwt> header");
    const verified = await this.ports.verify(token);
    if (this.state.phase === "closed") return;
    if (!verified.ok) throw new Refusal(verified.code ?? "UNAUTHORIZED", verified.message);
    Object.assign(this.state, { phase: "connected", version: negotiated.version, user: verified.user, heartBeat: plan });
    this.emit({
      command: "CONNECTED",
      headers: {
        version: negotiated.version,
        "heart-beat": plan.header,
        server: this.options.serverName ?? STOMP_SERVER_NAME,
        session: this.state.sessionId,
        "user-name": verified.user.userCode,
      },
    });
    this.persist();
  }

  private async subscribe(frame: StompFrame): Promise<void> {
    const { destination, ack = "auto" } = frame.headers;
    const id = frame.headers.id ?? (this.state.version === "1.0" ? destination : undefined);
    if (destination === undefined) throw new Refusal("BAD_FRAME", "SUBSCRIBE needs a destination header");
    if (id === undefined || id === "") throw new Refusal("BAD_FRAME", "SUBSCRIBE needs an id header");
    const modes: string[] = this.state.version === "1.0" ? ["auto", "client"] : ["auto", "client", "client-individual"];
    if (!modes.includes(ack)) throw new Refusal("BAD_FRAME", `unsupported ack mode ${JSON.stringify(ack)}`);
    if (destination !== CHAT_QUEUE) throw new Refusal("NOT_FOUND", `unknown destination ${JSON.stringify(destination)}: subscribe to ${CHAT_QUEUE}`);
    if (this.state.subscriptions.some((s) => s.id === id)) throw new Refusal("BAD_FRAME", `subscription id ${JSON.stringify(id)} is already in use`);
    const max = this.options.maxSubscriptions ?? 4;
    if (this.state.subscriptions.length >= max) throw new Refusal("BAD_FRAME", `at most ${max} subscriptions per connection`);
    const sub: Subscription = { id, ack: ack as AckMode, seen: {} };
    this.state.subscriptions.push(sub);
    this.receipt(frame);
    this.persist();
    if (!this.ports.history) return;
    const held: ChatMessage[] = [];
    this.backfills.set(id, held);
    let past: ChatMessage[];
    try {
      past = await this.ports.history(this.state.user!, id);
    } catch {
      throw new Refusal("UPSTREAM_UNAVAILABLE", "the chat history could not be loaded; reconnect to retry");
    } finally {
      this.backfills.delete(id);
    }
    if (this.state.phase !== "connected") return;
    for (const message of [...past, ...held]) this.deliverTo(sub, message);
    this.persist();
  }

  private unsubscribe(frame: StompFrame): void {
    const id = frame.headers.id ?? (this.state.version === "1.0" ? frame.headers.destination : undefined);
    if (id === undefined) throw new Refusal("BAD_FRAME", "UNSUBSCRIBE needs an id header");
    // An unknown id is not an error: the subscription is gone either way.
    this.state.subscriptions = this.state.subscriptions.filter((s) => s.id !== id);
    this.receipt(frame);
    this.persist();
  }

  private async send(frame: StompFrame): Promise<void> {
    const { destination } = frame.headers;
    if (destination === undefined) throw new Refusal("BAD_FRAME", "SEND needs a destination header");
    if (destination !== CHAT_SEND) throw new Refusal("NOT_FOUND", `unknown destination ${JSON.stringify(destination)}: send to ${CHAT_SEND}`);
    const body = parseChatSend(frame.body);
    if (!body.ok) throw new Refusal(body.code, body.message);
    const given = frame.headers["client-msg-id"];
    if (given !== undefined && (given.length === 0 || given.length > MAX_CLIENT_MSG_ID)) {
      throw new Refusal("VALIDATION", `client-msg-id must be 1 to ${MAX_CLIENT_MSG_ID} characters`);
    }
    const clientMsgId = given ?? (this.ports.newClientMsgId ?? (() => crypto.randomUUID()))();
    const outcome = await this.ports.send({ user: this.state.user!, requestIdx: body.requestIdx, content: body.content, clientMsgId });
    if (this.state.phase === "closed") return;
    if (!outcome.ok) throw new Refusal(outcome.code, outcome.message, { "client-msg-id": clientMsgId });
    this.receipt(frame, { "message-id": outcome.id, seq: String(outcome.seq), "client-msg-id": clientMsgId });
  }

  /** Messages are never redelivered, so ACK and NACK are checked and otherwise ignored. */
  private ack(frame: StompFrame): void {
    const needed = this.state.version === "1.2" ? ["id"] : this.state.version === "1.1" ? ["message-id", "subscription"] : ["message-id"];
    const missing = needed.filter((h) => frame.headers[h] === undefined);
    if (missing.length) throw new Refusal("BAD_FRAME", `${frame.command} needs header ${missing.join(", ")}`);
    this.receipt(frame);
  }

  private disconnect(frame: StompFrame): void {
    this.receipt(frame);
    this.state.phase = "closed";
    this.persist();
    this.ports.close(1000, "DISCONNECT");
  }

  private receipt(frame: StompFrame, extra: Record<string, string> = {}): void {
    const id = frame.headers.receipt;
    if (id !== undefined) this.emit({ command: "RECEIPT", headers: { "receipt-id": id, ...extra } });
  }

  /** ERROR, then close: STOMP 1.2 requires the server to close after an ERROR frame. */
  private fail(refusal: Refusal, receiptId?: string): void {
    if (this.state.phase === "closed") return;
    const message = refusal.message.replace(/[\r\n]+/g, " ");
    this.emit({
      command: "ERROR",
      headers: { message, code: refusal.code, "receipt-id": receiptId, ...refusal.extraHeaders, "content-type": "text/plain" },
      body: message,
    });
    this.state.phase = "closed";
    this.persist();
    this.ports.close(stompCloseCode(refusal.code), refusal.code);
  }

  private emit(frame: OutgoingFrame): void {
    this.ports.write(encodeFrame(frame, this.state.version));
  }

  private persist(): void {
    this.ports.persist?.(this.toAttachment());
  }
}

function toBase64(bytes: Uint8Array): string {
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary);
}

function fromBase64(text: string): Uint8Array {
  const binary = atob(text);
  return Uint8Array.from(binary, (ch) => ch.charCodeAt(0));
}
