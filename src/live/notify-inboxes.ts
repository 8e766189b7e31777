import type { Consultation } from "../domain/types";
import type { InboxClient } from "./inbox-client";

/** How a lifecycle change reaches the inboxes without holding up (or failing) the caller. */
export interface LiveContext {
  inboxes: Pick<InboxClient, "consultationChanged">;
  waitUntil(promise: Promise<unknown>): void;
}

/**
 * The inbox leg of the service's announcement of each stored change (created when
 * `before` is null; src/consultations/announce-change.ts). Runs in the background: the
 * change is already durable, and a lost notice costs only liveness (the next `ready` has
 * it). Direct, not through the events queue, whose hop is slower than SPEC 9's second
 * (README "Notifications and webhooks").
 */
export function notifyInboxes(live: LiveContext | undefined, before: Consultation | null, after: Consultation | null): void {
  if (!live || !after) return;
  live.waitUntil(live.inboxes.consultationChanged({ before, after }).catch((e) => console.error("inbox fan-out failed", e)));
}
