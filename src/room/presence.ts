import type { ChatMessage, User } from "../domain/types";
import type { Connections } from "./connections";
import { assertNotAdmin } from "../domain/posting";
import { sendFrame } from "./sockets";
import type { RoomState } from "./state";

/** Messages per `history` frame, so a long sync never hits the WebSocket message limit. */
const HISTORY_CHUNK = 200;

/** The frames that store no message: sync (history), read receipts, typing. */
export class Presence {
  constructor(
    private readonly state: RoomState,
    private readonly connections: Connections,
    /** The participant's read mark moved (the inbox's unread count follows). */
    private readonly onRead: (userCode: string, upToSeq: number) => void,
  ) {}

  /** Answers `sync`: always at least one (possibly empty) frame, so the client knows it is in sync. */
  history(ws: WebSocket, messages: readonly ChatMessage[]): void {
    let i = 0;
    do {
      sendFrame(ws, { type: "history", messages: messages.slice(i, i + HISTORY_CHUNK) });
      i += HISTORY_CHUNK;
    } while (i < messages.length);
  }

  /**
   * `read`: moves the participant's mark forward (never back) and tells every socket, the
   * reader's other devices included. Marks past the newest stored message are clamped.
   */
  read(user: User, upToSeq: number): void {
    assertNotAdmin(user);
    const receipt = this.state.markRead(user.userCode, Math.min(upToSeq, this.state.lastSeq), new Date().toISOString());
    if (!receipt) return;
    this.connections.broadcast({ type: "read", ...receipt });
    this.onRead(user.userCode, upToSeq);
  }

  /** `typing`: forwarded to everyone but the typist's own devices; never stored. */
  typing(user: User): void {
    assertNotAdmin(user);
    const others = this.connections.open().filter((s) => this.connections.userOf(s)?.userCode !== user.userCode);
    this.connections.broadcast({ type: "typing", userCode: user.userCode }, others);
  }
}
