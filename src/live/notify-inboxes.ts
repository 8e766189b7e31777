import { nextMacrotask } from "../domain/macrotask";
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
 * (README "Notifications and webhooks"). `later`: the fan-out starts a macrotask later, so
 * the frames already queued in this isolate go first; inboxes drop a notice older than one
 * they sent (src/inbox/notice-order.ts), so the order of arrival does not matter.
 */
export function notifyInboxes(live: LiveContext | undefined, before: Consultation | null, after: Consultation | null, later = false): void {
  if (!live || !after) return;
  const fanOut = () => live.inboxes.consultationChanged({ before, after });
  live.waitUntil((later ? nextMacrotask().then(fanOut) : fanOut()).catch((e) => console.error("inbox fan-out failed", e)));
}
