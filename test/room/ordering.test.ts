/** SPEC section 4, rules: one gapless seq order for everyone, exactly-once sends, rate limit. */
import { describe, expect, it } from "vitest";
import { apiJson, people } from "../support/api";
import { namedConsultation } from "../support/consultations";
import { connect, post, type Client } from "../support/sockets";

const seqsOf = (c: Client) => c.frames.filter((f) => f.type === "message").map((f) => f.message.seq as number);

describe("ordering across devices", () => {
  it("both participants on several devices, sending at once: everyone gets every message once, in one gapless order", async () => {
    const c = await namedConsultation("IN_PROGRESS");
    const devices: Client[] = [];
    for (const who of [people.student, people.student, people.professor, people.professor]) {
      devices.push((await connect(c.requestIdx, { token: who })).client);
    }
    const admin = (await connect(c.requestIdx, { token: people.admin })).client;
    const perDevice = 8;
    // Fire everything without waiting: sends from four sockets interleave in the room.
    devices.forEach((d, i) => {
      for (let n = 0; n < perDevice; n++) d.send({ type: "send", clientMsgId: `d${i}-${n}`, content: `device ${i} #${n}` });
    });
    const total = devices.length * perDevice;
    for (const d of [...devices, admin]) await d.all("message", total);
    for (const d of devices) await d.all("ack", perDevice);
    const expected = Array.from({ length: total }, (_, i) => i + 2); // seq 1 is the SYSTEM start
    const reference = devices[0]!.frames.filter((f) => f.type === "message").map((f) => f.message.id);
    for (const d of [...devices, admin]) {
      expect(seqsOf(d)).toEqual(expected);
      expect(d.frames.filter((f) => f.type === "message").map((f) => f.message.id)).toEqual(reference);
    }
    // Every sender's own messages are in its send order, and each got exactly one ack.
    devices.forEach((d, i) => {
      const mine = d.frames.filter((f) => f.type === "message" && f.message.clientMsgId.startsWith(`d${i}-`));
      expect(mine.map((f) => f.message.content)).toEqual(Array.from({ length: perDevice }, (_, n) => `device ${i} #${n}`));
      expect(d.frames.filter((f) => f.type === "ack")).toHaveLength(perDevice);
    });
    const stored = await apiJson(`/api/chat/messages/${c.requestIdx}`, { token: people.admin });
    expect(stored.body.messageCount).toBe(total + 1);
    expect(stored.body.messages.slice(1).map((m: { id: string }) => m.id)).toEqual(reference);
    [...devices, admin].forEach((d) => d.close());
  });
});

describe("clientMsgId dedupe", () => {
  it("a retried send gets the same ack and nobody gets a second message", async () => {
    const c = await namedConsultation("IN_PROGRESS");
    const laptop = (await connect(c.requestIdx, { token: people.student })).client;
    const other = (await connect(c.requestIdx, { token: people.professor })).client;
    const first = await post(laptop, "once", "retry-1");
    const again = await post(laptop, "once", "retry-1");
    expect(again).toEqual(first);
    // Also from another device of the same user, and while the first is still in flight.
    const phone = (await connect(c.requestIdx, { token: people.student })).client;
    expect(await post(phone, "once", "retry-1")).toEqual(first);
    laptop.send({ type: "send", clientMsgId: "burst", content: "x" });
    laptop.send({ type: "send", clientMsgId: "burst", content: "x" });
    const acks = await laptop.all("ack", 4);
    expect(acks[2]).toEqual(acks[3]);
    // A later message is a barrier: a duplicate would have had a lower seq and arrived first.
    await post(other, "after", "after");
    await other.all("message", 3);
    expect(other.frames.filter((f) => f.type === "message").map((f) => f.message.clientMsgId)).toEqual(["retry-1", "burst", "after"]);
    const stored = await apiJson(`/api/chat/messages/${c.requestIdx}`, { token: people.student });
    expect(stored.body.messageCount).toBe(4);
    [laptop, phone, other].forEach((d) => d.close());
  });

  it("copies racing while the first message starts a SCHEDULED room are stored once", async () => {
    const c = await namedConsultation("SCHEDULED");
    const laptop = (await connect(c.requestIdx, { token: people.student })).client;
    const phone = (await connect(c.requestIdx, { token: people.student })).client;
    for (const device of [laptop, phone, laptop]) device.send({ type: "send", clientMsgId: "first", content: "hello" });
    laptop.send({ type: "send", clientMsgId: "second", content: "again" });
    const [a1, a2] = await laptop.all("ack", 3).then((acks) => acks.filter((f) => f.clientMsgId === "first"));
    const [p1] = await phone.results(["first"]);
    expect(a2).toEqual(a1);
    expect(p1).toEqual(a1);
    await laptop.all("message", 3);
    expect(laptop.frames.filter((f) => f.type === "message").map((f) => f.message.clientMsgId)).toEqual([null, "first", "second"]);
    const stored = await apiJson(`/api/chat/messages/${c.requestIdx}`, { token: people.student });
    expect(stored.body.messageCount).toBe(3);
    laptop.close();
    phone.close();
  });

  it("the same clientMsgId from the other participant is their own message", async () => {
    const c = await namedConsultation("IN_PROGRESS");
    const s = (await connect(c.requestIdx, { token: people.student })).client;
    const p = (await connect(c.requestIdx, { token: people.professor })).client;
    const a = await post(s, "mine", "same-id");
    const b = await post(p, "yours", "same-id");
    expect(b.seq).toBe(a.seq + 1);
    s.close();
    p.close();
  });
});

describe("rate limit", () => {
  it("beyond the burst a user's sends get RATE_LIMITED and nothing is stored; others are unaffected", async () => {
    const c = await namedConsultation("IN_PROGRESS");
    const s = (await connect(c.requestIdx, { token: people.student })).client;
    const phone = (await connect(c.requestIdx, { token: people.student })).client;
    const p = (await connect(c.requestIdx, { token: people.professor })).client;
    const n = 120; // a burst of 20 plus 10/s could only absorb this over ~10 s
    const ids = Array.from({ length: n / 2 }, (_, i) => `m${i}`);
    for (const id of ids) {
      s.send({ type: "send", clientMsgId: `laptop-${id}`, content: id });
      phone.send({ type: "send", clientMsgId: `phone-${id}`, content: id });
    }
    const results = [...(await s.results(ids.map((id) => `laptop-${id}`))), ...(await phone.results(ids.map((id) => `phone-${id}`)))];
    expect(results).toHaveLength(n);
    const limited = results.filter((f) => f.type === "error");
    expect(limited.length).toBeGreaterThan(0);
    expect(limited.every((f) => f.code === "RATE_LIMITED" && typeof f.clientMsgId === "string")).toBe(true);
    const acked = results.filter((f) => f.type === "ack").length;
    expect(acked).toBeGreaterThanOrEqual(20);
    expect(await post(p, "the professor is not limited")).toMatchObject({ type: "ack" });
    const stored = await apiJson(`/api/chat/messages/${c.requestIdx}`, { token: people.student });
    expect(stored.body.messageCount).toBe(1 + acked + 1);
    [s, phone, p].forEach((d) => d.close());
  });
});
