/** The room's links to the lifecycle: auto-start, transfer, end, sealing, throttled activity. */
import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { roomStub } from "../../src/chat/room-client";
import type { Consultation } from "../../src/domain/types";
import { getServices } from "../../src/config/services";
import { archiveKeys } from "../../src/stores/archive-store/port";
import { apiJson, people, testEnv } from "../support/api";
import { actOk, namedConsultation } from "../support/consultations";
import { roomSettled, slowHotStore, useArchive, unreachableArchive } from "../support/rooms";
import { connect, post, type Client } from "../support/sockets";

const load = async (id: number) => (await apiJson<Consultation>(`/api/consultations/${id}`, { token: people.admin })).body;
const messagesOf = (c: Client) => c.frames.filter((f) => f.type === "message").map((f) => f.message);
/** The `내용:` lines of a consultation's final archive (the hot messages are gone after the end). */
const archivedContents = async (id: number) =>
  ((await getServices(testEnv).archive.get(archiveKeys.final(id))) ?? "")
    .split("\n")
    .filter((line) => line.startsWith("내용: "))
    .map((line) => line.slice("내용: ".length));

describe("first message in a SCHEDULED room", () => {
  it("moves it to IN_PROGRESS, stores a SYSTEM message before it and tells everyone", async () => {
    const c = await namedConsultation("SCHEDULED");
    const s = (await connect(c.requestIdx, { token: people.student })).client;
    const p = (await connect(c.requestIdx, { token: people.professor })).client;
    expect(await post(s, "교수님 안녕하세요")).toMatchObject({ type: "ack", seq: 2 });
    await p.all("message", 2);
    expect(messagesOf(p).map((m) => [m.seq, m.type, m.sender])).toEqual([
      [1, "SYSTEM", "SYSTEM"],
      [2, "NORMAL", "STU001"],
    ]);
    expect(await p.next("status")).toEqual({ type: "status", status: "IN_PROGRESS" });
    // The room acks before the repository has the start (src/room/status-changes.ts): it follows.
    await expect.poll(async () => (await load(c.requestIdx)).status).toBe("IN_PROGRESS");
    expect((await load(c.requestIdx)).startedAt).not.toBeNull();
    s.close();
    p.close();
  });

  it("racing first messages from both sides start it once", async () => {
    const c = await namedConsultation("SCHEDULED");
    const s = (await connect(c.requestIdx, { token: people.student })).client;
    const p = (await connect(c.requestIdx, { token: people.professor })).client;
    s.send({ type: "send", clientMsgId: "s1", content: "hi" });
    p.send({ type: "send", clientMsgId: "p1", content: "hello" });
    await s.results(["s1"]);
    await p.results(["p1"]);
    await s.all("message", 3);
    expect(messagesOf(s).filter((m) => m.type === "SYSTEM")).toHaveLength(1);
    expect(messagesOf(s).map((m) => m.seq)).toEqual([1, 2, 3]);
    s.close();
    p.close();
  });

  it("with a slow store, sends arriving while the 'started' message is stored do not overtake the first message", async () => {
    const c = await namedConsultation("SCHEDULED");
    const s = (await connect(c.requestIdx, { token: people.student })).client;
    const p = (await connect(c.requestIdx, { token: people.professor })).client;
    await slowHotStore(c.requestIdx, { appends: 400 });
    s.send({ type: "send", clientMsgId: "first", content: "first" });
    // The row already says IN_PROGRESS while the "started" SYSTEM message is being stored.
    const roomStatus = () =>
      runInDurableObject(roomStub(testEnv, c.requestIdx), (_r, state) =>
        (JSON.parse(state.storage.sql.exec<{ value: string }>(`SELECT value FROM room_meta WHERE key = 'consultation'`).one().value) as Consultation).status,
      );
    while ((await roomStatus()) !== "IN_PROGRESS") await new Promise((r) => setTimeout(r, 10));
    s.send({ type: "send", clientMsgId: "second", content: "second" });
    p.send({ type: "send", clientMsgId: "reply", content: "reply" });
    await s.results(["first", "second"]);
    await p.results(["reply"]);
    await s.all("message", 4);
    expect(messagesOf(s).map((m) => [m.seq, m.content])).toEqual([
      [1, "상담이 시작되었습니다."],
      [2, "first"],
      [3, "second"],
      [4, "reply"],
    ]);
    await slowHotStore(c.requestIdx, { appends: 0 });
    s.close();
    p.close();
  });

  it("an admin cannot start it", async () => {
    const c = await namedConsultation("SCHEDULED");
    const a = (await connect(c.requestIdx, { token: people.admin })).client;
    expect(await post(a, "hello")).toMatchObject({ type: "error", code: "FORBIDDEN" });
    expect((await load(c.requestIdx)).status).toBe("SCHEDULED");
    a.close();
  });
});

describe("transfer", () => {
  it("stores a SYSTEM message, sends status, closes the previous recipient's sockets with 4003; the requester writes on", async () => {
    const c = await namedConsultation("IN_PROGRESS");
    const s = (await connect(c.requestIdx, { token: people.student })).client;
    const p1 = (await connect(c.requestIdx, { token: people.professor })).client;
    const p2 = (await connect(c.requestIdx, { token: people.professor })).client;
    await actOk(people.professor, c.requestIdx, "transfer", { toUserCode: people.professor2.sub, toUserName: "이교수" });
    for (const p of [p1, p2]) {
      expect(await p.next("status")).toEqual({ type: "status", status: "PENDING" });
      expect((await p.closed()).code).toBe(4003);
    }
    const system = await s.next("message");
    expect(system.message).toMatchObject({ type: "SYSTEM", sender: "SYSTEM", content: "상담이 이교수님에게 이관되었습니다." });
    expect(await s.next("status")).toEqual({ type: "status", status: "PENDING" });
    expect(await post(s, "still waiting")).toMatchObject({ type: "ack" });
    s.close();
  });
});

describe("ending", () => {
  it("stores the ended SYSTEM message, then every socket gets status COMPLETED and close 4009", async () => {
    const c = await namedConsultation("IN_PROGRESS");
    const s = (await connect(c.requestIdx, { token: people.student })).client;
    const p = (await connect(c.requestIdx, { token: people.professor })).client;
    const a = (await connect(c.requestIdx, { token: people.admin })).client;
    await post(s, "bye");
    await actOk(people.student, c.requestIdx, "end");
    for (const x of [s, p, a]) {
      expect((await x.next((f) => f.type === "message" && f.message.type === "SYSTEM" && f.message.seq === 3)).message.content).toBe(
        "상담이 종료되었습니다.",
      );
      expect(await x.next("status")).toEqual({ type: "status", status: "COMPLETED" });
      expect((await x.closed()).code).toBe(4009);
    }
    const row = await load(c.requestIdx);
    expect(row).toMatchObject({ status: "COMPLETED", messageCount: 3, endedBy: "STU001" });
    expect(row.lastActivityAt).not.toBeNull();
  });

  it("a sealed room refuses sends with INVALID_STATE; a failed archive unseals it, and a retry does not repeat the SYSTEM message", async () => {
    const c = await namedConsultation("IN_PROGRESS");
    const s = (await connect(c.requestIdx, { token: people.student })).client;
    await post(s, "one");
    await useArchive(c.requestIdx, unreachableArchive());
    const gateway = getServices(testEnv).rooms;
    await expect(gateway.archive(c, "STU001")).rejects.toMatchObject({ code: "UPSTREAM_UNAVAILABLE", status: 503 });
    expect(await post(s, "after a failed end")).toMatchObject({ type: "ack", seq: 4 });
    await expect(gateway.archive(c, "STU001")).rejects.toMatchObject({ code: "UPSTREAM_UNAVAILABLE" });
    await useArchive(c.requestIdx, null); // back to the configured store
    const chatLogKey = archiveKeys.final(c.requestIdx);
    await expect(gateway.archive(c, "STU001")).resolves.toEqual({ chatLogKey });
    await expect(gateway.archive(c, "STU001")).resolves.toEqual({ chatLogKey });
    expect(await post(s, "too late")).toMatchObject({ type: "error", code: "INVALID_STATE", clientMsgId: expect.any(String) });
    expect(await archivedContents(c.requestIdx)).toEqual([
      "상담이 시작되었습니다.",
      "one",
      "상담이 종료되었습니다.",
      "after a failed end",
      "상담이 종료되었습니다.",
    ]);
    s.close();
  });

  it("two ends racing share one archive run: one ended SYSTEM message", async () => {
    const c = await namedConsultation("IN_PROGRESS");
    const s = (await connect(c.requestIdx, { token: people.student })).client;
    await post(s, "hello");
    const gateway = getServices(testEnv).rooms;
    const results = await Promise.all([gateway.archive(c, "STU001"), gateway.archive(c, "PROF001")]);
    const chatLogKey = archiveKeys.final(c.requestIdx);
    expect(results).toEqual([{ chatLogKey }, { chatLogKey }]);
    expect(await archivedContents(c.requestIdx)).toEqual(["상담이 시작되었습니다.", "hello", "상담이 종료되었습니다."]);
    s.close();
  });

  it("cancelling a scheduled consultation closes its room with 4009", async () => {
    const c = await namedConsultation("SCHEDULED");
    const s = (await connect(c.requestIdx, { token: people.student })).client;
    await actOk(people.student, c.requestIdx, "cancel", { reason: "일정 변경" });
    expect(await s.next("status")).toEqual({ type: "status", status: "CANCELLED" });
    expect((await s.closed()).code).toBe(4009);
  });
});

describe("throttled activity", () => {
  it("reports lastActivityAt and messageCount from an alarm, not per message", async () => {
    const c = await namedConsultation("IN_PROGRESS");
    const s = (await connect(c.requestIdx, { token: people.student })).client;
    for (const text of ["a", "b", "c"]) await post(s, text);
    await roomSettled(c.requestIdx); // deadlines follow a stored batch a turn later
    expect((await load(c.requestIdx)).messageCount).toBe(0);
    const stub = roomStub(testEnv, c.requestIdx);
    const deadline = await runInDurableObject(stub, (_room, state) => {
      const row = state.storage.sql.exec<{ at_ms: number }>(`SELECT at_ms FROM deadlines WHERE kind = 'activity'`).one();
      state.storage.sql.exec(`UPDATE deadlines SET at_ms = ? WHERE kind = 'activity'`, Date.now() - 1);
      return row.at_ms;
    });
    expect(deadline).toBeGreaterThan(Date.now());
    await evictDurableObject(stub); // deadlines are read once per wake
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    const row = await load(c.requestIdx);
    expect(row.messageCount).toBe(4);
    expect(row.lastActivityAt).not.toBeNull();
    s.close();
  });
});
