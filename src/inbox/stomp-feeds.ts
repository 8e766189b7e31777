import type { ChatMessage } from "../domain/types";

export interface FeedHost {
  /** Registers with the room (RoomDO.stompAttach) and returns its messages after `afterSeq`. */
  attach(requestIdx: number, afterSeq: number): Promise<ChatMessage[]>;
  /** Hands one message to the STOMP session (which drops what a subscription already had). */
  deliver(message: ChatMessage): void;
  /** Per room, the highest seq handed to the session (kept in the socket attachment). */
  seen: Record<string, number>;
  changed(): void;
}

/**
 * The rooms a STOMP connection follows, each fed in seq order. Work for one room runs
 * one step at a time; a batch that starts past the next expected seq (a forward failed,
 * or the room was evicted with batches waiting) first fills the gap from the room's
 * stored history, so the client never sees a room's messages skip or go backwards.
 */
export class RoomFeeds {
  private readonly chains = new Map<string, Promise<void>>();

  constructor(private readonly host: FeedHost) {}

  /** A batch the room forwarded (one room, seq order). */
  forward(batch: readonly ChatMessage[]): Promise<void> {
    const first = batch[0];
    if (!first) return Promise.resolve();
    return this.step(first.requestIdx, async () => {
      const last = this.host.seen[String(first.requestIdx)];
      if (last !== undefined && first.seq > last + 1) this.pass(await this.host.attach(first.requestIdx, last));
      this.pass(batch);
    });
  }

  /** Starts following a room not followed yet (a new consultation, or before a SEND there). */
  follow(requestIdx: number): Promise<void> {
    return this.step(requestIdx, async () => {
      if (this.followed(requestIdx)) return;
      this.pass(await this.host.attach(requestIdx, 0));
      this.host.seen[String(requestIdx)] ??= 0;
      this.host.changed();
    });
  }

  followed(requestIdx: number): boolean {
    return this.host.seen[String(requestIdx)] !== undefined;
  }

  /** History read for a new subscription moves the rooms' marks too. */
  noteSeen(messages: readonly ChatMessage[]): void {
    for (const m of messages) this.mark(m);
    this.host.changed();
  }

  private pass(messages: readonly ChatMessage[]): void {
    for (const m of messages) {
      const last = this.host.seen[String(m.requestIdx)];
      if (last !== undefined && m.seq <= last) continue;
      this.host.deliver(m);
      this.mark(m);
    }
    this.host.changed();
  }

  private mark(m: ChatMessage): void {
    const room = String(m.requestIdx);
    this.host.seen[room] = Math.max(this.host.seen[room] ?? 0, m.seq);
  }

  private step(requestIdx: number, work: () => Promise<void>): Promise<void> {
    const key = String(requestIdx);
    const next = (this.chains.get(key) ?? Promise.resolve()).then(work);
    const settled = next.catch((e) => console.error(`stomp feed of room ${key} failed`, e));
    this.chains.set(key, settled);
    void settled.then(() => this.chains.get(key) === settled && this.chains.delete(key));
    return next;
  }
}
