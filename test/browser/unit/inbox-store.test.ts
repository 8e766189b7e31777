import { describe, expect, it } from "vitest";
import type { Consultation } from "../../../src/domain/types";
import type { InboxServerFrame, QueueItem } from "../../../src/protocol/inbox-frames";
import { InboxStore } from "../../../src/web/live/inbox-store";

const c = (requestIdx: number, over: Partial<Consultation> = {}): Consultation => ({
  requestIdx, status: "PENDING", requesterUserCode: "STU001", requesterName: "홍길동", recipientUserCode: "PROF001",
  recipientName: null, category: null, title: "t", content: null, scheduledAt: null, rejectionReason: null,
  cancelReason: null, createdAt: "2026-01-01T00:00:00.000Z", updatedAt: "2026-01-01T00:00:00.000Z", startedAt: null,
  endedAt: null, durationMinutes: null, lastActivityAt: null, messageCount: 0, chatLogKey: null, endedBy: null, ...over,
});
const ready = (over: Partial<Extract<InboxServerFrame, { type: "ready" }>> = {}): InboxServerFrame => ({
  type: "ready", you: { userCode: "PROF001", name: "김교수", role: "professor" }, consultations: [], unread: {}, ...over,
});
const lastMessage = { sender: "STU001", senderName: "홍길동", type: "NORMAL" as const, preview: "hi", sentAt: "2026-01-01T00:00:01.000Z" };

describe("InboxStore", () => {
  it("drops frames before ready (ready includes them); ready replaces everything", () => {
    const store = new InboxStore();
    expect(store.apply({ type: "consultation", consultation: c(1) })).toBe(false);
    expect(store.consultations.size).toBe(0);
    store.apply(ready({ consultations: [c(2)], unread: { "2": 3 } }));
    expect([...store.consultations.keys()]).toEqual([2]);
    expect(store.unreadOf(2)).toBe(3);
    store.apply(ready({ consultations: [c(3)] }));
    expect([...store.consultations.keys()]).toEqual([3]);
    expect(store.unreadOf(2)).toBe(0);
  });

  it("keeps the newer consultation when notices overtake each other", () => {
    const store = new InboxStore();
    store.apply(ready());
    store.apply({ type: "consultation", consultation: c(1, { status: "SCHEDULED", updatedAt: "2026-01-01T00:00:02.000Z" }) });
    expect(store.apply({ type: "consultation", consultation: c(1, { updatedAt: "2026-01-01T00:00:01.000Z" }) })).toBe(false);
    expect(store.consultations.get(1)?.status).toBe("SCHEDULED");
  });

  it("activity moves unread and the last message forward only; unread frames set the count", () => {
    const store = new InboxStore();
    store.apply(ready());
    store.apply({ type: "activity", requestIdx: 1, lastSeq: 5, lastMessage, unread: 2 });
    expect(store.apply({ type: "activity", requestIdx: 1, lastSeq: 4, lastMessage, unread: 1 })).toBe(false);
    expect(store.unreadOf(1)).toBe(2);
    store.apply({ type: "unread", requestIdx: 1, unread: 0 });
    expect(store.unreadOf(1)).toBe(0);
    expect(store.lastMessages.get(1)?.lastSeq).toBe(5);
  });

  it("queues per category; allQueued is every item oldest first", () => {
    const store = new InboxStore();
    const item = (id: number, at: string, category: string): QueueItem => ({ ...c(id, { category, recipientUserCode: null }), queuePosition: 1, waitingSince: at });
    store.apply(ready({ queue: { a: [item(1, "2026-01-01T00:00:02.000Z", "a")] } }));
    store.apply({ type: "queue", category: "b", items: [item(2, "2026-01-01T00:00:01.000Z", "b")] });
    expect(store.allQueued().map((i) => i.requestIdx)).toEqual([2, 1]);
    store.apply({ type: "queue", category: "a", items: [] });
    expect(store.allQueued().map((i) => i.requestIdx)).toEqual([2]);
  });
});
