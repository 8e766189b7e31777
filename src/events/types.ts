import type { ChatMessage, Consultation } from "../domain/types";

/**
 * SPEC section 10: every lifecycle change and every stored message is one event with a
 * unique `id`. The same object is the webhook body, so its shape is the public contract.
 */
export const CONSULTATION_EVENT_TYPES = [
  "consultation.created",
  "consultation.approved",
  "consultation.rejected",
  "consultation.cancelled",
  "consultation.started",
  "consultation.transferred",
  "consultation.ended",
] as const;

export type ConsultationEventType = (typeof CONSULTATION_EVENT_TYPES)[number];
export type MessageEventType = "message.created";
export type EventType = ConsultationEventType | MessageEventType;

interface EventEnvelope<T extends EventType, D> {
  /** Unique per event; the `webhook-id` of every delivery attempt of it. */
  id: string;
  type: T;
  /** ISO-8601 UTC. */
  occurredAt: string;
  requestIdx: number;
  data: D;
}

/** `data` is the consultation JSON after the change. */
export type ConsultationEvent = EventEnvelope<ConsultationEventType, Consultation>;
/** `data` is the stored message JSON. */
export type MessageEvent = EventEnvelope<MessageEventType, ChatMessage>;
export type DomainEvent = ConsultationEvent | MessageEvent;

/**
 * The body of one message on the EVENTS queue. The room sends one per stored batch (not
 * one per chat message), so a burst of chat costs one queue operation; the version lets a
 * consumer that meets a newer shape during a deploy retry instead of misreading it.
 */
export interface EventBatchMessage {
  v: 1;
  events: DomainEvent[];
  /**
   * For a room's batch: the participants who had no socket open in the room when it was
   * stored (the room knows, from its sockets' tags). Only they may get a message push.
   */
  offline?: string[];
}

/**
 * A webhook delivery of some events to one URL, retried on its own (`retry({delaySeconds})`),
 * so a failing receiver never makes another URL see an event twice. `priorAttempts` counts
 * the attempts made before this queue message existed (none: it is the first).
 */
export interface WebhookDeliveryMessage {
  v: 1;
  kind: "webhook";
  url: string;
  events: DomainEvent[];
  priorAttempts: number;
}

/** The push step of a batch, on its own after it failed for now (so the webhooks are not fanned out again). */
export interface PushRetryMessage {
  v: 1;
  kind: "push";
  events: DomainEvent[];
  offline: string[];
}

/** Everything the EVENTS queue carries. */
export type EventsQueueBody = EventBatchMessage | WebhookDeliveryMessage | PushRetryMessage;

export function consultationEvent(
  type: ConsultationEventType,
  consultation: Consultation,
  occurredAt: Date = new Date(),
): ConsultationEvent {
  return { id: `evt_${crypto.randomUUID()}`, type, occurredAt: occurredAt.toISOString(), requestIdx: consultation.requestIdx, data: consultation };
}

/**
 * The id derives from the message id, so a batch the room publishes again after a crash
 * between storing and publishing carries the same ids and receivers can drop the repeat.
 */
export function messageEvent(message: ChatMessage): MessageEvent {
  return { id: `evt_msg_${message.id}`, type: "message.created", occurredAt: message.sentAt, requestIdx: message.requestIdx, data: message };
}
