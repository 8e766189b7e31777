/**
 * Events leave once, where the change is made, after it is stored (SPEC 10, DESIGN 8):
 * the service emits one consultation.* event per stored lifecycle change; the room sends
 * one queue message per stored batch, with the batch's message.created events inside.
 */
import { describe, expect, it } from "vitest";
import { getServices } from "../../src/config/services";
import { createConsultation, endConsultation, performAction, startOnFirstMessage, withLive } from "../../src/consultations/service";
import type { DomainEvent } from "../../src/events/types";
import { testEnv } from "../support/api";
import { actOk, createConsultation as createViaApi } from "../support/consultations";
import { someone } from "../support/inbox";
import { roomQueueSends } from "../support/rooms";
import { connect, post } from "../support/sockets";

const userOf = (c: { sub: string; name: string; role: string }, counselor = false) => ({ userCode: c.sub, name: c.name, role: c.role, isCounselor: counselor, isAdmin: false, exp: null });

/** The lifecycle with a publisher that records what it is asked to publish (the inboxes are the real ones). */
function recordingLifecycle() {
  const services = getServices(testEnv);
  const published: DomainEvent[][] = [];
  const pending: Promise<unknown>[] = [];
  const deps = withLive(services, { inboxes: services.inboxes, events: { publish: async (events) => void published.push([...events]) } }, (p) => pending.push(p));
  return { deps, published, settled: () => Promise.all(pending) };
}

describe("the consultation service emits one event per stored change", () => {
  it("create, approve, auto-start, transfer, end: one event each, of the right type, with the row after the change", async () => {
    const s = someone("student");
    const p = someone("professor");
    const p2 = someone("professor");
    const { deps, published, settled } = recordingLifecycle();
    const created = await createConsultation(deps, userOf(s), { recipientUserCode: p.sub, recipientName: p.name, title: "질문" });
    await performAction(deps, "approve", created.requestIdx, userOf(p, true), {});
    const started = await startOnFirstMessage(deps, created.requestIdx, userOf(s));
    expect(started?.status).toBe("IN_PROGRESS");
    // A second auto-start finds nothing to start: no event.
    expect(await startOnFirstMessage(deps, created.requestIdx, userOf(s))).toBeNull();
    await performAction(deps, "transfer", created.requestIdx, userOf(p, true), { toUserCode: p2.sub });
    await endConsultation(deps, created.requestIdx, "SYSTEM");
    await settled();
    const events = published.flat();
    expect(published.every((batch) => batch.length === 1)).toBe(true);
    expect(events.map((e) => e.type)).toEqual(["consultation.created", "consultation.approved", "consultation.started", "consultation.transferred", "consultation.ended"]);
    expect(new Set(events.map((e) => e.id)).size).toBe(events.length);
    expect(events.map((e) => (e.data as { status: string }).status)).toEqual(["PENDING", "SCHEDULED", "IN_PROGRESS", "PENDING", "COMPLETED"]);
    expect(events.at(-1)!.data).toMatchObject({ endedBy: "SYSTEM" });
  });

  it("a refused change emits nothing", async () => {
    const s = someone("student");
    const p = someone("professor");
    const { deps, published, settled } = recordingLifecycle();
    const created = await createConsultation(deps, userOf(s), { recipientUserCode: p.sub, title: "질문" });
    await expect(performAction(deps, "approve", created.requestIdx, userOf(s), {})).rejects.toThrow();
    await expect(performAction(deps, "cancel", created.requestIdx, userOf(p, true), {})).rejects.toThrow();
    await settled();
    expect(published.flat().map((e) => e.type)).toEqual(["consultation.created"]);
  });

  it("a queue that refuses the event never fails the change", async () => {
    const s = someone("student");
    const services = getServices(testEnv);
    const pending: Promise<unknown>[] = [];
    const deps = withLive(services, { inboxes: services.inboxes, events: { publish: async () => Promise.reject(new Error("queue down")) } }, (p) => pending.push(p));
    const original = console.error;
    console.error = () => {};
    try {
      const created = await createConsultation(deps, userOf(s), { recipientUserCode: someone("professor").sub, title: "질문" });
      expect(created.status).toBe("PENDING");
      await Promise.all(pending);
    } finally {
      console.error = original;
    }
  });
});

describe("the room sends one queue message per stored batch", () => {
  it("every stored message is in exactly one queue message, in seq order, naming the participants without a socket in the room", async () => {
    const s = someone("student");
    const p = someone("professor");
    const asked = await createViaApi(s, { recipientUserCode: p.sub, title: "질문" });
    const c = await actOk(p, asked.requestIdx, "start");
    const room = (await connect(c.requestIdx, { token: p })).client;
    // A burst: sent together, so the writer may store several per batch.
    const acks = await Promise.all(Array.from({ length: 15 }, (_, i) => post(room, `메시지 ${i + 1}`)));
    expect(acks.every((a) => a.type === "ack")).toBe(true);
    let sends = await roomQueueSends(c.requestIdx);
    for (let i = 0; i < 50 && sends.flat().flatMap((b) => b.events).length < 16; i++) {
      await new Promise((r) => setTimeout(r, 20));
      sends = await roomQueueSends(c.requestIdx);
    }
    // One `send` per stored batch (these batches are small: one body each).
    expect(sends.every((op) => op.length === 1)).toBe(true);
    const events = sends.flat().flatMap((b) => b.events);
    const seqs = events.map((e) => (e.data as { seq: number }).seq);
    // seq 1 is the SYSTEM "started"; then the 15 messages, each once.
    expect([...seqs].sort((a, b) => a - b)).toEqual(Array.from({ length: 16 }, (_, i) => i + 1));
    expect(events.every((e) => e.type === "message.created" && e.id === `evt_msg_${(e.data as { id: string }).id}`)).toBe(true);
    for (const body of sends.flat()) {
      const bodySeqs = body.events.map((e) => (e.data as { seq: number }).seq);
      expect(bodySeqs).toEqual([...bodySeqs].sort((a, b) => a - b));
    }
    // The professor is in the room; the student is not.
    const last = sends.flat().at(-1)!;
    expect(last.offline).toEqual([s.sub]);
    expect(sends.length).toBeLessThanOrEqual(16);
    room.close();
  });
});
