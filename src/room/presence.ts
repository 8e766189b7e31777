import type { ChatMessage, User } from "../domain/types";
import type { Connections } from "./connections";
import { assertNotAdmin } from "../domain/posting";
import { sendFrame } from "./sockets";
import type { DeliveryMarks } from "./delivery-marks";
import type { RoomState } from "./state";

/** Messages per `history` frame, so a long sync never hits the WebSocket message limit. */
const HISTORY_CHUNK = 200;

/** The frames that store no message: sync (history), read receipts, delivered marks, typing. */
export class Presence {
  constructor(
    private readonly state: RoomState,
    private readonly connections: Connections,
    private readonly delivery: DeliveryMarks,
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
    const upTo = Math.min(upToSeq, this.state.lastSeq);
    // Read implies delivered: a device that shows a message has it.
    this.forwardDelivered(user.userCode, upTo);
    const receipt = this.state.markRead(user.userCode, upTo, new Date().toISOString());
    if (!receipt) return;
    this.connections.broadcast({ type: "read", ...receipt });
    this.onRead(user.userCode, upToSeq);
  }

  /**
   * `received` (SPEC section 13): moves the participant's delivered mark forward (never
   * back; clamped to the newest stored message, like `read`) and tells the other side's
   * sockets only: the reporter's own devices have no use for it.
   */
  received(user: User, upToSeq: number): void {
    assertNotAdmin(user);
    this.forwardDelivered(user.userCode, Math.min(upToSeq, this.state.lastSeq));
  }

  private forwardDelivered(userCode: string, upToSeq: number): void {
    if (!this.delivery.advance(userCode, upToSeq)) return;
    this.connections.broadcast({ type: "delivered", userCode, upToSeq }, this.othersThan(userCode));
  }

  /** The open sockets of everyone but `userCode`. */
  private othersThan(userCode: string): WebSocket[] {
    return this.connections.open().filter((s) => this.connections.userOf(s)?.userCode !== userCode);
  }

  /** `typing`: forwarded to everyone but the typist's own devices; never stored. */
  typing(user: User): void {
    assertNotAdmin(user);
    this.connections.broadcast({ type: "typing", userCode: user.userCode }, this.othersThan(user.userCode));
  }
}
