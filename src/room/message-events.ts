import type { ChatMessage, Consultation } from "../domain/types";
import { messageEvent } from "../events/types";
import type { RoomServices } from "./room-services";
import { openSockets, userTag } from "./sockets";

/** What the room lends its event emission. */
export interface MessageEventsHost {
  events: RoomServices["events"];
  consultation(): Consultation | null;
  /** Resolves once the room's auto-start is written (its `consultation.started` event has left). */
  startWritten(): Promise<unknown>;
  background(task: () => Promise<void>): void;
}

/**
 * The room's `message.created` events (SPEC section 10): one queue message per stored
 * batch, with every message of it inside, sent in the background after the batch is
 * stored, so the queue never slows or fails a send. The room alone knows which
 * participants have a socket open in it, so it names those who have none (`offline`):
 * only they can get a message push (the batching rule). Event ids derive from message
 * ids, so a batch published twice is dropped by the consumers' dedupe. The publisher
 * leaves out what nobody would take (no webhooks and nobody offline: see
 * withoutUnwantedMessages in src/events/producer.ts). While the room's optimistic start is
 * being written, its batches wait, so `consultation.started` reaches the queue first.
 */
export class RoomMessageEvents {
  constructor(
    private readonly ctx: DurableObjectState,
    private readonly host: MessageEventsHost,
  ) {}

  stored(batch: readonly ChatMessage[]): void {
    const c = this.host.consultation();
    if (!c || batch.length === 0) return;
    const participants = [c.requesterUserCode, c.recipientUserCode].filter((u): u is string => u !== null);
    const offline = participants.filter((userCode) => openSockets(this.ctx, userTag(userCode)).length === 0);
    // The usual busy room (both sides here, no webhooks): nothing to queue, no task to start.
    if (!this.host.events.wantsMessages({ offline })) return;
    const events = batch.map(messageEvent);
    this.host.background(async () => {
      await this.host.startWritten();
      await this.host.events.publish(events, { offline });
    });
  }
}
