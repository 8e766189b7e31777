/** SPEC section 4, frames: every client frame, every bad input, and what each side sees. */
import { describe, expect, it } from "vitest";
import { apiJson, people } from "../support/api";
import { namedConsultation } from "../support/consultations";
import { connect, post, type Client } from "../support/sockets";

async function room() {
  const c = await namedConsultation("IN_PROGRESS");
  const student = (await connect(c.requestIdx, { token: people.student })).client;
  const professor = (await connect(c.requestIdx, { token: people.professor })).client;
  return { id: c.requestIdx, student, professor, close: () => [student, professor].forEach((s) => s.close()) };
}

const hotMessages = async (id: number) =>
  (await apiJson<{ messages: Array<Record<string, unknown>> }>(`/api/chat/messages/${id}`, { token: people.student })).body.messages;

async function expectError(client: Client, raw: string, code: string) {
  client.send(raw);
  const err = await client.next("error");
  expect(err.code).toBe(code);
  expect(typeof err.message).toBe("string");
  return err;
}

describe("send", () => {
  it("stores, then broadcasts to every socket (the sender's too) and acks the sender", async () => {
    const r = await room();
    r.student.send({ type: "send", clientMsgId: "m-1", content: "  교수님 안녕하세요  ", sender: "PROF001", senderName: "x", sentAt: "1999" });
    const ack = await r.student.next("ack");
    const mine = await r.student.next("message");
    const theirs = await r.professor.next("message");
    expect(mine).toEqual(theirs);
    expect(mine.message).toMatchObject({
      seq: 2, requestIdx: r.id, sender: "STU001", senderName: "홍길동", type: "NORMAL", content: "교수님 안녕하세요", clientMsgId: "m-1",
    });
    expect(Date.parse(mine.message.sentAt)).toBeGreaterThan(Date.parse("2020-01-01"));
    expect(ack).toEqual({ type: "ack", clientMsgId: "m-1", id: mine.message.id, seq: 2 });
    expect(r.professor.frames.some((f) => f.type === "ack")).toBe(false);
    expect((await hotMessages(r.id)).at(-1)).toEqual(mine.message);
    r.close();
  });

  it("VALIDATION for empty, whitespace-only and over-2000-character content; nothing stored", async () => {
    const r = await room();
    for (const content of ["", "   \n ", "x".repeat(2001)]) {
      const err = await expectError(r.student, JSON.stringify({ type: "send", clientMsgId: "bad", content }), "VALIDATION");
      expect(err.clientMsgId).toBe("bad");
    }
    const ok = await post(r.student, "가".repeat(2000));
    expect(ok).toMatchObject({ type: "ack", seq: 2 });
    expect(await hotMessages(r.id)).toHaveLength(2);
    r.close();
  });

  it("BAD_FRAME for malformed JSON, unknown types and binary frames; the socket stays open", async () => {
    const r = await room();
    await expectError(r.student, "{not json", "BAD_FRAME");
    await expectError(r.student, '{"type":"shout","content":"hi"}', "BAD_FRAME");
    await expectError(r.student, "42", "BAD_FRAME");
    r.student.ws.send(new TextEncoder().encode('{"type":"ping"}'));
    expect((await r.student.next("error")).code).toBe("BAD_FRAME");
    expect(await post(r.student, "still here")).toMatchObject({ type: "ack" });
    r.close();
  });

  it("a frame over 16 KiB closes the socket with 1009; one just under is only a validation error", async () => {
    const r = await room();
    const under = JSON.stringify({ type: "send", clientMsgId: "u", content: "x".repeat(16 * 1024 - 60) });
    expect(new TextEncoder().encode(under).byteLength).toBeLessThanOrEqual(16 * 1024);
    await expectError(r.student, under, "VALIDATION");
    r.student.send(JSON.stringify({ type: "send", clientMsgId: "o", content: "가".repeat(6000) }));
    expect((await r.student.closed()).code).toBe(1009);
    expect(await post(r.professor, "the room lives on")).toMatchObject({ type: "ack" });
    r.close();
  });

  it("admins are read-only: send, read and typing get FORBIDDEN, but they receive everything", async () => {
    const r = await room();
    const admin = (await connect(r.id, { token: people.admin })).client;
    await expectError(admin, JSON.stringify({ type: "send", clientMsgId: "a", content: "hello" }), "FORBIDDEN");
    await expectError(admin, '{"type":"read","upToSeq":1}', "FORBIDDEN");
    await expectError(admin, '{"type":"typing"}', "FORBIDDEN");
    await post(r.student, "seen by the admin");
    expect((await admin.next("message")).message.content).toBe("seen by the admin");
    expect(await hotMessages(r.id)).toHaveLength(2);
    admin.close();
    r.close();
  });
});

describe("sync, read, typing, ping", () => {
  it("sync answers with every stored message after the given seq", async () => {
    const r = await room();
    for (const text of ["a", "b", "c"]) await post(r.student, text);
    r.professor.send({ type: "sync", afterSeq: 2 });
    const history = await r.professor.next("history");
    expect(history.messages.map((m: { seq: number; content: string }) => [m.seq, m.content])).toEqual([[3, "b"], [4, "c"]]);
    r.professor.send({ type: "sync", afterSeq: 99 });
    expect((await r.professor.next("history")).messages).toEqual([]);
    r.close();
  });

  it("read marks move forward only, are clamped to the last seq, broadcast and persisted", async () => {
    const r = await room();
    await post(r.student, "one");
    r.professor.send({ type: "read", upToSeq: 50 });
    const receipt = await r.student.next("read");
    expect(receipt).toMatchObject({ type: "read", userCode: "PROF001", upToSeq: 2 });
    expect(Date.parse(receipt.readAt)).toBeGreaterThan(0);
    await r.professor.next("read"); // the reader's other devices learn it too
    r.professor.send({ type: "read", upToSeq: 1 }); // backwards: ignored
    await r.professor.roundTrip();
    expect(r.student.frames.filter((f) => f.type === "read")).toHaveLength(1);
    const page = await apiJson(`/api/chat/messages/${r.id}`, { token: people.student });
    expect(page.body.reads).toEqual([{ userCode: "PROF001", upToSeq: 2, readAt: receipt.readAt }]);
    r.close();
  });

  it("typing reaches the other side only and is not stored", async () => {
    const r = await room();
    const studentPhone = (await connect(r.id, { token: people.student })).client;
    r.student.send({ type: "typing" });
    expect(await r.professor.next("typing")).toEqual({ type: "typing", userCode: "STU001" });
    await r.student.roundTrip();
    await studentPhone.roundTrip();
    expect(r.student.frames.some((f) => f.type === "typing")).toBe(false);
    expect(studentPhone.frames.some((f) => f.type === "typing")).toBe(false);
    expect(await hotMessages(r.id)).toHaveLength(1);
    studentPhone.close();
    r.close();
  });

  it("ping gets pong, in any JSON spelling", async () => {
    const r = await room();
    r.student.send('{"type":"ping"}');
    expect(await r.student.next()).toEqual({ type: "pong" });
    r.student.send('{ "type" : "ping" }');
    expect(await r.student.next()).toEqual({ type: "pong" });
    r.close();
  });
});
