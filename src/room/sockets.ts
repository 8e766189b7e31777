import type { User } from "../domain/types";
import { encodeFrame, type ServerFrame } from "../protocol/frames";

/**
 * Socket helpers for the hibernation API. Everything a socket needs after a wake is in
 * its attachment (the verified user, including the token's `exp`) and its tag (the user
 * code), so the room keeps no socket map in memory.
 */
export interface SocketAttachment {
  user: User;
}

export const userTag = (userCode: string) => `user:${userCode}`;

/**
 * Deserialized attachments by socket object. Every frame asks for its sender, every
 * broadcast may filter by user: deserializing each time was a tenth of a send's CPU. The
 * socket objects are new after a wake, so a wake reads each attachment once again.
 */
const attachments = new WeakMap<WebSocket, SocketAttachment | null>();

/** Stores the socket's attachment (the only way the room sets one, so the cache stays true). */
export function attach(ws: WebSocket, attachment: SocketAttachment): void {
  ws.serializeAttachment(attachment);
  attachments.set(ws, attachment);
}

export function attachmentOf(ws: WebSocket): SocketAttachment | null {
  let a = attachments.get(ws);
  if (a === undefined) {
    a = (ws.deserializeAttachment() as SocketAttachment | null) ?? null;
    attachments.set(ws, a);
  }
  return a;
}

/** The room's sockets that can still receive (closing ones are left out). */
export function openSockets(ctx: DurableObjectState, tag?: string): WebSocket[] {
  return ctx.getWebSockets(tag).filter((ws) => ws.readyState === WebSocket.OPEN);
}

/** Sends without throwing: a socket may close between the check and the send. */
export function sendRaw(ws: WebSocket, text: string): void {
  try {
    ws.send(text);
  } catch {
    // The peer is gone; its close event cleans up.
  }
}

export function sendFrame(ws: WebSocket, frame: ServerFrame): void {
  sendRaw(ws, encodeFrame(frame));
}

export function broadcast(sockets: readonly WebSocket[], frame: ServerFrame): void {
  const text = encodeFrame(frame);
  for (const ws of sockets) sendRaw(ws, text);
}

export function closeAll(sockets: readonly WebSocket[], code: number, reason: string): void {
  for (const ws of sockets) {
    try {
      ws.close(code, reason);
    } catch {
      // Already closed.
    }
  }
}

/** The earliest token expiry among `sockets`, in ms since the epoch, or null. */
export function earliestExpiryMs(sockets: readonly WebSocket[]): number | null {
  let earliest: number | null = null;
  for (const ws of sockets) {
    const exp = attachmentOf(ws)?.user.exp;
    if (exp !== null && exp !== undefined && (earliest === null || exp * 1000 < earliest)) earliest = exp * 1000;
  }
  return earliest;
}
