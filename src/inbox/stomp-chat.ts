/**
 * The Spring system's chat destinations and bodies (seed "WebSocket API"): clients
 * subscribe to `/user/queue/chat` and send `{requestIdx, content}` to `/app/chat.send`.
 */
import type { ChatMessage } from "../domain/types";

export const CHAT_QUEUE = "/user/queue/chat";
export const CHAT_SEND = "/app/chat.send";

export type ChatSendBody = { ok: true; requestIdx: number; content: string } | { ok: false; code: "BAD_FRAME" | "VALIDATION"; message: string };

/**
 * Reads a SEND body. `requestIdx` may be a number or a plain decimal string (Spring's
 * Jackson accepted both into a Long); content rules (trim, length) are the room's.
 */
export function parseChatSend(body: string): ChatSendBody {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return { ok: false, code: "BAD_FRAME", message: "body must be JSON {requestIdx, content}" };
  }
  if (typeof json !== "object" || json === null || Array.isArray(json)) return { ok: false, code: "BAD_FRAME", message: "body must be a JSON object {requestIdx, content}" };
  const { requestIdx, content } = json as { requestIdx?: unknown; content?: unknown };
  const idx = typeof requestIdx === "string" && /^[1-9]\d{0,15}$/.test(requestIdx) ? Number(requestIdx) : requestIdx;
  if (typeof idx !== "number" || !Number.isSafeInteger(idx) || idx < 1) return { ok: false, code: "VALIDATION", message: "requestIdx must be a positive integer" };
  if (typeof content !== "string") return { ok: false, code: "VALIDATION", message: "content must be a string" };
  return { ok: true, requestIdx: idx, content };
}

/** The seed's message JSON first (requestIdx, sender, senderName, content, sentAt), then this service's fields. */
export function chatMessageBody(m: ChatMessage): string {
  const { requestIdx, sender, senderName, content, sentAt, id, seq, type, clientMsgId } = m;
  return JSON.stringify({ requestIdx, sender, senderName, content, sentAt, id, seq, type, clientMsgId });
}
