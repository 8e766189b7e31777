import type { AttachmentRef, ChatMessage, MessageType } from "../domain/types";
import type { ServerFrame } from "../protocol/frames";
import type { MessageStore } from "../stores/message-store/port";
import type { ArchiveLog } from "./archive-log";
import type { RoomState } from "./state";
import { WriteQueue } from "./write-queue";

export interface Draft {
  sender: string;
  senderName: string;
  type: MessageType;
  content: string;
  clientMsgId: string | null;
  attachment?: AttachmentRef;
}

/**
 * A message on its way to the store, with the socket that sent it (for its ack) and a
 * frame every socket gets right after the message (the `status` after "started").
 */
export interface Outgoing {
  message: ChatMessage;
  origin: WebSocket | null;
  follow?: ServerFrame;
}

/**
 * The single writer of a room: assigns `seq` synchronously (so the order of `post` calls
 * is the order of seqs), de-duplicates clientMsgIds, and stores through the WriteQueue.
 * `deliver` (RoomState's record of the batch, acks and broadcasts) runs only after a batch
 * is stored, in seq order. Every stored batch is in the room's log (archive-log.ts)
 * before that: the embedded store's append IS the log row (`log` null), else the batch is
 * logged in the same synchronous step that records it as stored, so every acked message
 * is in the room's own storage even after the hot store expired (DESIGN.md, decision 7).
 *
 * `nextSeq` is the one piece of memory-only state: it is rebuilt from the stored last seq
 * whenever nothing is in flight, which is always the case after a wake.
 */
export class MessageWriter {
  private nextSeq: number | null = null;
  private readonly inFlight = new Map<string, Promise<void>>();
  private readonly queue: WriteQueue<Outgoing>;

  constructor(
    private readonly state: RoomState,
    /** Null when the store's append writes the room's log itself (the embedded adapter). */
    private readonly log: ArchiveLog | null,
    private readonly store: MessageStore,
    private readonly requestIdx: () => number,
    deliver: (batch: readonly Outgoing[]) => void,
    private readonly now: () => Date = () => new Date(),
    private readonly newId: () => string = () => crypto.randomUUID(),
  ) {
    this.queue = new WriteQueue<Outgoing>({
      write: (batch) =>
        this.store.append(
          this.requestIdx(),
          batch.map((o) => o.message),
        ),
      onStored: (batch) => {
        // The log row first (Redis), then `deliver` records the batch in RoomState in this
        // same turn, before anything else runs.
        this.log?.add(batch.map((o) => o.message));
        for (const o of batch) this.inFlight.delete(dedupeKey(o.message));
        deliver(batch);
      },
      onDropped: (items) => {
        // Hand the dropped seqs out again: the store never saw a later one, so no gap.
        this.nextSeq = null;
        for (const o of items) this.inFlight.delete(dedupeKey(o.message));
      },
    });
  }

  /**
   * Synchronous dedupe lookup for `sender`'s `clientMsgId`: the stored message's id and
   * seq, or the write still in flight (wait for it, then look again: a failed write leaves
   * the id unknown, so the retry stores it), or null when it is new.
   */
  lookup(sender: string, clientMsgId: string): { stored: { id: string; seq: number } } | { inFlight: Promise<void> } | null {
    const inFlight = this.inFlight.get(dedupeKey({ sender, clientMsgId }));
    if (inFlight) return { inFlight };
    const stored = this.state.findClientMsg(sender, clientMsgId);
    return stored ? { stored } : null;
  }

  /**
   * Assigns the next seq and queues the message. Synchronous up to the returned promise,
   * which resolves once the message is stored and delivered.
   */
  post(draft: Draft, origin: WebSocket | null = null, follow?: ServerFrame): { message: ChatMessage; stored: Promise<void> } {
    const seq = (this.nextSeq ??= this.state.lastSeq + 1);
    this.nextSeq = seq + 1;
    const message: ChatMessage = {
      id: this.newId(),
      seq,
      requestIdx: this.requestIdx(),
      sender: draft.sender,
      senderName: draft.senderName,
      type: draft.type,
      content: draft.content,
      sentAt: this.now().toISOString(),
      clientMsgId: draft.clientMsgId,
      ...(draft.attachment ? { attachment: draft.attachment } : {}),
    };
    const stored = this.queue.enqueue(follow ? { message, origin, follow } : { message, origin });
    if (message.clientMsgId !== null) this.inFlight.set(dedupeKey(message), stored.catch(() => undefined));
    return { message, stored };
  }

  /** Holds the next batch back until released (WriteQueue.hold): what is posted meanwhile is stored together. */
  hold(): () => void {
    return this.queue.hold();
  }

  /** Messages posted and not yet stored or dropped. */
  get pending(): number {
    return this.queue.size;
  }

  /** Resolves when every message posted so far is stored (or dropped). */
  idle(): Promise<void> {
    return this.queue.idle();
  }
}

function dedupeKey(m: { sender: string; clientMsgId: string | null }): string {
  return `${m.sender}\u0000${m.clientMsgId}`;
}
