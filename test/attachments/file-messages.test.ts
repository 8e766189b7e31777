/** SPEC section 11, step 2: the FILE `send`, checked and stored by the room. */
import { describe, expect, it } from "vitest";
import type { ChatMessage } from "../../src/domain/types";
import { getServices } from "../../src/config/services";
import { archiveKeys } from "../../src/stores/archive-store/port";
import { api, apiJson, people, testEnv } from "../support/api";
import { namedConsultation } from "../support/consultations";
import { connect, post } from "../support/sockets";
import { fireDeadline, r2Archive, snapshotsOf } from "../archive/support/room";
import { grant, ownStudent, randomBytes, sendFile, uploaded } from "./support/uploads";

const png = { name: "오류 화면.png", contentType: "image/png", bytes: randomBytes(512) };

async function room() {
  const c = await namedConsultation("IN_PROGRESS");
  const student = (await connect(c.requestIdx, { token: people.student })).client;
  const professor = (await connect(c.requestIdx, { token: people.professor })).client;
  return { requestIdx: c.requestIdx, student, professor };
}

const hotMessages = async (requestIdx: number) =>
  (await apiJson<{ messages: ChatMessage[] }>(`/api/chat/messages/${requestIdx}`, { token: people.professor })).body.messages;

describe("FILE messages", () => {
  it("an uploaded file is stored as a FILE message with its attachment, acked and broadcast; the grant is marked sent", async () => {
    const { requestIdx, student, professor } = await room();
    const g = await uploaded(people.student, requestIdx, png);
    const clientMsgId = crypto.randomUUID();
    const ack = await sendFile(student, g.attachmentId, clientMsgId);
    expect(ack).toMatchObject({ type: "ack", clientMsgId, seq: 2 });
    const seen = await professor.next((f) => f.type === "message" && f.message.seq === 2);
    expect(seen.message).toMatchObject({
      id: ack.id,
      type: "FILE",
      content: "",
      sender: "STU001",
      senderName: "홍길동",
      clientMsgId,
      attachment: { id: g.attachmentId, name: "오류 화면.png", size: 512, contentType: "image/png" },
    });
    expect((await hotMessages(requestIdx)).at(-1)).toEqual(seen.message);
    expect((await getServices(testEnv).repository.findAttachment(g.attachmentId))?.sentClientMsgId).toBe(clientMsgId);
    student.close();
    professor.close();
  });

  it("may carry a caption (trimmed); the caption has the text limits", async () => {
    const { requestIdx, student } = await room();
    const g = await uploaded(people.student, requestIdx, png);
    const tooLong = await sendFile(student, g.attachmentId, undefined, "가".repeat(2001));
    expect(tooLong).toMatchObject({ type: "error", code: "VALIDATION" });
    await sendFile(student, g.attachmentId, undefined, "  이 화면이 떠요  ");
    expect((await hotMessages(requestIdx)).at(-1)).toMatchObject({ type: "FILE", content: "이 화면이 떠요" });
    student.close();
  });

  it("VALIDATION when the object was never uploaded; nothing is stored and an upload then a retry succeed", async () => {
    const { requestIdx, student } = await room();
    const g = await grant(people.student, requestIdx, { name: "a.png", size: 512, contentType: "image/png" });
    const clientMsgId = crypto.randomUUID();
    const refused = await sendFile(student, g.attachmentId, clientMsgId);
    expect(refused).toMatchObject({ type: "error", code: "VALIDATION", clientMsgId });
    expect(refused.message).toContain("attachmentId");
    expect(await hotMessages(requestIdx)).toHaveLength(1);
    // The refusal gave the claim back: the grant is unsent again (and the cleanup's again).
    expect((await getServices(testEnv).repository.findAttachment(g.attachmentId))?.sentClientMsgId).toBeNull();
    await testEnv.ARCHIVE.put(archiveKeys.attachment(requestIdx, g.attachmentId), png.bytes);
    expect(await sendFile(student, g.attachmentId, clientMsgId)).toMatchObject({ type: "ack", seq: 2 });
    student.close();
  });

  it("VALIDATION when the object is not the granted size", async () => {
    const { requestIdx, student } = await room();
    const g = await grant(people.student, requestIdx, { name: "a.png", size: 512, contentType: "image/png" });
    // Only a store bypassing the upload route could write another size: the room checks anyway.
    await testEnv.ARCHIVE.put(archiveKeys.attachment(requestIdx, g.attachmentId), randomBytes(511));
    const refused = await sendFile(student, g.attachmentId);
    expect(refused).toMatchObject({ type: "error", code: "VALIDATION" });
    expect(refused.message).toContain("511");
    expect(await hotMessages(requestIdx)).toHaveLength(1);
    student.close();
  });

  it("VALIDATION for an unknown id, a malformed id, another user's upload and an upload of another room", async () => {
    const { requestIdx, student, professor } = await room();
    const other = await namedConsultation("IN_PROGRESS");
    const elsewhere = await uploaded(people.student, other.requestIdx, png);
    const professorsFile = await uploaded(people.professor, requestIdx, png);
    for (const attachmentId of [crypto.randomUUID(), "not-a-uuid", 42, elsewhere.attachmentId, professorsFile.attachmentId]) {
      const clientMsgId = crypto.randomUUID();
      student.send({ type: "send", clientMsgId, attachmentId });
      const f = await student.next((x) => x.clientMsgId === clientMsgId);
      expect(f, String(attachmentId)).toMatchObject({ type: "error", code: "VALIDATION" });
    }
    expect(await hotMessages(requestIdx)).toHaveLength(1);
    // The professor's own file is theirs to send.
    expect(await sendFile(professor, professorsFile.attachmentId)).toMatchObject({ type: "ack" });
    student.close();
    professor.close();
  });

  it("a repeated FILE send with its clientMsgId gets the same ack and no second message", async () => {
    const { requestIdx, student, professor } = await room();
    const g = await uploaded(people.student, requestIdx, png);
    const clientMsgId = crypto.randomUUID();
    // Twice at once (racing each other) and once after the first ack.
    student.send({ type: "send", clientMsgId, attachmentId: g.attachmentId });
    student.send({ type: "send", clientMsgId, attachmentId: g.attachmentId });
    const acks = await student.all("ack", 2);
    const third = await sendFile(student, g.attachmentId, clientMsgId);
    expect(new Set([...acks, third].map((a) => `${a.id}/${a.seq}`)).size).toBe(1);
    await post(professor, "받았습니다");
    const messages = await hotMessages(requestIdx);
    expect(messages.filter((m) => m.type === "FILE")).toHaveLength(1);
    expect(messages.map((m) => m.seq)).toEqual([1, 2, 3]);
    expect(professor.frames.filter((f) => f.type === "message" && f.message.type === "FILE")).toHaveLength(1);
    student.close();
    professor.close();
  });

  it("FILE sends count against the sender's message rate; a limited one may be retried with its clientMsgId", async () => {
    const { who, requestIdx } = await ownStudent(); // 10 grants of its own
    const student = (await connect(requestIdx, { token: who })).client;
    const files = [];
    for (let i = 0; i < 10; i++) files.push(await uploaded(who, requestIdx, png));
    const texts = Array.from({ length: 25 }, (_, i) => `t${i}-${crypto.randomUUID()}`);
    const fileIds = files.map(() => crypto.randomUUID());
    for (const id of texts) student.send({ type: "send", clientMsgId: id, content: "burst" });
    files.forEach((f, i) => student.send({ type: "send", clientMsgId: fileIds[i], attachmentId: f.attachmentId }));
    const results = await student.results(fileIds);
    const limited = results.filter((r) => r.type === "error");
    expect(limited.length).toBeGreaterThan(0);
    expect(limited.every((r) => r.code === "RATE_LIMITED")).toBe(true);
    const stored = await hotMessages(requestIdx);
    expect(stored.filter((m) => m.type === "FILE")).toHaveLength(results.length - limited.length);
    // The refused message's file is still its own: once the bucket refilled (ten tokens a
    // second; a retry a second later, as a client backs off), the same send is stored.
    const retryId = limited[0]!.clientMsgId as string;
    const retried = files[fileIds.indexOf(retryId)]!;
    let retry = limited[0]!;
    for (let attempt = 0; attempt < 5 && retry.type === "error"; attempt++) {
      expect(retry.code).toBe("RATE_LIMITED");
      await new Promise((resolve) => setTimeout(resolve, 1100));
      retry = await sendFile(student, retried.attachmentId, retryId);
    }
    expect(retry, JSON.stringify(retry)).toMatchObject({ type: "ack" });
    student.close();
  });

  it("a copy of a stored FILE send is answered by dedupe alone (the grant is not checked again)", async () => {
    const { requestIdx, student } = await room();
    const g = await uploaded(people.student, requestIdx, png);
    const clientMsgId = crypto.randomUUID();
    const first = await sendFile(student, g.attachmentId, clientMsgId);
    // Were the object checked again, its absence would refuse the copy.
    await testEnv.ARCHIVE.delete(archiveKeys.attachment(requestIdx, g.attachmentId));
    expect(await sendFile(student, g.attachmentId, clientMsgId)).toEqual(first);
    student.close();
  });

  it("a FILE send reusing a stored text's clientMsgId gets that text's ack and leaves the grant unsent", async () => {
    const { requestIdx, student } = await room();
    const g = await uploaded(people.student, requestIdx, png);
    const clientMsgId = crypto.randomUUID();
    const text = await post(student, "글", clientMsgId);
    expect(await sendFile(student, g.attachmentId, clientMsgId)).toEqual(text);
    expect((await getServices(testEnv).repository.findAttachment(g.attachmentId))?.sentClientMsgId).toBeNull();
    student.close();
  });

  it("a file belongs to one message: another clientMsgId with the same attachment is VALIDATION", async () => {
    const { requestIdx, student } = await room();
    const g = await uploaded(people.student, requestIdx, png);
    expect(await sendFile(student, g.attachmentId)).toMatchObject({ type: "ack" });
    expect(await sendFile(student, g.attachmentId)).toMatchObject({ type: "error", code: "VALIDATION" });
    student.close();
  });

  it("FILE and text messages share one seq order, in the order one sender sent them", async () => {
    const { requestIdx, student, professor } = await room();
    const files = [await uploaded(people.student, requestIdx, png), await uploaded(people.student, requestIdx, png)];
    const ids = [crypto.randomUUID(), crypto.randomUUID(), crypto.randomUUID()];
    student.send({ type: "send", clientMsgId: ids[0], attachmentId: files[0]!.attachmentId });
    student.send({ type: "send", clientMsgId: ids[1], content: "사이" });
    student.send({ type: "send", clientMsgId: ids[2], attachmentId: files[1]!.attachmentId });
    const results = await student.results(ids);
    expect(results.map((r) => r.type)).toEqual(["ack", "ack", "ack"]);
    expect(results.map((r) => r.seq)).toEqual([2, 3, 4]);
    const seen = await professor.all("message", 3);
    expect(seen.map((f) => [f.message.seq, f.message.type])).toEqual([[2, "FILE"], [3, "NORMAL"], [4, "FILE"]]);
    expect((await hotMessages(requestIdx)).map((m) => m.seq)).toEqual([1, 2, 3, 4]);
    student.close();
    professor.close();
  });

  it("admins are read-only (FORBIDDEN); a send that is neither text nor file is VALIDATION", async () => {
    const { requestIdx, student } = await room();
    const g = await uploaded(people.student, requestIdx, png);
    const admin = (await connect(requestIdx, { token: people.admin })).client;
    expect(await sendFile(admin, g.attachmentId)).toMatchObject({ type: "error", code: "FORBIDDEN" });
    const clientMsgId = crypto.randomUUID();
    student.send({ type: "send", clientMsgId });
    expect(await student.next((f) => f.clientMsgId === clientMsgId)).toMatchObject({ type: "error", code: "VALIDATION" });
    admin.close();
    student.close();
  });

  it("the transcript lists a file as `내용: [파일] {name} ({size})`", async () => {
    const { requestIdx, student } = await room();
    const small = await uploaded(people.student, requestIdx, { ...png, name: "작은 파일.png" });
    const larger = await uploaded(people.student, requestIdx, { name: "report.pdf", contentType: "application/pdf", bytes: randomBytes(12_595) });
    await sendFile(student, small.attachmentId);
    await sendFile(student, larger.attachmentId);
    const res = await api(`/api/chat/history/download/${requestIdx}`, { token: people.student, method: "POST" });
    const text = await res.text();
    expect(text).toContain("발신: 홍길동 (STU001)\n내용: [파일] 작은 파일.png (512 B)\n---");
    expect(text).toContain("내용: [파일] report.pdf (12.3 KB)\n---");
    student.close();
  });

  it("the room's snapshot lists the file the same way", async () => {
    const { requestIdx, student } = await room();
    const g = await uploaded(people.student, requestIdx, { name: "스냅샷.pdf", contentType: "application/pdf", bytes: randomBytes(4 * 1024 * 1024) });
    await sendFile(student, g.attachmentId);
    await fireDeadline(requestIdx, "snapshot");
    const [key] = await snapshotsOf(r2Archive(), requestIdx);
    expect(await r2Archive().get(key!)).toContain("발신: 홍길동 (STU001)\n내용: [파일] 스냅샷.pdf (4.0 MB)\n---");
    student.close();
  });
});
