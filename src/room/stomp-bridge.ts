import { ApiError } from "../domain/errors";
import type { ChatMessage, Consultation, User } from "../domain/types";
import { parseClientFrame, type SendFrame } from "../protocol/frames";
import type { RoomServices } from "./room-services";

/** What a STOMP SEND asks of the room (src/inbox/stomp-session.ts ChatSendRequest, minus the room). */
export interface StompSendRequest {
  content: string;
  clientMsgId: string;
}

export type StompSendOutcome = { ok: true; id: string; seq: number } | { ok: false; code: string; message: string };

export interface StompBridgeHost {
  stomp: RoomServices["stomp"];
  repository: Pick<RoomServices["repository"], "findById">;
  requestIdx(): number;
  consultation(): Consultation | null;
  remember(c: Consultation): void;
  /** The room's messages with seq > afterSeq, oldest first. */
  list(afterSeq: number): Promise<ChatMessage[]>;
  /** The room's send path (Messages.send without a socket): resolves once stored. */
  send(user: User, frame: SendFrame): Promise<{ id: string; seq: number }>;
  background(task: () => Promise<void>): void;
}

/** Batches waiting for one host while the previous call to it is on its way. */
interface Outbox {
  messages: ChatMessage[];
  busy: boolean;
}

/**
 * The room's side of the STOMP API (SPEC section 12). STOMP connections live in their own
 * objects (StompDO); one that follows this room registers here (`attach`, with its user),
 * and each stored batch is forwarded to the registered hosts of the current participants
 * only, so a room without STOMP clients pays one empty-map check per batch.
 *
 * Per host, calls go one at a time and what is stored meanwhile travels in the next call,
 * so a host gets the room's messages in seq order; if a call fails or the room is evicted
 * with batches waiting, the host sees the gap at its next batch and fills it from `attach`.
 */
export class RoomStompBridge {
  private hosts: Map<string, string> | null = null;
  private readonly outboxes = new Map<string, Outbox>();

  constructor(
    private readonly sql: SqlStorage,
    private readonly host: StompBridgeHost,
  ) {
    sql.exec(`CREATE TABLE IF NOT EXISTS stomp_hosts (host TEXT PRIMARY KEY, user_code TEXT NOT NULL)`);
  }

  /** Registers `host` for `userCode` (first, so nothing stored after it is missed), then returns what is stored after `afterSeq`. */
  async attach(host: string, userCode: string, afterSeq: number): Promise<ChatMessage[]> {
    this.registered().set(host, userCode);
    this.sql.exec(`INSERT INTO stomp_hosts (host, user_code) VALUES (?, ?) ON CONFLICT (host) DO UPDATE SET user_code = excluded.user_code`, host, userCode);
    return this.host.list(afterSeq);
  }

  detach(host: string): void {
    this.registered().delete(host);
    this.sql.exec(`DELETE FROM stomp_hosts WHERE host = ?`, host);
  }

  /** After a stored batch (seq order): queue it for every registered host of a current participant. */
  stored(batch: readonly ChatMessage[]): void {
    const hosts = this.registered();
    if (hosts.size === 0 || batch.length === 0) return;
    const c = this.host.consultation();
    // A previous recipient (transferred away) stops receiving the room at once.
    const participants = new Set([c?.requesterUserCode, c?.recipientUserCode]);
    for (const [host, userCode] of hosts) {
      if (!participants.has(userCode)) continue;
      let box = this.outboxes.get(host);
      if (!box) this.outboxes.set(host, (box = { messages: [], busy: false }));
      box.messages.push(...batch);
      if (!box.busy) this.flush(host, box);
    }
  }

  private flush(host: string, box: Outbox): void {
    box.busy = true;
    this.host.background(async () => {
      try {
        while (box.messages.length > 0) {
          const batch = box.messages.splice(0);
          if (!(await this.host.stomp.deliver(host, batch))) {
            this.detach(host);
            break;
          }
        }
      } catch (e) {
        // The host fills the gap from `attach` when the next batch reaches it.
        console.error(`stomp forward to ${host} failed`, e);
      } finally {
        box.busy = false;
        this.outboxes.delete(host);
      }
    });
  }

  /**
   * A STOMP SEND (`/app/chat.send`): the same frame rules (VALIDATION, dedupe by
   * clientMsgId) and the same send path (participants, auto-start, rate limit) as a
   * `send` frame. Refusals come back as values with their SPEC code.
   */
  async send(user: User, request: StompSendRequest): Promise<StompSendOutcome> {
    try {
      if (!this.host.consultation()) {
        const c = await this.host.repository.findById(this.host.requestIdx());
        if (!c) return { ok: false, code: "NOT_FOUND", message: `Consultation ${this.host.requestIdx()} does not exist` };
        this.host.remember(c);
      }
      const parsed = parseClientFrame(JSON.stringify({ type: "send", clientMsgId: request.clientMsgId, content: request.content }));
      if (!parsed.ok) return { ok: false, code: parsed.error.code, message: parsed.error.message };
      const stored = await this.host.send(user, parsed.frame as SendFrame);
      return { ok: true, ...stored };
    } catch (e) {
      if (e instanceof ApiError) return { ok: false, code: e.code, message: e.message };
      console.error("stomp send failed", e);
      return { ok: false, code: "INTERNAL", message: "Internal error" };
    }
  }

  private registered(): Map<string, string> {
    this.hosts ??= new Map(this.sql.exec<{ host: string; user_code: string }>(`SELECT host, user_code FROM stomp_hosts`).toArray().map((r) => [r.host, r.user_code]));
    return this.hosts;
  }
}
