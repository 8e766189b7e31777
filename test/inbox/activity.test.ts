/**
 * SPEC section 9: `activity` (coalesced to ≤ 1 frame a second per room) and `unread`, with
 * unread counts equal to what the room's read marks say.
 */
import { describe, expect, it } from "vitest";
import type { Consultation } from "../../src/domain/types";
import { apiJson, type Claims } from "../support/api";
import { actOk, createConsultation } from "../support/consultations";
import { connectInbox, someone } from "../support/inbox";
import { connect, post, type Client, type Frame } from "../support/sockets";

/** A running consultation between a fresh student and a fresh professor (seq 1 is the SYSTEM "started"). */
async function running(): Promise<{ s: Claims; p: Claims; c: Consultation }> {
  const s = someone("student");
  const p = someone("professor");
  const asked = await createConsultation(s, { recipientUserCode: p.sub, title: "질문" });
  return { s, p, c: await actOk(p, asked.requestIdx, "start") };
}

/** The unread count SPEC section 9 defines, computed from the room's messages and read marks. */
async function expectedUnread(c: Consultation, user: Claims): Promise<number> {
  const { body } = await apiJson(`/api/chat/messages/${c.requestIdx}`, { token: user });
  const mark = body.reads.find((r: { userCode: string }) => r.userCode === user.sub)?.upToSeq ?? 0;
  return body.messages.filter((m: any) => (m.type === "NORMAL" || m.type === "FILE") && m.sender !== user.sub && m.seq > mark).length;
}

const activityOf = (client: Client, requestIdx: number, match: (f: Frame) => boolean = () => true) =>
  client.next((f) => f.type === "activity" && f.requestIdx === requestIdx && match(f));

describe("activity", () => {
  it("a new message reaches both participants' inboxes with the last message and each one's unread", async () => {
    const { s, p, c } = await running();
    const [sInbox, pInbox] = await Promise.all([connectInbox({ token: s }), connectInbox({ token: p })]);
    const room = (await connect(c.requestIdx, { token: s })).client;
    const long = "가".repeat(150);
    const ack = await post(room, long);
    const forP = await activityOf(pInbox.client, c.requestIdx);
    expect(forP).toMatchObject({ lastSeq: ack.seq, unread: 1, lastMessage: { sender: s.sub, senderName: s.name, type: "NORMAL" } });
    expect(Array.from(forP.lastMessage.preview as string).length).toBeLessThanOrEqual(100);
    expect(forP.lastMessage.sentAt).toBeTypeOf("string");
    // The sender's own message never counts for them.
    expect(await activityOf(sInbox.client, c.requestIdx)).toMatchObject({ lastSeq: ack.seq, unread: 0 });
    [room, sInbox.client, pInbox.client].forEach((x) => x.close());
  });

  it("a burst is coalesced: at most one frame a second per room, and the last one carries the newest state", async () => {
    const { s, p, c } = await running();
    const pInbox = await connectInbox({ token: p });
    const room = (await connect(c.requestIdx, { token: s })).client;
    const arrivals: { at: number; lastSeq: number; unread: number }[] = [];
    pInbox.client.ws.addEventListener("message", (e) => {
      const f = JSON.parse(e.data as string);
      if (f.type === "activity" && f.requestIdx === c.requestIdx) arrivals.push({ at: Date.now(), lastSeq: f.lastSeq, unread: f.unread });
    });
    let last = 0;
    let sent = 0;
    // ~6 messages a second for 2.5 s (under the room's 10/s rate limit).
    for (const deadline = Date.now() + 2500; Date.now() < deadline; sent++) {
      const ack = await post(room, `burst ${sent}`);
      expect(ack.type).toBe("ack");
      last = ack.seq;
      await new Promise((r) => setTimeout(r, 150));
    }
    await pInbox.client.until(() => arrivals.some((a) => a.lastSeq === last), "the newest activity");
    expect(sent).toBeGreaterThan(10);
    // ~2.5 s of messages: at most 4 frames (the first at once, then one per second).
    expect(arrivals.length).toBeGreaterThanOrEqual(2);
    expect(arrivals.length).toBeLessThanOrEqual(4);
    for (let i = 1; i < arrivals.length; i++) expect(arrivals[i]!.at - arrivals[i - 1]!.at).toBeGreaterThanOrEqual(900);
    expect(arrivals.at(-1)).toMatchObject({ lastSeq: last, unread: sent });
    expect(arrivals.map((a) => a.lastSeq)).toEqual([...arrivals.map((a) => a.lastSeq)].sort((a, b) => a - b));
    room.close();
    pInbox.client.close();
  });

  it("an inbox closed while messages flowed gets activity again as soon as it reconnects", async () => {
    const { s, p, c } = await running();
    const room = (await connect(c.requestIdx, { token: s })).client;
    let pInbox = await connectInbox({ token: p });
    await post(room, "하나");
    await activityOf(pInbox.client, c.requestIdx);
    pInbox.client.close();
    // With no inbox socket left, the room learns from its next notice and stops telling it.
    for (const text of ["둘", "셋", "넷"]) await post(room, text);
    await new Promise((r) => setTimeout(r, 300));
    pInbox = await connectInbox({ token: p });
    expect(pInbox.ready.unread).toEqual({ [String(c.requestIdx)]: 4 });
    const ack = await post(room, "다섯");
    expect(await activityOf(pInbox.client, c.requestIdx)).toMatchObject({ lastSeq: ack.seq, unread: 5 });
    [room, pInbox.client].forEach((x) => x.close());
  });

  it("rooms have separate budgets: activity of room B is not held back by room A's", async () => {
    const a = await running();
    const s = a.s;
    const p = a.p;
    const bAsked = await createConsultation(s, { recipientUserCode: p.sub, title: "둘째" });
    const b = await actOk(p, bAsked.requestIdx, "start");
    const pInbox = await connectInbox({ token: p });
    const roomA = (await connect(a.c.requestIdx, { token: s })).client;
    const roomB = (await connect(b.requestIdx, { token: s })).client;
    await post(roomA, "a1");
    await activityOf(pInbox.client, a.c.requestIdx);
    const t = Date.now();
    await post(roomB, "b1");
    await activityOf(pInbox.client, b.requestIdx);
    expect(Date.now() - t).toBeLessThan(500);
    [roomA, roomB, pInbox.client].forEach((x) => x.close());
  });
});

describe("unread", () => {
  it("equals the room's read marks: counts the other side's NORMAL messages above the mark, falls on read, survives reconnects", async () => {
    const { s, p, c } = await running();
    const sRoom = (await connect(c.requestIdx, { token: s })).client;
    const pRoom = (await connect(c.requestIdx, { token: p })).client;
    const acks = [];
    for (const text of ["하나", "둘", "셋", "넷"]) acks.push(await post(sRoom, text));
    await post(pRoom, "professor's own reply"); // never unread for the professor

    let pInbox = await connectInbox({ token: p });
    expect(pInbox.ready.unread).toEqual({ [String(c.requestIdx)]: 4 });
    expect(await expectedUnread(c, p)).toBe(4);
    // The student has one unread (the professor's reply); SYSTEM "started" is not counted.
    const sInbox = await connectInbox({ token: s });
    expect(sInbox.ready.unread).toEqual({ [String(c.requestIdx)]: 1 });

    // A read short of the newest message recounts from the room.
    pRoom.send({ type: "read", upToSeq: acks[1]!.seq });
    expect(await pInbox.client.next("unread")).toEqual({ type: "unread", requestIdx: c.requestIdx, unread: 2 });
    expect(await expectedUnread(c, p)).toBe(2);

    // Another device of the same user: the count is server-side, the same everywhere.
    pInbox.client.close();
    pInbox = await connectInbox({ token: p });
    expect(pInbox.ready.unread).toEqual({ [String(c.requestIdx)]: 2 });

    pRoom.send({ type: "read", upToSeq: 10_000 }); // clamped to the newest
    expect(await pInbox.client.next("unread")).toMatchObject({ requestIdx: c.requestIdx, unread: 0 });
    expect(await expectedUnread(c, p)).toBe(0);
    const again = await connectInbox({ token: p });
    expect(again.ready.unread).toEqual({});

    // A mark that does not move sends nothing.
    pRoom.send({ type: "read", upToSeq: acks[0]!.seq });
    await pRoom.roundTrip();
    await post(sRoom, "다섯");
    expect(await activityOf(again.client, c.requestIdx)).toMatchObject({ unread: 1 });
    expect(again.client.frames.filter((f) => f.type === "unread")).toEqual([]);
    [sRoom, pRoom, pInbox.client, again.client, sInbox.client].forEach((x) => x.close());
  });

  it("reads racing new messages: the count after the race is the room's", async () => {
    const { s, p, c } = await running();
    const sRoom = (await connect(c.requestIdx, { token: s })).client;
    const pRoom = (await connect(c.requestIdx, { token: p })).client;
    for (let i = 0; i < 5; i++) await post(sRoom, `m${i}`);
    // A read short of the newest, while more messages arrive.
    pRoom.send({ type: "read", upToSeq: 3 });
    const more = [post(sRoom, "x1"), post(sRoom, "x2"), post(sRoom, "x3")];
    await Promise.all(more);
    await pRoom.roundTrip();
    const expected = await expectedUnread(c, p);
    expect(expected).toBe(6); // seq 4..6 of the first five (seq 1 is SYSTEM) and the three new
    await expect.poll(async () => (await connectInbox({ token: p }).then(({ client, ready }) => (client.close(), ready.unread[String(c.requestIdx)])))).toBe(expected);
    [sRoom, pRoom].forEach((x) => x.close());
  });
});
