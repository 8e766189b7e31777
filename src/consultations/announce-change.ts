import type { Action } from "../domain/rules";
import type { Consultation } from "../domain/types";
import type { EventPublisher } from "../events/producer";
import { consultationEvent, type ConsultationEventType } from "../events/types";
import { notifyInboxes, type LiveContext } from "../live/notify-inboxes";

/** Where a stored lifecycle change goes: the inbox sockets directly, push and webhooks through the queue. */
export interface Announcer extends LiveContext {
  events: EventPublisher;
}

export const EVENT_OF_ACTION: Record<Action, ConsultationEventType> = {
  approve: "consultation.approved",
  reject: "consultation.rejected",
  cancel: "consultation.cancelled",
  start: "consultation.started",
  transfer: "consultation.transferred",
  end: "consultation.ended",
};

/**
 * The one call the consultation service makes after each change it stored (create, the
 * actions, the room's auto-start, an end by a user or by cleanup), so the event leaves
 * once, where the change was made, after it is durable. Both legs run in the background:
 * neither may slow or fail the request whose change is already stored.
 *
 * The inbox hears of it directly (SPEC 9's "within a second": the queue's batch wait and
 * its consumer hop are not bounded that tightly, see README "Notifications and webhooks");
 * the event goes on the EVENTS queue for push and webhooks. A queue that refuses the send
 * is logged: the change stands, and the event is lost only for those outside consumers.
 */
export function announceChange(live: Announcer | undefined, type: ConsultationEventType, before: Consultation | null, after: Consultation | null, at: Date): void {
  if (!live || !after) return;
  notifyInboxes(live, before, after);
  live.waitUntil(live.events.publish([consultationEvent(type, after, at)]).catch((e) => console.error(`event ${type} for ${after.requestIdx} not queued`, e)));
}
