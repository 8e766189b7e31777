import { ApiError } from "../domain/errors";
import type { User } from "../domain/types";
import { CLOSE } from "../protocol/close-codes";
import { exceedsFrameLimit, parseClientFrame, type ClientFrame } from "../protocol/frames";
import type { Connections } from "./connections";
import type { RoomHistory } from "./history";
import type { Messages } from "./messages";
import type { Presence } from "./presence";
import { sendFrame } from "./sockets";
import type { StatusChanges } from "./status-changes";

export interface FrameHandlerDeps {
  connections: Connections;
  messages: Messages;
  presence: Presence;
  history: RoomHistory;
  changes: StatusChanges;
}

/**
 * A client frame (SPEC section 4, see src/protocol/frames.ts): size and shape checks,
 * then dispatch. A refusal answers with an `error` frame carrying the ApiError's code
 * (and the `clientMsgId` of a refused send); anything else is logged and answered INTERNAL.
 */
export class FrameHandler {
  constructor(private readonly deps: FrameHandlerDeps) {}

  async handle(ws: WebSocket, data: string | ArrayBuffer): Promise<void> {
    if (exceedsFrameLimit(data)) return ws.close(CLOSE.TOO_BIG, "Frame exceeds 16 KiB");
    const user = this.deps.connections.userOf(ws);
    if (!user) return ws.close(1011, "Unknown connection");
    const parsed = parseClientFrame(data);
    if (!parsed.ok) return sendFrame(ws, { type: "error", ...parsed.error });
    try {
      await this.dispatch(ws, user, parsed.frame);
    } catch (e) {
      const err = e instanceof ApiError ? e : (console.error("room frame failed", e), new ApiError("INTERNAL", "Internal error"));
      const clientMsgId = parsed.frame.type === "send" ? parsed.frame.clientMsgId : undefined;
      sendFrame(ws, { type: "error", code: err.code, message: err.message, ...(clientMsgId ? { clientMsgId } : {}) });
    }
  }

  private async dispatch(ws: WebSocket, user: User, frame: ClientFrame): Promise<void> {
    const { messages, presence, history, changes } = this.deps;
    switch (frame.type) {
      case "ping":
        return sendFrame(ws, { type: "pong" });
      case "send":
        await messages.send(ws, user, frame, (sender) => changes.startFor(sender));
        return;
      case "sync":
        return presence.history(ws, await history.list({ afterSeq: frame.afterSeq }));
      case "read":
        return presence.read(user, frame.upToSeq);
      case "received":
        return presence.received(user, frame.upToSeq);
      case "typing":
        return presence.typing(user);
    }
  }
}
