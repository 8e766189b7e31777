import type { PendingMessage } from "./chat-state";

/**
 * Unsent messages survive a reload or a closed tab: they are kept in localStorage per
 * user and room and re-sent with their original clientMsgId on the next visit (the room
 * de-duplicates, so a message that did get stored is not stored twice).
 */
const key = (userCode: string, requestIdx: number) => `consult.pending.${userCode}.${requestIdx}`;

export function loadPending(userCode: string, requestIdx: number): PendingMessage[] {
  try {
    const raw = JSON.parse(localStorage.getItem(key(userCode, requestIdx)) ?? "[]") as PendingMessage[];
    return Array.isArray(raw) ? raw.filter((p) => typeof p.clientMsgId === "string" && typeof p.content === "string") : [];
  } catch {
    return [];
  }
}

export function savePending(userCode: string, requestIdx: number, pending: readonly PendingMessage[]): void {
  if (pending.length === 0) localStorage.removeItem(key(userCode, requestIdx));
  else localStorage.setItem(key(userCode, requestIdx), JSON.stringify(pending));
}
