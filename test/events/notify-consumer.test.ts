/**
 * The EVENTS consumer under at-least-once delivery: the same event id handled twice gives
 * one push and one webhook delivery; a failing webhook attempt is retried on the schedule.
 */
import { createExecutionContext, createMessageBatch, getQueueResult, listDurableObjectIds } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { ChatMessage, Consultation } from "../../src/domain/types";
import { consultationEvent, messageEvent, type EventsQueueBody } from "../../src/events/types";
import worker from "../../src/index";
import { apiJson, testEnv } from "../support/api";
import { actOk, createConsultation as createViaApi } from "../support/consultations";
import { someone } from "../support/inbox";
import { connect, post } from "../support/sockets";

const t = env as unknown as { TEST_PUSH_SERVICE: string; TEST_WEBHOOK_RECEIVER: { url: string; control: string } };

async function device(user: { sub: string; name: string; role: string }) {
  const { id, subscription } = await (await fetch(`${t.TEST_PUSH_SERVICE}/_control/subscribe`, { method: "POST", body: JSON.stringify({ applicationServerKey: testEnv.VAPID_PUBLIC_KEY }) })).json<{ id: string; subscription: unknown }>();
  expect((await apiJson("/api/push/subscriptions", { token: user, body: subscription })).status).toBe(201);
  return id;
}

const received = async (id: string) => (await (await fetch(`${t.TEST_PUSH_SERVICE}/_control/received/${id}`)).json<{ received: { payload: any }[] }>()).received;
const hookAttempts = async (eventId: string) =>
  (await (await fetch(t.TEST_WEBHOOK_RECEIVER.control)).json<{ attempts: { webhookId: string; status: number }[]; accepted: Record<string, unknown[]> }>());

let n = 0;
async function deliver(body: EventsQueueBody, attempts = 1) {
  const batch = createMessageBatch<EventsQueueBody>("consultation-events", [{ id: `m${++n}`, timestamp: new Date(), attempts, body }]);
  const ctx = createExecutionContext();
  await worker.queue(batch, testEnv);
  return getQueueResult(batch, ctx);
}

function consultation(requester: string, recipient: string | null, status: Consultation["status"] = "SCHEDULED"): Consultation {
  const now = new Date().toISOString();
  return {
    requestIdx: 900000 + ++n, status, requesterUserCode: requester, requesterName: "홍길동", recipientUserCode: recipient, recipientName: recipient ? "김교수" : null,
    category: recipient ? null : "billing", title: "진로 상담", content: null, scheduledAt: null, rejectionReason: null, cancelReason: null,
    createdAt: now, updatedAt: now, startedAt: null, endedAt: null, durationMinutes: null, lastActivityAt: null, messageCount: 0, chatLogKey: null, endedBy: null,
  };
}


describe("lifecycle pushes", () => {
  it("the same event twice: one push to each device", async () => {
    const s = someone("student");
    const id = await device(s);
    const event = consultationEvent("consultation.approved", consultation(s.sub, "PROF9"));
    for (let i = 0; i < 2; i++) expect((await deliver({ v: 1, events: [event] })).explicitAcks).toHaveLength(1);
    const pushes = await received(id);
    expect(pushes).toHaveLength(1);
    expect(pushes[0]!.payload).toMatchObject({ type: "consultation.approved", requestIdx: event.requestIdx, url: `/consultations/${event.requestIdx}` });
  });

  it("a queue request is pushed to the counselors with a device, not to the requester", async () => {
    const s = someone("student");
    const agent = someone("agent");
    const [sDevice, agentDevice] = [await device(s), await device(agent)];
    const event = consultationEvent("consultation.created", consultation(s.sub, null, "PENDING"));
    await deliver({ v: 1, events: [event] });
    expect((await received(agentDevice)).map((r) => r.payload.type)).toEqual(["consultation.created"]);
    expect(await received(sDevice)).toEqual([]);
  });

  it("a user without a device is not pushed, and their push object is never woken (the push directory says so)", async () => {
    const woken = async (userCode: string) => (await listDurableObjectIds(testEnv.PUSH)).some((id) => id.equals(testEnv.PUSH.idFromName(userCode)));
    const [s, p] = [someone("student"), someone("professor")];
    const id = await device(p);
    const c = consultation(s.sub, p.sub);
    const events = [consultationEvent("consultation.created", c), consultationEvent("consultation.approved", c), consultationEvent("consultation.started", c)];
    expect((await deliver({ v: 1, events })).explicitAcks).toHaveLength(1);
    // The messages of a room where both are offline: only the professor's object may hear of them.
    const message: ChatMessage = { id: crypto.randomUUID(), requestIdx: c.requestIdx, seq: 2, sender: s.sub, senderName: s.name, type: "NORMAL", content: "안녕하세요", sentAt: new Date().toISOString(), clientMsgId: null };
    expect((await deliver({ v: 1, events: [messageEvent(message)], offline: [s.sub, p.sub] })).explicitAcks).toHaveLength(1);
    expect((await received(id)).map((r) => r.payload.type)).toEqual(["consultation.created"]);
    expect(await woken(p.sub)).toBe(true);
    expect(await woken(s.sub)).toBe(false);
  });
});

/** A running consultation with `n` messages from the professor (seq 1 is the SYSTEM "started"); the student is not in the room. */
async function roomWithMessages(n: number) {
  const s = someone("student");
  const p = someone("professor");
  const asked = await createViaApi(s, { recipientUserCode: p.sub, title: "질문" });
  const c = await actOk(p, asked.requestIdx, "start");
  const room = (await connect(c.requestIdx, { token: p })).client;
  for (let i = 1; i <= n; i++) expect((await post(room, `메시지 ${i}`)).type).toBe("ack");
  room.close();
  const { body } = await apiJson(`/api/chat/messages/${c.requestIdx}`, { token: p });
  const messages = (body.messages as ChatMessage[]).filter((m) => m.type === "NORMAL");
  return { s, p, c, messages };
}

/** The message pushes of a device after `ms` (the real queue also brings the room's lifecycle pushes: left out). */
async function pushesWithin(id: string, ms: number) {
  await new Promise((r) => setTimeout(r, ms));
  return (await received(id)).filter((x) => x.payload?.type === "message.batch");
}

describe("message pushes", () => {
  it("a batch delivered twice counts once into the window: one push with the batch's count", async () => {
    const { s, p, c, messages } = await roomWithMessages(3);
    const id = await device(s);
    const events = messages.map(messageEvent);
    await deliver({ v: 1, events, offline: [s.sub] });
    await deliver({ v: 1, events, offline: [s.sub] });
    // PUSH_BATCH_SECONDS is 1 in this project: the window closes by its alarm.
    let pushes = await pushesWithin(id, 0);
    for (let i = 0; i < 100 && pushes.length === 0; i++) pushes = await pushesWithin(id, 50);
    expect(pushes.map((x) => x.payload)).toEqual([{ title: `${p.name}님의 새 메시지 3개`, body: "메시지 3", url: `/consultations/${c.requestIdx}`, requestIdx: c.requestIdx, type: "message.batch" }]);
    expect(await pushesWithin(id, 1500)).toHaveLength(1);
  });

  it("a participant not named offline (a socket in the room) gets no message push; their own messages never count", async () => {
    const { s, c, messages } = await roomWithMessages(1);
    const id = await device(s);
    // The student has 1 unread: only the offline rule and the sender rule can keep the push away.
    await deliver({ v: 1, events: [messageEvent(messages[0]!)], offline: [] });
    const own = { ...messages[0]!, id: crypto.randomUUID(), seq: 99, sender: s.sub, senderName: s.name };
    await deliver({ v: 1, events: [messageEvent(own)], offline: [s.sub] });
    expect(await pushesWithin(id, 1800)).toEqual([]);
    expect(c.requestIdx).toBeGreaterThan(0);
  });

  it("a participant who reads the room before the window closes gets no push", async () => {
    const { s, c, messages } = await roomWithMessages(2);
    const id = await device(s);
    await deliver({ v: 1, events: messages.map(messageEvent), offline: [s.sub] });
    const student = (await connect(c.requestIdx, { token: s })).client;
    student.send({ type: "read", upToSeq: messages.at(-1)!.seq });
    await student.next((f) => f.type === "read" && f.userCode === s.sub);
    expect(await pushesWithin(id, 1800)).toEqual([]);
    student.close();
  });
});

describe("webhooks", () => {
  it("a batch fans out one delivery message per URL; a failed attempt is retried on the schedule; a repeat sends nothing again", async () => {
    const event = consultationEvent("consultation.started", consultation("STU9", "PROF9", "IN_PROGRESS"));
    const url = t.TEST_WEBHOOK_RECEIVER.url;
    const body = { v: 1 as const, kind: "webhook" as const, url, events: [event], priorAttempts: 0 };
    // The receiver of this project fails each event's first attempt.
    const first = await deliver(body, 1);
    // (The test harness records a retry but not its delay; the e2e run under wrangler dev
    // shows the schedule's 10 s, then 30 s, between attempts.)
    expect(first.retryMessages).toEqual([{ msgId: expect.any(String) }]);
    expect(first.explicitAcks).toEqual([]);
    const second = await deliver(body, 2);
    expect(second.explicitAcks).toHaveLength(1);
    // Redelivered after the 2xx (at least once): nothing goes to the receiver again.
    expect((await deliver(body, 3)).explicitAcks).toHaveLength(1);
    const state = await hookAttempts(event.id);
    expect(state.attempts.filter((a) => a.webhookId === event.id).map((a) => a.status)).toEqual([503, 204]);
    expect(state.accepted[event.id]).toHaveLength(1);
    const log = await apiJson("/api/admin/webhooks", { token: someone("admin") });
    expect(log.body.deliveries.find((d: { eventId: string }) => d.eventId === event.id)).toMatchObject({ type: "consultation.started", url, attempts: 2, lastStatus: 204, deliveredAt: expect.any(String) });
  });

  it("a spent schedule goes to the dead-letter queue, which marks it for admins", async () => {
    const event = consultationEvent("consultation.ended", consultation("STU9", "PROF9", "COMPLETED"));
    const dead = { v: 1 as const, kind: "webhook" as const, url: "http://127.0.0.1:9/unreachable", events: [event], priorAttempts: 0 };
    const batch = createMessageBatch<EventsQueueBody>("consultation-events-dlq", [{ id: "dead-1", timestamp: new Date(), attempts: 1, body: dead }]);
    const original = console.error;
    console.error = () => {};
    try {
      await worker.queue(batch, testEnv);
    } finally {
      console.error = original;
    }
    expect((await getQueueResult(batch, createExecutionContext())).explicitAcks).toEqual(["dead-1"]);
    const log = await apiJson("/api/admin/webhooks", { token: someone("admin") });
    expect(log.body.deliveries.find((d: { eventId: string }) => d.eventId === event.id)).toMatchObject({ deliveredAt: null, deadLetteredAt: expect.any(String) });
  });
});
