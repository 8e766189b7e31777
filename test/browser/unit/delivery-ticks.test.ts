import { describe, expect, it } from "vitest";
import {
  addPending,
  applyAck,
  applyDelivered,
  applyMessages,
  applyRead,
  emptyChatState,
  markFailed,
  timeline,
  type WireMessage,
} from "../../../src/web/chat/chat-state";

const now = new Date("2026-01-01T00:00:00Z");
const msg = (seq: number, sender: string, clientMsgId: string | null = null): WireMessage => ({
  id: `m${seq}`, seq, requestIdx: 1, sender, senderName: sender, type: "NORMAL", content: `#${seq}`, sentAt: now.toISOString(), clientMsgId,
});
const tickOfMine = (state: ReturnType<typeof emptyChatState>) => timeline(state, "STU001").map((i) => i.tick);

describe("delivery ticks (SPEC section 13)", () => {
  it("move sending → stored → delivered → read, and never back", () => {
    let state = addPending(emptyChatState(), "c1", "hello", now);
    expect(tickOfMine(state)).toEqual(["sending"]);
    state = applyAck(state, "c1", 2);
    expect(tickOfMine(state)).toEqual(["stored"]);
    // Delivered before the broadcast reached this device: the acked pending one shows it.
    state = applyDelivered(state, "PROF001", 2);
    expect(tickOfMine(state)).toEqual(["delivered"]);
    state = applyMessages(state, [msg(2, "STU001", "c1")]);
    expect(tickOfMine(state)).toEqual(["delivered"]);
    state = applyRead(state, "PROF001", 2);
    expect(tickOfMine(state)).toEqual(["read"]);
    // An older delivered mark changes nothing; read wins over delivered.
    expect(applyDelivered(state, "PROF001", 1)).toBe(state);
    expect(tickOfMine(applyDelivered(state, "PROF001", 3))).toEqual(["read"]);
  });

  it("only the other side's marks count, and the other side's messages have no ticks", () => {
    let state = applyMessages(emptyChatState(), [msg(1, "STU001", "a"), msg(2, "PROF001")]);
    state = applyDelivered(applyRead(state, "STU001", 2), "STU001", 2);
    expect(tickOfMine(state)).toEqual(["stored", null]);
    state = applyDelivered(state, "PROF001", 1);
    expect(tickOfMine(state)).toEqual(["delivered", null]);
  });

  it("a refused send shows failed", () => {
    const state = markFailed(addPending(emptyChatState(), "c1", "x", now), "c1", "RATE_LIMITED");
    expect(tickOfMine(state)).toEqual(["failed"]);
  });
});
