import type { ChatMessage, User } from "../domain/types";
import { assertNotAdmin } from "./room-lifecycle";
import type { RoomState } from "./room-state";
import { attachmentOf, broadcast, openSockets, sendFrame } from "./room-sockets";

/** The frames that store no message: sync (history), read receipts, typing. */

/** Messages per `history` frame, so a long sync never hits the WebSocket message limit. */
const HISTORY_CHUNK = 200;

/** Answers `sync`: always at least one (possibly empty) frame, so the client knows it is in sync. */
export function sendHistory(ws: WebSocket, messages: readonly ChatMessage[]): void {
  let i = 0;
  do {
    sendFrame(ws, { type: "history", messages: messages.slice(i, i + HISTORY_CHUNK) });
    i += HISTORY_CHUNK;
  } while (i < messages.length);
}

/**
 * `read`: moves the participant's mark forward (never back) and tells every socket, the
 * reader's other devices included. Marks past the newest stored message are clamped.
 * Returns whether the mark moved.
 */
export function markRead(ctx: DurableObjectState, state: RoomState, user: User, upToSeq: number): boolean {
  assertNotAdmin(user);
  const receipt = state.markRead(user.userCode, Math.min(upToSeq, state.lastSeq), new Date().toISOString());
  if (receipt) broadcast(openSockets(ctx), { type: "read", ...receipt });
  return receipt !== null;
}

/** `typing`: forwarded to everyone but the typist's own devices; never stored. */
export function forwardTyping(ctx: DurableObjectState, user: User): void {
  assertNotAdmin(user);
  const others = openSockets(ctx).filter((s) => attachmentOf(s)?.user.userCode !== user.userCode);
  broadcast(others, { type: "typing", userCode: user.userCode });
}
