/**
 * A STOMP connection's object (StompDO) keeps nothing only in memory: evicted between
 * frames (its socket hibernates), it still delivers the rooms' messages in order, SENDs
 * still go through the room, and the followed rooms' registrations survive the room's
 * eviction too. A transferred-away recipient stops receiving the room at once.
 */
import { evictDurableObject } from "cloudflare:test";
import { expect, it } from "vitest";
import { roomStub } from "../../src/chat/room-client";
import { testEnv } from "../support/api";
import { actOk, createConsultation } from "../support/consultations";
import { someone } from "../support/inbox";
import { connect, post } from "../support/sockets";
import { StompSocket } from "../support/stomp-socket";

it("survives evictions of the connection and the room between frames; a transfer stops the old recipient's feed", async () => {
  const s = someone("student");
  const p = someone("professor");
  const p2 = someone("professor");
  const c = await actOk(p, (await createConsultation(s, { recipientUserCode: p.sub, title: "질문" })).requestIdx, "start");
  const id = c.requestIdx;

  const student = await StompSocket.connected(s);
  const prof = await StompSocket.connected(p);
  for (const x of [student, prof]) {
    x.socket.send("SUBSCRIBE\nid:0\ndestination:/user/queue/chat\nreceipt:sub\n\n\0");
    await x.socket.next((f) => f.command === "RECEIPT");
  }
  const stompObject = (x: typeof student) => testEnv.STOMP.getByName(x.connected.headers.session!);
  // History arrived: the SYSTEM "started" message.
  await expect.poll(() => student.socket.messages().length).toBe(1);

  await evictDurableObject(stompObject(student));
  const room = (await connect(id, { token: p })).client;
  const one = await post(room, "one");
  await expect.poll(() => student.socket.messages().map((m) => m.seq)).toEqual([1, one.seq]);

  await evictDurableObject(stompObject(student));
  await evictDurableObject(roomStub(testEnv, id));
  student.socket.send(`SEND\ndestination:/app/chat.send\nreceipt:r2\nclient-msg-id:two\ncontent-type:application/json\n\n${JSON.stringify({ requestIdx: id, content: "two" })}\0`);
  const receipt = await student.socket.next((f) => f.command === "RECEIPT" && f.headers["receipt-id"] === "r2");
  expect(await room.next((f) => f.type === "message" && f.message.content === "two")).toMatchObject({ message: { seq: Number(receipt.headers.seq), clientMsgId: "two" } });
  await expect.poll(() => student.socket.messages().map((m) => m.content)).toEqual([expect.any(String), "one", "two"]);
  await expect.poll(() => prof.socket.messages().map((m) => m.content)).toEqual([expect.any(String), "one", "two"]);

  // Transferred away: the old recipient's STOMP feed stops; the requester's goes on.
  await actOk(p, id, "transfer", { toUserCode: p2.sub, toUserName: p2.name });
  await expect.poll(() => student.socket.messages().length).toBe(4); // the SYSTEM "transferred" message
  student.socket.send(`SEND\ndestination:/app/chat.send\nreceipt:r3\n\n${JSON.stringify({ requestIdx: id, content: "after" })}\0`);
  await student.socket.next((f) => f.command === "RECEIPT" && f.headers["receipt-id"] === "r3");
  await expect.poll(() => student.socket.messages().at(-1)?.content).toBe("after");
  // The room forwards to every registered connection in the same turn; give a wrong one time to arrive.
  await new Promise((r) => setTimeout(r, 300));
  expect(prof.socket.messages().map((m) => m.content)).not.toContain("after");
  [student.socket, prof.socket].forEach((x) => x.ws.close(1000));
});
