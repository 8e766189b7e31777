import type { Consultation } from "../domain/types";
import type { InboxClient } from "./inbox-client";

/** How a lifecycle change reaches the inboxes without holding up (or failing) the caller. */
export interface LiveContext {
  inboxes: Pick<InboxClient, "consultationChanged">;
  waitUntil(promise: Promise<unknown>): void;
}

/**
 * The one call the consultation service makes after each change it stored (created when
 * `before` is null). Runs in the background: the change is already durable, and a lost
 * notice costs only liveness (the next `ready` has it). A later phase replaces this with
 * the events queue's inbox fan-out.
 */
export function notifyInboxes(live: LiveContext | undefined, before: Consultation | null, after: Consultation | null): void {
  if (!live || !after) return;
  live.waitUntil(live.inboxes.consultationChanged({ before, after }).catch((e) => console.error("inbox fan-out failed", e)));
}
