/** SPEC section 9: `ready` per role, `consultation` frames to everyone involved, `queue` frames for counselors. */
import { describe, expect, it } from "vitest";
import { inboxStub, queueWatchersStub, watcherShardOf } from "../../src/live/inbox-client";
import type { Consultation } from "../../src/domain/types";
import { testEnv } from "../support/api";
import { act, actOk, createConsultation, uniqueCode } from "../support/consultations";
import { connectInbox, consultationFrame, someone } from "../support/inbox";
import { connect, post } from "../support/sockets";

const ids = (list: { requestIdx: number }[]) => list.map((c) => c.requestIdx).sort((a, b) => a - b);

describe("ready", () => {
  it("lists every PENDING, SCHEDULED and IN_PROGRESS consultation of the user, as requester or recipient", async () => {
    const s = someone("student");
    const p = someone("professor");
    const ask = () => createConsultation(s, { recipientUserCode: p.sub, title: "질문" });
    const pending = await ask();
    const scheduled = await ask().then((c) => actOk(p, c.requestIdx, "approve"));
    const running = await ask().then((c) => actOk(p, c.requestIdx, "start"));
    await ask().then((c) => actOk(p, c.requestIdx, "reject", { reason: "no" }));
    await ask().then((c) => actOk(s, c.requestIdx, "cancel"));
    await ask().then((c) => actOk(p, c.requestIdx, "start")).then((c) => actOk(s, c.requestIdx, "end"));
    const live = [pending, scheduled, running].map((c) => c.requestIdx).sort((a, b) => a - b);

    const student = await connectInbox({ token: s });
    expect(student.ready.you).toEqual({ userCode: s.sub, name: s.name, role: "student" });
    expect(ids(student.ready.consultations)).toEqual(live);
    expect(student.ready.consultations.find((c: Consultation) => c.requestIdx === running.requestIdx).status).toBe("IN_PROGRESS");
    expect(student.ready.unread).toEqual({});
    expect(student.ready).not.toHaveProperty("queue");

    const professor = await connectInbox({ token: p });
    expect(ids(professor.ready.consultations)).toEqual(live);
    expect(professor.ready.queue).toBeTypeOf("object");
    [student.client, professor.client].forEach((c) => c.close());
  });

  it("counselors get every category's queue, oldest first, with queuePosition and waitingSince; a requester sees their place", async () => {
    const [x, y] = [uniqueCode("cat-x-"), uniqueCode("cat-y-")];
    const students = [someone("student"), someone("student"), someone("student")];
    const first = await createConsultation(students[0]!, { category: x, title: "1" });
    const second = await createConsultation(students[1]!, { category: x, title: "2" });
    const other = await createConsultation(students[2]!, { category: y, title: "3" });

    const agent = await connectInbox({ token: someone("agent") });
    expect(agent.ready.queue[x].map((i: any) => [i.requestIdx, i.queuePosition, i.waitingSince])).toEqual([
      [first.requestIdx, 1, first.createdAt],
      [second.requestIdx, 2, second.createdAt],
    ]);
    expect(agent.ready.queue[y]).toMatchObject([{ requestIdx: other.requestIdx, queuePosition: 1 }]);

    const waiting = await connectInbox({ token: students[1]! });
    expect(waiting.ready.consultations).toMatchObject([{ requestIdx: second.requestIdx, queuePosition: 2, waitingSince: second.createdAt }]);
    expect(waiting.ready).not.toHaveProperty("queue");

    // Admins are not counselors: no queue in their ready.
    const admin = await connectInbox({ token: someone("admin") });
    expect(admin.ready).not.toHaveProperty("queue");
    [agent.client, waiting.client, admin.client].forEach((c) => c.close());
  });
});

describe("consultation frames", () => {
  it("create, approve, start, transfer: to the requester, the recipient and the previous recipient, within a second", async () => {
    const s = someone("student");
    const p = someone("professor");
    const p2 = someone("professor");
    const student = await connectInbox({ token: s });
    const professor = await connectInbox({ token: p });
    const colleague = await connectInbox({ token: p2 });

    const t0 = Date.now();
    const c = await createConsultation(s, { recipientUserCode: p.sub, title: "면담 요청" });
    for (const inbox of [student, professor]) {
      expect((await consultationFrame(inbox.client, c.requestIdx)).consultation).toMatchObject({ status: "PENDING", requesterUserCode: s.sub });
    }
    expect(Date.now() - t0).toBeLessThan(1000);

    await actOk(p, c.requestIdx, "approve");
    await consultationFrame(student.client, c.requestIdx, (x) => x.status === "SCHEDULED");
    await consultationFrame(professor.client, c.requestIdx, (x) => x.status === "SCHEDULED");
    await actOk(p, c.requestIdx, "start");
    await consultationFrame(student.client, c.requestIdx, (x) => x.status === "IN_PROGRESS");

    await actOk(p, c.requestIdx, "transfer", { toUserCode: p2.sub });
    for (const inbox of [student, professor, colleague]) {
      await consultationFrame(inbox.client, c.requestIdx, (x) => x.status === "PENDING" && x.recipientUserCode === p2.sub);
    }
    // The colleague was told nothing before the transfer concerned them.
    expect(colleague.client.frames.filter((f) => f.type === "consultation")).toHaveLength(1);

    await actOk(p2, c.requestIdx, "start");
    await actOk(s, c.requestIdx, "end");
    await consultationFrame(student.client, c.requestIdx, (x) => x.status === "COMPLETED");
    await consultationFrame(colleague.client, c.requestIdx, (x) => x.status === "COMPLETED");
    [student, professor, colleague].forEach((i) => i.client.close());
  });

  it("the first chat message of a SCHEDULED consultation (the room's auto-start) is a consultation frame too", async () => {
    const s = someone("student");
    const p = someone("professor");
    const asked = await createConsultation(s, { recipientUserCode: p.sub, title: "x" });
    const c = await actOk(p, asked.requestIdx, "approve");
    const professor = await connectInbox({ token: p });
    const room = (await connect(c.requestIdx, { token: s })).client;
    expect((await post(room, "안녕하세요")).type).toBe("ack");
    await consultationFrame(professor.client, c.requestIdx, (x) => x.status === "IN_PROGRESS" && x.startedAt !== null);
    [room, professor.client].forEach((x) => x.close());
  });

  it("a refused action changes nothing and sends nothing", async () => {
    const s = someone("student");
    const p = someone("professor");
    const c = await createConsultation(s, { recipientUserCode: p.sub, title: "x" });
    const student = await connectInbox({ token: s });
    expect((await act(s, c.requestIdx, "approve")).status).toBe(403);
    expect((await act(p, c.requestIdx, "end")).status).toBe(409);
    await actOk(s, c.requestIdx, "cancel");
    const frames = await student.client.all("consultation", 1);
    expect(frames.map((f) => f.consultation.status)).toEqual(["CANCELLED"]);
    student.client.close();
  });
});

describe("queue frames", () => {
  it("counselors get the category's whole queue on each change; requesters see their place move", async () => {
    const cat = uniqueCode("cat-");
    const [s1, s2, s3] = [someone("student"), someone("student"), someone("student")];
    const a = someone("agent");
    const agent = await connectInbox({ token: a });
    const agent2 = await connectInbox({ token: someone("agent") });
    /** The queue frame whose items are exactly `expected` (requestIdx, oldest first). */
    const queueOf = (client: typeof agent.client, ...expected: number[]) =>
      client.next((f) => f.type === "queue" && f.category === cat && JSON.stringify(f.items.map((i: any) => i.requestIdx)) === JSON.stringify(expected));

    const one = await createConsultation(s1, { category: cat, title: "1" });
    expect((await queueOf(agent.client, one.requestIdx)).items).toMatchObject([{ requestIdx: one.requestIdx, queuePosition: 1, waitingSince: one.createdAt }]);
    await queueOf(agent2.client, one.requestIdx);

    const w2 = await connectInbox({ token: s2 });
    const w3 = await connectInbox({ token: s3 });
    const two = await createConsultation(s2, { category: cat, title: "2" });
    const three = await createConsultation(s3, { category: cat, title: "3" });
    expect((await queueOf(agent.client, one.requestIdx, two.requestIdx, three.requestIdx)).items.map((i: any) => [i.requestIdx, i.queuePosition])).toEqual([
      [one.requestIdx, 1],
      [two.requestIdx, 2],
      [three.requestIdx, 3],
    ]);
    await consultationFrame(w2.client, two.requestIdx, (x) => x.queuePosition === 2);
    await consultationFrame(w3.client, three.requestIdx, (x) => x.queuePosition === 3);

    // The agent takes the oldest: it leaves the queue, everyone behind it moves up.
    await actOk(a, one.requestIdx, "start");
    expect((await queueOf(agent2.client, two.requestIdx, three.requestIdx)).items.map((i: any) => [i.requestIdx, i.queuePosition])).toEqual([
      [two.requestIdx, 1],
      [three.requestIdx, 2],
    ]);
    await consultationFrame(w2.client, two.requestIdx, (x) => x.queuePosition === 1);
    await consultationFrame(w3.client, three.requestIdx, (x) => x.queuePosition === 2);
    // The taker is now its recipient and hears about it as a participant.
    await consultationFrame(agent.client, one.requestIdx, (x) => x.status === "IN_PROGRESS" && x.recipientUserCode === a.sub);

    // Cancelling the first waiting item moves the one behind it.
    await actOk(s2, two.requestIdx, "cancel");
    await queueOf(agent.client, three.requestIdx);
    await consultationFrame(w3.client, three.requestIdx, (x) => x.queuePosition === 1);

    // Back to the queue (transfer without toUserCode): it joins in createdAt order.
    await actOk(a, one.requestIdx, "transfer");
    await queueOf(agent.client, one.requestIdx, three.requestIdx);
    await consultationFrame(w3.client, three.requestIdx, (x) => x.queuePosition === 2);

    // Requesters never get queue frames.
    for (const w of [w2, w3]) expect(w.client.frames.some((f) => f.type === "queue")).toBe(false);
    [agent, agent2, w2, w3].forEach((i) => i.client.close());
  });

  it("a counselor is registered while a socket is open and forgotten after the last one closes", async () => {
    const a = someone("agent");
    const registry = queueWatchersStub(testEnv, watcherShardOf(a.sub));
    const first = await connectInbox({ token: a });
    const second = await connectInbox({ token: a });
    expect(await registry.watchers()).toContain(a.sub);
    first.client.close();
    await first.client.closed();
    await second.client.roundTrip();
    expect(await registry.watchers()).toContain(a.sub);
    second.client.close();
    await expect.poll(() => registry.watchers()).not.toContain(a.sub);
  });

  it("a registration left behind is dropped at the next queue change", async () => {
    const ghost = uniqueCode("AGT");
    const registry = queueWatchersStub(testEnv, watcherShardOf(ghost));
    await registry.watch(ghost);
    await createConsultation(someone("student"), { category: uniqueCode("cat-"), title: "x" });
    await expect.poll(() => registry.watchers()).not.toContain(ghost);
  });

  it("an older queue snapshot arriving after a newer one is dropped (racing notices)", async () => {
    const a = someone("agent");
    const agent = await connectInbox({ token: a });
    const cat = uniqueCode("cat-");
    const inbox = inboxStub(testEnv, a.sub);
    expect(await inbox.queueChanged(cat, [], "2026-01-01T00:00:02.000Z")).toBe(1);
    expect(await inbox.queueChanged(cat, [], "2026-01-01T00:00:01.000Z")).toBe(1); // still a counselor: kept registered
    expect(await inbox.queueChanged(cat, [], "2026-01-01T00:00:03.000Z")).toBe(1);
    await agent.client.roundTrip();
    const sent = agent.client.frames.filter((f) => f.type === "queue" && f.category === cat);
    expect(sent).toHaveLength(2);
    agent.client.close();
  });

  it("students are never registered", async () => {
    const s = someone("student");
    const inbox = await connectInbox({ token: s });
    expect(await queueWatchersStub(testEnv, watcherShardOf(s.sub)).watchers()).not.toContain(s.sub);
    inbox.client.close();
  });
});

describe("admins watch every consultation (the live dashboard)", () => {
  it("an admin's inbox gets a consultation frame for every change, also of others' consultations; others' inboxes do not", async () => {
    const admin = await connectInbox({ token: someone("admin") });
    const bystander = await connectInbox({ token: someone("student") });
    const s = someone("student");
    const p = someone("professor");
    const created = await createConsultation(s, { recipientUserCode: p.sub, title: "대시보드" });
    expect((await consultationFrame(admin.client, created.requestIdx)).consultation.status).toBe("PENDING");
    await actOk(p, created.requestIdx, "start");
    await consultationFrame(admin.client, created.requestIdx, (c) => c.status === "IN_PROGRESS");
    await actOk(s, created.requestIdx, "end");
    await consultationFrame(admin.client, created.requestIdx, (c) => c.status === "COMPLETED");
    await bystander.client.roundTrip();
    expect(bystander.client.frames.filter((f) => f.type === "consultation")).toEqual([]);
    admin.client.close();
    bystander.client.close();
  });
});
