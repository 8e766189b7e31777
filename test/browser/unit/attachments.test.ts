import { describe, expect, it } from "vitest";
import { addPending, applyMessages, emptyChatState, sendsToRetry, timeline, type WireMessage } from "../../../src/web/chat/chat-state";
import { contentTypeOf } from "../../../src/web/chat/upload";

const now = new Date("2026-01-01T00:00:00Z");
const file = { id: "a1", name: "보고서.pdf", size: 1234, contentType: "application/pdf" };

describe("FILE messages in the chat state", () => {
  it("a pending FILE send keeps its attachment, is re-sent after a reconnect, and is retired by its stored message", () => {
    let state = addPending(emptyChatState(), "c1", "", now, file);
    expect(state.pending[0]).toMatchObject({ clientMsgId: "c1", attachment: file, state: "sending" });
    expect(sendsToRetry(state).map((p) => p.attachment)).toEqual([file]);
    const stored: WireMessage = {
      id: "m1", seq: 1, requestIdx: 1, sender: "STU001", senderName: "홍길동", type: "FILE", content: "", sentAt: now.toISOString(), clientMsgId: "c1", attachment: file,
    };
    state = applyMessages(state, [stored]);
    expect(state.pending).toEqual([]);
    expect(timeline(state, "STU001")).toEqual([{ kind: "message", key: "c1", message: stored, mine: true, read: false, tick: "stored" }]);
  });
});

describe("contentTypeOf", () => {
  it("takes the browser's type, lower-cased", () => {
    expect(contentTypeOf({ name: "a.PNG", type: "image/PNG" })).toBe("image/png");
  });

  it.each([
    ["과제.hwp", "application/x-hwp"],
    ["과제.HWPX", "application/haansofthwp"],
    ["data.csv", "text/csv"],
    ["unknown.bin", "application/octet-stream"],
    ["no-extension", "application/octet-stream"],
  ])("guesses %s from its extension when the browser gives no type", (name, type) => {
    expect(contentTypeOf({ name, type: "" })).toBe(type);
  });
});
