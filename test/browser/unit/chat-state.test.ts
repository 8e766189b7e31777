import { describe, expect, it } from "vitest";
import {
  addPending,
  applyAck,
  applyMessages,
  applyRead,
  emptyChatState,
  hasGap,
  latestFromOthers,
  markFailed,
  markRetrying,
  sendsToRetry,
  timeline,
  validateDraft,
  type WireMessage,
} from "../../../src/web/chat/chat-state";

const now = new Date("2026-01-01T00:00:00Z");

function msg(seq: number, sender = "STU001", clientMsgId: string | null = `c${seq}`): WireMessage {
  return {
    id: `m${seq}`,
    seq,
    requestIdx: 1,
    sender,
    senderName: sender,
    type: "NORMAL",
    content: `text ${seq}`,
    sentAt: now.toISOString(),
    clientMsgId,
  };
}

describe("chat state", () => {
  it("keeps messages sorted and unique by seq whatever the arrival order", () => {
    let s = emptyChatState();
    s = applyMessages(s, [msg(3), msg(1)]);
    s = applyMessages(s, [msg(2), msg(3), msg(1)]);
    expect(s.messages.map((m) => m.seq)).toEqual([1, 2, 3]);
    expect(s.syncedSeq).toBe(3);
  });

  it("detects a gap and fills it from history", () => {
    let s = applyMessages(emptyChatState(), [msg(1), msg(2)]);
    s = applyMessages(s, [msg(5)]);
    expect(hasGap(s)).toBe(true);
    expect(s.syncedSeq).toBe(2);
    s = applyMessages(s, [msg(3), msg(4), msg(5)], true);
    expect(hasGap(s)).toBe(false);
    expect(s.syncedSeq).toBe(5);
  });

  it("accepts history that no longer starts at seq 1 (expired hot store)", () => {
    const s = applyMessages(emptyChatState(), [msg(7), msg(8)], true);
    expect(s.syncedSeq).toBe(8);
    expect(hasGap(s)).toBe(false);
  });

  it("shows a pending send until its stored message arrives, then exactly once", () => {
    let s = addPending(emptyChatState(), "abc", "hello", now);
    s = addPending(s, "abc", "hello", now); // a double click adds nothing
    expect(timeline(s, "STU001")).toHaveLength(1);
    s = applyAck(s, "abc", 1);
    expect(s.pending[0]).toMatchObject({ state: "acked", seq: 1 });
    expect(sendsToRetry(s)).toEqual([]);
    s = applyMessages(s, [msg(1, "STU001", "abc")]);
    s = applyMessages(s, [msg(1, "STU001", "abc")]);
    const items = timeline(s, "STU001");
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ kind: "message", key: "abc", mine: true });
  });

  it("retires a pending send found in sync history (its ack was lost with the socket)", () => {
    let s = addPending(emptyChatState(), "lost-ack", "hi", now);
    expect(sendsToRetry(s).map((p) => p.clientMsgId)).toEqual(["lost-ack"]);
    s = applyMessages(s, [msg(1, "STU001", "lost-ack")], true);
    expect(s.pending).toEqual([]);
  });

  it("retries failed sends with the same clientMsgId, oldest first", () => {
    let s = addPending(emptyChatState(), "a", "one", now);
    s = addPending(s, "b", "two", now);
    s = markFailed(s, "a", "RATE_LIMITED");
    expect(sendsToRetry(s).map((p) => p.clientMsgId)).toEqual(["b"]);
    s = markRetrying(s, "a");
    expect(sendsToRetry(s).map((p) => p.clientMsgId)).toEqual(["a", "b"]);
  });

  it("never marks an acked send as failed", () => {
    let s = applyAck(addPending(emptyChatState(), "a", "one", now), "a", 4);
    s = markFailed(s, "a", "INVALID_STATE");
    expect(s.pending[0]!.state).toBe("acked");
  });

  it("marks my messages read once the other side read up to them", () => {
    let s = applyMessages(emptyChatState(), [msg(1, "STU001"), msg(2, "PROF001"), msg(3, "STU001")]);
    expect(latestFromOthers(s, "STU001")).toBe(2);
    s = applyRead(s, "PROF001", 1);
    s = applyRead(s, "STU001", 3); // my own receipt from another device does not count
    s = applyRead(s, "PROF001", 0); // receipts never go backwards
    const read = timeline(s, "STU001").map((i) => (i.kind === "message" ? i.read : null));
    expect(read).toEqual([true, false, false]);
  });

  it("validates drafts the way the server will", () => {
    expect(validateDraft("   ")).toEqual({ ok: false, reason: "empty" });
    expect(validateDraft(`  ${"가".repeat(2000)}  `)).toMatchObject({ ok: true });
    expect(validateDraft("a".repeat(2001))).toEqual({ ok: false, reason: "tooLong" });
    expect(validateDraft(" hi\n")).toEqual({ ok: true, content: "hi" });
  });
});
