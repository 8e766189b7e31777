/** SPEC sections 9 and 14, the inbox socket's connect: refusals before the upgrade, tickets, cap, ping. */
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { inboxStub } from "../../src/live/inbox-client";
import { decodeInboxTicket } from "../../src/live/inbox-tickets";
import { api, apiJson, mintToken, testEnv } from "../support/api";
import { connectInbox, inboxTicket, inboxUpgrade, someone } from "../support/inbox";
import { Client } from "../support/sockets";

async function refused(res: Response, status: number, code: string) {
  expect(res.webSocket).toBeFalsy();
  expect(res.status).toBe(status);
  expect(await res.json()).toMatchObject({ code });
}

describe("refusals (before any socket opens)", () => {
  it("401 without credentials, with a bad, expired or foreign-signed token", async () => {
    const u = someone("student");
    await refused(await inboxUpgrade(), 401, "UNAUTHORIZED");
    await refused(await inboxUpgrade({ token: "not.a.jwt" }), 401, "UNAUTHORIZED");
    await refused(await inboxUpgrade({ token: await mintToken(u, { expiresIn: "-10m" }) }), 401, "UNAUTHORIZED");
    await refused(await inboxUpgrade({ token: await mintToken(u, { secret: "another-secret-of-enough-length!" }) }), 401, "UNAUTHORIZED");
    await refused(await inboxUpgrade({ headers: { Authorization: "Basic abc" } }), 401, "UNAUTHORIZED");
  });

  it("426 without Upgrade: websocket", async () => {
    const res = await api("/api/inbox/ws", { token: someone("student") });
    expect(res.status).toBe(426);
    expect(await res.json()).toMatchObject({ code: "VALIDATION" });
  });

  it("400 for an empty or oversized ticket, 401 for a malformed or made-up one", async () => {
    await refused(await inboxUpgrade({ ticket: "" }), 400, "VALIDATION");
    await refused(await inboxUpgrade({ ticket: "x".repeat(401) }), 400, "VALIDATION");
    await refused(await inboxUpgrade({ ticket: "made-up" }), 401, "UNAUTHORIZED");
    await refused(await inboxUpgrade({ ticket: `${btoa("STU001")}.${"a".repeat(43)}` }), 401, "UNAUTHORIZED");
    await refused(await inboxUpgrade({ ticket: `%%%.${"a".repeat(43)}` }), 401, "UNAUTHORIZED");
  });

  it("403 for an Origin outside ALLOWED_ORIGINS; allowed and absent origins connect", async () => {
    const env = { ...testEnv, ALLOWED_ORIGINS: "https://app.example" };
    const u = someone("student");
    await refused(await inboxUpgrade({ token: u, env, headers: { Origin: "https://evil.example" } }), 403, "FORBIDDEN");
    for (const headers of [{ Origin: "https://app.example" }, {}] as Record<string, string>[]) {
      const res = await inboxUpgrade({ token: u, env, headers });
      expect(res.status).toBe(101);
      const client = new Client(res.webSocket!);
      await client.next("ready");
      client.close();
    }
  });

  it("429 for the 11th socket of a user, before the upgrade; a closed one frees its place", async () => {
    const u = someone("student");
    const clients: Client[] = [];
    for (let i = 0; i < 10; i++) clients.push((await connectInbox({ token: u })).client);
    await refused(await inboxUpgrade({ token: u }), 429, "RATE_LIMITED");
    // Another user is not affected.
    const other = await connectInbox({ token: someone("student") });
    clients[0]!.close();
    await clients[0]!.closed();
    await expect.poll(() => inboxStub(testEnv, u.sub).socketCount()).toBe(9);
    clients[0] = (await connectInbox({ token: u })).client;
    [...clients, other.client].forEach((c) => c.close());
  });
});

describe("tickets", () => {
  it("POST /api/inbox/ticket needs a bearer token", async () => {
    expect((await api("/api/inbox/ticket", { method: "POST" })).status).toBe(401);
    expect((await api("/api/inbox/ticket", { method: "POST", token: "bad" })).status).toBe(401);
  });

  it("a ticket connects its user once (≤ 60 s); a reuse is 401", async () => {
    const u = someone("student");
    const t = await inboxTicket(u);
    expect(t.status).toBe(200);
    expect(t.body.expiresIn).toBeGreaterThan(0);
    expect(t.body.expiresIn).toBeLessThanOrEqual(60);
    const { client, ready } = await connectInbox({ ticket: t.body.ticket });
    expect(ready.you).toEqual({ userCode: u.sub, name: u.name, role: "student" });
    await refused(await inboxUpgrade({ ticket: t.body.ticket }), 401, "UNAUTHORIZED");
    client.close();
  });

  it("two connects racing with one ticket: exactly one wins", async () => {
    const t = await inboxTicket(someone("student"));
    const results = await Promise.all([inboxUpgrade({ ticket: t.body.ticket }), inboxUpgrade({ ticket: t.body.ticket })]);
    expect(results.map((r) => r.status).sort()).toEqual([101, 401]);
    for (const r of results) if (r.webSocket) new Client(r.webSocket).close();
  });

  it("an expired ticket is 401; a ticket never outlives its token", async () => {
    const u = someone("student");
    const t = await inboxTicket(u);
    const { secret } = decodeInboxTicket(t.body.ticket)!;
    await runInDurableObject(inboxStub(testEnv, u.sub), (_inbox, state) => {
      state.storage.sql.exec(`UPDATE tickets SET expires_ms = ? WHERE ticket = ?`, Date.now() - 1, secret);
    });
    await refused(await inboxUpgrade({ ticket: t.body.ticket }), 401, "UNAUTHORIZED");
    const short = await inboxTicket(await mintToken(u, { expiresIn: "20s" }));
    expect(short.body.expiresIn).toBeLessThanOrEqual(20);
  });

  it("a ticket is bound to its user: another user's code in front of it does not redeem it", async () => {
    const a = someone("student");
    const b = someone("student");
    const t = await inboxTicket(a);
    const { secret } = decodeInboxTicket(t.body.ticket)!;
    const forged = `${btoa(b.sub).replace(/=+$/, "")}.${secret}`;
    await refused(await inboxUpgrade({ ticket: forged }), 401, "UNAUTHORIZED");
    // The genuine ticket still works: the forged attempt consumed nothing of it.
    (await connectInbox({ ticket: t.body.ticket })).client.close();
  });
});

describe("frames from the client", () => {
  it("ping is answered by pong (the runtime's auto-response and the spaced spelling alike)", async () => {
    const { client } = await connectInbox({ token: someone("student") });
    client.send({ type: "ping" });
    await client.next("pong");
    client.send('{ "type": "ping" }');
    await client.next("pong");
    client.close();
  });

  it("anything else gets error BAD_FRAME and the socket stays open; over 16 KiB closes with 1009", async () => {
    const { client } = await connectInbox({ token: someone("student") });
    for (const frame of ["not json", '{"type":"send","content":"x"}', "[]", '"ping"']) {
      client.send(frame);
      expect(await client.next("error")).toMatchObject({ code: "BAD_FRAME" });
    }
    client.send({ type: "ping" });
    await client.next("pong");
    client.send("x".repeat(16 * 1024 + 1));
    expect((await client.closed()).code).toBe(1009);
  });

  it("a token that expires while connected closes its socket with 4001", async () => {
    const token = await mintToken(someone("student"), { expiresIn: "2s" });
    const { client } = await connectInbox({ token });
    expect((await client.closed()).code).toBe(4001);
  });
});

it("the ticket route is in /openapi.json with the socket route", async () => {
  const doc = await apiJson("/openapi.json");
  expect(Object.keys(doc.body.paths)).toEqual(expect.arrayContaining(["/api/inbox/ticket", "/api/inbox/ws"]));
});
