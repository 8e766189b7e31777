import type { DomainEvent, EventBatchMessage } from "./types";

/**
 * Cloudflare Queues limits (developers.cloudflare.com/queues/platform/limits): a message
 * is at most 128 KB including ~100 bytes of metadata, one sendBatch at most 100 messages
 * and 256 KB. The budgets below stay under them with room for that metadata.
 */
export const MAX_MESSAGE_BYTES = 120_000;
export const MAX_BATCH_MESSAGES = 100;
export const MAX_BATCH_BYTES = 250_000;

export interface EventPublisher {
  /** Resolves once the queue has accepted every event (in order); rejects otherwise. */
  publish(events: readonly DomainEvent[], extras?: PublishExtras): Promise<void>;
  /** Whether `message.created` events with these extras would be queued at all (see withoutUnwantedMessages). */
  wantsMessages(extras?: PublishExtras): boolean;
}

/** What a room adds to its batch (see EventBatchMessage). */
export interface PublishExtras {
  offline?: string[];
}

/** The part of a `Queue<EventBatchMessage>` binding the producer uses. */
export interface EventQueue {
  send(body: EventBatchMessage, options?: { contentType?: "json" }): Promise<unknown>;
  sendBatch(messages: Iterable<{ body: EventBatchMessage; contentType?: "json" }>): Promise<unknown>;
}

const encoder = new TextEncoder();
const jsonBytes = (value: unknown) => encoder.encode(JSON.stringify(value)).byteLength;

/**
 * Packs events, in order, into as few queue message bodies as the size limit allows.
 * A stored chat batch is usually one body; a batch of long messages becomes several.
 */
export function packEvents(events: readonly DomainEvent[], maxBytes = MAX_MESSAGE_BYTES, extras: PublishExtras = {}): EventBatchMessage[] {
  const head = extras.offline ? { offline: extras.offline } : {};
  const emptyBytes = jsonBytes({ v: 1, events: [], ...head });
  const bodies: EventBatchMessage[] = [];
  let current: DomainEvent[] = [];
  let size = emptyBytes;
  for (const event of events) {
    // +1 for the comma between array items.
    const bytes = jsonBytes(event) + 1;
    if (emptyBytes + bytes > maxBytes) {
      throw new Error(`event ${event.id} (${event.type}) is ${bytes} bytes, over the ${maxBytes}-byte queue message budget`);
    }
    if (current.length > 0 && size + bytes > maxBytes) {
      bodies.push({ v: 1, events: current, ...head });
      current = [];
      size = emptyBytes;
    }
    current.push(event);
    size += bytes;
  }
  if (current.length > 0) bodies.push({ v: 1, events: current, ...head });
  return bodies;
}

/** Groups bodies into sendBatch calls within the per-call count and size limits. */
export function groupForSendBatch(bodies: readonly EventBatchMessage[]): EventBatchMessage[][] {
  const groups: EventBatchMessage[][] = [];
  let current: EventBatchMessage[] = [];
  let size = 0;
  for (const body of bodies) {
    const bytes = jsonBytes(body);
    if (current.length > 0 && (current.length === MAX_BATCH_MESSAGES || size + bytes > MAX_BATCH_BYTES)) {
      groups.push(current);
      current = [];
      size = 0;
    }
    current.push(body);
    size += bytes;
  }
  if (current.length > 0) groups.push(current);
  return groups;
}

/**
 * Who takes `message.created` (src/events/consumers): the webhooks (when WEBHOOK_URLS is
 * set) and the message push, only for the participants a room names `offline`. An event
 * neither would take is not queued: a busy room with both sides present costs the queue
 * nothing (README, "Notifications and webhooks").
 */
export function withoutUnwantedMessages(events: readonly DomainEvent[], webhooks: boolean, extras: PublishExtras = {}): readonly DomainEvent[] {
  if (messagesWanted(webhooks, extras)) return events;
  return events.filter((e) => e.type !== "message.created");
}

function messagesWanted(webhooks: boolean, extras: PublishExtras = {}): boolean {
  return webhooks || (extras.offline?.length ?? 0) > 0;
}

/**
 * The producer over the EVENTS binding: one `send` for the usual single body, `sendBatch`
 * when a publish needs several. (Queues does not promise order between messages, so
 * consumers order by `occurredAt` / message `seq`, never by arrival.) `webhooks`: whether
 * WEBHOOK_URLS is set (see withoutUnwantedMessages).
 */
export function queueEventPublisher(queue: EventQueue, webhooks: boolean): EventPublisher {
  return {
    wantsMessages: (extras) => messagesWanted(webhooks, extras),
    async publish(all, extras) {
      const events = withoutUnwantedMessages(all, webhooks, extras);
      if (events.length === 0) return;
      const bodies = packEvents(events, MAX_MESSAGE_BYTES, extras);
      if (bodies.length === 1) {
        await queue.send(bodies[0]!, { contentType: "json" });
        return;
      }
      for (const group of groupForSendBatch(bodies)) {
        await queue.sendBatch(group.map((body) => ({ body, contentType: "json" as const })));
      }
    },
  };
}
