import { attachmentOf, openSockets, sendRaw } from "../room/sockets";
import type { User } from "../domain/types";
import type { InboxServerFrame } from "../protocol/inbox-frames";

/**
 * The inbox's sockets on the hibernation API: the verified user is in each socket's
 * attachment, so nothing about them lives only in memory, except the frames held for a
 * socket whose `ready` is still being built (that build keeps the object awake).
 */
export class InboxSockets {
  /** Sockets accepted whose `ready` is not sent yet, with the frames that arrived meanwhile. */
  private readonly starting = new Map<WebSocket, InboxServerFrame[]>();

  constructor(private readonly ctx: DurableObjectState) {}

  open(): WebSocket[] {
    return openSockets(this.ctx);
  }

  counselors(): WebSocket[] {
    return this.open().filter((ws) => attachmentOf(ws)?.user.isCounselor === true);
  }

  accept(server: WebSocket, user: User): void {
    this.ctx.acceptWebSocket(server);
    server.serializeAttachment({ user });
    this.starting.set(server, []);
  }

  /**
   * Sends `ready` first, then whatever arrived while it was built, each brought up to date
   * by `refresh` (null: older than what `ready` or a later notice said, dropped).
   */
  started(ws: WebSocket, ready: InboxServerFrame, refresh: (frame: InboxServerFrame) => InboxServerFrame | null): void {
    const held = this.starting.get(ws) ?? [];
    this.starting.delete(ws);
    sendRaw(ws, JSON.stringify(ready));
    for (const frame of held) {
      const current = refresh(frame);
      if (current) sendRaw(ws, JSON.stringify(current));
    }
  }

  forget(ws: WebSocket): void {
    this.starting.delete(ws);
  }

  /** Sends to `sockets` (default: all open); returns how many were addressed. */
  broadcast(frame: InboxServerFrame, sockets: readonly WebSocket[] = this.open()): number {
    const text = JSON.stringify(frame);
    for (const ws of sockets) {
      const held = this.starting.get(ws);
      if (held) held.push(frame);
      else sendRaw(ws, text);
    }
    return sockets.length;
  }
}
