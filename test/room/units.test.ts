/** The room's building blocks on their own: write queue, token bucket, frame parsing. */
import { describe, expect, it } from "vitest";
import { parseClientFrame } from "../../src/protocol/frames";
import { takeToken, type Bucket } from "../../src/room/rate-limiter";
import { describeChange } from "../../src/room/lifecycle";
import { WriteQueue } from "../../src/room/write-queue";
import type { Consultation } from "../../src/domain/types";

/** A store whose writes finish only when the test says so. */
function gatedStore() {
  const writes: number[][] = [];
  const gates: Array<{ open: () => void; fail: (e: Error) => void }> = [];
  return {
    writes,
    gates,
    write(batch: readonly number[]) {
      writes.push([...batch]);
      return new Promise<void>((open, fail) => gates.push({ open, fail }));
    },
  };
}

const tick = () => new Promise((r) => setTimeout(r, 0));

describe("WriteQueue", () => {
  it("writes one batch at a time, batching whatever waited, and reports stores in order", async () => {
    const store = gatedStore();
    const stored: number[][] = [];
    const q = new WriteQueue<number>({ write: (b) => store.write(b), onStored: (b) => stored.push([...b]), onDropped: () => {} });
    const done = [1, 2, 3, 4].map((n) => q.enqueue(n));
    expect(store.writes).toEqual([[1]]); // 2..4 wait for the first write
    store.gates[0]!.open();
    await done[0];
    await tick();
    expect(store.writes).toEqual([[1], [2, 3, 4]]);
    const five = q.enqueue(5);
    store.gates[1]!.open();
    await Promise.all(done);
    await tick();
    expect(store.writes).toEqual([[1], [2, 3, 4], [5]]);
    store.gates[2]!.open();
    await five;
    expect(stored).toEqual([[1], [2, 3, 4], [5]]);
    expect(q.size).toBe(0);
  });

  it("drops a failed batch together with everything queued behind it, then recovers", async () => {
    const store = gatedStore();
    const dropped: number[][] = [];
    const q = new WriteQueue<number>({ write: (b) => store.write(b), onStored: () => {}, onDropped: (items) => dropped.push([...items]) });
    const one = q.enqueue(1);
    const two = q.enqueue(2);
    store.gates[0]!.fail(new Error("store down"));
    await expect(one).rejects.toThrow("store down");
    await expect(two).rejects.toThrow("store down");
    expect(dropped).toEqual([[1, 2]]);
    const three = q.enqueue(3);
    expect(store.writes.at(-1)).toEqual([3]);
    store.gates[1]!.open();
    await expect(three).resolves.toBeUndefined();
  });

  it("idle() waits for everything queued so far", async () => {
    const store = gatedStore();
    const q = new WriteQueue<number>({ write: (b) => store.write(b), onStored: () => {}, onDropped: () => {} });
    void q.enqueue(1);
    void q.enqueue(2);
    let idle = false;
    const waiting = q.idle().then(() => (idle = true));
    store.gates[0]!.open();
    await tick();
    expect(idle).toBe(false);
    store.gates[1]!.open();
    await waiting;
    expect(idle).toBe(true);
  });

  it("a hold keeps the next batch back until every holder released, and idle() waits for it", async () => {
    const store = gatedStore();
    const q = new WriteQueue<number>({ write: (b) => store.write(b), onStored: () => {}, onDropped: () => {} });
    const first = q.hold();
    const second = q.hold();
    const done = [q.enqueue(1), q.enqueue(2)];
    let idle = false;
    const waiting = q.idle().then(() => (idle = true));
    first();
    first(); // a second call of one release changes nothing
    await tick();
    expect(store.writes).toEqual([]);
    expect(idle).toBe(false);
    void q.enqueue(3);
    second();
    expect(store.writes).toEqual([[1, 2, 3]]);
    store.gates[0]!.open();
    await Promise.all(done);
    await waiting;
    expect(idle).toBe(true);
  });

  it("a hold taken while a batch is in flight holds the next one, not the one in flight", async () => {
    const store = gatedStore();
    const q = new WriteQueue<number>({ write: (b) => store.write(b), onStored: () => {}, onDropped: () => {} });
    const one = q.enqueue(1);
    const release = q.hold();
    void q.enqueue(2);
    store.gates[0]!.open();
    await one;
    await tick();
    expect(store.writes).toEqual([[1]]);
    void q.enqueue(3);
    release();
    expect(store.writes).toEqual([[1], [2, 3]]);
  });
});

describe("token bucket (10/s, burst 20)", () => {
  const opts = { ratePerSecond: 10, burst: 20 };
  const drain = (bucket: Bucket | null, at: number, n: number) => {
    let b = bucket;
    let allowed = 0;
    for (let i = 0; i < n; i++) {
      const r = takeToken(b, at, opts);
      b = r.bucket;
      if (r.allowed) allowed++;
    }
    return { bucket: b!, allowed };
  };

  it("allows a burst of 20 at once, then refuses", () => {
    expect(drain(null, 1_000, 25).allowed).toBe(20);
  });

  it("refills 10 tokens a second, never beyond the burst", () => {
    const empty = drain(null, 0, 20).bucket;
    expect(drain(empty, 500, 10).allowed).toBe(5);
    expect(drain(empty, 1_000, 15).allowed).toBe(10);
    expect(drain(empty, 60_000, 30).allowed).toBe(20);
  });

  it("sustains 10 a second", () => {
    let b = drain(null, 0, 20).bucket;
    let allowed = 0;
    for (let ms = 100; ms <= 10_000; ms += 100) {
      const r = takeToken(b, ms, opts);
      b = r.bucket;
      if (r.allowed) allowed++;
    }
    expect(allowed).toBe(100);
  });

  it("does not mint tokens when the clock steps back", () => {
    const empty = drain(null, 5_000, 20).bucket;
    expect(takeToken(empty, 1_000, opts).allowed).toBe(false);
  });
});

describe("parseClientFrame", () => {
  it("accepts every client frame of SPEC section 4 and trims content", () => {
    expect(parseClientFrame('{"type":"send","clientMsgId":"a","content":"  hi  "}')).toEqual({
      ok: true,
      frame: { type: "send", clientMsgId: "a", content: "hi" },
    });
    for (const f of [{ type: "sync", afterSeq: 0 }, { type: "read", upToSeq: 3 }, { type: "typing" }, { type: "ping" }]) {
      expect(parseClientFrame(JSON.stringify(f))).toEqual({ ok: true, frame: f });
    }
  });

  it.each([
    ["not json", "{nope"],
    ["array", "[]"],
    ["null", "null"],
    ["no type", '{"content":"x"}'],
    ["unknown type", '{"type":"shout"}'],
    ["type not a string", '{"type":5}'],
    ["prototype key as type", '{"type":"toString"}'],
  ])("BAD_FRAME: %s", (_name, raw) => {
    const r = parseClientFrame(raw);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.code).toBe("BAD_FRAME");
  });

  it("binary frames are BAD_FRAME", () => {
    const r = parseClientFrame(new TextEncoder().encode('{"type":"ping"}').buffer as ArrayBuffer);
    expect(r.ok || r.error.code).toBe("BAD_FRAME");
  });

  it.each([
    ["empty content", { type: "send", clientMsgId: "a", content: "" }],
    ["whitespace content", { type: "send", clientMsgId: "a", content: " \n\t " }],
    ["2001 characters", { type: "send", clientMsgId: "a", content: "x".repeat(2001) }],
    ["content not a string", { type: "send", clientMsgId: "a", content: 5 }],
    ["no clientMsgId", { type: "send", content: "hi" }],
    ["negative afterSeq", { type: "sync", afterSeq: -1 }],
    ["fractional upToSeq", { type: "read", upToSeq: 1.5 }],
    ["missing afterSeq", { type: "sync" }],
  ])("VALIDATION: %s", (_name, frame) => {
    const r = parseClientFrame(JSON.stringify(frame));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.code).toBe("VALIDATION");
  });

  it("2000 characters after trimming are fine; the error names the clientMsgId", () => {
    expect(parseClientFrame(JSON.stringify({ type: "send", clientMsgId: "a", content: ` ${"가".repeat(2000)} ` })).ok).toBe(true);
    const r = parseClientFrame(JSON.stringify({ type: "send", clientMsgId: "m1", content: "" }));
    expect(r).toMatchObject({ ok: false, error: { code: "VALIDATION", clientMsgId: "m1" } });
  });
});

describe("describeChange", () => {
  const base: Consultation = {
    requestIdx: 1, status: "IN_PROGRESS", requesterUserCode: "S", requesterName: "s", recipientUserCode: "P",
    recipientName: "p", category: null, title: "t", content: null, scheduledAt: null, rejectionReason: null,
    cancelReason: null, createdAt: "2026-01-01T00:00:00.000Z", updatedAt: "2026-01-01T00:00:00.000Z",
    startedAt: "2026-01-01T00:00:00.000Z", endedAt: null, durationMinutes: null, lastActivityAt: null,
    messageCount: 0, chatLogKey: null, endedBy: null,
  };

  it("start: SYSTEM message and status frame", () => {
    expect(describeChange({ ...base, status: "SCHEDULED", startedAt: null }, base, "ko")).toEqual({
      systemText: "상담이 시작되었습니다.", statusFrame: true, closeUsers: [], terminal: false,
    });
  });

  it("transfer to the queue or a colleague closes the previous recipient", () => {
    const toQueue = describeChange(base, { ...base, status: "PENDING", recipientUserCode: null, recipientName: null }, "en");
    expect(toQueue).toMatchObject({ systemText: "The consultation was transferred back to the queue.", closeUsers: ["P"] });
    const toColleague = describeChange(base, { ...base, status: "PENDING", recipientUserCode: "Q", recipientName: "큐" }, "ko");
    expect(toColleague).toMatchObject({ systemText: "상담이 큐님에게 이관되었습니다.", closeUsers: ["P"] });
  });

  it("approve is a status frame only; terminal statuses close the room; no change, nothing", () => {
    expect(describeChange({ ...base, status: "PENDING", startedAt: null }, { ...base, status: "SCHEDULED", startedAt: null }, "ko")).toEqual({
      systemText: null, statusFrame: true, closeUsers: [], terminal: false,
    });
    expect(describeChange(base, { ...base, status: "COMPLETED" }, "ko").terminal).toBe(true);
    expect(describeChange(base, base, "ko")).toEqual({ systemText: null, statusFrame: false, closeUsers: [], terminal: false });
  });
});
