/**
 * The room's optimistic auto-start (src/room/status-changes.ts): the first message is
 * acked before the repository has IN_PROGRESS. What must hold anyway: the row follows; a
 * cancel or transfer racing it sees the start (or holds new ones); a start the repository
 * could not take is written later, across an eviction. The room's repository write is held
 * back or failed through the test RoomDO (`gateStartWrites`); the rest is the real Worker.
 */
import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { roomStub } from "../../src/chat/room-client";
import type { Consultation } from "../../src/domain/types";
import { apiJson, people, testEnv } from "../support/api";
import { act, namedConsultation } from "../support/consultations";
import { gateStartWrites, roomQueueSends } from "../support/rooms";
import { connect, post, type Client } from "../support/sockets";

const load = async (id: number) => (await apiJson<Consultation>(`/api/consultations/${id}`, { token: people.admin })).body;
const messagesOf = (c: Client) => c.frames.filter((f) => f.type === "message").map((f) => f.message);
const deadlineOf = (requestIdx: number, kind: string) =>
  runInDurableObject(roomStub(testEnv, requestIdx), (_room, state) =>
    state.storage.sql.exec<{ at_ms: number }>(`SELECT at_ms FROM deadlines WHERE kind = ?`, kind).toArray()[0]?.at_ms ?? null,
  );

describe("optimistic auto-start", () => {
  it("acks the first message before the repository has the start; the row follows once it is written", async () => {
    const c = await namedConsultation("SCHEDULED");
    const s = (await connect(c.requestIdx, { token: people.student })).client;
    const p = (await connect(c.requestIdx, { token: people.professor })).client;
    await gateStartWrites(c.requestIdx, "held");
    expect(await post(s, "first")).toMatchObject({ type: "ack", seq: 2 });
    expect(await p.next("status")).toEqual({ type: "status", status: "IN_PROGRESS" });
    expect((await load(c.requestIdx)).status).toBe("SCHEDULED"); // not written yet
    expect(await post(p, "reply")).toMatchObject({ type: "ack", seq: 3 });
    await gateStartWrites(c.requestIdx, "open");
    await expect.poll(async () => (await load(c.requestIdx)).status).toBe("IN_PROGRESS");
    const row = await load(c.requestIdx);
    expect(row.startedAt).not.toBeNull();
    expect(row.recipientUserCode).toBe(c.recipientUserCode);
    await p.all("message", 3);
    expect(messagesOf(p).map((m) => [m.seq, m.type])).toEqual([[1, "SYSTEM"], [2, "NORMAL"], [3, "NORMAL"]]);
    expect(p.frames.filter((f) => f.type === "status")).toHaveLength(1); // the write changes nothing the room showed
    s.close();
    p.close();
  });

  it("the first batches' message events wait for the start's write (which sends consultation.started), then leave in seq order", async () => {
    const c = await namedConsultation("SCHEDULED");
    // The professor has no socket in the room: the student's messages are events for a push.
    const s = (await connect(c.requestIdx, { token: people.student })).client;
    await gateStartWrites(c.requestIdx, "held");
    expect(await post(s, "first")).toMatchObject({ type: "ack", seq: 2 });
    expect(await post(s, "second")).toMatchObject({ type: "ack", seq: 3 });
    const messageSeqs = async () =>
      (await roomQueueSends(c.requestIdx)).flat().flatMap((body) => body.events.map((e) => (e.data as { seq: number }).seq));
    expect(await messageSeqs()).toEqual([]);
    await gateStartWrites(c.requestIdx, "open");
    await expect.poll(messageSeqs).toEqual([1, 2, 3]);
    s.close();
  });

  it("a cancel while the start is being written waits for it and is refused: the acked message stands", async () => {
    const c = await namedConsultation("SCHEDULED");
    const s = (await connect(c.requestIdx, { token: people.student })).client;
    await gateStartWrites(c.requestIdx, "held");
    expect(await post(s, "first")).toMatchObject({ type: "ack" });
    const cancel = act(people.student, c.requestIdx, "cancel", { reason: "too late" });
    // The cancel read a SCHEDULED row; the room settles its start before the cancel may write.
    await expect.poll(() => runInDurableObject(roomStub(testEnv, c.requestIdx), (_r, state) => state.storage.sql.exec(`SELECT value FROM room_meta WHERE key = 'starts_held_until'`).toArray().length)).toBe(1);
    await gateStartWrites(c.requestIdx, "open");
    expect(await cancel).toMatchObject({ status: 409, body: { code: "INVALID_STATE" } });
    expect(await load(c.requestIdx)).toMatchObject({ status: "IN_PROGRESS" });
    expect(await post(s, "second")).toMatchObject({ type: "ack", seq: 3 });
    s.close();
  });

  it("after a cancel's hold, a first message goes through the repository: refused once the cancel is stored", async () => {
    const c = await namedConsultation("SCHEDULED");
    const s = (await connect(c.requestIdx, { token: people.student })).client;
    expect(await roomStub(testEnv, c.requestIdx).holdStarts()).toBe(true);
    // Held: a first message now waits for the repository's guarded write, so the row is IN_PROGRESS at its ack.
    expect(await post(s, "first")).toMatchObject({ type: "ack" });
    expect((await load(c.requestIdx)).status).toBe("IN_PROGRESS");

    const other = await namedConsultation("SCHEDULED");
    const s2 = (await connect(other.requestIdx, { token: people.student })).client;
    expect((await act(people.student, other.requestIdx, "cancel", {})).status).toBe(200);
    const refused = await post(s2, "too late");
    expect(refused).toMatchObject({ type: "error", code: "INVALID_STATE" });
    expect((await load(other.requestIdx)).status).toBe("CANCELLED");
    expect((await apiJson(`/api/chat/messages/${other.requestIdx}`, { token: people.admin })).body.messageCount).toBe(0);
    [s, s2].forEach((x) => x.close());
  });

  it("a repository down at the first message: acked anyway; a cancel meanwhile is 503; the alarm writes the start after an eviction", async () => {
    const c = await namedConsultation("SCHEDULED");
    const s = (await connect(c.requestIdx, { token: people.student })).client;
    await gateStartWrites(c.requestIdx, "failing");
    const ack = await post(s, "first");
    expect(ack).toMatchObject({ type: "ack", seq: 2 });
    await expect.poll(() => deadlineOf(c.requestIdx, "start")).not.toBeNull();
    expect(await act(people.student, c.requestIdx, "cancel", {})).toMatchObject({ status: 503, body: { code: "UPSTREAM_UNAVAILABLE" } });
    expect((await load(c.requestIdx)).status).toBe("SCHEDULED");

    // A crash of the room: a fresh instance finds the start pending and writes it on its alarm.
    s.close();
    await gateStartWrites(c.requestIdx, "open");
    await evictDurableObject(roomStub(testEnv, c.requestIdx));
    expect(await roomStub(testEnv, c.requestIdx).unreadFor(people.professor.sub)).toBe(1); // wakes it
    // The wake set the `start` deadline to now; its alarm may already have run.
    await runDurableObjectAlarm(roomStub(testEnv, c.requestIdx));
    await expect.poll(async () => (await load(c.requestIdx)).status).toBe("IN_PROGRESS");
    const { body } = await apiJson(`/api/chat/messages/${c.requestIdx}`, { token: people.admin });
    expect(body.messages.map((m: { seq: number; id: string }) => [m.seq, m.id])).toEqual([[1, expect.any(String)], [2, ack.id]]);
    expect(await deadlineOf(c.requestIdx, "start")).toBeNull();
  });
});
