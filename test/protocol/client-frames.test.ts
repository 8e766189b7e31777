/**
 * The hot `send` frame is parsed without the schema when it is plainly valid
 * (src/protocol/frames.ts, plainSend); everything else takes the schema. Either way the
 * result must be what the schema gives: known fields only, content trimmed, the same
 * refusals. And a frame's bytes are counted only when its length could pass 16 KiB.
 */
import { describe, expect, it } from "vitest";
import { exceedsFrameLimit, MAX_FRAME_BYTES, parseClientFrame } from "../../src/protocol/frames";

const parse = (frame: unknown) => parseClientFrame(JSON.stringify(frame));

describe("send frames", () => {
  it("a plain text send: known fields only, content trimmed", () => {
    expect(parse({ type: "send", clientMsgId: "m-1", content: "  hello \n", sender: "PROF001", seq: 9 })).toEqual({
      ok: true,
      frame: { type: "send", clientMsgId: "m-1", content: "hello" },
    });
  });

  it("the limits are the schema's: 128-character ids, 2000 characters after trimming", () => {
    expect(parse({ type: "send", clientMsgId: "x".repeat(128), content: ` ${"가".repeat(2000)} ` })).toMatchObject({ ok: true });
    for (const bad of [
      { type: "send", clientMsgId: "x".repeat(129), content: "hi" },
      { type: "send", clientMsgId: "", content: "hi" },
      { type: "send", clientMsgId: "m", content: "x".repeat(2001) },
      { type: "send", clientMsgId: "m", content: " \n\t " },
      { type: "send", clientMsgId: "m" },
      { type: "send", clientMsgId: "m", content: 42 },
      { type: "send", clientMsgId: 7, content: "hi" },
    ]) {
      const parsed = parse(bad);
      expect(parsed.ok, JSON.stringify(bad)).toBe(false);
      if (!parsed.ok) expect(parsed.error.code).toBe("VALIDATION");
    }
  });

  it("a refused send names its clientMsgId; a FILE send takes the schema (uuid check, optional caption)", () => {
    expect(parse({ type: "send", clientMsgId: "m-2", content: "x".repeat(2001) })).toMatchObject({ ok: false, error: { clientMsgId: "m-2" } });
    const id = crypto.randomUUID();
    expect(parse({ type: "send", clientMsgId: "f", attachmentId: id })).toEqual({ ok: true, frame: { type: "send", clientMsgId: "f", attachmentId: id } });
    expect(parse({ type: "send", clientMsgId: "f", attachmentId: "not-a-uuid", content: "cap" })).toMatchObject({ ok: false, error: { code: "VALIDATION" } });
  });
});

describe("exceedsFrameLimit", () => {
  it("counts UTF-8 bytes, not characters, at the 16 KiB edge", () => {
    expect(exceedsFrameLimit("a".repeat(MAX_FRAME_BYTES))).toBe(false);
    expect(exceedsFrameLimit("a".repeat(MAX_FRAME_BYTES + 1))).toBe(true);
    // 3 bytes each: 5461 are 16 383 bytes, 5462 are 16 386.
    expect(exceedsFrameLimit("가".repeat(5461))).toBe(false);
    expect(exceedsFrameLimit("가".repeat(5462))).toBe(true);
    // 4 bytes per surrogate pair (2 code units): 4096 pairs are exactly 16 KiB.
    expect(exceedsFrameLimit("😀".repeat(4096))).toBe(false);
    expect(exceedsFrameLimit("😀".repeat(4096) + "a")).toBe(true);
    expect(exceedsFrameLimit(new ArrayBuffer(MAX_FRAME_BYTES))).toBe(false);
    expect(exceedsFrameLimit(new ArrayBuffer(MAX_FRAME_BYTES + 1))).toBe(true);
  });
});
