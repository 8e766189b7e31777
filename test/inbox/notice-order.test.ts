/**
 * src/inbox/notice-order.ts in a real InboxDO: notices reach an inbox over separate RPCs
 * (rooms, the lifecycle, admin shards) and may come in any order. Here they are delivered
 * out of order on purpose, by calling the inbox's RPC methods directly, and the sockets
 * must only ever see the newest state.
 */
import { describe, expect, it } from "vitest";
import type { Consultation } from "../../src/domain/types";
import { inboxStub } from "../../src/live/inbox-client";
import { testEnv, type Claims } from "../support/api";
import { actOk, createConsultation } from "../support/consultations";
import { connectInbox, someone } from "../support/inbox";
import { connect, post, type Client } from "../support/sockets";

const lastMessage = { sender: "S", senderName: "S", type: "NORMAL", preview: "hi", sentAt: new Date(0).toISOString() } as const;
const notice = (requestIdx: number, lastSeq: number, unread: number, version: number) => ({ requestIdx, lastSeq, unread, version, lastMessage });
const framesOf = (client: Client, type: string, requestIdx: number) =>
  client.frames.filter((f) => f.type === type && (f.requestIdx ?? f.consultation?.requestIdx) === requestIdx);

async function running(): Promise<{ s: Claims; p: Claims; c: Consultation }> {
  const s = someone("student");
  const p = someone("professor");
  const asked = await createConsultation(s, { recipientUserCode: p.sub, title: "순서" });
  return { s, p, c: await actOk(p, asked.requestIdx, "start") };
}

describe("notice order", () => {
  it("a consultation frame older than one already sent is dropped; the same version passes (queue places)", async () => {
    const { p, c } = await running();
    const inbox = inboxStub(testEnv, p.sub);
    const { client } = await connectInbox({ token: p });
    const later = new Date(Date.parse(c.updatedAt) + 5_000).toISOString();
    const ended = { ...c, status: "COMPLETED" as const, updatedAt: later };
    expect(await inbox.consultationChanged(ended)).toBe(1);
    // The start's own notice, overtaken on the way: older than what the socket has.
    expect(await inbox.consultationChanged({ ...c, updatedAt: new Date(Date.parse(c.updatedAt) + 1_000).toISOString() })).toBe(0);
    expect(await inbox.consultationChanged(ended)).toBe(1);
    await client.roundTrip();
    expect(framesOf(client, "consultation", c.requestIdx).map((f) => f.consultation.status)).toEqual(["COMPLETED", "COMPLETED"]);
    client.close();
  });

  it("a consultation frame older than the row in `ready` never follows it", async () => {
    const { p, c } = await running();
    const { client, ready } = await connectInbox({ token: p });
    expect(ready.consultations.find((x: Consultation) => x.requestIdx === c.requestIdx)).toMatchObject({ status: "IN_PROGRESS" });
    const approved = { ...c, status: "SCHEDULED" as const, updatedAt: new Date(Date.parse(c.updatedAt) - 1).toISOString() };
    expect(await inboxStub(testEnv, p.sub).consultationChanged(approved)).toBe(0);
    await client.roundTrip();
    expect(framesOf(client, "consultation", c.requestIdx)).toEqual([]);
    client.close();
  });

  it("activity: an older notice is dropped, one computed before a read carries the read's count, an older unread is dropped", async () => {
    const { p, c } = await running();
    const inbox = inboxStub(testEnv, p.sub);
    const { client } = await connectInbox({ token: p });
    const v = Date.now() + 60_000; // versions above the room's real ones (its clock is the wall clock)
    await inbox.roomActivity(notice(c.requestIdx, 30, 2, v + 20));
    await client.next((f) => f.type === "activity" && f.lastSeq === 30);
    await inbox.roomActivity(notice(c.requestIdx, 29, 1, v + 10)); // overtaken: dropped
    await inbox.unreadChanged(c.requestIdx, 0, v + 15); // a read older than the count sent: dropped
    await inbox.unreadChanged(c.requestIdx, 0, v + 30); // a newer read: passes
    await inbox.roomActivity(notice(c.requestIdx, 31, 3, v + 25)); // new message, counted before that read
    await client.next((f) => f.type === "activity" && f.lastSeq === 31); // held for the interval, then flushed
    await client.roundTrip();
    expect(framesOf(client, "activity", c.requestIdx).map((f) => [f.lastSeq, f.unread])).toEqual([[30, 2], [31, 0]]);
    expect(framesOf(client, "unread", c.requestIdx).map((f) => f.unread)).toEqual([0]);
    expect(client.frames.some((f) => "version" in f)).toBe(false); // the version stays between room and inbox
    client.close();
  });

  it("after `ready` on the only socket, a notice it already covers is dropped; with another socket open it still reaches that one", async () => {
    const { s, p, c } = await running();
    const room = (await connect(c.requestIdx, { token: s })).client;
    const ack = await post(room, "하나");
    const inbox = inboxStub(testEnv, p.sub);
    const first = await connectInbox({ token: p });
    expect(first.ready.unread).toEqual({ [String(c.requestIdx)]: 1 });
    // The notice of that message, arriving late (its version is older than the ready's count).
    await inbox.roomActivity(notice(c.requestIdx, ack.seq, 1, 1));
    await inbox.unreadChanged(c.requestIdx, 7, 1);
    await first.client.roundTrip();
    expect(framesOf(first.client, "activity", c.requestIdx)).toEqual([]);
    expect(framesOf(first.client, "unread", c.requestIdx)).toEqual([]);

    // A second device while the first is open: the first may still be owed a notice.
    const second = await post(room, "둘");
    const phone = await connectInbox({ token: p });
    expect(phone.ready.unread).toEqual({ [String(c.requestIdx)]: 2 });
    await first.client.next((f) => f.type === "activity" && f.lastSeq === second.seq);
    await inbox.roomActivity(notice(c.requestIdx, second.seq, 5, 1)); // the same message again: a duplicate, dropped
    await phone.client.roundTrip();
    expect(framesOf(phone.client, "activity", c.requestIdx).filter((f) => f.unread !== 2)).toEqual([]);
    [room, first.client, phone.client].forEach((x) => x.close());
  });
});
