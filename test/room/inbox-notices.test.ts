/**
 * src/room/inbox-notices.ts on its own: which inboxes a stored batch is told to. The inbox
 * client is the dependency here (a recording one); the notices are the thing under test.
 * The live path (a real InboxDO answering) is covered in test/inbox/activity.test.ts.
 */
import { describe, expect, it } from "vitest";
import type { ChatMessage, Consultation } from "../../src/domain/types";
import { RoomInboxNotices, type NoticeHost } from "../../src/room/inbox-notices";
import type { Bookkeeping } from "../../src/room/state";

const consultation = { requestIdx: 7, requesterUserCode: "S1", recipientUserCode: "P1" } as Consultation;
const message = (seq: number, sender = "S1"): ChatMessage => ({
  id: `m${seq}`, seq, requestIdx: 7, sender, senderName: sender, type: "NORMAL", content: `m${seq}`, sentAt: new Date(seq).toISOString(), clientMsgId: `c${seq}`,
});

function setUp(inboxOpen: Record<string, boolean>, kept = new Map<string, string>()) {
  const book: Bookkeeping = { kept: (k) => kept.get(k) ?? null, keep: (k, v) => void kept.set(k, v), flushKept: () => undefined, sinceKept: [] };
  const told: { userCode: string; unread: number; lastSeq: number }[] = [];
  const unreadTold: string[] = [];
  /** Every version handed out, in the order the room handed them out. */
  const versions: number[] = [];
  const tasks: Promise<void>[] = [];
  let lastSeq = 0;
  const host: NoticeHost = {
    inboxes: {
      async roomActivity(notice, recipients) {
        versions.push(notice.version);
        for (const r of recipients) told.push({ userCode: r.userCode, unread: r.unread, lastSeq: notice.lastSeq });
        return recipients.filter((r) => !inboxOpen[r.userCode]).map((r) => r.userCode);
      },
      async unreadChanged(userCode, _requestIdx, _unread, version) {
        versions.push(version);
        unreadTold.push(userCode);
      },
    },
    consultation: () => consultation,
    lastSeq: () => lastSeq,
    list: async () => [],
    background: (task) => void tasks.push(task()),
  };
  const notices = new RoomInboxNotices(book, host);
  const store = async (m: ChatMessage) => {
    lastSeq = m.seq;
    notices.count([m]);
    notices.stored([m]);
    await Promise.all(tasks.splice(0));
  };
  return { notices, told, unreadTold, versions, kept, store, settle: () => Promise.all(tasks.splice(0)) };
}

describe("room inbox notices", () => {
  it("an inbox with no socket open is told once, then left out until it connects again", async () => {
    const { notices, told, store } = setUp({ S1: true, P1: false });
    await store(message(1));
    await store(message(2));
    await store(message(3));
    expect(told.filter((t) => t.userCode === "P1").map((t) => t.lastSeq)).toEqual([1]);
    expect(told.filter((t) => t.userCode === "S1").map((t) => t.lastSeq)).toEqual([1, 2, 3]);
    // Its counter kept moving meanwhile: `ready` gets the right count.
    expect(notices.unreadFor("P1")).toBe(3);
    notices.inboxOpened("P1");
    await store(message(4));
    expect(told.filter((t) => t.userCode === "P1")).toEqual([
      { userCode: "P1", unread: 1, lastSeq: 1 },
      { userCode: "P1", unread: 4, lastSeq: 4 },
    ]);
  });

  it("a woken room remembers which inboxes had no socket, until they connect again", async () => {
    const first = setUp({ S1: true, P1: false });
    await first.store(message(1));
    expect(first.told.map((t) => t.userCode)).toEqual(["S1", "P1"]);
    // Hibernated and woken: fresh memory, the same meta table. P1's inbox is not woken again.
    const woken = setUp({ S1: true, P1: false }, first.kept);
    await woken.store(message(2));
    expect(woken.told.map((t) => t.userCode)).toEqual(["S1"]);
    woken.notices.inboxOpened("P1");
    const again = setUp({ S1: true, P1: true }, first.kept);
    await again.store(message(3));
    expect(again.told.map((t) => t.userCode)).toEqual(["S1", "P1"]);
  });

  it("a 'no socket' answer is trusted for five minutes, then the room asks again", async () => {
    const kept = new Map([["inbox_closed:P1", String(Date.now() - 4 * 60_000)]]);
    const recent = setUp({ S1: true, P1: false }, kept);
    await recent.store(message(1));
    expect(recent.told.map((t) => t.userCode)).toEqual(["S1"]);
    kept.set("inbox_closed:P1", String(Date.now() - 6 * 60_000));
    const stale = setUp({ S1: true, P1: false }, kept);
    await stale.store(message(2));
    expect(stale.told.map((t) => t.userCode)).toEqual(["S1", "P1"]);
    // Its answer renews the flag.
    expect(Date.now() - Number(kept.get("inbox_closed:P1"))).toBeLessThan(60_000);
  });

  it("a 'no socket' answer sent before the inbox connected does not stop the notices after it", async () => {
    const { notices, told, store, settle } = setUp({ S1: true, P1: false });
    const m1 = message(1);
    notices.count([m1]);
    notices.stored([m1]); // its answer ("P1 has none") is still on the way…
    notices.inboxOpened("P1"); // …when P1's inbox connects
    await settle();
    await store(message(2));
    expect(told.filter((t) => t.userCode === "P1").map((t) => t.lastSeq)).toEqual([1, 2]);
  });

  it("a read does not tell an inbox known to have no socket", async () => {
    const open = { S1: false, P1: true };
    const { notices, unreadTold, store, settle } = setUp(open);
    await store(message(1, "P1"));
    notices.read("S1", 1);
    await settle();
    expect(notices.unreadFor("S1")).toBe(0);
    expect(unreadTold).toEqual([]);
    open.S1 = true;
    notices.inboxOpened("S1");
    await store(message(2, "P1"));
    notices.read("S1", 2);
    await settle();
    expect(unreadTold).toEqual(["S1"]);
  });

  it("every count handed out has a version above the ones before, also after the room wakes", async () => {
    const { notices, versions, kept, store, settle } = setUp({ S1: true, P1: true });
    // Many in one millisecond: the clock moves past the wall clock rather than repeat a version.
    for (let seq = 1; seq <= 20; seq++) await store(message(seq));
    notices.read("P1", 20);
    versions.push(notices.inboxOpened("P1").version);
    await settle();
    expect(versions.length).toBe(22);
    expect(versions).toEqual([...new Set(versions)].sort((a, b) => a - b));
    // A woken room: fresh memory, same stored counts, and versions above its earlier life's.
    const woken = setUp({ S1: true, P1: true }, kept);
    await new Promise((r) => setTimeout(r, 30));
    const opened = woken.notices.inboxOpened("P1");
    expect(opened).toMatchObject({ unread: 0 });
    expect(opened.version).toBeGreaterThan(versions.at(-1)!);
  });
});
