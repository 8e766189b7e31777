/** SPEC section 4, connect: every refusal happens before the upgrade; tickets; `ready`. */
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { roomStub } from "../../src/chat/room-client";
import { api, apiJson, mintToken, people, testEnv } from "../support/api";
import { actOk, namedConsultation, queueItem } from "../support/consultations";
import { connect, post, upgrade } from "../support/sockets";

async function refused(res: Response, status: number, code: string) {
  expect(res.webSocket).toBeFalsy();
  expect(res.status).toBe(status);
  expect(await res.json()).toMatchObject({ code });
}

describe("connect refusals (before any socket opens)", () => {
  it("401 without credentials, with a bad token, an expired token or alg none", async () => {
    const c = await namedConsultation("IN_PROGRESS");
    await refused(await upgrade(c.requestIdx), 401, "UNAUTHORIZED");
    await refused(await upgrade(c.requestIdx, { token: "not.a.jwt" }), 401, "UNAUTHORIZED");
    await refused(await upgrade(c.requestIdx, { token: await mintToken(people.student, { expiresIn: "-10m" }) }), 401, "UNAUTHORIZED");
    await refused(await upgrade(c.requestIdx, { token: await mintToken(people.student, { secret: "another-secret-of-enough-length!" }) }), 401, "UNAUTHORIZED");
    const none = `${btoa('{"alg":"none"}').replace(/=+$/, "")}.${btoa(JSON.stringify({ sub: "STU001" })).replace(/=+$/, "")}.`;
    await refused(await upgrade(c.requestIdx, { token: none }), 401, "UNAUTHORIZED");
  });

  it("403 for someone who is not a participant", async () => {
    const c = await namedConsultation("IN_PROGRESS");
    await refused(await upgrade(c.requestIdx, { token: people.student2 }), 403, "FORBIDDEN");
    await refused(await upgrade(c.requestIdx, { token: people.professor2 }), 403, "FORBIDDEN");
  });

  it("404 for no such consultation and for an id not written plainly", async () => {
    await refused(await upgrade(987654321, { token: people.student }), 404, "NOT_FOUND");
    await refused(await upgrade("abc", { token: people.student }), 404, "NOT_FOUND");
  });

  it("409 when the consultation is not open (never-started PENDING, queue item, COMPLETED)", async () => {
    const pending = await namedConsultation("PENDING");
    await refused(await upgrade(pending.requestIdx, { token: people.student }), 409, "INVALID_STATE");
    await refused(await upgrade(pending.requestIdx, { token: people.professor }), 409, "INVALID_STATE");
    const queued = await queueItem();
    await refused(await upgrade(queued.requestIdx, { token: people.student }), 409, "INVALID_STATE");
    const done = await namedConsultation("COMPLETED");
    await refused(await upgrade(done.requestIdx, { token: people.student }), 409, "INVALID_STATE");
    await refused(await upgrade(done.requestIdx, { token: people.admin }), 409, "INVALID_STATE");
  });

  it("426 without Upgrade: websocket", async () => {
    const c = await namedConsultation("IN_PROGRESS");
    const res = await api(`/api/chat/ws/${c.requestIdx}`, { token: people.student });
    expect(res.status).toBe(426);
    expect(await res.json()).toMatchObject({ code: "VALIDATION" });
  });

  it("after a transfer only the requester (and admins) may connect", async () => {
    const c = await namedConsultation("TRANSFERRED");
    expect(c).toMatchObject({ status: "PENDING", recipientUserCode: people.professor2.sub });
    await connect(c.requestIdx, { token: people.student }).then(({ client }) => client.close());
    await refused(await upgrade(c.requestIdx, { token: people.professor }), 403, "FORBIDDEN");
    await refused(await upgrade(c.requestIdx, { token: people.professor2 }), 409, "INVALID_STATE");
    await connect(c.requestIdx, { token: people.admin }).then(({ client }) => client.close());
    // Once the new recipient takes it, they join and see the whole history.
    await actOk(people.professor2, c.requestIdx, "start");
    const { client, ready } = await connect(c.requestIdx, { token: people.professor2 });
    expect(ready).toMatchObject({ status: "IN_PROGRESS" });
    client.send({ type: "sync", afterSeq: 0 });
    const history = await client.next("history");
    expect(history.messages.map((m: { type: string }) => m.type)).toEqual(["SYSTEM", "SYSTEM", "SYSTEM"]);
    client.close();
  });

  it("ALLOWED_ORIGINS set: other Origins get 403; listed ones, the own origin and non-browser clients connect", async () => {
    const c = await namedConsultation("IN_PROGRESS");
    const env = { ...testEnv, ALLOWED_ORIGINS: "https://app.example, https://admin.example" };
    for (const origin of ["https://evil.example", "null", "https://app.example:8443"]) {
      await refused(await upgrade(c.requestIdx, { token: people.student, env, headers: { Origin: origin } }), 403, "FORBIDDEN");
    }
    for (const headers of [{ Origin: "https://admin.example" }, { Origin: "http://test.local" }, {}] as Record<string, string>[]) {
      const ok = await upgrade(c.requestIdx, { token: people.student, env, headers });
      expect(ok.status, JSON.stringify(headers)).toBe(101);
      ok.webSocket!.accept();
      ok.webSocket!.close();
    }
  });
  // ALLOWED_ORIGINS unset (any Origin connects): test/http/security-headers.test.ts, beside the REST rule.
});

describe("ready", () => {
  it("tells the room, its status, the last seq, who you are, the read marks and the delivered marks", async () => {
    const c = await namedConsultation("IN_PROGRESS");
    const first = await connect(c.requestIdx, { token: people.student });
    expect(first.ready).toEqual({
      type: "ready",
      requestIdx: c.requestIdx,
      status: "IN_PROGRESS",
      lastSeq: 1, // the SYSTEM "started" message
      you: { userCode: "STU001", name: "홍길동", role: "student" },
      reads: [],
      delivered: [],
    });
    await post(first.client, "hi");
    first.client.send({ type: "read", upToSeq: 2 });
    await first.client.next("read");
    const second = await connect(c.requestIdx, { token: people.professor });
    expect(second.ready).toMatchObject({ lastSeq: 2, you: { userCode: "PROF001", role: "professor" }, reads: [{ userCode: "STU001", upToSeq: 2 }], delivered: [{ userCode: "STU001", upToSeq: 2 }] });
    first.client.close();
    second.client.close();
  });
});

describe("tickets", () => {
  const ticketFor = (as: (typeof people)[keyof typeof people], id: number) =>
    apiJson<{ ticket: string; expiresIn: number }>(`/api/chat/ticket/${id}`, { token: as, method: "POST" });

  it("a ticket connects its user once; a reuse is 401", async () => {
    const c = await namedConsultation("IN_PROGRESS");
    const t = await ticketFor(people.professor, c.requestIdx);
    expect(t.status).toBe(200);
    expect(t.body.expiresIn).toBeGreaterThan(0);
    expect(t.body.expiresIn).toBeLessThanOrEqual(60);
    const { client, ready } = await connect(c.requestIdx, { ticket: t.body.ticket });
    expect(ready.you.userCode).toBe("PROF001");
    client.close();
    await refused(await upgrade(c.requestIdx, { ticket: t.body.ticket }), 401, "UNAUTHORIZED");
  });

  it("two connects racing with one ticket: exactly one wins", async () => {
    const c = await namedConsultation("IN_PROGRESS");
    const t = await ticketFor(people.student, c.requestIdx);
    const results = await Promise.all([upgrade(c.requestIdx, { ticket: t.body.ticket }), upgrade(c.requestIdx, { ticket: t.body.ticket })]);
    expect(results.map((r) => r.status).sort()).toEqual([101, 401]);
    const winner = results.find((r) => r.status === 101)!.webSocket!;
    winner.accept();
    winner.close();
  });

  it("a ticket is bound to its room; unknown tickets are 401", async () => {
    const a = await namedConsultation("IN_PROGRESS");
    const b = await namedConsultation("IN_PROGRESS");
    const t = await ticketFor(people.student, a.requestIdx);
    await refused(await upgrade(b.requestIdx, { ticket: t.body.ticket }), 401, "UNAUTHORIZED");
    await refused(await upgrade(a.requestIdx, { ticket: "made-up" }), 401, "UNAUTHORIZED");
    await refused(await upgrade(a.requestIdx, { ticket: "" }), 400, "VALIDATION");
  });

  it("an expired ticket is 401", async () => {
    const c = await namedConsultation("IN_PROGRESS");
    const t = await ticketFor(people.student, c.requestIdx);
    await runInDurableObject(roomStub(testEnv, c.requestIdx), (_room, state) => {
      state.storage.sql.exec(`UPDATE tickets SET expires_ms = ? WHERE ticket = ?`, Date.now() - 1, t.body.ticket);
    });
    await refused(await upgrade(c.requestIdx, { ticket: t.body.ticket }), 401, "UNAUTHORIZED");
  });

  it("never outlives the token it was issued for", async () => {
    const c = await namedConsultation("IN_PROGRESS");
    const shortToken = await mintToken(people.student, { expiresIn: "20s" });
    const t = await ticketFor(shortToken as never, c.requestIdx);
    expect(t.body.expiresIn).toBeLessThanOrEqual(20);
  });

  it("is refused with the same statuses as the connect", async () => {
    const open = await namedConsultation("IN_PROGRESS");
    const pending = await namedConsultation("PENDING");
    expect((await api(`/api/chat/ticket/${open.requestIdx}`, { method: "POST" })).status).toBe(401);
    expect((await ticketFor(people.student2, open.requestIdx)).status).toBe(403);
    expect((await ticketFor(people.student, 987654321)).status).toBe(404);
    expect((await ticketFor(people.student, pending.requestIdx)).body).toMatchObject({ code: "INVALID_STATE" });
    expect((await apiJson(`/api/chat/ticket/x`, { token: people.student, method: "POST" })).body).toMatchObject({ code: "NOT_FOUND" });
  });
});
