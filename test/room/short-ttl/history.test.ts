/**
 * SPEC section 6, "Nor does one disappear from view": with a hot-store TTL far shorter
 * than the backup interval (CHAT_TTL_HOURS=0.001, 3.6 s; the history projects of
 * test/vitest.config.ts set it), the hot list really expires, on its own: by the
 * embedded store's TTL (project `history`) or in Redis behind the Upstash gateway
 * (project `history-upstash`). Every read still returns every message of the
 * consultation, in seq order, whether the hot store holds none of them or only the newer
 * ones: GET messages (all, ?count, ?afterSeq), `sync`, the history download, a snapshot
 * and the final archive.
 */
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { roomStub } from "../../../src/chat/room-client";
import { getServices } from "../../../src/config/services";
import type { ChatMessage } from "../../../src/domain/types";
import { contentsOf, finalOf, fireDeadline, r2Archive, snapshotsOf } from "../../archive/support/room";
import { api, apiJson, people, testEnv } from "../../support/api";
import { actOk, namedConsultation } from "../../support/consultations";
import { connect, post, type Client } from "../../support/sockets";

const STARTED = "상담이 시작되었습니다.";
const ENDED = "상담이 종료되었습니다.";
const adapter = testEnv.UPSTASH_REDIS_REST_URL ? "Upstash Redis" : "embedded DO SQLite";

/** How many messages the room's hot store holds right now (either adapter, as the room sees it). */
function hotCount(requestIdx: number): Promise<number> {
  return runInDurableObject(roomStub(testEnv, requestIdx), (_room, state) =>
    getServices(testEnv).messageStoreFor(state.storage.sql).store.count(requestIdx),
  );
}

/** Waits, in real time, until the hot store's TTL has run out and its list is gone. */
async function untilHotExpired(requestIdx: number): Promise<void> {
  const deadline = Date.now() + 20_000;
  while ((await hotCount(requestIdx)) > 0) {
    if (Date.now() > deadline) throw new Error(`the hot store of room ${requestIdx} did not expire within 20 s`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function messagesPage(requestIdx: number, query = ""): Promise<{ messageCount: number; messages: ChatMessage[] }> {
  const res = await apiJson(`/api/chat/messages/${requestIdx}${query}`, { token: people.student });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body;
}

const seqs = (messages: readonly ChatMessage[]) => messages.map((m) => m.seq);
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

async function sync(client: Client, afterSeq: number): Promise<ChatMessage[]> {
  const before = client.frames.filter((f) => f.type === "history").length;
  client.send({ type: "sync", afterSeq });
  const all = await client.all("history", before + 1);
  return all[before]!.messages as ChatMessage[];
}

async function historyDownload(requestIdx: number): Promise<string> {
  const res = await api(`/api/chat/history/download/${requestIdx}`, { token: people.professor, method: "POST" });
  expect(res.status).toBe(200);
  return res.text();
}

describe(`history after the hot TTL (${adapter}, CHAT_TTL_HOURS=${testEnv.CHAT_TTL_HOURS})`, () => {
  it("runs with a TTL far below the backup interval", () => {
    expect(Number(testEnv.CHAT_TTL_HOURS)).toBe(0.001);
  });

  it("expired, then new messages: every read has every message, in seq order", async () => {
    const c = await namedConsultation("IN_PROGRESS");
    const student = (await connect(c.requestIdx, { token: people.student })).client;
    const professor = (await connect(c.requestIdx, { token: people.professor })).client;
    expect(await post(student, "one")).toMatchObject({ type: "ack", seq: 2 });
    expect(await post(professor, "two")).toMatchObject({ type: "ack", seq: 3 });
    expect(await post(student, "three")).toMatchObject({ type: "ack", seq: 4 });

    await untilHotExpired(c.requestIdx);
    expect(await post(professor, "four")).toMatchObject({ type: "ack", seq: 5 });
    expect(await post(student, "five")).toMatchObject({ type: "ack", seq: 6 });
    // The hot store now holds only the newer part.
    expect(await hotCount(c.requestIdx)).toBe(2);
    const contents = [STARTED, "one", "two", "three", "four", "five"];

    const all = await messagesPage(c.requestIdx);
    expect(all.messageCount).toBe(6);
    expect(seqs(all.messages)).toEqual(range(1, 6));
    expect(all.messages.map((m) => m.content)).toEqual(contents);
    expect(seqs((await messagesPage(c.requestIdx, "?count=4")).messages)).toEqual(range(3, 6));
    expect(seqs((await messagesPage(c.requestIdx, "?afterSeq=1")).messages)).toEqual(range(2, 6));
    expect(seqs((await messagesPage(c.requestIdx, "?afterSeq=2&count=2")).messages)).toEqual([5, 6]);
    expect((await messagesPage(c.requestIdx, "?count=2")).messageCount).toBe(6);

    expect(seqs(await sync(student, 0))).toEqual(range(1, 6));
    expect(seqs(await sync(professor, 3))).toEqual([4, 5, 6]);

    const live = await historyDownload(c.requestIdx);
    expect(contentsOf(live)).toEqual(contents);
    expect(live).toContain("총 메시지 수: 6\n");

    await fireDeadline(c.requestIdx, "snapshot");
    const [snapshot, ...others] = await snapshotsOf(r2Archive(), c.requestIdx);
    expect(others).toEqual([]);
    expect(contentsOf(await r2Archive().get(snapshot!))).toEqual(contents);

    await actOk(people.professor, c.requestIdx, "end");
    const archived = await finalOf(r2Archive(), c.requestIdx);
    expect(contentsOf(archived)).toEqual([...contents, ENDED]);
    expect(archived).toContain("총 메시지 수: 7\n");
    const download = await api(`/api/chat/archive/download/${c.requestIdx}`, { token: people.student });
    expect(download.status).toBe(200);
    expect(contentsOf(await download.text())).toEqual([...contents, ENDED]);
    // Archived: the room's log and hot messages are gone, as SPEC section 6 says.
    expect(await messagesPage(c.requestIdx)).toMatchObject({ messageCount: 0, messages: [] });
    student.close();
    professor.close();
  });

  it("expired and nothing since, no backup yet: reads and the final archive still have every message", async () => {
    const c = await namedConsultation("IN_PROGRESS");
    const student = (await connect(c.requestIdx, { token: people.student })).client;
    await post(student, "before the silence");
    await post(student, "still there?");
    await untilHotExpired(c.requestIdx);
    const contents = [STARTED, "before the silence", "still there?"];

    const page = await messagesPage(c.requestIdx);
    expect(page.messageCount).toBe(3);
    expect(page.messages.map((m) => m.content)).toEqual(contents);
    expect(seqs((await messagesPage(c.requestIdx, "?afterSeq=2")).messages)).toEqual([3]);
    expect(seqs(await sync(student, 0))).toEqual([1, 2, 3]);
    expect(contentsOf(await historyDownload(c.requestIdx))).toEqual(contents);
    // No snapshot was due yet (the backup interval is minutes, the TTL seconds).
    expect(await snapshotsOf(r2Archive(), c.requestIdx)).toEqual([]);

    // A new socket after the silence sees the same history and continues the sequence.
    student.close();
    const back = await connect(c.requestIdx, { token: people.student });
    expect(back.ready.lastSeq).toBe(3);
    expect(seqs(await sync(back.client, 0))).toEqual([1, 2, 3]);
    expect(await post(back.client, "back again")).toMatchObject({ type: "ack", seq: 4 });

    await actOk(people.student, c.requestIdx, "end");
    expect(contentsOf(await finalOf(r2Archive(), c.requestIdx))).toEqual([...contents, "back again", ENDED]);
    back.client.close();
  });
});
