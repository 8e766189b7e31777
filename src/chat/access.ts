import { isOpen } from "../domain/open";
import { isParticipant, isRecipient, isRequester } from "../domain/rules";
import type { Consultation, User } from "../domain/types";
import { ApiError } from "../domain/errors";

/** Who may use a room, checked by the Worker before anything reaches the room. */

/** Messages, transcripts: the participants and admins (SPEC section 3). */
export function assertCanRead(c: Consultation, user: User): void {
  if (!isParticipant(c, user) && !user.isAdmin) throw new ApiError("FORBIDDEN", "Only the participants may read this chat");
}

/**
 * A WebSocket connect or a ticket for one (SPEC section 4): 403 for anyone but the
 * participants and admins, 409 unless the consultation is open. While a transfer waits
 * (PENDING with startedAt) only the requester (and admins, read-only) may be in the room:
 * the next recipient joins once they approve or start it.
 */
export function assertCanConnect(c: Consultation, user: User): void {
  assertCanRead(c, user);
  if (!isOpen(c)) throw new ApiError("INVALID_STATE", `The consultation is ${c.status}; its room is not open`);
  if (c.status === "PENDING" && isRecipient(c, user) && !isRequester(c, user)) {
    throw new ApiError("INVALID_STATE", "The consultation waits for you to approve or start it");
  }
}

/** Origins allowed to open a WebSocket; a request without `Origin` is not a browser's. */
export function assertOriginAllowed(origin: string | undefined, allowed: readonly string[] | null): void {
  if (allowed === null || origin === undefined) return;
  if (!allowed.includes(origin)) throw new ApiError("FORBIDDEN", `Origin ${origin} is not allowed`);
}
