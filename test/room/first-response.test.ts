/**
 * The room records the recipient's first response (for the stats' firstResponseSeconds):
 * the counselor's first NORMAL message after the start, written once with the throttled
 * activity report (never per message), kept across evictions, unchanged by a transfer once
 * someone has answered.
 */
import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { roomSettled } from "../support/rooms";
import { describe, expect, it } from "vitest";
import { roomStub } from "../../src/chat/room-client";
import type { Consultation } from "../../src/domain/types";
import { apiJson, people, testEnv, type Claims } from "../support/api";
import { actOk, createConsultation, namedConsultation, uniqueCode } from "../support/consultations";
import { connect, post, type Client } from "../support/sockets";

/** first_response_at as stored (internal: not part of the consultation JSON). */
const storedFirstResponse = async (id: number) =>
  (await testEnv.DB.prepare(`SELECT first_response_at AS at FROM consultation_request WHERE request_idx = ?`).bind(id).first<{ at: number | null }>())!.at;

/** Runs the room's pending activity report now (its deadline moved into the past). */
async function flushActivity(id: number): Promise<void> {
  await roomSettled(id); // deadlines follow a stored batch a turn later
  const stub = roomStub(testEnv, id);
  await runInDurableObject(stub, (_room, state) => {
    state.storage.sql.exec(`UPDATE deadlines SET at_ms = ? WHERE kind = 'activity'`, Date.now() - 1);
  });
  // The room reads its deadlines once per wake: a new instance sees the edit.
  await evictDurableObject(stub);
  await runDurableObjectAlarm(stub);
}

/** Posts as `from` and returns the stored message's sentAt, as `observer` received it. */
async function sentAt(from: Client, observer: Client, content: string): Promise<string> {
  const ack = await post(from, content);
  expect(ack.type).toBe("ack");
  return (await observer.next((f) => f.type === "message" && f.message.seq === ack.seq)).message.sentAt;
}

describe("first response", () => {
  it("is the recipient's first message after the start, written once with the activity report, across an eviction", async () => {
    const c = await namedConsultation("IN_PROGRESS");
    const s = (await connect(c.requestIdx, { token: people.student })).client;
    const p = (await connect(c.requestIdx, { token: people.professor })).client;
    await sentAt(s, p, "질문 있습니다"); // the requester's message is not a response
    const answered = await sentAt(p, s, "네, 말씀하세요");
    expect(await storedFirstResponse(c.requestIdx)).toBeNull(); // nothing per message
    await evictDurableObject(roomStub(testEnv, c.requestIdx));
    await flushActivity(c.requestIdx);
    expect(await storedFirstResponse(c.requestIdx)).toBe(Date.parse(answered));
    await sentAt(p, s, "두 번째 답변");
    await flushActivity(c.requestIdx);
    expect(await storedFirstResponse(c.requestIdx)).toBe(Date.parse(answered));
    const json = (await apiJson<Consultation>(`/api/consultations/${c.requestIdx}`, { token: people.admin })).body;
    expect(json).not.toHaveProperty("firstResponseAt");
    s.close();
    p.close();
  });

  it("a requester-only chat has none; after a transfer the new recipient's first message counts", async () => {
    const c = await namedConsultation("IN_PROGRESS");
    const s = (await connect(c.requestIdx, { token: people.student })).client;
    const p = (await connect(c.requestIdx, { token: people.professor })).client;
    await sentAt(s, p, "아무도 답하지 않는 질문");
    await flushActivity(c.requestIdx);
    expect(await storedFirstResponse(c.requestIdx)).toBeNull();
    await actOk(people.professor, c.requestIdx, "transfer", { toUserCode: people.professor2.sub });
    await actOk(people.professor2, c.requestIdx, "start");
    const p2 = (await connect(c.requestIdx, { token: people.professor2 })).client;
    const answered = await sentAt(p2, s, "제가 이어받았습니다");
    await flushActivity(c.requestIdx);
    expect(await storedFirstResponse(c.requestIdx)).toBe(Date.parse(answered));
    s.close();
    p2.close();
  });

  it("once someone has answered, a transfer does not reset it", async () => {
    const c = await namedConsultation("IN_PROGRESS");
    const s = (await connect(c.requestIdx, { token: people.student })).client;
    const p = (await connect(c.requestIdx, { token: people.professor })).client;
    const answered = await sentAt(p, s, "먼저 답합니다");
    await actOk(people.professor, c.requestIdx, "transfer", { toUserCode: people.professor2.sub });
    await actOk(people.professor2, c.requestIdx, "start");
    const p2 = (await connect(c.requestIdx, { token: people.professor2 })).client;
    await sentAt(p2, s, "이어서 답합니다");
    await flushActivity(c.requestIdx);
    expect(await storedFirstResponse(c.requestIdx)).toBe(Date.parse(answered));
    s.close();
    p2.close();
  });

  it("the stats' wait and first response equal the consultation's own timestamps", async () => {
    const counselor: Claims = { sub: uniqueCode("PROF"), name: "한교수", role: "professor" };
    const created = await createConsultation(people.student, { recipientUserCode: counselor.sub, title: "지표 확인" });
    const started = await actOk(counselor, created.requestIdx, "start");
    const s = (await connect(created.requestIdx, { token: people.student })).client;
    const p = (await connect(created.requestIdx, { token: counselor })).client;
    const answered = await sentAt(p, s, "안녕하세요");
    await flushActivity(created.requestIdx);
    const window = `from=${created.createdAt}&to=${new Date(Date.now() + 1000).toISOString()}`;
    const res = await apiJson(`/api/admin/stats?${window}&groupBy=counselor`, { token: people.admin });
    expect(res.status).toBe(200);
    const group = res.body.groups.find((g: { key: string }) => g.key === counselor.sub);
    const wait = (Date.parse(started.startedAt!) - Date.parse(created.createdAt)) / 1000;
    const first = (Date.parse(answered) - Date.parse(started.startedAt!)) / 1000;
    expect(group).toMatchObject({ created: 1, messages: 2, waitSeconds: { mean: wait, p90: wait }, firstResponseSeconds: { mean: first, p90: first } });
    s.close();
    p.close();
  });
});
