import { describe, expect, it } from "vitest";
import { SYSTEM } from "../../src/domain/rules";
import { endConsultation, startOnFirstMessage } from "../../src/consultations/service";
import { getServices } from "../../src/config/services";
import type { User } from "../../src/domain/types";
import { upstreamError } from "../../src/domain/errors";
import { apiJson, people, testEnv } from "../support/api";
import { act, actOk, createConsultation, namedConsultation, queueItem } from "../support/consultations";

const { student, student2, professor, professor2, agent, agent2, admin } = people;

async function expectRefused(res: { status: number; body: unknown }, status: number, code: string) {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(res.body).toMatchObject({ code });
}

describe("create", () => {
  it("creates a named request as PENDING, 201", async () => {
    const c = await createConsultation(student, { recipientUserCode: "PROF001", recipientName: "김교수", title: " 질문 ", content: "내용" });
    expect(c).toMatchObject({
      status: "PENDING", requesterUserCode: "STU001", requesterName: "홍길동", recipientUserCode: "PROF001",
      recipientName: "김교수", category: null, title: "질문", content: "내용", startedAt: null, messageCount: 0,
      chatLogKey: null, endedBy: null, durationMinutes: null,
    });
    expect(c.createdAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  it("creates a queue item with a category and no recipient", async () => {
    const c = await queueItem("it-support");
    expect(c).toMatchObject({ status: "PENDING", recipientUserCode: null, category: "it-support" });
  });

  it("needs exactly one of recipientUserCode and category, a title, and refuses oneself", async () => {
    const cases = [
      { title: "no target" },
      { recipientUserCode: "PROF001", category: "billing", title: "both" },
      { recipientUserCode: "PROF001" },
      { recipientUserCode: "PROF001", title: "" },
      { recipientUserCode: "STU001", title: "myself" },
      { recipientUserCode: "PROF001", title: "bad date", scheduledAt: "tomorrow" },
      { recipientUserCode: "PROF001", title: "x".repeat(201) },
    ];
    for (const body of cases) {
      const res = await apiJson("/api/consultations", { token: student, body });
      await expectRefused(res, 400, "VALIDATION");
      expect(Array.isArray(res.body.details), JSON.stringify(body)).toBe(true);
    }
  });

  it("keeps scheduledAt as UTC", async () => {
    const c = await createConsultation(student, { recipientUserCode: "PROF001", title: "t", scheduledAt: "2030-01-02T09:00:00+09:00" });
    expect(c.scheduledAt).toBe("2030-01-02T00:00:00.000Z");
  });
});

describe("approve", () => {
  it("the named recipient approves, optionally with scheduledAt", async () => {
    const c = await namedConsultation();
    const after = await actOk(professor, c.requestIdx, "approve", { scheduledAt: "2030-05-01T10:00:00Z" });
    expect(after).toMatchObject({ status: "SCHEDULED", recipientUserCode: "PROF001", recipientName: "김교수", scheduledAt: "2030-05-01T10:00:00.000Z" });
  });

  it("refuses everyone else with 403, whatever the status", async () => {
    const c = await namedConsultation();
    for (const who of [student, student2, professor2, admin, agent]) await expectRefused(await act(who, c.requestIdx, "approve"), 403, "FORBIDDEN");
  });

  it("refuses a second approve and a closed consultation with 409", async () => {
    const c = await namedConsultation("SCHEDULED");
    await expectRefused(await act(professor, c.requestIdx, "approve"), 409, "INVALID_STATE");
    const done = await namedConsultation("COMPLETED");
    await expectRefused(await act(professor, done.requestIdx, "approve"), 409, "INVALID_STATE");
  });

  it("any counselor takes a queue item by approving it; the requester cannot take their own", async () => {
    const item = await queueItem("billing", agent2);
    await expectRefused(await act(agent2, item.requestIdx, "approve"), 403, "FORBIDDEN");
    await expectRefused(await act(student, item.requestIdx, "approve"), 403, "FORBIDDEN");
    const after = await actOk(agent, item.requestIdx, "approve");
    expect(after).toMatchObject({ status: "SCHEDULED", recipientUserCode: "AGT001", recipientName: "박상담" });
    await expectRefused(await act(professor, item.requestIdx, "start"), 409, "INVALID_STATE");
  });
});

describe("reject", () => {
  it("the named recipient rejects a PENDING request with a reason", async () => {
    const c = await namedConsultation();
    await expectRefused(await act(professor, c.requestIdx, "reject", {}), 400, "VALIDATION");
    await expectRefused(await act(professor, c.requestIdx, "reject"), 400, "VALIDATION");
    const after = await actOk(professor, c.requestIdx, "reject", { reason: "일정이 맞지 않습니다" });
    expect(after).toMatchObject({ status: "REJECTED", rejectionReason: "일정이 맞지 않습니다" });
    await expectRefused(await act(professor, c.requestIdx, "reject", { reason: "again" }), 409, "INVALID_STATE");
  });

  it("refuses others (403), a queue item (403) and anything not a never-started PENDING (409)", async () => {
    const c = await namedConsultation();
    for (const who of [student, professor2, admin]) await expectRefused(await act(who, c.requestIdx, "reject", { reason: "r" }), 403, "FORBIDDEN");
    const item = await queueItem();
    await expectRefused(await act(agent, item.requestIdx, "reject", { reason: "r" }), 403, "FORBIDDEN");
    const scheduled = await namedConsultation("SCHEDULED");
    await expectRefused(await act(professor, scheduled.requestIdx, "reject", { reason: "r" }), 409, "INVALID_STATE");
    const transferred = await namedConsultation("TRANSFERRED");
    await expectRefused(await act(professor2, transferred.requestIdx, "reject", { reason: "r" }), 409, "INVALID_STATE");
  });
});

describe("cancel", () => {
  it("the requester cancels PENDING (reason optional) and SCHEDULED", async () => {
    const p = await namedConsultation();
    expect(await actOk(student, p.requestIdx, "cancel")).toMatchObject({ status: "CANCELLED", cancelReason: null });
    const s = await namedConsultation("SCHEDULED");
    expect(await actOk(student, s.requestIdx, "cancel", { reason: "해결됨" })).toMatchObject({ status: "CANCELLED", cancelReason: "해결됨" });
    const q = await queueItem();
    expect(await actOk(student, q.requestIdx, "cancel")).toMatchObject({ status: "CANCELLED" });
  });

  it("refuses others with 403 and started or closed consultations with 409", async () => {
    const p = await namedConsultation();
    for (const who of [professor, admin, student2]) await expectRefused(await act(who, p.requestIdx, "cancel"), 403, "FORBIDDEN");
    for (const state of ["IN_PROGRESS", "TRANSFERRED", "COMPLETED"] as const) {
      const c = await namedConsultation(state);
      await expectRefused(await act(student, c.requestIdx, "cancel"), 409, "INVALID_STATE");
    }
  });
});

describe("start", () => {
  it("the recipient starts from PENDING or SCHEDULED", async () => {
    const p = await namedConsultation();
    const a = await actOk(professor, p.requestIdx, "start");
    expect(a).toMatchObject({ status: "IN_PROGRESS", recipientUserCode: "PROF001" });
    expect(a.startedAt).not.toBeNull();
    const s = await namedConsultation("SCHEDULED");
    expect(await actOk(professor, s.requestIdx, "start")).toMatchObject({ status: "IN_PROGRESS" });
  });

  it("refuses others with 403 and started or closed consultations with 409", async () => {
    const p = await namedConsultation();
    for (const who of [student, professor2, admin, student2]) await expectRefused(await act(who, p.requestIdx, "start"), 403, "FORBIDDEN");
    for (const state of ["IN_PROGRESS", "COMPLETED"] as const) {
      const c = await namedConsultation(state);
      await expectRefused(await act(professor, c.requestIdx, "start"), 409, "INVALID_STATE");
    }
  });

  it("a counselor takes a queue item by starting it", async () => {
    const item = await queueItem();
    await expectRefused(await act(student2, item.requestIdx, "start"), 403, "FORBIDDEN");
    expect(await actOk(agent, item.requestIdx, "start")).toMatchObject({ status: "IN_PROGRESS", recipientUserCode: "AGT001" });
  });

  it("after a transfer the new recipient starts it again and the first startedAt stays", async () => {
    const t = await namedConsultation("TRANSFERRED");
    const after = await actOk(professor2, t.requestIdx, "start");
    expect(after).toMatchObject({ status: "IN_PROGRESS", recipientUserCode: "PROF002", recipientName: "이교수", startedAt: t.startedAt });
  });
});

describe("transfer", () => {
  it("the recipient hands an open consultation to a colleague: PENDING, started, new recipient", async () => {
    const c = await namedConsultation("IN_PROGRESS");
    const t = await actOk(professor, c.requestIdx, "transfer", { toUserCode: "PROF002", toUserName: "이교수" });
    expect(t).toMatchObject({ status: "PENDING", recipientUserCode: "PROF002", recipientName: "이교수", startedAt: c.startedAt });
    await expectRefused(await act(professor, c.requestIdx, "transfer"), 403, "FORBIDDEN");
    await expectRefused(await act(professor, c.requestIdx, "end"), 403, "FORBIDDEN");
  });

  it("without toUserCode it goes back to the queue, where any counselor takes it", async () => {
    const item = await queueItem("returns");
    await actOk(agent, item.requestIdx, "start");
    const back = await actOk(agent, item.requestIdx, "transfer", {});
    expect(back).toMatchObject({ status: "PENDING", recipientUserCode: null, recipientName: null, category: "returns" });
    const queue = await apiJson("/api/consultations/queue?category=returns", { token: agent2 });
    expect(queue.body.items.map((i: { requestIdx: number }) => i.requestIdx)).toContain(item.requestIdx);
    expect(await actOk(agent2, item.requestIdx, "approve")).toMatchObject({ status: "SCHEDULED", recipientUserCode: "AGT002" });
  });

  it("an admin may transfer; SCHEDULED may be transferred", async () => {
    const c = await namedConsultation("SCHEDULED");
    expect(await actOk(admin, c.requestIdx, "transfer", { toUserCode: "PROF002" })).toMatchObject({ status: "PENDING", recipientUserCode: "PROF002" });
  });

  it("refuses the requester and strangers (403), not-open states (409), and pointless targets (400)", async () => {
    const c = await namedConsultation("IN_PROGRESS");
    for (const who of [student, professor2, agent]) await expectRefused(await act(who, c.requestIdx, "transfer"), 403, "FORBIDDEN");
    await expectRefused(await act(professor, c.requestIdx, "transfer", { toUserCode: "STU001" }), 400, "VALIDATION");
    await expectRefused(await act(professor, c.requestIdx, "transfer", { toUserCode: "PROF001" }), 400, "VALIDATION");
    await expectRefused(await act(professor, c.requestIdx, "transfer", { toUserCode: 42 }), 400, "VALIDATION");
    const p = await namedConsultation();
    await expectRefused(await act(professor, p.requestIdx, "transfer"), 409, "INVALID_STATE");
    const done = await namedConsultation("COMPLETED");
    await expectRefused(await act(admin, done.requestIdx, "transfer"), 409, "INVALID_STATE");
  });
});

describe("end", () => {
  it("either participant or an admin ends an open consultation", async () => {
    for (const who of [student, professor, admin]) {
      const c = await namedConsultation("IN_PROGRESS");
      const done = await actOk(who, c.requestIdx, "end");
      // The room holds the "started" SYSTEM message, so there is an archive.
      const chatLogKey = `archive/chat_${c.requestIdx}_final.txt`;
      expect(done).toMatchObject({ status: "COMPLETED", endedBy: who.sub, durationMinutes: 0, chatLogKey });
      expect(done.endedAt).not.toBeNull();
    }
  });

  it("ends a SCHEDULED (never started) one with durationMinutes null, and a transferred one", async () => {
    const s = await namedConsultation("SCHEDULED");
    expect(await actOk(student, s.requestIdx, "end")).toMatchObject({ status: "COMPLETED", durationMinutes: null });
    const t = await namedConsultation("TRANSFERRED");
    expect(await actOk(student, t.requestIdx, "end")).toMatchObject({ status: "COMPLETED", durationMinutes: 0 });
  });

  it("POST /api/consultations/end takes {requestIdx}", async () => {
    const c = await namedConsultation("IN_PROGRESS");
    const res = await apiJson("/api/consultations/end", { token: professor, body: { requestIdx: c.requestIdx } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ requestIdx: c.requestIdx, status: "COMPLETED", endedBy: "PROF001" });
    await expectRefused(await apiJson("/api/consultations/end", { token: professor, body: {} }), 400, "VALIDATION");
    await expectRefused(await apiJson("/api/consultations/end", { token: professor, body: { requestIdx: "x" } }), 400, "VALIDATION");
    await expectRefused(await apiJson("/api/consultations/end", { token: professor, body: { requestIdx: 99999999 } }), 404, "NOT_FOUND");
  });

  it("refuses strangers (403), never-started PENDING and closed ones (409)", async () => {
    const c = await namedConsultation("IN_PROGRESS");
    for (const who of [student2, professor2, agent]) await expectRefused(await act(who, c.requestIdx, "end"), 403, "FORBIDDEN");
    const p = await namedConsultation();
    await expectRefused(await act(student, p.requestIdx, "end"), 409, "INVALID_STATE");
    const done = await namedConsultation("COMPLETED");
    await expectRefused(await act(student, done.requestIdx, "end"), 409, "INVALID_STATE");
    const q = await queueItem();
    await expectRefused(await act(admin, q.requestIdx, "end"), 409, "INVALID_STATE");
  });
});

describe("every action", () => {
  it("answers 404 for an unknown id or one not written plainly, 401 without a token", async () => {
    for (const action of ["approve", "reject", "cancel", "start", "transfer", "end"]) {
      await expectRefused(await act(professor, 99999999, action, { reason: "r" }), 404, "NOT_FOUND");
      await expectRefused(await act(professor, Number.NaN, action, { reason: "r" }), 404, "NOT_FOUND");
      const res = await apiJson(`/api/consultations/1/${action}`, { method: "POST" });
      await expectRefused(res, 401, "UNAUTHORIZED");
    }
  });
});

describe("service entry points without HTTP", () => {
  const userOf = (c: { sub: string; name: string; role: string }): User => ({
    userCode: c.sub, name: c.name, role: c.role, isCounselor: c.role === "professor", isAdmin: c.role === "admin", exp: null,
  });

  it("approve with scheduledAt null clears the requested time", async () => {
    const c = await createConsultation(student, { recipientUserCode: "PROF001", title: "t", scheduledAt: "2030-01-01T00:00:00Z" });
    expect(await actOk(professor, c.requestIdx, "approve", { scheduledAt: null })).toMatchObject({ scheduledAt: null });
  });

  it("a participant's first chat message starts a SCHEDULED consultation, once", async () => {
    const deps = getServices(testEnv);
    const c = await namedConsultation("SCHEDULED");
    expect(await startOnFirstMessage(deps, c.requestIdx, userOf(student2))).toBeNull();
    const started = await startOnFirstMessage(deps, c.requestIdx, userOf(student));
    expect(started).toMatchObject({ status: "IN_PROGRESS" });
    expect(started!.startedAt).not.toBeNull();
    expect(await startOnFirstMessage(deps, c.requestIdx, userOf(professor))).toBeNull();
  });

  it("planned on the room's copy of the row (no read); a stale copy only misses the guard", async () => {
    const deps = getServices(testEnv);
    const c = await namedConsultation("SCHEDULED");
    const started = await startOnFirstMessage(deps, c.requestIdx, userOf(student), c);
    expect(started).toMatchObject({ status: "IN_PROGRESS", requestIdx: c.requestIdx });
    // The same (now stale) SCHEDULED copy again: the guarded write misses, the row is read, nothing starts twice.
    expect(await startOnFirstMessage(deps, c.requestIdx, userOf(professor), c)).toBeNull();
    const row = (await deps.repository.findById(c.requestIdx))!;
    expect(row.startedAt).toEqual(started!.startedAt);
    expect(row.updatedAt).toEqual(started!.updatedAt);
  });

  it("the cleanup job ends an open consultation as SYSTEM", async () => {
    const c = await namedConsultation("IN_PROGRESS");
    const done = await endConsultation(getServices(testEnv), c.requestIdx, SYSTEM);
    expect(done).toMatchObject({ status: "COMPLETED", endedBy: "SYSTEM" });
    await expect(endConsultation(getServices(testEnv), c.requestIdx, SYSTEM)).rejects.toMatchObject({ code: "INVALID_STATE" });
  });

  it("if the room cannot archive, nothing changes and a later end succeeds", async () => {
    const c = await namedConsultation("IN_PROGRESS");
    const real = getServices(testEnv);
    const calls: string[] = [];
    const failing = {
      ...real,
      gateway: {
        ...real.gateway,
        async archive() {
          calls.push("archive");
          throw upstreamError("The archive", new Error("bucket down"));
        },
        async completed() {
          calls.push("completed");
        },
      },
    };
    await expect(endConsultation(failing, c.requestIdx, userOf(student))).rejects.toMatchObject({ code: "UPSTREAM_UNAVAILABLE", status: 503 });
    expect(calls).toEqual(["archive"]);
    expect((await apiJson(`/api/consultations/${c.requestIdx}`, { token: student })).body).toMatchObject({ status: "IN_PROGRESS", endedAt: null });
    const keyed = { ...real, gateway: { ...real.gateway, archive: async () => ({ chatLogKey: "archive/chat_1_final.txt" }) } };
    expect(await endConsultation(keyed, c.requestIdx, userOf(student))).toMatchObject({ status: "COMPLETED", chatLogKey: "archive/chat_1_final.txt" });
  });
});
