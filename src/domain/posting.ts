import { ApiError } from "./errors";
import { isOpen } from "./open";
import type { Consultation, User } from "./types";

/**
 * Whether `user` may post to the room now: the requester while the consultation is open
 * (including while a transfer waits for the next counselor), the recipient while it is
 * SCHEDULED or IN_PROGRESS. Admins are read-only. Shared by the room (every
 * send) and the Worker (an upload grant is for a file about to be posted). Throws FORBIDDEN or INVALID_STATE.
 */
export function assertCanPost(c: Consultation | null, sealed: boolean, user: User): void {
  assertNotAdmin(user);
  if (!c || sealed) throw new ApiError("INVALID_STATE", "The consultation is ending; no more messages are accepted");
  const requester = c.requesterUserCode === user.userCode;
  const recipient = c.recipientUserCode === user.userCode;
  if (!requester && !recipient) throw new ApiError("FORBIDDEN", "Only the participants may post in this room");
  const open = requester ? isOpen(c) : c.status === "SCHEDULED" || c.status === "IN_PROGRESS";
  if (!open) throw new ApiError("INVALID_STATE", `The consultation is ${c.status}; messages are not accepted`);
}

/** Admin sockets are read-only (SPEC section 4). */
export function assertNotAdmin(user: User): void {
  if (user.isAdmin) throw new ApiError("FORBIDDEN", "Admins are read-only in chat rooms");
}
