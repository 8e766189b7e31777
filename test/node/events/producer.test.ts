import { describe, expect, it } from "vitest";
import { MAX_BATCH_BYTES, MAX_MESSAGE_BYTES, packEvents, queueEventPublisher, type EventQueue } from "../../../src/events/producer";
import { messageEvent, type DomainEvent, type EventBatchMessage } from "../../../src/events/types";
import type { ChatMessage } from "../../../src/domain/types";

/** Cloudflare's limits for a queue producer, checked the way the service checks them. */
const CF_MESSAGE_LIMIT = 128_000;
const CF_BATCH_COUNT = 100;
const CF_BATCH_LIMIT = 256_000;
const bytes = (v: unknown) => new TextEncoder().encode(JSON.stringify(v)).byteLength;

function recordingQueue(options: { failWith?: Error } = {}) {
  const calls: { kind: "send" | "sendBatch"; bodies: EventBatchMessage[] }[] = [];
  const queue: EventQueue = {
    async send(body, opts) {
      if (options.failWith) throw options.failWith;
      expect(opts?.contentType).toBe("json");
      expect(bytes(body)).toBeLessThanOrEqual(CF_MESSAGE_LIMIT);
      calls.push({ kind: "send", bodies: [JSON.parse(JSON.stringify(body))] });
      return {};
    },
    async sendBatch(messages) {
      if (options.failWith) throw options.failWith;
      const list = [...messages];
      expect(list.length).toBeLessThanOrEqual(CF_BATCH_COUNT);
      expect(list.reduce((n, m) => n + bytes(m.body), 0)).toBeLessThanOrEqual(CF_BATCH_LIMIT);
      for (const m of list) expect(bytes(m.body)).toBeLessThanOrEqual(CF_MESSAGE_LIMIT);
      calls.push({ kind: "sendBatch", bodies: list.map((m) => JSON.parse(JSON.stringify(m.body))) });
      return {};
    },
  };
  return { queue, calls };
}

const message = (seq: number, content = `메시지 ${seq}`): ChatMessage => ({
  id: `m-${seq}`, seq, requestIdx: 3, sender: "S1", senderName: "홍길동", type: "NORMAL", content, sentAt: new Date(1_700_000_000_000 + seq).toISOString(), clientMsgId: `c-${seq}`,
});
const allEvents = (calls: { bodies: EventBatchMessage[] }[]) => calls.flatMap((c) => c.bodies.flatMap((b) => b.events));

describe("event producer", () => {
  it("a stored batch of 30 messages is one queue message with 30 events, in order", async () => {
    const { queue, calls } = recordingQueue();
    const events = Array.from({ length: 30 }, (_, i) => messageEvent(message(i + 1)));
    await queueEventPublisher(queue, true).publish(events);
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ kind: "send" });
    expect(calls[0]!.bodies[0]).toEqual({ v: 1, events });
    expect(events[0]!.id).toBe("evt_msg_m-1");
  });

  it("publishing nothing sends nothing", async () => {
    const { queue, calls } = recordingQueue();
    await queueEventPublisher(queue, true).publish([]);
    expect(calls).toEqual([]);
  });

  it("a large batch is split within Cloudflare's message and sendBatch limits, losing nothing", async () => {
    const { queue, calls } = recordingQueue();
    // 2000 Hangul syllables are 6 KB of UTF-8: 150 of them are ~900 KB in all.
    const events: DomainEvent[] = Array.from({ length: 150 }, (_, i) => messageEvent(message(i + 1, "가".repeat(2000))));
    await queueEventPublisher(queue, true).publish(events);
    expect(calls.every((c) => c.kind === "sendBatch")).toBe(true);
    expect(calls.length).toBeGreaterThan(1);
    expect(allEvents(calls)).toEqual(events);
    for (const body of calls.flatMap((c) => c.bodies)) expect(bytes(body)).toBeLessThanOrEqual(MAX_MESSAGE_BYTES);
    expect(MAX_BATCH_BYTES).toBeLessThan(CF_BATCH_LIMIT);
  });

  it("packEvents fills bodies up to the budget and refuses an event that cannot fit", () => {
    const events = Array.from({ length: 10 }, (_, i) => messageEvent(message(i + 1, "x".repeat(1000))));
    const one = bytes(events[0]);
    const bodies = packEvents(events, 3 * one + 100);
    expect(bodies.map((b) => b.events.length)).toEqual([3, 3, 3, 1]);
    expect(() => packEvents([messageEvent(message(1, "x".repeat(5000)))], 1000)).toThrow(/over the 1000-byte/);
  });

  it("without webhooks, message events go only when the room names someone offline; lifecycle events always", async () => {
    const { queue, calls } = recordingQueue();
    const publisher = queueEventPublisher(queue, false);
    await publisher.publish([messageEvent(message(1))], { offline: [] });
    await publisher.publish([messageEvent(message(2))]);
    expect(calls).toEqual([]);
    await publisher.publish([messageEvent(message(3))], { offline: ["P1"] });
    expect(allEvents(calls).map((e) => e.id)).toEqual(["evt_msg_m-3"]);
    const started = { id: "evt_started", type: "consultation.started", occurredAt: message(4).sentAt, requestIdx: 3, data: {} } as unknown as DomainEvent;
    await publisher.publish([started, messageEvent(message(4))], { offline: [] });
    expect(allEvents(calls).map((e) => e.id)).toEqual(["evt_msg_m-3", "evt_started"]);
  });

  it("wantsMessages answers what publish would do with message events, so a room can skip the task", () => {
    const { queue } = recordingQueue();
    const quiet = queueEventPublisher(queue, false);
    expect([quiet.wantsMessages(), quiet.wantsMessages({ offline: [] }), quiet.wantsMessages({ offline: ["P1"] })]).toEqual([false, false, true]);
    const hooked = queueEventPublisher(queue, true);
    expect([hooked.wantsMessages(), hooked.wantsMessages({ offline: [] })]).toEqual([true, true]);
  });

  it("a queue that refuses makes publish reject, so the caller can keep and retry", async () => {
    const { queue } = recordingQueue({ failWith: new Error("Queue send failed: quota exceeded") });
    await expect(queueEventPublisher(queue, true).publish([messageEvent(message(1))])).rejects.toThrow(/quota/);
  });
});
