import type { Consultation } from "../types";

/** What the signed-in user is, as far as the buttons are concerned. */
export interface Viewer {
  userCode: string;
  counselor: boolean;
  admin: boolean;
}

export type Action = "approve" | "reject" | "cancel" | "start" | "transfer" | "end";

/** SPEC section 2: SCHEDULED or IN_PROGRESS, or PENDING after a transfer (it has started). */
export function isOpen(c: Consultation): boolean {
  return c.status === "SCHEDULED" || c.status === "IN_PROGRESS" || (c.status === "PENDING" && c.startedAt !== null);
}

/**
 * The lifecycle actions SPEC section 2 allows this viewer, in the order the page shows
 * them. The server decides in the end (a race still gets 409); this only hides buttons
 * that would certainly fail.
 */
export function availableActions(c: Consultation, v: Viewer): Action[] {
  const requester = c.requesterUserCode === v.userCode;
  const recipient = c.recipientUserCode === v.userCode;
  // A queue item (no recipient) may be taken by any counselor, who becomes its recipient.
  const mayTake = !requester && (recipient || (c.recipientUserCode === null && v.counselor));
  const neverStarted = c.startedAt === null;
  const actions: Action[] = [];
  if (c.status === "PENDING" && mayTake) actions.push("approve");
  if ((c.status === "PENDING" || c.status === "SCHEDULED") && mayTake) actions.push("start");
  if (c.status === "PENDING" && neverStarted && recipient) actions.push("reject");
  if (requester && ((c.status === "PENDING" && neverStarted) || c.status === "SCHEDULED")) actions.push("cancel");
  if (isOpen(c) && (recipient || v.admin)) actions.push("transfer");
  if (isOpen(c) && (requester || recipient || v.admin)) actions.push("end");
  return actions;
}

/**
 * Whether to open the live chat: participants of an open consultation (while it waits for
 * its next counselor after a transfer, only the requester) and admins, read-only.
 */
export function canChat(c: Consultation, v: Viewer): boolean {
  if (!isOpen(c)) return false;
  if (c.requesterUserCode === v.userCode) return true;
  if (c.recipientUserCode === v.userCode) return c.status !== "PENDING";
  return v.admin;
}

/** The other participant, from this viewer's side (or both names for an admin). */
export function counterpart(c: Consultation, userCode: string): string {
  if (c.requesterUserCode === userCode) return c.recipientName ?? c.recipientUserCode ?? "";
  if (c.recipientUserCode === userCode) return c.requesterName;
  return `${c.requesterName} ↔ ${c.recipientName ?? "-"}`;
}
