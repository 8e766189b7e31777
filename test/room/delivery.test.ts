/**
 * SPEC section 13, the room side of delivery states: `received` moves a participant's
 * delivered mark forward only, the other side is told with `delivered`, the marks come
 * back in `ready` and `GET /api/chat/messages`, and survive an eviction.
 */
import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { roomStub } from "../../src/chat/room-client";
import { DELIVERED_FLUSH_MS } from "../../src/room/delivery-marks";
import { apiJson, people, testEnv } from "../support/api";
import { namedConsultation } from "../support/consultations";
import { connect, post, type Client } from "../support/sockets";

async function room() {
  const c = await namedConsultation("IN_PROGRESS");
  const student = (await connect(c.requestIdx, { token: people.student })).client;
  const studentPhone = (await connect(c.requestIdx, { token: people.student })).client;
  const professor = (await connect(c.requestIdx, { token: people.professor })).client;
  const all = [student, studentPhone, professor];
  return { id: c.requestIdx, student, studentPhone, professor, close: () => all.forEach((s) => s.close()) };
}

const delivered = (client: Client) => client.frames.filter((f) => f.type === "delivered");
const page = async (id: number) => (await apiJson(`/api/chat/messages/${id}`, { token: people.student })).body;

/** The rows in the room's own table (what an eviction keeps). */
const storedMarks = (id: number) =>
  runInDurableObject(roomStub(testEnv, id), (_room, state) => state.storage.sql.exec(`SELECT user_code, up_to_seq FROM delivered ORDER BY user_code`).toArray());

describe("received / delivered", () => {
  it("forwards a moved mark to the other side only, never backwards, and every device's repeat is silent", async () => {
    const r = await room();
    const m1 = await post(r.professor, "one");
    const m2 = await post(r.professor, "two");
    r.student.send({ type: "received", upToSeq: m1.seq });
    expect(await r.professor.next("delivered")).toEqual({ type: "delivered", userCode: "STU001", upToSeq: m1.seq });
    // The student's phone reports the same seq, then an older one: the mark does not move.
    r.studentPhone.send({ type: "received", upToSeq: m1.seq });
    r.studentPhone.send({ type: "received", upToSeq: 1 });
    await r.studentPhone.roundTrip();
    r.studentPhone.send({ type: "received", upToSeq: m2.seq });
    expect(await r.professor.next("delivered")).toEqual({ type: "delivered", userCode: "STU001", upToSeq: m2.seq });
    await r.professor.roundTrip();
    expect(delivered(r.professor).map((f) => f.upToSeq)).toEqual([m1.seq, m2.seq]);
    // The reporter's own devices are not told.
    await r.student.roundTrip();
    await r.studentPhone.roundTrip();
    expect(delivered(r.student)).toEqual([]);
    expect(delivered(r.studentPhone)).toEqual([]);
    expect((await page(r.id)).delivered).toEqual([{ userCode: "STU001", upToSeq: m2.seq }]);
    r.close();
  });

  it("a read moves the delivered mark too (a device that shows a message has it)", async () => {
    const r = await room();
    const m = await post(r.student, "hello");
    r.professor.send({ type: "read", upToSeq: m.seq });
    expect(await r.student.next("delivered")).toEqual({ type: "delivered", userCode: "PROF001", upToSeq: m.seq });
    await r.student.next("read");
    r.professor.send({ type: "received", upToSeq: m.seq }); // arrives after the read: nothing new
    await r.professor.roundTrip();
    await r.student.roundTrip();
    expect(delivered(r.student)).toHaveLength(1);
    r.close();
  });

  it("marks past the newest message are clamped to it; bad values are VALIDATION errors and move nothing", async () => {
    const r = await room();
    const m = await post(r.professor, "only");
    for (const raw of [
      '{"type":"received"}',
      '{"type":"received","upToSeq":-1}',
      '{"type":"received","upToSeq":1.5}',
      '{"type":"received","upToSeq":"2"}',
      '{"type":"received","upToSeq":null}',
    ]) {
      r.student.send(raw);
      const err = await r.student.next("error");
      expect(err.code, raw).toBe("VALIDATION");
    }
    await r.professor.roundTrip();
    expect(delivered(r.professor)).toEqual([]);
    r.student.send({ type: "received", upToSeq: 10_000 });
    expect(await r.professor.next("delivered")).toEqual({ type: "delivered", userCode: "STU001", upToSeq: m.seq });
    r.close();
  });

  it("admins are read-only: received is FORBIDDEN and moves nothing", async () => {
    const r = await room();
    await post(r.student, "x");
    const admin = (await connect(r.id, { token: people.admin })).client;
    admin.send({ type: "received", upToSeq: 1 });
    expect((await admin.next("error")).code).toBe("FORBIDDEN");
    expect((await page(r.id)).delivered).toEqual([]);
    admin.close();
    r.close();
  });

  it("marks are written coalesced, survive an eviction and come back in ready", async () => {
    const r = await room();
    const stub = roomStub(testEnv, r.id);
    const seqs: number[] = [];
    for (let i = 0; i < 5; i++) seqs.push((await post(r.student, `m${i}`)).seq);
    for (const seq of seqs) r.professor.send({ type: "received", upToSeq: seq });
    await r.student.next((f) => f.type === "delivered" && f.upToSeq === seqs.at(-1));
    // Moved five times in well under the flush window: nothing written yet, then one row.
    expect(await storedMarks(r.id)).toEqual([]);
    await new Promise((ok) => setTimeout(ok, DELIVERED_FLUSH_MS * 2));
    expect(await storedMarks(r.id)).toEqual([{ user_code: "PROF001", up_to_seq: seqs.at(-1) }]);
    await evictDurableObject(stub);
    const again = await connect(r.id, { token: people.student });
    expect(again.ready.delivered).toEqual([{ userCode: "PROF001", upToSeq: seqs.at(-1) }]);
    // Still forward-only after the wake.
    r.professor.send({ type: "received", upToSeq: seqs[0] });
    await r.professor.roundTrip();
    expect(again.client.frames.filter((f) => f.type === "delivered")).toEqual([]);
    again.client.close();
    r.close();
  });
});
