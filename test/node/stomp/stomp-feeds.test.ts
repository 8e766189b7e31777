/**
 * RoomFeeds (src/inbox/stomp-feeds.ts): what a STOMP connection hands its session from the
 * rooms' forwards. The "room" here is a list of stored messages; `attach` answers from it
 * after a delay, as a room a round trip away does.
 */
import { describe, expect, it } from "vitest";
import type { ChatMessage } from "../../../src/domain/types";
import { RoomFeeds } from "../../../src/inbox/stomp-feeds";

const msg = (requestIdx: number, seq: number): ChatMessage => ({
  id: `${requestIdx}-${seq}`,
  seq,
  requestIdx,
  sender: "S",
  senderName: "S",
  type: "NORMAL",
  content: `m${seq}`,
  sentAt: new Date(0).toISOString(),
  clientMsgId: null,
});

function setup(stored: Record<number, number>) {
  const delivered: string[] = [];
  const attaches: Array<[number, number]> = [];
  const seen: Record<string, number> = {};
  const feeds = new RoomFeeds({
    attach: async (room, afterSeq) => {
      attaches.push([room, afterSeq]);
      await new Promise((r) => setTimeout(r, 5));
      return Array.from({ length: stored[room] ?? 0 }, (_, i) => msg(room, i + 1)).filter((m) => m.seq > afterSeq);
    },
    deliver: (m) => delivered.push(m.id),
    seen,
    changed: () => {},
  });
  return { feeds, delivered, attaches, seen };
}

describe("RoomFeeds", () => {
  it("passes batches in order and skips what was already passed", async () => {
    const { feeds, delivered, attaches } = setup({});
    await feeds.follow(7);
    await feeds.forward([msg(7, 1), msg(7, 2)]);
    await feeds.forward([msg(7, 2), msg(7, 3)]);
    expect(delivered).toEqual(["7-1", "7-2", "7-3"]);
    expect(attaches).toEqual([[7, 0]]);
  });

  it("fills a gap from the room before passing a batch that starts past the next seq", async () => {
    const { feeds, delivered, attaches } = setup({ 7: 5 });
    await feeds.forward([msg(7, 1)]);
    // seq 2..4 were lost on the way (a failed forward, an evicted room).
    await feeds.forward([msg(7, 5)]);
    expect(delivered).toEqual(["7-1", "7-2", "7-3", "7-4", "7-5"]);
    expect(attaches).toEqual([[7, 1]]);
  });

  it("batches overtaking each other still come out in seq order, each once", async () => {
    const { feeds, delivered } = setup({ 7: 4 });
    await feeds.forward([msg(7, 1)]);
    const later = feeds.forward([msg(7, 4)]);
    const earlier = feeds.forward([msg(7, 2), msg(7, 3)]);
    await Promise.all([later, earlier]);
    expect(delivered).toEqual(["7-1", "7-2", "7-3", "7-4"]);
  });

  it("keeps rooms apart, and follow() of a followed room asks nothing", async () => {
    const { feeds, delivered, attaches, seen } = setup({ 1: 2, 2: 1 });
    await Promise.all([feeds.follow(1), feeds.follow(2)]);
    await feeds.follow(1);
    expect(attaches).toEqual([[1, 0], [2, 0]]);
    expect(delivered.sort()).toEqual(["1-1", "1-2", "2-1"]);
    expect(seen).toEqual({ 1: 2, 2: 1 });
  });

  it("a failed fill rejects that step only; the next batch fills again", async () => {
    let fail = true;
    const delivered: string[] = [];
    const seen: Record<string, number> = { 7: 1 };
    const feeds = new RoomFeeds({
      attach: async (_room, afterSeq) => {
        if (fail) throw new Error("room unavailable");
        return [msg(7, 2), msg(7, 3)].filter((m) => m.seq > afterSeq);
      },
      deliver: (m) => delivered.push(m.id),
      seen,
      changed: () => {},
    });
    await expect(feeds.forward([msg(7, 3)])).rejects.toThrow("room unavailable");
    fail = false;
    await feeds.forward([msg(7, 4)]);
    expect(delivered).toEqual(["7-2", "7-3", "7-4"]);
  });
});
